// fff-expand-dynamic-reshapes: a contiguous memref.expand_shape with dynamic
// sizes becomes the same view as a memref.reinterpret_cast, which upstream's
// expand-strided-metadata handles (it crashes on the expand_shape itself).
// RUN: fff-opt %s --fff-expand-dynamic-reshapes --split-input-file | FileCheck %s
// RUN: fff-opt %s --fff-expand-dynamic-reshapes --expand-strided-metadata --split-input-file | FileCheck %s --check-prefix=META

// CHECK-LABEL: func.func @rows_to_tokens
// CHECK-SAME:    (%[[A:.*]]: memref<?x8xf32>, %[[B:.*]]: index, %[[S:.*]]: index)
// CHECK:   %[[ROW:.*]] = arith.muli %c8, %[[S]] : index
// CHECK:   memref.reinterpret_cast %[[A]] to offset: [0], sizes: [%[[B]], %[[S]], 8], strides: [%[[ROW]], 8, 1] : memref<?x8xf32> to memref<?x?x8xf32>
// CHECK-NOT: memref.expand_shape
// META-LABEL: func.func @rows_to_tokens
// META: memref.reinterpret_cast
func.func @rows_to_tokens(%a: memref<?x8xf32>, %b: index, %s: index) -> memref<?x?x8xf32> {
  %e = memref.expand_shape %a [[0, 1], [2]] output_shape [%b, %s, 8] : memref<?x8xf32> into memref<?x?x8xf32>
  return %e : memref<?x?x8xf32>
}

// -----

// Static shapes and strided sources are left as they are.
// CHECK-LABEL: func.func @left_alone
// CHECK: memref.expand_shape %{{.*}} output_shape [2, 3, 8] : memref<6x8xf32>
// CHECK: memref.expand_shape %{{.*}} : memref<?x8xf32, strided<[16, 1]>> into memref<?x2x8xf32, strided<[32, 16, 1]>>
func.func @left_alone(%a: memref<6x8xf32>, %b: memref<?x8xf32, strided<[16, 1]>>, %n: index)
    -> (memref<2x3x8xf32>, memref<?x2x8xf32, strided<[32, 16, 1]>>) {
  %e = memref.expand_shape %a [[0, 1], [2]] output_shape [2, 3, 8] : memref<6x8xf32> into memref<2x3x8xf32>
  %f = memref.expand_shape %b [[0, 1], [2]] output_shape [%n, 2, 8] : memref<?x8xf32, strided<[16, 1]>> into memref<?x2x8xf32, strided<[32, 16, 1]>>
  return %e, %f : memref<2x3x8xf32>, memref<?x2x8xf32, strided<[32, 16, 1]>>
}
