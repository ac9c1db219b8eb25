// fff-compile's back end, in process: optimized LLVM IR, assembly for a
// named CPU, an object file, and a shared library that exports only the C
// entry point.
// RUN: fff-compile %s --emit=llvm --target-triple=x86_64-unknown-linux-gnu --target-cpu=skylake-avx512 | FileCheck %s --check-prefix=LLVM
// RUN: fff-compile %s --emit=asm --target-triple=x86_64-unknown-linux-gnu --target-cpu=skylake-avx512 | FileCheck %s --check-prefix=AVX512
// RUN: fff-compile %s --emit=asm --target-triple=x86_64-unknown-linux-gnu --target-cpu=x86-64 | FileCheck %s --check-prefix=SSE
// RUN: fff-compile %s --emit=asm --target-triple=aarch64-unknown-linux-gnu --target-cpu=generic | FileCheck %s --check-prefix=ARM
// RUN: rm -rf %t && mkdir -p %t
// RUN: fff-compile %s --emit=obj -o %t/layer.o
// RUN: llvm-nm %t/layer.o | FileCheck %s --check-prefix=OBJ
// RUN: test -f %t/layer.h
// RUN: fff-compile %s -o %t/liblayer.so --header=%t/custom.h
// RUN: llvm-nm -D --defined-only %t/liblayer.so | FileCheck %s --check-prefix=SHARED
// RUN: FileCheck %s --input-file=%t/custom.h --check-prefix=HEADER
// RUN: not test -f %t/liblayer.h

// The entry point carries the CPU, so the optimizer and the code generator
// agree on the vector width; the lowered function is inlined into its body,
// which the entry point runs under the host runtime's fffHostRun.
// LLVM: define{{.*}} i32 @fff_layer(ptr {{.*}}, i64 {{.*}}, ptr {{.*}}) {{.*}}#[[ATTRS:[0-9]+]]
// LLVM: call i32 @fffHostRun(ptr nonnull @fff_layer.body
// LLVM-NOT: define{{.*}} @layer(
// LLVM: attributes #[[ATTRS]] = {{.*}}"target-cpu"="skylake-avx512"

// vector-width=auto picks 16 lanes with AVX-512, 4 with SSE and NEON.
// AVX512: fff_layer.body:
// AVX512: zmm
// SSE: fff_layer.body:
// SSE-NOT: {{[yz]mm}}
// ARM: fff_layer.body:
// ARM: fmla v{{[0-9]+}}.4s

// OBJ: T fff_layer
// OBJ-NOT: T layer

// SHARED: T fff_layer
// SHARED-NOT: layer

// HEADER: int32_t fff_layer(const float *x, int64_t x_dim0, float *result);

func.func @layer(%x: tensor<?x64xf32> {fff.name = "x"}) -> tensor<?x64xf32> {
  %w = arith.constant dense<0.5> : tensor<3x64xf32>
  %b = arith.constant dense<0.0> : tensor<3xf32>
  %o = arith.constant dense<1.0> : tensor<3x64xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %init = tensor.empty(%n) : tensor<?x64xf32>
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %o : tensor<?x64xf32>, tensor<3x64xf32>, tensor<3xf32>, tensor<3x64xf32>)
      outs(%init : tensor<?x64xf32>)
  return %y : tensor<?x64xf32>
}

// A cross triple with the default --target-cpu=host gets that target's
// generic CPU, not this machine's.
// RUN: fff-compile %s --emit=asm --target-triple=aarch64-linux-gnu | FileCheck %s --check-prefix=CROSS
// CROSS: fff_layer:
