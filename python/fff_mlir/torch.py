"""PyTorch in, PyTorch out.

    import fff_mlir.torch
    fast = fff_mlir.torch.compile(model.eval(), (example_x,))   # the whole module
    y = fast(x)                         # torch tensors, any leading shape (..., features)

    fff_mlir.torch.replace_fff_modules(model)   # or only the FFF layers, in place

Tensors cross without copies when they are float32 and contiguous on the
CPU: the input is handed to C as its own memory, and the result tensor
wraps the array the compiled code wrote. Other tensors are converted first.
"""
from __future__ import annotations

from typing import Optional

from .compiler import compile as compile_layer
from .native import CompileOptions, Library, compile_mlir
from .torch_import import TorchImportError, _fff_layer, import_module

__all__ = ["CompiledModule", "FFFLayerModule", "compile", "replace_fff_modules"]


def _rows(x, width: int):
    """`x` (..., width) as a (rows, width) float32 numpy view, and its
    leading shape."""
    import torch
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(x).__name__}")
    if x.dim() < 1 or x.shape[-1] != width:
        raise ValueError(f"expected a tensor of shape (..., {width}), got {tuple(x.shape)}")
    lead = tuple(x.shape[:-1])
    x = x.detach()
    if x.device.type != "cpu" or x.dtype != torch.float32 or not x.is_contiguous():
        x = x.to(device="cpu", dtype=torch.float32).contiguous()
    return x.reshape(-1, width).numpy(), lead


class CompiledModule:
    """A module compiled whole by fff-compile: call it with torch tensors."""

    def __init__(self, text: str, library: Library, d_in: int, d_out: int):
        self.mlir = text
        self.library = library
        self.entry_point = library["forward"]
        self.d_in, self.d_out = d_in, d_out

    def __call__(self, x):
        import torch
        rows, lead = _rows(x, self.d_in)
        return torch.from_numpy(self.entry_point(rows)).reshape(*lead, self.d_out)


def compile(module, example_inputs, options: Optional[CompileOptions] = None,
            output=None) -> CompiledModule:
    """`module` (eval mode) imported with torch.fx (fff_mlir.torch_import)
    and compiled; the result takes and returns torch tensors of any leading
    shape. One input, one result, (..., features) float32 for now."""
    import torch
    if len(example_inputs) != 1:
        raise TorchImportError("fff_mlir.torch.compile takes modules of one input for now")
    (x,) = example_inputs
    rows, _ = _rows(x, int(x.shape[-1]))
    text = import_module(module, (torch.from_numpy(rows[:1].copy()),))
    library = compile_mlir(text, output, options or CompileOptions())
    with torch.no_grad():
        d_out = int(module(torch.from_numpy(rows[:1].copy())).shape[-1])
    return CompiledModule(text, Library(library.path), rows.shape[1], d_out)


def _module_class():
    import torch

    class FFFLayerModule(torch.nn.Module):
        """An FFF layer compiled by fff-compile, standing in for the
        PyTorch module it was made from (forward: torch tensors in and out,
        any leading shape). It has no parameters: the weights are in the
        library."""

        def __init__(self, compiled, source_name: str):
            super().__init__()
            self.compiled = compiled
            self.source_name = source_name

        def forward(self, x):
            rows, lead = _rows(x, self.compiled.layer.d_in)
            return torch.from_numpy(self.compiled(rows)).reshape(*lead, self.compiled.layer.d_out)

        def extra_repr(self) -> str:
            layer = self.compiled.layer
            return f"{self.source_name}, {layer.d_in} -> {layer.d_out}, {self.compiled.path.name}"

    return FFFLayerModule


def __getattr__(name):
    # The class needs torch, which importing this module does not.
    if name == "FFFLayerModule":
        return _module_class()
    raise AttributeError(name)


def replace_fff_modules(model, **compile_options) -> list:
    """Replaces, in place, every FFF submodule of `model` (recognised as
    fff_mlir.torch_import does) by an FFFLayerModule running its compiled
    layer; the rest of the model stays PyTorch. Returns the qualified
    names replaced. `compile_options` go to fff_mlir.compile."""
    cls = _module_class()
    replaced = []
    for name, module in list(model.named_modules()):
        if not name or isinstance(module, cls):
            continue
        layer = _fff_layer(module)
        if layer is None:
            continue
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        if getattr(parent, child, None) is not module:
            continue  # inside a module replaced already
        setattr(parent, child, cls(compile_layer(layer, **compile_options), type(module).__name__))
        replaced.append(name)
    if not replaced and _fff_layer(model) is not None:
        raise TorchImportError("the model itself is an FFF layer: use fff_mlir.compile(fff_mlir.load(...)) "
                               "or fff_mlir.torch.compile")
    return replaced

