//===- Pipelines.h - Named pass pipelines of fff-mlir -----------*- C++ -*-===//

#ifndef FFF_PIPELINES_PIPELINES_H
#define FFF_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::fff {

/// fff-group-rows' defaults in the pipeline and fff-compile: the smallest
/// batch that is grouped, and the tile of several-tree path neurons
/// (docs/performance.md has the measurements behind them).
constexpr int64_t kDefaultGroupMinBatch = 64;
constexpr int64_t kDefaultGroupTileRows = 1024;

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
  PassOptions::Option<int64_t> groupRows{
      *this, "group-rows",
      llvm::cl::desc("Group rows by leaf or subtree (fff-group-rows), a "
                     "leaf's rows N at a time (1-16); 0 = off"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> groupSplitLevel{
      *this, "group-split-level",
      llvm::cl::desc("fff-group-rows: path-neuron levels walked before "
                     "grouping by subtree (0 = half the levels)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> groupTileRows{
      *this, "group-tile-rows",
      llvm::cl::desc("fff-group-rows: path neurons with several trees are "
                     "grouped this many rows at a time (0 = whole batch)"),
      llvm::cl::init(kDefaultGroupTileRows)};
  PassOptions::Option<int64_t> groupMinBatch{
      *this, "group-min-batch",
      llvm::cl::desc("fff-group-rows: smallest batch grouped; smaller ones "
                     "run one row at a time (0 or 1 = always group)"),
      llvm::cl::init(kDefaultGroupMinBatch)};
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

/// Options of `fff-gpu-pipeline`.
struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("NVIDIA GPU architecture the kernels are compiled for "
                     "(sm_NN)"),
      llvm::cl::init("sm_90")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("NVPTX features (the PTX version: sm_90 needs +ptx80)"),
      llvm::cl::init("+ptx80")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What the gpu.binary holds: isa (PTX, compiled by the "
                     "driver when loaded; needs no CUDA toolkit), bin "
                     "(cubin) or fatbin (both need ptxas)"),
      llvm::cl::init("isa")};
  PassOptions::Option<int64_t> warpsPerBlock{
      *this, "warps-per-block",
      llvm::cl::desc("Rows (one warp each) per thread block (1-32)"),
      llvm::cl::init(4)};
  PassOptions::Option<int> optLevel{
      *this, "opt-level",
      llvm::cl::desc("LLVM optimization level for the kernels (0-3)"),
      llvm::cl::init(3)};
};

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

/// Appends fff -> LLVM dialect for CPUs to `pm` (a module pass manager).
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers `fff-cpu-pipeline` and `fff-gpu-pipeline`.
void registerFFFPipelines();

} // namespace mlir::fff

#endif // FFF_PIPELINES_PIPELINES_H
