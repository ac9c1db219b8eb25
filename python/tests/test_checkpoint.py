"""Checkpoint import: layouts of SPEC.md, round trips, and error messages."""
import sys

import numpy as np
import pytest

from fff_mlir import (
    CheckpointError,
    LeafMLP,
    PathNeuron,
    find_prefix,
    leaf_mlp_from_state_dict,
    load_layer,
    load_state_dict,
    path_neuron_from_state_dict,
)
from conftest import require_fixture, require_torch


def leaf_sd(rng, depth=2, d_in=6, width=3, d_out=4, master=False):
    """A fastfeedforward-style state_dict as numpy arrays (training stats included)."""
    L, f = 2**depth, lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    sd = {
        "depth": np.array(depth, np.int64),
        "node_weights": f(L - 1, d_in),
        "node_biases": f(L - 1, 1),
        "w1s": f(L, d_in, width),
        "b1s": f(L, width),
        "w2s": f(L, width, d_out),
        "b2s": f(L, d_out),
        "node_usage": f(L - 1),
        "leaf_usage": f(L),
        "f": f(L),
    }
    if master:
        sd.update(magic_w1=f(1, d_in, 8), magic_b1=f(1, 8), magic_w2=f(1, 8, d_out), magic_b2=f(1, d_out), k=f())
    return sd


def path_sd(rng, trees=1, depth=3, d_in=6, d_out=5, prefix=""):
    TN, f = trees * (2 ** (depth + 1) - 1), lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    p = prefix
    return {p + "linear_in.weight": f(TN, d_in), p + "linear_in.bias": f(TN), p + "linear_out.weight": f(d_out, TN)}


@pytest.fixture
def torch():
    return require_torch()


# --- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("master", [False, True])
def test_leaf_mlp_torch_round_trip(torch, tmp_path, master):
    rng = np.random.default_rng(1)
    sd = leaf_sd(rng, depth=3, master=master)
    torch.save({k: torch.from_numpy(v) for k, v in sd.items()}, tmp_path / "m.pt")
    layer = load_layer(tmp_path / "m.pt")
    assert isinstance(layer, LeafMLP) and layer.depth == 3 and (layer.master is not None) == master
    assert layer.node_biases.shape == (7,) and layer.w1s.dtype == np.float32
    direct = leaf_mlp_from_state_dict(sd)
    x = rng.standard_normal((20, 6)).astype(np.float32)
    np.testing.assert_array_equal(layer.forward(x), direct.forward(x))
    # the math by hand, from the checkpoint arrays
    j = direct.route(x)
    h = np.maximum(np.einsum("bi,bil->bl", x, sd["w1s"][j]) + sd["b1s"][j], 0)
    y = np.einsum("bl,blo->bo", h, sd["w2s"][j]) + sd["b2s"][j]
    if master:
        m = np.maximum(x @ sd["magic_w1"][0] + sd["magic_b1"][0], 0) @ sd["magic_w2"][0] + sd["magic_b2"][0]
        s = 1 / (1 + np.exp(-sd["k"]))
        y = s * y + (1 - s) * m
    np.testing.assert_allclose(layer.forward(x), y, rtol=1e-5, atol=1e-5)


def test_npz_round_trip_and_float_conversion(tmp_path):
    rng = np.random.default_rng(2)
    sd = {k: v.astype(np.float64) if v.dtype == np.float32 else v for k, v in path_sd(rng, trees=3, depth=2).items()}
    np.savez(tmp_path / "m.npz", **sd)
    layer = load_layer(tmp_path / "m.npz", trees=3)
    assert isinstance(layer, PathNeuron) and (layer.trees, layer.depth) == (3, 2)
    assert layer.w_in.dtype == layer.b_in.dtype == layer.w_out.dtype == np.float32
    assert set(load_state_dict(tmp_path / "m.npz")) == set(sd)


def _ultrafastbert_sd(rng, layers=4):
    sd = {"embedding.word_embedding.weight": rng.standard_normal((30, 6)).astype(np.float32)}
    for i in range(layers):
        sd.update(path_sd(rng, trees=1, depth=2, d_in=6, d_out=6, prefix=f"encoder.layers.{i}.ffn."))
        sd[f"encoder.layers.{i}.attn.self_attention.Wqkv.weight"] = rng.standard_normal((18, 6)).astype(np.float32)
    return sd


def test_ultrafastbert_prefix(torch, tmp_path):
    rng = np.random.default_rng(3)
    sd = _ultrafastbert_sd(rng)
    torch.save({k: torch.from_numpy(v) for k, v in sd.items()}, tmp_path / "bert.bin")
    layer = load_layer(tmp_path / "bert.bin", layer=3)
    assert find_prefix(sd, layer=3) == "encoder.layers.3.ffn."
    np.testing.assert_array_equal(layer.w_in, sd["encoder.layers.3.ffn.linear_in.weight"])
    assert (layer.trees, layer.depth, layer.activation, layer.tie) == (1, 2, "gelu", "gt")
    with pytest.raises(CheckpointError, match=r"several FFF layers.*encoder\.layers\.0\.ffn\..*layer="):
        load_layer(sd)
    with pytest.raises(CheckpointError, match="no FFF layer found for layer 7"):
        load_layer(sd, layer=7)
    only = {k: v for k, v in sd.items() if ".1." in k or "embedding" in k}
    assert find_prefix(only) == "encoder.layers.1.ffn."


def ultrafastbert_ffn(x, w_in, b_in, w_out, trees, depth):
    """UltraFastBERT's eval forward: all logits, a 0/1 decision map along the paths, dense out."""
    import torch

    n_nodes, batch = 2 ** (depth + 1) - 1, x.shape[0]
    logits = torch.nn.functional.linear(x, w_in, b_in)
    decisions = (logits > 0).long().view(batch, trees, n_nodes)
    acts = torch.nn.functional.gelu(logits).view(batch, trees, n_nodes)
    current = torch.zeros((batch, trees), dtype=torch.long)
    decision_map = torch.zeros_like(acts)
    decision_map.scatter_(2, current.unsqueeze(-1), 1.0)
    for d in range(depth):
        platform, next_platform = 2**d - 1, 2 ** (d + 1) - 1
        moves = torch.gather(decisions, 2, current.unsqueeze(2)).squeeze(2)
        current = (current - platform) * 2 + moves + next_platform
        decision_map.scatter_(2, current.unsqueeze(-1), 1.0)
    return torch.nn.functional.linear((acts * decision_map).flatten(1, 2), w_out)


@pytest.mark.parametrize("trees,depth", [(1, 0), (1, 5), (4, 3), (3, 0)])
def test_path_neuron_matches_ultrafastbert_torch(torch, trees, depth):
    rng = np.random.default_rng(4 + depth)
    sd = path_sd(rng, trees, depth, d_in=16, d_out=8)
    layer = load_layer(sd, trees=trees)
    x = rng.standard_normal((50, 16))
    t = {k: torch.from_numpy(v.astype(np.float64)) for k, v in sd.items()}
    w_in, b_in, w_out = t["linear_in.weight"], t["linear_in.bias"], t["linear_out.weight"]
    want = ultrafastbert_ffn(torch.from_numpy(x), w_in, b_in, w_out, trees, depth)
    np.testing.assert_allclose(layer.forward(x, np.float64), want.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.forward(x), want.numpy(), rtol=1e-4, atol=1e-4)


def test_mnist_fixture_checkpoints_load(torch):
    models = require_fixture("mnist", "models")
    for path, depth, width, master in [("lb_l8_d1", 1, 8, False), ("ml_l8_d4", 4, 8, True)]:
        sd = load_state_dict(models / f"{path}.pt")
        assert sd["depth"].dtype == np.int64 and sd["node_biases"].shape == (2**depth - 1, 1)
        layer = load_layer(sd)
        assert (layer.depth, layer.leaf_width, layer.d_in, layer.d_out) == (depth, width, 784, 10)
        assert (layer.master is not None) == master and layer.activation == "relu" and layer.tie == "ge"


def test_missing_torch_gives_install_hint(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match="python3-torch"):
        load_state_dict(tmp_path / "m.pt")


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["node_weights", "node_biases", "w1s", "b1s", "w2s", "b2s"])
def test_leaf_mlp_missing_tensor(name):
    sd = leaf_sd(np.random.default_rng(5))
    del sd[name]
    with pytest.raises(CheckpointError, match=f"missing tensor '{name}'" if name != "w1s" else "no FFF layer found"):
        load_layer(sd)
    with pytest.raises(CheckpointError, match=f"missing tensor '{name}'"):
        leaf_mlp_from_state_dict(sd)


@pytest.mark.parametrize(
    "name,bad,expected",
    [
        ("node_weights", (2, 6), "(3, 6)"),
        ("node_biases", (3,), "(3, 1)"),
        ("w1s", (4, 6), "(?, ?, ?)"),
        ("b1s", (4, 2), "(4, 3)"),
        ("w2s", (4, 2, 4), "(4, 3, ?)"),
        ("b2s", (4, 5), "(4, 4)"),
        ("magic_w1", (8, 6), "(1, 6, ?)"),
        ("magic_b1", (1, 9), "(1, 8)"),
        ("magic_w2", (1, 8, 5), "(1, 8, 4)"),
        ("magic_b2", (4,), "(1, 4)"),
        ("k", (1,), "()"),
    ],
)
def test_leaf_mlp_wrong_shape(name, bad, expected):
    sd = leaf_sd(np.random.default_rng(6), master=True)
    sd["pre." + name] = np.zeros(bad, np.float32)
    sd = {("pre." + k if not k.startswith("pre.") else k): v for k, v in sd.items() if k != name}
    with pytest.raises(CheckpointError) as e:
        load_layer(sd)
    assert str(e.value) == f"pre.{name}: expected shape {expected}, got {bad}"


@pytest.mark.parametrize("name", ["w1s", "node_weights"])
def test_leaf_mlp_input_widths_that_disagree_name_both(name):
    sd = leaf_sd(np.random.default_rng(6))
    shape = (4, 7, 3) if name == "w1s" else (3, 7)
    sd[name] = np.zeros(shape, np.float32)
    widths = (7, 6) if name == "w1s" else (6, 7)
    with pytest.raises(CheckpointError, match=rf"w1s has input width {widths[0]} .* but "
                       rf"node_weights has {widths[1]} .*they must agree"):
        load_layer(sd)


def test_unreadable_files_are_named_without_unsafe_advice(tmp_path, torch):
    good = tmp_path / "good.pt"
    torch.save({"w": torch.zeros(1000)}, good)
    data = good.read_bytes()
    np.savez(tmp_path / "good.npz", w=np.zeros(100, np.float32))
    npz = (tmp_path / "good.npz").read_bytes()
    cases = {"truncated.pt": data[:len(data) // 2], "truncated2.pt": data[:-20],
             "random.pt": np.random.default_rng(1).bytes(5000), "empty.pt": b"",
             "truncated.npz": npz[:len(npz) // 2], "random.npz": np.random.default_rng(2).bytes(500),
             "empty.npz": b""}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(CheckpointError) as e:
            load_state_dict(tmp_path / name)
        message = str(e.value)
        assert message.startswith(str(tmp_path / name) + ": "), message
        assert "weights_only" not in message, message
        assert ("empty" if not content else "truncated, corrupt") in message, message
    torch.save({"w": torch.zeros(2), "f": print}, tmp_path / "code.pt")
    with pytest.raises(CheckpointError, match=r"code\.pt: .*Unsupported class .*print.*never code"):
        load_state_dict(tmp_path / "code.pt")
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        load_state_dict(tmp_path / "missing.pt")


def test_absurd_depth_is_refused_by_name():
    rng = np.random.default_rng(9)
    with pytest.raises(ValueError, match=r"depth must be at most 61 \(the fff dialect's limit\), got 1000000"):
        load_layer(path_sd(rng, trees=1, depth=2), depth=10**6)
    with pytest.raises(ValueError, match="depth must be at most 61"):
        PathNeuron(np.zeros((7, 4), np.float32), np.zeros(7, np.float32), np.zeros((7, 4), np.float32),
                   trees=1, depth=10**6)


def test_leaf_mlp_other_errors():
    rng = np.random.default_rng(7)
    sd = leaf_sd(rng, depth=2)
    with pytest.raises(CheckpointError, match=r"depth: checkpoint says 3, but w1s has 4 leaves \(depth 2\)"):
        load_layer({**sd, "depth": np.array(3)})
    with pytest.raises(CheckpointError, match="w1s.*floating.*int32"):
        load_layer({**sd, "w1s": sd["w1s"].astype(np.int32)})
    with pytest.raises(CheckpointError, match="power of two"):
        load_layer({**sd, "w1s": sd["w1s"][:3]})
    with pytest.raises(CheckpointError, match=r"missing tensor\(s\) \['magic_b2', 'k'\]"):
        partial = {k: v for k, v in leaf_sd(rng, master=True).items() if k in ("magic_w1", "magic_b1", "magic_w2")}
        load_layer({**sd, **partial})
    no_depth = {k: v for k, v in sd.items() if k != "depth"}
    assert load_layer(no_depth).depth == 2
    depth0 = leaf_sd(rng, depth=0)
    assert depth0["node_weights"].shape == (0, 6) and load_layer(depth0).depth == 0


def test_unsupported_and_unknown_family():
    rng = np.random.default_rng(8)
    with pytest.raises(CheckpointError, match=r"unsupported checkpoint.*fc1\.weight"):
        load_layer({"fc1.weight": np.zeros((3, 3), np.float32)})
    with pytest.raises(CheckpointError, match="unknown FFF family 'moe'"):
        load_layer(leaf_sd(rng), family="moe")
    with pytest.raises(CheckpointError, match="no path_neuron layer found"):
        load_layer(leaf_sd(rng), family="path_neuron")
    assert isinstance(load_layer(path_sd(rng), family="path_neuron"), PathNeuron)


def test_path_neuron_errors():
    rng = np.random.default_rng(9)
    sd = path_sd(rng, trees=2, depth=2)  # 14 rows: not 2^k - 1
    with pytest.raises(CheckpointError, match="14 rows.*pass depth= or trees="):
        load_layer(sd)
    assert (load_layer(sd, depth=2).trees, load_layer(sd, trees=2).depth) == (2, 2)
    assert (load_layer(sd, trees=14).depth, load_layer(sd, depth=0).trees) == (0, 14)
    with pytest.raises(CheckpointError, match="14 rows, but 2 trees of depth 1 need 6"):
        load_layer(sd, depth=1, trees=2)
    with pytest.raises(CheckpointError, match="14 rows, but 4 trees of depth 1 need 12"):
        load_layer(sd, depth=1)
    with pytest.raises(CheckpointError, match="not 4 trees"):
        load_layer(sd, trees=4)
    with pytest.raises(CheckpointError, match="linear_out.bias"):
        load_layer({**sd, "linear_out.bias": np.zeros(5, np.float32)}, depth=2)
    for name, bad, expected in [
        ("linear_in.weight", (14,), "(?, ?)"),
        ("linear_in.bias", (15,), "(14,)"),
        ("linear_out.weight", (5, 13), "(?, 14)"),
    ]:
        with pytest.raises(CheckpointError) as e:
            path_neuron_from_state_dict({**sd, name: np.zeros(bad, np.float32)}, depth=2)
        assert str(e.value) == f"{name}: expected shape {expected}, got {bad}"
    for name in sd:
        with pytest.raises(CheckpointError, match=f"missing tensor '{name}'"):
            path_neuron_from_state_dict({k: v for k, v in sd.items() if k != name}, depth=2)
    with pytest.raises(CheckpointError, match="linear_out.weight.*int64"):
        load_layer({**sd, "linear_out.weight": np.zeros((5, 14), np.int64)}, depth=2)
    assert load_layer(path_sd(rng, trees=1, depth=4)).depth == 4  # 31 rows: T=1 assumed
