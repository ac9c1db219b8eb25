"""Device memory for libraries compiled with `--target=cuda`.

Such a library carries fff-mlir's CUDA runtime (lib/ExecutionEngine/
CudaRuntime.cpp), which loads the driver itself; its entry points take
device pointers. `DeviceArray` holds one device buffer through that runtime,
so that weights can be uploaded once and batches moved in and out:

    lib = fff_mlir.Library("libmodel.so")          # compiled for cuda
    x_dev = DeviceArray.from_host(lib, x)
    y_dev = lib["layer"](x_dev, *weights_dev, device_results=True)
    y = y_dev.to_host()

Passing numpy arrays instead copies them to the device and the results back.
"""
from __future__ import annotations

import ctypes

import numpy as np


class CudaError(RuntimeError):
    """A CUDA driver call failed; the message is the runtime's."""


class Runtime:
    """The fffGpu* functions of one compiled library."""

    def __init__(self, lib: ctypes.CDLL):
        self._lib = lib
        lib.fffGpuLastError.restype = ctypes.c_char_p
        lib.fffGpuDeviceName.restype = ctypes.c_char_p
        for name in ("fffGpuMalloc", "fffGpuFree", "fffGpuCopyToDevice", "fffGpuCopyToHost",
                     "fffGpuSynchronize", "fffGpuAvailable"):
            getattr(lib, name).restype = ctypes.c_int32

    def last_error(self) -> str:
        return self._lib.fffGpuLastError().decode(errors="replace")

    def available(self) -> bool:
        return bool(self._lib.fffGpuAvailable())

    def device_name(self) -> str:
        return self._lib.fffGpuDeviceName().decode(errors="replace")

    def check(self, status: int, what: str):
        if status != 0:
            raise CudaError(f"{what}: {self.last_error()}")

    def synchronize(self):
        self.check(self._lib.fffGpuSynchronize(), "synchronize")


class DeviceArray:
    """A C-contiguous array in device memory, freed with the object."""

    def __init__(self, runtime: Runtime, shape, dtype):
        self.runtime = runtime
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self.nbytes = int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize
        self.ptr = ctypes.c_void_p()
        runtime.check(runtime._lib.fffGpuMalloc(ctypes.byref(self.ptr),
                                                ctypes.c_size_t(self.nbytes)),
                      f"allocating {self.nbytes} bytes on the device")

    @classmethod
    def from_host(cls, runtime: Runtime, array: np.ndarray) -> "DeviceArray":
        array = np.ascontiguousarray(array)
        dev = cls(runtime, array.shape, array.dtype)
        runtime.check(runtime._lib.fffGpuCopyToDevice(dev.ptr, ctypes.c_void_p(array.ctypes.data),
                                                      ctypes.c_size_t(dev.nbytes)),
                      "copying to the device")
        return dev

    def to_host(self) -> np.ndarray:
        out = np.empty(self.shape, dtype=self.dtype)
        self.runtime.check(self.runtime._lib.fffGpuCopyToHost(
            ctypes.c_void_p(out.ctypes.data), self.ptr, ctypes.c_size_t(self.nbytes)),
            "copying to the host")
        return out

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __del__(self):
        if getattr(self, "ptr", None) is not None and self.ptr.value:
            self.runtime._lib.fffGpuFree(self.ptr)
            self.ptr = None

    def __repr__(self):
        return f"<DeviceArray {self.dtype}{list(self.shape)}>"
