//===- GroupLeafMlp.cpp - Leaf-MLP rows grouped by leaf -------------------===//
//
// fff-group-rows for fff.leaf_mlp (see GroupRows.cpp for the algorithm):
// route, sort the rows by leaf, then run each leaf's rows a chunk at a time
// so that the leaf's weights are read once per chunk.
//
//===----------------------------------------------------------------------===//

#include "GroupRows.h"

#include "fff/Dialect/FFF/Utils/Bucketing.h"

#include "fff/Dialect/FFF/Utils/Arithmetic.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/MlpRows.h"
#include "fff/Dialect/FFF/Utils/RowLoop.h"
#include "fff/Dialect/FFF/Utils/RowOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::fff;
using namespace mlir::fff::detail;

namespace {

/// Runs `chunk` on the positions [begin, end) of a group, `rows` at a time
/// and then one at a time for the rest; `chunk` gets the positions.
Value buildChunks(
    OpBuilder &b, Location loc, Value begin, Value end, int64_t rows, Value y,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>, Value)> chunk) {
  Value one = constantIndex(b, loc, 1);
  Value wholeEnd = begin;
  if (rows > 1) {
    Value r = constantIndex(b, loc, rows);
    Value count = arith::SubIOp::create(b, loc, end, begin);
    Value whole = arith::MulIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, count, r), r);
    wholeEnd = arith::AddIOp::create(b, loc, begin, whole);
    y = buildLoop(b, loc, begin, wholeEnd, r, y,
                  [&](OpBuilder &nb, Location nl, Value p, Value cur) {
                    SmallVector<Value> positions;
                    for (int64_t i = 0; i < rows; ++i)
                      positions.push_back(
                          arith::AddIOp::create(nb, nl, p, constantIndex(nb, nl, i)));
                    return chunk(nb, nl, positions, cur);
                  });
  }
  return buildLoop(b, loc, wholeEnd, end, one, y,
                   [&](OpBuilder &nb, Location nl, Value p, Value cur) {
                     return chunk(nb, nl, {p}, cur);
                   });
}

} // namespace

Value fff::detail::groupLeafMlp(OpBuilder &b, LeafMlpOp op,
                                int64_t vectorWidth, int64_t rowsPerChunk) {
  Location loc = op.getLoc();
  Value x = op.getInput();
  Type elem = getElementTypeOrSelf(x.getType());
  Type indexType = b.getIndexType();
  Value zero = constantIndex(b, loc, 0), one = constantIndex(b, loc, 1);
  Value batch = dimValue(b, loc, x, 0);
  int64_t leaves = int64_t(1) << op.getDepth();

  // 1. Each row's leaf.
  Value leafInit =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{ShapedType::kDynamic},
                              indexType, ValueRange{batch});
  Value leafOf = RouteOp::create(b, loc, leafInit.getType(), op.getDepthAttr(),
                                 op.getTieAttr(), x, op.getNodeWeights(),
                                 op.getNodeBiases(), leafInit)
                     .getResult();

  // 2. The rows sorted by leaf.
  Value offsets, order;
  std::tie(order, offsets) =
      buildBucketSort(b, loc, leafOf, leaves);

  // 3. Each leaf's group, `rowsPerChunk` rows at a time.
  Value gate = floatConstant(b, loc, elem, 1.0), masterGate;
  if (op.hasMasterLeaf()) {
    gate =
        buildSigmoid(b, loc, extract(b, loc, op.getMasterGate(), ValueRange{}));
    masterGate =
        arith::SubFOp::create(b, loc, floatConstant(b, loc, elem, 1.0), gate);
  }
  Value y = op.getInit();
  Value outDim = dimValue(b, loc, y, 1);
  Value local = constantIndex(b, loc, 0); // the row of a 1 x O slice
  // Runs `mlp` on `rows` and writes them into `cur`. Each row is computed
  // in a tensor of its own (1 x O), then inserted: slices of `cur` at
  // dynamic rows could be the same row as far as bufferization knows, and
  // would each be copied out and back. A row starts empty, or as a copy of
  // its row of `cur` when `fromY`, and `start` prepares it.
  auto rowType = RankedTensorType::get(
      {1, cast<RankedTensorType>(y.getType()).getDimSize(1)}, elem);
  auto runRows = [&](OpBuilder &cb, Location cl, const MlpRows &mlp,
                     ArrayRef<Value> rows, Value scale, Value cur, bool fromY,
                     function_ref<Value(OpBuilder &, Location, Value)> start) {
    SmallVector<Value> slices;
    for (Value row : rows) {
      // alloc_tensor, not tensor.empty: CSE would merge equal empties,
      // and bufferization would then give all rows one buffer.
      Value slice =
          fromY ? extractRows(cb, cl, cur, row, cb.getIndexAttr(1)).value
                : bufferization::AllocTensorOp::create(
                      cb, cl, rowType,
                      rowType.isDynamicDim(1)
                          ? ValueRange{tensor::DimOp::create(cb, cl, cur, 1)}
                          : ValueRange{});
      slices.push_back(start(cb, cl, slice));
    }
    slices = mlp.addInto(cb, cl, slices, rows, scale);
    for (auto [row, slice] : llvm::zip(rows, slices)) {
      RowSlice at = rowRange(cb, cl, cur, row, cb.getIndexAttr(1));
      cur = tensor::InsertSliceOp::create(cb, cl, slice, cur, at.offsets,
                                          at.sizes, at.strides);
    }
    return cur;
  };
  y = buildLoop(
      b, loc, zero, constantIndex(b, loc, leaves), one, y,
      [&](OpBuilder &nb, Location nl, Value leaf, Value cur) {
        Value begin = extract(nb, nl, offsets, {leaf});
        Value end = extract(nb, nl, offsets,
                            {arith::AddIOp::create(nb, nl, leaf, one)});
        MlpRows mlp{x,      op.getW1(),         op.getB1(), op.getW2(),
                    {leaf}, op.getActivation(), vectorWidth};
        return buildChunks(
            nb, nl, begin, end, rowsPerChunk, cur,
            [&](OpBuilder &cb, Location cl, ArrayRef<Value> positions,
                Value rowsY) {
              SmallVector<Value> rows;
              for (Value p : positions)
                rows.push_back(extract(cb, cl, order, {p}));
              // y[row] = c * b2[leaf], then the leaf's hidden units.
              return runRows(
                  cb, cl, mlp, rows, gate, rowsY, /*fromY=*/false,
                  [&](OpBuilder &sb, Location sl, Value slice) {
                    slice = buildZeroRow(sb, sl, slice, ValueRange{local},
                                         outDim, vectorWidth);
                    return buildAxpy(sb, sl, slice, ValueRange{local}, gate,
                                     op.getB2(), ValueRange{leaf}, outDim,
                                     vectorWidth);
                  });
            });
      });

  if (op.hasMasterLeaf()) {
    // The master leaf is one group of every row.
    MlpRows master{x,  op.getMagicW1(),    op.getMagicB1(), op.getMagicW2(),
                   {}, op.getActivation(), vectorWidth};
    y = buildChunks(
        b, loc, zero, batch, rowsPerChunk, y,
        [&](OpBuilder &cb, Location cl, ArrayRef<Value> rows, Value rowsY) {
          return runRows(cb, cl, master, rows, masterGate, rowsY,
                         /*fromY=*/true,
                         [&](OpBuilder &sb, Location sl, Value slice) {
                           return buildAxpy(sb, sl, slice, ValueRange{local},
                                            masterGate, op.getMagicB2(),
                                            ValueRange{}, outDim, vectorWidth);
                         });
        });
  }
  return y;
}
