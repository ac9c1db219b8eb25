// RUN: fff-opt %s --fff-fuse-routing --canonicalize --cse --split-input-file | FileCheck %s
// RUN: fff-opt %s --fff-fuse-routing="vector-width=4" --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=VEC
// RUN: fff-opt %s --fff-fuse-routing="vector-width=6" --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=ODD
// RUN: fff-opt %s --fff-fuse-routing="row-block=8" --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=BLOCK
// RUN: fff-opt %s --fff-fuse-routing="interleave=2 vector-width=4" --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=INTER
// RUN: fff-opt %s --fff-fuse-routing="interleave=3" --split-input-file | not grep -E 'tensor<[0-9?x]*x(i[0-9]+|index)>'
// RUN: fff-opt %s --fff-fuse-routing="walk-step=2" --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=STEP2
// RUN: not fff-opt %s --fff-fuse-routing="walk-step=3" --split-input-file 2>&1 | FileCheck %s --check-prefix=BADSTEP
// RUN: not fff-opt %s --fff-fuse-routing="interleave=17" --split-input-file 2>&1 | FileCheck %s --check-prefix=BADIL
// RUN: not fff-opt %s --fff-fuse-routing="interleave=2 row-block=2" --split-input-file 2>&1 | FileCheck %s --check-prefix=BOTH
// No tensor of integers or indices anywhere in the fused IR, in every form:
// RUN: fff-opt %s --fff-fuse-routing --split-input-file | not grep -E 'tensor<[0-9?x]*x(i[0-9]+|index)>'
// RUN: fff-opt %s --fff-fuse-routing="vector-width=4 row-block=3" --split-input-file | not grep -E 'tensor<[0-9?x]*x(i[0-9]+|index)>'
// RUN: fff-opt %s --fff-fuse-routing --split-input-file | not grep -E "fff\.|linalg\."
// RUN: not fff-opt %s --fff-fuse-routing="vector-width=-1" --split-input-file 2>&1 | FileCheck %s --check-prefix=BADVW
// RUN: not fff-opt %s --fff-fuse-routing="row-block=0" --split-input-file 2>&1 | FileCheck %s --check-prefix=BADRB
// RUN: not fff-opt %s --fff-fuse-routing="vector-width=1099511627776" --split-input-file 2>&1 | FileCheck %s --check-prefix=BIGVW
// Every row is written in place: one-shot bufferization allocates and copies
// nothing, in row blocks or in interleaved groups.
// RUN: fff-opt %s --fff-fuse-routing="interleave=4" --one-shot-bufferize="bufferize-function-boundaries" --cse --canonicalize --split-input-file | FileCheck %s --check-prefix=NOCOPY
// RUN: fff-opt %s --fff-fuse-routing="interleave=3 vector-width=4" --one-shot-bufferize="bufferize-function-boundaries" --cse --canonicalize --split-input-file | FileCheck %s --check-prefix=NOCOPY
// RUN: fff-opt %s --fff-fuse-routing="row-block=3" --one-shot-bufferize="bufferize-function-boundaries" --cse --canonicalize --split-input-file | FileCheck %s --check-prefix=NOCOPY
// NOCOPY-LABEL: func.func @leaf
// NOCOPY-NOT:   memref.alloc
// NOCOPY-NOT:   memref.copy
// NOCOPY-LABEL: func.func @master
// NOCOPY-NOT:   memref.alloc
// NOCOPY-NOT:   memref.copy
// NOCOPY-LABEL: func.func @path
// NOCOPY-NOT:   memref.alloc
// NOCOPY-NOT:   memref.copy

// Fusion: one parallel loop over rows; each row walks the tree with the node
// index as an scf.for iter_arg, turns it into the leaf index and reads that
// leaf's weights right away. No index tensor exists anywhere: the only
// integer-typed values are `index` scalars.

// CHECK-LABEL: func.func @leaf
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x10xf32>, %[[NW:[^:]*]]: tensor<3x10xf32>, %[[NB:[^:]*]]: tensor<3xf32>, %[[W1:[^:]*]]: tensor<4x10x2xf32>, %[[B1:[^:]*]]: tensor<4x2xf32>, %[[W2:[^:]*]]: tensor<4x2x5xf32>, %[[B2:[^:]*]]: tensor<4x5xf32>, %[[INIT:[^:]*]]: tensor<?x5xf32>)
// CHECK:         %[[Y:.*]] = scf.forall (%[[ROW:.*]]) in (%{{.*}}) shared_outs(%[[OUT:.*]] = %[[INIT]]) -> (tensor<?x5xf32>)
// CHECK:           %[[SLICE:.*]] = tensor.extract_slice %[[OUT]][%[[ROW]], 0] [1, 5] [1, 1]
//                  The walk: two levels, node index carried in a register.
// CHECK:           %[[NODE:.*]] = scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args(%[[N:.*]] = %c0) -> (index)
// CHECK:             tensor.extract %[[NB]][%[[N]]]
// CHECK:             tensor.extract %[[X]][%[[ROW]], %{{.*}}]
// CHECK:             tensor.extract %[[NW]][%[[N]], %{{.*}}]
// CHECK:             arith.cmpf oge
// CHECK:             scf.yield %{{.*}} : index
// CHECK:           %[[LEAF:.*]] = arith.subi %[[NODE]], %c3 : index
//                  The selected leaf, in the same loop body.
// CHECK:           tensor.extract %[[B2]][%[[LEAF]], %{{.*}}]
// CHECK:           tensor.extract %[[B1]][%[[LEAF]], %{{.*}}]
// CHECK:           tensor.extract %[[W1]][%[[LEAF]], %{{.*}}, %{{.*}}]
// CHECK:           arith.maximumf
// CHECK:           tensor.extract %[[W2]][%[[LEAF]], %{{.*}}, %{{.*}}]
// CHECK:           scf.forall.in_parallel
// CHECK-NEXT:        tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[ROW]], 0] [1, 5] [1, 1]
// CHECK:         return %[[Y]]

// VEC-LABEL: func.func @leaf
//              Routing dot product: 2 vectors of 4 lanes, then 2 scalar steps.
// VEC:         scf.for %{{.*}} = %c0 to %c8 step %c4 iter_args(%{{.*}} = %{{.*}}) -> (vector<4xf32>)
// VEC:           vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<?x10xf32>, vector<4xf32>
// VEC:           vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<3x10xf32>, vector<4xf32>
// VEC:           vector.fma
//              The lanes summed as a tree: halves, then the last two lanes.
// VEC:         %[[LO:.*]] = vector.extract_strided_slice %[[ACC:.*]] {offsets = [0], sizes = [2], strides = [1]} : vector<4xf32> to vector<2xf32>
// VEC:         %[[HI:.*]] = vector.extract_strided_slice %[[ACC]] {offsets = [2], sizes = [2], strides = [1]}
// VEC:         %[[HALF:.*]] = arith.addf %[[LO]], %[[HI]] : vector<2xf32>
// VEC:         %[[L0:.*]] = vector.extract %[[HALF]][0]
// VEC:         %[[L1:.*]] = vector.extract %[[HALF]][1]
// VEC:         arith.addf %[[L0]], %[[L1]] : f32
// VEC:         scf.for %{{.*}} = %c8 to %c10 step %c1
//              Output row updates: one vector of 4 lanes and a scalar tail.
// VEC:         vector.transfer_write {{.*}} : vector<4xf32>, tensor<1x5xf32>

// ODD-LABEL: func.func @leaf
//              Six lanes halve once; the three left are summed in order.
// ODD:         %[[LO:.*]] = vector.extract_strided_slice %[[ACC:.*]] {offsets = [0], sizes = [3], strides = [1]} : vector<6xf32> to vector<3xf32>
// ODD:         %[[HI:.*]] = vector.extract_strided_slice %[[ACC]] {offsets = [3], sizes = [3], strides = [1]}
// ODD:         %[[HALF:.*]] = arith.addf %[[LO]], %[[HI]] : vector<3xf32>
// ODD:         vector.reduction <add>, %[[HALF]] : vector<3xf32> into f32

// BLOCK-LABEL: func.func @leaf
// BLOCK:         %[[NB:.*]] = arith.ceildivui %{{.*}}, %c8
// BLOCK:         scf.forall (%[[BLK:.*]]) in (%[[NB]])
// BLOCK:           %[[FIRST:.*]] = arith.muli %[[BLK]], %c8
// BLOCK:           %[[ROWS:.*]] = arith.minui %{{.*}}, %c8
// BLOCK:           tensor.extract_slice %{{.*}}[%[[FIRST]], 0] [%[[ROWS]], 5] [1, 1]
// BLOCK:           scf.for %[[I:.*]] = %c0 to %[[ROWS]] step %c1
// BLOCK:             tensor.extract_slice %{{.*}}[%[[I]], 0] [1, 5] [1, 1]
// BLOCK:             tensor.insert_slice
// BLOCK:           tensor.parallel_insert_slice %{{.*}}[%[[FIRST]], 0] [%[[ROWS]], 5] [1, 1]
func.func @leaf(%x: tensor<?x10xf32>, %nw: tensor<3x10xf32>, %nb: tensor<3xf32>,
                %w1: tensor<4x10x2xf32>, %b1: tensor<4x2xf32>,
                %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>,
                %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 2 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x10xf32>, tensor<3x10xf32>,
          tensor<3xf32>, tensor<4x10x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// -----

// The master leaf joins the same row loop: sigmoid(k) is computed once, before
// it, and both MLPs add into the row.

// CHECK-LABEL: func.func @master
// CHECK:         %[[K:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK:         math.exp
// CHECK:         %[[GATE:.*]] = arith.divf
// CHECK:         %[[REST:.*]] = arith.subf %{{.*}}, %[[GATE]]
// CHECK:         scf.forall
// CHECK:           arith.mulf %[[GATE]]
// CHECK:           arith.mulf %[[REST]]
func.func @master(%x: tensor<?x4xf32>, %nw: tensor<1x4xf32>, %nb: tensor<1xf32>,
                  %w1: tensor<2x4x2xf32>, %b1: tensor<2x2xf32>,
                  %w2: tensor<2x2x5xf32>, %b2: tensor<2x5xf32>,
                  %mw1: tensor<4x3xf32>, %mb1: tensor<3xf32>, %mw2: tensor<3x5xf32>,
                  %mb2: tensor<5xf32>, %k: tensor<f32>,
                  %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 1 activation silu tie gt
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x4xf32>, tensor<1x4xf32>,
          tensor<1xf32>, tensor<2x4x2xf32>, tensor<2x2xf32>, tensor<2x2x5xf32>, tensor<2x5xf32>)
      master(%mw1, %mb1, %mw2, %mb2, %k : tensor<4x3xf32>, tensor<3xf32>, tensor<3x5xf32>, tensor<5xf32>, tensor<f32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// -----

// Path neurons: per row and tree, the walk is unrolled level by level (the
// node of each level is a value), then the whole path's act(z) * w_out[node]
// terms go into the output row in one pass: the first tree writes the row
// without reading it, the second adds into it. With two trees, the tree loop
// of one iteration folds away.

// CHECK-LABEL: func.func @path
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x4xf32>, %[[W:[^:]*]]: tensor<14x4xf32>, %[[B:[^:]*]]: tensor<14xf32>, %[[WO:[^:]*]]: tensor<14x6xf32>, %[[INIT:[^:]*]]: tensor<?x6xf32>)
// CHECK:         scf.forall (%[[ROW:.*]]) in {{.*}} shared_outs(%[[OUT:.*]] = %[[INIT]])
// CHECK:           %[[SLICE:.*]] = tensor.extract_slice %[[OUT]][%[[ROW]], 0] [1, 6] [1, 1]
// Tree 0: the root, then the child that the root's logit picks ...
// CHECK:           tensor.extract %[[B]][%c0]
// CHECK:           %[[Z0:.*]] = scf.for {{.*}} -> (f32)
// CHECK:             tensor.extract %[[X]][%[[ROW]], %{{.*}}]
// CHECK:             tensor.extract %[[W]][%c0, %{{.*}}]
// CHECK:           %[[GO0:.*]] = arith.cmpf ogt, %[[Z0]]
// CHECK:           %[[R0:.*]] = arith.index_castui %[[GO0]]
// CHECK:           %[[N1:.*]] = arith.addi %[[R0]], %c1
// CHECK:           tensor.extract %[[B]][%[[N1]]]
// CHECK:           %[[Z1:.*]] = scf.for {{.*}} -> (f32)
// CHECK:             tensor.extract %[[W]][%[[N1]], %{{.*}}]
// ... and the third level's node.
// CHECK:           %[[GO1:.*]] = arith.cmpf ogt, %[[Z1]]
// CHECK:           %[[R1:.*]] = arith.index_castui %[[GO1]]
// CHECK:           arith.shli %[[N1]], %c1
// CHECK:           %[[N2:.*]] = arith.addi %{{.*}}, %[[R1]] : index
// CHECK:           %[[Z2:.*]] = scf.for {{.*}} -> (f32)
// CHECK:             tensor.extract %[[W]][%[[N2]], %{{.*}}]
// CHECK:           math.erf
// One pass over the row for the three nodes, writing without reading.
// CHECK:           %[[T0:.*]] = scf.for {{.*}} iter_args(%[[ACC0:.*]] = %[[SLICE]]) -> (tensor<1x6xf32>)
// CHECK-NOT:         tensor.extract %[[ACC0]]
// CHECK:             tensor.extract %[[WO]][%c0, %{{.*}}]
// CHECK:             tensor.extract %[[WO]][%[[N1]], %{{.*}}]
// CHECK:             tensor.extract %[[WO]][%[[N2]], %{{.*}}]
// CHECK:             tensor.insert %{{.*}} into %[[ACC0]]
// Tree 1 starts at node row 7 and adds into the row.
// CHECK:           tensor.extract %[[B]][%c7]
// CHECK:           %[[T1:.*]] = scf.for {{.*}} iter_args(%[[ACC1:.*]] = %[[T0]]) -> (tensor<1x6xf32>)
// CHECK:             tensor.extract %[[ACC1]]
// CHECK:             tensor.extract %[[WO]][%c7, %{{.*}}]
// CHECK:           scf.forall.in_parallel
// CHECK-NEXT:        tensor.parallel_insert_slice %[[T1]] into %[[OUT]][%[[ROW]], 0] [1, 6] [1, 1]

// walk-step=2: levels 0 and 1 are one step. The root's and both children's
// logits come from one loop over the row, each element of x loaded once for
// the three; the root's decision picks the child's logit (no dot product
// waits for it). Level 2 (depth 2: three levels) is a step of its own.
// BADSTEP: fff-fuse-routing: walk-step must be 1 or 2, got 3
// STEP2-LABEL: func.func @path
// STEP2:         scf.forall (%[[ROW:.*]]) in
// STEP2:           %[[B0:.*]] = tensor.extract %{{.*}}[%c0] : tensor<14xf32>
// STEP2:           %[[B1:.*]] = tensor.extract %{{.*}}[%c1] : tensor<14xf32>
// STEP2:           %[[B2:.*]] = tensor.extract %{{.*}}[%c2] : tensor<14xf32>
// STEP2:           %[[Z:.*]]:3 = scf.for {{.*}} iter_args(%{{.*}} = %[[B0]], %{{.*}} = %[[B1]], %{{.*}} = %[[B2]]) -> (f32, f32, f32)
// STEP2:             %[[XK:.*]] = tensor.extract %arg0[%[[ROW]], %{{.*}}]
// STEP2:             %[[W0:.*]] = tensor.extract %arg1[%c0, %{{.*}}]
// STEP2:             arith.mulf %[[XK]], %[[W0]]
// STEP2-NOT:         tensor.extract %arg0
// STEP2:             %[[W1:.*]] = tensor.extract %arg1[%c1, %{{.*}}]
// STEP2:             arith.mulf %[[XK]], %[[W1]]
// STEP2:             %[[W2:.*]] = tensor.extract %arg1[%c2, %{{.*}}]
// STEP2:             arith.mulf %[[XK]], %[[W2]]
// STEP2:           %[[GO:.*]] = arith.cmpf ogt, %[[Z]]#0
// STEP2:           %[[N1:.*]] = arith.addi %{{.*}}, %c1 : index
// STEP2:           %[[Z1:.*]] = arith.select %[[GO]], %[[Z]]#2, %[[Z]]#1 : f32
// STEP2:           %[[GO1:.*]] = arith.cmpf ogt, %[[Z1]]
// STEP2:           %[[R1:.*]] = arith.index_castui %[[GO1]]
// STEP2:           arith.shli %[[N1]], %c1
// STEP2:           %[[N2:.*]] = arith.addi %{{.*}}, %[[R1]] : index
// STEP2:           tensor.extract %{{.*}}[%[[N2]]] : tensor<14xf32>
// STEP2:           scf.for {{.*}} -> (f32)
// STEP2:             tensor.extract %arg1[%[[N2]], %{{.*}}]

// interleave=2: whole pairs of rows walk each tree together, each row with
// its own node; the dot products of the pair advance together, and at the
// root, where both rows are at the same node, they share each load of its
// weights. Both rows are then written, one after the other, into the pair's
// block: one tensor threaded through the writes (no per-row slices, which
// bufferization would copy), inserted back once. The odd row left runs alone.
// INTER-LABEL: func.func @path
// INTER: %[[PAIRS:.*]] = arith.divui %{{.*}}, %c2 : index
// INTER: %[[DONE:.*]] = scf.forall (%[[G:.*]]) in (%[[PAIRS]]) shared_outs(%[[OUT:.*]] = %{{.*}})
// INTER:   %[[R0:.*]] = arith.muli %[[G]], %c2 : index
// INTER:   %[[PAIR:.*]] = tensor.extract_slice %[[OUT]][%[[R0]], 0] [2, 6] [1, 1]
// INTER:   %[[R1:.*]] = arith.addi %[[R0]], %c1
// INTER-NOT: tensor.extract_slice
// INTER:   %[[X0:.*]] = vector.transfer_read %{{.*}}[%[[R0]], %c0]
// INTER:   %[[ROOT:.*]] = vector.transfer_read %{{.*}}[%c0, %c0]
// INTER:   vector.fma %[[X0]], %[[ROOT]]
// INTER:   %[[X1:.*]] = vector.transfer_read %{{.*}}[%[[R1]], %c0]
// INTER:   vector.fma %[[X1]], %[[ROOT]]
// INTER:   %[[W0:.*]] = vector.transfer_write %{{.*}}, %[[PAIR]][%c0, %c0]
// INTER:   %[[T0:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[W0]]) -> (tensor<2x6xf32>)
// INTER:   %[[W1:.*]] = vector.transfer_write %{{.*}}, %[[T0]][%c1, %c0]
// INTER:   scf.for {{.*}} iter_args(%{{.*}} = %[[W1]]) -> (tensor<2x6xf32>)
// INTER-NOT: tensor.insert_slice
// INTER:   scf.forall.in_parallel
// INTER-NEXT: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[R0]], 0] [2, 6] [1, 1]
// INTER: %[[REST:.*]] = arith.subi %{{.*}}, %{{.*}} : index
// INTER: scf.forall (%{{.*}}) in (%[[REST]]) shared_outs(%{{.*}} = %[[DONE]])
// VEC-LABEL: func.func @path
//              A tree's three activations are one vector op (GELU's erf is then
//              a polynomial, not three libm calls), each level's scale a lane.
// VEC:         %[[Z:.*]] = vector.from_elements %{{.*}}, %{{.*}}, %{{.*}} : vector<3xf32>
// VEC:         math.erf %{{.*}} : vector<3xf32>
// VEC:         %[[S0:.*]] = vector.extract %[[A:.*]][0] : f32 from vector<3xf32>
// VEC:         %[[S2:.*]] = vector.extract %[[A]][2] : f32 from vector<3xf32>
// VEC:         vector.broadcast %[[S0]] : f32 to vector<4xf32>
// VEC-NOT:     math.erf %{{.*}} : f32
func.func @path(%x: tensor<?x4xf32>, %w: tensor<14x4xf32>, %b: tensor<14xf32>,
                %wo: tensor<14x6xf32>, %init: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %y = fff.path_neuron trees 2 depth 2 activation gelu tie gt
      ins(%x, %w, %b, %wo : tensor<?x4xf32>, tensor<14x4xf32>, tensor<14xf32>, tensor<14x6xf32>)
      outs(%init : tensor<?x6xf32>)
  return %y : tensor<?x6xf32>
}

// BADVW: error: fff-fuse-routing: vector-width must be in [0, 64], got -1
// BIGVW: error: fff-fuse-routing: vector-width must be in [0, 64], got 1099511627776
// BADRB: error: fff-fuse-routing: row-block must be >= 1, got 0
// BADIL: error: fff-fuse-routing: interleave must be in [0, 16] (0 = chosen per layer), got 17
// BOTH: error: fff-fuse-routing: row-block and interleave cannot both be above 1
