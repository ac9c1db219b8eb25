"""Compare a compiled layer's output with the float64 reference (SPEC.md).

A row whose float64 path passes within rounding of a threshold may route
differently in float32 with another summation order, legitimately; such
rows are counted and left out of the value comparison. NaN rows must be NaN
exactly where the reference is.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .reference import LeafMLP

# Relative margin below which a float64 logit counts as "within rounding".
NEAR_TIE = 1e-4
# SPEC.md's tolerance, relative to the float64 evaluation.
RTOL = 1e-5


def near_tie_rows(layer, x: np.ndarray, margin: float = NEAR_TIE) -> np.ndarray:
    """Rows whose float64 path has a logit within `margin` (relative) of zero."""
    x64 = x.astype(np.float64)
    near = np.zeros(len(x), dtype=bool)
    if isinstance(layer, LeafMLP):
        w, b, steps, trees, per_tree = layer.node_weights, layer.node_biases, layer.depth, 1, 0
    else:
        w, b, steps, trees, per_tree = layer.w_in, layer.b_in, layer.depth + 1, layer.trees, layer.nodes_per_tree
    w64, b64 = w.astype(np.float64), b.astype(np.float64)
    with np.errstate(invalid="ignore"):
        for t in range(trees):
            n = np.zeros(len(x), dtype=np.int64)
            for _ in range(steps):
                rows = t * per_tree + n
                s = np.einsum("bi,bi->b", x64, w64[rows]) + b64[rows]
                scale = np.einsum("bi,bi->b", np.abs(x64), np.abs(w64[rows])) + np.abs(b64[rows])
                near |= np.abs(s) <= margin * scale
                right = s >= 0 if layer.tie == "ge" else s > 0
                n = 2 * n + 1 + right
    return near


@dataclass
class Comparison:
    rows: int
    near_ties: int  # rows left out of the value check
    max_error: float  # over the checked rows, relative to 1 + the output scale
    nan_ok: bool

    @property
    def ok(self) -> bool:
        return self.nan_ok and self.max_error <= RTOL

    def __str__(self):
        return (f"max error {self.max_error:.1e} over {self.rows - self.near_ties} rows "
                f"({self.near_ties} near a threshold skipped)")


def compare(layer, x: np.ndarray, got: np.ndarray) -> Comparison:
    """How far `got` is from the float64 reference on rows `x`."""
    ref = layer.reference(x)
    nan_rows = np.isnan(x).any(axis=1)
    nan_ok = bool(np.array_equal(np.isnan(got[nan_rows]), np.isnan(ref[nan_rows])))
    near = near_tie_rows(layer, x) & ~nan_rows
    check = ~nan_rows & ~near
    scale = 1 + np.abs(ref[check]).max(initial=0)
    err = float(np.abs(got[check] - ref[check]).max(initial=0) / scale)
    return Comparison(len(x), int(near.sum()), err, nan_ok)
