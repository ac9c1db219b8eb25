"""Reductions along rows (linalg.generic with an innermost reduction loop),
compiled by fff-compile (convert-row-reductions-to-loops: W partial results,
a masked tail) against numpy in float64: sums, products, max and min with
NaN, a layer norm's variance with a value per row, a weighted sum with a
vector along the row, and int32 rows converted in the body, on row lengths
around the vector widths and dynamic sizes."""
import numpy as np
import pytest

from fff_mlir.native import CompileOptions, Library, compile_mlir

WIDTHS = [1, 7, 8, 9, 16, 17, 100, 768]


def reduce_function(name: str, width: int, combiner: str, init: str) -> str:
    t = f"tensor<?x{width}xf32>"
    return f"""
func.func @{name}_{width}(%x: {t}) -> tensor<?xf32> {{
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : {t}
  %init = arith.constant {init} : f32
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%init : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %r = linalg.generic {{indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}}
      ins(%x : {t}) outs(%f : tensor<?xf32>) {{
    ^bb0(%a: f32, %o: f32):
      %t = {combiner} %a, %o : f32
      linalg.yield %t : f32
  }} -> tensor<?xf32>
  return %r : tensor<?xf32>
}}
"""


KINDS = {"sum": ("arith.addf", "0.0"), "prod": ("arith.mulf", "1.0"),
         "max": ("arith.maximumf", "0xFF800000"), "min": ("arith.minimumf", "0x7F800000")}

MODULE = """
#x = affine_map<(i, j) -> (i, j)>
#r = affine_map<(i, j) -> (i)>
#c = affine_map<(i, j) -> (j)>
""" + "".join(reduce_function(k, w, c, i) for k, (c, i) in KINDS.items() for w in WIDTHS) + """
// sum((x - mean)^2) with the mean one value per row and 1/n from outside.
func.func @variance(%x: tensor<?x?xf32>, %mean: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %r = linalg.generic {indexing_maps = [#x, #r, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x, %mean : tensor<?x?xf32>, tensor<?xf32>) outs(%f : tensor<?xf32>) {
    ^bb0(%a: f32, %m: f32, %o: f32):
      %d = arith.subf %a, %m : f32
      %s = arith.mulf %d, %d : f32
      %t = arith.addf %o, %s : f32
      linalg.yield %t : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// sum(x * w) with w one vector along the row.
func.func @weighted(%x: tensor<?x?xf32>, %w: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %r = linalg.generic {indexing_maps = [#x, #c, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x, %w : tensor<?x?xf32>, tensor<?xf32>) outs(%f : tensor<?xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %p = arith.mulf %a, %b : f32
      %t = arith.addf %p, %o : f32
      linalg.yield %t : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// mean(x) with 1/n a constant inside the body.
func.func @mean(%x: tensor<?x24xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x24xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %r = linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x24xf32>) outs(%f : tensor<?xf32>) {
    ^bb0(%a: f32, %o: f32):
      %k = arith.constant 0.041666668 : f32
      %s = arith.mulf %a, %k : f32
      %t = arith.addf %o, %s : f32
      linalg.yield %t : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// int32 rows, converted in the body.
func.func @int_sum(%x: tensor<?x?xi32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x?xi32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %r = linalg.generic {indexing_maps = [#x, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x?xi32>) outs(%f : tensor<?xf32>) {
    ^bb0(%a: i32, %o: f32):
      %v = arith.sitofp %a : i32 to f32
      %t = arith.addf %v, %o : f32
      linalg.yield %t : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}
"""

NUMPY = {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min}


# fff-compile's options per compiled variant ("loops": vector-width 0).
VARIANTS = {"auto": {}, "loops": {"vector_width": 0}, "w4": {"vector_width": 4},
            "w16": {"vector_width": 16}, "openmp": {"openmp": True}}


@pytest.fixture(scope="module", params=list(VARIANTS.values()), ids=list(VARIANTS))
def lib(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("reductions")
    return Library(compile_mlir(MODULE, out / "reductions.so",
                                CompileOptions(**request.param)).path)


def rows(n: int, width: int, seed: int, scale: float = 1.0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((n, width)) * scale).astype(np.float32)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("n", [0, 1, 5])
def test_reductions(lib, kind, width, n):
    # Products of ~1 values, so that 768 of them stay in range.
    x = rows(n, width, seed=width + n, scale=0.05) + (1.0 if kind == "prod" else 0.0)
    if kind in ("max", "min") and n >= 3:
        x[2, width // 2] = np.nan       # maximumf/minimumf: NaN wins
        x[1, :] = -np.inf if kind == "max" else np.inf
    expected = NUMPY[kind](x.astype(np.float64), axis=1) if width else np.zeros(n)
    np.testing.assert_allclose(lib[f"{kind}_{width}"](x), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(1, 1), (4, 15), (3, 768), (2, 1001), (3, 0)])
def test_variance_with_a_value_per_row(lib, shape):
    x = rows(*shape, seed=sum(shape), scale=3.0) + 100.0
    mean = x.astype(np.float64).mean(axis=1) if shape[1] else np.zeros(shape[0])
    expected = ((x - mean[:, None]) ** 2).sum(axis=1)
    np.testing.assert_allclose(lib["variance"](x, mean.astype(np.float32)), expected,
                               rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape", [(1, 3), (6, 33), (2, 768)])
def test_weighted_sum_with_a_vector_along_the_row(lib, shape):
    x = rows(*shape, seed=7)
    w = rows(1, shape[1], seed=8)[0]
    np.testing.assert_allclose(lib["weighted"](x, w), x.astype(np.float64) @ w,
                               rtol=1e-5, atol=1e-5)


def test_mean_with_a_constant_in_the_body(lib):
    x = rows(7, 24, seed=5)
    np.testing.assert_allclose(lib["mean"](x), x.astype(np.float64).mean(axis=1),
                               rtol=1e-5, atol=1e-6)


def test_int32_rows(lib):
    x = np.random.default_rng(3).integers(-1000, 1000, (5, 37), dtype=np.int32)
    np.testing.assert_allclose(lib["int_sum"](x), x.sum(axis=1), rtol=0, atol=0)
