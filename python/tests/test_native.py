"""fff_mlir.native (compile through fff-cpu-pipeline, call with memref
descriptors) and the main job's demo that uses it."""
import numpy as np
import pytest

from fff_mlir import demo
from fff_mlir.examples import EXAMPLES, example_input
from fff_mlir.mlir_text import to_mlir
from fff_mlir import ShapeError
from fff_mlir.native import (CompileError, PipelineOptions, SharedModule, compile_layers, compile_shared,
                             run_layer, with_c_interface)


def test_with_c_interface_marks_every_function_once():
    text = "func.func @a(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {\n}\nfunc.func @b() attributes {x} {\n}\n"
    out = with_c_interface(text)
    assert out.count("llvm.emit_c_interface") == 1 and "@b() attributes {x} {" in out
    assert with_c_interface(out) == out


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_constant_weight_layer_compiles_and_runs(name, tmp_path):
    layer = EXAMPLES[name]()
    x = example_input(layer, rows=9)
    lib = compile_shared(with_c_interface(to_mlir(layer)), tmp_path / "l.so", PipelineOptions(vector_width=4))
    y = SharedModule(lib).call("layer", x)
    np.testing.assert_allclose(y, layer.forward(x, dtype=np.float64), rtol=1e-5, atol=1e-6)


def test_empty_batch_returns_empty_rows(tmp_path):
    layer = EXAMPLES["path_neuron_2x2.mlir"]()
    lib = compile_shared(with_c_interface(to_mlir(layer)), tmp_path / "l.so")
    y = SharedModule(lib).call("layer", np.zeros((0, layer.d_in), np.float32))
    assert y.shape == (0, layer.d_out)


def test_compile_error_carries_the_diagnostic(tmp_path):
    bad = "func.func @f(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {\n  return %y : tensor<?x3xf32>\n}\n"
    with pytest.raises(CompileError, match="use of undeclared SSA value name"):
        compile_shared(bad, tmp_path / "f.so")


def test_bad_pipeline_option_is_an_error(tmp_path):
    layer = EXAMPLES["path_neuron_2x2.mlir"]()
    with pytest.raises(CompileError, match="row-block must be >= 1, got 0"):
        compile_shared(with_c_interface(to_mlir(layer)), tmp_path / "l.so", PipelineOptions(row_block=0))


def test_demo_runs_and_checks_compiled_code(capsys):
    assert demo.run_demo() == 0
    out = capsys.readouterr().out
    assert out.count("compiled (fff-cpu-pipeline{fuse=true") == len(EXAMPLES)
    assert out.count("compiled (fff-cpu-pipeline{fuse=false") == len(EXAMPLES)
    assert "demo ok" in out


def test_run_layer_rejects_a_wrong_width(tmp_path):
    layer = EXAMPLES["path_neuron_2x2.mlir"]()
    module = compile_layers({"l": layer}, PipelineOptions(), tmp_path)
    with pytest.raises(ShapeError, match=r"x: expected shape \(\?, 16\), got \(3, 15\)"):
        run_layer(module, "l", layer, np.zeros((3, 15), np.float32))
    with pytest.raises(ShapeError, match="x: expected shape"):
        run_layer(module, "l", layer, np.zeros(16, np.float32))
