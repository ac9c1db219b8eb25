// RUN: fff-opt %s --fff-gpu-expand-math --split-input-file --verify-diagnostics | FileCheck %s

// In a kernel (an op marked fff.kernel): erf becomes a polynomial of fmas,
// fma an LLVM intrinsic, absf a cleared sign bit, floor a truncation. The
// mark is dropped.

// CHECK-LABEL: func.func @kernel
// CHECK:       scf.forall
// CHECK-NOT:     math.
// CHECK:         llvm.intr.fma
// CHECK-NOT:     math.
// CHECK:         arith.andi %{{.*}}, %{{.*}} : i32
// CHECK:         arith.fptosi
// CHECK:         arith.sitofp
// CHECK-NOT:     math.
// CHECK:       }{{$}}
// CHECK-NEXT:  return
func.func @kernel(%x: memref<?xf32>, %n: index) {
  scf.forall (%i) in (%n) {
    %v = memref.load %x[%i] : memref<?xf32>
    %e = math.erf %v : f32
    %a = math.absf %e : f32
    %f = math.floor %a : f32
    %g = math.fma %f, %v, %e : f32
    memref.store %g, %x[%i] : memref<?xf32>
  } {fff.kernel}
  return
}

// -----

// Outside the kernels nothing changes.

// CHECK-LABEL: func.func @host
// CHECK:         math.erf
// CHECK:         math.fma
func.func @host(%v: f32) -> f32 {
  %e = math.erf %v : f32
  %g = math.fma %e, %v, %e : f32
  return %g : f32
}

// -----

// A math op with no libdevice-free lowering is an error naming it.

func.func @unsupported(%x: memref<?xf32>, %n: index) {
  scf.forall (%i) in (%n) {
    %v = memref.load %x[%i] : memref<?xf32>
    // expected-error @+1 {{'math.ceil' has no lowering in GPU kernels that avoids libdevice}}
    %c = math.ceil %v : f32
    memref.store %c, %x[%i] : memref<?xf32>
  } {fff.kernel}
  return
}
