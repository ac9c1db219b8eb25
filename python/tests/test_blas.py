"""--blas (convert-linalg-to-blas): dense matmuls compiled by fff-compile call
cblas_sgemm where their shapes and strides allow, and keep their loops
elsewhere; both paths against numpy in float64."""
import subprocess

import numpy as np
import pytest

from fff_mlir.native import CompileOptions, Library, compile_mlir

MODULE = """
func.func @mm(%x: tensor<?x?xf32>, %w: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %m = tensor.dim %w, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%n, %m) : tensor<?x?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x?xf32>, tensor<?x?xf32>) outs(%z : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// Every other column of x: a view whose elements are 2 apart, which BLAS
// cannot take, so the guard keeps the loops.
func.func @every_other(%x: tensor<?x?xf32>, %w: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %k = tensor.dim %w, %c0 : tensor<?x?xf32>
  %m = tensor.dim %w, %c1 : tensor<?x?xf32>
  %xs = tensor.extract_slice %x[0, 0] [%n, %k] [1, 2] : tensor<?x?xf32> to tensor<?x?xf32>
  %e = tensor.empty(%n, %m) : tensor<?x?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  %y = linalg.matmul ins(%xs, %w : tensor<?x?xf32>, tensor<?x?xf32>) outs(%z : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

func.func @bmm(%a: tensor<?x?x?xf32>, %b: tensor<?x?x?xf32>) -> tensor<?x?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %a, %c0 : tensor<?x?x?xf32>
  %r = tensor.dim %a, %c1 : tensor<?x?x?xf32>
  %m = tensor.dim %b, %c2 : tensor<?x?x?xf32>
  %e = tensor.empty(%n, %r, %m) : tensor<?x?x?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %y = linalg.batch_matmul ins(%a, %b : tensor<?x?x?xf32>, tensor<?x?x?xf32>) outs(%z : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  return %y : tensor<?x?x?xf32>
}
"""

# (rows, depth, columns): ones, odd sizes, a BERT-sized product, and empty
# operands (which BLAS rejects, so the loops take them).
SHAPES = [(1, 1, 1), (3, 17, 5), (17, 1, 33), (128, 768, 768), (0, 4, 3), (5, 0, 3), (7, 3, 0)]


@pytest.fixture(scope="module")
def libs(tmp_path_factory):
    out = tmp_path_factory.mktemp("blas")
    return {blas: Library(compile_mlir(MODULE, out / f"blas_{blas}.so",
                                       CompileOptions(blas=blas, weights="arguments")).path)
            for blas in (True, False)}


def undefined_symbols(lib: Library) -> str:
    return subprocess.run(["nm", "-D", "--undefined-only", str(lib.path)],
                          capture_output=True, text=True, check=True).stdout


def test_only_blas_libraries_call_blas(libs):
    assert "cblas_sgemm" in undefined_symbols(libs[True])
    assert "cblas_sgemm" not in undefined_symbols(libs[False])


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("blas", [True, False])
def test_matmul(libs, shape, blas):
    n, k, m = shape
    rng = np.random.default_rng(n * 10007 + k * 101 + m)
    x = rng.standard_normal((n, k)).astype(np.float32)
    w = rng.standard_normal((k, m)).astype(np.float32)
    y = libs[blas]["mm"](x, w)
    np.testing.assert_allclose(y, x.astype(np.float64) @ w, rtol=1e-4, atol=1e-4 * max(k, 1))


@pytest.mark.parametrize("shape", [(1, 2, 1), (9, 33, 4), (64, 256, 64)], ids=str)
def test_strided_view_keeps_the_loops(libs, shape):
    n, k, m = shape
    rng = np.random.default_rng(k)
    x = rng.standard_normal((n, 2 * k)).astype(np.float32)
    w = rng.standard_normal((k, m)).astype(np.float32)
    y = libs[True]["every_other"](x, w)
    np.testing.assert_allclose(y, x[:, ::2].astype(np.float64) @ w, rtol=1e-4, atol=1e-4 * k)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 5, 7, 2), (0, 2, 2, 2), (4, 12, 64, 12)], ids=str)
def test_batch_matmul(libs, shape):
    batch, r, k, m = shape
    rng = np.random.default_rng(batch + r)
    a = rng.standard_normal((batch, r, k)).astype(np.float32)
    b = rng.standard_normal((batch, k, m)).astype(np.float32)
    y = libs[True]["bmm"](a, b)
    np.testing.assert_allclose(y, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4 * k)
