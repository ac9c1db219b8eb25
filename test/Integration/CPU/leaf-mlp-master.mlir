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

// A depth-1 leaf-MLP with a master leaf (identity activation, tie gt, k = 0 so
// sigmoid(k) = 1/2 and the output is the mean of the leaf and the master MLP).
// Row 1 is all zeros: an exact tie that goes left under "gt". Expected rows:
// the numpy reference in float64.
// CHECK: rank = 2 offset = 0 sizes = [4, 2]
// CHECK-NEXT: {{\[\[}}4,   -10.5],
// CHECK-NEXT: [1,   -2],
// CHECK-NEXT: [2.5,   2],
// CHECK-NEXT: [2,   -12]]

func.func @master(%x: tensor<?x3xf32>, %nw: tensor<1x3xf32>, %nb: tensor<1xf32>, %w1: tensor<2x3x2xf32>, %b1: tensor<2x2xf32>, %w2: tensor<2x2x2xf32>, %b2: tensor<2x2xf32>, %mw1: tensor<3x2xf32>, %mb1: tensor<2xf32>, %mw2: tensor<2x2xf32>, %mb2: tensor<2xf32>, %k: tensor<f32>) -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %x, %c0 : tensor<?x3xf32>
  %init = tensor.empty(%rows) : tensor<?x2xf32>
  %y = fff.leaf_mlp depth 1 activation identity tie gt
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x3xf32>, tensor<1x3xf32>, tensor<1xf32>, tensor<2x3x2xf32>, tensor<2x2xf32>, tensor<2x2x2xf32>, tensor<2x2xf32>)
      master(%mw1, %mb1, %mw2, %mb2, %k : tensor<3x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<f32>)
      outs(%init : tensor<?x2xf32>)
  return %y : tensor<?x2xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = arith.constant dense<[[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [-1.0, 2.0, 1.0], [2.0, -2.0, 0.0]]> : tensor<4x3xf32>
  %nw = arith.constant dense<[[1.0, 1.0, -1.0]]> : tensor<1x3xf32>
  %nb = arith.constant dense<[0.0]> : tensor<1xf32>
  %w1 = arith.constant dense<[[[-1.0, 2.0], [2.0, 1.0], [-2.0, 1.0]], [[-1.0, 2.0], [2.0, 0.0], [2.0, 1.0]]]> : tensor<2x3x2xf32>
  %b1 = arith.constant dense<[[-1.0, 2.0], [-1.0, -2.0]]> : tensor<2x2xf32>
  %w2 = arith.constant dense<[[[0.0, 2.0], [1.0, -1.0]], [[2.0, 0.0], [-1.0, -2.0]]]> : tensor<2x2x2xf32>
  %b2 = arith.constant dense<[[-1.0, 1.0], [1.0, -1.0]]> : tensor<2x2xf32>
  %mw1 = arith.constant dense<[[1.0, 2.0], [-2.0, -1.0], [0.0, 0.0]]> : tensor<3x2xf32>
  %mb1 = arith.constant dense<[-1.0, -1.0]> : tensor<2xf32>
  %mw2 = arith.constant dense<[[-2.0, 1.0], [2.0, -2.0]]> : tensor<2x2xf32>
  %mb2 = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %k = arith.constant dense<0.0> : tensor<f32>
  %xd = tensor.cast %x : tensor<4x3xf32> to tensor<?x3xf32>
  %y = call @master(%xd, %nw, %nb, %w1, %b1, %w2, %b2, %mw1, %mb1, %mw2, %mb2, %k) : (tensor<?x3xf32>, tensor<1x3xf32>, tensor<1xf32>, tensor<2x3x2xf32>, tensor<2x2xf32>, tensor<2x2x2xf32>, tensor<2x2xf32>, tensor<3x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<f32>) -> tensor<?x2xf32>
  %u = tensor.cast %y : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
