// RUN: fff-opt %s --fff-cpu-pipeline="fuse=true vector-width=4 interleave=3" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s
// RUN: fff-opt %s --fff-cpu-pipeline="fuse=true vector-width=8" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s
// RUN: fff-opt %s --fff-cpu-pipeline="fuse=true vector-width=0 row-block=2" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s
// RUN: fff-opt %s --fff-cpu-pipeline="fuse=false vector-width=0" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s
// RUN: fff-opt %s --fff-cpu-pipeline="fuse=false vector-width=4" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s

// A depth-2 leaf-MLP (relu, tie ge) with small integer weights, so every value
// is exact in float32. Row 1 is all zeros: its root logit is the root bias, 0,
// an exact tie that goes right under "ge". Row 4 holds a NaN: it goes left at
// every node and its output is NaN. The expected rows are the numpy reference
// (python/fff_mlir/reference.py) evaluated in float64; every pipeline variant
// must print exactly them.
// CHECK: rank = 2 offset = 0 sizes = [7, 3]
// CHECK-NEXT: {{\[\[}}4,   -1,   -1],
// CHECK-NEXT: [1,   -7,   -2],
// CHECK-NEXT: [-1,   -7,   7],
// CHECK-NEXT: [0,   1,   -1],
// CHECK-NEXT: [nan,   nan,   nan],
// CHECK-NEXT: [2,   -1,   1],
// CHECK-NEXT: [5,   -1,   -2]]

func.func @leaf(%x: tensor<?x3xf32>, %nw: tensor<3x3xf32>, %nb: tensor<3xf32>, %w1: tensor<4x3x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x3xf32>, %b2: tensor<4x3xf32>) -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %x, %c0 : tensor<?x3xf32>
  %init = tensor.empty(%rows) : tensor<?x3xf32>
  %y = fff.leaf_mlp depth 2 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x3xf32>, tensor<3x3xf32>, tensor<3xf32>, tensor<4x3x2xf32>, tensor<4x2xf32>, tensor<4x2x3xf32>, tensor<4x3xf32>)
      outs(%init : tensor<?x3xf32>)
  return %y : tensor<?x3xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = arith.constant dense<[[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [-1.0, 2.0, 1.0], [2.0, -2.0, 0.0], [0x7FC00000, 1.0, 1.0], [1.0, 1.0, 1.0], [0.0, -1.0, 2.0]]> : tensor<7x3xf32>
  %nw = arith.constant dense<[[2.0, -2.0, -2.0], [-1.0, -2.0, 2.0], [2.0, 0.0, -2.0]]> : tensor<3x3xf32>
  %nb = arith.constant dense<[0.0, 1.0, -1.0]> : tensor<3xf32>
  %w1 = arith.constant dense<[[[-2.0, -1.0], [0.0, 1.0], [0.0, -1.0]], [[-2.0, 1.0], [1.0, -2.0], [-2.0, 0.0]], [[-1.0, 2.0], [0.0, 0.0], [0.0, 1.0]], [[0.0, -2.0], [1.0, 1.0], [2.0, 1.0]]]> : tensor<4x3x2xf32>
  %b1 = arith.constant dense<[[-1.0, -1.0], [1.0, 1.0], [1.0, 2.0], [-1.0, 2.0]]> : tensor<4x2xf32>
  %w2 = arith.constant dense<[[[-2.0, -2.0, 2.0], [2.0, -1.0, -2.0]], [[-1.0, -2.0, 2.0], [1.0, 0.0, -1.0]], [[0.0, -2.0, 1.0], [0.0, -2.0, -1.0]], [[1.0, 0.0, -1.0], [-1.0, -2.0, 1.0]]]> : tensor<4x2x3xf32>
  %b2 = arith.constant dense<[[1.0, 0.0, 2.0], [2.0, -1.0, 1.0], [1.0, -1.0, -1.0], [0.0, 1.0, -1.0]]> : tensor<4x3xf32>
  %xd = tensor.cast %x : tensor<7x3xf32> to tensor<?x3xf32>
  %y = call @leaf(%xd, %nw, %nb, %w1, %b1, %w2, %b2) : (tensor<?x3xf32>, tensor<3x3xf32>, tensor<3xf32>, tensor<4x3x2xf32>, tensor<4x2xf32>, tensor<4x2x3xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
  %u = tensor.cast %y : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
