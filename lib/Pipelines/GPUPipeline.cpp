//===- GPUPipeline.cpp - fff -> NVVM kernels + LLVM host code -----------===//
//
// `fff-gpu-pipeline`: each whole layer becomes one fused kernel
// (convert-fff-to-gpu, its math expanded by fff-gpu-expand-math),
// bufferization connects the buffers (all device memory: the entry point
// receives device pointers), and upstream's
// gpu-lower-to-nvvm pipeline outlines the kernels, lowers them to NVVM and
// serializes them into a gpu.binary while the host side becomes LLVM calls
// to the mgpu* runtime functions (lib/ExecutionEngine/CudaRuntime.cpp).
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/Passes.h"
#include "fff/Dialect/FFF/Transforms/Passes.h"
#include "fff/Pipelines/Pipelines.h"
#include "fff/Target/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::fff;

LogicalResult fff::verifyGPUPipelineOptions(
    const GPUPipelineOptions &options,
    function_ref<LogicalResult(const Twine &)> errorHandler) {
  StringRef chip = options.chip;
  unsigned arch = 0;
  if (!chip.consume_front("sm_") || chip.consumeInteger(10, arch) ||
      !(chip.empty() || chip == "a" || chip == "f") || arch < 50)
    return errorHandler("fff-gpu-pipeline: chip must be an NVIDIA "
                        "architecture sm_NN (NN >= 50), got '" +
                        options.chip + "'");
  if (options.format != "isa" && options.format != "bin" &&
      options.format != "fatbin")
    return errorHandler("fff-gpu-pipeline: format must be isa, bin or "
                        "fatbin, got '" +
                        options.format + "'");
  if (options.warpsPerBlock < 1 || options.warpsPerBlock > 32)
    return errorHandler("fff-gpu-pipeline: warps-per-block must be in "
                        "[1, 32], got " +
                        Twine(options.warpsPerBlock));
  if (options.optLevel < 0 || options.optLevel > 3)
    return errorHandler("fff-gpu-pipeline: opt-level must be in [0, 3], "
                        "got " +
                        Twine(options.optLevel));
  return success();
}

void fff::buildGPUPipeline(OpPassManager &pm,
                           const GPUPipelineOptions &options) {
  if (options.cInterface)
    addCInterfaceDescription(pm, options.cPrefix, /*device=*/true);
  pm.addPass(createFFFInsertShapeChecks());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  ConvertFFFToGPUOptions convert;
  convert.warpsPerBlock = options.warpsPerBlock;
  pm.addPass(createConvertFFFToGPU(convert));
  pm.addPass(createFFFGPUExpandMath()); // no libdevice in the kernels
  // Computation around the layers bufferizes as it would for CPUs, so that
  // fff-gpu-device-buffers can name it rather than bufferization failing.
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Tensors -> buffers, as for CPUs; the results are the caller's (device)
  // buffers, written in place.
  buildBufferizationPipeline(pm, /*outParams=*/true);
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createFFFGPUDeviceBuffers());
  // Kernels out of the host functions, then one stream per call: launches,
  // allocations and copies in order on it.
  // Constants go into the kernels rather than becoming kernel arguments.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  // The NVVM pipeline runs expand-strided-metadata, which crashes on dynamic
  // memref.expand_shape (fff-expand-dynamic-reshapes).
  pm.addPass(createFFFExpandDynamicReshapes());

  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip;
  nvvm.cubinFeatures = options.features;
  nvvm.cubinFormat = options.format;
  nvvm.optLevel = options.optLevel;
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
  if (options.cInterface)
    pm.addPass(createFFFGenerateCEntryPoints());
}
