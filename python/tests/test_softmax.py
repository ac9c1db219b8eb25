"""linalg.softmax compiled by fff-compile (convert-softmax-to-loops: vector rows
with a masked tail, a polynomial exp, scalar rows for strided views) against
numpy in float64, on row lengths around the vector widths, dynamic sizes, an
outer softmax dimension, strided views, and rows of NaN, inf and -inf."""
import numpy as np
import pytest

from fff_mlir.native import CompileOptions, Library, compile_mlir

WIDTHS = [1, 3, 7, 8, 15, 16, 17, 33, 128, 130]


def softmax_function(name: str, width: int) -> str:
    t = f"tensor<?x{width}xf32>"
    return f"""
func.func @{name}(%x: {t}) -> {t} {{
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : {t}
  %e = tensor.empty(%n) : {t}
  %s = linalg.softmax dimension(1) ins(%x : {t}) outs(%e : {t}) -> {t}
  return %s : {t}
}}
"""


MODULE = "".join(softmax_function(f"rows_{w}", w) for w in WIDTHS) + """
func.func @dynamic(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %m = tensor.dim %x, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%n, %m) : tensor<?x?xf32>
  %s = linalg.softmax dimension(1) ins(%x : tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %s : tensor<?x?xf32>
}

// Over the middle dimension: rows of stride 5.
func.func @middle(%x: tensor<?x9x5xf32>) -> tensor<?x9x5xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x9x5xf32>
  %e = tensor.empty(%n) : tensor<?x9x5xf32>
  %s = linalg.softmax dimension(1) ins(%x : tensor<?x9x5xf32>) outs(%e : tensor<?x9x5xf32>) -> tensor<?x9x5xf32>
  return %s : tensor<?x9x5xf32>
}

// Every other column of the input: rows of stride 2, found at run time.
func.func @every_other(%x: tensor<?x40xf32>) -> tensor<?x20xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x40xf32>
  %v = tensor.extract_slice %x[0, 0] [%n, 20] [1, 2] : tensor<?x40xf32> to tensor<?x20xf32>
  %e = tensor.empty(%n) : tensor<?x20xf32>
  %s = linalg.softmax dimension(1) ins(%v : tensor<?x20xf32>) outs(%e : tensor<?x20xf32>) -> tensor<?x20xf32>
  return %s : tensor<?x20xf32>
}
"""


def reference(x: np.ndarray, axis: int) -> np.ndarray:
    x = x.astype(np.float64)
    if x.shape[axis] == 0:
        return x
    with np.errstate(invalid="ignore"):
        z = np.exp(x - x.max(axis=axis, keepdims=True))
        return z / z.sum(axis=axis, keepdims=True)


def check(got, x, axis=-1):
    # Entries of the exact result below 2^-126 come out 0 (the polynomial exp
    # flushes them), within atol.
    np.testing.assert_allclose(got, reference(x, axis), rtol=2e-6, atol=1e-12)


def inputs(rows: int, width: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((rows, width)).astype(np.float32) * 4
    if rows >= 6:
        x[1] = 7.0                      # constant: uniform
        x[2, 0] = 90.0                  # exp(90) would overflow without the max
        x[3, width // 2] = np.nan       # a NaN makes the whole row NaN
        x[4] = -np.inf                  # all -inf: NaN, as in PyTorch
        x[5, ::2] = -1e30               # far below the max: 0
    return x


# fff-compile's options per compiled variant ("scalar": vector-width 0).
VARIANTS = {"auto": {}, "scalar": {"vector_width": 0}, "w4": {"vector_width": 4},
            "w16": {"vector_width": 16}, "openmp": {"openmp": True}}


@pytest.fixture(scope="module", params=list(VARIANTS.values()), ids=list(VARIANTS))
def lib(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("softmax")
    options = CompileOptions(**request.param)
    return Library(compile_mlir(MODULE, out / "softmax.so", options).path)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("rows", [0, 1, 6, 37])
def test_rows(lib, width, rows):
    x = inputs(rows, width, seed=width * 100 + rows)
    check(lib[f"rows_{width}"](x), x)


@pytest.mark.parametrize("shape", [(1, 1), (6, 5), (3, 31), (6, 200), (2, 0)])
def test_dynamic_sizes(lib, shape):
    x = inputs(*shape, seed=sum(shape))
    check(lib["dynamic"](x), x)


def test_middle_dimension(lib):
    x = np.random.default_rng(1).standard_normal((4, 9, 5)).astype(np.float32) * 3
    x[1, 3, 2] = np.nan
    check(lib["middle"](x), x, axis=1)


def test_strided_view(lib):
    x = inputs(9, 40, seed=2)
    check(lib["every_other"](x), x[:, ::2])


def test_exp_is_close_to_libm_over_its_range(lib):
    """exp through the softmax of [t, 0]: 1 / (1 + exp(-t)), over the whole
    range where exp is neither 0 nor 1 in float32."""
    t = np.linspace(-87, 87, 4001, dtype=np.float32)
    x = np.stack([t, np.zeros_like(t)], axis=1)
    got = lib["dynamic"](x)
    np.testing.assert_allclose(got, reference(x, -1), rtol=2e-6, atol=1e-30)
