// The functions of c-abi-contract.test (abi_contract.c). The sum is a
// linalg.generic, not linalg.reduce: this file seeds the fuzzers, and
// libMLIR 22's linalg.reduce parser crashes on a malformed `dimensions`
// list (docs/reliability.md, "Fuzzing").

// @scratch: the argument is rows x 0 (empty, whatever the rows), the
// temporary rows x 1024 floats, the result their sum. Large row counts
// reach the checks of the temporary without a large argument.
func.func @scratch(%x: tensor<?x0xf32> {fff.name = "x"}) -> tensor<f32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x0xf32>
  %e = tensor.empty(%n) : tensor<?x1024xf32>
  %one = arith.constant 1.0 : f32
  %t = linalg.fill ins(%one : f32) outs(%e : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  %zero = arith.constant 0.0 : f32
  %i = tensor.empty() : tensor<f32>
  %z = linalg.fill ins(%zero : f32) outs(%i : tensor<f32>) -> tensor<f32>
  %s = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>],
                       iterator_types = ["reduction", "reduction"]}
      ins(%t : tensor<?x1024xf32>) outs(%z : tensor<f32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  return %s : tensor<f32>
}

// @layer: a path-neuron layer (2 trees of depth 1 on width 4) and
// elementwise temporaries after it, for the threads.
func.func @layer(%x: tensor<?x4xf32> {fff.name = "x"}) -> tensor<?x4xf32> {
  %w = arith.constant dense<[[0.5, -1.0, 0.25, 2.0], [-0.5, 1.5, 1.0, -0.75],
                             [1.0, 0.5, -2.0, 0.125], [0.75, -0.25, 0.5, 1.0],
                             [-1.25, 0.5, 0.75, -0.5], [0.25, 1.0, -0.5, 0.5]]> : tensor<6x4xf32>
  %b = arith.constant dense<[0.1, -0.2, 0.3, -0.4, 0.5, -0.6]> : tensor<6xf32>
  %o = arith.constant dense<[[1.0, 0.5, -0.5, 0.25], [-0.25, 1.0, 0.5, -1.0],
                             [0.5, -0.5, 1.0, 0.75], [0.125, 0.25, -0.75, 1.0],
                             [-1.0, 0.75, 0.25, 0.5], [0.5, -1.0, 0.125, -0.25]]> : tensor<6x4xf32>
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%rows) : tensor<?x4xf32>
  %y = fff.path_neuron trees 2 depth 1 activation gelu tie gt
      ins(%x, %w, %b, %o : tensor<?x4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x4xf32>)
      outs(%init : tensor<?x4xf32>)
  %e = math.exp %y : tensor<?x4xf32>
  %s = arith.addf %e, %x : tensor<?x4xf32>
  %r = arith.mulf %s, %y : tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// @fill: writes its memref argument, for the sanitizers' own checks.
func.func @fill(%a: memref<?xf32> {fff.name = "a"}, %v: f32) {
  linalg.fill ins(%v : f32) outs(%a : memref<?xf32>)
  return
}
