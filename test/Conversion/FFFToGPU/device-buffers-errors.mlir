// RUN: not fff-opt %s --fff-gpu-device-buffers --split-input-file 2>&1 | FileCheck %s

// Host code that would read device memory, or weights baked into the IR,
// are errors at the op.

memref.global "private" constant @weights : memref<4xf32> = dense<1.0>
// CHECK: device-buffers-errors.mlir:[[# @LINE + 2]]:8: error: a constant buffer (weights baked into the IR) cannot be read by GPU kernels: pass the weights as function arguments (fff-weights-to-arguments, fff-compile --weights=arguments)
func.func @baked() -> memref<4xf32> {
  %w = memref.get_global @weights : memref<4xf32>
  return %w : memref<4xf32>
}

// -----

// CHECK: device-buffers-errors.mlir:[[# @LINE + 3]]:8: error: 'memref.load' would access device memory on the host: the GPU target compiles fff layers, not the computation around them
func.func @host_load(%m: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %v = memref.load %m[%c0] : memref<4xf32>
  return %v : f32
}

// -----

// CHECK: device-buffers-errors.mlir:[[# @LINE + 2]]:3: error: 'linalg.fill' would access device memory on the host
func.func @host_fill(%m: memref<4xf32>, %v: f32) {
  linalg.fill ins(%v : f32) outs(%m : memref<4xf32>)
  return
}
