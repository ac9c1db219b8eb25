//===- Cmm.cpp - fff.cmm -> linalg/scf/tensor -----------------------------===//
//
// A linalg.generic adding the selected bias rows, then one gathering from
// the bank with tensor.extract under an scf.if that skips indices outside
// it.
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/FFFToLinalg/FFFToLinalg.h"
#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/RowOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::fff;

namespace {

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
void convertCmm(RewriterBase &rewriter, CmmOp op, CmmOp::Adaptor adaptor) {
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  Type elem = getElementTypeOrSelf(op.getType());
  Value numBlocks = dimValue(b, loc, adaptor.getBank(), 0);
  bool multi = op.isMultiIndex();
  auto par = utils::IteratorType::parallel;
  auto red = utils::IteratorType::reduction;
  Value acc = adaptor.getInit();

  if (Value bias = adaptor.getBias()) {
    // dims: (b, [p,] m)
    int64_t n = multi ? 3 : 2;
    SmallVector<int64_t> idxDims =
        multi ? SmallVector<int64_t>{0, 1} : SmallVector<int64_t>{0};
    SmallVector<utils::IteratorType> iters =
        multi ? SmallVector<utils::IteratorType>{par, red, par}
              : SmallVector<utils::IteratorType>{par, par};
    acc = buildGeneric(
        b, loc, n, ValueRange{adaptor.getIndices()}, acc, {idxDims, {0, n - 1}},
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
      b, loc, n, ValueRange{adaptor.getLhs(), adaptor.getIndices()}, acc,
      {lhsDims, idxDims, {0, n - 1}}, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value i = castIndex(nb, nl, args[1], nb.getIndexType());
        Value k = linalg::IndexOp::create(nb, nl, n - 2);
        Value m = linalg::IndexOp::create(nb, nl, n - 1);
        Value prod = ifInBank(
            nb, nl, i, numBlocks, elem, [&](OpBuilder &ib, Location il) {
              Value w = tensor::ExtractOp::create(ib, il, adaptor.getBank(),
                                                  ValueRange{i, k, m});
              return Value(arith::MulFOp::create(ib, il, args[0], w));
            });
        return Value(arith::AddFOp::create(nb, nl, args[2], prod));
      });
  rewriter.replaceOp(op, result);
}

struct CmmToLinalg : OpConversionPattern<CmmOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CmmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    convertCmm(rewriter, op, adaptor);
    return success();
  }
};

} // namespace

void fff::populateFFFCmmToLinalgPatterns(RewritePatternSet &patterns,
                                         PatternBenefit benefit) {
  patterns.add<CmmToLinalg>(patterns.getContext(), benefit);
}
