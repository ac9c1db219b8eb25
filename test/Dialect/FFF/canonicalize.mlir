// Folders and canonicalization patterns of the fff ops.
// RUN: fff-opt %s -canonicalize -split-input-file | FileCheck %s

// A depth-0 tree has no nodes: every row reaches leaf 0.
// CHECK-LABEL: func @route_depth0
// CHECK-SAME: %[[INIT:[a-z0-9]+]]: tensor<?xi32>
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK: %[[FILL:.*]] = linalg.fill ins(%[[ZERO]] : i32) outs(%[[INIT]] : tensor<?xi32>)
// CHECK-NOT: fff.route
// CHECK: return %[[FILL]]
func.func @route_depth0(%x: tensor<?x5xf32>, %w: tensor<0x5xf32>, %b: tensor<0xf32>,
                        %init: tensor<?xi32>) -> tensor<?xi32> {
  %0 = fff.route depth 0 tie ge
      ins(%x, %w, %b : tensor<?x5xf32>, tensor<0x5xf32>, tensor<0xf32>) outs(%init : tensor<?xi32>)
  return %0 : tensor<?xi32>
}

// -----

// A tree with nodes is left alone.
// CHECK-LABEL: func @route_depth1
// CHECK: fff.route depth 1
func.func @route_depth1(%x: tensor<?x5xf32>, %w: tensor<1x5xf32>, %b: tensor<1xf32>,
                        %init: tensor<?xi32>) -> tensor<?xi32> {
  %0 = fff.route depth 1 tie ge
      ins(%x, %w, %b : tensor<?x5xf32>, tensor<1x5xf32>, tensor<1xf32>) outs(%init : tensor<?xi32>)
  return %0 : tensor<?xi32>
}

// -----

// Empty batches fold to the init operand, for every op.
// CHECK-LABEL: func @empty_batch
// CHECK-SAME: %[[LEAF:[a-z0-9]+]]: tensor<0xi32>, %[[NODES:[a-z0-9]+]]: tensor<0x6xi32>, %[[LOGITS:[a-z0-9]+]]: tensor<0x6xf32>, %[[OUT:[a-z0-9]+]]: tensor<0x4xf32>
// CHECK-NOT: fff.
// CHECK: return %[[LEAF]], %[[NODES]], %[[LOGITS]], %[[OUT]], %[[OUT]], %[[OUT]]
func.func @empty_batch(%x: tensor<0x5xf32>, %leaf: tensor<0xi32>, %nodes: tensor<0x6xi32>,
                       %logits: tensor<0x6xf32>, %out: tensor<0x4xf32>)
    -> (tensor<0xi32>, tensor<0x6xi32>, tensor<0x6xf32>, tensor<0x4xf32>, tensor<0x4xf32>, tensor<0x4xf32>) {
  %w3 = tensor.empty() : tensor<3x5xf32>
  %b3 = tensor.empty() : tensor<3xf32>
  %r = fff.route depth 2 tie ge ins(%x, %w3, %b3 : tensor<0x5xf32>, tensor<3x5xf32>, tensor<3xf32>)
      outs(%leaf : tensor<0xi32>)
  %w14 = tensor.empty() : tensor<14x5xf32>
  %b14 = tensor.empty() : tensor<14xf32>
  %n, %l = fff.route_path trees 2 depth 2 tie gt
      ins(%x, %w14, %b14 : tensor<0x5xf32>, tensor<14x5xf32>, tensor<14xf32>)
      outs(%nodes, %logits : tensor<0x6xi32>, tensor<0x6xf32>)
  %bank = tensor.empty() : tensor<4x5x4xf32>
  %c = fff.cmm ins(%x, %bank, %leaf : tensor<0x5xf32>, tensor<4x5x4xf32>, tensor<0xi32>)
      outs(%out : tensor<0x4xf32>)
  %b1 = tensor.empty() : tensor<4x4xf32>
  %w2 = tensor.empty() : tensor<4x4x4xf32>
  %m = fff.leaf_mlp depth 2 activation relu tie ge
      ins(%x, %w3, %b3, %bank, %b1, %w2, %b1 : tensor<0x5xf32>, tensor<3x5xf32>, tensor<3xf32>,
          tensor<4x5x4xf32>, tensor<4x4xf32>, tensor<4x4x4xf32>, tensor<4x4xf32>)
      outs(%out : tensor<0x4xf32>)
  %w7 = tensor.empty() : tensor<7x5xf32>
  %b7 = tensor.empty() : tensor<7xf32>
  %wo = tensor.empty() : tensor<7x4xf32>
  %p = fff.path_neuron trees 1 depth 2 activation gelu tie gt
      ins(%x, %w7, %b7, %wo : tensor<0x5xf32>, tensor<7x5xf32>, tensor<7xf32>, tensor<7x4xf32>)
      outs(%out : tensor<0x4xf32>)
  return %r, %n, %l, %c, %m, %p
      : tensor<0xi32>, tensor<0x6xi32>, tensor<0x6xf32>, tensor<0x4xf32>, tensor<0x4xf32>, tensor<0x4xf32>
}

// -----

// A bank with no blocks, or no indices per row, adds nothing.
// CHECK-LABEL: func @cmm_nothing_to_add
// CHECK-SAME: %[[ACC:[a-z0-9]+]]: tensor<?x3xf32>
// CHECK-NOT: fff.cmm
// CHECK: return %[[ACC]], %[[ACC]]
func.func @cmm_nothing_to_add(%x: tensor<?x4xf32>, %idx: tensor<?xi32>, %x3: tensor<?x0x4xf32>,
                              %idx2: tensor<?x0xi32>, %acc: tensor<?x3xf32>)
    -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  %empty = tensor.empty() : tensor<0x4x3xf32>
  %0 = fff.cmm ins(%x, %empty, %idx : tensor<?x4xf32>, tensor<0x4x3xf32>, tensor<?xi32>)
      outs(%acc : tensor<?x3xf32>)
  %bank = tensor.empty() : tensor<8x4x3xf32>
  %1 = fff.cmm ins(%x3, %bank, %idx2 : tensor<?x0x4xf32>, tensor<8x4x3xf32>, tensor<?x0xi32>)
      outs(%acc : tensor<?x3xf32>)
  return %0, %1 : tensor<?x3xf32>, tensor<?x3xf32>
}

// -----

// One constant index for every row (here from a depth-0 route): a dense
// matmul on that block, with the block's bias row added to the accumulator.
// CHECK-LABEL: func @cmm_uniform_index
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<?x4xf32>, %[[BANK:[a-z0-9]+]]: tensor<1x4x3xf32>, %[[BIAS:[a-z0-9]+]]: tensor<1x3xf32>, %[[ACC:[a-z0-9]+]]: tensor<?x3xf32>
// CHECK-NOT: fff.
// CHECK: %[[WITH_BIAS:.*]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<1x3xf32>) outs(%[[ACC]] : tensor<?x3xf32>)
// CHECK: arith.addf
// CHECK: %[[BLOCK:.*]] = tensor.extract_slice %[[BANK]][0, 0, 0] [1, 4, 3] [1, 1, 1] : tensor<1x4x3xf32> to tensor<4x3xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[X]], %[[BLOCK]] : tensor<?x4xf32>, tensor<4x3xf32>) outs(%[[WITH_BIAS]] : tensor<?x3xf32>)
// CHECK: return %[[MM]]
func.func @cmm_uniform_index(%x: tensor<?x4xf32>, %bank: tensor<1x4x3xf32>, %bias: tensor<1x3xf32>,
                             %acc: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%n) : tensor<?xi32>
  %w = tensor.empty() : tensor<0x4xf32>
  %b = tensor.empty() : tensor<0xf32>
  %leaf = fff.route depth 0 tie ge ins(%x, %w, %b : tensor<?x4xf32>, tensor<0x4xf32>, tensor<0xf32>)
      outs(%init : tensor<?xi32>)
  %y = fff.cmm ins(%x, %bank, %leaf : tensor<?x4xf32>, tensor<1x4x3xf32>, tensor<?xi32>)
      bias(%bias : tensor<1x3xf32>) outs(%acc : tensor<?x3xf32>)
  return %y : tensor<?x3xf32>
}

// -----

// A splat constant index selects its block; without a bias the accumulator
// goes straight into the matmul.
// CHECK-LABEL: func @cmm_splat_index
// CHECK-SAME: %[[X:[a-z0-9]+]]: tensor<2x4xf32>, %[[BANK:[a-z0-9]+]]: tensor<5x4x3xf32>, %[[ACC:[a-z0-9]+]]: tensor<2x3xf32>
// CHECK: %[[BLOCK:.*]] = tensor.extract_slice %[[BANK]][2, 0, 0] [1, 4, 3] [1, 1, 1]
// CHECK: linalg.matmul ins(%[[X]], %[[BLOCK]] : tensor<2x4xf32>, tensor<4x3xf32>) outs(%[[ACC]] : tensor<2x3xf32>)
func.func @cmm_splat_index(%x: tensor<2x4xf32>, %bank: tensor<5x4x3xf32>, %acc: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %idx = arith.constant dense<2> : tensor<2xi64>
  %y = fff.cmm ins(%x, %bank, %idx : tensor<2x4xf32>, tensor<5x4x3xf32>, tensor<2xi64>)
      outs(%acc : tensor<2x3xf32>)
  return %y : tensor<2x3xf32>
}

// -----

// A constant index outside the bank contributes nothing.
// CHECK-LABEL: func @cmm_out_of_range_index
// CHECK-SAME: %[[ACC:[a-z0-9]+]]: tensor<2x3xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[ACC]]
func.func @cmm_out_of_range_index(%x: tensor<2x4xf32>, %bank: tensor<5x4x3xf32>, %acc: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %idx = arith.constant dense<-1> : tensor<2xi32>
  %y = fff.cmm ins(%x, %bank, %idx : tensor<2x4xf32>, tensor<5x4x3xf32>, tensor<2xi32>)
      outs(%acc : tensor<2x3xf32>)
  return %y : tensor<2x3xf32>
}

// -----

// Indices that differ per row, or several per row, stay conditional.
// CHECK-LABEL: func @cmm_stays
// CHECK-COUNT-2: fff.cmm
func.func @cmm_stays(%x: tensor<2x4xf32>, %bank: tensor<5x4x3xf32>, %idx: tensor<2xi32>,
                     %x3: tensor<2x1x4xf32>, %acc: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %y = fff.cmm ins(%x, %bank, %idx : tensor<2x4xf32>, tensor<5x4x3xf32>, tensor<2xi32>)
      outs(%acc : tensor<2x3xf32>)
  %idx2 = arith.constant dense<1> : tensor<2x1xi32>
  %z = fff.cmm ins(%x3, %bank, %idx2 : tensor<2x1x4xf32>, tensor<5x4x3xf32>, tensor<2x1xi32>)
      outs(%acc : tensor<2x3xf32>)
  return %y, %z : tensor<2x3xf32>, tensor<2x3xf32>
}
