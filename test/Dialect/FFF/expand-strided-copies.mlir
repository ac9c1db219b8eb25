// RUN: fff-opt %s --fff-expand-strided-copies | FileCheck %s
// RUN: fff-opt %s --fff-expand-strided-copies --convert-linalg-to-loops --finalize-memref-to-llvm --convert-scf-to-cf --convert-to-llvm --reconcile-unrealized-casts | FileCheck %s --check-prefix=LLVM

// A copy out of a strided view becomes linalg.copy (loops), not a call to
// the runner-utils function memrefCopy.
// CHECK-LABEL: func.func @strided
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%{{.*}} : memref<2x2xf32, strided<[4, 1], offset: 5>>) outs(%{{.*}} : memref<2x2xf32>)
// LLVM-NOT: memrefCopy
func.func @strided(%a: memref<4x4xf32>, %b: memref<2x2xf32>) {
  %s = memref.subview %a[1, 1][2, 2][1, 1] : memref<4x4xf32> to memref<2x2xf32, strided<[4, 1], offset: 5>>
  memref.copy %s, %b : memref<2x2xf32, strided<[4, 1], offset: 5>> to memref<2x2xf32>
  return
}

// Contiguous copies stay memref.copy (they lower to llvm.memcpy).
// CHECK-LABEL: func.func @contiguous
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<?xf32> to memref<?xf32>
// LLVM: "llvm.intr.memcpy"
func.func @contiguous(%a: memref<?xf32>, %b: memref<?xf32>) {
  memref.copy %a, %b : memref<?xf32> to memref<?xf32>
  return
}
