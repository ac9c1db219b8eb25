"""fff_mlir: numpy reference and checkpoint import for fast feedforward (FFF) layers.

Only numpy is imported here; torch is imported lazily when a .pt file is read.
"""
from .checkpoint import (
    FAMILIES,
    CheckpointError,
    find_prefix,
    leaf_mlp_from_state_dict,
    load_layer,
    load_state_dict,
    path_neuron_from_state_dict,
)
from .paths import fixtures_dir
from .mnist import IdxError, accuracy, load_test_set, predict, preprocess, read_images, read_labels
from .reference import ACTIVATIONS, TIE_RULES, LeafMLP, MasterLeaf, PathNeuron, ShapeError, activation_fn

__all__ = [
    "ACTIVATIONS",
    "FAMILIES",
    "TIE_RULES",
    "CheckpointError",
    "IdxError",
    "LeafMLP",
    "MasterLeaf",
    "PathNeuron",
    "ShapeError",
    "accuracy",
    "activation_fn",
    "find_prefix",
    "fixtures_dir",
    "leaf_mlp_from_state_dict",
    "load_layer",
    "load_state_dict",
    "load_test_set",
    "path_neuron_from_state_dict",
    "predict",
    "preprocess",
    "read_images",
    "read_labels",
]
