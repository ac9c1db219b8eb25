// What fff-describe-c-abi cannot describe, with the function at fault.
// RUN: fff-opt %s --split-input-file --verify-diagnostics --fff-describe-c-abi

// A result sized by a call is unknown until the call is inlined
// (fff-cpu-pipeline c-interface=true inlines first).
// expected-error @below {{dimension 0 of result 0 is not a function of the argument sizes}}
func.func @called(%a: tensor<?xf32>) -> tensor<?xf32> {
  %r = call @id(%a) : (tensor<?xf32>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}
func.func private @id(%a: tensor<?xf32>) -> tensor<?xf32> {
  return %a : tensor<?xf32>
}

// -----

// A size divided by a size could divide by zero.
// expected-error @below {{dimension 0 of result 0 is not a function of the argument sizes}}
func.func @ratio(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %na = tensor.dim %a, %c0 : tensor<?xf32>
  %nb = tensor.dim %b, %c0 : tensor<?xf32>
  %q = arith.divsi %na, %nb : index
  %e = tensor.empty(%q) : tensor<?xf32>
  return %e : tensor<?xf32>
}

// -----

// A size read from the data: no caller could size the result's buffer before
// the call, so the description stops it before bufferization, naming the
// result and dimension.
// expected-error @below {{dimension 0 of result 0 is not a function of the argument sizes}}
func.func @data_dependent(%x: tensor<4xi64>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %v = tensor.extract %x[%c0] : tensor<4xi64>
  %n = arith.index_cast %v : i64 to index
  %e = tensor.empty(%n) : tensor<?xf32>
  return %e : tensor<?xf32>
}

// -----

// expected-error @below {{argument 0: fff.max_sizes bounds static dimension 1}}
func.func @bound(%a: tensor<?x4xf32> {fff.max_sizes = array<i64: -1, 8>}) {
  return
}

// -----

// expected-error @below {{argument 0: fff.index_bound applies to integer arrays only}}
func.func @float_ids(%a: tensor<?xf32> {fff.index_bound = 4 : i64}) {
  return
}

// -----

// expected-error @below {{argument 1: fff.same_sizes entry [0, 0, 1] is not [dim, arg, dim] of dynamic dimensions}}
func.func @same(%a: tensor<?xf32>, %b: tensor<?xf32> {fff.same_sizes = [[0, 0, 1]]}) {
  return
}
