// fff-describe-c-abi: each public function's C entry point as fff.c_abi,
// its sizes reified from the IR (ReifyRankedShapedTypeOpInterface) as affine
// expressions of the size parameters. Entry points: generate-c-entry-points.mlir;
// execution: python/tests/test_c_abi.py, test_encoder.py.
// RUN: fff-opt %s --split-input-file --fff-describe-c-abi --mlir-print-local-scope | FileCheck %s
// RUN: fff-opt %s --split-input-file --fff-describe-c-abi="prefix=lib_ device=true" --mlir-print-local-scope | FileCheck %s --check-prefix=PREFIX

// A batch of B x S rows flattened (B*S), through a matmul, an elementwise op
// and an fff op whose result has its init's shape: the result has s0 * s1 rows.
// CHECK-LABEL: func.func @rows(
// CHECK-SAME:    %{{.*}}: tensor<?x?x4xf32> {bufferization.writable = false}
// CHECK-SAME:    fff.c_abi = {args = [{name = "x", type = tensor<?x?x4xf32>}], checks = [], function = "rows",
// CHECK-SAME:    results = [{name = "y", sizes = affine_map<()[s0, s1] -> (s0 * s1, 2)>, type = tensor<?x2xf32>}], symbol = "fff_rows"}
// CHECK-NOT:     fff.name
// PREFIX-LABEL: func.func @rows(
// PREFIX-SAME:    device, function = "rows"
// PREFIX-SAME:    symbol = "lib_rows"
func.func @rows(%x: tensor<?x?x4xf32> {fff.name = "x"}) -> (tensor<?x2xf32> {fff.name = "y"}) {
  %w = arith.constant dense<1.0> : tensor<4x4xf32>
  %nw = arith.constant dense<1.0> : tensor<3x4xf32>
  %nb = arith.constant dense<0.0> : tensor<3xf32>
  %o = arith.constant dense<1.0> : tensor<3x2xf32>
  %flat = tensor.collapse_shape %x [[0, 1], [2]] : tensor<?x?x4xf32> into tensor<?x4xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %flat, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %m = linalg.matmul ins(%flat, %w : tensor<?x4xf32>, tensor<4x4xf32>) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %s = arith.addf %m, %m : tensor<?x4xf32>
  %rows = tensor.dim %s, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%rows) : tensor<?x2xf32>
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%s, %nw, %nb, %o : tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x2xf32>)
      outs(%init : tensor<?x2xf32>)
  return %y : tensor<?x2xf32>
}

// -----

// Rows split back (B*S -> B x S) with the sizes of another argument; the
// argument attributes become checks and an index bound.
// CHECK-LABEL: func.func @split(
// CHECK-SAME:    args = [{name = "x", type = tensor<?x3xf32>}, {index_bound = 7 : i64, name = "ids", type = tensor<?x?xi64>}]
// CHECK-SAME:    checks = [{message = "a size bounded by the model", op = "<=", sizes = affine_map<()[s0, s1, s2] -> (s2, 16)>}]
// CHECK-SAME:    results = [{name = "result", sizes = affine_map<()[s0, s1, s2] -> (s1, s2, 3)>, type = tensor<?x?x3xf32>}]
func.func @split(%x: tensor<?x3xf32> {fff.name = "x"},
                 %ids: tensor<?x?xi64> {fff.name = "ids", fff.index_bound = 7 : i64, fff.max_sizes = array<i64: -1, 16>}) -> tensor<?x?x3xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %ids, %c0 : tensor<?x?xi64>
  %s = tensor.dim %ids, %c1 : tensor<?x?xi64>
  %r = tensor.expand_shape %x [[0, 1], [2]] output_shape [%b, %s, 3] : tensor<?x3xf32> into tensor<?x?x3xf32>
  return %r : tensor<?x?x3xf32>
}

// -----

// Shape rules of fff ops that relate argument sizes become checks. (A tensor
// returned twice gets a copy, each result its own out-parameter: executed in
// python/tests/test_c_abi.py; not here, where compare_compilers.py also runs
// fff-gpu-pipeline without c-interface, whose buffer-results-to-out-params
// crashes on such a function in MLIR 22.)
// CHECK-LABEL: func.func @rules(
// CHECK-SAME:    checks = [{message = "fff.path_neuron: 'node_weights' dimension 0 must be 3 {{.*}}", op = "==", sizes = affine_map<()[s0, s1] -> (s1, 3)>}]
// CHECK-SAME:    results = [{name = "result", sizes = affine_map<()[s0, s1] -> (s0, 2)>, type = tensor<?x2xf32>}]
func.func @rules(%x: tensor<?x4xf32>, %w: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %b = arith.constant dense<0.0> : tensor<3xf32>
  %o = arith.constant dense<1.0> : tensor<3x2xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%n) : tensor<?x2xf32>
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %o : tensor<?x4xf32>, tensor<?x4xf32>, tensor<3xf32>, tensor<3x2xf32>)
      outs(%init : tensor<?x2xf32>)
  return %y : tensor<?x2xf32>
}

// -----

// Sizes may be any affine function of the size parameters: halves rounded
// up, sums of sizes.
// CHECK-LABEL: func.func @arith(
// CHECK-SAME:    sizes = affine_map<()[s0, s1] -> (s0 ceildiv 2, s0 + s1)>
func.func @arith(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %na = tensor.dim %a, %c0 : tensor<?xf32>
  %nb = tensor.dim %b, %c0 : tensor<?xf32>
  %h = arith.ceildivsi %na, %c2 : index
  %t = arith.addi %na, %nb : index
  %e = tensor.empty(%h, %t) : tensor<?x?xf32>
  return %e : tensor<?x?xf32>
}

// -----

// Private and external functions get no entry point.
// CHECK-LABEL: func.func private @helper(
// CHECK-NOT:     fff.c_abi
func.func private @helper(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}
