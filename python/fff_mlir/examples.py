"""Seeded example layers: the ones shipped as examples/*.mlir and shown by
`python3 -m fff_mlir demo`. The same seed always gives the same weights, so
the shipped files can be regenerated (`python3 -m fff_mlir examples`) and
checked against what is committed.
"""
from __future__ import annotations

import numpy as np

from .reference import LeafMLP, MasterLeaf, PathNeuron


def _normal(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def leaf_mlp_example(seed: int = 0) -> LeafMLP:
    """A small leaf-MLP layer: 16 -> 8, depth 3, leaf width 4, master leaf of 8."""
    rng = np.random.default_rng(seed)
    d_in, depth, width, d_out, m = 16, 3, 4, 8, 8
    leaves, nodes = 2**depth, 2**depth - 1
    master = MasterLeaf(_normal(rng, d_in, m, scale=0.25), _normal(rng, m, scale=0.1),
                        _normal(rng, m, d_out, scale=0.35), _normal(rng, d_out, scale=0.1),
                        k=0.5)
    return LeafMLP(_normal(rng, nodes, d_in, scale=0.25), _normal(rng, nodes, scale=0.1),
                   _normal(rng, leaves, d_in, width, scale=0.25), _normal(rng, leaves, width, scale=0.1),
                   _normal(rng, leaves, width, d_out, scale=0.5), _normal(rng, leaves, d_out, scale=0.1),
                   master=master, activation="relu", tie="ge")


def path_neuron_example(seed: int = 1) -> PathNeuron:
    """A small UltraFastBERT-style layer: 16 -> 16, two trees of depth 2, GELU."""
    rng = np.random.default_rng(seed)
    d_in, d_out, trees, depth = 16, 16, 2, 2
    rows = trees * (2 ** (depth + 1) - 1)
    return PathNeuron(_normal(rng, rows, d_in, scale=0.25), _normal(rng, rows, scale=0.1),
                      _normal(rng, d_out, rows, scale=0.25), trees=trees, depth=depth,
                      activation="gelu", tie="gt")


# File name under examples/ -> the layer it holds.
EXAMPLES = {
    "leaf_mlp_master.mlir": leaf_mlp_example,
    "path_neuron_2x2.mlir": path_neuron_example,
}


def example_input(layer, rows: int = 5, seed: int = 7) -> np.ndarray:
    """Seeded input rows for `layer`."""
    return np.random.default_rng(seed).standard_normal((rows, layer.d_in)).astype(np.float32)


def ultrafastbert_layer(seed: int = 1, trees: int = 1, depth: int = 11, width: int = 768) -> PathNeuron:
    """An UltraFastBERT-1x11-shaped FFF (SPEC.md variant B) with seeded weights.

    768 -> 768, one tree of depth 11 (4095 neurons, 12 used per row), exact
    GELU, tie "gt"; the main job's embedded default model. Weights are scaled
    like a trained layer's (unit-variance logits, O(1) outputs).
    """
    rng = np.random.default_rng(seed)
    total = trees * (2 ** (depth + 1) - 1)
    return PathNeuron(_normal(rng, total, width, scale=width ** -0.5), _normal(rng, total, scale=0.1),
                      _normal(rng, width, total, scale=(trees * (depth + 1)) ** -0.5),
                      trees=trees, depth=depth, activation="gelu", tie="gt")
