"""Random layers of both families, shared by the tests."""
import numpy as np

from fff_mlir import LeafMLP, MasterLeaf, PathNeuron


def random_leaf_mlp(rng, depth, d_in=13, width=5, d_out=7, master=False, **kw):
    L = 2**depth
    f = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    m = MasterLeaf(f(d_in, 3), f(3), f(3, d_out), f(d_out), k=float(rng.standard_normal())) if master else None
    return LeafMLP(f(L - 1, d_in), f(L - 1), f(L, d_in, width), f(L, width), f(L, width, d_out), f(L, d_out), m, **kw)


def random_path_neuron(rng, trees, depth, d_in=11, d_out=9, **kw):
    TN = trees * (2 ** (depth + 1) - 1)
    f = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    return PathNeuron(f(TN, d_in), f(TN), f(d_out, TN), trees, depth, **kw)
