// Invalid fff IR makes fff-opt exit non-zero with a diagnostic that points at
// the op (file:line:col), names the operand and gives both sizes.
// RUN: not fff-opt %s 2>&1 | FileCheck %s
// RUN: not fff-opt %s -canonicalize 2>&1 | FileCheck %s

// CHECK: diagnostics.mlir:[[@LINE+4]]:8: error: 'fff.leaf_mlp' op 'w2' dimension 0 must be 4 (2^depth leaves), but got 2 in 'tensor<2x2x5xf32>'
func.func @f(%x: tensor<?x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>,
             %b1: tensor<4x2xf32>, %w2: tensor<2x2x5xf32>, %b2: tensor<4x5xf32>,
             %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 2 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x6xf32>, tensor<3x6xf32>, tensor<3xf32>,
          tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<2x2x5xf32>, tensor<4x5xf32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}
