// RUN: not fff-opt %s --fff-gpu-pipeline --split-input-file 2>&1 | FileCheck %s

// Computation around a layer would run on the host over device memory: an
// error at that op.
// CHECK: gpu-pipeline-errors.mlir:[[# @LINE + 7]]:8: error: 'linalg.generic' would access device memory on the host: the GPU target compiles fff layers, not the computation around them
func.func @around(%x: tensor<?x4xf32>, %w: tensor<3x4xf32>, %b: tensor<3xf32>,
                  %wo: tensor<3x2xf32>, %init: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %wo : tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x2xf32>)
      outs(%init : tensor<?x2xf32>)
  // The upstream elementwise op, as linalg after bufferization:
  %z = arith.addf %y, %y : tensor<?x2xf32>
  return %z : tensor<?x2xf32>
}

// -----

// Weights baked in as constants are host memory. (Splat constants fold
// into the kernel and are fine.)
// CHECK: gpu-pipeline-errors.mlir:[[# @LINE + 2]]:8: error: a constant buffer (weights baked into the IR) cannot be read by GPU kernels
func.func @baked(%x: tensor<?x4xf32>, %init: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [0.5, 0.5, 0.5, 0.5], [1.0, 0.0, 0.0, 1.0]]> : tensor<3x4xf32>
  %b = arith.constant dense<0.0> : tensor<3xf32>
  %wo = arith.constant dense<1.0> : tensor<3x2xf32>
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %wo : tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x2xf32>)
      outs(%init : tensor<?x2xf32>)
  return %y : tensor<?x2xf32>
}
