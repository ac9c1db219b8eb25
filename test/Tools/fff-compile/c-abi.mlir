// The C entry points fff-compile generates: the header and the LLVM-dialect
// wrappers (execution: python/tests/test_fff_compile.py, examples/c).
// RUN: fff-compile %s --emit=header | FileCheck %s --check-prefix=HEADER
// RUN: fff-compile %s --emit=description | FileCheck %s --check-prefix=JSON
// RUN: fff-compile %s --emit=mlir --vector-width=0 --group-rows=0 | FileCheck %s --check-prefix=MLIR
// RUN: fff-compile %s --emit=header --c-prefix=my_ | FileCheck %s --check-prefix=PREFIX

// HEADER: #ifndef FFF_GENERATED_H
// HEADER: #include <stdint.h>
// The ABI's version (kCABIVersion) and status codes (CStatus.def).
// HEADER: #define FFF_ABI_VERSION 3
// HEADER: #ifndef FFF_STATUS_CODES
// HEADER-NEXT: #define FFF_STATUS_CODES
// HEADER-NEXT: enum {
// HEADER-NEXT:   FFF_OK = 0,
// HEADER-NEXT:   FFF_ERROR_NULL_POINTER = 1,         /* NULL for a non-empty array */
// HEADER-NEXT:   FFF_ERROR_NEGATIVE_DIMENSION = 2,   /* a size argument is < 0 */
// HEADER-NEXT:   FFF_ERROR_SHAPE_MISMATCH = 3,       /* sizes break a rule listed under 'requires' */
// HEADER-NEXT:   FFF_ERROR_GPU = 4,                  /* a CUDA driver call failed: fffGpuLastError() */
// HEADER-NEXT:   FFF_ERROR_INDEX_OUT_OF_RANGE = 5,   /* an index array holds a value outside [0, its bound) */
// HEADER-NEXT:   FFF_ERROR_SIZE = 6,                 /* a size computation overflows: an array or temporary of 2^63 bytes or more (results unspecified if a temporary) */
// HEADER-NEXT:   FFF_ERROR_OUT_OF_MEMORY = 7         /* allocating a temporary failed; the results are unspecified */
// HEADER-NEXT: };
// HEADER: static inline const char *fff_status_string(int32_t status)
// HEADER: case FFF_ERROR_SHAPE_MISMATCH: return "argument sizes break a shape rule of the model";
// HEADER: extern "C" {

// A batch-dynamic layer; the result's rows are the input's.
// HEADER-LABEL: /* @layer
// HEADER-NEXT:  *   x: float[x_dim0][4]
// HEADER-NEXT:  *   result (result): float[x_dim0][2]
// HEADER-NEXT:  */
// The description (.json beside the library) states the same, for tools.
// JSON: {"abi_version":3,"entry_points":[{"args":[{"array":true,"dtype":"f32","name":"x","shape":[null,4],"writable":false}],"checks":[],"function":"layer","memory":"host","results":[{"dtype":"f32","name":"result","shape":{{\[\[0,0\],2\]}}}],"symbol":"fff_layer"}
// HEADER-NEXT: int32_t fff_layer(const float *x, int64_t x_dim0, float *result);
func.func @layer(%x: tensor<?x4xf32> {fff.name = "x"}) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]> : tensor<3x4xf32>
  %b = arith.constant dense<0.0> : tensor<3xf32>
  %o = arith.constant dense<1.0> : tensor<3x2xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%n) : tensor<?x2xf32>
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %o : tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x2xf32>)
      outs(%init : tensor<?x2xf32>)
  return %y : tensor<?x2xf32>
}

// Scalars pass by value; several results are numbered; a dynamic dimension
// of a later argument sizes a result; static result shapes are spelled out.
// HEADER-LABEL: /* @two
// HEADER-NEXT:  *   arg0: float scalar
// HEADER-NEXT:  *   arg1: float[arg1_dim0][3]
// HEADER-NEXT:  *   result0 (result): float[arg1_dim0][3]
// HEADER-NEXT:  *   result1 (result): float[2][3]
// HEADER:      int32_t fff_two(float arg0, const float *arg1, int64_t arg1_dim0, float *result0, float *result1);
func.func @two(%s: f32, %a: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<2x3xf32>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?x3xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %scaled = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]} ins(%a : tensor<?x3xf32>) outs(%e : tensor<?x3xf32>) {
  ^bb0(%v: f32, %out: f32):
    %m = arith.mulf %v, %s : f32
    linalg.yield %m : f32
  } -> tensor<?x3xf32>
  %f = arith.constant dense<7.0> : tensor<2x3xf32>
  return %scaled, %f : tensor<?x3xf32>, tensor<2x3xf32>
}

// f16 and bf16 travel as their bits; index as int64_t.
// HEADER-LABEL: /* @types
// HEADER: int32_t fff_types(const uint16_t *arg0, const uint16_t *arg1, const int64_t *arg2, const int8_t *arg3, uint16_t *result);
func.func @types(%a: tensor<2xf16>, %b: tensor<2xbf16>, %c: tensor<2xindex>, %d: tensor<2xi8>) -> tensor<2xf16> {
  return %a : tensor<2xf16>
}

// Shape rules between argument sizes that the verifier could not decide are
// listed, and the entry point checks them (FFF_ERROR_SHAPE_MISMATCH).
// HEADER-LABEL: /* @checked
// HEADER:       *   requires w_dim0 == 3 (fff.path_neuron: 'node_weights' dimension 0 must be 3 (trees * (2^(depth+1) - 1) nodes))
// HEADER-NEXT:  *   requires init_dim0 == x_dim0 (fff.path_neuron: 'init' dimension 0 must equal dimension 0 of 'input' (batch))
// HEADER-NEXT:  */
// JSON-SAME: "checks":[{"lhs":[1,0],"message":{{.*}},"op":"==","rhs":3},{"lhs":[2,0],"message":{{.*}},"op":"==","rhs":[0,0]}]
// HEADER-NEXT: int32_t fff_checked(const float *x, int64_t x_dim0, const float *w, int64_t w_dim0, const float *init, int64_t init_dim0, float *result);
func.func @checked(%x: tensor<?x4xf32> {fff.name = "x"}, %w: tensor<?x4xf32> {fff.name = "w"},
                   %init: tensor<?x2xf32> {fff.name = "init"}) -> tensor<?x2xf32> {
  %b = arith.constant dense<0.0> : tensor<3xf32>
  %o = arith.constant dense<1.0> : tensor<3x2xf32>
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %o : tensor<?x4xf32>, tensor<?x4xf32>, tensor<3xf32>, tensor<3x2xf32>)
      outs(%init : tensor<?x2xf32>)
  return %y : tensor<?x2xf32>
}

// Memref arguments may be written: no const.
// HEADER-LABEL: /* @fill
// JSON-SAME: "writable":true
// HEADER: int32_t fff_fill(float *arg0, int64_t arg0_dim0);
func.func @fill(%a: memref<?xf32>) {
  %c = arith.constant 1.0 : f32
  linalg.fill ins(%c : f32) outs(%a : memref<?xf32>)
  return
}

// Private functions get no entry point.
// HEADER-NOT: @helper
func.func private @helper() {
  return
}

// PREFIX: int32_t my_layer(const float *x, int64_t x_dim0, float *result);

// The wrapper checks its arguments, then calls the lowered function (now
// internal) with descriptors of the caller's arrays: the result is an
// out-parameter the compiled code writes in place, so (rows not grouped:
// grouping allocates its scratch, test/Dialect/FFF/group-rows.mlir) there
// is no allocation and no copy. The call runs under the host runtime's
// fffHostRun, which turns failed allocations into statuses: the
// descriptors go into a struct that fff_layer.body reads back.
// MLIR-LABEL: llvm.func internal @layer(
// MLIR-SAME: %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64) {
// MLIR-NOT: llvm.call @malloc
// MLIR:      llvm.func internal @fff_layer.body(%{{.*}}: !llvm.ptr) {
// MLIR:        llvm.call @layer(
// MLIR: llvm.func @fff_layer(%[[X:.*]]: !llvm.ptr, %[[ROWS:.*]]: i64, %[[OUT:.*]]: !llvm.ptr) -> i32
// MLIR:         llvm.icmp "slt" %[[ROWS]]
// MLIR:         llvm.mlir.zero : !llvm.ptr
// MLIR:         llvm.cond_br %{{.*}}, ^[[EXIT:.*]](%{{.*}} : i32), ^[[BODY:.*]]
// MLIR:       ^[[BODY]]:
// MLIR:         llvm.store %[[X]]
// MLIR-NEXT:    llvm.getelementptr
// MLIR-NEXT:    llvm.store %[[X]]
// MLIR:         llvm.store %[[ROWS]]
// MLIR:         llvm.store %[[OUT]]
// MLIR-NOT:     memcpy
// MLIR-NOT:     @free
// MLIR:         llvm.call @fffHostRun(
// MLIR:         llvm.br ^[[EXIT]]
// MLIR:       ^[[EXIT]](%[[STATUS:.*]]: i32):
// MLIR-NEXT:    llvm.return %[[STATUS]] : i32

// --progress names each stage as it ends, with its time.
// RUN: fff-compile %s -o %t.so --progress 2>&1 | FileCheck %s --check-prefix=PROGRESS
// PROGRESS:      fff-compile: parsed {{.*}}c-abi.mlir ({{[0-9.]+}} s)
// PROGRESS-NEXT: fff-compile: fff-cpu-pipeline ({{[0-9.]+}} s)
// PROGRESS-NEXT: fff-compile: LLVM IR, optimized at -O2 ({{[0-9.]+}} s)
// PROGRESS-NEXT: fff-compile: machine code ({{[0-9.]+}} s)
// PROGRESS-NEXT: fff-compile: linked {{.*}}.so ({{[0-9.]+}} s)
