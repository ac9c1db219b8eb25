"""reference.py against a per-row float64 loop written straight from SPEC.md."""
import itertools
import math

import numpy as np
import pytest
from random_layers import random_leaf_mlp, random_path_neuron

from fff_mlir import ACTIVATIONS, LeafMLP, MasterLeaf, PathNeuron, ShapeError

# --- oracle: SPEC.md pseudo-code, one row and one scalar at a time, float64 ---------------

SCALAR_ACT = {
    "relu": lambda v: max(v, 0.0) if not math.isnan(v) else v,
    "gelu": lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))),
    "gelu_tanh": lambda v: 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3))),
    "silu": lambda v: v / (1 + math.exp(-v)) if v > -700 else v * math.exp(v),
    "identity": lambda v: v,
}


def act(name, v):
    return np.array([SCALAR_ACT[name](float(e)) for e in v])


def right(s, tie):
    return s >= 0 if tie == "ge" else s > 0


def oracle_leaf_mlp(layer, x):
    """(outputs, leaf index per row, nodes visited, their logits)."""
    p = {k: getattr(layer, k).astype(np.float64) for k in ("node_weights", "node_biases", "w1s", "b1s", "w2s", "b2s")}
    d = layer.depth
    ys, leaves, nodes, logits = [], [], [], []
    for row in x.astype(np.float64):
        n, visited, zs = 0, [], []
        for _ in range(d):
            s = float(np.dot(p["node_weights"][n], row) + p["node_biases"][n])
            visited.append(n), zs.append(s)
            n = 2 * n + 1 + (1 if right(s, layer.tie) else 0)
        j = n - (2**d - 1)
        y = act(layer.activation, row @ p["w1s"][j] + p["b1s"][j]) @ p["w2s"][j] + p["b2s"][j]
        if layer.master is not None:
            m = layer.master
            big_m = act(layer.activation, row @ m.w1.astype(np.float64) + m.b1) @ m.w2.astype(np.float64) + m.b2
            sig = 1 / (1 + math.exp(-m.k))
            y = sig * y + (1 - sig) * big_m
        ys.append(y), leaves.append(j), nodes.append(visited), logits.append(zs)
    shape = (len(x), d)
    return (np.array(ys).reshape(len(x), layer.d_out), np.array(leaves, dtype=np.int64),
            np.array(nodes, dtype=np.int64).reshape(shape), np.array(logits).reshape(shape))


def oracle_path_neuron(layer, x):
    """(outputs, global node rows visited, their logits)."""
    w_in, b_in, w_out = (a.astype(np.float64) for a in (layer.w_in, layer.b_in, layer.w_out))
    N = 2 ** (layer.depth + 1) - 1
    ys, nodes, logits = [], [], []
    for row in x.astype(np.float64):
        y, visited, zs = np.zeros(layer.d_out), [], []
        for t in range(layer.trees):
            n = 0
            for _ in range(layer.depth + 1):
                z = float(np.dot(w_in[t * N + n], row) + b_in[t * N + n])
                y = y + SCALAR_ACT[layer.activation](z) * w_out[:, t * N + n]
                visited.append(t * N + n), zs.append(z)
                n = 2 * n + 1 + (1 if right(z, layer.tie) else 0)
        ys.append(y), nodes.append(visited), logits.append(zs)
    shape = (len(x), layer.trees * (layer.depth + 1))
    return (np.array(ys).reshape(len(x), layer.d_out), np.array(nodes, dtype=np.int64).reshape(shape),
            np.array(logits).reshape(shape))


def clear_of_zero(x, w, b, nodes, z):
    """Rows whose every path logit is safely away from 0, relative to a bound on its
    float32 rounding error (1e-5 * (|w| . |x| + |b|))."""
    bound = np.einsum("bki,bi->bk", np.abs(w[nodes]), np.abs(x)) + np.abs(b[nodes])
    return np.all(np.abs(z) > 1e-5 * bound, axis=1)


def assert_close(y32, y64, rows):
    scale = max(1.0, float(np.abs(y64).max())) if y64.size else 1.0
    np.testing.assert_allclose(y32[rows], y64[rows], rtol=2e-5, atol=2e-5 * scale)


CASES = list(itertools.product(range(7), ACTIVATIONS))


@pytest.mark.parametrize("depth,activation", CASES)
def test_leaf_mlp_matches_oracle(depth, activation):
    i = CASES.index((depth, activation))
    rng = np.random.default_rng(1000 + i)
    batch = (1, 7, 64, 0)[i % 4]
    tie = ("ge", "gt")[i % 2]
    layer = random_leaf_mlp(rng, depth, d_in=13 + i % 3, width=1 + i % 6, d_out=1 + i % 8,
                            master=bool(i // 2 % 2), activation=activation, tie=tie)
    x = rng.standard_normal((batch, layer.d_in)).astype(np.float32)
    y64, leaf64, nodes64, z64 = oracle_leaf_mlp(layer, x)
    ok = clear_of_zero(x, layer.node_weights, layer.node_biases, nodes64, z64)
    assert ok.sum() >= 0.9 * batch
    assert np.array_equal(layer.route(x)[ok], leaf64[ok])
    assert_close(layer.forward(x), y64, ok)
    # float64 agrees with the float64 oracle on every row
    assert np.array_equal(layer.route(x, np.float64), leaf64)
    np.testing.assert_allclose(layer.forward(x, np.float64), y64, rtol=1e-10, atol=1e-10)
    assert layer.forward(x).dtype == np.float32 and layer.forward(x).shape == (batch, layer.d_out)


@pytest.mark.parametrize("depth,activation", CASES)
def test_path_neuron_matches_oracle(depth, activation):
    i = CASES.index((depth, activation))
    rng = np.random.default_rng(2000 + i)
    batch = (64, 1, 0, 7)[i % 4]
    tie = ("gt", "ge")[i % 2]
    trees = (1, 3, 2)[i % 3]
    layer = random_path_neuron(rng, trees, depth, d_in=11 + i % 4, d_out=1 + i % 9, activation=activation, tie=tie)
    x = rng.standard_normal((batch, layer.d_in)).astype(np.float32)
    y64, nodes64, z64 = oracle_path_neuron(layer, x)
    ok = clear_of_zero(x, layer.w_in, layer.b_in, nodes64, z64)
    assert ok.sum() >= 0.9 * batch
    nodes, logits = layer.route(x)
    assert nodes.dtype == np.int64 and nodes.shape == (batch, trees * (depth + 1))
    assert np.array_equal(nodes[ok], nodes64[ok])
    np.testing.assert_allclose(logits[ok], z64[ok], rtol=1e-5, atol=1e-5 * max(1.0, np.abs(z64).max(initial=0)))
    assert_close(layer.forward(x), y64, ok)
    nodes_f64, logits_f64 = layer.route(x, np.float64)
    assert np.array_equal(nodes_f64, nodes64)
    np.testing.assert_allclose(logits_f64, z64, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.forward(x, np.float64), y64, rtol=1e-10, atol=1e-10)


# --- tie rule, NaN, inf -----------------------------------------------------------------


@pytest.mark.parametrize("zero", ["weights", "input"])
def test_tie_rule_at_exact_zero(zero):
    rng = np.random.default_rng(5)
    d = 3
    x = np.zeros((4, 6), np.float32) if zero == "input" else rng.standard_normal((4, 6)).astype(np.float32)
    for tie, leaf, path in (("ge", 2**d - 1, [0, 2, 6, 14]), ("gt", 0, [0, 1, 3, 7])):
        a = random_leaf_mlp(rng, d, d_in=6, tie=tie)
        a.node_biases[:] = 0
        if zero == "weights":
            a.node_weights[:] = 0
        assert a.route(x).tolist() == [leaf] * 4
        b = random_path_neuron(rng, 2, d, d_in=6, tie=tie)
        b.b_in[:] = 0
        if zero == "weights":
            b.w_in[:] = 0
        nodes, logits = b.route(x)
        assert np.all(logits == 0)
        assert nodes.tolist() == [path + [15 + n for n in path]] * 4


def test_nan_input_goes_left_without_index_errors():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 8)).astype(np.float32)
    x[1] = np.nan
    for tie in ("ge", "gt"):
        a = random_leaf_mlp(rng, 5, d_in=8, master=True, tie=tie)
        assert a.route(x)[1] == 0
        y = a.forward(x)
        assert np.all(np.isnan(y[1])) and np.all(np.isfinite(y[[0, 2]]))
        b = random_path_neuron(rng, 2, 4, d_in=8, tie=tie)
        nodes, logits = b.route(x)
        assert np.all(np.isnan(logits[1]))
        assert nodes[1].tolist() == [0, 1, 3, 7, 15, 31, 32, 34, 38, 46]
        assert np.all(np.isnan(b.forward(x)[1])) and np.all(np.isfinite(b.forward(x)[[0, 2]]))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_inf_inputs_stay_in_range(activation):
    rng = np.random.default_rng(7)
    x = np.array([[np.inf] * 5, [-np.inf] * 5, [np.inf, -np.inf, 0, 1, np.nan], [1e38] * 5], np.float32)
    for tie in ("ge", "gt"):
        a = random_leaf_mlp(rng, 4, d_in=5, master=True, activation=activation, tie=tie)
        b = random_path_neuron(rng, 3, 4, d_in=5, activation=activation, tie=tie)
        with np.errstate(invalid="ignore", over="ignore"):  # the oracle meets inf - inf too
            assert np.array_equal(a.route(x, np.float64), oracle_leaf_mlp(a, x)[1])
            assert np.array_equal(b.route(x, np.float64)[0], oracle_path_neuron(b, x)[1])
        assert a.forward(x).shape == (4, a.d_out)
        assert b.forward(x).shape == (4, b.d_out)


# --- depth 0 ----------------------------------------------------------------------------


def test_leaf_mlp_depth0_is_plain_mlp():
    rng = np.random.default_rng(8)
    a = random_leaf_mlp(rng, 0, d_in=10, width=6, d_out=4)
    assert a.depth == 0 and a.node_weights.shape == (0, 10)
    x = rng.standard_normal((9, 10)).astype(np.float32)
    expect = np.maximum(x @ a.w1s[0] + a.b1s[0], 0) @ a.w2s[0] + a.b2s[0]
    assert a.route(x).tolist() == [0] * 9
    np.testing.assert_allclose(a.forward(x), expect, rtol=1e-5, atol=1e-5)


def test_path_neuron_depth0_is_one_neuron_per_tree():
    rng = np.random.default_rng(9)
    b = random_path_neuron(rng, 6, 0, d_in=10, d_out=4, activation="relu")
    x = rng.standard_normal((9, 10)).astype(np.float32)
    expect = np.maximum(x @ b.w_in.T + b.b_in, 0) @ b.w_out.T
    assert b.route(x)[0].tolist() == [list(range(6))] * 9
    np.testing.assert_allclose(b.forward(x), expect, rtol=1e-5, atol=1e-5)


# --- validation -------------------------------------------------------------------------


def _leaf_arrays(rng):
    a = random_leaf_mlp(rng, 2, d_in=5, width=3, d_out=4, master=True)
    return {k: getattr(a, k) for k in ("node_weights", "node_biases", "w1s", "b1s", "w2s", "b2s")}, a.master


@pytest.mark.parametrize(
    "name,bad,expected",
    [
        ("node_weights", (3, 6), "(3, 5)"),
        ("node_biases", (3, 1), "(3,)"),
        ("b1s", (4, 2), "(4, 3)"),
        ("w2s", (4, 4, 4), "(4, 3, ?)"),  # w2s's last dim defines D_out
        ("b2s", (4, 5), "(4, 4)"),
    ],
)
def test_leaf_mlp_shape_errors_name_tensor(name, bad, expected):
    arrays, _ = _leaf_arrays(np.random.default_rng(10))
    arrays[name] = np.zeros(bad, np.float32)
    with pytest.raises(ShapeError) as e:
        LeafMLP(**arrays)
    assert str(e.value) == f"{name}: expected shape {expected}, got {bad}"


def test_leaf_mlp_other_validation():
    rng = np.random.default_rng(11)
    arrays, master = _leaf_arrays(rng)
    with pytest.raises(ShapeError, match=r"w1s.*power of two"):
        LeafMLP(**{**arrays, "w1s": np.zeros((3, 5, 3), np.float32)})
    with pytest.raises(ShapeError, match=r"w1s: expected shape \(\?, \?, \?\), got \(4, 15\)"):
        LeafMLP(**{**arrays, "w1s": np.zeros((4, 15), np.float32)})
    with pytest.raises(ShapeError, match="w1s.*int64"):
        LeafMLP(**{**arrays, "w1s": arrays["w1s"].astype(np.int64)})
    with pytest.raises(ShapeError, match=r"master.w1: expected shape \(5, \?\), got \(6, 3\)"):
        LeafMLP(**arrays, master=MasterLeaf(np.zeros((6, 3)), master.b1, master.w2, master.b2, 0.0))
    with pytest.raises(ShapeError, match=r"master.b2: expected shape \(4,\), got \(5,\)"):
        MasterLeaf(master.w1, master.b1, master.w2, np.zeros(5), 0.0)
    with pytest.raises(ValueError, match="relu"):
        LeafMLP(**arrays, activation="tanh")
    with pytest.raises(ValueError, match="tie"):
        LeafMLP(**arrays, tie="lt")
    layer = LeafMLP(**arrays)
    with pytest.raises(ShapeError, match=r"x: expected shape \(\?, 5\), got \(3, 6\)"):
        layer.forward(np.zeros((3, 6)))
    with pytest.raises(ShapeError, match="x"):
        layer.route(np.zeros(5))


@pytest.mark.parametrize("name", ["w_in", "b_in", "w_out"])
def test_path_neuron_shape_errors_name_tensor(name):
    b = random_path_neuron(np.random.default_rng(12), 2, 2, d_in=5, d_out=4)
    arrays = {"w_in": b.w_in, "b_in": b.b_in, "w_out": b.w_out}
    arrays[name] = arrays[name][..., :-1] if name == "w_out" else arrays[name][:-1]
    with pytest.raises(ShapeError, match=name) as e:
        PathNeuron(**arrays, trees=2, depth=2)
    assert "14" in str(e.value) and "13" in str(e.value)
    with pytest.raises(ValueError, match="trees"):
        PathNeuron(b.w_in, b.b_in, b.w_out, trees=0, depth=2)
    with pytest.raises(ValueError, match="depth"):
        PathNeuron(b.w_in, b.b_in, b.w_out, trees=2, depth=-1)
    with pytest.raises(ShapeError, match=r"w_in: expected shape \(7, \?\), got \(14, 5\)"):
        PathNeuron(b.w_in, b.b_in, b.w_out, trees=1, depth=2)
