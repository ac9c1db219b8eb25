//===- FFFToLinalg.cpp - fff routing and cmm -> linalg/scf/tensor --------===//
//
// The unfused lowering, one op at a time (see Passes.td): the patterns of
// Routing.cpp and Cmm.cpp under a partial conversion that makes the three
// unfused ops illegal. Whole layers are reported first, by name.
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/FFFToLinalg/FFFToLinalg.h"
#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Utils/OptionChecks.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::fff {
#define GEN_PASS_DEF_CONVERTFFFTOLINALG
#include "fff/Conversion/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {

struct ConvertFFFToLinalgPass
    : public fff::impl::ConvertFFFToLinalgBase<ConvertFFFToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    if (std::string error = checkVectorWidth(vectorWidth); !error.empty()) {
      getOperation()->emitError("convert-fff-to-linalg: ") << error;
      return signalPassFailure();
    }
    if (rowBlock < 1 || rowBlock > kMaxInterleave) {
      getOperation()->emitError("convert-fff-to-linalg: row-block must be in "
                                "[1, ")
          << kMaxInterleave << "], got " << static_cast<int64_t>(rowBlock);
      return signalPassFailure();
    }
    WalkResult walk = getOperation()->walk([&](Operation *op) {
      if (!isa<LeafMlpOp, PathNeuronOp>(op))
        return WalkResult::advance();
      op->emitError() << "'" << op->getName()
                      << "' must be expanded (fff-expand-layers) or fused "
                         "(fff-fuse-routing) before convert-fff-to-linalg";
      return WalkResult::interrupt();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    ConversionTarget target(getContext());
    target.addIllegalOp<RouteOp, RoutePathOp, CmmOp, BucketOp, GroupedMatmulOp>();
    // What the patterns build (arith, linalg, scf, tensor, vector, math).
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    ConvertFFFToLinalgOptions options;
    options.vectorWidth = vectorWidth;
    options.rowBlock = rowBlock;
    populateFFFToLinalgConversionPatterns(patterns, options);
    // The ops' folds are canonicalization's business: every op converts.
    ConversionConfig config;
    config.foldingMode = DialectConversionFoldingMode::Never;
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns), config)))
      signalPassFailure();
  }
};

} // namespace

void fff::populateFFFToLinalgConversionPatterns(
    RewritePatternSet &patterns, const ConvertFFFToLinalgOptions &options,
    PatternBenefit benefit) {
  populateFFFRoutingToLinalgPatterns(patterns, options, benefit);
  populateFFFCmmToLinalgPatterns(patterns, benefit);
  populateFFFBucketToLoopsPatterns(patterns, benefit);
  populateFFFGroupedMatmulToLoopsPatterns(patterns, options, benefit);
}
