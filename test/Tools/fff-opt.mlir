// fff-opt registers everything mlir-opt does (dialects, passes, extensions,
// LLVM IR translations) and the fff dialect.
// RUN: fff-opt --show-dialects | FileCheck %s --check-prefix=DIALECTS
// RUN: fff-opt %s \
// RUN:   --pass-pipeline="builtin.module(nvvm-attach-target{chip=sm_90 features=+ptx80},gpu.module(convert-gpu-to-nvvm),gpu-to-llvm,gpu-module-to-binary{format=isa})" \
// RUN:   | FileCheck %s --check-prefix=PTX
// RUN: fff-opt %s --mlir-print-op-generic --convert-func-to-llvm=use-bare-ptr-memref-call-conv \
// RUN:   | FileCheck %s --check-prefix=LLVM
// RUN: not fff-opt %s --no-such-pass 2>&1 | FileCheck %s --check-prefix=BADFLAG
// RUN: fff-opt --help | FileCheck %s --check-prefix=HELP

// fff's passes and pipeline sit beside upstream's in --help, with their options.
// HELP-DAG: --convert-fff-to-linalg
// HELP-DAG: --fff-cpu-pipeline
// HELP-DAG: --fuse
// HELP-DAG: --row-block
// HELP-DAG: --fff-expand-layers
// HELP-DAG: --index-bitwidth
// HELP-DAG: --fff-fuse-routing
// HELP-DAG: --vector-width

// DIALECTS: Available Dialects:
// DIALECTS-SAME: fff
// DIALECTS-SAME: gpu
// DIALECTS-SAME: linalg
// DIALECTS-SAME: llvm
// DIALECTS-SAME: nvvm

// gpu-module-to-binary needs the NVPTX target and the LLVM IR translations:
// PTX: gpu.binary @kernels
// PTX-SAME: .target sm_90
// PTX-SAME: .entry scale

// LLVM: "llvm.func"() <{{.*}}sym_name = "host"

// BADFLAG: Unknown command line argument '--no-such-pass'

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @scale(%buf: memref<16xf32>) kernel {
      %tid = gpu.thread_id x
      %v = memref.load %buf[%tid] : memref<16xf32>
      %two = arith.addf %v, %v : f32
      memref.store %two, %buf[%tid] : memref<16xf32>
      gpu.return
    }
  }
  func.func @host() {
    return
  }
}
