// The CPU pipeline lowers softmax to vector row loops whose exp is a
// polynomial (no exp left in the vector code; llvm.intr.fma and floor are
// instructions), the scalar rows of a strided view to libm's expf, and
// rsqrt as 1 / sqrtf.
// RUN: fff-opt %s --fff-cpu-pipeline="vector-width=8" | FileCheck %s

// CHECK-LABEL: llvm.func @softmax
// CHECK-NOT: linalg
// CHECK-NOT: @expf
// CHECK: llvm.intr.maximum({{.*}}) : (vector<8xf32>, vector<8xf32>)
// CHECK: llvm.intr.vector.reduce.fmaximum
// CHECK: llvm.intr.fma({{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: llvm.intr.floor({{.*}}) : (vector<8xf32>)
// CHECK: llvm.intr.vector.reduce.fadd
// CHECK: llvm.fdiv {{.*}} : vector<8xf32>
// CHECK-NOT: @expf
// CHECK: llvm.call @sqrtf
// CHECK-NEXT: llvm.fdiv
// CHECK-NOT: @expf
// CHECK: llvm.return
func.func @softmax(%x: tensor<?x20xf32>) -> tensor<?x20xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x20xf32>
  %e = tensor.empty(%n) : tensor<?x20xf32>
  %s = linalg.softmax dimension(1) ins(%x : tensor<?x20xf32>) outs(%e : tensor<?x20xf32>) -> tensor<?x20xf32>
  %r = math.rsqrt %s : tensor<?x20xf32>
  return %r : tensor<?x20xf32>
}

// A softmax over the outer dimension: rows of stride 20, scalar code.
// CHECK-LABEL: llvm.func @columns
// CHECK-NOT: vector.reduce
// CHECK: llvm.call @expf
func.func @columns(%x: tensor<?x20xf32>) -> tensor<?x20xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x20xf32>
  %e = tensor.empty(%n) : tensor<?x20xf32>
  %s = linalg.softmax dimension(0) ins(%x : tensor<?x20xf32>) outs(%e : tensor<?x20xf32>) -> tensor<?x20xf32>
  return %s : tensor<?x20xf32>
}
