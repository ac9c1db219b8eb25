// fff-approximate-vector-math: math ops on vectors become upstream's
// polynomial approximations (exp by default), their fma and floor LLVM
// intrinsics; scalar ones are left for libm.
// RUN: fff-opt %s --fff-approximate-vector-math | FileCheck %s
// RUN: fff-opt %s --fff-approximate-vector-math=ops=erf | FileCheck %s --check-prefix=ERF
// RUN: not fff-opt %s --fff-approximate-vector-math=ops=exq 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: fff-approximate-vector-math: 'math.exq' is not a math op

// CHECK-LABEL: func.func @vector_exp
// CHECK-NOT: math.exp
// CHECK: llvm.intr.fma({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK: llvm.intr.floor({{.*}}) : (vector<16xf32>) -> vector<16xf32>
// CHECK: arith.fptosi {{.*}} : vector<16xf32> to vector<16xi32>
// CHECK-NOT: math.
// CHECK: return
// ERF-LABEL: func.func @vector_exp
// ERF: math.exp {{.*}} : vector<16xf32>
func.func @vector_exp(%x: vector<16xf32>) -> vector<16xf32> {
  %e = math.exp %x : vector<16xf32>
  return %e : vector<16xf32>
}

// CHECK-LABEL: func.func @scalar_exp
// CHECK: math.exp {{.*}} : f32
func.func @scalar_exp(%x: f32) -> f32 {
  %e = math.exp %x : f32
  return %e : f32
}

// CHECK-LABEL: func.func @vector_erf
// CHECK: math.erf {{.*}} : vector<8xf32>
// ERF-LABEL: func.func @vector_erf
// ERF-NOT: math.erf
// ERF: return
func.func @vector_erf(%x: vector<8xf32>) -> vector<8xf32> {
  %e = math.erf %x : vector<8xf32>
  return %e : vector<8xf32>
}

// The vector ops with one instruction become intrinsics; scalar ones stay.
// CHECK-LABEL: func.func @instructions
// CHECK: llvm.intr.sqrt({{.*}}) : (vector<4xf32>) -> vector<4xf32>
// CHECK: llvm.intr.fabs({{.*}}) : (vector<4xf32>) -> vector<4xf32>
// CHECK: llvm.intr.copysign({{.*}}) : (vector<4xf32>, vector<4xf32>) -> vector<4xf32>
// CHECK: math.sqrt {{.*}} : f32
// CHECK: math.log1p {{.*}} : f32
func.func @instructions(%v: vector<4xf32>, %s: f32) -> (vector<4xf32>, f32) {
  %a = math.sqrt %v : vector<4xf32>
  %b = math.absf %a : vector<4xf32>
  %c = math.copysign %b, %v : vector<4xf32>
  %d = math.sqrt %s : f32
  %e = math.log1p %d : f32
  return %c, %e : vector<4xf32>, f32
}
