//===- GroupedMatmul.cpp - fff.grouped_matmul -> register-blocked loops ---===//
//
// Per segment, the rows go `rowBlock` at a time through one micro-kernel, so
// that every load of the segment's weights feeds one FMA per row:
//
//  - N == 1 (a node's logit, rhs G x K x 1): the rows' dot products with
//    the segment's weight row, interleaved (buildInterleavedDots); the
//    weight chunk is loaded once per step for all rows.
//  - otherwise: vectors along N. For each group of output chunks, the rows'
//    accumulators stay in registers over the whole K loop; each step loads
//    the weight chunks of row k of W_g once and broadcasts lhs[r, k] of each
//    row into them. The result rows are read and written once.
//
// A block whose rows are not all inside the batch (a bad permutation) runs
// its rows one at a time, each guarded, so nothing is read or written out of
// bounds; the segment bounds are clamped to the permutation's size.
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/FFFToLinalg/FFFToLinalg.h"
#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/RowOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::fff;

namespace {

/// Vector accumulators a micro-kernel keeps in flight: enough independent
/// FMA chains for two FMA pipes of four cycles' latency.
constexpr int64_t kMinChains = 8;

/// What the micro-kernels of one op share.
struct Kernel {
  Value lhs, rhs, rhsRows, init;
  Value batch, inner, width, tableRows; // B, K, N, R (gathered only)
  bool dotForm;
  int64_t vectorWidth;

  /// The prefix of W_g[k, :] in rhs: (g, k), or the gathered row.
  SmallVector<Value> weightRow(OpBuilder &b, Location loc, Value g,
                               Value k) const {
    if (!rhsRows)
      return {g, k};
    Value row = extract(b, loc, rhsRows, {g, k});
    Value last = arith::SubIOp::create(b, loc, tableRows,
                                       constantIndex(b, loc, 1));
    return {arith::MinUIOp::create(b, loc, row, last)};
  }

  /// y[rows[i], :] += lhs[rows[i], :] @ W_g for every i (rows inside B).
  Value block(OpBuilder &b, Location loc, Value y, Value g,
              ArrayRef<Value> rows) const {
    return dotForm ? dotBlock(b, loc, y, g, rows)
                   : broadcastBlock(b, loc, y, g, rows);
  }

  Value dotBlock(OpBuilder &b, Location loc, Value y, Value g,
                 ArrayRef<Value> rows) const {
    Value zero = constantIndex(b, loc, 0);
    SmallVector<SmallVector<Value>> rowPrefixes, weightPrefixes;
    SmallVector<Value> inits;
    for (Value r : rows) {
      rowPrefixes.push_back({r});
      weightPrefixes.push_back({g});
      inits.push_back(extract(b, loc, y, {r, zero}));
    }
    SmallVector<Value> sums =
        buildInterleavedDots(b, loc, lhs, rowPrefixes, rhs, weightPrefixes,
                             inner, inits, vectorWidth);
    for (auto [r, sum] : llvm::zip_equal(rows, sums))
      y = insert(b, loc, sum, y, {r, zero});
    return y;
  }

  Value broadcastBlock(OpBuilder &b, Location loc, Value y, Value g,
                       ArrayRef<Value> rows) const {
    Value zero = constantIndex(b, loc, 0), one = constantIndex(b, loc, 1);
    int64_t numRows = static_cast<int64_t>(rows.size());
    // Chunk width: the target's vector, narrower for a narrow output.
    int64_t lanes = vectorWidth;
    int64_t staticWidth = cast<ShapedType>(init.getType()).getDimSize(1);
    if (lanes > 0 && !ShapedType::isDynamic(staticWidth))
      while (lanes > 1 && lanes > staticWidth)
        lanes /= 2;
    Value tailStart = zero;
    if (lanes > 1) {
      // Chunks per step: enough accumulators to hide the FMA latency.
      int64_t chunks = std::max<int64_t>(1, kMinChains / numRows);
      if (!ShapedType::isDynamic(staticWidth))
        chunks = std::clamp<int64_t>(staticWidth / lanes, 1, chunks);
      Value wideEnd = buildWholeVectorsEnd(b, loc, width, lanes * chunks);
      y = vectorSteps(b, loc, y, g, rows, zero, wideEnd, lanes, chunks);
      tailStart = buildWholeVectorsEnd(b, loc, width, lanes);
      if (chunks > 1)
        y = vectorSteps(b, loc, y, g, rows, wideEnd, tailStart, lanes, 1);
    }
    // The last N mod lanes columns, one at a time.
    return buildLoop(
        b, loc, tailStart, width, one, y,
        [&](OpBuilder &nb, Location nl, Value j, Value cur) {
          SmallVector<Value> accs;
          for (Value r : rows)
            accs.push_back(extract(nb, nl, cur, {r, j}));
          auto loop = scf::ForOp::create(
              nb, nl, zero, inner, one, accs,
              [&](OpBuilder &kb, Location kl, Value k, ValueRange in) {
                SmallVector<Value> idx = weightRow(kb, kl, g, k);
                idx.push_back(j);
                Value w = extract(kb, kl, rhs, idx);
                SmallVector<Value> out;
                for (auto [r, acc] : llvm::zip_equal(rows, in)) {
                  Value a = extract(kb, kl, lhs, {r, k});
                  out.push_back(arith::AddFOp::create(
                      kb, kl, acc, arith::MulFOp::create(kb, kl, a, w)));
                }
                scf::YieldOp::create(kb, kl, out);
              });
          for (auto [r, acc] : llvm::zip_equal(rows, loop.getResults()))
            cur = insert(nb, nl, acc, cur, {r, j});
          return cur;
        });
  }

  /// Columns [from, to) in steps of `chunks` vectors of `lanes`.
  Value vectorSteps(OpBuilder &b, Location loc, Value y, Value g,
                    ArrayRef<Value> rows, Value from, Value to, int64_t lanes,
                    int64_t chunks) const {
    Type elem = getElementTypeOrSelf(y.getType());
    auto vecType = VectorType::get({lanes}, elem);
    Value pad = floatConstant(b, loc, elem, 0.0);
    Value zero = constantIndex(b, loc, 0), one = constantIndex(b, loc, 1);
    Value step = constantIndex(b, loc, lanes * chunks);
    return buildLoop(
        b, loc, from, to, step, y,
        [&](OpBuilder &nb, Location nl, Value j, Value cur) {
          SmallVector<Value> cols;
          for (int64_t c = 0; c < chunks; ++c)
            cols.push_back(
                c == 0 ? j
                       : arith::AddIOp::create(nb, nl, j,
                                               constantIndex(nb, nl, c * lanes))
                             .getResult());
          SmallVector<Value> accs;
          for (Value r : rows)
            for (Value col : cols)
              accs.push_back(vector::TransferReadOp::create(
                  nb, nl, vecType, cur, ValueRange{r, col}, pad,
                  ArrayRef<bool>{true}));
          auto loop = scf::ForOp::create(
              nb, nl, zero, inner, one, accs,
              [&](OpBuilder &kb, Location kl, Value k, ValueRange in) {
                SmallVector<Value> prefix = weightRow(kb, kl, g, k);
                SmallVector<Value> ws;
                for (Value col : cols) {
                  SmallVector<Value> idx(prefix);
                  idx.push_back(col);
                  ws.push_back(vector::TransferReadOp::create(
                      kb, kl, vecType, rhs, idx, pad, ArrayRef<bool>{true}));
                }
                SmallVector<Value> out;
                for (auto [i, r] : llvm::enumerate(rows)) {
                  Value a = extract(kb, kl, lhs, {r, k});
                  Value va = vector::BroadcastOp::create(kb, kl, vecType, a);
                  for (auto [c, w] : llvm::enumerate(ws))
                    out.push_back(vector::FMAOp::create(
                        kb, kl, va, w, in[i * chunks + c]));
                }
                scf::YieldOp::create(kb, kl, out);
              });
          for (auto [i, r] : llvm::enumerate(rows))
            for (auto [c, col] : llvm::enumerate(cols))
              cur = vector::TransferWriteOp::create(
                        nb, nl, loop.getResult(i * chunks + c), cur,
                        ValueRange{r, col}, ArrayRef<bool>{true})
                        .getResult();
          return cur;
        });
  }
};

struct GroupedMatmulToLoops : OpConversionPattern<GroupedMatmulOp> {
  GroupedMatmulToLoops(MLIRContext *context, int64_t vectorWidth,
                       int64_t rowBlock, PatternBenefit benefit)
      : OpConversionPattern(context, benefit), vectorWidth(vectorWidth),
        rowBlock(rowBlock) {}

  LogicalResult
  matchAndRewrite(GroupedMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Kernel kernel;
    kernel.lhs = adaptor.getLhs();
    kernel.rhs = adaptor.getRhs();
    kernel.rhsRows = adaptor.getRhsRows();
    kernel.init = adaptor.getInit();
    kernel.vectorWidth = vectorWidth;
    kernel.batch = dimValue(b, loc, kernel.lhs, 0);
    kernel.inner = dimValue(b, loc, kernel.lhs, 1);
    kernel.width = dimValue(b, loc, kernel.init, 1);
    auto rhsType = cast<RankedTensorType>(kernel.rhs.getType());
    kernel.dotForm = !kernel.rhsRows && rhsType.getDimSize(2) == 1;
    if (kernel.rhsRows)
      kernel.tableRows = dimValue(b, loc, kernel.rhs, 0);
    if (kernel.dotForm) // G x K x 1 -> G x K: each weight row contiguous
      kernel.rhs = tensor::CollapseShapeOp::create(
          b, loc, kernel.rhs, ArrayRef<ReassociationIndices>{{0}, {1, 2}});

    Value rows = adaptor.getRows(), offsets = adaptor.getOffsets();
    Value zero = constantIndex(b, loc, 0), one = constantIndex(b, loc, 1);
    Value listed = rows ? dimValue(b, loc, rows, 0) : kernel.batch;
    Value groups = arith::SubIOp::create(b, loc, dimValue(b, loc, offsets, 0),
                                         one);
    Value block = constantIndex(b, loc, rowBlock);
    auto rowAt = [&](OpBuilder &nb, Location nl, Value i) {
      return rows ? extract(nb, nl, rows, {i}) : i;
    };
    auto inBatch = [&](OpBuilder &nb, Location nl, Value r) {
      return arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult, r,
                                   kernel.batch)
          .getResult();
    };
    // One row, guarded: a row id outside the batch is skipped.
    auto guardedRow = [&](OpBuilder &nb, Location nl, Value y, Value g,
                          Value r) -> Value {
      auto ifOp = scf::IfOp::create(
          nb, nl, inBatch(nb, nl, r),
          [&](OpBuilder &tb, Location tl) {
            scf::YieldOp::create(tb, tl, kernel.block(tb, tl, y, g, {r}));
          },
          [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, y); });
      return ifOp.getResult(0);
    };

    Value result = buildLoop(
        b, loc, zero, groups, one, kernel.init,
        [&](OpBuilder &gb, Location gl, Value g, Value y) {
          Value next = arith::AddIOp::create(gb, gl, g, one);
          Value lo = arith::MinUIOp::create(
              gb, gl, extract(gb, gl, offsets, {g}), listed);
          Value hi = arith::MaxUIOp::create(
              gb, gl, lo,
              arith::MinUIOp::create(gb, gl, extract(gb, gl, offsets, {next}),
                                     listed));
          Value count = arith::SubIOp::create(gb, gl, hi, lo);
          Value whole = arith::AddIOp::create(
              gb, gl, lo,
              arith::SubIOp::create(
                  gb, gl, count,
                  arith::RemUIOp::create(gb, gl, count, block)));
          if (rowBlock > 1)
            y = buildLoop(
                gb, gl, lo, whole, block, y,
                [&](OpBuilder &nb, Location nl, Value i, Value cur) {
                  SmallVector<Value> blockRows;
                  Value allIn;
                  for (int64_t j = 0; j < rowBlock; ++j) {
                    Value at =
                        j == 0 ? i
                               : arith::AddIOp::create(nb, nl, i,
                                                       constantIndex(nb, nl, j))
                                     .getResult();
                    blockRows.push_back(rowAt(nb, nl, at));
                    Value in = inBatch(nb, nl, blockRows.back());
                    allIn = allIn ? arith::AndIOp::create(nb, nl, allIn, in)
                                        .getResult()
                                  : in;
                  }
                  auto ifOp = scf::IfOp::create(
                      nb, nl, allIn,
                      [&](OpBuilder &tb, Location tl) {
                        scf::YieldOp::create(
                            tb, tl, kernel.block(tb, tl, cur, g, blockRows));
                      },
                      [&](OpBuilder &eb, Location el) {
                        // Rare (a bad permutation): one guarded row at a
                        // time, in a loop to keep the code small.
                        Value end = arith::AddIOp::create(eb, el, i, block);
                        scf::YieldOp::create(
                            eb, el,
                            buildLoop(eb, el, i, end, one, cur,
                                      [&](OpBuilder &lb, Location ll, Value at,
                                          Value acc) {
                                        return guardedRow(lb, ll, acc, g,
                                                          rowAt(lb, ll, at));
                                      }));
                      });
                  return ifOp.getResult(0);
                });
          else
            whole = lo;
          return buildLoop(gb, gl, whole, hi, one, y,
                           [&](OpBuilder &nb, Location nl, Value i, Value cur) {
                             return guardedRow(nb, nl, cur, g,
                                               rowAt(nb, nl, i));
                           });
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  int64_t vectorWidth, rowBlock;
};

} // namespace

void fff::populateFFFGroupedMatmulToLoopsPatterns(
    RewritePatternSet &patterns, const ConvertFFFToLinalgOptions &options,
    PatternBenefit benefit) {
  patterns.add<GroupedMatmulToLoops>(patterns.getContext(),
                                     options.vectorWidth, options.rowBlock,
                                     benefit);
}
