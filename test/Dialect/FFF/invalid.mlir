// Every verifier rule of the fff ops has a negative case here, plus malformed
// IR that must give a diagnostic (never a crash).
// RUN: fff-opt %s -split-input-file -verify-diagnostics

// route: depth must be non-negative
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf32>, %b: tensor<7xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{attribute 'depth' failed to satisfy constraint}}
  %0 = fff.route depth -1 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<7x16xf32>, tensor<7xf32>) outs(%i : tensor<4xi32>)
  return
}

// -----

// route: depth at most 61
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf32>, %b: tensor<7xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{attribute 'depth' failed to satisfy constraint}}
  %0 = fff.route depth 62 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<7x16xf32>, tensor<7xf32>) outs(%i : tensor<4xi32>)
  return
}

// -----

// route: input must be rank 2
func.func @f(%x: tensor<16xf32>, %w: tensor<7x16xf32>, %b: tensor<7xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be 2D tensor}}
  %0 = fff.route depth 3 tie ge ins(%x, %w, %b : tensor<16xf32>, tensor<7x16xf32>, tensor<7xf32>) outs(%i : tensor<4xi32>)
  return
}

// -----

// route: node_biases must be rank 1
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf32>, %b: tensor<7x1xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{operand #2 must be 1D tensor}}
  %0 = fff.route depth 3 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<7x16xf32>, tensor<7x1xf32>) outs(%i : tensor<4xi32>)
  return
}

// -----

// route: value element types must match
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf16>, %b: tensor<7xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{failed to verify that all of {input, node_weights, node_biases} have same element type}}
  %0 = fff.route depth 3 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<7x16xf16>, tensor<7xf32>) outs(%i : tensor<4xi32>)
  return
}

// -----

// route: values must be floats
func.func @f(%x: tensor<4x16xi32>, %w: tensor<7x16xi32>, %b: tensor<7xi32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be 2D tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = fff.route depth 3 tie ge ins(%x, %w, %b : tensor<4x16xi32>, tensor<7x16xi32>, tensor<7xi32>) outs(%i : tensor<4xi32>)
  return
}

// -----

// route: indices must be integers
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf32>, %b: tensor<7xf32>, %i: tensor<4xf32>) {
  // expected-error @+1 {{operand #3 must be 1D tensor of signless integer or index values}}
  %0 = fff.route depth 3 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<7x16xf32>, tensor<7xf32>) outs(%i : tensor<4xf32>)
  return
}

// -----

// route: node count 2^depth - 1
func.func @f(%x: tensor<4x16xf32>, %w: tensor<8x16xf32>, %b: tensor<7xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{'node_weights' dimension 0 must be 7 (2^depth - 1 nodes), but got 8 in 'tensor<8x16xf32>'}}
  %0 = fff.route depth 3 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<8x16xf32>, tensor<7xf32>) outs(%i : tensor<4xi32>)
  return
}

// -----

// route: bias count 2^depth - 1
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf32>, %b: tensor<6xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{'node_biases' dimension 0 must be 7 (2^depth - 1 nodes), but got 6}}
  %0 = fff.route depth 3 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<7x16xf32>, tensor<6xf32>) outs(%i : tensor<4xi32>)
  return
}

// -----

// route: node width matches input
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x15xf32>, %b: tensor<7xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{'node_weights' dimension 1 must be 16 (feature width, dimension 1 of 'input'), but got 15}}
  %0 = fff.route depth 3 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<7x15xf32>, tensor<7xf32>) outs(%i : tensor<4xi32>)
  return
}

// -----

// route: one index per row
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf32>, %b: tensor<7xf32>, %i: tensor<5xi32>) {
  // expected-error @+1 {{'init' dimension 0 must be 4 (batch, dimension 0 of 'input'), but got 5}}
  %0 = fff.route depth 3 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<7x16xf32>, tensor<7xf32>) outs(%i : tensor<5xi32>)
  return
}

// -----

// route: index type holds every leaf
func.func @f(%x: tensor<4x16xf32>, %w: tensor<255x16xf32>, %b: tensor<255xf32>, %i: tensor<4xi8>) {
  // expected-error @+1 {{'init' element type 'i8' cannot hold index 255}}
  %0 = fff.route depth 8 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<255x16xf32>, tensor<255xf32>) outs(%i : tensor<4xi8>)
  return
}

// -----

// route: unknown tie rule
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf32>, %b: tensor<7xf32>, %i: tensor<4xi32>) {
  // expected-error @+2 {{expected ::mlir::fff::TieRule to be one of: ge, gt}}
  // expected-error @+1 {{failed to parse FFF_TieRuleAttr}}
  %0 = fff.route depth 3 tie eq ins(%x, %w, %b : tensor<4x16xf32>, tensor<7x16xf32>, tensor<7xf32>) outs(%i : tensor<4xi32>)
  return
}

// -----

// route: i0 indices hold only leaf 0
func.func @f(%x: tensor<4x16xf32>, %w: tensor<1x16xf32>, %b: tensor<1xf32>, %i: tensor<4xi0>) {
  // expected-error @+1 {{'init' element type 'i0' cannot hold index 1}}
  %0 = fff.route depth 1 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<1x16xf32>, tensor<1xf32>) outs(%i : tensor<4xi0>)
  return
}

// -----

// route: i1 cannot hold leaf 1 (read as a signed value it is -1)
func.func @f(%x: tensor<4x16xf32>, %w: tensor<1x16xf32>, %b: tensor<1xf32>, %i: tensor<4xi1>) {
  // expected-error @+1 {{'init' element type 'i1' cannot hold index 1}}
  %0 = fff.route depth 1 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<1x16xf32>, tensor<1xf32>) outs(%i : tensor<4xi1>)
  return
}

// -----

// route_path: at least one tree
func.func @f(%x: tensor<4x5xf32>, %w: tensor<14x5xf32>, %b: tensor<14xf32>, %n: tensor<4x6xi32>, %l: tensor<4x6xf32>) {
  // expected-error @+1 {{attribute 'trees' failed to satisfy constraint}}
  %0:2 = fff.route_path trees 0 depth 2 tie gt ins(%x, %w, %b : tensor<4x5xf32>, tensor<14x5xf32>, tensor<14xf32>) outs(%n, %l : tensor<4x6xi32>, tensor<4x6xf32>)
  return
}

// -----

// route_path: node rows trees * (2^(depth+1) - 1)
func.func @f(%x: tensor<4x5xf32>, %w: tensor<7x5xf32>, %b: tensor<14xf32>, %n: tensor<4x6xi32>, %l: tensor<4x6xf32>) {
  // expected-error @+1 {{'node_weights' dimension 0 must be 14 (trees * (2^(depth+1) - 1) nodes), but got 7}}
  %0:2 = fff.route_path trees 2 depth 2 tie gt ins(%x, %w, %b : tensor<4x5xf32>, tensor<7x5xf32>, tensor<14xf32>) outs(%n, %l : tensor<4x6xi32>, tensor<4x6xf32>)
  return
}

// -----

// route_path: bias rows
func.func @f(%x: tensor<4x5xf32>, %w: tensor<14x5xf32>, %b: tensor<15xf32>, %n: tensor<4x6xi32>, %l: tensor<4x6xf32>) {
  // expected-error @+1 {{'node_biases' dimension 0 must be 14}}
  %0:2 = fff.route_path trees 2 depth 2 tie gt ins(%x, %w, %b : tensor<4x5xf32>, tensor<14x5xf32>, tensor<15xf32>) outs(%n, %l : tensor<4x6xi32>, tensor<4x6xf32>)
  return
}

// -----

// route_path: node width
func.func @f(%x: tensor<4x5xf32>, %w: tensor<14x4xf32>, %b: tensor<14xf32>, %n: tensor<4x6xi32>, %l: tensor<4x6xf32>) {
  // expected-error @+1 {{'node_weights' dimension 1 must be 5 (feature width}}
  %0:2 = fff.route_path trees 2 depth 2 tie gt ins(%x, %w, %b : tensor<4x5xf32>, tensor<14x4xf32>, tensor<14xf32>) outs(%n, %l : tensor<4x6xi32>, tensor<4x6xf32>)
  return
}

// -----

// route_path: nodes batch
func.func @f(%x: tensor<4x5xf32>, %w: tensor<14x5xf32>, %b: tensor<14xf32>, %n: tensor<3x6xi32>, %l: tensor<4x6xf32>) {
  // expected-error @+1 {{'nodes_init' dimension 0 must be 4 (batch}}
  %0:2 = fff.route_path trees 2 depth 2 tie gt ins(%x, %w, %b : tensor<4x5xf32>, tensor<14x5xf32>, tensor<14xf32>) outs(%n, %l : tensor<3x6xi32>, tensor<4x6xf32>)
  return
}

// -----

// route_path: logits batch
func.func @f(%x: tensor<4x5xf32>, %w: tensor<14x5xf32>, %b: tensor<14xf32>, %n: tensor<4x6xi32>, %l: tensor<3x6xf32>) {
  // expected-error @+1 {{'logits_init' dimension 0 must be 4 (batch}}
  %0:2 = fff.route_path trees 2 depth 2 tie gt ins(%x, %w, %b : tensor<4x5xf32>, tensor<14x5xf32>, tensor<14xf32>) outs(%n, %l : tensor<4x6xi32>, tensor<3x6xf32>)
  return
}

// -----

// route_path: path length trees * (depth + 1)
func.func @f(%x: tensor<4x5xf32>, %w: tensor<14x5xf32>, %b: tensor<14xf32>, %n: tensor<4x3xi32>, %l: tensor<4x6xf32>) {
  // expected-error @+1 {{'nodes_init' dimension 1 must be 6 (trees * (depth + 1) visited nodes), but got 3}}
  %0:2 = fff.route_path trees 2 depth 2 tie gt ins(%x, %w, %b : tensor<4x5xf32>, tensor<14x5xf32>, tensor<14xf32>) outs(%n, %l : tensor<4x3xi32>, tensor<4x6xf32>)
  return
}

// -----

// route_path: logits path length
func.func @f(%x: tensor<4x5xf32>, %w: tensor<14x5xf32>, %b: tensor<14xf32>, %n: tensor<4x6xi32>, %l: tensor<4x7xf32>) {
  // expected-error @+1 {{'logits_init' dimension 1 must be 6 (trees * (depth + 1) visited nodes), but got 7}}
  %0:2 = fff.route_path trees 2 depth 2 tie gt ins(%x, %w, %b : tensor<4x5xf32>, tensor<14x5xf32>, tensor<14xf32>) outs(%n, %l : tensor<4x6xi32>, tensor<4x7xf32>)
  return
}

// -----

// route_path: logits element type
func.func @f(%x: tensor<4x5xf32>, %w: tensor<14x5xf32>, %b: tensor<14xf32>, %n: tensor<4x6xi32>, %l: tensor<4x6xf16>) {
  // expected-error @+1 {{have same element type}}
  %0:2 = fff.route_path trees 2 depth 2 tie gt ins(%x, %w, %b : tensor<4x5xf32>, tensor<14x5xf32>, tensor<14xf32>) outs(%n, %l : tensor<4x6xi32>, tensor<4x6xf16>)
  return
}

// -----

// route_path: index type holds every node row
func.func @f(%x: tensor<4x5xf32>, %w: tensor<150x5xf32>, %b: tensor<150xf32>, %n: tensor<4x40xi8>, %l: tensor<4x40xf32>) {
  // expected-error @+1 {{'nodes_init' element type 'i8' cannot hold index 149}}
  %0:2 = fff.route_path trees 10 depth 3 tie gt ins(%x, %w, %b : tensor<4x5xf32>, tensor<150x5xf32>, tensor<150xf32>) outs(%n, %l : tensor<4x40xi8>, tensor<4x40xf32>)
  return
}

// -----

// route_path: node rows must not overflow
func.func @f(%x: tensor<4x5xf32>, %w: tensor<?x5xf32>, %b: tensor<?xf32>, %n: tensor<4x?xi64>, %l: tensor<4x?xf32>) {
  // expected-error @+1 {{trees * (2^(depth+1) - 1) overflows: trees = 4, depth = 61}}
  %0:2 = fff.route_path trees 4 depth 61 tie gt ins(%x, %w, %b : tensor<4x5xf32>, tensor<?x5xf32>, tensor<?xf32>) outs(%n, %l : tensor<4x?xi64>, tensor<4x?xf32>)
  return
}

// -----

// cmm: indices rank is lhs rank - 1
func.func @f(%lhs: tensor<4x16xf32>, %bank: tensor<8x16x3xf32>, %idx: tensor<4x1xi32>, %acc: tensor<4x3xf32>) {
  // expected-error @+1 {{'indices' must have rank 1 for a rank-2 'lhs'}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<4x16xf32>, tensor<8x16x3xf32>, tensor<4x1xi32>) outs(%acc : tensor<4x3xf32>)
  return
}

// -----

// cmm: bank must be rank 3
func.func @f(%lhs: tensor<4x16xf32>, %bank: tensor<16x3xf32>, %idx: tensor<4xi32>, %acc: tensor<4x3xf32>) {
  // expected-error @+1 {{operand #1 must be 3D tensor}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<4x16xf32>, tensor<16x3xf32>, tensor<4xi32>) outs(%acc : tensor<4x3xf32>)
  return
}

// -----

// cmm: lhs rank 2 or 3
func.func @f(%lhs: tensor<16xf32>, %bank: tensor<8x16x3xf32>, %idx: tensor<4xi32>, %acc: tensor<4x3xf32>) {
  // expected-error @+1 {{operand #0 must be 2D/3D tensor}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<16xf32>, tensor<8x16x3xf32>, tensor<4xi32>) outs(%acc : tensor<4x3xf32>)
  return
}

// -----

// cmm: one index per row
func.func @f(%lhs: tensor<4x16xf32>, %bank: tensor<8x16x3xf32>, %idx: tensor<5xi32>, %acc: tensor<4x3xf32>) {
  // expected-error @+1 {{'indices' dimension 0 must be 4 (batch, dimension 0 of 'lhs'), but got 5}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<4x16xf32>, tensor<8x16x3xf32>, tensor<5xi32>) outs(%acc : tensor<4x3xf32>)
  return
}

// -----

// cmm: accumulator batch
func.func @f(%lhs: tensor<4x16xf32>, %bank: tensor<8x16x3xf32>, %idx: tensor<4xi32>, %acc: tensor<2x3xf32>) {
  // expected-error @+1 {{'init' dimension 0 must be 4 (batch}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<4x16xf32>, tensor<8x16x3xf32>, tensor<4xi32>) outs(%acc : tensor<2x3xf32>)
  return
}

// -----

// cmm: block rows match lhs width
func.func @f(%lhs: tensor<4x16xf32>, %bank: tensor<8x15x3xf32>, %idx: tensor<4xi32>, %acc: tensor<4x3xf32>) {
  // expected-error @+1 {{'bank' dimension 1 must be 16 (reduction width, dimension 1 of 'lhs'), but got 15}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<4x16xf32>, tensor<8x15x3xf32>, tensor<4xi32>) outs(%acc : tensor<4x3xf32>)
  return
}

// -----

// cmm: accumulator width matches blocks
func.func @f(%lhs: tensor<4x16xf32>, %bank: tensor<8x16x3xf32>, %idx: tensor<4xi32>, %acc: tensor<4x2xf32>) {
  // expected-error @+1 {{'init' dimension 1 must be 3 (output width, dimension 2 of 'bank'), but got 2}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<4x16xf32>, tensor<8x16x3xf32>, tensor<4xi32>) outs(%acc : tensor<4x2xf32>)
  return
}

// -----

// cmm: several indices per row must match lhs
func.func @f(%lhs: tensor<4x5x1xf32>, %bank: tensor<8x1x3xf32>, %idx: tensor<4x6xi32>, %acc: tensor<4x3xf32>) {
  // expected-error @+1 {{'indices' dimension 1 must be 5 (indices per row, dimension 1 of 'lhs'), but got 6}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<4x5x1xf32>, tensor<8x1x3xf32>, tensor<4x6xi32>) outs(%acc : tensor<4x3xf32>)
  return
}

// -----

// cmm: multi-index reduction width
func.func @f(%lhs: tensor<4x5x2xf32>, %bank: tensor<8x1x3xf32>, %idx: tensor<4x5xi32>, %acc: tensor<4x3xf32>) {
  // expected-error @+1 {{'bank' dimension 1 must be 2 (reduction width, dimension 2 of 'lhs'), but got 1}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<4x5x2xf32>, tensor<8x1x3xf32>, tensor<4x5xi32>) outs(%acc : tensor<4x3xf32>)
  return
}

// -----

// cmm: element types match
func.func @f(%lhs: tensor<4x16xf32>, %bank: tensor<8x16x3xbf16>, %idx: tensor<4xi32>, %acc: tensor<4x3xf32>) {
  // expected-error @+1 {{have same element type}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<4x16xf32>, tensor<8x16x3xbf16>, tensor<4xi32>) outs(%acc : tensor<4x3xf32>)
  return
}

// -----

// cmm: bias element type
func.func @f(%lhs: tensor<4x16xf32>, %bank: tensor<8x16x3xf32>, %idx: tensor<4xi32>, %bias: tensor<8x3xf16>, %acc: tensor<4x3xf32>) {
  // expected-error @+1 {{'bias' element type must match 'init'}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<4x16xf32>, tensor<8x16x3xf32>, tensor<4xi32>) bias(%bias : tensor<8x3xf16>) outs(%acc : tensor<4x3xf32>)
  return
}

// -----

// cmm: a bias row per block
func.func @f(%lhs: tensor<4x16xf32>, %bank: tensor<8x16x3xf32>, %idx: tensor<4xi32>, %bias: tensor<7x3xf32>, %acc: tensor<4x3xf32>) {
  // expected-error @+1 {{'bias' dimension 0 must be 8 (block count, dimension 0 of 'bank'), but got 7}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<4x16xf32>, tensor<8x16x3xf32>, tensor<4xi32>) bias(%bias : tensor<7x3xf32>) outs(%acc : tensor<4x3xf32>)
  return
}

// -----

// cmm: bias width
func.func @f(%lhs: tensor<4x16xf32>, %bank: tensor<8x16x3xf32>, %idx: tensor<4xi32>, %bias: tensor<8x4xf32>, %acc: tensor<4x3xf32>) {
  // expected-error @+1 {{'bias' dimension 1 must be 3 (output width, dimension 2 of 'bank'), but got 4}}
  %0 = fff.cmm ins(%lhs, %bank, %idx : tensor<4x16xf32>, tensor<8x16x3xf32>, tensor<4xi32>) bias(%bias : tensor<8x4xf32>) outs(%acc : tensor<4x3xf32>)
  return
}

// -----

// leaf_mlp: node count
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<4x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'node_weights' dimension 0 must be 3 (2^depth - 1 nodes), but got 4}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<4x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: bias count
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<2xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'node_biases' dimension 0 must be 3 (2^depth - 1 nodes)}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<2xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: node width
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x7xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'node_weights' dimension 1 must be 6 (feature width}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x7xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: w1 leaves
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<3x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'w1' dimension 0 must be 4 (2^depth leaves), but got 3}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<3x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: b1 leaves
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<5x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'b1' dimension 0 must be 4 (2^depth leaves)}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<5x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: w2 leaves
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<2x2x5xf32>, %b2: tensor<4x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'w2' dimension 0 must be 4 (2^depth leaves)}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<2x2x5xf32>, tensor<4x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: b2 leaves
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<1x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'b2' dimension 0 must be 4 (2^depth leaves)}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<1x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: w1 input width
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x5x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'w1' dimension 1 must be 6 (feature width, dimension 1 of 'input')}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x5x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: b1 leaf width
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x3xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'b1' dimension 1 must be 2 (leaf width, dimension 2 of 'w1')}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x3xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: w2 leaf width
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x3x5xf32>, %b2: tensor<4x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'w2' dimension 1 must be 2 (leaf width}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x3x5xf32>, tensor<4x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: output batch
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %init: tensor<3x5xf32>) {
  // expected-error @+1 {{'init' dimension 0 must be 4 (batch}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) outs(%init : tensor<3x5xf32>)
  return
}

// -----

// leaf_mlp: w2 output width
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x6xf32>, %b2: tensor<4x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'w2' dimension 2 must be 5 (output width, dimension 1 of 'init')}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x6xf32>, tensor<4x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: b2 output width
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x4xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'b2' dimension 1 must be 5 (output width}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x4xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: element types
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf16>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{have same element type}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf16>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: w1 rank
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x12xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{operand #3 must be 3D tensor}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x12xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: master takes 5 operands
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %m0: tensor<6x8xf32>, %m1: tensor<8xf32>, %m2: tensor<8x5xf32>, %m3: tensor<5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'master' takes 5 operands (magic_w1, magic_b1, magic_w2, magic_b2, k), but got 4}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) master(%m0, %m1, %m2, %m3 : tensor<6x8xf32>, tensor<8xf32>, tensor<8x5xf32>, tensor<5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: master operand rank
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %m0: tensor<6x8xf32>, %m1: tensor<8xf32>, %m2: tensor<8x5xf32>, %m3: tensor<5xf32>, %m4: tensor<1xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{master leaf operand 'k' must be a rank-0 tensor of 'f32', but got 'tensor<1xf32>'}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) master(%m0, %m1, %m2, %m3, %m4 : tensor<6x8xf32>, tensor<8xf32>, tensor<8x5xf32>, tensor<5xf32>, tensor<1xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: master element type
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %m0: tensor<6x8xf32>, %m1: tensor<8xf16>, %m2: tensor<8x5xf32>, %m3: tensor<5xf32>, %m4: tensor<f32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{master leaf operand 'magic_b1' must be a rank-1 tensor of 'f32'}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) master(%m0, %m1, %m2, %m3, %m4 : tensor<6x8xf32>, tensor<8xf16>, tensor<8x5xf32>, tensor<5xf32>, tensor<f32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: magic_w1 input width
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %m0: tensor<7x8xf32>, %m1: tensor<8xf32>, %m2: tensor<8x5xf32>, %m3: tensor<5xf32>, %m4: tensor<f32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'magic_w1' dimension 0 must be 6 (feature width, dimension 1 of 'input'), but got 7}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) master(%m0, %m1, %m2, %m3, %m4 : tensor<7x8xf32>, tensor<8xf32>, tensor<8x5xf32>, tensor<5xf32>, tensor<f32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: magic_b1 master width
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %m0: tensor<6x8xf32>, %m1: tensor<9xf32>, %m2: tensor<8x5xf32>, %m3: tensor<5xf32>, %m4: tensor<f32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'magic_b1' dimension 0 must be 8 (master width, dimension 1 of 'magic_w1'), but got 9}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) master(%m0, %m1, %m2, %m3, %m4 : tensor<6x8xf32>, tensor<9xf32>, tensor<8x5xf32>, tensor<5xf32>, tensor<f32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: magic_w2 master width
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %m0: tensor<6x8xf32>, %m1: tensor<8xf32>, %m2: tensor<9x5xf32>, %m3: tensor<5xf32>, %m4: tensor<f32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'magic_w2' dimension 0 must be 8 (master width}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) master(%m0, %m1, %m2, %m3, %m4 : tensor<6x8xf32>, tensor<8xf32>, tensor<9x5xf32>, tensor<5xf32>, tensor<f32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: magic_w2 output width
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %m0: tensor<6x8xf32>, %m1: tensor<8xf32>, %m2: tensor<8x4xf32>, %m3: tensor<5xf32>, %m4: tensor<f32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'magic_w2' dimension 1 must be 5 (output width, dimension 1 of 'init')}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) master(%m0, %m1, %m2, %m3, %m4 : tensor<6x8xf32>, tensor<8xf32>, tensor<8x4xf32>, tensor<5xf32>, tensor<f32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: magic_b2 output width
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %m0: tensor<6x8xf32>, %m1: tensor<8xf32>, %m2: tensor<8x5xf32>, %m3: tensor<4xf32>, %m4: tensor<f32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'magic_b2' dimension 0 must be 5 (output width}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) master(%m0, %m1, %m2, %m3, %m4 : tensor<6x8xf32>, tensor<8xf32>, tensor<8x5xf32>, tensor<4xf32>, tensor<f32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// leaf_mlp: master rank 3 is no tensor of ranks 0-2
func.func @f(%x: tensor<4x6xf32>, %nw: tensor<3x6xf32>, %nb: tensor<3xf32>, %w1: tensor<4x6x2xf32>, %b1: tensor<4x2xf32>, %w2: tensor<4x2x5xf32>, %b2: tensor<4x5xf32>, %m0: tensor<1x6x8xf32>, %m1: tensor<8xf32>, %m2: tensor<8x5xf32>, %m3: tensor<5xf32>, %m4: tensor<f32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{operand #7 must be variadic of 0D/1D/2D tensor}}
  %0 = fff.leaf_mlp depth 2 activation relu tie ge ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<4x6xf32>, tensor<3x6xf32>, tensor<3xf32>, tensor<4x6x2xf32>, tensor<4x2xf32>, tensor<4x2x5xf32>, tensor<4x5xf32>) master(%m0, %m1, %m2, %m3, %m4 : tensor<1x6x8xf32>, tensor<8xf32>, tensor<8x5xf32>, tensor<5xf32>, tensor<f32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// path_neuron: node rows
func.func @f(%x: tensor<4x6xf32>, %w: tensor<8x6xf32>, %b: tensor<7xf32>, %wo: tensor<7x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'node_weights' dimension 0 must be 7 (trees * (2^(depth+1) - 1) nodes), but got 8}}
  %0 = fff.path_neuron trees 1 depth 2 activation gelu tie gt ins(%x, %w, %b, %wo : tensor<4x6xf32>, tensor<8x6xf32>, tensor<7xf32>, tensor<7x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// path_neuron: bias rows
func.func @f(%x: tensor<4x6xf32>, %w: tensor<7x6xf32>, %b: tensor<6xf32>, %wo: tensor<7x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'node_biases' dimension 0 must be 7}}
  %0 = fff.path_neuron trees 1 depth 2 activation gelu tie gt ins(%x, %w, %b, %wo : tensor<4x6xf32>, tensor<7x6xf32>, tensor<6xf32>, tensor<7x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// path_neuron: output rows
func.func @f(%x: tensor<4x6xf32>, %w: tensor<7x6xf32>, %b: tensor<7xf32>, %wo: tensor<5x7xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'output_weights' dimension 0 must be 7 (trees * (2^(depth+1) - 1) nodes), but got 5}}
  %0 = fff.path_neuron trees 1 depth 2 activation gelu tie gt ins(%x, %w, %b, %wo : tensor<4x6xf32>, tensor<7x6xf32>, tensor<7xf32>, tensor<5x7xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// path_neuron: trees multiply the rows
func.func @f(%x: tensor<4x6xf32>, %w: tensor<7x6xf32>, %b: tensor<7xf32>, %wo: tensor<7x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'node_weights' dimension 0 must be 21}}
  %0 = fff.path_neuron trees 3 depth 2 activation gelu tie gt ins(%x, %w, %b, %wo : tensor<4x6xf32>, tensor<7x6xf32>, tensor<7xf32>, tensor<7x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// path_neuron: node width
func.func @f(%x: tensor<4x6xf32>, %w: tensor<7x5xf32>, %b: tensor<7xf32>, %wo: tensor<7x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{'node_weights' dimension 1 must be 6 (feature width}}
  %0 = fff.path_neuron trees 1 depth 2 activation gelu tie gt ins(%x, %w, %b, %wo : tensor<4x6xf32>, tensor<7x5xf32>, tensor<7xf32>, tensor<7x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// path_neuron: output batch
func.func @f(%x: tensor<4x6xf32>, %w: tensor<7x6xf32>, %b: tensor<7xf32>, %wo: tensor<7x5xf32>, %init: tensor<2x5xf32>) {
  // expected-error @+1 {{'init' dimension 0 must be 4 (batch}}
  %0 = fff.path_neuron trees 1 depth 2 activation gelu tie gt ins(%x, %w, %b, %wo : tensor<4x6xf32>, tensor<7x6xf32>, tensor<7xf32>, tensor<7x5xf32>) outs(%init : tensor<2x5xf32>)
  return
}

// -----

// path_neuron: output width
func.func @f(%x: tensor<4x6xf32>, %w: tensor<7x6xf32>, %b: tensor<7xf32>, %wo: tensor<7x5xf32>, %init: tensor<4x6xf32>) {
  // expected-error @+1 {{'output_weights' dimension 1 must be 6 (output width, dimension 1 of 'init'), but got 5}}
  %0 = fff.path_neuron trees 1 depth 2 activation gelu tie gt ins(%x, %w, %b, %wo : tensor<4x6xf32>, tensor<7x6xf32>, tensor<7xf32>, tensor<7x5xf32>) outs(%init : tensor<4x6xf32>)
  return
}

// -----

// path_neuron: at least one tree
func.func @f(%x: tensor<4x6xf32>, %w: tensor<7x6xf32>, %b: tensor<7xf32>, %wo: tensor<7x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{attribute 'trees' failed to satisfy constraint}}
  %0 = fff.path_neuron trees 0 depth 2 activation gelu tie gt ins(%x, %w, %b, %wo : tensor<4x6xf32>, tensor<7x6xf32>, tensor<7xf32>, tensor<7x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// path_neuron: node rows must not overflow
func.func @f(%x: tensor<4x6xf32>, %w: tensor<?x6xf32>, %b: tensor<?xf32>, %wo: tensor<?x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+1 {{overflows: trees = 9, depth = 60}}
  %0 = fff.path_neuron trees 9 depth 60 activation gelu tie gt ins(%x, %w, %b, %wo : tensor<4x6xf32>, tensor<?x6xf32>, tensor<?xf32>, tensor<?x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// path_neuron: unknown activation
func.func @f(%x: tensor<4x6xf32>, %w: tensor<7x6xf32>, %b: tensor<7xf32>, %wo: tensor<7x5xf32>, %init: tensor<4x5xf32>) {
  // expected-error @+2 {{expected ::mlir::fff::Activation to be one of: relu, gelu, gelu_tanh, silu, identity}}
  // expected-error @+1 {{failed to parse FFF_ActivationAttr}}
  %0 = fff.path_neuron trees 1 depth 2 activation tanh tie gt ins(%x, %w, %b, %wo : tensor<4x6xf32>, tensor<7x6xf32>, tensor<7xf32>, tensor<7x5xf32>) outs(%init : tensor<4x5xf32>)
  return
}

// -----

// generic form: a result type other than init's
func.func @f(%x: tensor<4x16xf32>, %w: tensor<8x16x3xf32>, %i: tensor<4xi32>, %acc: tensor<4x3xf32>) {
  // expected-error @+2 {{'fff.cmm' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<4x4xf32>'}}
  // expected-error @+1 {{'fff.cmm' op failed to infer returned types}}
  %0 = "fff.cmm"(%x, %w, %i, %acc) : (tensor<4x16xf32>, tensor<8x16x3xf32>, tensor<4xi32>, tensor<4x3xf32>) -> tensor<4x4xf32>
  return
}

// -----

// generic form: result type of a route must be init's
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf32>, %b: tensor<7xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{failed to verify that all of {init, result} have same type}}
  %0 = "fff.route"(%x, %w, %b, %i) <{depth = 3 : i64, tie = #fff<tie ge>}> : (tensor<4x16xf32>, tensor<7x16xf32>, tensor<7xf32>, tensor<4xi32>) -> tensor<4xi64>
  return
}

// -----

// generic form: missing attribute
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf32>, %b: tensor<7xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{'fff.route' op requires attribute 'depth'}}
  %0 = "fff.route"(%x, %w, %b, %i) <{tie = #fff<tie ge>}> : (tensor<4x16xf32>, tensor<7x16xf32>, tensor<7xf32>, tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

// generic form: wrong operand count
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{'fff.route' op expected 4 operands, but found 3}}
  %0 = "fff.route"(%x, %w, %i) <{depth = 3 : i64, tie = #fff<tie ge>}> : (tensor<4x16xf32>, tensor<7x16xf32>, tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

// malformed: unknown op
func.func @f() {
  // expected-error @+1 {{custom op 'fff.route_leaf' is unknown}}
  fff.route_leaf
  return
}

// -----

// malformed: missing outs
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf32>, %b: tensor<7xf32>) {
  %0 = fff.route depth 3 tie ge ins(%x, %w, %b : tensor<4x16xf32>, tensor<7x16xf32>, tensor<7xf32>)
  // expected-error @+1 {{expected 'outs'}}
  return
}

// -----

// malformed: unranked tensors are rejected
func.func @f(%x: tensor<*xf32>, %w: tensor<7x16xf32>, %b: tensor<7xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %0 = fff.route depth 3 tie ge ins(%x, %w, %b : tensor<*xf32>, tensor<7x16xf32>, tensor<7xf32>) outs(%i : tensor<4xi32>)
  return
}

// -----

// malformed: bad attribute in generic form
func.func @f(%x: tensor<4x16xf32>, %w: tensor<7x16xf32>, %b: tensor<7xf32>, %i: tensor<4xi32>) {
  // expected-error @+2 {{expected ::mlir::fff::TieRule to be one of: ge, gt}}
  // expected-error @+1 {{failed to parse FFF_TieRuleAttr}}
  %0 = "fff.route"(%x, %w, %b, %i) <{depth = 3 : i64, tie = #fff<tie lt>}> : (tensor<4x16xf32>, tensor<7x16xf32>, tensor<7xf32>, tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

// generic form: too few operands for an op with an optional one
func.func @f(%x: tensor<4x16xf32>, %w: tensor<8x16x3xf32>, %i: tensor<4xi32>) {
  // expected-error @+1 {{'fff.cmm' op expected 4 or more operands, but found 3}}
  %0 = "fff.cmm"(%x, %w, %i) : (tensor<4x16xf32>, tensor<8x16x3xf32>, tensor<4xi32>) -> tensor<4x3xf32>
  return
}

// -----

// generic form: no operands at all (result type inference must not crash)
func.func @f() {
  // expected-error @+1 {{'fff.leaf_mlp' op expected 8 or more operands, but found 0}}
  %0 = "fff.leaf_mlp"() : () -> tensor<4x3xf32>
  return
}

// -----

// Equalities chain through dynamic sizes: w2 and b2 disagree on the output
// width although each only meets the dynamic init.
func.func @f(%x: tensor<?x4xf32>, %nw: tensor<3x4xf32>, %nb: tensor<3xf32>,
             %w1: tensor<4x4x2xf32>, %b1: tensor<4x2xf32>,
             %w2: tensor<4x2x3xf32>, %b2: tensor<4x5xf32>, %init: tensor<?x?xf32>) {
  // expected-error @+1 {{'fff.leaf_mlp' op 'b2' dimension 1 is 5 but 'w2' dimension 2 is 3: both are the output width (linked through a dynamic size)}}
  %y = fff.leaf_mlp depth 2 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x4xf32>, tensor<3x4xf32>,
          tensor<3xf32>, tensor<4x4x2xf32>, tensor<4x2xf32>, tensor<4x2x3xf32>, tensor<4x5xf32>)
      outs(%init : tensor<?x?xf32>)
  return
}

// -----

// The batch: indices and accumulator disagree through a dynamic lhs.
func.func @f(%x: tensor<?x2xf32>, %bank: tensor<4x2x3xf32>, %idx: tensor<62xi8>,
             %acc: tensor<1x3xf32>) {
  // expected-error @+1 {{'fff.cmm' op 'init' dimension 0 is 1 but 'indices' dimension 0 is 62: both are the batch (linked through a dynamic size)}}
  %r = fff.cmm ins(%x, %bank, %idx : tensor<?x2xf32>, tensor<4x2x3xf32>, tensor<62xi8>)
               outs(%acc : tensor<1x3xf32>)
  return
}
