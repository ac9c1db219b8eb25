//===- FuseRouting.cpp - Tree walk and leaf computation in one loop -----===//
//
// Each row walks its tree and immediately computes what the walk selected,
// so the leaf (or node) index never leaves a register: there is no index
// tensor between routing and the conditional computation. The output row is
// a slice of the result, zeroed and then updated in place:
//
//   leaf MLP:    y = c*b2[j] + sum_u c*act(x . w1[j][:, u] + b1[j][u]) w2[j][u]
//                  + (1-c)*mb2 + sum_u (1-c)*act(x . mw1[:, u] + mb1[u]) mw2[u]
//   path neuron: y = sum_t sum_level act(z) w_out[node]
//
// with c = sigmoid(k) when there is a master leaf and 1 otherwise.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Transforms/Passes.h"
#include "fff/Dialect/FFF/Utils/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFFUSEROUTING
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {

/// One two-layer MLP `act(x @ w1 + b1) @ w2`, read at block `prefix` of its
/// weight banks (empty prefix: unbanked weights), scaled by `scale` and added
/// into row `local` of `y`. The hidden units are never stored: each one is
/// folded into the output row as soon as it is known.
struct RowMlp {
  Value x, row;              // input tensor and the row being computed
  Value w1, b1, w2;          // [prefix] D x L, [prefix] L, [prefix] L x O
  SmallVector<Value> prefix; // leaf index, or nothing
  Activation act;
  int64_t vectorWidth;

  Value addInto(OpBuilder &b, Location loc, Value y, Value local,
                Value scale) const {
    Value width = dimValue(b, loc, x, 1);
    int64_t hiddenDim = cast<ShapedType>(w1.getType()).getRank() - 1;
    Value hidden = dimValue(b, loc, w1, hiddenDim);
    Value outDim = dimValue(b, loc, y, 1);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Type elem = scale.getType();

    auto withPrefix = [&](ArrayRef<Value> rest) {
      SmallVector<Value> idx(prefix);
      llvm::append_range(idx, rest);
      return idx;
    };
    // y += scale * act(u) * w2[prefix, unit, :]
    auto addUnit = [&](OpBuilder &nb, Location nl, Value cur, Value unit,
                       Value pre) {
      Value h = buildActivation(nb, nl, pre, act);
      Value s = arith::MulFOp::create(nb, nl, scale, h);
      return buildAxpy(nb, nl, cur, ValueRange{local}, s, w2,
                       withPrefix({unit}), outDim, vectorWidth);
    };

    Value tailStart = zero;
    // Units in groups of V: the pre-activations of a group are one vector
    // accumulated over the input (unit-stride rows of w1). A leaf narrower
    // than V gets the widest power-of-two group that fits, rather than
    // leaving every unit to the scalar loop.
    int64_t unitWidth = vectorWidth;
    int64_t staticHidden = cast<ShapedType>(w1.getType()).getDimSize(hiddenDim);
    if (!ShapedType::isDynamic(staticHidden))
      while (unitWidth > 1 && unitWidth > staticHidden)
        unitWidth /= 2;
    if (unitWidth > 1) {
      auto vecType = VectorType::get({unitWidth}, elem);
      Value step = arith::ConstantIndexOp::create(b, loc, unitWidth);
      tailStart = buildWholeVectorsEnd(b, loc, hidden, unitWidth);
      Value pad = floatConstant(b, loc, elem, 0.0);
      auto groups = scf::ForOp::create(
          b, loc, zero, tailStart, step, ValueRange{y},
          [&](OpBuilder &nb, Location nl, Value u0, ValueRange args) {
            Value bias = vector::TransferReadOp::create(nb, nl, vecType, b1,
                                                        withPrefix({u0}), pad,
                                                        ArrayRef<bool>{true});
            auto acc = scf::ForOp::create(
                nb, nl, zero, width, one, ValueRange{bias},
                [&](OpBuilder &ib, Location il, Value k, ValueRange acc) {
                  Value xk =
                      tensor::ExtractOp::create(ib, il, x, ValueRange{row, k});
                  Value xv = vector::BroadcastOp::create(ib, il, vecType, xk);
                  Value wv = vector::TransferReadOp::create(
                      ib, il, vecType, w1, withPrefix({k, u0}), pad,
                      ArrayRef<bool>{true});
                  scf::YieldOp::create(ib, il,
                                       ValueRange{vector::FMAOp::create(
                                           ib, il, xv, wv, acc[0])});
                });
            // All V units of the group update the output row in one pass.
            Value hv = buildActivation(nb, nl, acc.getResult(0), act);
            SmallVector<Value> scales;
            SmallVector<SmallVector<Value>> rows;
            for (int64_t lane = 0; lane < unitWidth; ++lane) {
              Value h = vector::ExtractOp::create(nb, nl, hv,
                                                  ArrayRef<int64_t>{lane});
              scales.push_back(arith::MulFOp::create(nb, nl, scale, h));
              Value unit = arith::AddIOp::create(
                  nb, nl, u0, arith::ConstantIndexOp::create(nb, nl, lane));
              rows.push_back(withPrefix({unit}));
            }
            SmallVector<ValueRange> prefixes(rows.begin(), rows.end());
            Value cur =
                buildMultiAxpy(nb, nl, args[0], ValueRange{local}, scales, w2,
                               prefixes, outDim, vectorWidth);
            scf::YieldOp::create(nb, nl, cur);
          });
      y = groups.getResult(0);
    }

    // Remaining units one at a time: a strided dot product down w1's column.
    auto units = scf::ForOp::create(
        b, loc, tailStart, hidden, one, ValueRange{y},
        [&](OpBuilder &nb, Location nl, Value unit, ValueRange args) {
          Value bias =
              tensor::ExtractOp::create(nb, nl, b1, withPrefix({unit}));
          auto dot = scf::ForOp::create(
              nb, nl, zero, width, one, ValueRange{bias},
              [&](OpBuilder &ib, Location il, Value k, ValueRange acc) {
                Value xk =
                    tensor::ExtractOp::create(ib, il, x, ValueRange{row, k});
                Value wk = tensor::ExtractOp::create(ib, il, w1,
                                                     withPrefix({k, unit}));
                Value p = arith::MulFOp::create(ib, il, xk, wk);
                scf::YieldOp::create(
                    ib, il,
                    ValueRange{arith::AddFOp::create(ib, il, acc[0], p)});
              });
          scf::YieldOp::create(
              nb, nl, addUnit(nb, nl, args[0], unit, dot.getResult(0)));
        });
    return units.getResult(0);
  }
};

void fuseLeafMlp(RewriterBase &rewriter, LeafMlpOp op, int64_t vectorWidth,
                 int64_t rowBlock, int64_t interleave) {
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

  // Row `row` (slice `slice`) once its walk has reached heap node `node`.
  auto finishRow = [&](OpBuilder &nb, Location nl, Value row, Value slice,
                       Value node) -> Value {
    Value local = arith::ConstantIndexOp::create(nb, nl, 0); // the slice's row
    Value leaf = arith::SubIOp::create(nb, nl, node, numInner);
    Value outDim = dimValue(nb, nl, slice, 1);
    Value y =
        buildZeroRow(nb, nl, slice, ValueRange{local}, outDim, vectorWidth);
    y = buildAxpy(nb, nl, y, ValueRange{local}, gate, op.getB2(),
                  ValueRange{leaf}, outDim, vectorWidth);
    RowMlp leafMlp{x,          row,    op.getW1(),         op.getB1(),
                   op.getW2(), {leaf}, op.getActivation(), vectorWidth};
    y = leafMlp.addInto(nb, nl, y, local, gate);
    if (op.hasMasterLeaf()) {
      y = buildAxpy(nb, nl, y, ValueRange{local}, masterGate, op.getMagicB2(),
                    ValueRange{}, outDim, vectorWidth);
      RowMlp master{x,
                    row,
                    op.getMagicW1(),
                    op.getMagicB1(),
                    op.getMagicW2(),
                    {},
                    op.getActivation(),
                    vectorWidth};
      y = master.addInto(nb, nl, y, local, masterGate);
    }
    return y;
  };
  auto body = [&](OpBuilder &nb, Location nl, Value row,
                  ValueRange blocks) -> SmallVector<Value> {
    Value base = arith::ConstantIndexOp::create(nb, nl, 0);
    Value node =
        buildTreeWalk(nb, nl, x, row, op.getNodeWeights(), op.getNodeBiases(),
                      base, op.getDepth(), op.getTie(), vectorWidth)[0];
    return {finishRow(nb, nl, row, blocks[0], node)};
  };
  if (interleave == 1) {
    rewriter.replaceOp(
        op, buildRowLoop(b, loc, ValueRange{op.getInit()}, rowBlock, body));
    return;
  }
  // The rows of a group walk the tree together, then each computes its leaf.
  auto group = [&](OpBuilder &nb, Location nl, ValueRange rows,
                   ValueRange slices) -> SmallVector<Value> {
    Value base = arith::ConstantIndexOp::create(nb, nl, 0);
    SmallVector<Value> nodes = buildInterleavedTreeWalk(
        nb, nl, x, rows, op.getNodeWeights(), op.getNodeBiases(), base,
        op.getDepth(), op.getTie(), vectorWidth);
    SmallVector<Value> ys;
    for (auto [row, slice, node] : llvm::zip(rows, slices, nodes))
      ys.push_back(finishRow(nb, nl, row, slice, node));
    return ys;
  };
  rewriter.replaceOp(op, buildInterleavedRowLoop(b, loc, op.getInit(),
                                                 interleave, group, body));
}

void fusePathNeuron(RewriterBase &rewriter, PathNeuronOp op,
                    int64_t vectorWidth, int64_t rowBlock, int64_t interleave) {
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  Value x = op.getInput();
  Activation act = op.getActivation();

  // The rows of a group walk each tree together: their dot products are
  // interleaved, and each visited node adds act(z) times its output row into
  // its own row's output slice. A single row is the group of one.
  auto group = [&](OpBuilder &nb, Location nl, ValueRange rows,
                   ValueRange slices) -> SmallVector<Value> {
    size_t n = rows.size();
    Value local = arith::ConstantIndexOp::create(nb, nl, 0); // a slice's row
    Value outDim = dimValue(nb, nl, slices[0], 1);
    SmallVector<Value> ys;
    for (Value slice : slices)
      ys.push_back(
          buildZeroRow(nb, nl, slice, ValueRange{local}, outDim, vectorWidth));
    Value zero = arith::ConstantIndexOp::create(nb, nl, 0);
    Value oneIdx = arith::ConstantIndexOp::create(nb, nl, 1);
    Value trees = arith::ConstantIndexOp::create(nb, nl, op.getTrees());
    Value perTree = arith::ConstantIndexOp::create(
        nb, nl, getPathTreeNodeCount(op.getDepth()));
    auto loop = scf::ForOp::create(
        nb, nl, zero, trees, oneIdx, ys,
        [&](OpBuilder &tb, Location tl, Value t, ValueRange args) {
          Value base = arith::MulIOp::create(tb, tl, t, perTree);
          auto visit = [&](OpBuilder &vb, Location vl, Value,
                           ValueRange globals, ValueRange logits,
                           ValueRange carried) {
            SmallVector<Value> updated;
            for (size_t i = 0; i < n; ++i)
              updated.push_back(
                  buildAxpy(vb, vl, carried[i], ValueRange{local},
                            buildActivation(vb, vl, logits[i], act),
                            op.getOutputWeights(), ValueRange{globals[i]},
                            outDim, vectorWidth));
            return updated;
          };
          SmallVector<Value> walk = buildInterleavedTreeWalk(
              tb, tl, x, rows, op.getNodeWeights(), op.getNodeBiases(), base,
              op.getDepth() + 1, op.getTie(), vectorWidth, args, visit);
          scf::YieldOp::create(tb, tl, ArrayRef(walk).drop_front(n));
        });
    return SmallVector<Value>(loop.getResults());
  };
  auto body = [&](OpBuilder &nb, Location nl, Value row, ValueRange slices) {
    return group(nb, nl, ValueRange{row}, slices);
  };
  if (interleave == 1) {
    rewriter.replaceOp(
        op, buildRowLoop(b, loc, ValueRange{op.getInit()}, rowBlock, body));
    return;
  }
  rewriter.replaceOp(op, buildInterleavedRowLoop(b, loc, op.getInit(),
                                                 interleave, group, body));
}

struct FFFFuseRoutingPass
    : public fff::impl::FFFFuseRoutingBase<FFFFuseRoutingPass> {
  using Base::Base;

  void runOnOperation() override {
    if (std::string error = checkVectorWidth(vectorWidth); !error.empty()) {
      getOperation()->emitError("fff-fuse-routing: ") << error;
      return signalPassFailure();
    }
    if (std::string error = checkRowLoopOptions(rowBlock, interleave);
        !error.empty()) {
      getOperation()->emitError("fff-fuse-routing: ") << error;
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    for (Operation *op : collectWholeLayers(getOperation())) {
      rewriter.setInsertionPoint(op);
      // Rows of zero columns: nothing to compute (and no row slice to take).
      auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
      if (resultType.getDimSize(1) == 0) {
        rewriter.replaceOp(op, op->getOperands().back());
        continue;
      }
      if (auto leaf = dyn_cast<LeafMlpOp>(op))
        fuseLeafMlp(rewriter, leaf, vectorWidth, rowBlock, interleave);
      else
        fusePathNeuron(rewriter, cast<PathNeuronOp>(op), vectorWidth, rowBlock,
                       interleave);
    }
  }
};

} // namespace
