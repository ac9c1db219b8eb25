"""What a timing ran on: the CPU, the thread count and the BLAS kernel.

Debian's OpenBLAS 0.3.21 does not recognise recent AVX-512 processors and
falls back to an SSE3 kernel 4-5x slower (../shared/BENCHMARKS.md), so a
dense baseline must name its kernel and, on an AVX-512 machine, use an
AVX-512 one. OpenBLAS reads OPENBLAS_CORETYPE and its thread count when it
loads, hence `blas_environment` + re-executing before numpy is imported.
"""
from __future__ import annotations

import ctypes
import platform
from typing import Optional


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def has_avx512() -> bool:
    try:
        return any(line.startswith("flags") and " avx512f" in line for line in open("/proc/cpuinfo"))
    except OSError:
        return False


def blas_environment(threads: int) -> dict:
    """The variables OpenBLAS must see at load time for an honest baseline."""
    env = {"OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    if has_avx512():
        env["OPENBLAS_CORETYPE"] = "SkylakeX"  # the project's rule, whatever the caller set
    return env


def _openblas() -> Optional[ctypes.CDLL]:
    """The OpenBLAS that numpy loaded into this process, if any."""
    import numpy as np  # noqa: F401  (loads BLAS)
    try:
        paths = {line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib
        except (OSError, AttributeError):
            continue
    return None


def blas_description() -> str:
    """'OpenBLAS 0.3.21, kernel SkylakeX, 1 thread' for the BLAS numpy uses."""
    lib = _openblas()
    if lib is None:
        return "numpy's BLAS (not OpenBLAS: kernel unknown)"
    lib.openblas_get_config.restype = ctypes.c_char_p
    config = lib.openblas_get_config().decode().split()
    version = config[1] if len(config) > 1 else "?"
    threads = lib.openblas_get_num_threads()
    return (f"OpenBLAS {version}, kernel {lib.openblas_get_corename().decode()}, "
            f"{threads} thread{'s' if threads != 1 else ''}")
