// fff-bucket-rows: level-synchronous walks with fff.bucket and
// fff.grouped_matmul, the deferred output, the leaf MLP as grouped matmuls.
// RUN: fff-opt %s --fff-bucket-rows="tile-rows=8" -split-input-file | FileCheck %s
// RUN: fff-opt %s --fff-bucket-rows="tile-rows=4 min-batch=64" -split-input-file | FileCheck %s --check-prefix=DISPATCH
// RUN: not fff-opt %s --fff-bucket-rows="tile-rows=-1" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: fff-bucket-rows: tile-rows must be >= 0, got -1

// Depth 2 (3 levels, 8 leaves <= 8 tile rows): level 0 is one segment of
// every row; levels 1 and 2 bucket the rows by node and take the logits
// from the level's weight rows; then the rows are bucketed by leaf and the
// output is one product over each leaf's path (the 8 x 3 path table).
// CHECK-LABEL: func.func @path_neuron
// CHECK: %[[PATHS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<8x3xindex>)
// The tiles are independent: an scf.forall over ceil(B / 8) of them.
// CHECK: %[[TILES:.*]] = arith.ceildivui %{{.*}}, %c8
// CHECK: scf.forall (%{{.*}}) in (%[[TILES]]) shared_outs(
// CHECK:   %[[X:.*]] = tensor.extract_slice %arg0
// CHECK:   tensor.from_elements %{{.*}}, %{{.*}} : tensor<2xindex>
// CHECK:   tensor.extract_slice %{{.*}}[0, 0] [1, 8]
// CHECK:   fff.grouped_matmul ins(%[[X]], %{{.*}} : tensor<?x8xf32>, tensor<1x8x1xf32>)
// CHECK:   linalg.generic
// CHECK:     math.erf
// CHECK:     arith.cmpf ogt
// CHECK:   fff.bucket %{{.*}} buckets 2
// CHECK:   tensor.extract_slice %{{.*}}[1, 0] [2, 8]
// CHECK:   fff.grouped_matmul ins(%[[X]], %{{.*}} : tensor<?x8xf32>, tensor<2x8x1xf32>) segments(%{{.*}} : tensor<3xindex>) rows(
// CHECK:   fff.bucket %{{.*}} buckets 4
// CHECK:   fff.grouped_matmul ins(%[[X]], %{{.*}} : tensor<?x8xf32>, tensor<4x8x1xf32>) segments(%{{.*}} : tensor<5xindex>) rows(
// CHECK:   %[[LEAF:.*]], %[[LOFF:.*]] = fff.bucket %{{.*}} buckets 8
// CHECK:   fff.grouped_matmul ins(%{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<7x5xf32>) segments(%[[LOFF]] : tensor<9xindex>) rows(%[[LEAF]] : tensor<?xindex>) gather(%[[PATHS]] : tensor<8x3xindex>)
// CHECK:   tensor.parallel_insert_slice
// DISPATCH-LABEL: func.func @path_neuron
// DISPATCH: arith.cmpi uge, %{{.*}}, %c64
// DISPATCH: scf.if
// DISPATCH:   fff.bucket
// DISPATCH: } else {
// DISPATCH:   fff.path_neuron {{.*}} {fff.batch_fallback}
func.func @path_neuron(%x: tensor<?x8xf32>, %w: tensor<7x8xf32>, %b: tensor<7xf32>, %wo: tensor<7x5xf32>, %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.path_neuron trees 1 depth 2 activation gelu tie gt
      ins(%x, %w, %b, %wo : tensor<?x8xf32>, tensor<7x8xf32>, tensor<7xf32>, tensor<7x5xf32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// -----

// Two trees of depth 3 (16 leaves > 8 tile rows): each row keeps the nodes
// it visits, and the output takes one segment per row, gathering its path.
// Tree t's weights are rows t*15 .. t*15+14.
// CHECK-LABEL: func.func @two_trees
// CHECK-NOT: tensor<16x4xindex>
// CHECK: scf.forall
// CHECK:   scf.for %[[T:.*]] = %c0{{.*}} to %c2 step %c1
// CHECK:     arith.muli %[[T]], %c15
// CHECK:     fff.bucket %{{.*}} buckets 8
// CHECK:     %[[SEGS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?xindex>)
// CHECK:       linalg.index 0
// CHECK:     fff.grouped_matmul ins(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<15x6xf32>) segments(%[[SEGS]] : tensor<?xindex>) gather(%{{.*}} : tensor<?x4xindex>)
func.func @two_trees(%x: tensor<?x8xf32>, %w: tensor<30x8xf32>, %b: tensor<30xf32>, %wo: tensor<30x6xf32>, %init: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %y = fff.path_neuron trees 2 depth 3 activation relu tie ge
      ins(%x, %w, %b, %wo : tensor<?x8xf32>, tensor<30x8xf32>, tensor<30xf32>, tensor<30x6xf32>)
      outs(%init : tensor<?x6xf32>)
  return %y : tensor<?x6xf32>
}

// -----

// Leaf MLP with a master leaf: route, bucket by leaf, two grouped matmuls
// over the leaves, then the master leaf as one segment of every row.
// CHECK-LABEL: func.func @leaf_mlp
// CHECK: %[[LEAF:.*]] = fff.route depth 2 tie ge
// CHECK: %[[PERM:.*]], %[[OFFS:.*]] = fff.bucket %[[LEAF]] buckets 4 : tensor<?xindex>
// CHECK: math.exp
// CHECK: fff.grouped_matmul ins(%arg0, %arg3 : tensor<?x16xf32>, tensor<4x16x3xf32>) segments(%[[OFFS]] : tensor<5xindex>) rows(%[[PERM]] : tensor<?xindex>)
// CHECK: linalg.generic
// CHECK: fff.grouped_matmul ins(%{{.*}}, %arg5 : tensor<?x3xf32>, tensor<4x3x10xf32>) segments(%[[OFFS]] : tensor<5xindex>) rows(%[[PERM]] : tensor<?xindex>)
// CHECK: %[[WHOLE:.*]] = tensor.from_elements %c0{{.*}}, %{{.*}} : tensor<2xindex>
// CHECK: tensor.expand_shape %arg7 {{\[}}[0, 1], [2]] output_shape [1, 16, 8]
// CHECK: fff.grouped_matmul ins(%arg0, %{{.*}} : tensor<?x16xf32>, tensor<1x16x8xf32>) segments(%[[WHOLE]] : tensor<2xindex>) outs(
// CHECK: fff.grouped_matmul ins(%{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<1x8x10xf32>) segments(%[[WHOLE]] : tensor<2xindex>) outs(
// CHECK-NOT: fff.leaf_mlp
func.func @leaf_mlp(%x: tensor<?x16xf32>, %nw: tensor<3x16xf32>, %nb: tensor<3xf32>,
                    %w1: tensor<4x16x3xf32>, %b1: tensor<4x3xf32>, %w2: tensor<4x3x10xf32>,
                    %b2: tensor<4x10xf32>, %mw1: tensor<16x8xf32>, %mb1: tensor<8xf32>,
                    %mw2: tensor<8x10xf32>, %mb2: tensor<10xf32>, %k: tensor<f32>,
                    %init: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %y = fff.leaf_mlp depth 2 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x16xf32>, tensor<3x16xf32>, tensor<3xf32>,
          tensor<4x16x3xf32>, tensor<4x3xf32>, tensor<4x3x10xf32>, tensor<4x10xf32>)
      master(%mw1, %mb1, %mw2, %mb2, %k : tensor<16x8xf32>, tensor<8xf32>, tensor<8x10xf32>,
             tensor<10xf32>, tensor<f32>)
      outs(%init : tensor<?x10xf32>)
  return %y : tensor<?x10xf32>
}

// -----

// Rows of no columns are left to the other strategies.
// CHECK-LABEL: func.func @no_columns
// CHECK: fff.path_neuron
func.func @no_columns(%x: tensor<?x8xf32>, %w: tensor<7x8xf32>, %b: tensor<7xf32>, %wo: tensor<7x0xf32>, %init: tensor<?x0xf32>) -> tensor<?x0xf32> {
  %y = fff.path_neuron trees 1 depth 2 activation gelu tie gt
      ins(%x, %w, %b, %wo : tensor<?x8xf32>, tensor<7x8xf32>, tensor<7xf32>, tensor<7x0xf32>)
      outs(%init : tensor<?x0xf32>)
  return %y : tensor<?x0xf32>
}

// -----

// Rows of no input columns: the tile of x is an empty tensor (an
// extract_slice at column 0 of a 0-wide tensor does not verify), and every
// logit is its node's bias.
// CHECK-LABEL: func.func @no_input_columns
// CHECK-NOT: tensor.extract_slice %arg0
// CHECK-NOT: tensor.extract_slice %arg1
// CHECK: tensor.empty({{.*}}) : tensor<?x0xf32>
// CHECK-NOT: fff.path_neuron
func.func @no_input_columns(%x: tensor<?x0xf32>, %w: tensor<30x0xf32>, %b: tensor<30xf32>,
                            %wo: tensor<30x6xf32>, %init: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %y = fff.path_neuron trees 2 depth 3 activation gelu tie gt
      ins(%x, %w, %b, %wo : tensor<?x0xf32>, tensor<30x0xf32>, tensor<30xf32>, tensor<30x6xf32>)
      outs(%init : tensor<?x6xf32>)
  return %y : tensor<?x6xf32>
}
