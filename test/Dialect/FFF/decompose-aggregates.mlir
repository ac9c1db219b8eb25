// fff-decompose-aggregates: linalg.softmax becomes its four linalg ops on
// tensors (max, exp(x - max), sum, divide); on buffers it is left alone.
// RUN: fff-opt %s --fff-decompose-aggregates --split-input-file | FileCheck %s
// (The CPU pipeline lowers softmax with convert-softmax-to-loops instead;
// this decomposition is for pipelines that want linalg ops.)

// CHECK-LABEL: func.func @softmax
// CHECK-NOT: linalg.softmax
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:   arith.maxnumf
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%arg0, %[[MAX]]
// CHECK:   arith.subf
// CHECK:   math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[EXP]]
// CHECK:   arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]]
// CHECK:   arith.divf
func.func @softmax(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %s = linalg.softmax dimension(1) ins(%x : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %r = math.rsqrt %s : tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @on_buffers
// CHECK: linalg.softmax
func.func @on_buffers(%x: memref<4x8xf32>, %y: memref<4x8xf32>) {
  linalg.softmax dimension(1) ins(%x : memref<4x8xf32>) outs(%y : memref<4x8xf32>)
  return
}
