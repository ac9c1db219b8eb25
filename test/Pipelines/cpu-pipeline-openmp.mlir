// openmp=true: the parallel row loop becomes an OpenMP worksharing loop (and
// only it: the walk and the row update inside stay sequential; group-rows=0
// leaves the one fused row loop); fff-compile --openmp links the library
// against libomp.
// RUN: fff-opt %s --fff-cpu-pipeline="openmp=true group-rows=0" | FileCheck %s
// RUN: fff-opt %s --fff-cpu-pipeline="openmp=true fuse=false" | FileCheck %s --check-prefix=UNFUSED
// RUN: fff-opt %s --fff-cpu-pipeline | FileCheck %s --check-prefix=SERIAL
// RUN: fff-compile %s --openmp --emit=llvm | FileCheck %s --check-prefix=IR
// RUN: rm -rf %t && mkdir -p %t && fff-compile %s --openmp -o %t/liblayer.so
// RUN: llvm-readobj --needed-libs %t/liblayer.so | FileCheck %s --check-prefix=LINK

// CHECK-LABEL: llvm.func @layer
// CHECK: omp.parallel {
// CHECK-NEXT: omp.wsloop {
// CHECK-NEXT: omp.loop_nest
// CHECK-NOT: omp.parallel
// UNFUSED: omp.parallel
// SERIAL-NOT: omp.
// IR: call void {{.*}}@__kmpc_fork_call
// LINK: libomp.so

func.func @layer(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %w = arith.constant dense<0.5> : tensor<3x8xf32>
  %b = arith.constant dense<0.0> : tensor<3xf32>
  %o = arith.constant dense<1.0> : tensor<3x8xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %init = tensor.empty(%n) : tensor<?x8xf32>
  %y = fff.path_neuron trees 1 depth 1 activation relu tie gt
      ins(%x, %w, %b, %o : tensor<?x8xf32>, tensor<3x8xf32>, tensor<3xf32>, tensor<3x8xf32>)
      outs(%init : tensor<?x8xf32>)
  return %y : tensor<?x8xf32>
}
