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

// Depth 0 (no routing nodes, one leaf: a plain MLP) with a batch of one row.
// Expected row: the numpy reference in float64.
// CHECK: rank = 2 offset = 0 sizes = [1, 2]
// CHECK-NEXT: {{\[\[}}5,   4]]

func.func @dense(%x: tensor<?x5xf32>, %nw: tensor<0x5xf32>, %nb: tensor<0xf32>, %w1: tensor<1x5x3xf32>, %b1: tensor<1x3xf32>, %w2: tensor<1x3x2xf32>, %b2: tensor<1x2xf32>) -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %x, %c0 : tensor<?x5xf32>
  %init = tensor.empty(%rows) : tensor<?x2xf32>
  %y = fff.leaf_mlp depth 0 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x5xf32>, tensor<0x5xf32>, tensor<0xf32>, tensor<1x5x3xf32>, tensor<1x3xf32>, tensor<1x3x2xf32>, tensor<1x2xf32>)
      outs(%init : tensor<?x2xf32>)
  return %y : tensor<?x2xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = arith.constant dense<[[-2.0, 2.0, 2.0, 2.0, 1.0]]> : tensor<1x5xf32>
  %nw = arith.constant dense<> : tensor<0x5xf32>
  %nb = arith.constant dense<> : tensor<0xf32>
  %w1 = arith.constant dense<[[[-1.0, 2.0, -2.0], [-1.0, -2.0, -1.0], [1.0, -1.0, 0.0], [0.0, -2.0, -2.0], [-1.0, 0.0, -2.0]]]> : tensor<1x5x3xf32>
  %b1 = arith.constant dense<[[2.0, 2.0, 0.0]]> : tensor<1x3xf32>
  %w2 = arith.constant dense<[[[1.0, 1.0], [-2.0, 2.0], [-2.0, 2.0]]]> : tensor<1x3x2xf32>
  %b2 = arith.constant dense<[[2.0, 1.0]]> : tensor<1x2xf32>
  %xd = tensor.cast %x : tensor<1x5xf32> to tensor<?x5xf32>
  %y = call @dense(%xd, %nw, %nb, %w1, %b1, %w2, %b2) : (tensor<?x5xf32>, tensor<0x5xf32>, tensor<0xf32>, tensor<1x5x3xf32>, tensor<1x3xf32>, tensor<1x3x2xf32>, tensor<1x2xf32>) -> tensor<?x2xf32>
  %u = tensor.cast %y : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
