//===- Pipelines.h - Named pass pipelines of fff-mlir -----------*- C++ -*-===//

#ifndef FFF_PIPELINES_PIPELINES_H
#define FFF_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::fff {

/// Options of `fff-cpu-pipeline`: the choices that change the generated code.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<bool> fuse{
      *this, "fuse",
      llvm::cl::desc("Fuse routing with the leaf/path computation "
                     "(fff-fuse-routing); false expands the layers and "
                     "lowers each op separately"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("Vector lanes for dot products and row updates "
                     "(0 = scalar loops)"),
      llvm::cl::init(8)};
  PassOptions::Option<int64_t> rowBlock{
      *this, "row-block",
      llvm::cl::desc("Rows per iteration of the fused parallel row loop"),
      llvm::cl::init(1)};
  PassOptions::Option<int64_t> interleave{
      *this, "interleave",
      llvm::cl::desc("Rows that walk their trees together in the fused loop, "
                     "their dot products interleaved (1-16)"),
      llvm::cl::init(1)};
  PassOptions::Option<bool> outParams{
      *this, "out-params",
      llvm::cl::desc("Results become caller-allocated out-parameters that "
                     "the code writes in place (buffer-results-to-out-params "
                     "with hoisted allocations), as fff-compile's C ABI "
                     "uses them"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> openmp{
      *this, "openmp",
      llvm::cl::desc("Run the parallel row loops on OpenMP threads "
                     "(scf.forall -> scf.parallel -> omp.wsloop); the "
                     "compiled code then needs an OpenMP runtime (libomp)"),
      llvm::cl::init(false)};
};

/// Checks `options`; on failure reports through
/// `errorHandler` (the pipeline parser's error channel).
LogicalResult verifyCPUPipelineOptions(
    const CPUPipelineOptions &options,
    function_ref<LogicalResult(const Twine &)> errorHandler);

/// Appends fff -> LLVM dialect for CPUs to `pm` (a module pass manager).
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers `fff-cpu-pipeline`.
void registerFFFPipelines();

} // namespace mlir::fff

#endif // FFF_PIPELINES_PIPELINES_H
