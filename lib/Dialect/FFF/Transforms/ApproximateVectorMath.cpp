//===- ApproximateVectorMath.cpp - Vector math as polynomials -------------===//
//
// fff-approximate-vector-math (see Passes.td). On the host, a math op on a
// vector would otherwise become one libm call per lane; upstream's
// polynomial approximations keep it in vector registers, and so do the LLVM
// intrinsics that the polynomials' fma and floor (and the other vector math
// ops with one instruction) become.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include "llvm/ADT/StringSet.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFAPPROXIMATEVECTORMATH
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;

namespace {

/// `MathOp` on vectors -> the LLVM intrinsic `LLVMOp`. convert-math-to-libm
/// would make it a libm call per lane (and convert-math-to-llvm, which
/// takes every op, would also turn scalar log1p into log(1 + x)).
template <typename MathOp, typename LLVMOp>
struct VectorMathToIntrinsic : OpRewritePattern<MathOp> {
  using OpRewritePattern<MathOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(MathOp op,
                                PatternRewriter &rewriter) const override {
    if (!isa<VectorType>(op.getType()))
      return rewriter.notifyMatchFailure(op, "not on vectors");
    rewriter.replaceOpWithNewOp<LLVMOp>(op, op.getType(), op->getOperands());
    return success();
  }
};

struct FFFApproximateVectorMathPass
    : public fff::impl::FFFApproximateVectorMathBase<
          FFFApproximateVectorMathPass> {
  using Base::Base;

  void runOnOperation() override {
    llvm::StringSet<> names;
    SmallVector<std::string> requested(ops.begin(), ops.end());
    if (requested.empty())
      requested.push_back("exp");
    for (const std::string &name : requested) {
      OperationName op("math." + name, &getContext());
      if (!op.isRegistered()) {
        getOperation()->emitError()
            << "fff-approximate-vector-math: 'math." << name
            << "' is not a math op";
        return signalPassFailure();
      }
      names.insert(op.getStringRef());
    }
    SmallVector<Operation *> targets;
    getOperation()->walk([&](Operation *op) {
      if (isa<math::MathDialect>(op->getDialect()) &&
          names.contains(op->getName().getStringRef()) &&
          llvm::any_of(op->getResultTypes(), llvm::IsaPred<VectorType>))
        targets.push_back(op);
    });
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [&](StringRef name) { return names.contains(name); });
    // Only the ops found here: the approximations' own fma and floor are
    // for the next step.
    if (!targets.empty() &&
        failed(applyOpPatternsGreedily(
            targets, std::move(patterns),
            GreedyRewriteConfig().setStrictness(
                GreedyRewriteStrictness::ExistingOps))))
      return signalPassFailure();
    RewritePatternSet intrinsics(&getContext());
    intrinsics.add<VectorMathToIntrinsic<math::FmaOp, LLVM::FMAOp>,
                   VectorMathToIntrinsic<math::FloorOp, LLVM::FFloorOp>,
                   VectorMathToIntrinsic<math::AbsFOp, LLVM::FAbsOp>,
                   VectorMathToIntrinsic<math::CopySignOp, LLVM::CopySignOp>,
                   VectorMathToIntrinsic<math::SqrtOp, LLVM::SqrtOp>>(
        &getContext());
    walkAndApplyPatterns(getOperation(), std::move(intrinsics));
  }
};
} // namespace
