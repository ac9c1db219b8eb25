//===- FFFToGPU.h - fff -> GPU kernel patterns ------------------*- C++ -*-===//
//
// convert-fff-to-gpu's patterns (one fused kernel per whole layer) and
// fff-gpu-expand-math's instruction selection, for passes and pipelines that
// run them with their own target or driver.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_CONVERSION_FFFTOGPU_FFFTOGPU_H
#define FFF_CONVERSION_FFFTOGPU_FFFTOGPU_H

#include "fff/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::fff {

/// The discardable unit attribute convert-fff-to-gpu puts on each kernel it
/// emits (a gpu.launch, or with emulate-on-host the scf.forall over rows):
/// fff-gpu-expand-math expands the math in those ops, then drops it.
constexpr StringLiteral kKernelAttrName = "fff.kernel";

/// fff.leaf_mlp and fff.path_neuron (f32) -> one kernel each, on buffers
/// (FFFToGPU.cpp). `options.warpsPerBlock` must be in [1, 32]. Without
/// emulate-on-host the module needs the gpu.container_module attribute,
/// which the pass sets.
void populateFFFToGPUConversionPatterns(RewritePatternSet &patterns,
                                        const ConvertFFFToGPUOptions &options,
                                        PatternBenefit benefit = 1);

/// math.fma -> llvm.intr.fma, and math.floor / math.absf -> arith, for the
/// ops that math's polynomial approximations are built of (ExpandMath.cpp):
/// NVVM lowering would send the math ops to libdevice.
void populateFFFGPUMathToIntrinsicsPatterns(RewritePatternSet &patterns,
                                            PatternBenefit benefit = 1);

} // namespace mlir::fff

#endif // FFF_CONVERSION_FFFTOGPU_FFFTOGPU_H
