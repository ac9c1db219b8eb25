//===- FFFToLinalg.cpp - fff routing and cmm -> linalg/scf/tensor --------===//
//
// The unfused lowering, one op at a time (see Passes.td). Routing and the
// conditional matmul read their data-dependent operands with tensor.extract
// inside the loop bodies, which one-shot bufferization turns into loads.
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/Passes.h"
#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/OptionChecks.h"
#include "fff/Dialect/FFF/Utils/RowLoop.h"
#include "fff/Dialect/FFF/Utils/RowOps.h"
#include "fff/Dialect/FFF/Utils/TreeWalk.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::fff {
#define GEN_PASS_DEF_CONVERTFFFTOLINALG
#include "fff/Conversion/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {

/// fff.route -> linalg.generic over rows, walking the tree in its body.
void convertRoute(RewriterBase &rewriter, RouteOp op, int64_t vectorWidth) {
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  Type indexElem = getElementTypeOrSelf(op.getType());
  Value numInner = arith::ConstantIndexOp::create(
      b, loc, getLeafTreeNodeCount(op.getDepth()));
  Value result = buildGeneric(
      b, loc, 1, ValueRange{}, op.getInit(), {{0}},
      {utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nl, ValueRange) {
        Value row = linalg::IndexOp::create(nb, nl, 0);
        Value base = arith::ConstantIndexOp::create(nb, nl, 0);
        Value node = buildTreeWalk(
            nb, nl, op.getInput(), row, op.getNodeWeights(), op.getNodeBiases(),
            base, op.getDepth(), op.getTie(), vectorWidth)[0];
        Value leaf = arith::SubIOp::create(nb, nl, node, numInner);
        return castIndex(nb, nl, leaf, indexElem);
      });
  rewriter.replaceOp(op, result);
}

/// fff.route_path -> scf.forall over rows; each row writes T*(depth+1)
/// entries of both results.
void convertRoutePath(RewriterBase &rewriter, RoutePathOp op,
                      int64_t vectorWidth) {
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  Type indexElem = getElementTypeOrSelf(op.getNodes().getType());
  int64_t steps = op.getDepth() + 1;
  auto body = [&](OpBuilder &nb, Location nl, Value row,
                  ValueRange blocks) -> SmallVector<Value> {
    Value local = arith::ConstantIndexOp::create(nb, nl, 0); // the slice's row
    Value zero = arith::ConstantIndexOp::create(nb, nl, 0);
    Value one = arith::ConstantIndexOp::create(nb, nl, 1);
    Value trees = arith::ConstantIndexOp::create(nb, nl, op.getTrees());
    Value perTree = arith::ConstantIndexOp::create(
        nb, nl, getPathTreeNodeCount(op.getDepth()));
    Value stepsVal = arith::ConstantIndexOp::create(nb, nl, steps);
    auto loop = scf::ForOp::create(
        nb, nl, zero, trees, one, blocks,
        [&](OpBuilder &tb, Location tl, Value t, ValueRange args) {
          Value base = arith::MulIOp::create(tb, tl, t, perTree);
          Value first = arith::MulIOp::create(tb, tl, t, stepsVal);
          auto record = [&](OpBuilder &vb, Location vl, Value level,
                            Value global, Value logit, ValueRange carried) {
            Value k = arith::AddIOp::create(vb, vl, first, level);
            Value node = castIndex(vb, vl, global, indexElem);
            return SmallVector<Value>{
                tensor::InsertOp::create(vb, vl, node, carried[0],
                                         ValueRange{local, k}),
                tensor::InsertOp::create(vb, vl, logit, carried[1],
                                         ValueRange{local, k})};
          };
          SmallVector<Value> walk =
              buildTreeWalk(tb, tl, op.getInput(), row, op.getNodeWeights(),
                            op.getNodeBiases(), base, steps, op.getTie(),
                            vectorWidth, args, record);
          scf::YieldOp::create(tb, tl, ArrayRef<Value>(walk).drop_front());
        });
    return SmallVector<Value>(loop.getResults());
  };
  rewriter.replaceOp(
      op,
      buildRowLoop(b, loc, ValueRange{op.getNodesInit(), op.getLogitsInit()}, 1,
                   body));
}

/// `valid ? then() : 0` where valid says `index` selects a block: compared
/// unsigned, a negative index is out of range too.
Value ifInBank(OpBuilder &b, Location loc, Value index, Value numBlocks,
               Type elem, function_ref<Value(OpBuilder &, Location)> then) {
  Value valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, index,
                                      numBlocks);
  auto ifOp = scf::IfOp::create(
      b, loc, valid,
      [&](OpBuilder &nb, Location nl) {
        scf::YieldOp::create(nb, nl, then(nb, nl));
      },
      [&](OpBuilder &nb, Location nl) {
        scf::YieldOp::create(nb, nl, floatConstant(nb, nl, elem, 0.0));
      });
  return ifOp.getResult(0);
}

/// fff.cmm -> a linalg.generic adding the selected bias rows, then one
/// gathering from the bank. Loop order (rows, [index slots,] reduction,
/// output columns) keeps the innermost loop unit-stride.
void convertCmm(RewriterBase &rewriter, CmmOp op) {
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  Type elem = getElementTypeOrSelf(op.getType());
  Value numBlocks = dimValue(b, loc, op.getBank(), 0);
  bool multi = op.isMultiIndex();
  auto par = utils::IteratorType::parallel;
  auto red = utils::IteratorType::reduction;
  Value acc = op.getInit();

  if (Value bias = op.getBias()) {
    // dims: (b, [p,] m)
    int64_t n = multi ? 3 : 2;
    SmallVector<int64_t> idxDims =
        multi ? SmallVector<int64_t>{0, 1} : SmallVector<int64_t>{0};
    SmallVector<utils::IteratorType> iters =
        multi ? SmallVector<utils::IteratorType>{par, red, par}
              : SmallVector<utils::IteratorType>{par, par};
    acc = buildGeneric(
        b, loc, n, ValueRange{op.getIndices()}, acc, {idxDims, {0, n - 1}},
        iters, [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value i = castIndex(nb, nl, args[0], nb.getIndexType());
          Value m = linalg::IndexOp::create(nb, nl, n - 1);
          Value add = ifInBank(
              nb, nl, i, numBlocks, elem, [&](OpBuilder &ib, Location il) {
                return Value(
                    tensor::ExtractOp::create(ib, il, bias, ValueRange{i, m}));
              });
          return Value(arith::AddFOp::create(nb, nl, args[1], add));
        });
  }

  // dims: (b, [p,] k, m)
  int64_t n = multi ? 4 : 3;
  SmallVector<int64_t> lhsDims =
      multi ? SmallVector<int64_t>{0, 1, 2} : SmallVector<int64_t>{0, 1};
  SmallVector<int64_t> idxDims =
      multi ? SmallVector<int64_t>{0, 1} : SmallVector<int64_t>{0};
  SmallVector<utils::IteratorType> iters =
      multi ? SmallVector<utils::IteratorType>{par, red, red, par}
            : SmallVector<utils::IteratorType>{par, red, par};
  Value result = buildGeneric(
      b, loc, n, ValueRange{op.getLhs(), op.getIndices()}, acc,
      {lhsDims, idxDims, {0, n - 1}}, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value i = castIndex(nb, nl, args[1], nb.getIndexType());
        Value k = linalg::IndexOp::create(nb, nl, n - 2);
        Value m = linalg::IndexOp::create(nb, nl, n - 1);
        Value prod = ifInBank(
            nb, nl, i, numBlocks, elem, [&](OpBuilder &ib, Location il) {
              Value w = tensor::ExtractOp::create(ib, il, op.getBank(),
                                                  ValueRange{i, k, m});
              return Value(arith::MulFOp::create(ib, il, args[0], w));
            });
        return Value(arith::AddFOp::create(nb, nl, args[2], prod));
      });
  rewriter.replaceOp(op, result);
}

struct ConvertFFFToLinalgPass
    : public fff::impl::ConvertFFFToLinalgBase<ConvertFFFToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    if (std::string error = checkVectorWidth(vectorWidth); !error.empty()) {
      getOperation()->emitError("convert-fff-to-linalg: ") << error;
      return signalPassFailure();
    }
    SmallVector<Operation *> ops;
    WalkResult walk = getOperation()->walk([&](Operation *op) {
      if (isa<LeafMlpOp, PathNeuronOp>(op)) {
        op->emitError() << "'" << op->getName()
                        << "' must be expanded (fff-expand-layers) or fused "
                           "(fff-fuse-routing) before convert-fff-to-linalg";
        return WalkResult::interrupt();
      }
      if (isa<RouteOp, RoutePathOp, CmmOp>(op))
        ops.push_back(op);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    IRRewriter rewriter(&getContext());
    for (Operation *op : ops) {
      rewriter.setInsertionPoint(op);
      if (auto route = dyn_cast<RouteOp>(op))
        convertRoute(rewriter, route, vectorWidth);
      else if (auto path = dyn_cast<RoutePathOp>(op))
        convertRoutePath(rewriter, path, vectorWidth);
      else
        convertCmm(rewriter, cast<CmmOp>(op));
    }
  }
};

} // namespace
