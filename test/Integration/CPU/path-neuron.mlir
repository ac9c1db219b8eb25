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

// A path-neuron layer: 2 trees of depth 2 (3 neurons visited per tree), relu,
// tie gt, small integer weights so values are exact. Row 1 is all zeros: the
// root logits are the root biases (0 in both trees), exact ties that go left.
// Row 4 holds a NaN. Expected rows: the numpy reference in float64.
// CHECK: rank = 2 offset = 0 sizes = [5, 4]
// CHECK-NEXT: {{\[\[}}10,   -4,   -17,   6],
// CHECK-NEXT: [0,   0,   -4,   1],
// CHECK-NEXT: [0,   3,   -2,   0],
// CHECK-NEXT: [2,   -4,   -16,   -1],
// CHECK-NEXT: [nan,   nan,   nan,   nan]]

func.func @path(%x: tensor<?x3xf32>, %w_in: tensor<14x3xf32>, %b_in: tensor<14xf32>, %w_out: tensor<14x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %x, %c0 : tensor<?x3xf32>
  %init = tensor.empty(%rows) : tensor<?x4xf32>
  %y = fff.path_neuron trees 2 depth 2 activation relu tie gt
      ins(%x, %w_in, %b_in, %w_out : tensor<?x3xf32>, tensor<14x3xf32>, tensor<14xf32>, tensor<14x4xf32>)
      outs(%init : tensor<?x4xf32>)
  return %y : tensor<?x4xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = arith.constant dense<[[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [-1.0, 2.0, 1.0], [2.0, -2.0, 0.0], [1.0, 0x7FC00000, 0.0]]> : tensor<5x3xf32>
  %w_in = arith.constant dense<[[-2.0, 1.0, -2.0], [1.0, -1.0, 0.0], [2.0, 2.0, 0.0], [-1.0, -1.0, 2.0], [0.0, -2.0, 2.0], [2.0, 2.0, 1.0], [2.0, 1.0, 0.0], [2.0, 1.0, 1.0], [-1.0, 1.0, 2.0], [-2.0, 0.0, -1.0], [-2.0, -2.0, -1.0], [-2.0, 1.0, -1.0], [1.0, 2.0, 0.0], [-2.0, -2.0, -1.0]]> : tensor<14x3xf32>
  %b_in = arith.constant dense<[0.0, 1.0, -1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 1.0, -1.0, 0.0, 2.0, 1.0]> : tensor<14xf32>
  %w_out = arith.constant dense<[[0.0, 2.0, -1.0, 0.0], [0.0, -2.0, 0.0, -1.0], [-1.0, -1.0, 1.0, 1.0], [2.0, 1.0, -2.0, -2.0], [0.0, 1.0, -2.0, 1.0], [2.0, -1.0, 0.0, 0.0], [2.0, -2.0, 1.0, -2.0], [1.0, 0.0, -2.0, -1.0], [-2.0, -2.0, 2.0, -2.0], [-1.0, 1.0, 0.0, 1.0], [1.0, 2.0, 2.0, 1.0], [0.0, 1.0, 0.0, -1.0], [2.0, -2.0, 1.0, 2.0], [1.0, 0.0, 1.0, -1.0]]> : tensor<14x4xf32>
  %xd = tensor.cast %x : tensor<5x3xf32> to tensor<?x3xf32>
  %y = call @path(%xd, %w_in, %b_in, %w_out) : (tensor<?x3xf32>, tensor<14x3xf32>, tensor<14xf32>, tensor<14x4xf32>) -> tensor<?x4xf32>
  %u = tensor.cast %y : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
