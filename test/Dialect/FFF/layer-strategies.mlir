// The three whole-layer pattern sets in one set (Patterns.h), applied by the
// greedy driver: their benefits rank grouped > fused > expanded.
// RUN: fff-opt %s --test-fff-layer-strategies="strategies=expanded,fused,grouped" --split-input-file | FileCheck %s --check-prefix=ALL
// RUN: fff-opt %s --test-fff-layer-strategies="strategies=expanded,fused" --split-input-file | FileCheck %s --check-prefix=FUSED
// RUN: fff-opt %s --test-fff-layer-strategies="strategies=expanded" --split-input-file | FileCheck %s --check-prefix=EXPANDED
// The run-time dispatch keeps a marked clone of the layer for small
// batches, which the grouped pattern does not match again (the greedy driver
// converges), and which the fused pattern lowers when it is in the set.
// RUN: fff-opt %s --test-fff-layer-strategies="strategies=grouped min-batch=64" --split-input-file | FileCheck %s --check-prefix=SELF
// RUN: fff-opt %s --test-fff-layer-strategies="strategies=grouped,fused min-batch=64" --split-input-file | FileCheck %s --check-prefix=DISPATCH

// Grouped: routing into an index tensor, then each leaf's rows (no cmm).
// ALL-LABEL:  func.func @leaf
// ALL:          fff.route
// ALL-NOT:      fff.cmm
// ALL-NOT:      fff.leaf_mlp
// ALL:          return

// Fused: no index tensor at all.
// FUSED-LABEL: func.func @leaf
// FUSED-NOT:     fff.
// FUSED:         scf.forall
// FUSED-NOT:     fff.
// FUSED:         return

// EXPANDED-LABEL: func.func @leaf
// EXPANDED:         fff.route
// EXPANDED:         fff.cmm
// EXPANDED:         fff.cmm

// SELF-LABEL:  func.func @leaf
// SELF:          scf.if
// SELF-NOT:      scf.if
// SELF:          } else {
// SELF-NEXT:       fff.leaf_mlp depth 2 activation relu tie ge {fff.batch_fallback}
// SELF-NOT:      fff.leaf_mlp

// DISPATCH-LABEL: func.func @leaf
// DISPATCH:         scf.if
// DISPATCH:           fff.route
// DISPATCH:         } else {
// DISPATCH-NOT:       fff.
// DISPATCH:           scf.forall
// DISPATCH-NOT:       fff.
// DISPATCH:         return
func.func @leaf(%x: tensor<?x4xf32>, %nw: tensor<3x4xf32>, %nb: tensor<3xf32>,
                %w1: tensor<4x4x2xf32>, %b1: tensor<4x2xf32>,
                %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>,
                %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 2 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>,
          tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// -----

// Rows of no columns: the grouped pattern declines, the fused one returns
// init.
// ALL-LABEL:  func.func @empty
// ALL-SAME:     %[[INIT:[^:]*]]: tensor<?x0xf32>) -> tensor<?x0xf32>
// ALL-NEXT:     return %[[INIT]]
func.func @empty(%x: tensor<?x4xf32>, %w_in: tensor<3x4xf32>, %b_in: tensor<3xf32>,
                 %w_out: tensor<3x0xf32>, %init: tensor<?x0xf32>) -> tensor<?x0xf32> {
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w_in, %b_in, %w_out : tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x0xf32>)
      outs(%init : tensor<?x0xf32>)
  return %y : tensor<?x0xf32>
}
