// RUN: fff-opt %s --fff-cpu-pipeline="vector-width=0" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s
// RUN: fff-opt %s --fff-cpu-pipeline="vector-width=2" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s

// The building blocks on their own (convert-fff-to-linalg), worked by hand.
//
// fff.route, depth 2, tie ge; nodes w = [[1,0],[0,1],[1,1]], b = [0,0,-1]:
//   [ 1,0]: root s = 1 -> right; node 2: s = 1+0-1 = 0, a tie -> right: node 6, leaf 3
//   [ 0,0]: root s = 0, a tie -> right; node 2: s = -1 -> left: node 5, leaf 2
//   [-1,1]: root s = -1 -> left; node 1: s = 1 -> right: node 4, leaf 1
//   [nan,0]: NaN compares false -> left, left: node 3, leaf 0
// CHECK: sizes = [4]
// CHECK-NEXT: [3,  2,  1,  0]
//
// fff.cmm with bias, bank = [[[1],[1]], [[10],[100]]], bias = [[0.5],[0.25]],
// accumulator all ones, indices [0, 1, -1, 2] (the last two select nothing):
//   row 0: 1 + (1*1 + 2*1) + 0.5       = 4.5
//   row 1: 1 + (3*10 + 4*100) + 0.25   = 431.25
//   rows 2, 3: 1
// CHECK: sizes = [4, 1]
// CHECK-NEXT: {{\[\[}}4.5],
// CHECK-NEXT: [431.25],
// CHECK-NEXT: [1],
// CHECK-NEXT: [1]]
//
// Upstream elementwise ops on tensors around fff ops lower too: y + y.
// CHECK: sizes = [4, 1]
// CHECK-NEXT: {{\[\[}}9],
// CHECK-NEXT: [862.5],
// CHECK-NEXT: [2],
// CHECK-NEXT: [2]]

func.func private @printMemrefI32(tensor<*xi32>)
func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %nan = arith.constant 0x7FC00000 : f32
  %x0 = arith.constant dense<[[1.0, 0.0], [0.0, 0.0], [-1.0, 1.0], [0.0, 0.0]]> : tensor<4x2xf32>
  %c3 = arith.constant 3 : index
  %c0 = arith.constant 0 : index
  %x = tensor.insert %nan into %x0[%c3, %c0] : tensor<4x2xf32>
  %w = arith.constant dense<[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]> : tensor<3x2xf32>
  %b = arith.constant dense<[0.0, 0.0, -1.0]> : tensor<3xf32>
  %leaf0 = tensor.empty() : tensor<4xi32>
  %leaf = fff.route depth 2 tie ge ins(%x, %w, %b : tensor<4x2xf32>, tensor<3x2xf32>, tensor<3xf32>)
                    outs(%leaf0 : tensor<4xi32>)
  %lu = tensor.cast %leaf : tensor<4xi32> to tensor<*xi32>
  call @printMemrefI32(%lu) : (tensor<*xi32>) -> ()

  %lhs = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %bank = arith.constant dense<[[[1.0], [1.0]], [[10.0], [100.0]]]> : tensor<2x2x1xf32>
  %bias = arith.constant dense<[[0.5], [0.25]]> : tensor<2x1xf32>
  %idx = arith.constant dense<[0, 1, -1, 2]> : tensor<4xi32>
  %acc = arith.constant dense<1.0> : tensor<4x1xf32>
  %y = fff.cmm ins(%lhs, %bank, %idx : tensor<4x2xf32>, tensor<2x2x1xf32>, tensor<4xi32>)
               bias(%bias : tensor<2x1xf32>) outs(%acc : tensor<4x1xf32>)
  %y2 = arith.addf %y, %y : tensor<4x1xf32>
  %yu = tensor.cast %y : tensor<4x1xf32> to tensor<*xf32>
  call @printMemrefF32(%yu) : (tensor<*xf32>) -> ()
  %y2u = tensor.cast %y2 : tensor<4x1xf32> to tensor<*xf32>
  call @printMemrefF32(%y2u) : (tensor<*xf32>) -> ()
  return
}
