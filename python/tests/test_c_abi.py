"""The C entry points on unusual signatures, executed: results that share
one allocation, strided results, memref arguments, scalars, f16, shape rules
between arguments, result sizes that are products of argument sizes through
calls and elementwise ops. Each case compiles through fff-compile and runs."""
import ctypes

import numpy as np
import pytest

from fff_mlir import ShapeError
from fff_mlir.native import CompileOptions, Library, compile_mlir

MODULE = """
#id = affine_map<(i) -> (i)>
func.func @dup(%a: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%v: f32, %o: f32):
    %d = arith.addf %v, %v : f32
    linalg.yield %d : f32
  } -> tensor<?xf32>
  return %r, %r : tensor<?xf32>, tensor<?xf32>
}
func.func @collapse(%a: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<6xf32>) {
  %e = tensor.empty() : tensor<2x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]} ins(%a : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%v: f32, %o: f32):
    %d = arith.negf %v : f32
    linalg.yield %d : f32
  } -> tensor<2x3xf32>
  %c = tensor.collapse_shape %r [[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
  return %r, %c : tensor<2x3xf32>, tensor<6xf32>
}
func.func @slice(%a: tensor<4x4xf32>) -> tensor<2x2xf32> {
  %s = tensor.extract_slice %a[1, 1][2, 2][1, 1] : tensor<4x4xf32> to tensor<2x2xf32>
  return %s : tensor<2x2xf32>
}
func.func @same(%a: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %a : tensor<?x3xf32>
}
func.func @fill(%a: memref<?xf32>, %v: f32) {
  linalg.fill ins(%v : f32) outs(%a : memref<?xf32>)
  return
}
func.func @scale(%a: tensor<3xi16>, %k: i16) -> tensor<3xi16> {
  %e = tensor.empty() : tensor<3xi16>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : tensor<3xi16>) outs(%e : tensor<3xi16>) {
  ^bb0(%v: i16, %o: i16):
    %m = arith.muli %v, %k : i16
    linalg.yield %m : i16
  } -> tensor<3xi16>
  return %r : tensor<3xi16>
}
func.func @half(%a: tensor<4xf16>) -> tensor<4xf16> {
  %e = tensor.empty() : tensor<4xf16>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : tensor<4xf16>) outs(%e : tensor<4xf16>) {
  ^bb0(%v: f16, %o: f16):
    %d = arith.addf %v, %v : f16
    linalg.yield %d : f16
  } -> tensor<4xf16>
  return %r : tensor<4xf16>
}
func.func @checked(%x: tensor<?x4xf32> {fff.name = "x"}, %w: tensor<?x4xf32> {fff.name = "w"},
                   %init: tensor<?x2xf32> {fff.name = "init"}) -> tensor<?x2xf32> {
  %b = arith.constant dense<0.0> : tensor<3xf32>
  %o = arith.constant dense<1.0> : tensor<3x2xf32>
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %o : tensor<?x4xf32>, tensor<?x4xf32>, tensor<3xf32>, tensor<3x2xf32>)
      outs(%init : tensor<?x2xf32>)
  return %y : tensor<?x2xf32>
}
func.func @rows(%x: tensor<?x?x3xf32>) -> tensor<?x3xf32> {
  %f = tensor.collapse_shape %x [[0, 1], [2]] : tensor<?x?x3xf32> into tensor<?x3xf32>
  %r = call @twice(%f) : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}
func.func private @twice(%a: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %d = arith.addf %a, %a : tensor<?x3xf32>
  return %d : tensor<?x3xf32>
}
func.func @temporaries(%x: tensor<?xf32>) -> tensor<?xf32> {
  %e = math.exp %x : tensor<?xf32>
  %s = arith.addf %e, %x : tensor<?xf32>
  %t = math.exp %s : tensor<?xf32>
  %r = arith.mulf %t, %e : tensor<?xf32>
  return %r : tensor<?xf32>
}
"""


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    return compile_mlir(MODULE, tmp_path_factory.mktemp("abi") / "libabi.so", CompileOptions())


def test_results_sharing_one_allocation(lib):
    a = np.arange(5, dtype=np.float32)
    for _ in range(3):  # a double free or use after free would show here
        r0, r1 = lib["dup"](a)
        np.testing.assert_array_equal(r0, 2 * a)
        np.testing.assert_array_equal(r1, 2 * a)
    m = np.arange(6, dtype=np.float32).reshape(2, 3)
    r, c = lib["collapse"](m)
    np.testing.assert_array_equal(r, -m)
    np.testing.assert_array_equal(c, -m.reshape(6))


def test_strided_result_needs_no_mlir_runtime(lib):
    a = np.arange(16, dtype=np.float32).reshape(4, 4)
    np.testing.assert_array_equal(lib["slice"](a), a[1:3, 1:3])


def test_returned_argument_is_copied(lib):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = lib["same"](a)
    np.testing.assert_array_equal(out, a)
    assert not np.shares_memory(out, a)


def test_memref_arguments_are_written(lib):
    a = np.zeros(5, np.float32)
    assert lib["fill"](a, 2.5) == ()
    np.testing.assert_array_equal(a, 2.5)
    frozen = np.frombuffer(bytes(20), dtype=np.float32)
    with pytest.raises(ValueError, match="fill: arg0 is written by the compiled code, but the array is read-only"):
        lib["fill"](frozen, 1.0)


def test_integer_scalars_are_range_checked(lib):
    a = np.array([1, 2, 3], np.int16)
    np.testing.assert_array_equal(lib["scale"](a, 7), [7, 14, 21])
    with pytest.raises(ValueError, match=r"scale: arg1 must be an integer in \[-32768, 32767\] \(i16\), got 70000"):
        lib["scale"](a, 70000)
    with pytest.raises(ValueError, match="must be an integer"):
        lib["scale"](a, 1.5)
    with pytest.raises(TypeError, match="arg1 must be a scalar, got str"):
        lib["scale"](a, "3")


def test_f16_travels_as_its_bits(lib):
    a = np.array([0.5, -1.25, 3.0, 65504 / 4], np.float16)
    np.testing.assert_array_equal(lib["half"](a), 2 * a)


def test_shape_rules_between_arguments(lib):
    """A rule the verifier could not decide returns a status, never aborts."""
    entry = lib["checked"]
    x, w, init = np.ones((3, 4), np.float32), np.ones((3, 4), np.float32), np.zeros((3, 2), np.float32)
    assert entry(x, w, init).shape == (3, 2)
    with pytest.raises(ShapeError, match=r"checked: fff.path_neuron: 'init' dimension 0 must equal dimension 0 "
                                         r"of 'input' \(batch\); got init of shape \(5, 2\)"):
        entry(x, w, np.zeros((5, 2), np.float32))
    with pytest.raises(ShapeError, match="'node_weights' dimension 0 must be 3"):
        entry(x, np.ones((4, 4), np.float32), init)
    # The C entry point itself, with the Python checks bypassed.
    out = np.empty((3, 2), np.float32)
    p = lambda a: ctypes.c_void_p(a.ctypes.data)  # noqa: E731
    n = ctypes.c_int64
    assert entry._fn(p(x), n(3), p(w), n(3), p(init), n(5), p(out)) == 3
    assert entry._fn(p(x), n(3), p(w), n(4), p(init), n(3), p(out)) == 3
    assert entry._fn(p(x), n(3), p(w), n(3), p(init), n(3), p(out)) == 0
    assert "FFF_ERROR_SHAPE_MISMATCH = 3" in lib.path.with_suffix(".h").read_text()


def test_fff_compile_links_with_no_undefined_symbols(lib):
    """-z defs: everything the library needs resolves at link time (libc, libm)."""
    import subprocess
    nm = subprocess.run(["/usr/lib/llvm-22/bin/llvm-nm", "-D", "--undefined-only", str(lib.path)],
                        capture_output=True, text=True).stdout
    assert "memrefCopy" not in nm and "_mlir" not in nm
    exported = subprocess.run(["/usr/lib/llvm-22/bin/llvm-nm", "-D", "--defined-only", str(lib.path)],
                              capture_output=True, text=True).stdout
    assert "_mlir_memref_to_llvm" not in exported  # the host runtime is hidden


def temporaries_reference(x):
    e = np.exp(x)
    return np.exp(e + x) * e


def test_workspace_cache_reuses_blocks_across_sizes(lib):
    """Temporaries come from the host runtime's per-thread cache: blocks
    kept from a larger call serve smaller ones, a smaller block never serves
    a larger request, and nothing is read from a previous call."""
    rng = np.random.default_rng(5)
    for n in (100_000, 20_000, 100_000, 300_000, 7, 0, 150_000, 40_000, 300_001):
        x = rng.standard_normal(n).astype(np.float32) * 0.5
        np.testing.assert_allclose(lib["temporaries"](x), temporaries_reference(x), rtol=2e-6)


def test_workspace_cache_is_per_thread(lib):
    """Eight threads call one library at once on different sizes: each
    result equals the serial one."""
    import concurrent.futures
    rng = np.random.default_rng(6)
    inputs = [rng.standard_normal(20_000 * (1 + i % 5) + i).astype(np.float32) * 0.5 for i in range(32)]
    serial = [lib["temporaries"](x) for x in inputs]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        parallel = list(pool.map(lib["temporaries"], inputs))
    for got, expected in zip(parallel, serial):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("shape", [(0, 5), (1, 1), (3, 7), (4, 0), (2, 33)])
def test_result_rows_are_a_product_of_argument_sizes(lib, shape):
    # B x S rows flattened, through a call (inlined before the ABI is
    # described) and an elementwise op: the result has B*S rows.
    x = np.random.default_rng(sum(shape)).standard_normal(shape + (3,)).astype(np.float32)
    y = lib["rows"](x)
    assert y.shape == (shape[0] * shape[1], 3)
    np.testing.assert_array_equal(y, 2 * x.reshape(-1, 3))


def test_header_and_description_state_the_product(lib):
    header = lib.path.with_suffix(".h").read_text()
    assert "result (result): float[arg0_dim0 * arg0_dim1][3]" in header
    import json
    described = json.loads(lib.description.read_text())
    rows = next(e for e in described["entry_points"] if e["function"] == "rows")
    assert rows["results"][0]["shape"] == [{"op": "*", "lhs": [0, 0], "rhs": [0, 1]}, 3]


def test_result_size_expressions():
    from fff_mlir.native import size
    a, b = np.empty((6, 4)), np.empty((5,))
    assert size(7, (a, b)) == 7
    assert size([0, 1], (a, b)) == 4
    assert size({"op": "*", "lhs": [0, 0], "rhs": [1, 0]}, (a, b)) == 30
    assert size({"op": "+", "lhs": [0, 0], "rhs": -2}, (a, b)) == 4
    assert size({"op": "ceildiv", "lhs": [1, 0], "rhs": 2}, (a, b)) == 3
    assert size({"op": "floordiv", "lhs": [1, 0], "rhs": 2}, (a, b)) == 2
    assert size({"op": "mod", "lhs": [1, 0], "rhs": 3}, (a, b)) == 2


def test_out_arrays_are_written_in_place(lib):
    x = np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3)
    out = np.full((6, 3), np.nan, np.float32)
    assert lib["rows"](x, out=out) is out
    np.testing.assert_array_equal(out, 2 * x.reshape(-1, 3))
    a = np.arange(5, dtype=np.float32)
    r0, r1 = np.empty(5, np.float32), np.empty(5, np.float32)
    got = lib["dup"](a, out=(r0, r1))
    assert got[0] is r0 and got[1] is r1
    np.testing.assert_array_equal(r0, 2 * a)
    np.testing.assert_array_equal(r1, 2 * a)
    with pytest.raises(ShapeError, match=r"rows: out\[0\] must be float32 of shape \(6, 3\), got float32 of shape \(5, 3\)"):
        lib["rows"](x, out=np.empty((5, 3), np.float32))
    with pytest.raises(ValueError, match=r"out\[0\] must be C-contiguous and writable"):
        lib["rows"](x, out=np.empty((3, 6), np.float32).T)
    with pytest.raises(TypeError, match=r"out\[0\] must be a numpy array, got bytes"):
        lib["rows"](x, out=(bytes(72),))


SCRATCH = """
func.func @scratch(%x: tensor<?x0xf32> {fff.name = "x"}) -> tensor<f32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x0xf32>
  %e = tensor.empty(%n) : tensor<?x1024xf32>
  %one = arith.constant 1.0 : f32
  %t = linalg.fill ins(%one : f32) outs(%e : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  %zero = arith.constant 0.0 : f32
  %i = tensor.empty() : tensor<f32>
  %z = linalg.fill ins(%zero : f32) outs(%i : tensor<f32>) -> tensor<f32>
  %s = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>],
                       iterator_types = ["reduction", "reduction"]}
      ins(%t : tensor<?x1024xf32>) outs(%z : tensor<f32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  return %s : tensor<f32>
}
"""


def test_temporaries_too_large_are_errors_not_crashes(tmp_path):
    """An empty rows x 0 argument with 2^60 or 2^40 rows: the rows x 1024
    temporary's byte size overflows, or cannot be allocated. Both are
    statuses (FFF_ERROR_SIZE, FFF_ERROR_OUT_OF_MEMORY) that Python raises,
    and the library works afterwards (C: test/Integration/CPU/c-abi-contract.test)."""
    from fff_mlir.native import FFFRuntimeError
    scratch = compile_mlir(SCRATCH, tmp_path / "libscratch.so", CompileOptions())["scratch"]
    with pytest.raises(FFFRuntimeError, match="returned 6: sizes too large"):
        scratch(np.empty((2**60, 0), np.float32))  # numpy refuses 2^61
    with pytest.raises(FFFRuntimeError, match="returned 7: out of memory allocating a temporary"):
        scratch(np.empty((2**40, 0), np.float32))
    assert scratch(np.empty((3, 0), np.float32)) == 3 * 1024
