"""fff_mlir: compile fast feedforward (FFF) layers ahead of time and run them.

    import fff_mlir
    layer = fff_mlir.load("model.pt")        # a PyTorch checkpoint (SPEC.md layouts)
    fast = fff_mlir.compile(layer)           # fff-compile -> shared library + C header
    y = fast(x)                              # numpy float32 rows in, rows out
    y_ref = layer.reference(x)               # the float64 reference

Only numpy is imported here; torch is imported lazily when a .pt file is read.
The jobs and demos of the command line live in fff_mlir.jobs, which these
modules never import.
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
from .compiler import CompiledLayer, compile
from .native import CompileError, CompileOptions, FFFRuntimeError, Library
from .paths import fixtures_dir
from . import verify
from .mlir_text import from_mlir, to_mlir
from .torch_import import TorchImportError, import_module
from .reference import ACTIVATIONS, TIE_RULES, LeafMLP, MasterLeaf, PathNeuron, ShapeError, activation_fn

load = load_layer

# `layer.to_mlir(name="layer", weights="constants")`: the writer attached to
# the layer classes here, so that the oracle (reference.py) never imports it.
LeafMLP.to_mlir = PathNeuron.to_mlir = to_mlir

__all__ = [
    "CompileError",
    "CompileOptions",
    "CompiledLayer",
    "FFFRuntimeError",
    "Library",
    "compile",
    "load",
    "ACTIVATIONS",
    "FAMILIES",
    "TIE_RULES",
    "CheckpointError",
    "LeafMLP",
    "MasterLeaf",
    "PathNeuron",
    "ShapeError",
    "TorchImportError",
    "activation_fn",
    "find_prefix",
    "fixtures_dir",
    "from_mlir",
    "import_module",
    "leaf_mlp_from_state_dict",
    "load_layer",
    "load_state_dict",
    "path_neuron_from_state_dict",
    "to_mlir",
]
