//===- CPUPipeline.cpp - fff -> LLVM dialect for CPUs -------------------===//
//
// `fff-cpu-pipeline`: the passes a user runs to turn a module with fff ops
// (and upstream tensor/linalg/arith around them) into the LLVM dialect,
// ready for mlir-translate/mlir-runner. Fusion on or off picks between the
// fused row loops and the unfused op-by-op lowering; both end in the same
// bufferization and LLVM lowering.
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/Passes.h"
#include "fff/Dialect/FFF/Transforms/Passes.h"
#include "fff/Dialect/FFF/Utils/OptionChecks.h"
#include "fff/Pipelines/Pipelines.h"
#include "fff/Target/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;
using namespace mlir::fff;

LogicalResult fff::verifyCPUPipelineOptions(
    const CPUPipelineOptions &options,
    function_ref<LogicalResult(const Twine &)> errorHandler) {
  FailureOr<int64_t> vectorWidth = getVectorWidth(options, errorHandler);
  if (failed(vectorWidth))
    return failure();
  if (std::string error = checkVectorWidth(*vectorWidth); !error.empty())
    return errorHandler("fff-cpu-pipeline: " + error);
  if (options.groupRows < 0 || options.groupRows > kMaxInterleave)
    return errorHandler("fff-cpu-pipeline: group-rows must be in [0, " +
                        Twine(kMaxInterleave) + "], got " +
                        Twine(options.groupRows));
  for (auto [name, value] : {std::pair<StringRef, int64_t>{
                                 "group-split-level", options.groupSplitLevel},
                             {"group-min-batch", options.groupMinBatch},
                             {"group-tile-rows", options.groupTileRows},
                             {"bucket-tile-rows", options.bucketTileRows},
                             {"bucket-min-batch", options.bucketMinBatch}})
    if (value < 0)
      return errorHandler("fff-cpu-pipeline: " + name + " must be >= 0, got " +
                          Twine(value));
  if (options.registerRows < 1 || options.registerRows > kMaxInterleave)
    return errorHandler("fff-cpu-pipeline: register-rows must be in [1, " +
                        Twine(kMaxInterleave) + "], got " +
                        Twine(options.registerRows));
  for (std::string error :
       {checkRowLoopOptions(options.rowBlock, options.interleave),
        checkWalkStep(options.walkStep)})
    if (!error.empty())
      return errorHandler("fff-cpu-pipeline: " + error);
  return success();
}

void fff::buildBufferizationPipeline(OpPassManager &pm, bool outParams) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Upstream makes the constants' globals in a pointer-dependent order.
  pm.addPass(createFFFOrderConstantGlobals());
  // Loops that carried a tensor now carry the same buffer around: folding
  // those iter_args lets the result be the allocation itself, which
  // buffer-results-to-out-params then replaces by the caller's buffer
  // instead of copying into it.
  pm.addPass(createCanonicalizerPass());
  // Scratch rows allocated in a loop (fff-group-rows) are allocated once.
  pm.addNestedPass<func::FuncOp>(bufferization::createBufferLoopHoistingPass());
  if (outParams) {
    // The result buffer is the caller's: no allocation, no copy out.
    bufferization::BufferResultsToOutParamsPassOptions options;
    options.hoistStaticAllocs = true;
    options.hoistDynamicAllocs = true;
    options.modifyPublicFunctions = true;
    pm.addPass(bufferization::createBufferResultsToOutParamsPass(options));
  }
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  // Deallocation may clone a returned buffer that the caller already owns
  // (an argument): clones become alloc + copy.
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void fff::addCInterfaceDescription(OpPassManager &pm, StringRef prefix,
                                   bool device) {
  // Result sizes flow through calls only once they are inlined
  // (func.call has no ReifyRankedShapedTypeOpInterface).
  // Inlining only: no simplification pipeline, so the IR stays the input's.
  pm.addPass(createInlinerPass({}, [](OpPassManager &) {}));
  FFFDescribeCABIOptions describe;
  describe.prefix = prefix.str();
  describe.device = device;
  pm.addPass(createFFFDescribeCABI(describe));
}

void fff::buildCPUPipeline(OpPassManager &pm,
                           const CPUPipelineOptions &options) {
  FailureOr<int64_t> vectorWidth =
      getVectorWidth(options, [](const Twine &message) {
        llvm::report_fatal_error("fff-cpu-pipeline: unverified options: " +
                                 message);
        return failure();
      });
  if (options.cInterface)
    addCInterfaceDescription(pm, options.cPrefix, /*device=*/false);
  // fff on tensors -> upstream ops on tensors, after guarding the shape
  // rules that dynamic sizes left to run time.
  pm.addPass(createFFFInsertShapeChecks());
  pm.addPass(createCSEPass()); // dim(init) == dim(x) when init is made from x
  pm.addPass(createCanonicalizerPass()); // ... folds those checks away
  if (options.bucketRows) {
    FFFBucketRowsOptions bucket;
    bucket.tileRows = options.bucketTileRows;
    bucket.minBatch = options.bucketMinBatch;
    pm.addPass(createFFFBucketRows(bucket));
  }
  if (options.groupRows > 0) {
    FFFGroupRowsOptions group;
    group.vectorWidth = *vectorWidth;
    group.rows = options.groupRows;
    group.splitLevel = options.groupSplitLevel;
    group.minBatch = options.groupMinBatch;
    group.tileRows = options.groupTileRows;
    group.walkStep = options.walkStep;
    pm.addPass(createFFFGroupRows(group));
  }
  if (options.fuse) {
    FFFFuseRoutingOptions fuse;
    fuse.vectorWidth = *vectorWidth;
    fuse.rowBlock = options.rowBlock;
    fuse.interleave = options.interleave;
    fuse.walkStep = options.walkStep;
    pm.addPass(createFFFFuseRouting(fuse));
  }
  pm.addPass(createFFFExpandLayers());
  ConvertFFFToLinalgOptions convert;
  convert.vectorWidth = *vectorWidth;
  convert.rowBlock = options.registerRows;
  pm.addPass(createConvertFFFToLinalg(convert));
  // Elementwise arith/math on tensors around the layers (y + y, ...).
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Tensors -> buffers. Function arguments and results become plain memrefs
  // so the entry points have a simple C ABI.
  buildBufferizationPipeline(pm, options.outParams || options.cInterface);
  // Strided copies would call MLIR's runner-utils library: make them loops.
  pm.addPass(createFFFExpandStridedCopies());

  // Dense matmuls on buffers -> BLAS calls, before the rest become loops.
  if (options.blas)
    pm.addPass(createConvertLinalgToBlas());
  // linalg.softmax has no loop lowering upstream: row loops, in vectors.
  ConvertSoftmaxToLoopsOptions softmax;
  softmax.vectorWidth = *vectorWidth;
  pm.addPass(createConvertSoftmaxToLoops(softmax));
  // Sums along rows (a layer norm's) in vectors, which LLVM does not make
  // of a loop whose additions must stay in order.
  ConvertRowReductionsToLoopsOptions reductions;
  reductions.vectorWidth = *vectorWidth;
  pm.addPass(createConvertRowReductionsToLoops(reductions));
  // Loops and vectors -> LLVM.
  pm.addPass(createConvertLinalgToLoopsPass());
  if (options.openmp) {
    // Row loops become OpenMP worksharing loops; everything inside a row
    // stays sequential.
    pm.addPass(createForallToParallelLoopPass());
    pm.addPass(createConvertSCFToOpenMPPass());
  } else {
    pm.addPass(createForallToForLoopPass());
  }
  pm.addPass(createCanonicalizerPass());
  // The host runtime allocates: sizes whose arithmetic would wrap end the
  // call with FFF_ERROR_SIZE instead of allocating a few bytes. After the
  // canonicalizer, which inlines the memref.alloca_scope that OpenMP loop
  // bodies get only when nothing in them may touch the stack: a call
  // would keep the scope, which convert-scf-to-cf then breaks.
  if (options.workspaceCache)
    pm.addPass(createFFFCheckAllocationSizes());
  pm.addPass(createSCFToControlFlowPass());
  // Upstream's pass crashes on dynamic memref.expand_shape; views first.
  pm.addPass(createFFFExpandDynamicReshapes());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // libm has no rsqrtf: 1 / sqrt(x) instead, which LLVM emits inline.
  pm.addPass(math::createMathExpandOpsPass(
      math::MathExpandOpsPassOptions{{"rsqrt"}}));
  // Vector exp (the softmax rows', sigmoids') and erf (GELU's: a path's
  // activations, a leaf's hidden units) as polynomials of fma and floor
  // instructions, not a libm call per lane.
  FFFApproximateVectorMathOptions approximate;
  approximate.ops = {"exp", "erf"};
  pm.addPass(createFFFApproximateVectorMath(approximate));
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  if (options.openmp)
    pm.addPass(createConvertOpenMPToLLVMPass());
  if (options.workspaceCache) {
    // convert-to-llvm would lower memref.alloc/dealloc to malloc/free.
    FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
    memrefOptions.useGenericFunctions = true;
    pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  }
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  if (options.cInterface) {
    FFFGenerateCEntryPointsOptions entryPoints;
    entryPoints.hostRuntime = options.workspaceCache;
    pm.addPass(createFFFGenerateCEntryPoints(entryPoints));
  }
}
