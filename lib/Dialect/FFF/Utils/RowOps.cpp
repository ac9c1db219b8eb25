//===- RowOps.cpp - Dot products and row updates --------------------------===//

#include "fff/Dialect/FFF/Utils/RowOps.h"

#include "fff/Dialect/FFF/Utils/Builders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::fff;

static SmallVector<Value> withLast(ValueRange prefix, Value last) {
  SmallVector<Value> indices(prefix);
  indices.push_back(last);
  return indices;
}

Value fff::buildWholeVectorsEnd(OpBuilder &b, Location loc, Value len,
                                int64_t width) {
  Value w = arith::ConstantIndexOp::create(b, loc, width);
  return arith::SubIOp::create(b, loc, len,
                               arith::RemUIOp::create(b, loc, len, w));
}

Value fff::buildDot(OpBuilder &b, Location loc, Value a, ValueRange aPrefix,
                    Value w, ValueRange wPrefix, Value len, Value init,
                    int64_t vectorWidth) {
  return buildInterleavedDots(b, loc, a, {SmallVector<Value>(aPrefix)}, w,
                              {SmallVector<Value>(wPrefix)}, len, {init},
                              vectorWidth)[0];
}

Value fff::buildPairwiseSum(OpBuilder &b, Location loc, ArrayRef<Value> terms) {
  assert(!terms.empty() && "a sum of nothing");
  SmallVector<Value> level(terms);
  while (level.size() > 1) {
    SmallVector<Value> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(arith::AddFOp::create(b, loc, level[i], level[i + 1]));
    if (level.size() % 2 == 1)
      next.push_back(level.back());
    level = std::move(next);
  }
  return level.front();
}

Value fff::buildLaneSum(OpBuilder &b, Location loc, Value vec) {
  auto type = cast<VectorType>(vec.getType());
  int64_t width = type.getNumElements();
  while (width > 2 && width % 2 == 0) {
    width /= 2;
    Value low = vector::ExtractStridedSliceOp::create(
        b, loc, vec, ArrayRef<int64_t>{0}, ArrayRef<int64_t>{width},
        ArrayRef<int64_t>{1});
    Value high = vector::ExtractStridedSliceOp::create(
        b, loc, vec, ArrayRef<int64_t>{width}, ArrayRef<int64_t>{width},
        ArrayRef<int64_t>{1});
    vec = arith::AddFOp::create(b, loc, low, high);
  }
  if (width > 2)
    return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, vec);
  Value sum = vector::ExtractOp::create(b, loc, vec, ArrayRef<int64_t>{0});
  if (width == 1)
    return sum;
  Value second = vector::ExtractOp::create(b, loc, vec, ArrayRef<int64_t>{1});
  return arith::AddFOp::create(b, loc, sum, second);
}

/// Runs `vectorStep` on whole vectors of [0, len) and `scalarStep` on the
/// rest, threading the tensor `dst` through both.
static Value
rowUpdate(OpBuilder &b, Location loc, Value dst, Value len, int64_t vectorWidth,
          function_ref<Value(OpBuilder &, Location, Value, Value)> vectorStep,
          function_ref<Value(OpBuilder &, Location, Value, Value)> scalarStep) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value tailStart = zero;
  if (vectorWidth > 0) {
    tailStart = buildWholeVectorsEnd(b, loc, len, vectorWidth);
    Value step = arith::ConstantIndexOp::create(b, loc, vectorWidth);
    auto loop = scf::ForOp::create(
        b, loc, zero, tailStart, step, ValueRange{dst},
        [&](OpBuilder &nb, Location nl, Value j, ValueRange args) {
          scf::YieldOp::create(nb, nl, vectorStep(nb, nl, j, args[0]));
        });
    dst = loop.getResult(0);
  }
  Value one = constantIndex(b, loc, 1);
  return buildLoop(b, loc, tailStart, len, one, dst, scalarStep);
}

SmallVector<Value>
fff::buildInterleavedDots(OpBuilder &b, Location loc, Value a,
                          ArrayRef<SmallVector<Value>> aPrefixes, Value w,
                          ArrayRef<SmallVector<Value>> wPrefixes, Value len,
                          ValueRange inits, int64_t vectorWidth) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  size_t n = inits.size();
  Type elem = inits.front().getType();
  Value tailStart = zero;
  SmallVector<Value> sums(inits);
  if (vectorWidth > 0) {
    auto vecType = VectorType::get({vectorWidth}, elem);
    Value pad = floatConstant(b, loc, elem, 0.0);
    Value vzero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vecType, b.getFloatAttr(elem, 0.0)));
    // Each row's sum is split over `chains` accumulators so that consecutive
    // FMAs do not wait on each other; with several rows interleaved their
    // own chains already overlap, so fewer per row are needed.
    int64_t chains = std::max<int64_t>(1, kDotChains / static_cast<int64_t>(n));
    // One loop step: `count` vectors of every row from column k, each into
    // accumulator `c` of its row.
    auto step = [&](OpBuilder &nb, Location nl, Value k, ValueRange accs,
                    int64_t count) {
      SmallVector<Value> next(accs);
      for (size_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < count; ++c) {
          Value kc = c == 0
                         ? k
                         : arith::AddIOp::create(nb, nl, k,
                                                 arith::ConstantIndexOp::create(
                                                     nb, nl, c * vectorWidth));
          Value va = vector::TransferReadOp::create(nb, nl, vecType, a,
                                                    withLast(aPrefixes[i], kc),
                                                    pad, ArrayRef<bool>{true});
          Value vw = vector::TransferReadOp::create(nb, nl, vecType, w,
                                                    withLast(wPrefixes[i], kc),
                                                    pad, ArrayRef<bool>{true});
          next[i * count + c] =
              vector::FMAOp::create(nb, nl, va, vw, accs[i * count + c]);
        }
      return next;
    };
    Value wideEnd = buildWholeVectorsEnd(b, loc, len, vectorWidth * chains);
    auto wide = scf::ForOp::create(
        b, loc, zero, wideEnd,
        arith::ConstantIndexOp::create(b, loc, vectorWidth * chains),
        SmallVector<Value>(n * chains, vzero),
        [&](OpBuilder &nb, Location nl, Value k, ValueRange accs) {
          scf::YieldOp::create(nb, nl, step(nb, nl, k, accs, chains));
        });
    SmallVector<Value> rowAccs;
    for (size_t i = 0; i < n; ++i) {
      SmallVector<Value> rowChains(wide.getResults().slice(i * chains, chains));
      rowAccs.push_back(buildPairwiseSum(b, loc, rowChains));
    }
    // The whole vectors after the last whole group of `chains`.
    tailStart = buildWholeVectorsEnd(b, loc, len, vectorWidth);
    if (chains > 1)
      rowAccs = SmallVector<Value>(
          scf::ForOp::create(
              b, loc, wideEnd, tailStart,
              arith::ConstantIndexOp::create(b, loc, vectorWidth), rowAccs,
              [&](OpBuilder &nb, Location nl, Value k, ValueRange accs) {
                scf::YieldOp::create(nb, nl, step(nb, nl, k, accs, 1));
              })
              .getResults());
    for (size_t i = 0; i < n; ++i) {
      Value lanes = buildLaneSum(b, loc, rowAccs[i]);
      sums[i] = arith::AddFOp::create(b, loc, sums[i], lanes);
    }
  }
  auto tail = scf::ForOp::create(
      b, loc, tailStart, len, one, sums,
      [&](OpBuilder &nb, Location nl, Value k, ValueRange accs) {
        SmallVector<Value> next;
        for (size_t i = 0; i < n; ++i) {
          Value x =
              tensor::ExtractOp::create(nb, nl, a, withLast(aPrefixes[i], k));
          Value y =
              tensor::ExtractOp::create(nb, nl, w, withLast(wPrefixes[i], k));
          next.push_back(arith::AddFOp::create(
              nb, nl, accs[i], arith::MulFOp::create(nb, nl, x, y)));
        }
        scf::YieldOp::create(nb, nl, next);
      });
  return SmallVector<Value>(tail.getResults());
}

Value fff::buildAxpy(OpBuilder &b, Location loc, Value dst,
                     ValueRange dstPrefix, Value s, Value src,
                     ValueRange srcPrefix, Value len, int64_t vectorWidth) {
  return buildMultiAxpy(b, loc, dst, dstPrefix, {s}, src, {srcPrefix}, len,
                        vectorWidth);
}

Value fff::buildMultiAxpy(OpBuilder &b, Location loc, Value dst,
                          ValueRange dstPrefix, ArrayRef<Value> scales,
                          Value src, ArrayRef<ValueRange> srcPrefixes,
                          Value len, int64_t vectorWidth, bool accumulate) {
  assert(scales.size() == srcPrefixes.size() && "one source row per scale");
  Type elem = scales.front().getType();
  auto vecType = VectorType::get({std::max<int64_t>(vectorWidth, 1)}, elem);
  Value pad = floatConstant(b, loc, elem, 0.0);
  SmallVector<Value> vscales;
  Value vzero, zero = floatConstant(b, loc, elem, 0.0);
  if (vectorWidth > 0) {
    for (Value s : scales)
      vscales.push_back(vector::BroadcastOp::create(b, loc, vecType, s));
    vzero = constantLike(b, loc, vscales.front(), 0.0);
  }
  return rowUpdate(
      b, loc, dst, len, vectorWidth,
      [&](OpBuilder &nb, Location nl, Value j, Value cur) {
        // The destination chunk stays in a register across all terms.
        Value acc = accumulate
                        ? vector::TransferReadOp::create(
                              nb, nl, vecType, cur, withLast(dstPrefix, j), pad,
                              ArrayRef<bool>{true})
                        : vzero;
        for (auto [vs, prefix] : llvm::zip_equal(vscales, srcPrefixes)) {
          Value vsrc = vector::TransferReadOp::create(nb, nl, vecType, src,
                                                      withLast(prefix, j), pad,
                                                      ArrayRef<bool>{true});
          acc = vector::FMAOp::create(nb, nl, vs, vsrc, acc);
        }
        return vector::TransferWriteOp::create(nb, nl, acc, cur,
                                               withLast(dstPrefix, j),
                                               ArrayRef<bool>{true})
            .getResult();
      },
      [&](OpBuilder &nb, Location nl, Value j, Value cur) {
        Value acc =
            accumulate
                ? tensor::ExtractOp::create(nb, nl, cur, withLast(dstPrefix, j))
                : zero;
        for (auto [s, prefix] : llvm::zip_equal(scales, srcPrefixes)) {
          Value x = tensor::ExtractOp::create(nb, nl, src, withLast(prefix, j));
          acc = arith::AddFOp::create(nb, nl, acc,
                                      arith::MulFOp::create(nb, nl, s, x));
        }
        return Value(
            tensor::InsertOp::create(nb, nl, acc, cur, withLast(dstPrefix, j)));
      });
}

Value fff::buildZeroRow(OpBuilder &b, Location loc, Value dst,
                        ValueRange dstPrefix, Value len, int64_t vectorWidth) {
  Type elem = cast<ShapedType>(dst.getType()).getElementType();
  Value zero = floatConstant(b, loc, elem, 0.0);
  Value vzero;
  if (vectorWidth > 0)
    vzero = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({vectorWidth}, elem),
                               b.getFloatAttr(elem, 0.0)));
  return rowUpdate(
      b, loc, dst, len, vectorWidth,
      [&](OpBuilder &nb, Location nl, Value j, Value cur) {
        return vector::TransferWriteOp::create(nb, nl, vzero, cur,
                                               withLast(dstPrefix, j),
                                               ArrayRef<bool>{true})
            .getResult();
      },
      [&](OpBuilder &nb, Location nl, Value j, Value cur) {
        return Value(tensor::InsertOp::create(nb, nl, zero, cur,
                                              withLast(dstPrefix, j)));
      });
}

Value fff::buildGeneric(
    OpBuilder &b, Location loc, int64_t numDims, ValueRange ins, Value out,
    ArrayRef<SmallVector<int64_t>> operandDims,
    ArrayRef<utils::IteratorType> iters,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (const SmallVector<int64_t> &dims : operandDims) {
    SmallVector<AffineExpr> exprs;
    for (int64_t d : dims)
      exprs.push_back(getAffineDimExpr(d, ctx));
    maps.push_back(AffineMap::get(numDims, 0, exprs, ctx));
  }
  return linalg::GenericOp::create(
             b, loc, TypeRange{out.getType()}, ins, ValueRange{out}, maps,
             iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args));
             })
      .getResult(0);
}
