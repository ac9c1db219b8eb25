// RUN: not fff-opt %s --fff-expand-layers="index-bitwidth=8" 2>&1 | FileCheck %s

// A depth-9 tree has 512 leaves: 8-bit indices cannot hold them, and the pass
// says so at the op instead of wrapping indices around.

// CHECK: expand-layers-errors.mlir:[[# @LINE + 5]]:8: error: fff-expand-layers: index-bitwidth 8 cannot hold this layer's indices (needs 10 bits)
func.func @deep(%x: tensor<?x2xf32>, %nw: tensor<511x2xf32>, %nb: tensor<511xf32>,
                %w1: tensor<512x2x1xf32>, %b1: tensor<512x1xf32>,
                %w2: tensor<512x1x2xf32>, %b2: tensor<512x2xf32>,
                %init: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %y = fff.leaf_mlp depth 9 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x2xf32>, tensor<511x2xf32>,
          tensor<511xf32>, tensor<512x2x1xf32>, tensor<512x1xf32>, tensor<512x1x2xf32>, tensor<512x2xf32>)
      outs(%init : tensor<?x2xf32>)
  return %y : tensor<?x2xf32>
}
