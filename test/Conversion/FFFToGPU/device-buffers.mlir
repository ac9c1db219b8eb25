// RUN: fff-opt %s --fff-gpu-device-buffers --split-input-file | FileCheck %s

// Allocation, deallocation and copies in host code become gpu ops: every
// host buffer of the GPU target is device memory.

// CHECK-LABEL: func.func @between_layers
// CHECK:         %[[T:.*]] = gpu.alloc (%{{.*}}) : memref<?x8xf32>
// CHECK:         gpu.memcpy %{{.*}}, %[[T]] : memref<?x8xf32>, memref<?x8xf32>
// CHECK:         gpu.dealloc %[[T]] : memref<?x8xf32>
// CHECK-NOT:     memref.alloc
func.func @between_layers(%n: index, %out: memref<?x8xf32>) {
  %t = memref.alloc(%n) : memref<?x8xf32>
  memref.copy %t, %out : memref<?x8xf32> to memref<?x8xf32>
  memref.dealloc %t : memref<?x8xf32>
  return
}

// -----

// Shape queries and views do not touch memory: they stay.
// CHECK-LABEL: func.func @shapes
// CHECK:         memref.dim
// CHECK:         memref.subview
func.func @shapes(%m: memref<?x8xf32>) -> index {
  %c0 = arith.constant 0 : index
  %d = memref.dim %m, %c0 : memref<?x8xf32>
  %v = memref.subview %m[0, 0] [1, 8] [1, 1] : memref<?x8xf32> to memref<1x8xf32, strided<[8, 1]>>
  return %d : index
}
