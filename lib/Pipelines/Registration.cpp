//===- Registration.cpp - the named pipelines of fff-opt ------------------===//

#include "fff/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::fff;

/// Registers `name` through `registerPassPipeline` (what
/// PassPipelineRegistration wraps) so that bad option values are errors of
/// the pipeline parser rather than asserts.
template <typename Options>
static void registerPipeline(
    StringRef name, StringRef description,
    LogicalResult (*verify)(const Options &,
                            function_ref<LogicalResult(const Twine &)>),
    void (*build)(OpPassManager &, const Options &)) {
  registerPassPipeline(
      name, description,
      [verify, build](OpPassManager &pm, StringRef optionsStr,
                      function_ref<LogicalResult(const Twine &)> errorHandler) {
        Options options;
        if (failed(options.parseFromString(optionsStr)) ||
            failed(verify(options, errorHandler)))
          return failure();
        build(pm, options);
        return success();
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> optHandler) {
        optHandler(Options());
      });
}

void fff::registerFFFPipelines() {
  registerPipeline<CPUPipelineOptions>(
      "fff-cpu-pipeline",
      "Lower fff (and the upstream ops around it) to the LLVM dialect for "
      "CPUs: fusion or expansion, bufferization, loops, LLVM",
      verifyCPUPipelineOptions, buildCPUPipeline);
  registerPipeline<GPUPipelineOptions>(
      "fff-gpu-pipeline",
      "Lower fff layers to NVIDIA GPU kernels (gpu dialect -> NVVM -> PTX in "
      "a gpu.binary) launched from host code in the LLVM dialect",
      verifyGPUPipelineOptions, buildGPUPipeline);
}
