// The shipped example layers parse, verify and survive canonicalization
// unchanged (no fff op there has anything to fold).
// RUN: fff-opt %fff_src_root/examples/leaf_mlp_master.mlir -canonicalize | FileCheck %s --check-prefix=LEAF
// RUN: fff-opt %fff_src_root/examples/path_neuron_2x2.mlir -canonicalize | FileCheck %s --check-prefix=PATH

// LEAF: func.func @layer(%[[X:.*]]: tensor<?x16xf32> {fff.name = "x"}) -> tensor<?x8xf32>
// LEAF: %[[Y:.*]] = fff.leaf_mlp depth 3 activation relu tie ge ins(%[[X]], {{.*}} : tensor<?x16xf32>, tensor<7x16xf32>, tensor<7xf32>, tensor<8x16x4xf32>, tensor<8x4xf32>, tensor<8x4x8xf32>, tensor<8x8xf32>) master({{.*}} : tensor<16x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<f32>)
// LEAF: return %[[Y]]

// PATH: fff.path_neuron trees 2 depth 2 activation gelu tie gt ins({{.*}} : tensor<?x16xf32>, tensor<14x16xf32>, tensor<14xf32>, tensor<14x16xf32>)
