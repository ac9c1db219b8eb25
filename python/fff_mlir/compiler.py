"""`compile(layer)`: a layer object compiled ahead of time into a callable.

    layer = fff_mlir.load("model.pt")           # or LeafMLP(...) / PathNeuron(...)
    fast = fff_mlir.compile(layer, target="cpu")
    y = fast(x)                                  # x: float32, C-contiguous, (B, d_in)

The layer goes to MLIR (`layer.to_mlir()`), fff-compile builds a shared
library with a C entry point, and the returned CompiledLayer calls it on
numpy arrays of any batch size.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import numpy as np

from .cuda import DeviceArray
from .mlir_text import layer_weights, operand_names, to_mlir
from .native import CompileOptions, Library, compile_mlir
from .reference import LeafMLP, PathNeuron, ShapeError

TARGETS = ("cpu", "cuda")
_F32 = np.dtype(np.float32)


class CompiledLayer:
    """A compiled FFF layer: `y = compiled(x)` for float32 rows `x`."""

    def __init__(self, layer, library: Library, function: str, options: CompileOptions):
        self.layer = layer
        self.library = library
        self.options = options
        self.entry_point = library[function]
        self._weights = []
        if len(self.entry_point.args) > 1:  # weights passed at run time, by name
            ins, master = layer_weights(layer)
            names = operand_names(layer)
            by_name = {names[n]: np.array(a, dtype=np.float32, order="C") for n, a in ins + master}
            self._weights = [by_name[p.name] for p in self.entry_point.args[1:]]
        entry = self.entry_point
        if entry.args[0].shape != [None, layer.d_in]:
            raise ShapeError(f"{entry.symbol} takes x of shape {entry.args[0].shape}, but the "
                             f"layer's rows have {layer.d_in} values")
        # On the host, the weights are checked and passed to C once, here; a
        # call then checks x only (__call__).
        self._call = None if library.on_device else entry._bind(*self._weights)
        self._d_in = layer.d_in
        self._on_device = False  # device weights: uploaded at the first call

    @property
    def path(self) -> Path:
        """The shared library."""
        return self.library.path

    @property
    def weights(self) -> list:
        """The weights passed at each call, in the entry point's order (empty
        when they are baked into the library)."""
        return self._weights

    def _device_weights(self):
        """The weights in device memory, uploaded once; each call then moves
        only x and y."""
        if not self._on_device:
            self._weights = [DeviceArray.from_host(self.library.runtime, w)
                             for w in self._weights]
            self._on_device = True
        return self._weights

    def __call__(self, x):
        if self.library.on_device and isinstance(x, DeviceArray):
            # Stays on the device, and so does the result.
            if x.ndim != 2 or x.shape[1] != self.layer.d_in or x.dtype != np.float32:
                raise ShapeError(f"x: expected float32 (?, {self.layer.d_in}), got "
                                 f"{x.dtype}{list(x.shape)}")
            return self.entry_point(x, *self._device_weights(), device_results=True)
        if not isinstance(x, np.ndarray):
            raise TypeError(f"x must be a numpy array of float32, got {type(x).__name__}")
        if x.dtype != _F32:
            raise TypeError(f"x must have dtype float32, got {x.dtype} (use x.astype(np.float32))")
        if x.ndim != 2 or x.shape[1] != self._d_in:
            raise ShapeError(f"x: expected shape (?, {self._d_in}), got {x.shape}")
        if not x.flags.c_contiguous:
            raise ValueError("x must be C-contiguous (np.ascontiguousarray makes a copy that is)")
        if self._call is None:
            return self.entry_point(x, *self._device_weights())
        return self._call(x)

    def __repr__(self):
        return f"<CompiledLayer {self.entry_point.symbol} in {self.path}>"


def compile(layer: Union[LeafMLP, PathNeuron], target: str = "cpu", *,
            output: Optional[Union[str, Path]] = None, keep: bool = False, name: str = "layer",
            fuse: Optional[bool] = None, vector_width: Optional[int] = None,
            row_block: Optional[int] = None, interleave: Optional[int] = None,
            group_rows: Optional[int] = None, group_min_batch: Optional[int] = None,
            openmp: Optional[bool] = None, weights: str = "constants",
            target_cpu: Optional[str] = None, gpu_chip: Optional[str] = None,
            warps_per_block: Optional[int] = None) -> CompiledLayer:
    """Compile `layer` for `target` into a shared library and load it.

    output: the library's path; the C header (`.h`) and the MLIR given to
    fff-compile (`.mlir`) are written beside it. Without it they go into a
    temporary folder removed with the compiled layer (or at exit), unless
    keep=True (then `compiled.path.parent` holds them) or fff-compile fails
    (then the CompileError names the `.mlir`).
    weights: "constants" bakes them into the library, "arguments" passes them
    at each call. interleave: rows that walk their trees together
    (0: chosen per layer, 4 for inputs at least 256 wide, else 1).
    group_rows: batches of at least group_min_batch rows are sorted by leaf
    or subtree first, a leaf's rows computed group_rows at a time (0: never
    grouped). openmp:
    rows run on OpenMP threads (OMP_NUM_THREADS). target="cuda" compiles
    for NVIDIA GPUs (gpu_chip, warps_per_block): the weights then live on
    the device, uploaded once, and each call copies x in and y out (or keeps
    both on the device when x is a cuda.DeviceArray); the CPU options do not
    apply. The other options are fff-compile's (docs/user-guide.md); those
    left None take fff-compile's defaults.
    """
    if not isinstance(layer, (LeafMLP, PathNeuron)):
        raise TypeError(f"compile takes a LeafMLP or PathNeuron, got {type(layer).__name__}")
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; available: {', '.join(TARGETS)}")
    if weights not in ("constants", "arguments"):
        raise ValueError(f"weights must be 'constants' or 'arguments', got {weights!r}")
    if target == "cuda":
        weights = "arguments"
    options = CompileOptions(fuse=fuse, vector_width=vector_width, row_block=row_block,
                             interleave=interleave, group_rows=group_rows,
                             group_min_batch=group_min_batch, openmp=openmp, weights=weights, target=target,
                             target_cpu=target_cpu, gpu_chip=gpu_chip,
                             warps_per_block=warps_per_block)
    library = compile_mlir(to_mlir(layer, name), output, options, keep=keep, stem=name)
    return CompiledLayer(layer, library, name, options)
