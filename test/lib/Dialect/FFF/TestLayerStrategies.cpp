//===- TestLayerStrategies.cpp - The layer strategies in one set --------===//
//
// `test-fff-layer-strategies`: adds the named strategies' pattern sets
// (Patterns.h) to one set, with their default benefits, and runs the greedy
// driver to a fixpoint, as a user pipeline composing them would.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/Transforms/Patterns.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;
using namespace mlir::fff;

namespace {

struct TestLayerStrategiesPass
    : PassWrapper<TestLayerStrategiesPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestLayerStrategiesPass)

  TestLayerStrategiesPass() = default;
  TestLayerStrategiesPass(const TestLayerStrategiesPass &pass)
      : PassWrapper(pass) {}

  StringRef getArgument() const final { return "test-fff-layer-strategies"; }
  StringRef getDescription() const final {
    return "Apply the named whole-layer pattern sets together, greedily";
  }

  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, bufferization::BufferizationDialect,
                    linalg::LinalgDialect, math::MathDialect,
                    scf::SCFDialect, tensor::TensorDialect,
                    vector::VectorDialect>();
  }

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    for (const std::string &name : strategies) {
      if (name == "grouped") {
        FFFGroupRowsOptions options;
        options.minBatch = minBatch;
        populateFFFGroupRowsPatterns(patterns, options);
      } else if (name == "fused") {
        populateFFFFuseRoutingPatterns(patterns, {});
      } else if (name == "expanded") {
        populateFFFExpandLayersPatterns(patterns, {});
      } else {
        getOperation()->emitError("unknown strategy '") << name << "'";
        return signalPassFailure();
      }
    }
    // Fails when the patterns do not converge (a pattern matching its own
    // output again).
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }

  ListOption<std::string> strategies{
      *this, "strategies",
      llvm::cl::desc("grouped, fused, expanded: the pattern sets to add")};
  Option<int64_t> minBatch{*this, "min-batch", llvm::cl::init(0),
                           llvm::cl::desc("fff-group-rows' min-batch")};
};

} // namespace

namespace mlir::fff::test {
void registerTestLayerStrategiesPass() {
  PassRegistration<TestLayerStrategiesPass>();
}
} // namespace mlir::fff::test
