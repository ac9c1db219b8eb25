//===- DecomposeAggregates.cpp - linalg.softmax and kin into linalg ops ---===//
//
// fff-decompose-aggregates (see Passes.td): upstream's decompositions of
// AggregatedOpInterface ops, applied as a pass, since no upstream pass does.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFDECOMPOSEAGGREGATES
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;

namespace {
struct FFFDecomposeAggregatesPass
    : public fff::impl::FFFDecomposeAggregatesBase<
          FFFDecomposeAggregatesPass> {
  void runOnOperation() override {
    SmallVector<linalg::AggregatedOpInterface> aggregates;
    getOperation()->walk([&](linalg::AggregatedOpInterface op) {
      if (op->getNumResults() > 0 &&
          llvm::all_of(op->getResultTypes(), llvm::IsaPred<RankedTensorType>))
        aggregates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::AggregatedOpInterface op : aggregates) {
      rewriter.setInsertionPoint(op);
      FailureOr<SmallVector<Value>> parts = op.decomposeOperation(rewriter);
      if (failed(parts)) {
        op->emitError("fff-decompose-aggregates: cannot decompose this op");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, *parts);
    }
  }
};
} // namespace
