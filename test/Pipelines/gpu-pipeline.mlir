// RUN: fff-opt %s --fff-gpu-pipeline | FileCheck %s --implicit-check-not="{{[= ](fff|linalg|scf|cf|memref|tensor|vector|arith|math|func|bufferization|affine)\.}}"
// RUN: fff-opt %s --fff-gpu-pipeline | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=HOST
// RUN: fff-opt %s --fff-gpu-pipeline="chip=sm_80 features=+ptx70 warps-per-block=2" | FileCheck %s --check-prefix=SM80
// No libdevice function is declared at any step, whatever the activation
// (a kernel calling one would not load where no CUDA toolkit linked it in).
// RUN: fff-opt %s --fff-gpu-pipeline --mlir-print-ir-after-all 2>&1 | not grep -E "__nv_|error"
// RUN: sed 's/activation gelu/activation gelu_tanh/' %s | fff-opt --fff-gpu-pipeline --mlir-print-ir-after-all 2>&1 | not grep -E "__nv_|error"
// RUN: sed 's/activation gelu/activation silu/' %s | fff-opt --fff-gpu-pipeline --mlir-print-ir-after-all 2>&1 | not grep -E "__nv_|error"
// RUN: not fff-opt %s --fff-gpu-pipeline="chip=gfx90a" 2>&1 | FileCheck %s --check-prefix=BADCHIP
// RUN: not fff-opt %s --fff-gpu-pipeline="format=elf" 2>&1 | FileCheck %s --check-prefix=BADFORMAT
// RUN: not fff-opt %s --fff-gpu-pipeline="warps-per-block=0" 2>&1 | FileCheck %s --check-prefix=BADW
// RUN: not fff-opt %s --fff-gpu-pipeline="opt-level=4" 2>&1 | FileCheck %s --check-prefix=BADO

// The host side is in the LLVM dialect with nothing else left (the
// implicit-check-not); the kernel is PTX for sm_90 inside a gpu.binary:
// one entry and warp shuffles for the dot products.

// CHECK-LABEL: llvm.func @path(
// The result is an out-parameter: nothing is allocated on the host or the
// device, and one stream carries the launch.
// CHECK-NOT:     malloc
// CHECK-NOT:     mgpuMemAlloc
// CHECK:         llvm.call @mgpuStreamCreate()
// CHECK:         gpu.launch_func <%{{.*}} : !llvm.ptr> @path_kernel::@path_kernel blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}}) : i64
// CHECK:         llvm.call @mgpuStreamSynchronize
// CHECK:         llvm.call @mgpuStreamDestroy
// CHECK:       gpu.binary @path_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">
// CHECK-SAME:    assembly = "{{.*}}.target sm_90{{.*}}.visible .entry path_kernel({{.*}}shfl.sync.bfly.b32{{.*}}"

// The translated host code loads the module once, when the library is
// loaded (PTX, compiled by the driver), and launches through the runtime.
// HOST: @llvm.global_ctors = {{.*}} @path_kernel_load
// HOST-LABEL: define void @path(
// HOST: call ptr @mgpuModuleGetFunction(
// HOST: call void @mgpuLaunchKernel(ptr %{{.*}}, i64 %{{.*}}, i64 1, i64 1, i64 32, i64 4, i64 1, i32 0,
// HOST: define internal void @path_kernel_load()
// HOST: call ptr @mgpuModuleLoadJIT(ptr @path_kernel_binary, i32 3)

// SM80: chip = "sm_80", features = "+ptx70"
// SM80-SAME: .target sm_80

// BADCHIP: fff-gpu-pipeline: chip must be an NVIDIA architecture sm_NN (NN >= 50), got 'gfx90a'
// BADFORMAT: fff-gpu-pipeline: format must be isa, bin or fatbin, got 'elf'
// BADW: fff-gpu-pipeline: warps-per-block must be in [1, 32], got 0
// BADO: fff-gpu-pipeline: opt-level must be in [0, 3], got 4
func.func @path(%x: tensor<?x16xf32>, %w_in: tensor<14x16xf32>, %b_in: tensor<14xf32>,
                %w_out: tensor<14x12xf32>) -> tensor<?x12xf32> {
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %x, %c0 : tensor<?x16xf32>
  %init = tensor.empty(%rows) : tensor<?x12xf32>
  %y = fff.path_neuron trees 2 depth 2 activation gelu tie gt
      ins(%x, %w_in, %b_in, %w_out : tensor<?x16xf32>, tensor<14x16xf32>, tensor<14xf32>, tensor<14x12xf32>)
      outs(%init : tensor<?x12xf32>)
  return %y : tensor<?x12xf32>
}
