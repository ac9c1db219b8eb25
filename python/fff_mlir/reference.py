"""Numpy reference for hard (eval-mode) FFF inference, as defined in SPEC.md.

float32 evaluation mirrors what compiled code computes; float64 is the oracle.
Routing is vectorized over the batch: per tree level, gather each row's node
weights, take the row-wise dot product and compare.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

ACTIVATIONS = ("relu", "gelu", "gelu_tanh", "silu", "identity")
TIE_RULES = ("ge", "gt")


class ShapeError(ValueError):
    """A tensor (or input) has the wrong shape or a non-float dtype."""


# numpy has no erf; math.erf is exact to double precision and the sizes the
# reference runs on are small.
_erf = np.vectorize(math.erf, otypes=[np.float64])


def relu(x):
    return np.maximum(x, x.dtype.type(0))


def gelu(x):
    # erf is evaluated in float64 and rounded once, then combined in x's dtype.
    e = _erf(x.astype(np.float64) / math.sqrt(2.0)).astype(x.dtype)
    half = x.dtype.type(0.5)
    return half * x * (1 + e)


def gelu_tanh(x):
    t = x.dtype.type
    return t(0.5) * x * (1 + np.tanh(t(math.sqrt(2.0 / math.pi)) * (x + t(0.044715) * x * x * x)))


def silu(x):
    with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x << 0: limit is -0
        return x / (1 + np.exp(-x))


def identity(x):
    return x


_ACT_FUNCS = {"relu": relu, "gelu": gelu, "gelu_tanh": gelu_tanh, "silu": silu, "identity": identity}


def activation_fn(name: str):
    """The activation called `name`; ValueError listing the choices otherwise."""
    try:
        return _ACT_FUNCS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {name!r}; choose one of {ACTIVATIONS}") from None


def _fmt(shape) -> str:
    dims = ["?" if s is None else str(s) for s in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def check_shape(name: str, a: np.ndarray, expected, error=ShapeError) -> None:
    """Raise `error` naming `name` unless a.shape matches `expected` (None = any)."""
    if a.ndim != len(expected) or any(e is not None and e != s for e, s in zip(expected, a.shape)):
        raise error(f"{name}: expected shape {_fmt(expected)}, got {_fmt(a.shape)}")


def _float_array(name: str, a) -> np.ndarray:
    a = np.asarray(a)
    if not np.issubdtype(a.dtype, np.floating):
        raise ShapeError(f"{name}: expected a floating-point array, got dtype {a.dtype}")
    return a


def _check_options(activation: str, tie: str) -> None:
    activation_fn(activation)
    if tie not in TIE_RULES:
        raise ValueError(f"unknown tie rule {tie!r}; choose one of {TIE_RULES}")


# The fff dialect's limit (FFF_DepthAttr): node indices of every tree fit in int64.
MAX_DEPTH = 61


def _check_count(name: str, value, minimum: int, maximum: Optional[int] = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum} (the fff dialect's limit), got {value}")
    return int(value)


def _goes_right(s: np.ndarray, tie: str) -> np.ndarray:
    # NaN compares false under both rules, so it goes left.
    return s >= 0 if tie == "ge" else s > 0


def _input(x, d_in: int, dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype must be a floating-point type, got {dtype}")
    x = np.asarray(x)
    check_shape("x", x, (None, d_in))
    return x.astype(dtype, copy=False)


def _row_dot(x: np.ndarray, w: np.ndarray, b: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """s[i] = w[rows[i]] . x[i] + b[rows[i]] for every row i."""
    return np.einsum("bi,bi->b", x, w[rows]) + b[rows]


@dataclass(eq=False)
class MasterLeaf:
    """Optional always-on MLP of the master-leaf variant, blended in by sigmoid(k)."""

    w1: np.ndarray  # (D_in, m)
    b1: np.ndarray  # (m,)
    w2: np.ndarray  # (m, D_out)
    b2: np.ndarray  # (D_out,)
    k: float

    def __post_init__(self):
        for name in ("w1", "b1", "w2", "b2"):
            setattr(self, name, _float_array(f"master.{name}", getattr(self, name)))
        check_shape("master.w1", self.w1, (None, None))
        check_shape("master.w2", self.w2, (self.w1.shape[1], None))
        check_shape("master.b1", self.b1, (self.w1.shape[1],))
        check_shape("master.b2", self.b2, (self.w2.shape[1],))
        self.k = float(self.k)


class _Layer:
    """What both families offer beyond their numerics.

    The oracle knows nothing of MLIR: `layer.to_mlir()` is mlir_text.to_mlir,
    attached to both classes by the package (fff_mlir/__init__.py), so that
    the writer depends on this module and never the other way round.
    """

    def reference(self, x, dtype=np.float64) -> np.ndarray:
        """The SPEC.md output for rows `x`, computed in `dtype` (float64: the oracle)."""
        return self.forward(x, dtype=dtype)


@dataclass(eq=False)
class LeafMLP(_Layer):
    """Variant A: routing nodes pick one leaf MLP per row (SPEC.md, 'leaf-MLP FFF')."""

    node_weights: np.ndarray  # (2^d - 1, D_in)
    node_biases: np.ndarray  # (2^d - 1,)
    w1s: np.ndarray  # (2^d, D_in, l)
    b1s: np.ndarray  # (2^d, l)
    w2s: np.ndarray  # (2^d, l, D_out)
    b2s: np.ndarray  # (2^d, D_out)
    master: Optional[MasterLeaf] = None
    activation: str = "relu"
    tie: str = "ge"

    def __post_init__(self):
        _check_options(self.activation, self.tie)
        for name in ("node_weights", "node_biases", "w1s", "b1s", "w2s", "b2s"):
            setattr(self, name, _float_array(name, getattr(self, name)))
        check_shape("w1s", self.w1s, (None, None, None))
        leaves, d_in, width = self.w1s.shape
        if leaves < 1 or leaves & (leaves - 1):
            raise ShapeError(f"w1s: leaf count {leaves} (shape {_fmt(self.w1s.shape)}) is not a power of two")
        check_shape("w2s", self.w2s, (leaves, width, None))
        d_out = self.w2s.shape[2]
        check_shape("node_weights", self.node_weights, (leaves - 1, d_in))
        check_shape("node_biases", self.node_biases, (leaves - 1,))
        check_shape("b1s", self.b1s, (leaves, width))
        check_shape("b2s", self.b2s, (leaves, d_out))
        if self.master is not None:
            check_shape("master.w1", self.master.w1, (d_in, None))
            check_shape("master.w2", self.master.w2, (None, d_out))

    @property
    def depth(self) -> int:
        return self.w1s.shape[0].bit_length() - 1

    @property
    def d_in(self) -> int:
        return self.w1s.shape[1]

    @property
    def leaf_width(self) -> int:
        return self.w1s.shape[2]

    @property
    def d_out(self) -> int:
        return self.w2s.shape[2]

    def describe(self) -> str:
        """One line: family, sizes, activation and tie rule."""
        master = f", master leaf of {self.master.w1.shape[1]}" if self.master else ""
        return (f"leaf-MLP {self.d_in} -> {self.d_out}, depth {self.depth}, "
                f"leaf width {self.leaf_width}, {self.activation}, tie {self.tie}{master}")

    def route(self, x, dtype=np.float32) -> np.ndarray:
        """Leaf index in [0, 2^depth) of every row, as int64 (B,)."""
        x = _input(x, self.d_in, dtype)
        return self._route(x)

    def _route(self, x: np.ndarray) -> np.ndarray:
        w = self.node_weights.astype(x.dtype, copy=False)
        b = self.node_biases.astype(x.dtype, copy=False)
        n = np.zeros(x.shape[0], dtype=np.int64)
        with np.errstate(invalid="ignore", over="ignore"):  # inf/NaN inputs are legal
            for _ in range(self.depth):
                n = 2 * n + 1 + _goes_right(_row_dot(x, w, b, n), self.tie)
        return n - (self.w1s.shape[0] - 1)

    def forward(self, x, dtype=np.float32) -> np.ndarray:
        """Layer output (B, D_out), computed in `dtype`."""
        x = _input(x, self.d_in, dtype)
        leaf = self._route(x)
        act = activation_fn(self.activation)
        t = x.dtype
        y = np.empty((x.shape[0], self.d_out), dtype=t)
        with np.errstate(invalid="ignore", over="ignore"):
            # One dense 2-layer MLP per leaf actually reached, on the rows routed there.
            for j in np.unique(leaf):
                rows = np.flatnonzero(leaf == j)
                h = act(x[rows] @ self.w1s[j].astype(t) + self.b1s[j].astype(t))
                y[rows] = h @ self.w2s[j].astype(t) + self.b2s[j].astype(t)
            if self.master is not None:
                m = self.master
                big_m = act(x @ m.w1.astype(t) + m.b1.astype(t)) @ m.w2.astype(t) + m.b2.astype(t)
                s = 1 / (1 + np.exp(-t.type(m.k)))
                y = s * y + (1 - s) * big_m
        return y


@dataclass(eq=False)
class PathNeuron(_Layer):
    """Variant B: every node on each tree's path is a neuron (SPEC.md, UltraFastBERT)."""

    w_in: np.ndarray  # (T*N, D_in), row t*N + n is node n of tree t
    b_in: np.ndarray  # (T*N,)
    w_out: np.ndarray  # (D_out, T*N)
    trees: int
    depth: int
    activation: str = "gelu"
    tie: str = "gt"

    def __post_init__(self):
        _check_options(self.activation, self.tie)
        self.trees = _check_count("trees", self.trees, 1)
        self.depth = _check_count("depth", self.depth, 0, MAX_DEPTH)
        for name in ("w_in", "b_in", "w_out"):
            setattr(self, name, _float_array(name, getattr(self, name)))
        total = self.trees * self.nodes_per_tree
        check_shape("w_in", self.w_in, (total, None))
        check_shape("b_in", self.b_in, (total,))
        check_shape("w_out", self.w_out, (None, total))

    @property
    def nodes_per_tree(self) -> int:
        return 2 ** (self.depth + 1) - 1

    @property
    def d_in(self) -> int:
        return self.w_in.shape[1]

    @property
    def d_out(self) -> int:
        return self.w_out.shape[0]

    def describe(self) -> str:
        """One line: family, sizes, activation and tie rule."""
        return (f"path-neuron {self.d_in} -> {self.d_out}, {self.trees} trees of depth "
                f"{self.depth}, {self.activation}, tie {self.tie}")

    def route(self, x, dtype=np.float32):
        """(nodes, logits), both (B, T*(depth+1)), column k = t*(depth+1) + level.

        nodes holds the global row t*N + n of each visited node (int64); logits
        its pre-activation value z in `dtype`.
        """
        x = _input(x, self.d_in, dtype)
        return self._route(x)

    def _route(self, x: np.ndarray):
        w = self.w_in.astype(x.dtype, copy=False)
        b = self.b_in.astype(x.dtype, copy=False)
        steps = self.depth + 1
        nodes = np.empty((x.shape[0], self.trees * steps), dtype=np.int64)
        logits = np.empty((x.shape[0], self.trees * steps), dtype=x.dtype)
        with np.errstate(invalid="ignore", over="ignore"):  # inf/NaN inputs are legal
            for t in range(self.trees):
                n = np.zeros(x.shape[0], dtype=np.int64)
                for level in range(steps):
                    rows = t * self.nodes_per_tree + n
                    z = _row_dot(x, w, b, rows)
                    nodes[:, t * steps + level] = rows
                    logits[:, t * steps + level] = z
                    n = 2 * n + 1 + _goes_right(z, self.tie)
        return nodes, logits

    def forward(self, x, dtype=np.float32) -> np.ndarray:
        """Layer output (B, D_out), computed in `dtype`; trees and levels summed in order."""
        x = _input(x, self.d_in, dtype)
        nodes, logits = self._route(x)
        w_out_rows = self.w_out.T.astype(x.dtype)  # row r = output weights of neuron r
        y = np.zeros((x.shape[0], self.d_out), dtype=x.dtype)
        with np.errstate(invalid="ignore", over="ignore"):
            a = activation_fn(self.activation)(logits)
            for k in range(nodes.shape[1]):
                y += a[:, k, None] * w_out_rows[nodes[:, k]]
        return y
