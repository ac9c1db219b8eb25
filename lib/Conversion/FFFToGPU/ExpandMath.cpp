//===- ExpandMath.cpp - Math in fff's GPU kernels without libdevice -------===//
//
// erf, tanh and exp become math's polynomial approximations, and what those
// are made of becomes LLVM intrinsics (which NVPTX compiles to single
// instructions) or arith rather than math ops, which NVVM lowering would
// send to libdevice: only a CUDA toolkit provides it, and
// gpu-module-to-binary links it only when it finds one. The kernels
// emulated on the host get the same, so that their results are the GPU's.
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/FFFToGPU/FFFToGPU.h"
#include "fff/Dialect/FFF/Utils/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFGPUEXPANDMATH
#include "fff/Conversion/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {

/// `floor(v)` for an f32 `v` in the range of i32, from a truncation (the
/// only use: exp's range reduction, whose argument is clamped to +-127).
/// NVVM lowering sends both math.floor and llvm.intr.floor to libdevice (as
/// it does fabs, below).
Value buildFloor(OpBuilder &b, Location loc, Value v) {
  Value truncated = arith::SIToFPOp::create(
      b, loc, v.getType(), arith::FPToSIOp::create(b, loc, b.getI32Type(), v));
  Value above =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, truncated, v);
  Value lower = arith::SubFOp::create(b, loc, truncated,
                                      floatConstant(b, loc, v.getType(), 1.0));
  return arith::SelectOp::create(b, loc, above, lower, truncated);
}

/// `|v|` for an f32 `v`: its sign bit cleared (exact, NaN included).
Value buildAbs(OpBuilder &b, Location loc, Value v) {
  Value bits = arith::BitcastOp::create(b, loc, b.getI32Type(), v);
  Value mask = arith::ConstantIntOp::create(b, loc, 0x7fffffff, 32);
  return arith::BitcastOp::create(b, loc, v.getType(),
                                  arith::AndIOp::create(b, loc, bits, mask));
}

struct FmaToIntrinsic : OpRewritePattern<math::FmaOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::FmaOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<LLVM::FMAOp>(op, op.getA(), op.getB(),
                                             op.getC());
    return success();
  }
};

/// `op` (one operand) -> what `build` makes of its operand.
template <typename OpTy, Value (*build)(OpBuilder &, Location, Value)>
struct UnaryToArith : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, build(rewriter, op.getLoc(), op.getOperand()));
    return success();
  }
};

struct FFFGPUExpandMathPass
    : public fff::impl::FFFGPUExpandMathBase<FFFGPUExpandMathPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<Operation *> kernels, kernelOps;
    getOperation()->walk([&](Operation *op) {
      if (op->hasAttr(kKernelAttrName))
        kernels.push_back(op);
    });
    for (Operation *kernel : kernels)
      kernel->walk([&](Operation *op) {
        if (op != kernel)
          kernelOps.push_back(op);
      });
    RewritePatternSet approximations(&getContext());
    populateMathPolynomialApproximationPatterns(approximations);
    if (failed(applyOpPatternsGreedily(
            kernelOps, std::move(approximations),
            GreedyRewriteConfig().setStrictness(
                GreedyRewriteStrictness::ExistingAndNewOps))))
      return signalPassFailure();

    RewritePatternSet selection(&getContext());
    populateFFFGPUMathToIntrinsicsPatterns(selection);
    FrozenRewritePatternSet frozen(std::move(selection));
    for (Operation *kernel : kernels) {
      walkAndApplyPatterns(kernel, frozen);
      WalkResult math = kernel->walk([&](Operation *op) {
        if (!isa<math::MathDialect>(op->getDialect()))
          return WalkResult::advance();
        op->emitError() << "'" << op->getName()
                        << "' has no lowering in GPU kernels that avoids "
                           "libdevice";
        return WalkResult::interrupt();
      });
      if (math.wasInterrupted())
        return signalPassFailure();
      kernel->removeAttr(kKernelAttrName);
    }
  }
};

} // namespace

void fff::populateFFFGPUMathToIntrinsicsPatterns(RewritePatternSet &patterns,
                                                 PatternBenefit benefit) {
  patterns.add<FmaToIntrinsic, UnaryToArith<math::FloorOp, buildFloor>,
               UnaryToArith<math::AbsFOp, buildAbs>>(patterns.getContext(),
                                                     benefit);
}
