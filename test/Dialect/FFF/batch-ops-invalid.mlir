// Every verifier rule of fff.bucket and fff.grouped_matmul, one case each.
// RUN: fff-opt %s -split-input-file -verify-diagnostics

func.func @f(%k: tensor<4xi32>) {
  // expected-error @+1 {{attribute 'num_buckets' failed to satisfy constraint}}
  %p, %o = fff.bucket %k buckets 0 : tensor<4xi32>
  return
}

// -----

func.func @f(%k: tensor<4xi32>) {
  // expected-error @+1 {{attribute 'num_buckets' failed to satisfy constraint}}
  %p, %o = fff.bucket %k buckets 4294967297 : tensor<4xi32>
  return
}

// -----

func.func @f(%k: tensor<4xf32>) {
  // expected-error @+1 {{operand #0 must be 1D tensor of signless integer or index values}}
  %p, %o = fff.bucket %k buckets 2 : tensor<4xf32>
  return
}

// -----

func.func @f(%k: tensor<4x2xi32>) {
  // expected-error @+1 {{'keys' must be a 1-D tensor of keys, one per row, but got 'tensor<4x2xi32>'}}
  %p, %o = fff.bucket %k buckets 2 : tensor<4x2xi32>
  return
}

// -----

func.func @f(%x: tensor<4x16xf32>, %w: tensor<16x4xf32>, %o: tensor<3xindex>, %i: tensor<4x4xf32>) {
  // expected-error @+1 {{'rhs' must be G x K x N without 'gather', or a table of rows (R x N) with 'gather', but got 'tensor<16x4xf32>' without 'gather'}}
  %y = fff.grouped_matmul ins(%x, %w : tensor<4x16xf32>, tensor<16x4xf32>) segments(%o : tensor<3xindex>) outs(%i : tensor<4x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x16xf32>, %w: tensor<2x16x4xf32>, %o: tensor<3xindex>, %r: tensor<2x16xindex>, %i: tensor<4x4xf32>) {
  // expected-error @+1 {{but got 'tensor<2x16x4xf32>' with 'gather'}}
  %y = fff.grouped_matmul ins(%x, %w : tensor<4x16xf32>, tensor<2x16x4xf32>) segments(%o : tensor<3xindex>) gather(%r : tensor<2x16xindex>) outs(%i : tensor<4x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x16xf32>, %w: tensor<2x16x4xf32>, %o: tensor<0xindex>, %i: tensor<4x4xf32>) {
  // expected-error @+1 {{'offsets' must hold G + 1 >= 1 entries}}
  %y = fff.grouped_matmul ins(%x, %w : tensor<4x16xf32>, tensor<2x16x4xf32>) segments(%o : tensor<0xindex>) outs(%i : tensor<4x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x16xf32>, %w: tensor<2x16x4xf32>, %o: tensor<3xindex>, %i: tensor<5x4xf32>) {
  // expected-error @+1 {{'init' dimension 0 must be 4 (batch, dimension 0 of 'lhs'), but got 5}}
  %y = fff.grouped_matmul ins(%x, %w : tensor<4x16xf32>, tensor<2x16x4xf32>) segments(%o : tensor<3xindex>) outs(%i : tensor<5x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x16xf32>, %w: tensor<2x15x4xf32>, %o: tensor<3xindex>, %i: tensor<4x4xf32>) {
  // expected-error @+1 {{'rhs' dimension 1 must be 16 (inner size K of each segment's matrix, dimension 1 of 'lhs'), but got 15}}
  %y = fff.grouped_matmul ins(%x, %w : tensor<4x16xf32>, tensor<2x15x4xf32>) segments(%o : tensor<3xindex>) outs(%i : tensor<4x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x3xf32>, %w: tensor<7x5xf32>, %o: tensor<3xindex>, %r: tensor<2x4xindex>, %i: tensor<4x5xf32>) {
  // expected-error @+1 {{'rhs_rows' dimension 1 must be 3 (inner size K}}
  %y = fff.grouped_matmul ins(%x, %w : tensor<4x3xf32>, tensor<7x5xf32>) segments(%o : tensor<3xindex>) gather(%r : tensor<2x4xindex>) outs(%i : tensor<4x5xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x16xf32>, %w: tensor<2x16x4xf32>, %o: tensor<3xindex>, %i: tensor<4x5xf32>) {
  // expected-error @+1 {{'init' dimension 1 must be 4 (output width N, dimension 2 of 'rhs'), but got 5}}
  %y = fff.grouped_matmul ins(%x, %w : tensor<4x16xf32>, tensor<2x16x4xf32>) segments(%o : tensor<3xindex>) outs(%i : tensor<4x5xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x3xf32>, %w: tensor<7x5xf32>, %o: tensor<3xindex>, %r: tensor<2x3xindex>, %i: tensor<4x6xf32>) {
  // expected-error @+1 {{'init' dimension 1 must be 5 (output width N, dimension 1 of 'rhs'), but got 6}}
  %y = fff.grouped_matmul ins(%x, %w : tensor<4x3xf32>, tensor<7x5xf32>) segments(%o : tensor<3xindex>) gather(%r : tensor<2x3xindex>) outs(%i : tensor<4x6xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x16xf32>, %w: tensor<2x16x4xf32>, %o: tensor<4xindex>, %i: tensor<4x4xf32>) {
  // expected-error @+1 {{'offsets' dimension 0 must be 3 (one more than the segments of 'rhs'), but got 4}}
  %y = fff.grouped_matmul ins(%x, %w : tensor<4x16xf32>, tensor<2x16x4xf32>) segments(%o : tensor<4xindex>) outs(%i : tensor<4x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<4x16xf32>, %w: tensor<2x16x4xf64>, %o: tensor<3xindex>, %i: tensor<4x4xf32>) {
  // expected-error @+1 {{all of {lhs, rhs, init} have same element type}}
  %y = fff.grouped_matmul ins(%x, %w : tensor<4x16xf32>, tensor<2x16x4xf64>) segments(%o : tensor<3xindex>) outs(%i : tensor<4x4xf32>)
  return
}

// -----

func.func @f(%x: tensor<?x16xf32>, %w: tensor<2x16x4xf32>, %o: tensor<3xindex>, %i: tensor<?x4xf32>, %r: tensor<?xi32>) {
  // expected-error @+1 {{operand #4 must be 1D tensor of index values}}
  %y = "fff.grouped_matmul"(%x, %w, %o, %i, %r) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>}> : (tensor<?x16xf32>, tensor<2x16x4xf32>, tensor<3xindex>, tensor<?x4xf32>, tensor<?xi32>) -> tensor<?x4xf32>
  return
}
