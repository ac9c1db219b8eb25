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
from .torch_import import TorchImportError, _fff_layer, trace_module

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
    return _array(x, torch.float32).reshape(-1, width), lead


def _array(x, dtype):
    """`x` as a C-contiguous numpy array of `dtype` on the CPU: a view of its
    memory when it is one already, else a converted copy."""
    x = x.detach()
    if x.device.type != "cpu" or x.dtype != dtype or not x.is_contiguous():
        x = x.to(device="cpu", dtype=dtype).contiguous()
    return x.numpy()


# Weights above this size go to the library as arguments, not constants in
# the IR (whose text, parsing and object code grow with them).
AUTO_ARGUMENT_BYTES = 16 << 20


class CompiledModule:
    """A module compiled whole by fff-compile: call it with torch tensors
    (float32 or int64, as the example inputs were), get torch tensors.

    A module of one float input that works row by row takes any leading
    shape (..., features); other modules take the example inputs' ranks,
    with any size where the import made a dimension dynamic."""

    def __init__(self, imported, library: Library, dtypes: list, d_in: Optional[int] = None):
        self.imported = imported
        self.mlir = imported.text
        self.library = library
        self.entry_point = library["forward"]
        self.dtypes = dtypes
        self.d_in = d_in  # set: one float input, rows flattened at the call
        weights = [a for _, a in imported.weights]
        self._call = self.entry_point._bind(*weights) if weights else self.entry_point

    def __call__(self, *inputs, out=None):
        """`out`: result tensors of the caller's (float32, contiguous, on the
        CPU; one, or a tuple of one per result) that the compiled code
        writes in place; they are returned."""
        import torch
        if len(inputs) != len(self.dtypes):
            raise TypeError(f"the compiled module takes {len(self.dtypes)} input(s) "
                            f"({', '.join(self.imported.inputs)}), got {len(inputs)}")
        lead = None
        if self.d_in is not None:
            rows, lead = _rows(inputs[0], self.d_in)
            arrays = [rows]
        else:
            for name, x in zip(self.imported.inputs, inputs):
                if not isinstance(x, torch.Tensor):
                    raise TypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
            arrays = [_array(x, dtype) for x, dtype in zip(inputs, self.dtypes)]
        if out is not None:
            given = list(out) if isinstance(out, (tuple, list)) else [out]
            self._call(*arrays, out=[self._out_array(i, t, lead) for i, t in enumerate(given)])
            return out
        results = self._call(*arrays)
        results = results if isinstance(results, tuple) else (results,)
        tensors = [torch.from_numpy(r) for r in results]
        if lead is not None:
            tensors = [r.reshape(*lead, r.shape[-1]) for r in tensors]
        return tensors[0] if len(tensors) == 1 else tuple(tensors)

    @staticmethod
    def _out_array(i: int, tensor, lead):
        """out[i] as the numpy view of its own memory the entry point writes."""
        import torch
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"out[{i}]: expected a torch.Tensor, got {type(tensor).__name__}")
        if tensor.device.type != "cpu" or not tensor.is_contiguous() or tensor.requires_grad:
            raise ValueError(f"out[{i}] must be a contiguous CPU tensor that does not require grad")
        if lead is None:
            return tensor.detach().numpy()
        if tensor.dim() != len(lead) + 1 or tuple(tensor.shape[:-1]) != lead:
            raise ValueError(f"out[{i}]: expected a tensor of shape ({', '.join(map(str, lead))}, "
                             f"features), as the input's leading shape, got {tuple(tensor.shape)}")
        array = tensor.detach().numpy()
        return array.reshape(-1, array.shape[-1])


def compile(module, example_inputs, options: Optional[CompileOptions] = None,
            output=None, weights: str = "auto", sizes=None, progress=None) -> CompiledModule:
    """`module` (eval mode) imported with torch.fx (fff_mlir.torch_import)
    and compiled; the result takes and returns torch tensors.

    weights: "constants" (in the library's code), "arguments" (kept in
    memory and passed at each call: what a big model needs) or "auto"
    (arguments above AUTO_ARGUMENT_BYTES). sizes: see trace_module.
    bf16 or float64 parameters are used as float32. progress: a callable
    given one line per stage done (`print` shows them)."""
    import time
    import torch
    report = progress or (lambda line: None)
    start = time.perf_counter()
    inputs = list(example_inputs)
    for i, x in enumerate(inputs):
        if isinstance(x, torch.Tensor) and x.is_floating_point() and x.dtype != torch.float32:
            inputs[i] = x.float()
    if weights == "auto":
        total = sum(p.numel() * 4 for p in module.parameters()) + \
            sum(b.numel() * 4 for b in module.buffers())
        weights = "arguments" if total > AUTO_ARGUMENT_BYTES else "constants"
    imported = trace_module(module, inputs, weights=weights, sizes=sizes)
    d_in = None
    if imported.row_wise and len(inputs) == 1 and inputs[0].dtype == torch.float32 \
            and sizes is None and imported.results == 1:
        # Row by row: import with (rows, features) and flatten at the call.
        if inputs[0].dim() != 2:
            imported = trace_module(module, [inputs[0].reshape(-1, inputs[0].shape[-1])[:1]],
                                    weights=weights)
        d_in = int(inputs[0].shape[-1])
    report(f"imported with torch.fx: {imported.text.count(chr(10))} lines of MLIR, "
           f"{len(imported.weights)} weight arguments ({time.perf_counter() - start:.1f} s)")
    start = time.perf_counter()
    library = compile_mlir(imported.text, output, options or CompileOptions(),
                           progress=progress and (lambda line: report(f"  fff-compile: {line}")))
    report(f"compiled by fff-compile into {library.path} ({time.perf_counter() - start:.1f} s)")
    dtypes = [x.dtype for x in inputs]
    return CompiledModule(imported, Library(library.path), dtypes, d_in)


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

