"""Layers as fff MLIR text: exact round trips, fff-opt accepts what to_mlir
writes, and the shipped examples are what their seeds generate."""
import subprocess

import numpy as np
import pytest
from conftest import skip_unless_ci
from random_layers import random_leaf_mlp, random_path_neuron

from fff_mlir import LeafMLP
from fff_mlir.jobs.examples import EXAMPLES
from fff_mlir.mlir_text import from_mlir, to_mlir
from fff_mlir.paths import REPO_ROOT, tool

LAYERS = {
    "leaf_depth0": lambda rng: random_leaf_mlp(rng, 0),
    "leaf_depth3_master": lambda rng: random_leaf_mlp(rng, 3, master=True, activation="silu", tie="gt"),
    "path_depth0_3trees": lambda rng: random_path_neuron(rng, 3, 0, activation="identity"),
    "path_depth4": lambda rng: random_path_neuron(rng, 1, 4, tie="ge"),
}


def fff_opt():
    """fff-opt, or a skip when it is not built (a failure under CI)."""
    try:
        return str(tool("fff-opt"))
    except FileNotFoundError as err:
        skip_unless_ci(str(err))


def same_layer(a, b):
    assert type(a) is type(b)
    names = ("node_weights", "node_biases", "w1s", "b1s", "w2s", "b2s") if isinstance(a, LeafMLP) \
        else ("w_in", "b_in", "w_out")
    for name in names:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    if isinstance(a, LeafMLP):
        assert (a.master is None) == (b.master is None)
        if a.master is not None:
            for name in ("w1", "b1", "w2", "b2"):
                np.testing.assert_array_equal(getattr(a.master, name), getattr(b.master, name))
            assert np.float32(a.master.k) == np.float32(b.master.k)
    else:
        assert (a.trees, a.depth) == (b.trees, b.depth)
    assert (a.activation, a.tie) == (b.activation, b.tie)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_round_trip_is_bit_exact(name):
    layer = LAYERS[name](np.random.default_rng(3))
    same_layer(layer, from_mlir(to_mlir(layer)))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_fff_opt_accepts_and_round_trips(name, tmp_path):
    layer = LAYERS[name](np.random.default_rng(4))
    path = tmp_path / "layer.mlir"
    path.write_text(to_mlir(layer))
    result = subprocess.run([fff_opt(), str(path), "--mlir-print-elementsattrs-with-hex-if-larger=0"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "fff." in result.stdout


def test_fff_opt_rejects_a_broken_layer(tmp_path):
    text = to_mlir(LAYERS["leaf_depth3_master"](np.random.default_rng(5)))
    path = tmp_path / "broken.mlir"
    path.write_text(text.replace("depth 3", "depth 2"))
    result = subprocess.run([fff_opt(), str(path)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "'node_weights' dimension 0 must be 3 (2^depth - 1 nodes), but got 7" in result.stderr


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_shipped_example_matches_its_seed(name):
    shipped = (REPO_ROOT / "examples" / name).read_text()
    same_layer(from_mlir(shipped), EXAMPLES[name]())
    assert to_mlir(EXAMPLES[name]()) in shipped


def test_from_mlir_needs_a_layer_op():
    with pytest.raises(ValueError, match="no fff.leaf_mlp or fff.path_neuron op"):
        from_mlir("func.func @f() { return }")


def test_from_mlir_needs_constant_weights():
    text = to_mlir(LAYERS["path_depth4"](np.random.default_rng(6)))
    with pytest.raises(ValueError, match=r"operands \['w_in'\] are not dense f32 constants"):
        from_mlir(text.replace("%w_in = arith.constant", "%w_in_unused = arith.constant"))


def test_to_mlir_rejects_other_objects():
    with pytest.raises(TypeError, match="takes a LeafMLP or PathNeuron"):
        to_mlir(np.zeros(3))
