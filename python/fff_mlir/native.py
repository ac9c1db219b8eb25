"""Compile MLIR with fff ops to a shared library and call it from numpy.

The pipeline is the project's: `fff-opt --fff-cpu-pipeline` lowers to the
LLVM dialect, `mlir-translate` emits LLVM IR and clang builds a shared
library. Entry points carry `llvm.emit_c_interface`, so each
`@f(memref...) -> memref` is callable as `_mlir_ciface_f(result*, args*...)`
with MLIR's strided memref descriptors, which `call` builds with ctypes.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import re
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .paths import tool

LLVM_BIN = Path("/usr/lib/llvm-22/bin")


class CompileError(RuntimeError):
    """A compilation step failed; the message holds the tool's diagnostics."""


@dataclass(frozen=True)
class PipelineOptions:
    """Options of fff-cpu-pipeline (see docs/passes.md)."""

    fuse: bool = True
    vector_width: int = 8
    row_block: int = 1

    def pipeline(self) -> str:
        return (f"fff-cpu-pipeline{{fuse={str(self.fuse).lower()} "
                f"vector-width={self.vector_width} row-block={self.row_block}}}")


def _run(cmd, stdin: bytes | None = None) -> bytes:
    proc = subprocess.run(cmd, input=stdin, capture_output=True)
    if proc.returncode != 0:
        raise CompileError(f"{shlex.join(map(str, cmd))} failed:\n{proc.stderr.decode(errors='replace')}")
    return proc.stdout


def lower_to_llvm_dialect(mlir_text: str, options: PipelineOptions = PipelineOptions()) -> str:
    """`mlir_text` after fff-cpu-pipeline (LLVM dialect)."""
    return _run([tool("fff-opt"), f"--pass-pipeline=builtin.module({options.pipeline()})"],
                mlir_text.encode()).decode()


def compile_shared(mlir_text: str, output: Path, options: PipelineOptions = PipelineOptions(),
                   opt_level: int = 2) -> Path:
    """Compile `mlir_text` into the shared library `output`."""
    llvm_dialect = lower_to_llvm_dialect(mlir_text, options)
    llvm_ir = _run([LLVM_BIN / "mlir-translate", "--mlir-to-llvmir"], llvm_dialect.encode())
    output = Path(output)
    ll = output.with_suffix(".ll")
    ll.write_bytes(llvm_ir)
    _run([LLVM_BIN / "clang", f"-O{opt_level}", "-march=native", "-shared", "-fPIC",
          "-Wno-override-module", "-o", output, ll, "-lm"])
    return output


_FUNC_HEAD = re.compile(r"^(\s*func\.func @\w+\(.*?\)(?:\s*->\s*[^{]*?)?)\s*\{", re.M | re.S)


def with_c_interface(mlir_text: str) -> str:
    """`mlir_text` with `llvm.emit_c_interface` on every function that lacks attributes."""
    def add(m):
        head = m.group(1)
        return m.group(0) if "attributes" in head else f"{head} attributes {{llvm.emit_c_interface}} {{"
    return _FUNC_HEAD.sub(add, mlir_text)


def _descriptor_type(rank: int):
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank), ("strides", ctypes.c_int64 * rank)]
    return type(f"MemRef{rank}D", (ctypes.Structure,), {"_fields_": fields})


_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_libc.free.argtypes = [ctypes.c_void_p]


def _descriptor(a: np.ndarray):
    desc = _descriptor_type(a.ndim)()
    desc.allocated = desc.aligned = a.ctypes.data
    desc.offset = 0
    if a.ndim:
        desc.sizes[:] = a.shape
        desc.strides[:] = [s // a.itemsize for s in a.strides]
    return desc


class SharedModule:
    """A compiled shared library whose entry points take and return float32 memrefs."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lib = ctypes.CDLL(str(self.path))

    def call(self, name: str, *args: np.ndarray, result_rank: int = 2) -> np.ndarray:
        """Run `@name` on `args` (made float32 and C-contiguous) and return its result."""
        arrays = [np.ascontiguousarray(a, dtype=np.float32) for a in args]
        descs = [_descriptor(a) for a in arrays]
        result = _descriptor_type(result_rank)()
        fn = getattr(self._lib, f"_mlir_ciface_{name}")
        fn.restype = None
        fn(ctypes.byref(result), *(ctypes.byref(d) for d in descs))
        shape = tuple(result.sizes[:result_rank])
        if int(np.prod(shape)) == 0 or not result.aligned:
            out = np.zeros(shape, dtype=np.float32)
        else:
            itemsize = 4
            buf = (ctypes.c_float * (result.offset + int(np.prod(shape)))).from_address(result.aligned)
            view = np.ctypeslib.as_array(buf)[result.offset:]
            out = np.lib.stride_tricks.as_strided(
                view, shape, [s * itemsize for s in result.strides[:result_rank]]).copy()
        if result.allocated:
            _libc.free(result.allocated)  # the compiled code malloc'ed it for us
        return out


def compile_layers(layers: dict, options: PipelineOptions = PipelineOptions(),
                   workdir: Path | None = None) -> SharedModule:
    """Compile {name: layer} (weights as arguments) into one SharedModule."""
    from .mlir_text import to_mlir
    text = "\n".join(to_mlir(layer, name, weights="arguments") for name, layer in layers.items())
    workdir = Path(workdir or tempfile.mkdtemp(prefix="fff_mlir_"))
    return SharedModule(compile_shared(text, workdir / "layers.so", options))


def run_layer(module: SharedModule, name: str, layer, x: np.ndarray) -> np.ndarray:
    """Run the compiled `@name` (built by compile_layers from `layer`) on rows `x`.

    The compiled code trusts its argument shapes, so they are checked here:
    a wrong width raises ShapeError instead of reading out of bounds.
    """
    from .mlir_text import layer_weights
    from .reference import ShapeError, check_shape
    x = np.asarray(x)
    check_shape("x", x, (None, layer.d_in), error=ShapeError)
    ins, master = layer_weights(layer)
    return module.call(name, x, *(a for _, a in ins + master))
