// workspace-cache=true: heap buffers go through the host runtime's
// allocation functions (its per-thread block cache); by default, malloc/free.
// RUN: fff-opt %s --fff-cpu-pipeline="workspace-cache=true" | FileCheck %s --check-prefix=CACHE
// RUN: fff-opt %s --fff-cpu-pipeline | FileCheck %s --check-prefix=PLAIN

// CACHE-DAG: llvm.func @_mlir_memref_to_llvm_free(!llvm.ptr)
// CACHE-DAG: llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
// CACHE-LABEL: llvm.func @temporaries(
// Each dynamic size is guarded first (fff-check-allocation-sizes).
// CACHE: llvm.mul %{{.*}}, %{{.*}} : i128
// CACHE: llvm.call @fffHostCheckSize(%{{.*}}) : (i32) -> ()
// CACHE: llvm.call @_mlir_memref_to_llvm_alloc
// CACHE: llvm.call @_mlir_memref_to_llvm_alloc
// CACHE: llvm.call @_mlir_memref_to_llvm_free
// CACHE-NOT: @malloc
// CACHE-NOT: @free

// PLAIN-NOT: _mlir_memref_to_llvm
// PLAIN-NOT: fffHostCheckSize
// PLAIN-LABEL: llvm.func @temporaries(
// PLAIN: llvm.call @malloc
// PLAIN: llvm.call @free
// PLAIN-NOT: _mlir_memref_to_llvm
func.func @temporaries(%x: tensor<?xf32>) -> tensor<?xf32> {
  %e = math.exp %x : tensor<?xf32>
  %s = arith.addf %e, %x : tensor<?xf32>
  %t = math.exp %s : tensor<?xf32>
  %r = arith.mulf %t, %e : tensor<?xf32>
  return %r : tensor<?xf32>
}
