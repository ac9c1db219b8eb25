// RUN: fff-opt %s --convert-fff-to-gpu --fff-gpu-expand-math --split-input-file | FileCheck %s
// RUN: fff-opt %s --convert-fff-to-gpu="warps-per-block=8" --fff-gpu-expand-math --split-input-file | FileCheck %s --check-prefix=W8
// RUN: fff-opt %s --convert-fff-to-gpu="emulate-on-host=true" --fff-gpu-expand-math --split-input-file | FileCheck %s --check-prefix=HOST

// One gpu.launch per layer: a warp (32 lanes, thread x) per row, 4 rows
// (thread y) per block; the operands are read-only buffers, the result a
// fresh buffer read back as a tensor after the launch.

// CHECK-LABEL: func.func @path
// CHECK-SAME:    (%[[X:.*]]: tensor<?x16xf32>, %[[WIN:.*]]: tensor<14x16xf32>, %[[BIN:.*]]: tensor<14xf32>, %[[WOUT:.*]]: tensor<14x12xf32>
// CHECK-DAG:   %[[XB:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<?x16xf32> to memref<?x16xf32, strided<[?, ?], offset: ?>>
// CHECK-DAG:   %[[WINB:.*]] = bufferization.to_buffer %[[WIN]] read_only
// CHECK-DAG:   %[[BINB:.*]] = bufferization.to_buffer %[[BIN]] read_only
// CHECK-DAG:   %[[WOUTB:.*]] = bufferization.to_buffer %[[WOUT]] read_only
// CHECK:       %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x12xf32>
// CHECK:       %[[ROWS:.*]] = memref.dim %[[XB]], %{{.*}}
// CHECK:       %[[PER:.*]] = arith.constant 4 : index
// CHECK:       %[[BLOCKS:.*]] = arith.ceildivui %[[ROWS]], %[[PER]] : index
// CHECK:       %[[C32:.*]] = arith.constant 32 : index
// CHECK:       gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCKS]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[LANE:.*]], %[[TY:.*]], %{{.*}}) in (%{{.*}} = %[[C32]], %{{.*}} = %[[PER]], %{{.*}} = %{{.*}})
// CHECK:         %[[BASE:.*]] = arith.muli %[[BX]], %[[PER]]
// CHECK:         %[[ROW:.*]] = arith.addi %[[BASE]], %[[TY]]
// CHECK:         %[[IN:.*]] = arith.cmpi ult, %[[ROW]], %[[ROWS]]
// CHECK:         scf.if %[[IN]] {
// The lane zeroes its columns of the row (every 32nd, starting at its own).
// CHECK:           scf.for %[[C:.*]] = %[[LANE]] to %{{.*}} step %{{.*}} {
// CHECK:             memref.store %{{.*}}, %[[OUT]][%[[ROW]], %[[C]]]
// Trees, then levels carrying the node.
// CHECK:           scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step
// CHECK:             %[[TBASE:.*]] = arith.muli %[[T]], %{{.*}}
// CHECK:             scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[N:.*]] = %{{.*}}) -> (index) {
// CHECK:               %[[NODE:.*]] = arith.addi %[[TBASE]], %[[N]]
// The lane's share of the dot product, coalesced across the warp ...
// CHECK:               %[[PART:.*]] = scf.for %[[I:.*]] = %[[LANE]] to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32) {
// CHECK:                 memref.load %[[XB]][%[[ROW]], %[[I]]]
// CHECK:                 memref.load %[[WINB]][%[[NODE]], %[[I]]]
// ... summed over the warp by a butterfly that leaves the total in every lane.
// CHECK:               %[[S16:.*]], %{{.*}} = gpu.shuffle xor %[[PART]], %{{.*}}, %{{.*}} : f32
// CHECK:               %[[A16:.*]] = arith.addf %[[PART]], %[[S16]]
// CHECK-COUNT-4:       gpu.shuffle xor
// CHECK:               %[[B:.*]] = memref.load %[[BINB]][%[[NODE]]]
// CHECK:               %[[Z:.*]] = arith.addf %{{.*}}, %[[B]]
// gelu, with erf as a polynomial of LLVM fmas (no libdevice call).
// CHECK-NOT:           math.
// CHECK:               llvm.intr.fma
// CHECK-NOT:           math.
// The node's output row is added into the lane's columns.
// CHECK:               scf.for %[[C2:.*]] = %[[LANE]] to %{{.*}} step %{{.*}} {
// CHECK:                 memref.load %[[OUT]][%[[ROW]], %[[C2]]]
// CHECK:                 memref.load %[[WOUTB]][%[[NODE]], %[[C2]]]
// CHECK:                 memref.store %{{.*}}, %[[OUT]][%[[ROW]], %[[C2]]]
// Tie rule gt: ordered, so NaN goes left.
// CHECK:               arith.cmpf ogt, %[[Z]]
// CHECK:         gpu.terminator
// CHECK:       %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:       return %[[R]]

// W8-LABEL: func.func @path
// W8:         arith.constant 8 : index
// W8:         gpu.launch

// On the host: the same body (the same erf polynomial too) in a parallel
// loop over rows, one lane and no shuffles.
// HOST-LABEL: func.func @path
// HOST-NOT:   gpu.
// HOST:       scf.forall (%[[ROW:.*]]) in
// HOST-NOT:   gpu.
// HOST-NOT:   math.erf
// HOST:       llvm.intr.fma
// HOST-NOT:   math.erf
// HOST:       bufferization.to_tensor
func.func @path(%x: tensor<?x16xf32>, %w_in: tensor<14x16xf32>, %b_in: tensor<14xf32>,
                %w_out: tensor<14x12xf32>, %init: tensor<?x12xf32>) -> tensor<?x12xf32> {
  %y = fff.path_neuron trees 2 depth 2 activation gelu tie gt
      ins(%x, %w_in, %b_in, %w_out : tensor<?x16xf32>, tensor<14x16xf32>, tensor<14xf32>, tensor<14x12xf32>)
      outs(%init : tensor<?x12xf32>)
  return %y : tensor<?x12xf32>
}

// -----

// Leaf-MLP with a master leaf: walk, then the output row starts as
// s * b2[leaf] + (1 - s) * magic_b2, and each hidden unit of the leaf
// (scaled by s) and of the master (scaled by 1 - s) adds its w2 row.

// CHECK-LABEL: func.func @leaf
// CHECK:       gpu.launch
// CHECK:         %[[LEAFNODE:.*]] = scf.for {{.*}} iter_args({{.*}}) -> (index) {
// CHECK:           gpu.shuffle xor
// CHECK:           arith.cmpf oge
// CHECK:         }
// CHECK:         %[[LEAF:.*]] = arith.subi %[[LEAFNODE]], %{{.*}} : index
// CHECK:         %[[K:.*]] = memref.load %{{.*}}[] : memref<f32, strided<[], offset: ?>>
// CHECK:         %[[S:.*]] = arith.divf
// CHECK:         %[[R:.*]] = arith.subf %{{.*}}, %[[S]]
// CHECK:         scf.for
// CHECK:           memref.load %{{.*}}[%[[LEAF]], %{{.*}}] : memref<4x5xf32
// CHECK:           arith.mulf %[[S]]
// CHECK:           arith.mulf %[[R]]
// CHECK:         scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step
// CHECK:           memref.load %{{.*}}[%[[LEAF]], %{{.*}}, %[[J]]] : memref<4x6x2xf32
// CHECK:           arith.maximumf
// CHECK:           arith.mulf %[[S]]
// CHECK:           memref.load %{{.*}}[%[[LEAF]], %[[J]], %{{.*}}] : memref<4x2x5xf32
// CHECK:         scf.for %[[MJ:.*]] = %{{.*}} to %{{.*}} step
// CHECK:           memref.load %{{.*}}[%{{.*}}, %[[MJ]]] : memref<6x3xf32
// CHECK:           arith.mulf %[[R]]
// CHECK:           memref.load %{{.*}}[%[[MJ]], %{{.*}}] : memref<3x5xf32
func.func @leaf(%x: tensor<?x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>,
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
