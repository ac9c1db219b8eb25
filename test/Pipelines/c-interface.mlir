// fff-cpu-pipeline c-interface=true is what fff-compile links: the same IR,
// entry points included, from either tool.
// RUN: fff-opt %s --fff-cpu-pipeline="c-interface=true workspace-cache=true" -o %t.opt.mlir
// RUN: fff-compile %s --emit=mlir --target-cpu=generic -o %t.compile.mlir
// RUN: diff %t.opt.mlir %t.compile.mlir
// RUN: FileCheck %s < %t.opt.mlir

// The call is inlined before the ABI is described, so the result's B*S rows
// are known; the entry point computes them, overflow-checked.
// CHECK: #[[ROWS:.*]] = affine_map<()[s0, s1] -> (s0 * s1, 2)>
// CHECK: llvm.func internal @encode(
// CHECK: llvm.func @fff_encode(%{{.*}}: !llvm.ptr, %[[B:.*]]: i64, %[[S:.*]]: i64, %{{.*}}: !llvm.ptr) -> i32
// CHECK-SAME: sizes = #[[ROWS]]
// CHECK: "llvm.intr.smul.with.overflow"(%[[B]], %[[S]])
func.func @encode(%x: tensor<?x?x4xf32>) -> tensor<?x2xf32> {
  %flat = tensor.collapse_shape %x [[0, 1], [2]] : tensor<?x?x4xf32> into tensor<?x4xf32>
  %y = call @layer(%flat) : (tensor<?x4xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

func.func private @layer(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<1.0> : tensor<3x4xf32>
  %b = arith.constant dense<0.0> : tensor<3xf32>
  %o = arith.constant dense<1.0> : tensor<3x2xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%n) : tensor<?x2xf32>
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %o : tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x2xf32>)
      outs(%init : tensor<?x2xf32>)
  %s = arith.addf %y, %y : tensor<?x2xf32>
  return %s : tensor<?x2xf32>
}
