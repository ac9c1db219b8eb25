// RUN: fff-opt %s --fff-insert-shape-checks --split-input-file | FileCheck %s
// RUN: fff-opt %s --fff-insert-shape-checks --cse --canonicalize --split-input-file | FileCheck %s --check-prefix=FOLDED

// Every rule the verifier could not decide becomes a cf.assert before the op,
// with the verifier's wording: constants for node counts, the other operand's
// dimension for widths and batch sizes.

// CHECK-LABEL: func.func @dynamic_path
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x?xf32>, %[[W:[^:]*]]: tensor<?x?xf32>, %[[B:[^:]*]]: tensor<?xf32>, %[[WO:[^:]*]]: tensor<?x?xf32>, %[[INIT:[^:]*]]: tensor<?x?xf32>)
// CHECK:         %[[N:.*]] = tensor.dim %[[W]], %{{.*}}
// CHECK:         %[[OK:.*]] = arith.cmpi eq, %[[N]], %c14
// CHECK:         cf.assert %[[OK]], "fff.path_neuron: 'node_weights' dimension 0 must be 14 (trees * (2^(depth+1) - 1) nodes)"
// CHECK:         cf.assert %{{.*}}, "fff.path_neuron: 'node_biases' dimension 0 must be 14 (trees * (2^(depth+1) - 1) nodes)"
// CHECK:         cf.assert %{{.*}}, "fff.path_neuron: 'output_weights' dimension 0 must be 14 (trees * (2^(depth+1) - 1) nodes)"
// CHECK:         %[[WD:.*]] = tensor.dim %[[W]], %c1
// CHECK:         %[[XD:.*]] = tensor.dim %[[X]], %c1
// CHECK:         %[[SAME:.*]] = arith.cmpi eq, %[[WD]], %[[XD]]
// CHECK:         cf.assert %[[SAME]], "fff.path_neuron: 'node_weights' dimension 1 must equal dimension 1 of 'input' (feature width)"
// CHECK:         cf.assert %{{.*}}, "fff.path_neuron: 'init' dimension 0 must equal dimension 0 of 'input' (batch)"
// CHECK:         cf.assert %{{.*}}, "fff.path_neuron: 'output_weights' dimension 1 must equal dimension 1 of 'init' (output width)"
// CHECK-NEXT:    fff.path_neuron
func.func @dynamic_path(%x: tensor<?x?xf32>, %w: tensor<?x?xf32>, %b: tensor<?xf32>,
                        %wo: tensor<?x?xf32>, %init: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %y = fff.path_neuron trees 2 depth 2 activation gelu tie gt
      ins(%x, %w, %b, %wo : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>)
      outs(%init : tensor<?x?xf32>)
  return %y : tensor<?x?xf32>
}

// -----

// Static weights and a result made from the input's row count: the only
// deferred rule (init rows == input rows) holds by construction and folds away.

// CHECK-LABEL: func.func @usual
// CHECK:         cf.assert %{{.*}}, "fff.leaf_mlp: 'init' dimension 0 must equal dimension 0 of 'input' (batch)"
// FOLDED-LABEL: func.func @usual
// FOLDED-NOT:   cf.assert
// FOLDED:       fff.leaf_mlp
func.func @usual(%x: tensor<?x4xf32>, %nw: tensor<1x4xf32>, %nb: tensor<1xf32>,
                 %w1: tensor<2x4x2xf32>, %b1: tensor<2x2xf32>,
                 %w2: tensor<2x2x3xf32>, %b2: tensor<2x3xf32>) -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%rows) : tensor<?x3xf32>
  %y = fff.leaf_mlp depth 1 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x4xf32>, tensor<1x4xf32>, tensor<1xf32>,
          tensor<2x4x2xf32>, tensor<2x2xf32>, tensor<2x2x3xf32>, tensor<2x3xf32>)
      outs(%init : tensor<?x3xf32>)
  return %y : tensor<?x3xf32>
}

// -----

// The building blocks too: a cmm whose bank and indices are dynamic.

// CHECK-LABEL: func.func @cmm
// CHECK:         cf.assert %{{.*}}, "fff.cmm: 'indices' dimension 0 must equal dimension 0 of 'lhs' (batch)"
// CHECK:         cf.assert %{{.*}}, "fff.cmm: 'bank' dimension 1 must equal dimension 1 of 'lhs' (reduction width)"
// CHECK:         fff.cmm
func.func @cmm(%x: tensor<4x2xf32>, %bank: tensor<?x?x3xf32>, %idx: tensor<?xi32>,
               %acc: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %r = fff.cmm ins(%x, %bank, %idx : tensor<4x2xf32>, tensor<?x?x3xf32>, tensor<?xi32>)
               outs(%acc : tensor<4x3xf32>)
  return %r : tensor<4x3xf32>
}
