// RUN: fff-opt %s --fff-group-rows="vector-width=4 rows=2 tile-rows=0" --canonicalize --cse --split-input-file | FileCheck %s
// RUN: fff-opt %s --fff-group-rows --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=TILE
// RUN: fff-opt %s --fff-group-rows="max-depth=1" --split-input-file | FileCheck %s --check-prefix=DEEP
// RUN: not fff-opt %s --fff-group-rows="rows=0" 2>&1 | FileCheck %s --check-prefix=BADROWS
// RUN: not fff-opt %s --fff-group-rows="vector-width=65" 2>&1 | FileCheck %s --check-prefix=BADVW
// RUN: not fff-opt %s --fff-cpu-pipeline="group-rows=17" 2>&1 | FileCheck %s --check-prefix=BADPIPE
// RUN: not fff-opt %s --fff-group-rows="split-level=-1" 2>&1 | FileCheck %s --check-prefix=BADSPLIT
// RUN: not fff-opt %s --fff-group-rows="walk-step=0" 2>&1 | FileCheck %s --check-prefix=BADSTEP
// RUN: not fff-opt %s --fff-cpu-pipeline="walk-step=3" 2>&1 | FileCheck %s --check-prefix=BADSTEPPIPE
// RUN: not fff-opt %s --fff-cpu-pipeline="group-rows=4 group-min-batch=-2" 2>&1 | FileCheck %s --check-prefix=BADMIN
// RUN: fff-opt %s --fff-group-rows="min-batch=64" --canonicalize --split-input-file | FileCheck %s --check-prefix=DISPATCH
// RUN: fff-opt %s --fff-group-rows="split-level=1" --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=SPLIT1
// RUN: fff-opt %s --fff-cpu-pipeline="group-rows=4 group-min-batch=0 out-params=true" --split-input-file | FileCheck %s --check-prefix=LLVM

// BADROWS: fff-group-rows: rows must be in [1, 16], got 0
// BADVW: fff-group-rows: vector-width must be in [0, 64], got 65
// BADPIPE: fff-cpu-pipeline: group-rows must be in [0, 16], got 17
// RUN: not fff-opt %s --fff-group-rows="tile-rows=-3" 2>&1 | FileCheck %s --check-prefix=BADTILE
// BADSPLIT: fff-group-rows: split-level must be >= 0, got -1
// BADSTEP: fff-group-rows: walk-step must be 1 or 2, got 0
// BADSTEPPIPE: fff-cpu-pipeline: walk-step must be 1 or 2, got 3
// BADTILE: fff-group-rows: tile-rows must be >= 0, got -3
// BADMIN: fff-cpu-pipeline: group-min-batch must be >= 0, got -2

// Route, sort the rows by leaf, then run each leaf's MLP over its rows,
// two at a time sharing every w1 load, and the rest one at a time.

// CHECK-LABEL: func.func @leaf
// CHECK-SAME:    (%[[X:.*]]: tensor<?x6xf32>, %[[NW:.*]]: tensor<3x6xf32>, %[[NB:.*]]: tensor<3xf32>, %[[W1:.*]]: tensor<4x6x2xf32>, %[[B1:.*]]: tensor<4x2xf32>, %[[W2:.*]]: tensor<4x2x5xf32>, %[[B2:.*]]: tensor<4x5xf32>
// 1. Each row's leaf.
// CHECK:       %[[LEAF:.*]] = fff.route depth 2 tie ge ins(%[[X]], %[[NW]], %[[NB]] : {{.*}}) outs(%{{.*}} : tensor<?xindex>)
// 2. Counting sort: counts, prefix sum, rows in leaf order.
// CHECK:       %[[TABLE:.*]] = linalg.fill ins(%{{.*}} : index) outs(%{{.*}} : tensor<6xindex>)
// CHECK:       %[[COUNTS:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[TABLE]]) -> (tensor<6xindex>)
// CHECK:         tensor.extract %[[LEAF]]
// CHECK:       %[[OFFSETS:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[COUNTS]]) -> (tensor<6xindex>)
// CHECK:       %[[SORT:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %[[OFFSETS]], %{{.*}} = %{{.*}}) -> (tensor<6xindex>, tensor<?xindex>)
// CHECK:       %[[STARTS:.*]] = tensor.extract_slice %[[OFFSETS]][0] [5] [1] : tensor<6xindex> to tensor<5xindex>
// 3. Per leaf: its group's bounds, then chunks of two rows.
// CHECK:       scf.for %[[E:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (tensor<?x5xf32>)
// CHECK:         %[[BEGIN:.*]] = tensor.extract %[[STARTS]][%[[E]]]
// CHECK:         %[[END:.*]] = tensor.extract %[[STARTS]][%{{.*}}]
// CHECK:         scf.for %[[P:.*]] = %[[BEGIN]] to %{{.*}} step %{{.*}} iter_args
// CHECK:           %[[R0:.*]] = tensor.extract %[[SORT]]#1[%{{.*}}]
// CHECK:           %[[R1:.*]] = tensor.extract %[[SORT]]#1[%{{.*}}]
// Each row is built in a tensor of its own, from the leaf's b2.
// CHECK:           bufferization.alloc_tensor() : tensor<1x5xf32>
// CHECK:           vector.transfer_read %[[B2]][%[[E]], %{{.*}}]
// CHECK:           bufferization.alloc_tensor() : tensor<1x5xf32>
// One load of the leaf's w1 serves both rows.
// CHECK:           scf.for {{.*}} -> (vector<2xf32>, vector<2xf32>) {
// CHECK:             %[[WV:.*]] = vector.transfer_read %[[W1]][%[[E]], %{{.*}}, %{{.*}}]
// CHECK:             tensor.extract %[[X]][%[[R0]], %{{.*}}]
// CHECK:             vector.fma %{{.*}}, %[[WV]], %{{.*}}
// CHECK:             tensor.extract %[[X]][%[[R1]], %{{.*}}]
// CHECK:             vector.fma %{{.*}}, %[[WV]], %{{.*}}
// CHECK-NOT:         vector.transfer_read %[[W1]]
// CHECK:           }
// CHECK:           vector.transfer_read %[[W2]][%[[E]]
// The rows go into the result.
// CHECK:           tensor.insert_slice %{{.*}} into %{{.*}}[%[[R0]], 0] [1, 5] [1, 1]
// CHECK:           tensor.insert_slice %{{.*}} into %{{.*}}[%[[R1]], 0] [1, 5] [1, 1]
// The group's last odd row alone.
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[END]] step
// CHECK:           bufferization.alloc_tensor() : tensor<1x5xf32>
// CHECK-NOT:     fff.leaf_mlp

// Deeper than max-depth: left to the other lowerings.
// DEEP-LABEL: func.func @leaf
// DEEP:         fff.leaf_mlp depth 2

// With min-batch, the grouped code runs for batches of 64 rows or more and
// the layer as it was (for fff-fuse-routing to lower) below that.
// DISPATCH-LABEL: func.func @leaf
// DISPATCH:       %[[N:.*]] = tensor.dim %arg0, %c0
// DISPATCH:       %[[LARGE:.*]] = arith.cmpi uge, %[[N]], %c64
// DISPATCH:       scf.if %[[LARGE]] -> (tensor<?x5xf32>) {
// DISPATCH:         fff.route
// DISPATCH-NOT:     fff.leaf_mlp
// DISPATCH:       } else {
// DISPATCH-NEXT:    %[[KEPT:.*]] = fff.leaf_mlp depth 2
// DISPATCH-NEXT:    scf.yield %[[KEPT]]

// The whole pipeline: scratch tensors (each row's leaf, the group table and
// its cursors, the rows in leaf order, a chunk's output rows) become
// buffers, each allocated once per call and freed before returning.
// LLVM-LABEL: llvm.func @leaf
// LLVM-COUNT-9: llvm.call @malloc
// LLVM-NOT:     llvm.call @malloc
// LLVM-COUNT-9: llvm.call @free
// LLVM-NOT:     llvm.call @malloc
// LLVM:         llvm.return
func.func @leaf(%x: tensor<?x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>,
                %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>,
                %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 2 activation gelu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x6xf32>, tensor<3x6xf32>, tensor<3xf32>,
          tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// -----

// A master leaf is one more group, of every row, after the leaves: each row
// is copied out of the result, gets (1 - s) * magic_b2 and the master's
// units, and goes back.

// CHECK-LABEL: func.func @master
// CHECK:       %[[S:.*]] = arith.divf
// CHECK:       %[[R:.*]] = arith.subf %{{.*}}, %[[S]]
// CHECK:       %[[LEAVES:.*]] = scf.for {{.*}} -> (tensor<?x5xf32>)
// CHECK:       scf.for {{.*}} iter_args(%[[Y:.*]] = %[[LEAVES]]) -> (tensor<?x5xf32>)
// CHECK:         tensor.extract_slice %[[Y]]
// CHECK:         arith.mulf %[[R]]
func.func @master(%x: tensor<?x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>,
                  %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>,
                  %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>,
                  %mw1: tensor<6x3xf32>, %mb1: tensor<3xf32>, %mw2: tensor<3x5xf32>,
                  %mb2: tensor<5xf32>, %k: tensor<f32>, %init: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %y = fff.leaf_mlp depth 2 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x6xf32>, tensor<3x6xf32>, tensor<3xf32>,
          tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>)
      master(%mw1, %mb1, %mw2, %mb2, %k : tensor<6x3xf32>, tensor<3xf32>, tensor<3x5xf32>, tensor<5xf32>, tensor<f32>)
      outs(%init : tensor<?x5xf32>)
  return %y : tensor<?x5xf32>
}

// -----

// Path neurons, tree by tree, cut at half their levels (depth 3: 4 levels,
// split at 2). 1. Every row walks the top two levels (unrolled), two rows
// at a time (rows=2) with their dot products interleaved, so that the
// root's weights are loaded once for both; each keeps act(z) of each level
// and the subtree root it reached, written into one block per group.
// CHECK-LABEL: func.func @path
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x4xf32>, %[[W:[^:]*]]: tensor<30x4xf32>, %[[B:[^:]*]]: tensor<30xf32>, %[[WO:[^:]*]]: tensor<30x6xf32>, %[[INIT:[^:]*]]: tensor<?x6xf32>)
// CHECK:       %[[ACTS0:.*]] = tensor.empty(%[[N:.*]]) : tensor<?x2xf32>
// CHECK:       %[[ROOTS0:.*]] = tensor.empty(%[[N]]) : tensor<?xindex>
// CHECK:       %[[GROUPS:.*]] = arith.divui %[[N]], %c2
// CHECK:       %[[GROUPED:.*]] = arith.muli %[[GROUPS]], %c2
// CHECK:       %[[REST:.*]] = arith.subi %[[N]], %[[GROUPED]]
// CHECK:       %[[TOPWHOLE:.*]]:2 = scf.forall (%[[G0:.*]]) in (%[[GROUPS]]) shared_outs(%{{.*}} = %[[ACTS0]], %{{.*}} = %[[ROOTS0]])
// CHECK:         %[[R0:.*]] = arith.muli %[[G0]], %c2
// CHECK:         %[[R1:.*]] = arith.addi %[[R0]], %c1
// CHECK:         tensor.extract %[[B]][%c0]
// CHECK:         %[[X0:.*]] = vector.transfer_read %[[X]][%[[R0]], %c0]
// CHECK-NEXT:    %[[W0:.*]] = vector.transfer_read %[[W]][%c0, %c0]
// CHECK-NEXT:    vector.fma %[[X0]], %[[W0]]
// CHECK-NEXT:    %[[X1:.*]] = vector.transfer_read %[[X]][%[[R1]], %c0]
// CHECK-NEXT:    vector.fma %[[X1]], %[[W0]]
// CHECK:         math.erf
// CHECK:         tensor.insert %{{.*}} into %{{.*}}[%c0, %c0] : tensor<2x2xf32>
// CHECK:         tensor.insert %{{.*}} into %{{.*}}[%c0, %c1] : tensor<2x2xf32>
// CHECK:         tensor.insert %{{.*}} into %{{.*}}[%c0] : tensor<2xindex>
// CHECK:         tensor.insert %{{.*}} into %{{.*}}[%c1] : tensor<2xindex>
// The row left over by an odd batch walks alone.
// CHECK:       %[[TOP:.*]]:2 = scf.forall (%{{.*}}) in (%[[REST]]) shared_outs(%{{.*}} = %[[TOPWHOLE]]#0, %{{.*}} = %[[TOPWHOLE]]#1)
// CHECK:         tensor.insert %{{.*}} into %{{.*}}[%c0, %c1] : tensor<1x2xf32>
// 2. A counting sort of the rows by subtree: four subtrees, roots 3 to 6.
// CHECK:       linalg.fill ins(%{{.*}} : index) outs(%{{.*}} : tensor<6xindex>)
// CHECK:       %[[SORT:.*]]:2 = scf.for {{.*}} -> (tensor<6xindex>, tensor<?xindex>)
// CHECK:         tensor.extract %[[TOP]]#1
// CHECK:         arith.subi %{{.*}}, %c3
// 3. In subtree order, two positions at a time likewise, the rows walk
// their subtrees (two levels) from their roots; by position in the order
// they keep act(z) per level and the node below the last.
// CHECK:       %[[WALK:.*]]:2 = scf.forall (%[[G:.*]]) in (%[[GROUPS]]) shared_outs(%[[BA:.*]] = %{{.*}}, %[[BE:.*]] = %{{.*}}) -> (tensor<?x2xf32>, tensor<?xindex>)
// CHECK:         %[[P0:.*]] = arith.muli %[[G]], %c2
// CHECK:         %[[ACTS2:.*]] = tensor.extract_slice %[[BA]][%[[P0]], 0] [2, 2] [1, 1]
// CHECK:         %[[ENDS2:.*]] = tensor.extract_slice %[[BE]][%[[P0]]] [2] [1]
// CHECK:         %[[ROW0:.*]] = tensor.extract %[[SORT]]#1[%[[P0]]]
// CHECK:         %[[ROOT0:.*]] = tensor.extract %[[TOP]]#1[%[[ROW0]]]
// CHECK:         %[[P1:.*]] = arith.addi %[[P0]], %c1
// CHECK:         %[[ROW1:.*]] = tensor.extract %[[SORT]]#1[%[[P1]]]
// CHECK:         %[[ROOT1:.*]] = tensor.extract %[[TOP]]#1[%[[ROW1]]]
// CHECK:         vector.transfer_read %[[X]][%[[ROW0]], %c0]
// CHECK-NEXT:    vector.transfer_read %[[W]][%[[ROOT0]], %c0]
// CHECK-NEXT:    vector.fma
// CHECK-NEXT:    vector.transfer_read %[[X]][%[[ROW1]], %c0]
// CHECK-NEXT:    vector.transfer_read %[[W]][%[[ROOT1]], %c0]
// CHECK:         tensor.insert %{{.*}} into %[[ACTS2]][%c0, %c0] : tensor<2x2xf32>
// CHECK:         tensor.insert %{{.*}} into %{{.*}}[%c0, %c1] : tensor<2x2xf32>
// CHECK:         tensor.insert %{{.*}} into %[[ENDS2]][%c0] : tensor<2xindex>
// CHECK:         tensor.insert %{{.*}} into %{{.*}}[%c1, %c1] : tensor<2x2xf32>
// CHECK:         tensor.insert %{{.*}} into %{{.*}}[%c1] : tensor<2xindex>
// CHECK:         scf.forall.in_parallel
// CHECK-NEXT:      tensor.parallel_insert_slice %{{.*}} into %[[BA]][%[[P0]], 0] [2, 2] [1, 1]
// CHECK-NEXT:      tensor.parallel_insert_slice %{{.*}} into %[[BE]][%[[P0]]] [2] [1]
// The position left over by an odd batch walks alone.
// CHECK:       %[[BELOW:.*]]:2 = scf.forall (%[[Q:.*]]) in (%[[REST]]) shared_outs(%{{.*}} = %[[WALK]]#0, %{{.*}} = %[[WALK]]#1)
// CHECK:         arith.addi %[[GROUPED]], %[[Q]]
// CHECK:         tensor.extract_slice %{{.*}} [1, 2] [1, 1]
// 4. In the same order, each row writes its output row once. Its path is
// the ancestors of the node below its last (levels 3, 2, 1, then the
// root), with act(z) read back from both halves, in one pass that does not
// read the row first.
// CHECK:       %[[T0:.*]] = scf.forall (%[[P:.*]]) in (%[[N]]) shared_outs(%[[Y:.*]] = %[[INIT]])
// CHECK:         %[[ROW:.*]] = tensor.extract %[[SORT]]#1[%[[P]]]
// CHECK:         %[[END:.*]] = tensor.extract %[[BELOW]]#1[%[[P]]]
// CHECK:         %[[END1:.*]] = arith.subi %[[END]], %c1
// CHECK:         %[[N3:.*]] = arith.shrui %[[END1]], %c1
// CHECK:         tensor.extract %[[BELOW]]#0[%[[P]], %c1]
// CHECK:         %[[N2:.*]] = arith.shrui %{{.*}}, %c1
// CHECK:         tensor.extract %[[BELOW]]#0[%[[P]], %c0]
// CHECK:         %[[N1:.*]] = arith.shrui %{{.*}}, %c1
// CHECK:         tensor.extract %[[TOP]]#0[%[[ROW]], %c1]
// CHECK:         tensor.extract %[[TOP]]#0[%[[ROW]], %c0]
// CHECK:         %[[SLICE:.*]] = tensor.extract_slice %[[Y]][%[[ROW]], 0] [1, 6] [1, 1]
// CHECK-NOT:     vector.transfer_read %[[SLICE]]
// CHECK:         vector.transfer_read %[[WO]][%c0, %c0]
// CHECK:         vector.transfer_read %[[WO]][%[[N1]], %c0]
// CHECK:         vector.transfer_read %[[WO]][%[[N2]], %c0]
// CHECK:         vector.transfer_read %[[WO]][%[[N3]], %c0]
// CHECK:         vector.transfer_write %{{.*}}, %[[SLICE]]
// CHECK:         scf.forall.in_parallel
// CHECK-NEXT:      tensor.parallel_insert_slice %{{.*}} into %[[Y]][%[[ROW]], 0] [1, 6] [1, 1]
// The second tree (node rows 15 to 29) adds into the rows the first wrote.
// CHECK:       scf.forall
// CHECK:         tensor.extract %[[B]][%c15]
// CHECK:       scf.forall {{.*}} shared_outs(%[[Y1:.*]] = %[[T0]])
// CHECK:         %[[SLICE1:.*]] = tensor.extract_slice %[[Y1]]
// CHECK:         vector.transfer_read %[[SLICE1]]
// CHECK-NOT:   fff.path_neuron

// With several trees, by default the batch goes 1024 rows at a time: both
// trees over one tile of rows (their inputs and outputs stay in cache from
// one tree to the next), then the next tile; the walks take the tile's
// rows four at a time (rows=4 by default).
// TILE-LABEL: func.func @path
// TILE-SAME:    (%[[X:[^:]*]]: tensor<?x4xf32>, {{.*}}, %[[INIT:[^:]*]]: tensor<?x6xf32>)
// TILE:         %[[B:.*]] = tensor.dim %[[X]], %c0
// TILE:         scf.for %[[FIRST:.*]] = %c0 to %[[B]] step %c1024 iter_args(%[[Y:.*]] = %[[INIT]])
// TILE:           %[[LEFT:.*]] = arith.subi %[[B]], %[[FIRST]]
// TILE:           %[[N:.*]] = arith.minui %[[LEFT]], %c1024
// TILE:           %[[XS:.*]] = tensor.extract_slice %[[X]][%[[FIRST]], 0] [%[[N]], 4] [1, 1]
// TILE:           %[[YS:.*]] = tensor.extract_slice %[[Y]][%[[FIRST]], 0] [%[[N]], 6] [1, 1]
// TILE:           %[[G:.*]] = arith.divui %[[N]], %c4
// TILE:           scf.forall (%{{.*}}) in (%[[G]])
// TILE:             tensor.extract %[[XS]][
// TILE:           %[[T0:.*]] = scf.forall (%{{.*}}) in (%[[N]]) shared_outs(%{{.*}} = %[[YS]])
// TILE:           scf.forall (%{{.*}}) in (%[[G]])
// TILE:           %[[T1:.*]] = scf.forall (%{{.*}}) in (%[[N]]) shared_outs(%{{.*}} = %[[T0]])
// TILE:           tensor.insert_slice %[[T1]] into %[[Y]][%[[FIRST]], 0] [%[[N]], 6] [1, 1]

// split-level=1: one level above the cut, subtrees of three levels.
// SPLIT1-LABEL: func.func @path
// SPLIT1:       tensor.empty(%{{.*}}) : tensor<?x1xf32>
// SPLIT1:       linalg.fill ins(%{{.*}} : index) outs(%{{.*}} : tensor<4xindex>)

// Path neurons likewise, for both trees: the top levels' activations, the
// subtree roots, the group table, the rows in subtree order, and the
// activations and last nodes below the cut (by position in that order).
// LLVM-LABEL: llvm.func @path
// LLVM-COUNT-10: llvm.call @malloc
// LLVM-NOT:     llvm.call @malloc
// LLVM-COUNT-6: llvm.call @free
// LLVM-NOT:     llvm.call @malloc
// LLVM:         llvm.return

func.func @path(%x: tensor<?x4xf32>, %w: tensor<30x4xf32>, %b: tensor<30xf32>,
                %wo: tensor<30x6xf32>, %init: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %y = fff.path_neuron trees 2 depth 3 activation gelu tie gt
      ins(%x, %w, %b, %wo : tensor<?x4xf32>, tensor<30x4xf32>, tensor<30xf32>, tensor<30x6xf32>)
      outs(%init : tensor<?x6xf32>)
  return %y : tensor<?x6xf32>
}

// -----

// Rows of no input columns, several trees, in tiles of rows: the tile of x
// is an empty tensor (an extract_slice at column 0 of a 0-wide tensor does
// not verify); each walk step reads only the node's bias.
// TILE-LABEL: func.func @no_input_columns
// TILE-NOT:     tensor.extract_slice %arg0
// TILE:         scf.for
// TILE-NOT:     tensor.extract_slice %arg0
// TILE:         tensor.extract %arg2
// TILE-NOT:     fff.path_neuron
func.func @no_input_columns(%x: tensor<?x0xf32>, %w: tensor<30x0xf32>, %b: tensor<30xf32>,
                            %wo: tensor<30x6xf32>, %init: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %y = fff.path_neuron trees 2 depth 3 activation gelu tie gt
      ins(%x, %w, %b, %wo : tensor<?x0xf32>, tensor<30x0xf32>, tensor<30xf32>, tensor<30x6xf32>)
      outs(%init : tensor<?x6xf32>)
  return %y : tensor<?x6xf32>
}
