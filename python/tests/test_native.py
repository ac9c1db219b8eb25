"""fff_mlir.native: fff-compile into a shared library, then call the C entry
points through the header's ABI description; and the demo that uses it."""
import ctypes
import dataclasses

import numpy as np
import pytest

from fff_mlir.jobs import demo
from fff_mlir.jobs.examples import EXAMPLES, example_input
from fff_mlir.mlir_text import to_mlir
from fff_mlir import ShapeError
from fff_mlir.native import (CompileError, CompileOptions, FFFRuntimeError, Library, compile_layers,
                             compile_mlir, run_layer)


@pytest.mark.parametrize("weights", ["constants", "arguments"])
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_layer_compiles_and_runs(name, weights, tmp_path):
    layer = EXAMPLES[name]()
    x = example_input(layer, rows=9)
    lib = compile_mlir(to_mlir(layer, weights=weights), tmp_path / "l.so", CompileOptions(vector_width=4))
    y = run_layer(lib, "layer", layer, x) if weights == "arguments" else lib["layer"](x)
    np.testing.assert_allclose(y, layer.forward(x, dtype=np.float64), rtol=1e-5, atol=1e-6)
    assert (tmp_path / "l.h").is_file() and (tmp_path / "l.mlir").is_file()


def test_empty_batch_returns_empty_rows(tmp_path):
    layer = EXAMPLES["path_neuron_2x2.mlir"]()
    lib = compile_mlir(to_mlir(layer), tmp_path / "l.so")
    y = lib["layer"](np.zeros((0, layer.d_in), np.float32))
    assert y.shape == (0, layer.d_out)


def test_compile_error_points_at_the_input(tmp_path):
    bad = "func.func @f(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {\n  return %y : tensor<?x3xf32>\n}\n"
    with pytest.raises(CompileError, match=r"f\.mlir:2:10: error: use of undeclared SSA value name"):
        compile_mlir(bad, tmp_path / "f.so")


def test_bad_pipeline_option_is_an_error(tmp_path):
    layer = EXAMPLES["path_neuron_2x2.mlir"]()
    with pytest.raises(CompileError, match="row-block must be >= 1, got 0"):
        compile_mlir(to_mlir(layer), tmp_path / "l.so", CompileOptions(row_block=0))


def test_demo_runs_and_checks_compiled_code(capsys):
    assert demo.run_demo() == 0
    out = capsys.readouterr().out
    assert out.count("compiled (fff-compile --fuse=true") == len(EXAMPLES)
    assert out.count("compiled (fff-compile --fuse=false") == len(EXAMPLES)
    assert "demo ok" in out


def test_entry_point_checks_its_arguments(tmp_path):
    layer = EXAMPLES["path_neuron_2x2.mlir"]()
    lib = compile_layers({"l": layer}, CompileOptions(), tmp_path)
    with pytest.raises(ShapeError, match=r"l: x: expected shape \(\?, 16\), got \(3, 15\)"):
        run_layer(lib, "l", layer, np.zeros((3, 15), np.float32))
    with pytest.raises(ShapeError, match="l: x: expected shape"):
        run_layer(lib, "l", layer, np.zeros(16, np.float32))
    with pytest.raises(TypeError, match="x must have dtype float32 .*, got float64"):
        run_layer(lib, "l", layer, np.zeros((3, 16)))
    with pytest.raises(TypeError, match="x must be a numpy array"):
        run_layer(lib, "l", layer, [[0.0] * 16])
    with pytest.raises(ValueError, match="x must be C-contiguous"):
        run_layer(lib, "l", layer, np.zeros((16, 3), np.float32).T)
    with pytest.raises(TypeError, match=r"l takes 4 argument\(s\) \(x, node_weights, node_biases, "
                                        r"output_weights\), got 1"):
        lib["l"](np.zeros((3, 16), np.float32))
    with pytest.raises(KeyError, match=r"has no entry point for @m; it has \['l'\]"):
        lib["m"]


def test_c_status_codes_become_exceptions(tmp_path):
    """The entry point itself rejects NULL and negative sizes (status 1, 2)."""
    layer = EXAMPLES["path_neuron_2x2.mlir"]()
    lib = compile_mlir(to_mlir(layer), tmp_path / "l.so")
    fn = lib["layer"]._fn
    out = np.empty((2, layer.d_out), np.float32)
    x = np.zeros((2, layer.d_in), np.float32)
    assert fn(None, ctypes.c_int64(2), ctypes.c_void_p(out.ctypes.data)) == 1
    assert fn(ctypes.c_void_p(x.ctypes.data), ctypes.c_int64(-1), ctypes.c_void_p(out.ctypes.data)) == 2
    assert fn(ctypes.c_void_p(x.ctypes.data), ctypes.c_int64(2), None) == 1
    assert fn(None, ctypes.c_int64(0), None) == 0  # empty arrays may be NULL
    with pytest.raises(FFFRuntimeError, match="returned 2: negative dimension"):
        lib["layer"]._fn.restype = ctypes.c_int32
        lib["layer"]._fn = lambda *a: 2  # what a failing call reports
        lib["layer"](x)


def test_library_needs_its_description(tmp_path):
    layer = EXAMPLES["path_neuron_2x2.mlir"]()
    compile_mlir(to_mlir(layer), tmp_path / "l.so")
    (tmp_path / "l.h").unlink()  # the header is for C; the description is read
    assert Library(tmp_path / "l.so")["layer"]
    description = tmp_path / "l.json"
    text = description.read_text()
    description.write_text(text.replace('"abi_version":3', '"abi_version":2'))
    with pytest.raises(ValueError, match="l.json: C ABI version 2, but this fff_mlir calls version 3"):
        Library(tmp_path / "l.so")
    description.write_text(text[:40])
    with pytest.raises(ValueError, match="l.json: not a description written by fff-compile"):
        Library(tmp_path / "l.so")
    description.unlink()
    with pytest.raises(FileNotFoundError, match="l.json: the description fff-compile wrote next to l.so"):
        Library(tmp_path / "l.so")


# Each strategy's dot products on vector widths whose lanes do not halve down
# to two: what is left (3 lanes) is summed in order (buildLaneSum).
ODD_WIDTH_STRATEGIES = {
    "fused": CompileOptions(group_rows=0),
    "fused-interleave2": CompileOptions(group_rows=0, interleave=2),
    "grouped": CompileOptions(group_rows=4, group_min_batch=0),
    "bucketed": CompileOptions(bucket_rows=True, bucket_min_batch=0),
}


@pytest.mark.parametrize("vector_width", [3, 6, 12])
@pytest.mark.parametrize("strategy", sorted(ODD_WIDTH_STRATEGIES))
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_vector_widths_of_odd_lane_counts(name, strategy, vector_width, tmp_path):
    layer = EXAMPLES[name]()
    options = dataclasses.replace(ODD_WIDTH_STRATEGIES[strategy], vector_width=vector_width)
    lib = compile_mlir(to_mlir(layer), tmp_path / "l.so", options)
    x = example_input(layer, rows=17, seed=vector_width)
    np.testing.assert_allclose(lib["layer"](x), layer.forward(x, dtype=np.float64), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("interleave", [2, 3, 4])
@pytest.mark.parametrize("batch", [1, 2, 3, 4, 5, 7, 8, 9])
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_static_batch_with_interleaving(name, batch, interleave, tmp_path):
    """A batch fixed in the IR lets canonicalization fold the row loops; every
    row must still be written (a fold once dropped all but one row of a group)."""
    layer = EXAMPLES[name]()
    text = to_mlir(layer).replace("tensor<?x", f"tensor<{batch}x").replace(
        "tensor.empty(%rows)", "tensor.empty()")
    lib = compile_mlir(text, tmp_path / "l.so", CompileOptions(interleave=interleave))
    x = example_input(layer, rows=batch, seed=batch)
    out = lib["layer"](x)
    np.testing.assert_allclose(out, layer.forward(x, dtype=np.float64), rtol=1e-5, atol=1e-6)
