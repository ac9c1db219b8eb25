// convert-linalg-to-blas: f32 matmuls on buffers call cblas_sgemm behind a
// run-time check of shapes and strides; the op stays for the rest.
// RUN: fff-opt %s --convert-linalg-to-blas --split-input-file | FileCheck %s
// RUN: fff-opt %s --convert-linalg-to-blas --split-input-file | FileCheck %s --check-prefix=DECL
// RUN: fff-opt %s --fff-cpu-pipeline="blas=true" --split-input-file | FileCheck %s --check-prefix=PIPE
// RUN: fff-opt %s --fff-cpu-pipeline --split-input-file | FileCheck %s --check-prefix=NOBLAS

// One declaration per module that calls it, none in one that does not.
// DECL: func.func private @cblas_sgemm(i32, i32, i32, i32, i32, i32, f32, !llvm.ptr, i32, !llvm.ptr, i32, f32, !llvm.ptr, i32)
// DECL: func.func @mm
// DECL: // -----
// DECL-NOT: func.func private @cblas_sgemm
// DECL: func.func @others
// DECL: // -----
// DECL: func.func private @cblas_sgemm(
// DECL: func.func @batch

// CHECK-LABEL: func.func @mm
// CHECK-SAME:    (%[[A:.*]]: memref<?x8xf32>, %[[B:.*]]: memref<8x?xf32>, %[[C:.*]]: memref<?x?xf32>)
// Each buffer's first element and strides, from its metadata.
// CHECK:   %{{.*}}, %[[AOFF:.*]], %[[AS:.*]]:2, %[[AST:.*]]:2 = memref.extract_strided_metadata %[[A]]
// CHECK:   %[[AP:.*]] = memref.extract_aligned_pointer_as_index %[[A]]
// CHECK:   %[[ABYTES:.*]] = arith.muli %[[AOFF]], %c4
// CHECK:   %[[AADDR:.*]] = arith.addi %[[AP]], %[[ABYTES]]
// CHECK:   %[[AI:.*]] = arith.index_cast %[[AADDR]] : index to i64
// CHECK:   %[[APTR:.*]] = llvm.inttoptr %[[AI]] : i64 to !llvm.ptr
// CHECK:   %{{.*}}, %{{.*}}, %[[BS:.*]]:2, %[[BST:.*]]:2 = memref.extract_strided_metadata %[[B]]
// CHECK:   %[[BPTR:.*]] = llvm.inttoptr
// CHECK:   %{{.*}}, %{{.*}}, %[[CS:.*]]:2, %[[CST:.*]]:2 = memref.extract_strided_metadata %[[C]]
// CHECK:   %[[CPTR:.*]] = llvm.inttoptr
// The guard: M, N, K in [1, INT_MAX], the shapes agree, unit inner
// strides, leading dimensions at least a row and within INT_MAX.
// CHECK:   arith.cmpi uge, %[[AS]]#0, %c1
// CHECK:   arith.cmpi ule, %[[AS]]#0, %c2147483647
// CHECK:   arith.cmpi uge, %[[BS]]#1, %c1
// CHECK:   arith.cmpi uge, %[[AS]]#1, %c1
// CHECK:   arith.cmpi eq, %[[BS]]#0, %[[AS]]#1
// CHECK:   arith.cmpi eq, %[[CS]]#0, %[[AS]]#0
// CHECK:   arith.cmpi eq, %[[CS]]#1, %[[BS]]#1
// CHECK:   arith.cmpi eq, %[[AST]]#1, %c1
// CHECK:   arith.cmpi eq, %[[BST]]#1, %c1
// CHECK:   arith.cmpi eq, %[[CST]]#1, %c1
// CHECK:   arith.cmpi uge, %[[AST]]#0, %[[AS]]#1
// CHECK:   arith.cmpi uge, %[[BST]]#0, %[[BS]]#1
// CHECK:   arith.cmpi uge, %[[CST]]#0, %[[CS]]#1
// CHECK:   arith.cmpi ule, %[[CST]]#0, %c2147483647
// CHECK:   %[[OK:.*]] = arith.andi
// CHECK-NEXT: scf.if %[[OK]] {
// CHECK:     %[[M:.*]] = arith.index_cast %[[AS]]#0 : index to i32
// CHECK:     %[[N:.*]] = arith.index_cast %[[BS]]#1 : index to i32
// CHECK:     %[[K:.*]] = arith.index_cast %[[AS]]#1 : index to i32
// CHECK:     %[[LDA:.*]] = arith.index_cast %[[AST]]#0 : index to i32
// CHECK:     %[[LDB:.*]] = arith.index_cast %[[BST]]#0 : index to i32
// CHECK:     %[[LDC:.*]] = arith.index_cast %[[CST]]#0 : index to i32
// RowMajor (101), NoTrans (111), C += A B (alpha = beta = 1).
// CHECK:     func.call @cblas_sgemm(%c101_i32, %c111_i32, %c111_i32, %[[M]], %[[N]], %[[K]], %[[ONE:.*]], %[[APTR]], %[[LDA]], %[[BPTR]], %[[LDB]], %[[ONE]], %[[CPTR]], %[[LDC]])
// CHECK:   } else {
// CHECK:     linalg.matmul ins(%[[A]], %[[B]] : memref<?x8xf32>, memref<8x?xf32>) outs(%[[C]] : memref<?x?xf32>)
// CHECK-NOT:   fff.blas_fallback
// CHECK:   }

// The pipeline runs it after bufferization: the LLVM code calls BLAS, and
// keeps the loops for the fallback.
// PIPE-LABEL: llvm.func @mm
// PIPE: llvm.call @cblas_sgemm
// PIPE: llvm.fmul
// NOBLAS-LABEL: llvm.func @mm
// NOBLAS-NOT: cblas_sgemm
func.func @mm(%a: memref<?x8xf32>, %b: memref<8x?xf32>, %c: memref<?x?xf32>) {
  linalg.matmul ins(%a, %b : memref<?x8xf32>, memref<8x?xf32>) outs(%c : memref<?x?xf32>)
  return
}

// -----

// Left alone: other element types, transposed (user-defined) maps, tensors.
// CHECK-LABEL: func.func @others
// CHECK-NOT: cblas_sgemm
// CHECK: linalg.matmul ins(%{{.*}} : memref<4x4xf64>, memref<4x4xf64>)
// CHECK: linalg.matmul indexing_maps
// CHECK: linalg.matmul ins(%{{.*}} : tensor<4x4xf32>, tensor<4x4xf32>)
func.func @others(%a: memref<4x4xf64>, %c: memref<4x4xf64>, %x: memref<4x4xf32>, %y: memref<4x4xf32>,
                  %t: tensor<4x4xf32>) -> tensor<4x4xf32> {
  linalg.matmul ins(%a, %a : memref<4x4xf64>, memref<4x4xf64>) outs(%c : memref<4x4xf64>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>,
                                 affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %x : memref<4x4xf32>, memref<4x4xf32>) outs(%y : memref<4x4xf32>)
  %r = linalg.matmul ins(%t, %t : tensor<4x4xf32>, tensor<4x4xf32>) outs(%t : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// -----

// A batch: one guarded call per matrix, on rank-reduced views.
// CHECK-LABEL: func.func @batch
// CHECK: %[[BATCH:.*]] = memref.dim %arg2, %c0
// CHECK: scf.for %[[I:.*]] = %c0 to %[[BATCH]] step %c1 {
// CHECK:   %[[SA:.*]] = memref.subview %arg0[%[[I]], 0, 0] [1, 3, 4] [1, 1, 1] : memref<?x3x4xf32> to memref<3x4xf32, strided<[4, 1], offset: ?>>
// CHECK:   %[[SB:.*]] = memref.subview %arg1[%[[I]], 0, 0] [1, 4, 5]
// CHECK:   %[[SC:.*]] = memref.subview %arg2[%[[I]], 0, 0] [1, 3, 5]
// CHECK:   scf.if
// CHECK:     func.call @cblas_sgemm
// CHECK:   } else {
// CHECK:     linalg.matmul ins(%[[SA]], %[[SB]] : {{.*}}) outs(%[[SC]] : {{.*}})
// CHECK-NOT: linalg.batch_matmul
func.func @batch(%a: memref<?x3x4xf32>, %b: memref<?x4x5xf32>, %c: memref<?x3x5xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<?x3x4xf32>, memref<?x4x5xf32>) outs(%c : memref<?x3x5xf32>)
  return
}
