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

/// A step of a row update: gets the column and the tensors, returns them
/// updated.
using RowStep =
    function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)>;

/// Runs `vectorStep` on whole vectors of [0, len) and `scalarStep` on the
/// rest, threading the tensors `dsts` through both.
static SmallVector<Value> rowUpdate(OpBuilder &b, Location loc, ValueRange dsts,
                                    Value len, int64_t vectorWidth,
                                    RowStep vectorStep, RowStep scalarStep) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value tailStart = zero;
  SmallVector<Value> cur(dsts);
  auto loop = [&](Value from, Value to, Value step, RowStep body) {
    auto forOp = scf::ForOp::create(
        b, loc, from, to, step, cur,
        [&](OpBuilder &nb, Location nl, Value j, ValueRange args) {
          scf::YieldOp::create(nb, nl, body(nb, nl, j, args));
        });
    cur = SmallVector<Value>(forOp.getResults());
  };
  if (vectorWidth > 0) {
    tailStart = buildWholeVectorsEnd(b, loc, len, vectorWidth);
    loop(zero, tailStart, constantIndex(b, loc, vectorWidth), vectorStep);
  }
  loop(tailStart, len, constantIndex(b, loc, 1), scalarStep);
  return cur;
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
  SmallVector<SmallVector<Value>> rowScales{SmallVector<Value>(scales)};
  return buildRowsMultiAxpy(b, loc, ValueRange(dst), {dstPrefix}, rowScales,
                            src, srcPrefixes, len, vectorWidth, accumulate)[0];
}

SmallVector<Value>
fff::buildRowsMultiAxpy(OpBuilder &b, Location loc, ValueRange dsts,
                        ArrayRef<ValueRange> dstPrefixes,
                        ArrayRef<SmallVector<Value>> scales, Value src,
                        ArrayRef<ValueRange> srcPrefixes, Value len,
                        int64_t vectorWidth, bool accumulate) {
  assert(dsts.size() == dstPrefixes.size() && dsts.size() == scales.size() &&
         !dsts.empty() && "one prefix and one set of scales per destination");
  assert(llvm::all_of(scales,
                      [&](ArrayRef<Value> rowScales) {
                        return rowScales.size() == srcPrefixes.size();
                      }) &&
         "one source row per scale");
  Type elem = scales.front().front().getType();
  auto vecType = VectorType::get({std::max<int64_t>(vectorWidth, 1)}, elem);
  Value pad = floatConstant(b, loc, elem, 0.0);
  SmallVector<SmallVector<Value>> vscales;
  Value vzero, zero = floatConstant(b, loc, elem, 0.0);
  if (vectorWidth > 0) {
    for (ArrayRef<Value> rowScales : scales) {
      SmallVector<Value> row;
      for (Value s : rowScales)
        row.push_back(vector::BroadcastOp::create(b, loc, vecType, s));
      vscales.push_back(std::move(row));
    }
    vzero = constantLike(b, loc, vscales.front().front(), 0.0);
  }
  size_t rows = dsts.size();
  return rowUpdate(
      b, loc, dsts, len, vectorWidth,
      [&](OpBuilder &nb, Location nl, Value j, ValueRange cur) {
        // Each destination chunk stays in a register across all terms, and
        // each source chunk is loaded once for every destination.
        SmallVector<Value> accs;
        for (size_t r = 0; r < rows; ++r)
          accs.push_back(accumulate ? vector::TransferReadOp::create(
                                          nb, nl, vecType, cur[r],
                                          withLast(dstPrefixes[r], j), pad,
                                          ArrayRef<bool>{true})
                                          .getResult()
                                    : vzero);
        for (auto [t, prefix] : llvm::enumerate(srcPrefixes)) {
          Value vsrc = vector::TransferReadOp::create(nb, nl, vecType, src,
                                                      withLast(prefix, j), pad,
                                                      ArrayRef<bool>{true});
          for (size_t r = 0; r < rows; ++r)
            accs[r] =
                vector::FMAOp::create(nb, nl, vscales[r][t], vsrc, accs[r]);
        }
        SmallVector<Value> next;
        for (size_t r = 0; r < rows; ++r)
          next.push_back(vector::TransferWriteOp::create(
                             nb, nl, accs[r], cur[r],
                             withLast(dstPrefixes[r], j), ArrayRef<bool>{true})
                             .getResult());
        return next;
      },
      [&](OpBuilder &nb, Location nl, Value j, ValueRange cur) {
        SmallVector<Value> accs;
        for (size_t r = 0; r < rows; ++r)
          accs.push_back(accumulate
                             ? tensor::ExtractOp::create(
                                   nb, nl, cur[r], withLast(dstPrefixes[r], j))
                                   .getResult()
                             : zero);
        for (auto [t, prefix] : llvm::enumerate(srcPrefixes)) {
          Value x = tensor::ExtractOp::create(nb, nl, src, withLast(prefix, j));
          for (size_t r = 0; r < rows; ++r)
            accs[r] = arith::AddFOp::create(
                nb, nl, accs[r],
                arith::MulFOp::create(nb, nl, scales[r][t], x));
        }
        SmallVector<Value> next;
        for (size_t r = 0; r < rows; ++r)
          next.push_back(tensor::InsertOp::create(nb, nl, accs[r], cur[r],
                                                  withLast(dstPrefixes[r], j)));
        return next;
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
      b, loc, {dst}, len, vectorWidth,
      [&](OpBuilder &nb, Location nl, Value j, ValueRange cur) {
        return SmallVector<Value>{
            vector::TransferWriteOp::create(nb, nl, vzero, cur[0],
                                            withLast(dstPrefix, j),
                                            ArrayRef<bool>{true})
                .getResult()};
      },
      [&](OpBuilder &nb, Location nl, Value j, ValueRange cur) {
        return SmallVector<Value>{tensor::InsertOp::create(
            nb, nl, zero, cur[0], withLast(dstPrefix, j))};
      })[0];
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
