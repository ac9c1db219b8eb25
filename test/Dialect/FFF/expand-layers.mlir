// RUN: fff-opt %s --fff-expand-layers --split-input-file | FileCheck %s
// RUN: fff-opt %s --fff-expand-layers="index-bitwidth=16" --split-input-file | FileCheck %s --check-prefix=I16
// RUN: fff-opt %s --fff-expand-layers --split-input-file | not grep -E "fff\.(leaf_mlp|path_neuron)"
// RUN: not fff-opt %s --fff-expand-layers="index-bitwidth=4" --split-input-file 2>&1 | FileCheck %s --check-prefix=BADWIDTH

// A leaf-MLP becomes route -> cmm(w1, b1) -> activation -> cmm(w2, b2); the
// leaf index tensor is materialized once and read by both matmuls.

// CHECK-LABEL: func.func @leaf
// CHECK-SAME:    (%[[X:.*]]: tensor<?x4xf32>, %[[NW:.*]]: tensor<3x4xf32>, %[[NB:.*]]: tensor<3xf32>, %[[W1:.*]]: tensor<4x4x2xf32>, %[[B1:.*]]: tensor<4x2xf32>, %[[W2:.*]]: tensor<4x2x5xf32>, %[[B2:.*]]: tensor<4x5xf32>, %[[INIT:.*]]: tensor<?x5xf32>)
// CHECK:         %[[B:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xf32>
// CHECK:         %[[IDX0:.*]] = tensor.empty(%[[B]]) : tensor<?xi32>
// CHECK:         %[[LEAF:.*]] = fff.route depth 2 tie ge ins(%[[X]], %[[NW]], %[[NB]] : {{.*}}) outs(%[[IDX0]] : tensor<?xi32>)
// CHECK:         %[[H0:.*]] = linalg.fill {{.*}} -> tensor<?x2xf32>
// CHECK:         %[[H:.*]] = fff.cmm ins(%[[X]], %[[W1]], %[[LEAF]] : {{.*}}) bias(%[[B1]] : tensor<4x2xf32>) outs(%[[H0]] : tensor<?x2xf32>)
// CHECK:         %[[A:.*]] = linalg.generic {{.*}} ins(%[[H]] : tensor<?x2xf32>)
// CHECK:           arith.maximumf
// CHECK:         %[[Y0:.*]] = linalg.fill {{.*}} outs(%[[INIT]] : tensor<?x5xf32>)
// CHECK:         %[[Y:.*]] = fff.cmm ins(%[[A]], %[[W2]], %[[LEAF]] : {{.*}}) bias(%[[B2]] : tensor<4x5xf32>) outs(%[[Y0]] : tensor<?x5xf32>)
// CHECK:         return %[[Y]]

// I16-LABEL: func.func @leaf
// I16:         fff.route {{.*}} outs(%{{.*}} : tensor<?xi16>)
func.func @leaf(%x: tensor<?x4xf32>, %nw: tensor<3x4xf32>, %nb: tensor<3xf32>,
                %w1: tensor<4x4x2xf32>, %b1: tensor<4x2xf32>,
                %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>,
                %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 2 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x4xf32>, tensor<3x4xf32>,
          tensor<3xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// -----

// The master leaf is a dense MLP (two linalg.matmul) blended by sigmoid(k).

// CHECK-LABEL: func.func @master
// CHECK:         fff.route depth 1 tie gt
// CHECK:         fff.cmm
// CHECK:         math.erf
// CHECK:         %[[Y:.*]] = fff.cmm
// CHECK:         %[[G:.*]] = linalg.matmul ins(%{{.*}}, %[[MW1:.*]] : tensor<?x4xf32>, tensor<4x3xf32>)
// CHECK:         %[[GA:.*]] = linalg.generic {{.*}} ins(%[[G]], %{{.*}} : tensor<?x3xf32>, tensor<3xf32>)
// CHECK:           arith.addf
// CHECK:           math.erf
// CHECK:         %[[M:.*]] = linalg.matmul ins(%[[GA]], %{{.*}} : tensor<?x3xf32>, tensor<3x5xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[Y]], %[[M]], %{{.*}}, %{{.*}} : tensor<?x5xf32>, tensor<?x5xf32>, tensor<5xf32>, tensor<f32>)
// CHECK:           math.exp
// CHECK:           arith.subf
func.func @master(%x: tensor<?x4xf32>, %nw: tensor<1x4xf32>, %nb: tensor<1xf32>,
                  %w1: tensor<2x4x2xf32>, %b1: tensor<2x2xf32>,
                  %w2: tensor<2x2x5xf32>, %b2: tensor<2x5xf32>,
                  %mw1: tensor<4x3xf32>, %mb1: tensor<3xf32>, %mw2: tensor<3x5xf32>,
                  %mb2: tensor<5xf32>, %k: tensor<f32>,
                  %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 1 activation gelu tie gt
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x4xf32>, tensor<1x4xf32>,
          tensor<1xf32>, tensor<2x4x2xf32>, tensor<2x2xf32>, tensor<2x2x5xf32>, tensor<2x5xf32>)
      master(%mw1, %mb1, %mw2, %mb2, %k : tensor<4x3xf32>, tensor<3xf32>, tensor<3x5xf32>, tensor<5xf32>, tensor<f32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// -----

// A path-neuron layer: route_path, activation of the logits, and a multi-index
// cmm whose K = 1 blocks are the nodes' output rows.

// CHECK-LABEL: func.func @path
// CHECK-SAME:    (%[[X:.*]]: tensor<?x4xf32>, %[[W:.*]]: tensor<14x4xf32>, %[[B:.*]]: tensor<14xf32>, %[[WO:.*]]: tensor<14x6xf32>, %[[INIT:.*]]: tensor<?x6xf32>)
// CHECK:         %[[NODES:.*]], %[[LOGITS:.*]] = fff.route_path trees 2 depth 2 tie gt ins(%[[X]], %[[W]], %[[B]] : {{.*}}) outs({{.*}} : tensor<?x6xi32>, tensor<?x6xf32>)
// CHECK:         %[[A:.*]] = linalg.generic {{.*}} ins(%[[LOGITS]] : tensor<?x6xf32>)
// CHECK:           math.erf
// CHECK:         %[[A3:.*]] = tensor.expand_shape %[[A]] {{\[\[}}0], [1, 2]] {{.*}} into tensor<?x6x1xf32>
// CHECK:         %[[W3:.*]] = tensor.expand_shape %[[WO]] {{\[\[}}0, 1], [2]] {{.*}} into tensor<14x1x6xf32>
// CHECK:         %[[Y0:.*]] = linalg.fill {{.*}} outs(%[[INIT]] : tensor<?x6xf32>)
// CHECK:         fff.cmm ins(%[[A3]], %[[W3]], %[[NODES]] : tensor<?x6x1xf32>, tensor<14x1x6xf32>, tensor<?x6xi32>) outs(%[[Y0]] : tensor<?x6xf32>)
func.func @path(%x: tensor<?x4xf32>, %w: tensor<14x4xf32>, %b: tensor<14xf32>,
                %wo: tensor<14x6xf32>, %init: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %y = fff.path_neuron trees 2 depth 2 activation gelu tie gt
      ins(%x, %w, %b, %wo : tensor<?x4xf32>, tensor<14x4xf32>, tensor<14xf32>, tensor<14x6xf32>)
      outs(%init : tensor<?x6xf32>)
  return %y : tensor<?x6xf32>
}

// -----

// Identity needs no elementwise op; other dialects' ops are left alone.

// CHECK-LABEL: func.func @identity
// CHECK:         fff.route_path
// CHECK-NOT:     linalg.generic
// CHECK:         fff.cmm
// CHECK:         arith.addf %{{.*}}, %{{.*}} : tensor<?x6xf32>
func.func @identity(%x: tensor<?x4xf32>, %w: tensor<7x4xf32>, %b: tensor<7xf32>,
                    %wo: tensor<7x6xf32>, %init: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %y = fff.path_neuron trees 1 depth 2 activation identity tie gt
      ins(%x, %w, %b, %wo : tensor<?x4xf32>, tensor<7x4xf32>, tensor<7xf32>, tensor<7x6xf32>)
      outs(%init : tensor<?x6xf32>)
  %z = arith.addf %y, %y : tensor<?x6xf32>
  return %z : tensor<?x6xf32>
}

// BADWIDTH: error: fff-expand-layers: index-bitwidth must be between 8 and 64, got 4
