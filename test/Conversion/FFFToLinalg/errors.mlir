// RUN: not fff-opt %s --convert-fff-to-linalg --split-input-file 2>&1 | FileCheck %s
// RUN: not fff-opt %s --convert-fff-to-linalg="vector-width=-2" 2>&1 | FileCheck %s --check-prefix=BADVW

// Whole layers are not converted op by op: the pass says which pass to run.

// CHECK: errors.mlir:[[# @LINE + 3]]:8: error: 'fff.path_neuron' must be expanded (fff-expand-layers) or fused (fff-fuse-routing) before convert-fff-to-linalg
func.func @path(%x: tensor<?x4xf32>, %w: tensor<7x4xf32>, %b: tensor<7xf32>,
                %wo: tensor<7x6xf32>, %init: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %y = fff.path_neuron trees 1 depth 2 activation gelu tie gt
      ins(%x, %w, %b, %wo : tensor<?x4xf32>, tensor<7x4xf32>, tensor<7xf32>, tensor<7x6xf32>)
      outs(%init : tensor<?x6xf32>)
  return %y : tensor<?x6xf32>
}

// -----

// CHECK: errors.mlir:[[# @LINE + 5]]:8: error: 'fff.leaf_mlp' must be expanded (fff-expand-layers) or fused (fff-fuse-routing) before convert-fff-to-linalg
func.func @leaf(%x: tensor<?x4xf32>, %nw: tensor<1x4xf32>, %nb: tensor<1xf32>,
                %w1: tensor<2x4x2xf32>, %b1: tensor<2x2xf32>,
                %w2: tensor<2x2x5xf32>, %b2: tensor<2x5xf32>,
                %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 1 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x4xf32>, tensor<1x4xf32>,
          tensor<1xf32>, tensor<2x4x2xf32>, tensor<2x2xf32>, tensor<2x2x5xf32>, tensor<2x5xf32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// BADVW: error: convert-fff-to-linalg: vector-width must be in [0, 64], got -2
