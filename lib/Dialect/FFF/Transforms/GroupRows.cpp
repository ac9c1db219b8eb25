//===- GroupRows.cpp - Rows grouped by leaf or subtree --------------------===//
//
// At large batches many rows land in the same leaf or subtree. Routing first
// and then running each group's rows together reads the group's weights
// from memory once per group instead of once per row (see Passes.td).
//
// Leaf MLP:
//
//   leaf   = fff.route(x)                        // B indices
//   offset = exclusive prefix sum of the leaves' row counts
//   order  = the rows sorted by leaf (counting sort, stable)
//   for each leaf e, rows r in order[offset[e] .. offset[e+1]), R at a time:
//     y[r] = c*b2[e] + sum_u c*act(x[r] . w1[e][:, u] + b1[e][u]) w2[e][u]
//   with a master leaf, for all rows, R at a time:
//     y[r] += (1-c)*mb2 + sum_u (1-c)*act(x[r] . mw1[:, u] + mb1[u]) mw2[u]
//
// Path neuron, per tree, with the tree cut at level k (its top k levels and
// 2^k subtrees below them):
//
//   for each R rows r (parallel): walk the top k levels together; keep
//     act(z) of each and the subtree root s[r] reached
//   order = the rows sorted by subtree (counting sort, stable)
//   for each R positions p of that order (parallel): walk the R rows'
//     subtrees from s[order[p]] together; keep act(z) of each level and the
//     node e[p] below the last
//   for each position p (parallel), r = order[p]: y[r] (+)= sum over the
//     path's k + (d+1-k) nodes (e[p]'s ancestors) of act(z) w_out[n]
//
// The top levels' weights are shared by every row and the rows of a subtree
// follow each other, so both halves of a path read weights that recent rows
// have brought into the caches.
//
//===----------------------------------------------------------------------===//

#include "GroupRows.h"
#include "BatchDispatch.h"

#include "fff/Dialect/FFF/Transforms/Patterns.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/OptionChecks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFGROUPROWS
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;
using namespace mlir::fff::detail;

namespace {

// Layers too deep for a group table, and path-neuron trees of one level (no
// subtree to group by), are left to the other strategies.
bool canGroup(LeafMlpOp op, const FFFGroupRowsOptions &options) {
  return static_cast<int64_t>(op.getDepth()) <= options.maxDepth;
}
bool canGroup(PathNeuronOp op, const FFFGroupRowsOptions &) {
  return op.getDepth() != 0;
}

Value buildGrouped(OpBuilder &b, LeafMlpOp op,
                   const FFFGroupRowsOptions &options) {
  return groupLeafMlp(b, op, options.vectorWidth, options.rows);
}
Value buildGrouped(OpBuilder &b, PathNeuronOp op,
                   const FFFGroupRowsOptions &options) {
  int64_t levels = op.getDepth() + 1;
  return groupPathNeuron(b, op, options.vectorWidth,
                         splitLevelFor(levels, options.splitLevel),
                         options.tileRows, options.walkStep, options.rows);
}

/// Groups one layer op; with min-batch > 1, behind a run-time check of the
/// batch whose other branch keeps a marked clone of the op.
template <typename OpTy>
struct GroupLayer : OpRewritePattern<OpTy> {
  GroupLayer(MLIRContext *context, const FFFGroupRowsOptions &options,
             PatternBenefit benefit)
      : OpRewritePattern<OpTy>(context, benefit), options(options) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    // The clone below, which must not be grouped again.
    if (op->hasAttr(kBatchFallbackAttrName))
      return rewriter.notifyMatchFailure(op, "small-batch fallback");
    // Rows of zero columns: nothing to compute, left to the other lowerings.
    if (cast<RankedTensorType>(op.getType()).getDimSize(1) == 0 ||
        !canGroup(op, options))
      return rewriter.notifyMatchFailure(op, "not groupable");
    // Below min-batch rows, the layer as it was: its other lowerings
    // (fused, one row at a time) win when few rows share a group.
    replaceWithBatchDispatch(
        rewriter, op, dimValue(rewriter, op.getLoc(), op.getInput(), 0),
        options.minBatch,
        [&](OpBuilder &b) { return buildGrouped(b, op, options); });
    return success();
  }

  FFFGroupRowsOptions options;
};

struct FFFGroupRowsPass : public fff::impl::FFFGroupRowsBase<FFFGroupRowsPass> {
  using FFFGroupRowsBase::FFFGroupRowsBase;

  void runOnOperation() override {
    if (std::string error = checkVectorWidth(vectorWidth); !error.empty()) {
      getOperation()->emitError("fff-group-rows: ") << error;
      return signalPassFailure();
    }
    if (std::string error = checkWalkStep(walkStep); !error.empty()) {
      getOperation()->emitError("fff-group-rows: ") << error;
      return signalPassFailure();
    }
    if (rows < 1 || rows > kMaxInterleave) {
      getOperation()->emitError("fff-group-rows: rows must be in [1, ")
          << kMaxInterleave << "], got " << static_cast<int64_t>(rows);
      return signalPassFailure();
    }
    for (auto [name, value] :
         {std::pair<StringRef, int64_t>{"split-level", splitLevel},
          {"min-batch", minBatch},
          {"tile-rows", tileRows}})
      if (value < 0) {
        getOperation()->emitError("fff-group-rows: ")
            << name << " must be >= 0, got " << value;
        return signalPassFailure();
      }
    RewritePatternSet patterns(&getContext());
    FFFGroupRowsOptions options;
    options.vectorWidth = vectorWidth;
    options.rows = rows;
    options.splitLevel = splitLevel;
    options.tileRows = tileRows;
    options.walkStep = walkStep;
    options.minBatch = minBatch;
    options.maxDepth = maxDepth;
    populateFFFGroupRowsPatterns(patterns, options);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void fff::populateFFFGroupRowsPatterns(RewritePatternSet &patterns,
                                       const FFFGroupRowsOptions &options,
                                       PatternBenefit benefit) {
  MLIRContext *context = patterns.getContext();
  patterns.add<GroupLayer<LeafMlpOp>, GroupLayer<PathNeuronOp>>(
      context, options, benefit);
}
