// fff-approximate-vector-math: math ops on vectors become upstream's
// polynomial approximations (exp by default); scalar ones keep libm.
// RUN: fff-opt %s --fff-approximate-vector-math | FileCheck %s
// RUN: fff-opt %s --fff-approximate-vector-math=ops=erf | FileCheck %s --check-prefix=ERF
// RUN: not fff-opt %s --fff-approximate-vector-math=ops=exq 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: fff-approximate-vector-math: 'math.exq' is not a math op

// CHECK-LABEL: func.func @vector_exp
// CHECK-NOT: math.exp
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK: math.floor {{.*}} : vector<16xf32>
// CHECK: arith.fptosi {{.*}} : vector<16xf32> to vector<16xi32>
// CHECK-NOT: math.exp
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
