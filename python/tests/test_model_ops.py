"""Ops a model has around its FFF layers, compiled by fff-compile and run:
linalg.softmax (convert-softmax-to-loops; test_softmax.py has its edge
cases) and a layer norm with math.rsqrt (math-expand-ops), against numpy in
float64. The libraries must need
nothing beyond the C library and libm."""
import os
import re
import subprocess

import numpy as np
import pytest

from fff_mlir.native import CompileOptions, Library, compile_mlir

WIDTH = 12
MODULE = f"""
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
func.func @softmax(%x: tensor<?x{WIDTH}xf32>) -> tensor<?x{WIDTH}xf32> {{
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x{WIDTH}xf32>
  %e = tensor.empty(%n) : tensor<?x{WIDTH}xf32>
  %s = linalg.softmax dimension(1) ins(%x : tensor<?x{WIDTH}xf32>) outs(%e : tensor<?x{WIDTH}xf32>) -> tensor<?x{WIDTH}xf32>
  return %s : tensor<?x{WIDTH}xf32>
}}

// (x - mean) * rsqrt(var + eps) over each row.
func.func @layer_norm(%x: tensor<?x{WIDTH}xf32>) -> tensor<?x{WIDTH}xf32> {{
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %width = arith.constant {float(WIDTH)} : f32
  %eps = arith.constant 1.0e-5 : f32
  %n = tensor.dim %x, %c0 : tensor<?x{WIDTH}xf32>
  %re = tensor.empty(%n) : tensor<?xf32>
  %r0 = linalg.fill ins(%zero : f32) outs(%re : tensor<?xf32>) -> tensor<?xf32>
  %sum = linalg.generic {{indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}}
      ins(%x : tensor<?x{WIDTH}xf32>) outs(%r0 : tensor<?xf32>) {{
    ^bb0(%a: f32, %acc: f32):
      %t = arith.addf %a, %acc : f32
      linalg.yield %t : f32
  }} -> tensor<?xf32>
  %sq = linalg.generic {{indexing_maps = [#id, #row, #row], iterator_types = ["parallel", "reduction"]}}
      ins(%x, %sum : tensor<?x{WIDTH}xf32>, tensor<?xf32>) outs(%r0 : tensor<?xf32>) {{
    ^bb0(%a: f32, %s: f32, %acc: f32):
      %mean = arith.divf %s, %width : f32
      %d = arith.subf %a, %mean : f32
      %d2 = arith.mulf %d, %d : f32
      %t = arith.addf %d2, %acc : f32
      linalg.yield %t : f32
  }} -> tensor<?xf32>
  %e = tensor.empty(%n) : tensor<?x{WIDTH}xf32>
  %y = linalg.generic {{indexing_maps = [#id, #row, #row, #id], iterator_types = ["parallel", "parallel"]}}
      ins(%x, %sum, %sq : tensor<?x{WIDTH}xf32>, tensor<?xf32>, tensor<?xf32>) outs(%e : tensor<?x{WIDTH}xf32>) {{
    ^bb0(%a: f32, %s: f32, %q: f32, %o: f32):
      %mean = arith.divf %s, %width : f32
      %var = arith.divf %q, %width : f32
      %ve = arith.addf %var, %eps : f32
      %inv = math.rsqrt %ve : f32
      %d = arith.subf %a, %mean : f32
      %t = arith.mulf %d, %inv : f32
      linalg.yield %t : f32
  }} -> tensor<?x{WIDTH}xf32>
  return %y : tensor<?x{WIDTH}xf32>
}}
"""


def lib_is_instrumented() -> bool:
    return bool(os.environ.get("FFF_SANITIZE"))


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    out = tmp_path_factory.mktemp("model_ops")
    return Library(compile_mlir(MODULE, out / "ops.so", CompileOptions(weights="arguments")).path)


def test_needs_only_libc_and_libm(lib):
    if lib_is_instrumented():
        pytest.skip("FFF_SANITIZE: the instrumented code calls the sanitizer's runtime")
    lines = subprocess.run(["nm", "-D", "--undefined-only", str(lib.path)],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    # Strong references only ("U"); the weak ones ("w") come from the C runtime's startup files.
    symbols = {line.split()[1].split("@")[0] for line in lines if line.split()[0] == "U"}
    # The softmax's vector exp is a polynomial; scalar code calls expf.
    assert "rsqrtf" not in symbols
    compiled_code = {"expf", "sqrtf", "malloc", "free", "memcpy", "memset", "__cxa_finalize"}
    # libfff_host_runtime.a, the workspace cache and the failure frame (fffHostRun) that
    # fff-compile links (C only, no C++ runtime).
    host_runtime = {"aligned_alloc", "malloc_usable_size", "realloc", "__tls_get_addr",
                    "pthread_once", "pthread_key_create", "pthread_key_delete",
                    "pthread_getspecific", "pthread_setspecific", "_setjmp", "longjmp",
                    "fprintf", "stderr", "abort"}
    assert symbols <= compiled_code | host_runtime, symbols - compiled_code - host_runtime
    needed = subprocess.run(["readelf", "-d", str(lib.path)], capture_output=True, text=True,
                            check=True).stdout
    libraries = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", needed))
    # ld-linux: glibc's dynamic loader, which defines __tls_get_addr.
    assert libraries <= {"libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2"}, libraries


def rows(batch):
    x = np.random.default_rng(batch).standard_normal((batch, WIDTH)).astype(np.float32) * 3
    if batch >= 3:
        x[1] = 7.0          # a constant row: softmax uniform, variance 0
        x[2, 0] = 80.0      # a dominant entry: exp must not overflow
    return x


@pytest.mark.parametrize("batch", [0, 1, 3, 17, 1000])
def test_softmax(lib, batch):
    x = rows(batch).astype(np.float64)
    z = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(lib["softmax"](rows(batch)), z / z.sum(axis=1, keepdims=True),
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("batch", [0, 1, 3, 17, 1000])
def test_layer_norm(lib, batch):
    x = rows(batch).astype(np.float64)
    mean = x.mean(axis=1, keepdims=True)
    expected = (x - mean) / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(lib["layer_norm"](rows(batch)), expected, rtol=1e-4, atol=1e-4)
