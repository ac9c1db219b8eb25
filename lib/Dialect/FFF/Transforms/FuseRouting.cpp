//===- FuseRouting.cpp - Tree walk and leaf computation in one loop -----===//
//
// Each row walks its tree and immediately computes what the walk selected,
// so the leaf (or node) index never leaves a register: there is no index
// tensor between routing and the conditional computation. The output row is
// a slice of the result, zeroed and then updated in place:
//
//   leaf MLP:    y = c*b2[j] + sum_u c*act(x . w1[j][:, u] + b1[j][u]) w2[j][u]
//                  + (1-c)*mb2 + sum_u (1-c)*act(x . mw1[:, u] + mb1[u]) mw2[u]
//   path neuron: y = sum_t sum_level act(z) w_out[node], one pass over y
//                per tree once its walk is done
//
// with c = sigmoid(k) when there is a master leaf and 1 otherwise.
//
// One pattern per layer op, and one for layers whose rows have no columns
// (the result is init: no row slice to take). The pass checks its options,
// then applies them in one walk.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Transforms/Patterns.h"
#include "fff/Dialect/FFF/Utils/Arithmetic.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/MlpRows.h"
#include "fff/Dialect/FFF/Utils/OptionChecks.h"
#include "fff/Dialect/FFF/Utils/RowLoop.h"
#include "fff/Dialect/FFF/Utils/RowOps.h"
#include "fff/Dialect/FFF/Utils/TreeWalk.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFFUSEROUTING
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {

/// Rows of zero columns: nothing to compute (and no row slice to take).
bool hasEmptyRows(Operation *layer) {
  return cast<RankedTensorType>(layer->getResult(0).getType()).getDimSize(1) ==
         0;
}

void fuseLeafMlp(RewriterBase &rewriter, LeafMlpOp op,
                 const FFFFuseRoutingOptions &options) {
  int64_t vectorWidth = options.vectorWidth, rowBlock = options.rowBlock,
          interleave = options.interleave;
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  Value x = op.getInput();
  Type elem = getElementTypeOrSelf(x.getType());
  Value one = floatConstant(b, loc, elem, 1.0);
  // The blend weights are the same for every row: computed once.
  Value gate = one, masterGate;
  if (op.hasMasterLeaf()) {
    Value k =
        tensor::ExtractOp::create(b, loc, op.getMasterGate(), ValueRange{});
    gate = buildSigmoid(b, loc, k);
    masterGate = arith::SubFOp::create(b, loc, one, gate);
  }
  Value numInner = arith::ConstantIndexOp::create(
      b, loc, getLeafTreeNodeCount(op.getDepth()));

  // Row `row`, row `local` of `dst`, once its walk has reached heap node
  // `node`.
  auto finishRow = [&](OpBuilder &nb, Location nl, Value row, Value dst,
                       Value local, Value node) -> Value {
    Value leaf = arith::SubIOp::create(nb, nl, node, numInner);
    Value outDim = dimValue(nb, nl, dst, 1);
    Value y = buildZeroRow(nb, nl, dst, ValueRange{local}, outDim, vectorWidth);
    y = buildAxpy(nb, nl, y, ValueRange{local}, gate, op.getB2(),
                  ValueRange{leaf}, outDim, vectorWidth);
    MlpRows leafMlp{x,      op.getW1(),         op.getB1(), op.getW2(),
                    {leaf}, op.getActivation(), vectorWidth};
    y = leafMlp.addInto(nb, nl, {y}, {row}, gate, {local})[0];
    if (op.hasMasterLeaf()) {
      y = buildAxpy(nb, nl, y, ValueRange{local}, masterGate, op.getMagicB2(),
                    ValueRange{}, outDim, vectorWidth);
      MlpRows master{x,  op.getMagicW1(),    op.getMagicB1(), op.getMagicW2(),
                     {}, op.getActivation(), vectorWidth};
      y = master.addInto(nb, nl, {y}, {row}, masterGate, {local})[0];
    }
    return y;
  };
  auto body = [&](OpBuilder &nb, Location nl, Value row,
                  ValueRange blocks) -> SmallVector<Value> {
    Value base = arith::ConstantIndexOp::create(nb, nl, 0);
    Value node =
        buildTreeWalk(nb, nl, x, row, op.getNodeWeights(), op.getNodeBiases(),
                      base, op.getDepth(), op.getTie(), vectorWidth)[0];
    Value local = arith::ConstantIndexOp::create(nb, nl, 0); // the slice's row
    return {finishRow(nb, nl, row, blocks[0], local, node)};
  };
  if (interleave == 1) {
    rewriter.replaceOp(
        op, buildRowLoop(b, loc, ValueRange{op.getInit()}, rowBlock, body));
    return;
  }
  // The rows of a group walk the tree together, then each computes its leaf
  // into its row of the group's block.
  auto group = [&](OpBuilder &nb, Location nl, ValueRange rows,
                   Value block) -> Value {
    Value base = arith::ConstantIndexOp::create(nb, nl, 0);
    SmallVector<Value> nodes = buildInterleavedTreeWalk(
        nb, nl, x, rows, op.getNodeWeights(), op.getNodeBiases(), base,
        op.getDepth(), op.getTie(), vectorWidth);
    for (auto [i, row, node] : llvm::enumerate(rows, nodes)) {
      Value local = arith::ConstantIndexOp::create(nb, nl, i);
      block = finishRow(nb, nl, row, block, local, node);
    }
    return block;
  };
  rewriter.replaceOp(op, buildInterleavedRowLoop(b, loc, op.getInit(),
                                                 interleave, group, body));
}

void fusePathNeuron(RewriterBase &rewriter, PathNeuronOp op,
                    const FFFFuseRoutingOptions &options) {
  int64_t vectorWidth = options.vectorWidth, rowBlock = options.rowBlock,
          interleave = options.interleave, walkStep = options.walkStep;
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  Value x = op.getInput();

  // The rows of a group walk each tree together, their dot products
  // interleaved and the levels unrolled; then each row's output gets the
  // whole path's act(z) * w_out[node] terms in one pass (the first tree
  // writes the row, the others add), row after row of the group's block. A
  // single row is the group of one.
  auto group = [&](OpBuilder &nb, Location nl, ValueRange rows,
                   Value block) -> Value {
    size_t n = rows.size();
    Value perTree = arith::ConstantIndexOp::create(
        nb, nl, getPathTreeNodeCount(op.getDepth()));
    auto addTree = [&](OpBuilder &tb, Location tl, Value t, Value y,
                       bool first) {
      Value base = arith::MulIOp::create(tb, tl, t, perTree);
      SmallVector<Value> roots(n, arith::ConstantIndexOp::create(tb, tl, 0));
      SmallVector<WalkPath> paths = buildUnrolledWalk(
          tb, tl, x, rows, op.getNodeWeights(), op.getNodeBiases(), base,
          roots, op.getDepth() + 1, op.getTie(), vectorWidth, walkStep);
      for (auto [i, path] : llvm::enumerate(paths)) {
        Value local = arith::ConstantIndexOp::create(tb, tl, i);
        y = buildPathOutput(tb, tl, y, ValueRange{local}, path,
                            op.getActivation(), op.getOutputWeights(),
                            vectorWidth, /*accumulate=*/!first);
      }
      return y;
    };
    Value firstTree = arith::ConstantIndexOp::create(nb, nl, 0);
    Value y = addTree(nb, nl, firstTree, block, /*first=*/true);
    if (op.getTrees() == 1)
      return y;
    Value second = arith::ConstantIndexOp::create(nb, nl, 1);
    Value trees = arith::ConstantIndexOp::create(nb, nl, op.getTrees());
    Value step = arith::ConstantIndexOp::create(nb, nl, 1);
    auto loop = scf::ForOp::create(
        nb, nl, second, trees, step, ValueRange{y},
        [&](OpBuilder &tb, Location tl, Value t, ValueRange args) {
          Value updated = addTree(tb, tl, t, args[0], /*first=*/false);
          scf::YieldOp::create(tb, tl, updated);
        });
    return loop.getResult(0);
  };
  auto body = [&](OpBuilder &nb, Location nl, Value row,
                  ValueRange slices) -> SmallVector<Value> {
    return {group(nb, nl, ValueRange{row}, slices[0])};
  };
  if (interleave == 1) {
    rewriter.replaceOp(
        op, buildRowLoop(b, loc, ValueRange{op.getInit()}, rowBlock, body));
    return;
  }
  rewriter.replaceOp(op, buildInterleavedRowLoop(b, loc, op.getInit(),
                                                 interleave, group, body));
}

/// `interleave = 0` picks the rows that walk together from the layer's input
/// width: rows of at least `kInterleaveMinWidth` elements make each level's
/// dot product wait on loads from L2 or memory, which the other rows' walks
/// fill (four rows took 6-21% off the 768-wide bench shapes at batch 16, and
/// changed MNIST's 784-wide ones by 3% or less: docs/performance.md).
/// Narrower layers keep one row at a time: their weights sit in L1, and each
/// interleaved row is one more unrolled walk to compile. So do row blocks,
/// which exclude interleaving, and widths known only at run time.
constexpr int64_t kInterleaveMinWidth = 256;
constexpr int64_t kWideLayerInterleave = 4;

template <typename OpTy>
int64_t interleaveFor(OpTy op, const FFFFuseRoutingOptions &options) {
  if (options.interleave > 0)
    return options.interleave;
  int64_t width = cast<RankedTensorType>(op.getInput().getType()).getDimSize(1);
  if (options.rowBlock > 1 || ShapedType::isDynamic(width) ||
      width < kInterleaveMinWidth)
    return 1;
  return kWideLayerInterleave;
}

/// Fuses one layer op with `fuse`; layers of empty rows become their init.
template <typename OpTy>
struct FuseLayer : OpRewritePattern<OpTy> {
  using FuseFn = void (*)(RewriterBase &, OpTy, const FFFFuseRoutingOptions &);
  FuseLayer(MLIRContext *context, const FFFFuseRoutingOptions &options,
            FuseFn fuse, PatternBenefit benefit)
      : OpRewritePattern<OpTy>(context, benefit), options(options),
        fuse(fuse) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (hasEmptyRows(op)) {
      rewriter.replaceOp(op, op.getInit());
      return success();
    }
    FFFFuseRoutingOptions resolved = options;
    resolved.interleave = interleaveFor(op, options);
    fuse(rewriter, op, resolved);
    return success();
  }

  FFFFuseRoutingOptions options;
  FuseFn fuse;
};

struct FFFFuseRoutingPass
    : public fff::impl::FFFFuseRoutingBase<FFFFuseRoutingPass> {
  using Base::Base;

  void runOnOperation() override {
    if (std::string error = checkVectorWidth(vectorWidth); !error.empty()) {
      getOperation()->emitError("fff-fuse-routing: ") << error;
      return signalPassFailure();
    }
    for (std::string error : {checkRowLoopOptions(rowBlock, interleave),
                              checkWalkStep(walkStep)})
      if (!error.empty()) {
        getOperation()->emitError("fff-fuse-routing: ") << error;
        return signalPassFailure();
      }
    RewritePatternSet patterns(&getContext());
    FFFFuseRoutingOptions options;
    options.vectorWidth = vectorWidth;
    options.rowBlock = rowBlock;
    options.interleave = interleave;
    options.walkStep = walkStep;
    populateFFFFuseRoutingPatterns(patterns, options);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void fff::populateFFFFuseRoutingPatterns(RewritePatternSet &patterns,
                                         const FFFFuseRoutingOptions &options,
                                         PatternBenefit benefit) {
  MLIRContext *context = patterns.getContext();
  patterns.add<FuseLayer<LeafMlpOp>>(context, options, fuseLeafMlp, benefit);
  patterns.add<FuseLayer<PathNeuronOp>>(context, options, fusePathNeuron,
                                        benefit);
}
