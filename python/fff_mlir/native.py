"""Compile MLIR with fff ops into a shared library and call it from numpy.

`fff-compile` (tools/fff-compile) does the whole compilation in its own
process and writes `lib.so`, `lib.h` (the C header declaring one entry
point per public function) and `lib.json`, the machine-readable description
of the same entry points, which `Library` reads to call them through ctypes
with checked numpy arrays. Why ctypes
over the C ABI rather than an in-process pybind11 module: docs/user-guide.md
(section 5).
"""
from __future__ import annotations

import ctypes
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import numpy as np

from .cuda import DeviceArray
from .listing import default, listing, status_code, status_messages
from .paths import tool
from .reference import ShapeError

LLVM_BIN = Path("/usr/lib/llvm-22/bin")

# Element types of the C ABI and the numpy dtypes that hold them.
DTYPES = {
    "f32": np.dtype(np.float32), "f64": np.dtype(np.float64), "f16": np.dtype(np.float16),
    "bf16": np.dtype(np.uint16), "i8": np.dtype(np.int8), "i16": np.dtype(np.int16),
    "i32": np.dtype(np.int32), "i64": np.dtype(np.int64), "index": np.dtype(np.int64),
}
_CTYPES = {"f32": ctypes.c_float, "f64": ctypes.c_double, "i8": ctypes.c_int8,
           "i16": ctypes.c_int16, "i32": ctypes.c_int32, "i64": ctypes.c_int64,
           "index": ctypes.c_int64}


class CompileError(RuntimeError):
    """fff-compile failed; the message holds its diagnostics (file:line:col)."""


class FFFRuntimeError(RuntimeError):
    """A compiled entry point returned an error status."""


@dataclass(frozen=True)
class CompileOptions:
    """fff-compile's options (see `fff-compile --help` and docs/user-guide.md).

    A field left None takes fff-compile's default (listing.py); vector_width
    None is fff-compile's `auto`, the target's widest f32 vector.
    """

    fuse: Optional[bool] = None
    vector_width: Optional[int] = None
    row_block: Optional[int] = None
    interleave: Optional[int] = None
    walk_step: Optional[int] = None  # path-neuron walk levels per step (1 or 2)
    group_rows: Optional[int] = None  # 0: no grouping by leaf or subtree
    group_min_batch: Optional[int] = None
    bucket_rows: Optional[bool] = None  # level-synchronous walk (fff-bucket-rows)
    bucket_tile_rows: Optional[int] = None
    bucket_min_batch: Optional[int] = None
    register_rows: Optional[int] = None
    blas: Optional[bool] = None  # dense matmuls call OpenBLAS (convert-linalg-to-blas)
    openmp: Optional[bool] = None
    weights: str = "constants"
    target: str = "cpu"
    target_cpu: Optional[str] = None
    opt_level: Optional[int] = None
    gpu_chip: Optional[str] = None
    warps_per_block: Optional[int] = None
    extra: tuple = ()  # further fff-compile flags, as given
    # "address" or "thread": instrument the code (fff-compile --sanitize); the process
    # must then have the sanitizer's runtime (LD_PRELOAD). FFF_SANITIZE sets the
    # default, so that a whole test suite can run instrumented (scripts/test.sh).
    sanitize: Optional[str] = None

    def __post_init__(self):
        for name in ("fuse", "row_block", "interleave", "walk_step", "group_rows", "group_min_batch",
                     "bucket_rows", "bucket_tile_rows", "bucket_min_batch", "register_rows", "blas", "openmp",
                     "target_cpu", "opt_level", "gpu_chip", "warps_per_block"):
            if name == "opt_level" and self.target == "cuda":
                continue  # unset: fff-compile's own default for kernels
            if getattr(self, name) is None:
                flag = "O" if name == "opt_level" else name.replace("_", "-")
                object.__setattr__(self, name, default(flag))
        if self.sanitize is None and self.target == "cpu":
            object.__setattr__(self, "sanitize", os.environ.get("FFF_SANITIZE") or None)

    def flags(self) -> list:
        if self.target == "cuda":  # weights are always arguments there
            return ["--target=cuda", f"--gpu-chip={self.gpu_chip}",
                    f"--warps-per-block={self.warps_per_block}",
                    *([] if self.opt_level is None else [f"-O{self.opt_level}"]), *self.extra]
        return [*self.extra, f"--target={self.target}", f"--target-cpu={self.target_cpu}",
                f"--fuse={str(self.fuse).lower()}",
                *([] if self.vector_width is None else [f"--vector-width={self.vector_width}"]),
                f"--row-block={self.row_block}", f"--interleave={self.interleave}",
                f"--walk-step={self.walk_step}",
                f"--group-rows={self.group_rows}",
                *([f"--group-min-batch={self.group_min_batch}"] if self.group_rows else []),
                f"--bucket-rows={str(self.bucket_rows).lower()}",
                *([f"--bucket-tile-rows={self.bucket_tile_rows}",
                   f"--bucket-min-batch={self.bucket_min_batch}"] if self.bucket_rows else []),
                f"--register-rows={self.register_rows}",
                f"--blas={str(self.blas).lower()}",
                f"--openmp={str(self.openmp).lower()}",
                f"--weights={self.weights}", f"-O{self.opt_level}",
                *([f"--sanitize={self.sanitize}"] if self.sanitize else [])]


def _run(cmd, progress=None) -> bytes:
    """Runs `cmd`; with `progress`, fff-compile's --progress lines go to it
    as each stage ends, and the rest of stderr into the error."""
    if progress is None:
        proc = subprocess.run(cmd, capture_output=True)
        stderr = proc.stderr.decode(errors="replace")
    else:
        proc = subprocess.Popen([*cmd, "--progress"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace")
        other = []
        for line in proc.stderr:
            if line.startswith("fff-compile: ") and line.rstrip().endswith(" s)"):
                progress(line[len("fff-compile: "):].rstrip())
            else:
                other.append(line)
        proc.stdout.read()
        proc.wait()
        stderr = "".join(other)
    if proc.returncode != 0:
        raise CompileError(f"{shlex.join(map(str, cmd))} failed:\n{stderr}")
    return b"" if progress is not None else proc.stdout


def compile_mlir(mlir_text: str, output: Optional[Union[str, Path]] = None,
                 options: Optional[CompileOptions] = None, *, keep: bool = False,
                 stem: str = "layer", progress=None) -> "Library":
    """Compile `mlir_text` into the shared library `output` (+ its header).

    The text is kept next to the library (`.mlir`) so that diagnostics point
    at a file the user can open. Without `output`, everything goes into a
    temporary folder (lib<stem>.so) that lives as long as the returned
    Library and is removed with it, or at exit; keep=True leaves it behind
    (`library.path.parent`), and so does a failed compilation, whose
    CompileError names the `.mlir`. `progress`: a callable given one line
    per stage of fff-compile as it ends (`print` shows them).
    """
    compiler = tool("fff-compile")
    temporary = output is None
    if temporary:
        output = Path(tempfile.mkdtemp(prefix="fff_mlir_")) / f"lib{stem}.so"
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    source = output.with_suffix(".mlir")
    source.write_text(mlir_text)
    try:
        _run([compiler, source, "-o", output, *(options or CompileOptions()).flags()], progress)
    except CompileError as e:
        raise CompileError(f"{e}\nfff-compile's input is kept in {source}") from None
    library = Library(output)
    if temporary and not keep:
        weakref.finalize(library, shutil.rmtree, output.parent, ignore_errors=True)
    return library




def _data_pointer_reader():
    """array -> the address of its data, the fastest way that is right here.

    `a.ctypes.data` builds a ctypes object at every call (1-3 us, most of the
    cost of a one-row call). numpy's ABI fixes the `data` pointer as the
    first field after the object header of an ndarray (what PyArray_DATA
    reads), so on CPython it is read at id(a) + sizeof(PyObject). A probe
    checks that once; anywhere it fails, `.ctypes.data` is used.
    """
    def slow(a):
        return a.ctypes.data
    if sys.implementation.name != "cpython":
        return slow
    offset, read = object.__basicsize__, ctypes.c_void_p.from_address

    def fast(a):
        return read(id(a) + offset).value
    probe = np.arange(12, dtype=np.float32).reshape(3, 4)
    views = (probe, probe[1:], probe[:, 1:], probe.T, np.empty((0, 7), np.float64))
    return fast if all(fast(v) == slow(v) for v in views) else slow


_data_pointer = _data_pointer_reader()


@dataclass
class Param:
    name: str
    dtype: np.dtype
    dtype_name: str
    shape: list  # int, None (argument: any size) or a size expression (result; see size())
    array: bool = True
    writable: bool = False  # a memref argument the compiled code may write
    index_bound: Optional[int] = None  # every element in [0, index_bound)

    def __post_init__(self):
        # Prepared once for the calls: the fixed sizes to check, the sizes
        # passed after the pointer, and how a result's shape is found.
        self.fixed = tuple((i, d) for i, d in enumerate(self.shape) if isinstance(d, int))
        self.dynamic = tuple(i for i, d in enumerate(self.shape) if d is None)
        self.sized_by = tuple((i, d) for i, d in enumerate(self.shape)
                              if isinstance(d, (list, dict)))
        self._sizes = [d if isinstance(d, int) else 0 for d in self.shape]
        self.scalar = None if self.array else (int if np.issubdtype(self.dtype, np.integer) else float)

    def c_types(self) -> list:
        """The ctypes of the C parameters this one becomes."""
        if self.array:
            return [ctypes.c_void_p] + [ctypes.c_int64] * len(self.dynamic)
        return [_CTYPES[self.dtype_name]]

    def result_shape(self, values) -> tuple:
        shape = self._sizes.copy()
        for i, expr in self.sized_by:
            shape[i] = size(expr, values)
        return tuple(shape)


def size(expr, values) -> int:
    """A size of the description: a number, [argument, dimension] of the
    `values` passed, or {"op", "lhs", "rhs"} of two sizes (B*S rows)."""
    if isinstance(expr, int):
        return expr
    if isinstance(expr, list):
        return values[expr[0]].shape[expr[1]]
    lhs, rhs = size(expr["lhs"], values), size(expr["rhs"], values)
    op = expr["op"]
    if op == "+":
        return lhs + rhs
    if op == "*":
        return lhs * rhs
    if op == "floordiv":
        return lhs // rhs
    if op == "ceildiv":
        return -(-lhs // rhs)
    return lhs % rhs


def _first_argument(expr) -> Optional[int]:
    """The first argument whose size `expr` reads."""
    if isinstance(expr, list):
        return expr[0]
    if isinstance(expr, dict):
        first = _first_argument(expr["lhs"])
        return first if first is not None else _first_argument(expr["rhs"])
    return None


class EntryPoint:
    """One C entry point; call it with numpy arrays (and scalars) in order.

    The ctypes signature and each parameter's checks are prepared when the
    library is loaded, so that a call pays only for checking its values.
    """

    def __init__(self, lib: ctypes.CDLL, abi: dict, runtime=None):
        self.symbol = abi["symbol"]
        self.function = abi["function"]
        self.on_device = abi.get("memory") == "device"
        self.runtime = runtime  # cuda.Runtime for device entry points
        self.args = [Param(a["name"], DTYPES[a["dtype"]], a["dtype"], a["shape"], a["array"],
                           a.get("writable", False), a.get("index_bound")) for a in abi["args"]]
        self.checks = abi.get("checks", [])
        self.results = [Param(r["name"], DTYPES[r["dtype"]], r["dtype"], r["shape"])
                        for r in abi["results"]]
        self._array_types = (np.ndarray, DeviceArray) if self.on_device else np.ndarray
        self._fn = getattr(lib, self.symbol)
        self._fn.restype = ctypes.c_int32
        unsupported = [p.name for p in self.args if not p.array and p.dtype_name not in _CTYPES]
        self._unsupported = unsupported[0] if unsupported else None
        if not unsupported:
            self._fn.argtypes = [t for p in self.args for t in p.c_types()] + \
                [ctypes.c_void_p] * len(self.results)

    def __repr__(self):
        args = ", ".join(f"{p.name}: {p.dtype_name}{p.shape}" for p in self.args)
        return f"<{self.symbol}({args}) -> {len(self.results)} result(s)>"

    def _check(self, param: Param, value):
        if not param.array:
            if not np.isscalar(value) or isinstance(value, (str, bytes)):
                raise TypeError(f"{self.function}: {param.name} must be a scalar, got {type(value).__name__}")
            if param.scalar is int:
                info = np.iinfo(param.dtype)
                if not float(value).is_integer() or not info.min <= value <= info.max:
                    raise ValueError(f"{self.function}: {param.name} must be an integer in "
                                     f"[{info.min}, {info.max}] ({param.dtype_name}), got {value}")
            return
        if not isinstance(value, self._array_types):
            raise TypeError(f"{self.function}: {param.name} must be a numpy array of {param.dtype}, "
                            f"got {type(value).__name__}")
        if value.dtype != param.dtype:
            raise TypeError(f"{self.function}: {param.name} must have dtype {param.dtype} "
                            f"({param.dtype_name}), got {value.dtype}")
        shape = value.shape
        if len(shape) != len(param.shape) or any(shape[i] != d for i, d in param.fixed):
            expected = tuple("?" if d is None else d for d in param.shape)
            raise ShapeError(f"{self.function}: {param.name}: expected shape "
                             f"({', '.join(map(str, expected))}), got {shape}")
        if isinstance(value, DeviceArray):
            return  # contiguous by construction
        if not value.flags.c_contiguous:
            raise ValueError(f"{self.function}: {param.name} must be C-contiguous "
                             "(np.ascontiguousarray makes a copy that is)")
        if param.writable and not value.flags.writeable:
            raise ValueError(f"{self.function}: {param.name} is written by the compiled code, "
                             "but the array is read-only")
        if param.index_bound is not None and value.size and \
                not 0 <= int(value.min()) <= int(value.max()) < param.index_bound:
            raise IndexError(f"{self.function}: {param.name} holds indices in "
                             f"[{int(value.min())}, {int(value.max())}], outside [0, {param.index_bound})")

    def _check_rules(self, values):
        """The shape rules between argument sizes (the header's 'requires')."""
        for rule in self.checks:
            lhs, rhs = size(rule["lhs"], values), size(rule["rhs"], values)
            if (lhs > rhs) if rule.get("op") == "<=" else (lhs != rhs):
                arg = _first_argument(rule["lhs"])
                arg = _first_argument(rule["rhs"]) if arg is None else arg
                raise ShapeError(f"{self.function}: {rule['message']}; got {self.args[arg].name} "
                                 f"of shape {values[arg].shape}")

    def __call__(self, *values, device_results: bool = False, out=None):
        """Runs the entry point. For a device (cuda) library, numpy arrays are
        copied to the device for the call, and results come back as numpy
        arrays, or stay on the device with `device_results=True`. `out`: the
        caller's own result arrays (one, or a tuple of one per result) that
        the compiled code writes in place; host libraries only."""
        if len(values) != len(self.args):
            raise TypeError(f"{self.function} takes {len(self.args)} argument(s) "
                            f"({', '.join(p.name for p in self.args)}), got {len(values)}")
        for param, value in zip(self.args, values):
            self._check(param, value)
        if self.checks:
            self._check_rules(values)
        return self._invoke(values, device_results, out)

    def _invoke(self, values, device_results: bool = False, out=None):
        """The call itself, on values that passed the checks."""
        if self.on_device:
            values = [DeviceArray.from_host(self.runtime, v) if isinstance(v, np.ndarray) else v
                      for v in values]
        return self._run(self._c_args(self.args, values), values, device_results, out)

    def _bind(self, *fixed):
        """`f(*first)` that calls `self(*first, *fixed)`: the trailing arguments
        (weights) are checked and turned into C arguments once, here; the
        caller checks `first`. Host memory only."""
        head = self.args[:len(self.args) - len(fixed)]
        for param, value in zip(self.args[len(head):], fixed):
            self._check(param, value)
        tail = self._c_args(self.args[len(head):], fixed)

        def call(*first, out=None):
            values = first + fixed
            if self.checks:
                self._check_rules(values)
            return self._run(self._c_args(head, first) + tail, values, out=out)
        return call

    def _c_args(self, params, values) -> list:
        """The C arguments of `values` for `params`: pointers, sizes, scalars."""
        c_args = []
        for param, value in zip(params, values):
            if param.scalar is not None:
                c_args.append(param.scalar(value))
                continue
            c_args.append(value.ptr if self.on_device else _data_pointer(value))
            if param.dynamic:
                shape = value.shape
                c_args += [shape[i] for i in param.dynamic]
        return c_args

    def _out_arrays(self, out, values) -> list:
        """The caller's result arrays, each checked against its result."""
        arrays = list(out) if isinstance(out, (tuple, list)) else [out]
        if len(arrays) != len(self.results):
            raise TypeError(f"{self.function}: out= takes {len(self.results)} array(s), "
                            f"one per result, got {len(arrays)}")
        if self.on_device:
            raise TypeError(f"{self.function}: out= is for host libraries; a device library's "
                            "results come back with device_results=True")
        for i, (result, array) in enumerate(zip(self.results, arrays)):
            what = f"{self.function}: out[{i}]"
            if not isinstance(array, np.ndarray):
                raise TypeError(f"{what} must be a numpy array, got {type(array).__name__}")
            shape = tuple(result.result_shape(values))
            if array.dtype != result.dtype or array.shape != shape:
                raise ShapeError(f"{what} must be {result.dtype} of shape {shape}, "
                                 f"got {array.dtype} of shape {array.shape}")
            if not array.flags.c_contiguous or not array.flags.writeable:
                raise ValueError(f"{what} must be C-contiguous and writable")
            if any(isinstance(v, np.ndarray) and np.shares_memory(array, v) for v in values):
                raise ValueError(f"{what} overlaps an argument; the compiled code assumes "
                                 "results and arguments do not alias")
        return arrays

    def _run(self, c_args: list, values, device_results: bool = False, out=None):
        """Allocates the results (or takes `out`'s), calls the entry point and
        checks its status."""
        if self._unsupported is not None:
            raise TypeError(f"{self.function}: {self._unsupported} is a scalar of a type ctypes "
                            "cannot pass; call this entry point from C")
        given = None if out is None else self._out_arrays(out, values)
        outputs = []
        for i, result in enumerate(self.results):
            if given is not None:
                outputs.append(given[i])
                c_args.append(_data_pointer(given[i]))
                continue
            shape = result.result_shape(values)
            if self.on_device:
                outputs.append(DeviceArray(self.runtime, shape, result.dtype))
                c_args.append(outputs[-1].ptr)
            else:
                outputs.append(np.empty(shape, dtype=result.dtype))
                c_args.append(_data_pointer(outputs[-1]))
        status = self._fn(*c_args)
        if status != 0:
            try:
                detail = status_messages().get(status, "unknown status")
                gpu_error = status == status_code("FFF_ERROR_GPU")
            except FileNotFoundError:  # no fff-compile here to name the status
                detail, gpu_error = "see fff_status_string() in the C header", False
            if gpu_error and self.runtime is not None:
                detail += f": {self.runtime.last_error()}"
            raise FFFRuntimeError(f"{self.symbol} returned {status}: {detail}")
        if self.on_device and not device_results:
            outputs = [o.to_host() for o in outputs]
        return outputs[0] if len(outputs) == 1 else tuple(outputs)


def abi_version() -> Optional[int]:
    """The C ABI version of the fff-compile beside this package (None if
    there is none, as where only built libraries are deployed)."""
    try:
        return listing()["abi_version"]
    except FileNotFoundError:
        return None


class Library:
    """A shared library written by fff-compile, with its description (the
    .json file fff-compile writes beside it) read from `description`."""

    def __init__(self, path: Union[str, Path], description: Optional[Union[str, Path]] = None):
        self.path = Path(path)
        self.description = Path(description) if description else self.path.with_suffix(".json")
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no such library")
        if not self.description.is_file():
            raise FileNotFoundError(f"{self.description}: the description fff-compile wrote "
                                    f"next to {self.path.name} is missing (it describes the "
                                    "entry points)")
        try:
            described = json.loads(self.description.read_text())
            version, abis = described["abi_version"], described["entry_points"]
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{self.description}: not a description written by fff-compile "
                             f"({e})") from None
        expected = abi_version()
        if expected is not None and version != expected:
            raise ValueError(f"{self.description}: C ABI version {version}, but this fff_mlir "
                             f"calls version {expected}; recompile the library")
        self._lib = ctypes.CDLL(str(self.path.resolve()))
        self.on_device = any(abi.get("memory") == "device" for abi in abis)
        # The CUDA runtime linked into a device library (cuda.py).
        self.runtime = None
        if self.on_device:
            from .cuda import Runtime
            self.runtime = Runtime(self._lib)
        self.entry_points = {abi["function"]: EntryPoint(self._lib, abi, self.runtime)
                             for abi in abis}

    def __getitem__(self, function: str) -> EntryPoint:
        try:
            return self.entry_points[function]
        except KeyError:
            raise KeyError(f"{self.path.name} has no entry point for @{function}; "
                           f"it has {sorted(self.entry_points)}") from None


def compile_layers(layers: dict, options: Optional[CompileOptions] = None,
                   workdir: Optional[Path] = None) -> Library:
    """Compile {name: layer} (weights as arguments) into one Library
    (workdir/layers.so; default: a temporary folder removed with it)."""
    from .mlir_text import to_mlir
    text = "\n".join(to_mlir(layer, name, weights="arguments") for name, layer in layers.items())
    output = None if workdir is None else Path(workdir) / "layers.so"
    return compile_mlir(text, output, options, stem="layers")


def run_layer(library: Library, name: str, layer, x: np.ndarray) -> np.ndarray:
    """Run `@name` (built by compile_layers from `layer`) on float32 rows `x`."""
    from .mlir_text import layer_weights
    ins, master = layer_weights(layer)
    weights = [np.array(a, dtype=np.float32, order="C") for _, a in ins + master]
    return library[name](x, *weights)
