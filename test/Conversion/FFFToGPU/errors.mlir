// RUN: not fff-opt %s --convert-fff-to-gpu --split-input-file 2>&1 | FileCheck %s
// RUN: not fff-opt %s --convert-fff-to-gpu="warps-per-block=33" 2>&1 | FileCheck %s --check-prefix=BADW

// BADW: error: convert-fff-to-gpu: warps-per-block must be in [1, 32], got 33

// The GPU target compiles whole layers only.
// CHECK: errors.mlir:[[# @LINE + 3]]:8: error: 'fff.route' has no GPU lowering: the GPU target compiles whole layers (fff.leaf_mlp, fff.path_neuron)
func.func @route(%x: tensor<?x4xf32>, %w: tensor<3x4xf32>, %b: tensor<3xf32>,
                 %init: tensor<?xi32>) -> tensor<?xi32> {
  %j = fff.route depth 2 tie ge ins(%x, %w, %b : tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>)
      outs(%init : tensor<?xi32>)
  return %j : tensor<?xi32>
}

// -----

// CHECK: errors.mlir:[[# @LINE + 3]]:8: error: the GPU lowering supports f32 layers, not 'f16'
func.func @half(%x: tensor<?x4xf16>, %w: tensor<7x4xf16>, %b: tensor<7xf16>,
                %wo: tensor<7x6xf16>, %init: tensor<?x6xf16>) -> tensor<?x6xf16> {
  %y = fff.path_neuron trees 1 depth 2 activation gelu tie gt
      ins(%x, %w, %b, %wo : tensor<?x4xf16>, tensor<7x4xf16>, tensor<7xf16>, tensor<7x6xf16>)
      outs(%init : tensor<?x6xf16>)
  return %y : tensor<?x6xf16>
}

// -----

// The batch ops have no GPU lowering yet: a clear error, always the first
// one in the IR (not whichever bufferization meets first).
// CHECK: error: 'fff.bucket' has no GPU lowering
func.func @bucket(%keys: tensor<?xi32>) -> (tensor<?xindex>, tensor<9xindex>) {
  %perm, %offsets = fff.bucket %keys buckets 8 : tensor<?xi32>
  return %perm, %offsets : tensor<?xindex>, tensor<9xindex>
}
