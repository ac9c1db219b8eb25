//===- Softmax.cpp - linalg.softmax on buffers -> row loops ---------------===//
//
// convert-softmax-to-loops (see Passes.td). Each row along the softmax
// dimension is one iteration of an scf.forall over the other dimensions:
//
//   scf.forall (the other indices) {
//     in, out = rank-1 views of the row
//     scf.if (both rows have unit stride) {     // vectors of W lanes
//       m = max(in)                             // the tail masked with -inf
//       out = exp(in - m); s = sum(out)
//       out = out / s
//     } else { the same three passes, one element at a time }
//   }
//
// Three passes over a row that stays in cache, where upstream's
// decomposition makes four passes over the whole tensor, each a scalar
// loop that calls libm's expf.
//
//===----------------------------------------------------------------------===//

#include "RowViews.h"
#include "fff/Conversion/RowLoops/RowLoops.h"
#include "fff/Dialect/FFF/Utils/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::fff {
#define GEN_PASS_DEF_CONVERTSOFTMAXTOLOOPS
#include "fff/Conversion/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {

/// One row of a softmax: its input and output views and its length.
struct Row {
  Value in, out, size;
};

/// The three passes one element at a time (any strides).
void buildScalarRow(OpBuilder &b, Location loc, const Row &row,
                    FloatType type) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value negInf = floatConstant(b, loc, type, -INFINITY);
  Value fzero = floatConstant(b, loc, type, 0.0);
  auto maxLoop = scf::ForOp::create(
      b, loc, zero, row.size, one, ValueRange{negInf},
      [&](OpBuilder &nb, Location nl, Value j, ValueRange acc) {
        Value x = memref::LoadOp::create(nb, nl, row.in, j);
        Value m = arith::MaximumFOp::create(nb, nl, acc[0], x);
        scf::YieldOp::create(nb, nl, m);
      });
  Value max = maxLoop.getResult(0);
  auto sumLoop = scf::ForOp::create(
      b, loc, zero, row.size, one, ValueRange{fzero},
      [&](OpBuilder &nb, Location nl, Value j, ValueRange acc) {
        Value x = memref::LoadOp::create(nb, nl, row.in, j);
        Value shifted = arith::SubFOp::create(nb, nl, x, max);
        Value e = math::ExpOp::create(nb, nl, shifted);
        memref::StoreOp::create(nb, nl, e, row.out, j);
        Value s = arith::AddFOp::create(nb, nl, acc[0], e);
        scf::YieldOp::create(nb, nl, s);
      });
  Value sum = sumLoop.getResult(0);
  scf::ForOp::create(b, loc, zero, row.size, one, ValueRange{},
                     [&](OpBuilder &nb, Location nl, Value j, ValueRange) {
                       Value e = memref::LoadOp::create(nb, nl, row.out, j);
                       Value y = arith::DivFOp::create(nb, nl, e, sum);
                       memref::StoreOp::create(nb, nl, y, row.out, j);
                       scf::YieldOp::create(nb, nl);
                     });
}

/// The three passes in vectors of `width` lanes over unit-stride rows: full
/// vectors in a loop, then one masked vector for the tail (all lanes off
/// when the row length is a multiple of the width).
void buildVectorRow(OpBuilder &b, Location loc, const Row &row,
                    FloatType type, int64_t width) {
  auto vecType = VectorType::get({width}, type);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value step = arith::ConstantIndexOp::create(b, loc, width);
  auto [full, mask] = splitRow(b, loc, row.size, width);
  Value negInf = floatConstant(b, loc, type, -INFINITY);
  Value negInfs = vector::BroadcastOp::create(b, loc, vecType, negInf);
  Value fzero = floatConstant(b, loc, type, 0.0);
  Value zeros = vector::BroadcastOp::create(b, loc, vecType, fzero);

  // max
  auto maxLoop = scf::ForOp::create(
      b, loc, zero, full, step, ValueRange{negInfs},
      [&](OpBuilder &nb, Location nl, Value j, ValueRange acc) {
        Value x = vector::LoadOp::create(nb, nl, vecType, row.in, j);
        Value m = arith::MaximumFOp::create(nb, nl, acc[0], x);
        scf::YieldOp::create(nb, nl, m);
      });
  Value tail = vector::MaskedLoadOp::create(b, loc, vecType, row.in, full,
                                            mask, negInfs);
  Value maxes = arith::MaximumFOp::create(b, loc, maxLoop.getResult(0), tail);
  Value max = vector::ReductionOp::create(
      b, loc, vector::CombiningKind::MAXIMUMF, maxes);
  Value maxSplat = vector::BroadcastOp::create(b, loc, vecType, max);

  // exp(x - max), stored, and summed
  auto sumLoop = scf::ForOp::create(
      b, loc, zero, full, step, ValueRange{zeros},
      [&](OpBuilder &nb, Location nl, Value j, ValueRange acc) {
        Value x = vector::LoadOp::create(nb, nl, vecType, row.in, j);
        Value shifted = arith::SubFOp::create(nb, nl, x, maxSplat);
        Value e = math::ExpOp::create(nb, nl, shifted);
        vector::StoreOp::create(nb, nl, e, row.out, j);
        Value s = arith::AddFOp::create(nb, nl, acc[0], e);
        scf::YieldOp::create(nb, nl, s);
      });
  Value tailIn = vector::MaskedLoadOp::create(b, loc, vecType, row.in, full,
                                              mask, negInfs);
  Value tailShifted = arith::SubFOp::create(b, loc, tailIn, maxSplat);
  Value tailExp = math::ExpOp::create(b, loc, tailShifted);
  vector::MaskedStoreOp::create(b, loc, row.out, full, mask, tailExp);
  // Lanes off may hold NaN (-inf - -inf): they count as 0.
  Value tailTerms = arith::SelectOp::create(b, loc, mask, tailExp, zeros);
  Value sums = arith::AddFOp::create(b, loc, sumLoop.getResult(0), tailTerms);
  Value sum =
      vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, sums);
  Value sumSplat = vector::BroadcastOp::create(b, loc, vecType, sum);

  // divide
  scf::ForOp::create(
      b, loc, zero, full, step, ValueRange{},
      [&](OpBuilder &nb, Location nl, Value j, ValueRange) {
        Value e = vector::LoadOp::create(nb, nl, vecType, row.out, j);
        Value y = arith::DivFOp::create(nb, nl, e, sumSplat);
        vector::StoreOp::create(nb, nl, y, row.out, j);
        scf::YieldOp::create(nb, nl);
      });
  Value tailE = vector::MaskedLoadOp::create(b, loc, vecType, row.out, full,
                                             mask, zeros);
  Value tailY = arith::DivFOp::create(b, loc, tailE, sumSplat);
  vector::MaskedStoreOp::create(b, loc, row.out, full, mask, tailY);
}

/// One row: vector code where both views have unit stride (decided from
/// their types where they tell, else at run time), scalar code otherwise.
void buildRow(OpBuilder &b, Location loc, Row row, FloatType type,
              int64_t width) {
  if (width <= 1) {
    buildScalarRow(b, loc, row, type);
    return;
  }
  std::optional<int64_t> inStride = staticStride(row.in);
  std::optional<int64_t> outStride = staticStride(row.out);
  auto vectorRow = [&](OpBuilder &vb, Location vl) {
    Value in = asUnitStride(vb, vl, row.in);
    Value out = asUnitStride(vb, vl, row.out);
    buildVectorRow(vb, vl, Row{in, out, row.size}, type, width);
  };
  if (inStride == 1 && outStride == 1) {
    vectorRow(b, loc);
    return;
  }
  if ((inStride && inStride != 1) || (outStride && outStride != 1)) {
    buildScalarRow(b, loc, row, type);
    return;
  }
  // Here each stride is 1 or unknown: check the unknown ones.
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value unit;
  for (auto [view, stride] : {std::pair(row.in, inStride),
                              std::pair(row.out, outStride)}) {
    if (stride)
      continue;
    auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, view);
    Value isUnit = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         metadata.getStrides()[0], one);
    unit = unit ? arith::AndIOp::create(b, loc, unit, isUnit).getResult()
                : isUnit;
  }
  scf::IfOp::create(
      b, loc, unit,
      [&](OpBuilder &tb, Location tl) {
        vectorRow(tb, tl);
        scf::YieldOp::create(tb, tl);
      },
      [&](OpBuilder &eb, Location el) {
        buildScalarRow(eb, el, row, type);
        scf::YieldOp::create(eb, el);
      });
}

struct SoftmaxToLoops : OpRewritePattern<linalg::SoftmaxOp> {
  SoftmaxToLoops(MLIRContext *ctx, int64_t width, PatternBenefit benefit)
      : OpRewritePattern(ctx, benefit), width(width) {}

  LogicalResult matchAndRewrite(linalg::SoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    auto inType = dyn_cast<MemRefType>(op.getInput().getType());
    auto outType = dyn_cast<MemRefType>(op.getOutput().getType());
    if (!inType || !outType)
      return rewriter.notifyMatchFailure(op, "not on buffers");
    auto type = dyn_cast<FloatType>(inType.getElementType());
    if (!type || outType.getElementType() != type)
      return rewriter.notifyMatchFailure(op, "not of one float type");
    Location loc = op.getLoc();
    int64_t dim = op.getDimension();
    Value input = op.getInput(), output = op.getOutput();
    Value size = memref::DimOp::create(rewriter, loc, input, dim);
    SmallVector<OpFoldResult> outer;
    for (int64_t d = 0; d < inType.getRank(); ++d)
      if (d != dim)
        outer.push_back(memref::getMixedSize(rewriter, loc, input, d));
    auto body = [&](OpBuilder &b, Location l, ValueRange indices) {
      Value in = rowView(b, l, input, indices, dim, size);
      Value out = rowView(b, l, output, indices, dim, size);
      buildRow(b, l, Row{in, out, size}, type, width);
    };
    buildRowLoop(rewriter, loc, outer, body);
    rewriter.eraseOp(op);
    return success();
  }

  int64_t width;
};

struct ConvertSoftmaxToLoopsPass
    : public fff::impl::ConvertSoftmaxToLoopsBase<ConvertSoftmaxToLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(checkVectorWidth(getOperation(), getArgument(), vectorWidth)))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    populateSoftmaxToLoopsPatterns(patterns, vectorWidth);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void fff::populateSoftmaxToLoopsPatterns(RewritePatternSet &patterns,
                                         int64_t vectorWidth,
                                         PatternBenefit benefit) {
  patterns.add<SoftmaxToLoops>(patterns.getContext(), vectorWidth, benefit);
}
