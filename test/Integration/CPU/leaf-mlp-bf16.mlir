// RUN: fff-opt %s --fff-cpu-pipeline="fuse=true vector-width=8" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s
// RUN: fff-opt %s --fff-cpu-pipeline="fuse=true vector-width=0 row-block=2" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s
// RUN: fff-opt %s --fff-cpu-pipeline="fuse=false vector-width=0" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s
// RUN: fff-opt %s --fff-cpu-pipeline="fuse=false vector-width=4" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN:   | FileCheck %s

// The leaf-mlp.mlir layer computed in bf16 (same integer weights, exact in
// bf16, so the same expected rows). A depth-2 leaf-MLP (relu, tie ge) with small integer weights, so every value
// is exact in float32. Row 1 is all zeros: its root logit is the root bias, 0,
// an exact tie that goes right under "ge". Row 4 holds a NaN: it goes left at
// every node and its output is NaN. The expected rows are the numpy reference
// (python/fff_mlir/reference.py) evaluated in float64; every pipeline variant
// must print exactly them.
// CHECK: rank = 2 offset = 0 sizes = [7, 3]
// CHECK-NEXT: {{\[\[}}4,   -1,   -1],
// CHECK-NEXT: [1,   -7,   -2],
// CHECK-NEXT: [-1,   -7,   7],
// CHECK-NEXT: [0,   1,   -1],
// CHECK-NEXT: [nan,   nan,   nan],
// CHECK-NEXT: [2,   -1,   1],
// CHECK-NEXT: [5,   -1,   -2]]

func.func @leaf(%x: tensor<?x3xbf16>, %nw: tensor<3x3xbf16>, %nb: tensor<3xbf16>, %w1: tensor<4x3x2xbf16>, %b1: tensor<4x2xbf16>, %w2: tensor<4x2x3xbf16>, %b2: tensor<4x3xbf16>) -> tensor<?x3xbf16> {
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %x, %c0 : tensor<?x3xbf16>
  %init = tensor.empty(%rows) : tensor<?x3xbf16>
  %y = fff.leaf_mlp depth 2 activation relu tie ge
      ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x3xbf16>, tensor<3x3xbf16>, tensor<3xbf16>, tensor<4x3x2xbf16>, tensor<4x2xbf16>, tensor<4x2x3xbf16>, tensor<4x3xbf16>)
      outs(%init : tensor<?x3xbf16>)
  return %y : tensor<?x3xbf16>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = arith.constant dense<[[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [-1.0, 2.0, 1.0], [2.0, -2.0, 0.0], [0x7FC0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.0, -1.0, 2.0]]> : tensor<7x3xbf16>
  %nw = arith.constant dense<[[2.0, -2.0, -2.0], [-1.0, -2.0, 2.0], [2.0, 0.0, -2.0]]> : tensor<3x3xbf16>
  %nb = arith.constant dense<[0.0, 1.0, -1.0]> : tensor<3xbf16>
  %w1 = arith.constant dense<[[[-2.0, -1.0], [0.0, 1.0], [0.0, -1.0]], [[-2.0, 1.0], [1.0, -2.0], [-2.0, 0.0]], [[-1.0, 2.0], [0.0, 0.0], [0.0, 1.0]], [[0.0, -2.0], [1.0, 1.0], [2.0, 1.0]]]> : tensor<4x3x2xbf16>
  %b1 = arith.constant dense<[[-1.0, -1.0], [1.0, 1.0], [1.0, 2.0], [-1.0, 2.0]]> : tensor<4x2xbf16>
  %w2 = arith.constant dense<[[[-2.0, -2.0, 2.0], [2.0, -1.0, -2.0]], [[-1.0, -2.0, 2.0], [1.0, 0.0, -1.0]], [[0.0, -2.0, 1.0], [0.0, -2.0, -1.0]], [[1.0, 0.0, -1.0], [-1.0, -2.0, 1.0]]]> : tensor<4x2x3xbf16>
  %b2 = arith.constant dense<[[1.0, 0.0, 2.0], [2.0, -1.0, 1.0], [1.0, -1.0, -1.0], [0.0, 1.0, -1.0]]> : tensor<4x3xbf16>
  %xd = tensor.cast %x : tensor<7x3xbf16> to tensor<?x3xbf16>
  %y = call @leaf(%xd, %nw, %nb, %w1, %b1, %w2, %b2) : (tensor<?x3xbf16>, tensor<3x3xbf16>, tensor<3xbf16>, tensor<4x3x2xbf16>, tensor<4x2xbf16>, tensor<4x2x3xbf16>, tensor<4x3xbf16>) -> tensor<?x3xbf16>
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %y, %c0 : tensor<?x3xbf16>
  %wide0 = tensor.empty(%rows) : tensor<?x3xf32>
  %wide = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                          iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<?x3xbf16>) outs(%wide0 : tensor<?x3xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %e = arith.extf %in : bf16 to f32
      linalg.yield %e : f32
  } -> tensor<?x3xf32>
  %u = tensor.cast %wide : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
