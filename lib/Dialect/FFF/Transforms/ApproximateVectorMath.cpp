//===- ApproximateVectorMath.cpp - Vector math as polynomials -------------===//
//
// fff-approximate-vector-math (see Passes.td). On the host, a math op on a
// vector would otherwise become one libm call per lane; upstream's
// polynomial approximations keep it in vector registers.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/Transforms/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringSet.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFAPPROXIMATEVECTORMATH
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;

namespace {
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
    if (targets.empty())
      return;
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [&](StringRef name) { return names.contains(name); });
    // The approximations' own math ops (fma, floor) are left to the usual
    // lowering: only the ops found here are rewritten.
    if (failed(applyOpPatternsGreedily(
            targets, std::move(patterns),
            GreedyRewriteConfig().setStrictness(
                GreedyRewriteStrictness::ExistingOps))))
      return signalPassFailure();
  }
};
} // namespace
