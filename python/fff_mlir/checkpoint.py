"""Import FFF layers from public checkpoint layouts (SPEC.md tables).

Shapes are checked against the checkpoint's own layout (e.g. node_biases is
(N, 1), magic_w1 is (1, D_in, m)) so that errors name the tensor as it is
stored, before anything is reshaped into the reference classes.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from typing import Optional, Union

import numpy as np

from .reference import MAX_DEPTH, LeafMLP, MasterLeaf, PathNeuron, _check_count, check_shape

FAMILIES = ("leaf_mlp", "path_neuron")
# A tensor that only this family has; its name minus the marker is the layer prefix.
_MARKERS = {"leaf_mlp": "w1s", "path_neuron": "linear_in.weight"}
_MASTER = ("magic_w1", "magic_b1", "magic_w2", "magic_b2", "k")


class CheckpointError(ValueError):
    """The checkpoint is missing a tensor, has a wrong shape/dtype, or is unsupported."""


def load_state_dict(path: Union[str, os.PathLike]) -> dict:
    """Read a state_dict (.pt/.bin via torch, or .npz) into {name: numpy array}."""
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise CheckpointError(f"{path}: the file is empty; expected a state_dict (.pt, .bin or .npz)")
    if os.fspath(path).endswith(".npz"):
        # zipfile and numpy raise many kinds of error on a damaged file.
        with _unreadable(path, ".npz", "the file is truncated, corrupt or not an .npz archive"):
            with np.load(path, allow_pickle=False) as f:
                return {k: f[k] for k in f.files}
    try:
        import torch  # heavy and optional: only needed for PyTorch files
    except ImportError as e:
        raise ImportError(
            "reading PyTorch checkpoints needs torch; install Debian's python3-torch "
            "(apt-get install python3-torch), or convert the checkpoint to .npz"
        ) from e
    # torch raises what its unpickler and zip reader raise.
    with _unreadable(path, "PyTorch", "the file is truncated, corrupt, or holds objects other "
                     "than tensors (only tensors are loaded, never code)"):
        obj = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"{path}: expected a state_dict (name -> tensor), got {type(obj).__name__}")
    out = {}
    for name, v in obj.items():
        if isinstance(v, torch.Tensor):
            v = v.detach().cpu()
            if v.dtype == torch.bfloat16:  # numpy has no bfloat16; float32 holds it exactly
                v = v.float()
            v = v.numpy()
        out[name] = np.asarray(v)
    return out


@contextlib.contextmanager
def _unreadable(path, kind: str, why: str):
    """Any error but a missing file, while reading `path`, as a
    CheckpointError that names it and says `why`."""
    try:
        yield
    except FileNotFoundError:
        raise
    except Exception as e:
        raise CheckpointError(f"{path}: not a readable {kind} state_dict ({_reason(e)}); {why}") from e


def _reason(e: BaseException) -> str:
    """The first line of an exception, without torch's advice to retry with
    weights_only=False: that would run whatever code a corrupt or hostile
    file holds."""
    text = str(e)
    if "WeightsUnpickler error:" in text:
        text = "unpickler: " + text.split("WeightsUnpickler error:", 1)[1].strip()
    text = text.strip().splitlines()
    return f"{type(e).__name__}: {text[0]}" if text else f"{type(e).__name__}: it ends early"


def _get(sd: Mapping, name: str, shape) -> np.ndarray:
    """sd[name] as float32 after checking presence, float dtype and shape."""
    if name not in sd:
        raise CheckpointError(f"missing tensor {name!r}")
    a = np.asarray(sd[name])
    if not np.issubdtype(a.dtype, np.floating):
        raise CheckpointError(f"{name}: expected a floating-point tensor, got dtype {a.dtype}")
    check_shape(name, a, shape, CheckpointError)
    return a.astype(np.float32)


def _int_scalar(sd: Mapping, name: str) -> int:
    a = np.asarray(sd[name])
    if a.size != 1 or not np.issubdtype(a.dtype, np.integer):
        raise CheckpointError(f"{name}: expected an integer scalar, got dtype {a.dtype} shape {a.shape}")
    return int(a.reshape(()))


def leaf_mlp_from_state_dict(sd: Mapping, prefix: str = "", activation: str = "relu", tie: str = "ge") -> LeafMLP:
    """Variant A (fastfeedforward / master-leaf) layer stored under `prefix`."""
    p = prefix
    w1s = _get(sd, p + "w1s", (None, None, None))
    leaves, d_in, width = w1s.shape
    routing = np.shape(sd.get(p + "node_weights", ()))
    if len(routing) == 2 and routing[1] != d_in:
        # Either may be the wrong one: name both rather than blame one.
        raise CheckpointError(f"{p}w1s has input width {d_in} (shape {w1s.shape}) but "
                              f"{p}node_weights has {routing[1]} (shape {routing}); they must agree")
    if leaves < 1 or leaves & (leaves - 1):
        raise CheckpointError(f"{p}w1s: leaf count {leaves} (shape {w1s.shape}) is not a power of two")
    depth = leaves.bit_length() - 1
    stated = _int_scalar(sd, p + "depth") if p + "depth" in sd else depth  # optional: shapes decide
    if stated != depth:
        raise CheckpointError(f"{p}depth: checkpoint says {stated}, but {p}w1s has {leaves} leaves (depth {depth})")
    w2s = _get(sd, p + "w2s", (leaves, width, None))
    d_out = w2s.shape[2]
    present = [n for n in _MASTER if p + n in sd]
    master = None
    if present:
        missing = [p + n for n in _MASTER if n not in present]
        if missing:
            raise CheckpointError(f"master leaf is incomplete: missing tensor(s) {missing}")
        mw1 = _get(sd, p + "magic_w1", (1, d_in, None))
        m = mw1.shape[2]
        master = MasterLeaf(
            w1=mw1[0],
            b1=_get(sd, p + "magic_b1", (1, m))[0],
            w2=_get(sd, p + "magic_w2", (1, m, d_out))[0],
            b2=_get(sd, p + "magic_b2", (1, d_out))[0],
            k=float(_get(sd, p + "k", ())),
        )
    return LeafMLP(
        node_weights=_get(sd, p + "node_weights", (leaves - 1, d_in)),
        node_biases=_get(sd, p + "node_biases", (leaves - 1, 1))[:, 0],
        w1s=w1s,
        b1s=_get(sd, p + "b1s", (leaves, width)),
        w2s=w2s,
        b2s=_get(sd, p + "b2s", (leaves, d_out)),
        master=master,
        activation=activation,
        tie=tie,
    )


def _is_pow2(n: int) -> bool:
    return n >= 1 and not n & (n - 1)


def _trees_and_depth(name: str, total: int, depth: Optional[int], trees: Optional[int]) -> tuple:
    """Split T*N = `total` rows into (T, d); N = 2^(d+1) - 1 makes this ambiguous alone."""
    if depth is None:
        if trees is None:
            if not _is_pow2(total + 1):
                raise CheckpointError(
                    f"{name} has {total} rows = T * (2^(d+1) - 1) for several (T, d); "
                    "pass depth= or trees="
                )
            trees = 1
        nodes, rem = divmod(total, _check_count("trees", trees, 1))
        if rem or not _is_pow2(nodes + 1):
            raise CheckpointError(f"{name} has {total} rows: not {trees} trees of 2^(d+1) - 1 nodes")
        return trees, nodes.bit_length() - 1
    nodes = 2 ** (_check_count("depth", depth, 0, MAX_DEPTH) + 1) - 1
    if trees is None:
        trees = max(total // nodes, 1)
    if _check_count("trees", trees, 1) * nodes != total:
        raise CheckpointError(
            f"{name} has {total} rows, but {trees} trees of depth {depth} need {trees * nodes}"
        )
    return trees, depth


def path_neuron_from_state_dict(
    sd: Mapping,
    prefix: str = "",
    depth: Optional[int] = None,
    trees: Optional[int] = None,
    activation: str = "gelu",
    tie: str = "gt",
) -> PathNeuron:
    """Variant B (UltraFastBERT FFF) layer stored under `prefix`."""
    p = prefix
    w_in = _get(sd, p + "linear_in.weight", (None, None))
    total = w_in.shape[0]
    if total == 0:
        raise CheckpointError(f"{p}linear_in.weight has no rows")
    if p + "linear_out.bias" in sd:
        # Ignoring it would silently change the output.
        raise CheckpointError(f"{p}linear_out.bias: path-neuron FFF has no output bias; unsupported")
    t, d = _trees_and_depth(p + "linear_in.weight", total, depth, trees)
    return PathNeuron(
        w_in=w_in,
        b_in=_get(sd, p + "linear_in.bias", (total,)),
        w_out=_get(sd, p + "linear_out.weight", (None, total)),
        trees=t,
        depth=d,
        activation=activation,
        tie=tie,
    )


def _candidates(sd: Mapping) -> dict:
    """{prefix: family} for every FFF layer found by its marker tensor."""
    found = {}
    for name in sd:
        for family, marker in _MARKERS.items():
            if name == marker or name.endswith("." + marker):
                found[name[: len(name) - len(marker)]] = family
    return found


def find_prefix(sd: Mapping, layer: Optional[int] = None, family: Optional[str] = None) -> str:
    """Prefix of the one FFF layer in `sd` ('' for a bare layer).

    In a whole model (UltraFastBERT: `encoder.layers.<i>.ffn.`) pick one with `layer`.
    """
    found = {p: f for p, f in _candidates(sd).items() if family in (None, f)}
    if layer is not None:
        found = {p: f for p, f in found.items() if f".layers.{layer}." in "." + p}
    if len(found) == 1:
        return next(iter(found))
    what = family or "FFF"
    if not found:
        where = "" if layer is None else f" for layer {layer}"
        markers = [m for f, m in _MARKERS.items() if family in (None, f)]
        keys = sorted(sd)
        shown = ", ".join(keys[:8]) + (", ..." if len(keys) > 8 else "")
        raise CheckpointError(
            f"unsupported checkpoint: no {what} layer found{where} "
            f"(looked for tensors named {markers}); its tensors are: {shown or 'none'}"
        )
    raise CheckpointError(f"several {what} layers found {sorted(found)}; pick one with layer=")


def load_layer(
    path_or_sd,
    family: Optional[str] = None,
    *,
    layer: Optional[int] = None,
    prefix: Optional[str] = None,
    **kw,
) -> Union[LeafMLP, PathNeuron]:
    """Load one FFF layer from a checkpoint path or state_dict, detecting its family.

    Extra keywords go to the family's importer (activation, tie, depth, trees).
    """
    sd = path_or_sd if isinstance(path_or_sd, Mapping) else load_state_dict(path_or_sd)
    if family is not None and family not in FAMILIES:
        raise CheckpointError(f"unknown FFF family {family!r}; choose one of {FAMILIES}")
    if prefix is None:
        prefix = find_prefix(sd, layer, family)
    if family is None:
        family = _candidates(sd).get(prefix)
        if family is None:
            raise CheckpointError(f"unsupported checkpoint: no FFF layer under prefix {prefix!r}")
    build = leaf_mlp_from_state_dict if family == "leaf_mlp" else path_neuron_from_state_dict
    return build(sd, prefix, **kw)
