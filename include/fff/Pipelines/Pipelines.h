//===- Pipelines.h - Named pass pipelines of fff-mlir -----------*- C++ -*-===//

#ifndef FFF_PIPELINES_PIPELINES_H
#define FFF_PIPELINES_PIPELINES_H

#include "fff/Target/LLVMCodegen.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::fff {

/// Options of `fff-cpu-pipeline`: the choices that change the generated
/// code, and the machine it is for (PipelineOptions.def).
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
#define FFF_OPTION(FIELD, NAME, TYPE, DEFAULT, DESC)                           \
  PassOptions::Option<TYPE> FIELD{*this, NAME, llvm::cl::desc(DESC),           \
                                  llvm::cl::init(DEFAULT)};
#define FFF_CPU_OPTION FFF_OPTION
#define FFF_CPU_PIPELINE_OPTION FFF_OPTION
#define FFF_TARGET_OPTION FFF_OPTION
#include "fff/Pipelines/PipelineOptions.def"
#undef FFF_OPTION
};

/// Options of `fff-gpu-pipeline` (PipelineOptions.def).
struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
#define FFF_GPU_PIPELINE_OPTION(FIELD, NAME, TYPE, DEFAULT, DESC)              \
  PassOptions::Option<TYPE> FIELD{*this, NAME, llvm::cl::desc(DESC),           \
                                  llvm::cl::init(DEFAULT)};
#define FFF_GPU_OPTION(FIELD, NAME, FLAG, TYPE, DEFAULT, DESC)                 \
  FFF_GPU_PIPELINE_OPTION(FIELD, NAME, TYPE, DEFAULT, DESC)
#include "fff/Pipelines/PipelineOptions.def"
};

/// The machine `options` generate code for (target-triple, target-cpu,
/// target-features), at LLVM optimization level `optLevel`.
TargetOptions getTargetOptions(const CPUPipelineOptions &options,
                               unsigned optLevel = kDefaultOptLevel);

/// `vector-width` as a number of lanes: the given one, or for `auto` the
/// widest f32 vector of the target. The one place where target-dependent
/// defaults are decided; errors go to `errorHandler`.
FailureOr<int64_t>
getVectorWidth(const CPUPipelineOptions &options,
               function_ref<LogicalResult(const Twine &)> errorHandler);

/// Checks `options` as verifyCPUPipelineOptions does.
LogicalResult verifyGPUPipelineOptions(
    const GPUPipelineOptions &options,
    function_ref<LogicalResult(const Twine &)> errorHandler);

/// Appends fff -> host LLVM dialect + a gpu.binary of NVVM kernels to `pm`.
/// Results are always caller-allocated out-parameters (device buffers).
void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &options);

/// Checks `options`; on failure reports through
/// `errorHandler` (the pipeline parser's error channel).
LogicalResult verifyCPUPipelineOptions(
    const CPUPipelineOptions &options,
    function_ref<LogicalResult(const Twine &)> errorHandler);

/// Appends one-shot bufferization (function boundaries, identity layouts),
/// optionally results as caller-allocated out-parameters, and deallocation:
/// what both pipelines do between tensors and buffers.
void buildBufferizationPipeline(OpPassManager &pm, bool outParams);

/// The start of a pipeline with c-interface=true: inlining, then
/// fff-describe-c-abi with `prefix` (device: the arrays are device pointers).
void addCInterfaceDescription(OpPassManager &pm, StringRef prefix, bool device);

/// Appends fff -> LLVM dialect for CPUs to `pm` (a module pass manager).
/// `options` must have passed verifyCPUPipelineOptions.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers `fff-cpu-pipeline` and `fff-gpu-pipeline`.
void registerFFFPipelines();

} // namespace mlir::fff

#endif // FFF_PIPELINES_PIPELINES_H
