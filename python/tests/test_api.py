"""The package API users drive: load -> compile -> call, layer.to_mlir(),
layer.reference(x), and the errors bad input gets."""
import gc
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import fff_mlir
from conftest import require_fixture, require_torch
from fff_mlir import CheckpointError, CompiledLayer, LeafMLP, PathNeuron, ShapeError
from fff_mlir.jobs.examples import EXAMPLES, example_input, ultrafastbert_layer
from fff_mlir.jobs.mnist import load_test_set
from fff_mlir.verify import compare


@pytest.fixture(scope="module")
def path_layer():
    return EXAMPLES["path_neuron_2x2.mlir"]()


@pytest.fixture(scope="module")
def compiled(path_layer, tmp_path_factory):
    return fff_mlir.compile(path_layer, output=tmp_path_factory.mktemp("api") / "libpath.so")


@pytest.mark.parametrize("weights", ["constants", "arguments"])
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_compile_any_batch(name, weights, tmp_path):
    layer = EXAMPLES[name]()
    fast = fff_mlir.compile(layer, target="cpu", weights=weights, output=tmp_path / "lib.so")
    assert isinstance(fast, CompiledLayer) and fast.path == tmp_path / "lib.so"
    for batch in (0, 1, 2, 17, 300):
        x = example_input(layer, rows=batch, seed=batch)
        y = fast(x)
        assert y.shape == (batch, layer.d_out) and y.dtype == np.float32
        assert compare(layer, x, y).ok


def test_ultrafastbert_shape_matches_reference(tmp_path):
    layer = ultrafastbert_layer(depth=6, width=96)  # the default model's form, smaller
    fast = fff_mlir.compile(layer, output=tmp_path / "lib.so", vector_width=16, row_block=2)
    x = np.random.default_rng(0).standard_normal((257, 96)).astype(np.float32)
    x[3, 5] = np.nan
    result = compare(layer, x, fast(x))
    assert result.ok, str(result)


def test_to_mlir_and_reference_methods(path_layer):
    text = path_layer.to_mlir("f")
    assert "func.func @f(" in text and "fff.path_neuron" in text
    assert fff_mlir.mlir_text.from_mlir(text).w_in.tobytes() == path_layer.w_in.tobytes()
    x = example_input(path_layer, rows=4)
    ref = path_layer.reference(x)
    assert ref.dtype == np.float64
    np.testing.assert_allclose(ref, path_layer.forward(x, dtype=np.float64))


def test_load_numpy_arrays_and_checkpoints(tmp_path):
    rng = np.random.default_rng(1)
    sd = {"linear_in.weight": rng.standard_normal((7, 5)).astype(np.float32),
          "linear_in.bias": rng.standard_normal(7).astype(np.float32),
          "linear_out.weight": rng.standard_normal((3, 7)).astype(np.float32)}
    layer = fff_mlir.load(sd)
    assert isinstance(layer, PathNeuron) and (layer.depth, layer.d_in, layer.d_out) == (2, 5, 3)
    np.savez(tmp_path / "l.npz", **sd)
    x = rng.standard_normal((9, 5)).astype(np.float32)
    fast = fff_mlir.compile(fff_mlir.load(tmp_path / "l.npz"), output=tmp_path / "l.so")
    assert compare(layer, x, fast(x)).ok


def test_compiled_layer_rejects_bad_arrays(compiled, path_layer):
    good = np.zeros((3, path_layer.d_in), np.float32)
    with pytest.raises(TypeError, match="x must have dtype float32, got float64"):
        compiled(good.astype(np.float64))
    with pytest.raises(TypeError, match="x must have dtype float32, got int32"):
        compiled(good.astype(np.int32))
    with pytest.raises(TypeError, match="x must be a numpy array of float32, got list"):
        compiled(good.tolist())
    with pytest.raises(ValueError, match="x must be C-contiguous"):
        compiled(np.zeros((3, 2 * path_layer.d_in), np.float32)[:, ::2])
    with pytest.raises(ValueError, match="x must be C-contiguous"):
        compiled(np.asfortranarray(np.zeros((3, path_layer.d_in), np.float32)))
    with pytest.raises(ShapeError, match=r"x: expected shape \(\?, 16\), got \(3, 15\)"):
        compiled(np.zeros((3, 15), np.float32))
    with pytest.raises(ShapeError, match=r"x: expected shape \(\?, 16\), got \(16,\)"):
        compiled(np.zeros(16, np.float32))
    # Still usable after the errors.
    assert compiled(good).shape == (3, path_layer.d_out)


def test_compile_rejects_bad_requests(path_layer, tmp_path):
    with pytest.raises(ValueError, match="unknown target 'tpu'; available: cpu"):
        fff_mlir.compile(path_layer, target="tpu")
    with pytest.raises(ValueError, match="weights must be 'constants' or 'arguments'"):
        fff_mlir.compile(path_layer, weights="file")
    with pytest.raises(TypeError, match="compile takes a LeafMLP or PathNeuron, got dict"):
        fff_mlir.compile({"w": 1})
    with pytest.raises(fff_mlir.CompileError, match="vector-width must be in \\[0, 64\\], got 99"):
        fff_mlir.compile(path_layer, vector_width=99, output=tmp_path / "l.so")


def test_temporary_folder_lives_as_long_as_the_compiled_layer(path_layer):
    fast = fff_mlir.compile(path_layer)
    folder = fast.path.parent
    assert folder.name.startswith("fff_mlir_") and fast.path.with_suffix(".mlir").is_file()
    x = example_input(path_layer)
    y = fast(x)
    library = fast.library  # held by the user: the folder stays
    del fast
    gc.collect()
    assert folder.is_dir()
    assert np.array_equal(library["layer"](x), y)
    del library
    gc.collect()
    assert not folder.exists()


def test_keep_leaves_the_folder_for_diagnosis(path_layer):
    fast = fff_mlir.compile(path_layer, keep=True)
    folder = fast.path.parent
    try:
        del fast
        gc.collect()
        assert folder.is_dir() and (folder / "liblayer.mlir").is_file()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_failed_compile_keeps_its_input_and_says_where(path_layer):
    with pytest.raises(fff_mlir.CompileError, match="fff-compile's input is kept in /") as info:
        fff_mlir.compile(path_layer, vector_width=99)
    source = Path(re.search(r"kept in (/\S+\.mlir)", str(info.value)).group(1))
    try:
        assert source.is_file() and "fff.path_neuron" in source.read_text()
    finally:
        shutil.rmtree(source.parent, ignore_errors=True)


def test_compiled_layer_checks_the_library_against_the_layer(path_layer, compiled):
    other = EXAMPLES["leaf_mlp_master.mlir"]()
    message = r"fff_layer takes x of shape \[None, 16\], but the layer's rows have 3 values"
    with pytest.raises(ShapeError, match=message):
        CompiledLayer(LeafMLP(other.node_weights[:, :3], other.node_biases, other.w1s[:, :3], other.b1s,
                              other.w2s, other.b2s), compiled.library, "layer", None)


def test_checkpoint_errors_are_exceptions(tmp_path):
    """Missing tensor, wrong shape, wrong dtype, unsupported family: CheckpointError."""
    rng = np.random.default_rng(2)
    sd = {"linear_in.weight": rng.standard_normal((7, 5)).astype(np.float32),
          "linear_in.bias": rng.standard_normal(7).astype(np.float32),
          "linear_out.weight": rng.standard_normal((3, 7)).astype(np.float32)}
    with pytest.raises(CheckpointError, match="missing tensor 'linear_in.bias'"):
        fff_mlir.load({k: v for k, v in sd.items() if k != "linear_in.bias"})
    with pytest.raises(CheckpointError, match="linear_out.weight"):
        fff_mlir.load({**sd, "linear_out.weight": sd["linear_out.weight"][:, :5]})
    with pytest.raises(CheckpointError, match="linear_in.weight: expected a floating-point tensor, got dtype int64"):
        fff_mlir.load({**sd, "linear_in.weight": np.ones((7, 5), np.int64)})
    with pytest.raises(CheckpointError, match="unsupported checkpoint: no FFF layer found"):
        fff_mlir.load({"conv.weight": np.ones((3, 3), np.float32)})
    with pytest.raises(CheckpointError, match="unknown FFF family 'moe'"):
        fff_mlir.load(sd, family="moe")


@pytest.mark.parametrize("name", ["bad name", "x) -> ()", "1layer", "int", "", 7])
def test_names_that_cannot_be_c_symbols_are_refused(name):
    layer = PathNeuron(np.zeros((3, 2), np.float32), np.zeros(3, np.float32),
                       np.zeros((2, 3), np.float32), trees=1, depth=1)
    with pytest.raises(ValueError, match=r"cannot name the C entry point: use letters, digits"):
        fff_mlir.compile(layer, name=name)
    with pytest.raises(ValueError, match=r"cannot name the C entry point"):
        fff_mlir.to_mlir(layer, name)


def test_mnist_fixture_through_the_api(tmp_path):
    mnist = require_fixture("mnist")
    require_torch()
    layer = fff_mlir.load(mnist / "models" / "ml_l4_d2.pt")
    assert isinstance(layer, LeafMLP)
    x, labels = load_test_set(mnist)
    fast = fff_mlir.compile(layer, output=tmp_path / "libmnist.so")
    assert int(np.sum(np.argmax(fast(x), axis=1) == labels)) == 9473
