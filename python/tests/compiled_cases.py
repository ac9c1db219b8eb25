"""The seeded random layers (one per case, with its input rows) and the MNIST
expectations that compiled code is checked against: by test_compiled,
test_cuda, and the GPU machine's checks in bench/gpu/run.py, where pytest may
be absent (this module needs numpy and fff_mlir only).

The oracle is the float64 reference on the same (float32) weights. A row whose
float64 path passes within rounding of a threshold may legitimately route
differently in float32, so such rows are left out of the value check (and
counted: they must stay rare). Layers in "integer" mode (every fifth case)
have small-integer weights and inputs, so every logit is exact in float32
whatever the summation order: there, exact ties (logit == 0) are common and
every row must match.
"""
import numpy as np

from fff_mlir import ACTIVATIONS, TIE_RULES, LeafMLP, MasterLeaf, PathNeuron
from fff_mlir.verify import near_tie_rows

SEED = 20261123
NUM_CASES = 100
# (model, test images classified correctly) for the MNIST fixtures.
MNIST_MODELS = [("lb_l8_d1", 9346), ("lb_l2_d3", 9100), ("ml_l4_d2", 9473), ("ml_l8_d4", 9510)]


def _weights(rng, integer, *shape):
    if integer:
        return rng.integers(-2, 3, size=shape).astype(np.float32)
    return (rng.standard_normal(shape) / np.sqrt(shape[-1] if len(shape) > 1 else 1)).astype(np.float32)


def make_case(i):
    """Case `i`: a random layer, its input rows and a description."""
    rng = np.random.default_rng([SEED, i])
    family = "leaf" if i % 2 == 0 else "path"
    integer = i % 5 == 0  # exact arithmetic: ties are exact
    activation = ACTIVATIONS[i % len(ACTIVATIONS)]
    tie = TIE_RULES[(i // 2) % 2]
    d_in, d_out = (int(v) for v in rng.integers(1, 41, size=2))
    depth = int(rng.integers(0, 13))
    w = lambda *s: _weights(rng, integer, *s)  # noqa: E731
    if family == "leaf":
        width = int(rng.integers(1, 21))
        depth = min(depth, int(np.log2(2_000_000 / (d_in * width + width * d_out))))
        n = 2**depth
        master = None
        if rng.random() < 0.5:
            m = int(rng.integers(1, 10))
            master = MasterLeaf(w(d_in, m), w(m), w(m, d_out), w(d_out), k=float(rng.standard_normal()))
        layer = LeafMLP(w(n - 1, d_in), w(n - 1), w(n, d_in, width), w(n, width), w(n, width, d_out),
                        w(n, d_out), master, activation=activation, tie=tie)
        desc = f"leaf d={depth} in={d_in} l={width} out={d_out} master={master is not None}"
    else:
        trees = int(rng.integers(1, 4))
        tn = trees * (2 ** (depth + 1) - 1)
        layer = PathNeuron(w(tn, d_in), w(tn), w(d_out, tn), trees, depth, activation=activation, tie=tie)
        desc = f"path T={trees} d={depth} in={d_in} out={d_out}"
    batch = 1 if i % 7 == 0 else int(rng.integers(1, 1001))
    x = (rng.integers(-2, 3, size=(batch, d_in)) if integer else rng.standard_normal((batch, d_in))).astype(np.float32)
    if integer and batch > 1:
        x[rng.random(batch) < 0.2] = 0  # zero rows: every logit is its bias, often exactly 0
    nan_rows = rng.random(batch) < 0.05
    x[nan_rows, rng.integers(0, d_in)] = np.nan
    return layer, x, f"{desc} {activation} tie={tie} batch={batch} {'integer' if integer else 'normal'}"


def check_against_reference(layer, x, got, exact_routes):
    ref = layer.forward(x, dtype=np.float64)
    assert got.shape == ref.shape
    nan_rows = np.isnan(x).any(axis=1)
    # NaN inputs: the row goes left everywhere and its output is NaN exactly
    # where the reference's is.
    assert np.array_equal(np.isnan(got[nan_rows]), np.isnan(ref[nan_rows]))
    check = ~nan_rows
    if not exact_routes:
        near = near_tie_rows(layer, x) & check
        assert near.sum() <= max(2, 0.05 * len(x)), f"{near.sum()} of {len(x)} rows near a tie"
        check &= ~near
    # SPEC.md: about 1e-5 relative to the float64 evaluation; near-zero outputs
    # (cancellation) are held to 1e-5 of the layer's output scale instead.
    tol = 1e-5 * (1 + np.abs(ref[check]).max(initial=0))
    np.testing.assert_allclose(got[check], ref[check], rtol=1e-5, atol=tol)


CASES = [make_case(i) for i in range(NUM_CASES)]


def exact_routes(case: int) -> bool:
    """Whether case `case` is in integer mode (every route exact)."""
    return case % 5 == 0
