//===- ExpandLayers.cpp - Whole FFF layers -> routing + cmm -------------===//
//
// The unfused form: every step is its own op with its own result tensor, so
// the index tensor routing produces is materialized and read back by each
// conditional matmul. See Passes.td for the exact op sequence. One pattern
// per layer op; the pass checks its option and each layer's index width,
// then applies them in one walk.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Transforms/Patterns.h"
#include "fff/Dialect/FFF/Utils/Arithmetic.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/RowOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFEXPANDLAYERS
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {

/// Builds rank-2 (rows x cols) tensors for one layer.
struct LayerBuilder {
  OpBuilder &b;
  Location loc;
  Value rows; // the batch size, dim 0 of the input (index)
  Type elem;

  /// `tensor.empty(rows, cols)` of `type` filled with zero (when `zero`).
  Value empty(OpFoldResult cols, Type type, bool zero = false) {
    Value t = tensor::EmptyOp::create(b, loc, {OpFoldResult(rows), cols}, type);
    return zero ? fill(t) : t;
  }

  /// `tensor.empty(rows, dim d of v)`: a width taken from a weight, static or
  /// dynamic.
  Value emptyLike(Value v, int64_t d, Type type, bool zero = false) {
    int64_t size = cast<ShapedType>(v.getType()).getDimSize(d);
    OpFoldResult cols = ShapedType::isDynamic(size)
                            ? OpFoldResult(dimValue(b, loc, v, d))
                            : OpFoldResult(b.getIndexAttr(size));
    return empty(cols, type, zero);
  }

  Value fill(Value t) {
    Value zero = floatConstant(b, loc, elem, 0.0);
    return linalg::FillOp::create(b, loc, zero, t).getResult(0);
  }

  /// `out[r, c] = fn(ins...)` with 2-D inputs indexed [r, c], 1-D inputs
  /// broadcast over rows ([c]) and 0-D inputs over everything.
  Value map(ValueRange ins, Value out,
            function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
    SmallVector<SmallVector<int64_t>> dims;
    for (Value in : ins) {
      int64_t rank = cast<ShapedType>(in.getType()).getRank();
      dims.push_back(rank == 2   ? SmallVector<int64_t>{0, 1}
                     : rank == 1 ? SmallVector<int64_t>{1}
                                 : SmallVector<int64_t>{});
    }
    dims.push_back({0, 1});
    SmallVector<utils::IteratorType> iters(2, utils::IteratorType::parallel);
    return buildGeneric(b, loc, 2, ins, out, dims, iters,
                        [&](OpBuilder &nb, Location nl, ValueRange args) {
                          return fn(nb, nl, args.drop_back());
                        });
  }

  Value activate(Value t, Activation act) {
    if (act == Activation::identity)
      return t;
    return map(ValueRange{t}, t, [&](OpBuilder &nb, Location nl, ValueRange a) {
      return buildActivation(nb, nl, a[0], act);
    });
  }
};

void expandLeafMlp(RewriterBase &rewriter, LeafMlpOp op, unsigned bitwidth) {
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  Value x = op.getInput();
  Type elem = getElementTypeOrSelf(x.getType());
  LayerBuilder lb{b, loc, dimValue(b, loc, x, 0), elem};
  Activation act = op.getActivation();

  // Routing: one leaf index per row, materialized as a tensor.
  Value leafInit = tensor::EmptyOp::create(
      b, loc,
      RankedTensorType::get({ShapedType::kDynamic}, b.getIntegerType(bitwidth)),
      ValueRange{lb.rows});
  Value leaf = RouteOp::create(b, loc, leafInit.getType(), op.getDepthAttr(),
                               op.getTieAttr(), x, op.getNodeWeights(),
                               op.getNodeBiases(), leafInit);

  // The selected leaf's two layers, each a conditional matmul with bias.
  Value h = CmmOp::create(b, loc, x, op.getW1(), leaf, op.getB1(),
                          lb.emptyLike(op.getW1(), 2, elem, true));
  h = lb.activate(h, act);
  Value init = op.getInit();
  if (!op.hasMasterLeaf()) {
    Value y =
        CmmOp::create(b, loc, h, op.getW2(), leaf, op.getB2(), lb.fill(init));
    rewriter.replaceOp(op, y);
    return;
  }
  Value y = CmmOp::create(b, loc, h, op.getW2(), leaf, op.getB2(),
                          lb.emptyLike(op.getW2(), 2, elem, true));

  // The master leaf: a dense MLP on every row, blended in by sigmoid(k).
  Value g = linalg::MatmulOp::create(
                b, loc, ValueRange{x, op.getMagicW1()},
                ValueRange{lb.emptyLike(op.getMagicW1(), 1, elem, true)})
                .getResult(0);
  g = lb.map(ValueRange{g, op.getMagicB1()}, g,
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               return buildActivation(
                   nb, nl, arith::AddFOp::create(nb, nl, a[0], a[1]), act);
             });
  Value m = linalg::MatmulOp::create(
                b, loc, ValueRange{g, op.getMagicW2()},
                ValueRange{lb.emptyLike(op.getMagicW2(), 1, elem, true)})
                .getResult(0);
  Value out =
      lb.map(ValueRange{y, m, op.getMagicB2(), op.getMasterGate()}, init,
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               Value s = buildSigmoid(nb, nl, a[3]);
               Value one = floatConstant(nb, nl, elem, 1.0);
               Value master = arith::AddFOp::create(nb, nl, a[1], a[2]);
               Value left = arith::MulFOp::create(nb, nl, s, a[0]);
               Value right = arith::MulFOp::create(
                   nb, nl, arith::SubFOp::create(nb, nl, one, s), master);
               return Value(arith::AddFOp::create(nb, nl, left, right));
             });
  rewriter.replaceOp(op, out);
}

void expandPathNeuron(RewriterBase &rewriter, PathNeuronOp op,
                      unsigned bitwidth) {
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  Value x = op.getInput();
  Type elem = getElementTypeOrSelf(x.getType());
  LayerBuilder lb{b, loc, dimValue(b, loc, x, 0), elem};
  int64_t visited = op.getTrees() * (op.getDepth() + 1);

  Value nodesInit =
      lb.empty(b.getIndexAttr(visited), b.getIntegerType(bitwidth));
  Value logitsInit = lb.empty(b.getIndexAttr(visited), elem);
  auto route = RoutePathOp::create(
      b, loc, op.getTreesAttr(), op.getDepthAttr(), op.getTieAttr(), x,
      op.getNodeWeights(), op.getNodeBiases(), nodesInit, logitsInit);
  Value a = lb.activate(route.getLogits(), op.getActivation());

  // Each visited node adds act(z) times its output row: a conditional matmul
  // with K = 1 and one index per visited node.
  auto a3Type = RankedTensorType::get({ShapedType::kDynamic, visited, 1}, elem);
  Value a3 = tensor::ExpandShapeOp::create(
      b, loc, a3Type, a, SmallVector<ReassociationIndices>{{0}, {1, 2}},
      SmallVector<OpFoldResult>{lb.rows, b.getIndexAttr(visited),
                                b.getIndexAttr(1)});
  auto wType = cast<RankedTensorType>(op.getOutputWeights().getType());
  auto w3Type = RankedTensorType::get(
      {wType.getDimSize(0), 1, wType.getDimSize(1)}, elem);
  Value w3 = tensor::ExpandShapeOp::create(
      b, loc, w3Type, op.getOutputWeights(),
      SmallVector<ReassociationIndices>{{0, 1}, {2}});
  Value y = CmmOp::create(b, loc, a3, w3, route.getNodes(), Value(),
                          lb.fill(op.getInit()));
  rewriter.replaceOp(op, y);
}

/// Rewrites one layer op with `expand` once its indices fit the bitwidth.
template <typename OpTy>
struct ExpandLayer : OpRewritePattern<OpTy> {
  using ExpandFn = void (*)(RewriterBase &, OpTy, unsigned);
  ExpandLayer(MLIRContext *context, unsigned bitwidth, ExpandFn expand,
              PatternBenefit benefit)
      : OpRewritePattern<OpTy>(context, benefit), bitwidth(bitwidth),
        expand(expand) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (getRequiredIndexBitwidth(op) > bitwidth)
      return rewriter.notifyMatchFailure(op, "indices wider than bitwidth");
    expand(rewriter, op, bitwidth);
    return success();
  }

  unsigned bitwidth;
  ExpandFn expand;
};

struct FFFExpandLayersPass
    : public fff::impl::FFFExpandLayersBase<FFFExpandLayersPass> {
  using Base::Base;

  void runOnOperation() override {
    if (indexBitwidth < 8 || indexBitwidth > 64) {
      getOperation()->emitError("fff-expand-layers: index-bitwidth must be "
                                "between 8 and 64, got ")
          << indexBitwidth.getValue();
      return signalPassFailure();
    }
    // Deep trees need wider indices than the option gives.
    WalkResult fits = getOperation()->walk([&](Operation *op) {
      if (!isa<LeafMlpOp, PathNeuronOp>(op))
        return WalkResult::advance();
      int64_t needed = getRequiredIndexBitwidth(op);
      if (needed <= indexBitwidth)
        return WalkResult::advance();
      op->emitError("fff-expand-layers: index-bitwidth ")
          << indexBitwidth.getValue()
          << " cannot hold this layer's indices (needs " << needed << " bits)";
      return WalkResult::interrupt();
    });
    if (fits.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    FFFExpandLayersOptions options;
    options.indexBitwidth = indexBitwidth;
    populateFFFExpandLayersPatterns(patterns, options);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

int64_t fff::getRequiredIndexBitwidth(Operation *layer) {
  if (auto leaf = dyn_cast<LeafMlpOp>(layer))
    return leaf.getDepth() + 1;
  auto path = cast<PathNeuronOp>(layer);
  return llvm::Log2_64_Ceil(path.getTrees()) + path.getDepth() + 2;
}

void fff::populateFFFExpandLayersPatterns(
    RewritePatternSet &patterns, const FFFExpandLayersOptions &options,
    PatternBenefit benefit) {
  MLIRContext *context = patterns.getContext();
  patterns.add<ExpandLayer<LeafMlpOp>>(context, options.indexBitwidth,
                                       expandLeafMlp, benefit);
  patterns.add<ExpandLayer<PathNeuronOp>>(context, options.indexBitwidth,
                                          expandPathNeuron, benefit);
}
