// Round trip of every op in custom form, and through the generic form.
// RUN: fff-opt %s | fff-opt | FileCheck %s
// RUN: fff-opt %s --mlir-print-op-generic | fff-opt | FileCheck %s
// RUN: fff-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func @route
// CHECK-SAME: (%[[X:.*]]: tensor<?x16xf32>, %[[W:.*]]: tensor<7x16xf32>, %[[B:.*]]: tensor<7xf32>, %[[I:.*]]: tensor<?xi32>)
// CHECK: %[[R:.*]] = fff.route depth 3 tie ge ins(%[[X]], %[[W]], %[[B]] : tensor<?x16xf32>, tensor<7x16xf32>, tensor<7xf32>) outs(%[[I]] : tensor<?xi32>)
// CHECK: return %[[R]]
// GENERIC-LABEL: sym_name = "route"
// GENERIC: "fff.route"(%{{.*}}) <{depth = 3 : i64, tie = #fff<tie ge>}>
func.func @route(%x: tensor<?x16xf32>, %w: tensor<7x16xf32>, %b: tensor<7xf32>,
                 %init: tensor<?xi32>) -> tensor<?xi32> {
  %leaf = fff.route depth 3 tie ge
      ins(%x, %w, %b : tensor<?x16xf32>, tensor<7x16xf32>, tensor<7xf32>)
      outs(%init : tensor<?xi32>)
  return %leaf : tensor<?xi32>
}

// Depth 0 has no nodes; index and bf16 element types.
// CHECK-LABEL: func @route_depth0_index
// CHECK: fff.route depth 0 tie gt ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<4x3xbf16>, tensor<0x3xbf16>, tensor<0xbf16>) outs(%{{.*}} : tensor<4xindex>)
func.func @route_depth0_index(%x: tensor<4x3xbf16>, %w: tensor<0x3xbf16>, %b: tensor<0xbf16>,
                              %init: tensor<4xindex>) -> tensor<4xindex> {
  %leaf = fff.route depth 0 tie gt
      ins(%x, %w, %b : tensor<4x3xbf16>, tensor<0x3xbf16>, tensor<0xbf16>)
      outs(%init : tensor<4xindex>)
  return %leaf : tensor<4xindex>
}

// CHECK-LABEL: func @route_path
// CHECK: %[[N:.*]], %[[L:.*]] = fff.route_path trees 2 depth 2 tie gt ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<?x5xf32>, tensor<14x5xf32>, tensor<14xf32>) outs(%{{.*}}, %{{.*}} : tensor<?x6xi64>, tensor<?x6xf32>)
// CHECK: return %[[N]], %[[L]]
// GENERIC: "fff.route_path"(%{{.*}}) <{depth = 2 : i64, tie = #fff<tie gt>, trees = 2 : i64}>
func.func @route_path(%x: tensor<?x5xf32>, %w: tensor<14x5xf32>, %b: tensor<14xf32>,
                      %n0: tensor<?x6xi64>, %l0: tensor<?x6xf32>)
    -> (tensor<?x6xi64>, tensor<?x6xf32>) {
  %nodes, %logits = fff.route_path trees 2 depth 2 tie gt
      ins(%x, %w, %b : tensor<?x5xf32>, tensor<14x5xf32>, tensor<14xf32>)
      outs(%n0, %l0 : tensor<?x6xi64>, tensor<?x6xf32>)
  return %nodes, %logits : tensor<?x6xi64>, tensor<?x6xf32>
}

// CHECK-LABEL: func @cmm_one_index
// CHECK: fff.cmm ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<8x16x4xf32>, tensor<?xi32>) bias(%{{.*}} : tensor<8x4xf32>) outs(%{{.*}} : tensor<?x4xf32>)
func.func @cmm_one_index(%x: tensor<?x16xf32>, %bank: tensor<8x16x4xf32>, %idx: tensor<?xi32>,
                         %bias: tensor<8x4xf32>, %acc: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = fff.cmm ins(%x, %bank, %idx : tensor<?x16xf32>, tensor<8x16x4xf32>, tensor<?xi32>)
               bias(%bias : tensor<8x4xf32>) outs(%acc : tensor<?x4xf32>)
  return %y : tensor<?x4xf32>
}

// Several indices per row, no bias (the path-neuron output step).
// CHECK-LABEL: func @cmm_multi_index
// CHECK: fff.cmm ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<?x12x1xf32>, tensor<4095x1x768xf32>, tensor<?x12xi32>) outs(%{{.*}} : tensor<?x768xf32>)
// CHECK-NOT: bias
// GENERIC: "fff.cmm"(%{{.*}}) : (tensor<?x12x1xf32>, tensor<4095x1x768xf32>, tensor<?x12xi32>, tensor<?x768xf32>) -> tensor<?x768xf32>
func.func @cmm_multi_index(%a: tensor<?x12x1xf32>, %bank: tensor<4095x1x768xf32>,
                           %idx: tensor<?x12xi32>, %acc: tensor<?x768xf32>) -> tensor<?x768xf32> {
  %y = fff.cmm ins(%a, %bank, %idx : tensor<?x12x1xf32>, tensor<4095x1x768xf32>, tensor<?x12xi32>)
               outs(%acc : tensor<?x768xf32>)
  return %y : tensor<?x768xf32>
}

// CHECK-LABEL: func @leaf_mlp
// CHECK: fff.leaf_mlp depth 1 activation relu tie ge ins({{.*}} : tensor<?x784xf32>, tensor<1x784xf32>, tensor<1xf32>, tensor<2x784x8xf32>, tensor<2x8xf32>, tensor<2x8x10xf32>, tensor<2x10xf32>) outs(%{{.*}} : tensor<?x10xf32>)
// CHECK-NOT: master
func.func @leaf_mlp(%x: tensor<?x784xf32>, %nw: tensor<1x784xf32>, %nb: tensor<1xf32>,
                    %w1: tensor<2x784x8xf32>, %b1: tensor<2x8xf32>, %w2: tensor<2x8x10xf32>,
                    %b2: tensor<2x10xf32>, %init: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %y = fff.leaf_mlp depth 1 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x784xf32>, tensor<1x784xf32>, tensor<1xf32>,
          tensor<2x784x8xf32>, tensor<2x8xf32>, tensor<2x8x10xf32>, tensor<2x10xf32>)
      outs(%init : tensor<?x10xf32>)
  return %y : tensor<?x10xf32>
}

// The result type is init's even though the master operands come first.
// CHECK-LABEL: func @leaf_mlp_master
// CHECK: %[[Y:.*]] = fff.leaf_mlp depth 2 activation gelu_tanh tie gt ins({{.*}}) master(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<6x8xf16>, tensor<8xf16>, tensor<8x5xf16>, tensor<5xf16>, tensor<f16>) outs(%{{.*}} : tensor<3x5xf16>)
// CHECK: return %[[Y]] : tensor<3x5xf16>
func.func @leaf_mlp_master(%x: tensor<3x6xf16>, %nw: tensor<3x6xf16>, %nb: tensor<3xf16>,
                           %w1: tensor<4x6x2xf16>, %b1: tensor<4x2xf16>, %w2: tensor<4x2x5xf16>,
                           %b2: tensor<4x5xf16>, %mw1: tensor<6x8xf16>, %mb1: tensor<8xf16>,
                           %mw2: tensor<8x5xf16>, %mb2: tensor<5xf16>, %k: tensor<f16>,
                           %init: tensor<3x5xf16>) -> tensor<3x5xf16> {
  %y = fff.leaf_mlp depth 2 activation gelu_tanh tie gt
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<3x6xf16>, tensor<3x6xf16>, tensor<3xf16>,
          tensor<4x6x2xf16>, tensor<4x2xf16>, tensor<4x2x5xf16>, tensor<4x5xf16>)
      master(%mw1, %mb1, %mw2, %mb2, %k : tensor<6x8xf16>, tensor<8xf16>, tensor<8x5xf16>,
             tensor<5xf16>, tensor<f16>)
      outs(%init : tensor<3x5xf16>)
  return %y : tensor<3x5xf16>
}

// CHECK-LABEL: func @path_neuron
// CHECK: fff.path_neuron trees 1 depth 11 activation gelu tie gt ins({{.*}} : tensor<?x768xf32>, tensor<4095x768xf32>, tensor<4095xf32>, tensor<4095x768xf32>) outs(%{{.*}} : tensor<?x768xf32>)
// GENERIC: "fff.path_neuron"(%{{.*}}) <{activation = #fff<activation gelu>, depth = 11 : i64, tie = #fff<tie gt>, trees = 1 : i64}>
func.func @path_neuron(%x: tensor<?x768xf32>, %w: tensor<4095x768xf32>, %b: tensor<4095xf32>,
                       %wo: tensor<4095x768xf32>, %init: tensor<?x768xf32>) -> tensor<?x768xf32> {
  %y = fff.path_neuron trees 1 depth 11 activation gelu tie gt
      ins(%x, %w, %b, %wo : tensor<?x768xf32>, tensor<4095x768xf32>, tensor<4095xf32>, tensor<4095x768xf32>)
      outs(%init : tensor<?x768xf32>)
  return %y : tensor<?x768xf32>
}

// Every activation, dynamic weight shapes, several trees.
// CHECK-LABEL: func @path_neuron_dynamic
// CHECK-COUNT-5: fff.path_neuron trees 3 depth 0 activation {{relu|gelu|gelu_tanh|silu|identity}} tie ge
func.func @path_neuron_dynamic(%x: tensor<?x?xf32>, %w: tensor<?x?xf32>, %b: tensor<?xf32>,
                               %wo: tensor<?x?xf32>, %init: tensor<?x?xf32>) {
  %0 = fff.path_neuron trees 3 depth 0 activation relu tie ge
      ins(%x, %w, %b, %wo : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>) outs(%init : tensor<?x?xf32>)
  %1 = fff.path_neuron trees 3 depth 0 activation gelu tie ge
      ins(%x, %w, %b, %wo : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>) outs(%init : tensor<?x?xf32>)
  %2 = fff.path_neuron trees 3 depth 0 activation gelu_tanh tie ge
      ins(%x, %w, %b, %wo : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>) outs(%init : tensor<?x?xf32>)
  %3 = fff.path_neuron trees 3 depth 0 activation silu tie ge
      ins(%x, %w, %b, %wo : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>) outs(%init : tensor<?x?xf32>)
  %4 = fff.path_neuron trees 3 depth 0 activation identity tie ge
      ins(%x, %w, %b, %wo : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>) outs(%init : tensor<?x?xf32>)
  return
}
