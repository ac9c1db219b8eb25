// A layer with fully dynamic weight shapes, run twice through the pipeline:
// with consistent shapes it computes the right answer; with output weights of
// 2 rows where the tree has 3 nodes, the run-time shape check stops it with
// the verifier's message instead of reading past the weights. (cf.assert
// prints with puts and aborts: stdbuf keeps the message from being lost in the
// stdout buffer.)
// RUN: fff-opt %s --fff-cpu-pipeline \
// RUN:   | mlir-runner -e good -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s --check-prefix=GOOD
// RUN: fff-opt %s --fff-cpu-pipeline \
// RUN:   | not --crash stdbuf -o0 mlir-runner -e bad -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s --check-prefix=BAD

// One tree of depth 1 (3 nodes, 2 visited), relu, tie gt, all node weights 1
// and biases 0, output rows [1 1 1 1], [2 2 2 2], [3 3 3 3]. For x = [1, 2]:
// root z = 3 -> adds 3 * row 0 and goes right; node 2: z = 3 -> adds 3 * row 2.
// y = 3 * 1 + 3 * 3 = 12 in every column.
// GOOD: sizes = [1, 4]
// GOOD-NEXT: {{\[\[}}12,   12,   12,   12]]

// BAD: fff.path_neuron: 'output_weights' dimension 0 must be 3 (trees * (2^(depth+1) - 1) nodes)

func.func @path(%x: tensor<?x?xf32>, %w: tensor<?x?xf32>, %b: tensor<?xf32>,
                %wo: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = tensor.dim %x, %c0 : tensor<?x?xf32>
  %cols = tensor.dim %wo, %c1 : tensor<?x?xf32>
  %init = tensor.empty(%rows, %cols) : tensor<?x?xf32>
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %wo : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>)
      outs(%init : tensor<?x?xf32>)
  return %y : tensor<?x?xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @run(%wo: tensor<?x?xf32>) {
  %x = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %w = arith.constant dense<1.0> : tensor<3x2xf32>
  %b = arith.constant dense<0.0> : tensor<3xf32>
  %xd = tensor.cast %x : tensor<1x2xf32> to tensor<?x?xf32>
  %wd = tensor.cast %w : tensor<3x2xf32> to tensor<?x?xf32>
  %bd = tensor.cast %b : tensor<3xf32> to tensor<?xf32>
  %y = call @path(%xd, %wd, %bd, %wo)
      : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32>
  %u = tensor.cast %y : tensor<?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @good() {
  %wo = arith.constant dense<[[1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0], [3.0, 3.0, 3.0, 3.0]]> : tensor<3x4xf32>
  %wod = tensor.cast %wo : tensor<3x4xf32> to tensor<?x?xf32>
  call @run(%wod) : (tensor<?x?xf32>) -> ()
  return
}

func.func @bad() {
  %wo = arith.constant dense<1.0> : tensor<2x4xf32>
  %wod = tensor.cast %wo : tensor<2x4xf32> to tensor<?x?xf32>
  call @run(%wod) : (tensor<?x?xf32>) -> ()
  return
}
