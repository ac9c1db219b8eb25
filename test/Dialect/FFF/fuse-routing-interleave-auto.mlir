// interleave=0 (fff-cpu-pipeline's and fff-compile's default): the pass picks
// the rows that walk together per layer, from its input width. Layers at
// least 256 wide walk 4 rows together (groups of 4, then the rows left over
// one at a time); narrower ones, and any layer under row-block > 1, walk one
// row at a time.
// RUN: fff-opt %s --fff-fuse-routing="interleave=0 vector-width=16" --canonicalize --cse --split-input-file | FileCheck %s
// RUN: fff-opt %s --fff-fuse-routing="interleave=0 row-block=2 vector-width=16" --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=BLOCK
// RUN: not fff-opt %s --fff-fuse-routing="interleave=-1" --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK-LABEL: func.func @path_wide
// CHECK:         %[[GROUPS:.*]] = arith.divui %{{.*}}, %c4 : index
// CHECK:         %[[DONE:.*]] = scf.forall (%{{.*}}) in (%[[GROUPS]])
// CHECK:           tensor.extract_slice %{{.*}} [4, 8] [1, 1]
// CHECK:         %[[REST:.*]] = arith.subi
// CHECK:         scf.forall (%{{.*}}) in (%[[REST]]) shared_outs(%{{.*}} = %[[DONE]])
// BLOCK-LABEL: func.func @path_wide
// BLOCK-NOT:     arith.divui
// BLOCK:         arith.ceildivui %{{.*}}, %c2
// BLOCK-NOT:     arith.divui
// BLOCK:         return
func.func @path_wide(%x: tensor<?x256xf32>, %w: tensor<3x256xf32>, %b: tensor<3xf32>,
                     %wo: tensor<3x8xf32>, %init: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %wo : tensor<?x256xf32>, tensor<3x256xf32>, tensor<3xf32>, tensor<3x8xf32>)
      outs(%init : tensor<?x8xf32>)
  return %y : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @path_narrow
// CHECK-NOT:     arith.divui
// CHECK:         scf.forall (
// CHECK-NOT:     scf.forall (
// CHECK:         return
func.func @path_narrow(%x: tensor<?x255xf32>, %w: tensor<3x255xf32>, %b: tensor<3xf32>,
                       %wo: tensor<3x8xf32>, %init: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %wo : tensor<?x255xf32>, tensor<3x255xf32>, tensor<3xf32>, tensor<3x8xf32>)
      outs(%init : tensor<?x8xf32>)
  return %y : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @leaf_wide
// CHECK:         %[[GROUPS:.*]] = arith.divui %{{.*}}, %c4 : index
// CHECK:         scf.forall (%{{.*}}) in (%[[GROUPS]])
// CHECK:           tensor.extract_slice %{{.*}} [4, 5] [1, 1]
func.func @leaf_wide(%x: tensor<?x300xf32>, %nw: tensor<1x300xf32>, %nb: tensor<1xf32>,
                     %w1: tensor<2x300x2xf32>, %b1: tensor<2x2xf32>, %w2: tensor<2x2x5xf32>,
                     %b2: tensor<2x5xf32>, %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 1 activation relu tie gt
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x300xf32>, tensor<1x300xf32>,
          tensor<1xf32>, tensor<2x300x2xf32>, tensor<2x2xf32>, tensor<2x2x5xf32>, tensor<2x5xf32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// -----

// A width known only at run time: one row at a time.
// CHECK-LABEL: func.func @leaf_dynamic
// CHECK-NOT:     arith.divui
// CHECK:         scf.forall (
// CHECK-NOT:     scf.forall (
// CHECK:         return
func.func @leaf_dynamic(%x: tensor<?x?xf32>, %nw: tensor<1x?xf32>, %nb: tensor<1xf32>,
                        %w1: tensor<2x?x2xf32>, %b1: tensor<2x2xf32>, %w2: tensor<2x2x5xf32>,
                        %b2: tensor<2x5xf32>, %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 1 activation relu tie gt
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x?xf32>, tensor<1x?xf32>,
          tensor<1xf32>, tensor<2x?x2xf32>, tensor<2x2xf32>, tensor<2x2x5xf32>, tensor<2x5xf32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// BAD: error: fff-fuse-routing: interleave must be in [0, 16] (0 = chosen per layer), got -1
