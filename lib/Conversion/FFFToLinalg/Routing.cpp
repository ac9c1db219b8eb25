//===- Routing.cpp - fff.route, fff.route_path -> linalg/scf/tensor ------===//
//
// Each row walks its tree in a loop body: a linalg.generic over rows for
// fff.route (one leaf per row), an scf.forall for fff.route_path (each row
// writes T*(depth+1) entries of both results, which a generic cannot).
// The data-dependent reads are tensor.extracts that one-shot bufferization
// turns into loads.
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/FFFToLinalg/FFFToLinalg.h"
#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/RowLoop.h"
#include "fff/Dialect/FFF/Utils/RowOps.h"
#include "fff/Dialect/FFF/Utils/TreeWalk.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::fff;

namespace {

/// fff.route -> linalg.generic over rows, walking the tree in its body.
void convertRoute(RewriterBase &rewriter, RouteOp op, RouteOp::Adaptor adaptor,
                  int64_t vectorWidth) {
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  Type indexElem = getElementTypeOrSelf(op.getType());
  Value numInner = arith::ConstantIndexOp::create(
      b, loc, getLeafTreeNodeCount(op.getDepth()));
  Value result = buildGeneric(
      b, loc, 1, ValueRange{}, adaptor.getInit(), {{0}},
      {utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nl, ValueRange) {
        Value row = linalg::IndexOp::create(nb, nl, 0);
        Value base = arith::ConstantIndexOp::create(nb, nl, 0);
        Value node = buildTreeWalk(
            nb, nl, adaptor.getInput(), row, adaptor.getNodeWeights(), adaptor.getNodeBiases(),
            base, op.getDepth(), op.getTie(), vectorWidth)[0];
        Value leaf = arith::SubIOp::create(nb, nl, node, numInner);
        return castIndex(nb, nl, leaf, indexElem);
      });
  rewriter.replaceOp(op, result);
}

/// fff.route_path -> scf.forall over rows; each row writes T*(depth+1)
/// entries of both results.
void convertRoutePath(RewriterBase &rewriter, RoutePathOp op,
                      RoutePathOp::Adaptor adaptor, int64_t vectorWidth) {
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
              buildTreeWalk(tb, tl, adaptor.getInput(), row, adaptor.getNodeWeights(),
                            adaptor.getNodeBiases(), base, steps, op.getTie(),
                            vectorWidth, args, record);
          scf::YieldOp::create(tb, tl, ArrayRef<Value>(walk).drop_front());
        });
    return SmallVector<Value>(loop.getResults());
  };
  rewriter.replaceOp(
      op,
      buildRowLoop(b, loc, ValueRange{adaptor.getNodesInit(), adaptor.getLogitsInit()}, 1,
                   body));
}

/// One routing op -> its loop over rows, by `convert`.
template <typename OpTy>
struct RoutingToLinalg : OpConversionPattern<OpTy> {
  using ConvertFn = void (*)(RewriterBase &, OpTy, typename OpTy::Adaptor,
                             int64_t);
  RoutingToLinalg(MLIRContext *context, int64_t vectorWidth, ConvertFn convert,
                  PatternBenefit benefit)
      : OpConversionPattern<OpTy>(context, benefit), vectorWidth(vectorWidth),
        convert(convert) {}

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    convert(rewriter, op, adaptor, vectorWidth);
    return success();
  }

  int64_t vectorWidth;
  ConvertFn convert;
};

} // namespace

void fff::populateFFFRoutingToLinalgPatterns(
    RewritePatternSet &patterns, const ConvertFFFToLinalgOptions &options,
    PatternBenefit benefit) {
  MLIRContext *context = patterns.getContext();
  patterns.add<RoutingToLinalg<RouteOp>>(context, options.vectorWidth,
                                         convertRoute, benefit);
  patterns.add<RoutingToLinalg<RoutePathOp>>(context, options.vectorWidth,
                                             convertRoutePath, benefit);
}
