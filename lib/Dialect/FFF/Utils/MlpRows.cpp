//===- MlpRows.cpp - A two-layer MLP over several rows --------------------===//

#include "fff/Dialect/FFF/Utils/MlpRows.h"

#include "fff/Dialect/FFF/Utils/Arithmetic.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/RowOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::fff;

SmallVector<Value> MlpRows::addInto(OpBuilder &b, Location loc, ValueRange ys,
                                    ArrayRef<Value> rows, Value scale,
                                    ArrayRef<Value> at) const {
  assert(rows.size() == ys.size() && !rows.empty());
  assert(at.empty() || at.size() == ys.size());
  Value width = dimValue(b, loc, x, 1);
  int64_t hiddenDim = cast<ShapedType>(w1.getType()).getRank() - 1;
  Value hidden = dimValue(b, loc, w1, hiddenDim);
  Value outDim = dimValue(b, loc, ys.front(), 1);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> outRows(at);
  outRows.resize(ys.size(), zero);
  Type elem = scale.getType();
  auto withPrefix = [&](ArrayRef<Value> rest) {
    SmallVector<Value> idx(prefix);
    llvm::append_range(idx, rest);
    return idx;
  };

  SmallVector<Value> out(ys);
  Value tailStart = zero;
  // Units in groups of V: the pre-activations of a group are one vector per
  // row, accumulated over the input (unit-stride rows of w1, each loaded
  // once for all rows). A layer narrower than V gets the widest power-of-two
  // group that fits, rather than leaving every unit to the scalar loop.
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
        b, loc, zero, tailStart, step, out,
        [&](OpBuilder &nb, Location nl, Value u0, ValueRange args) {
          Value bias = vector::TransferReadOp::create(
              nb, nl, vecType, b1, withPrefix({u0}), pad, ArrayRef<bool>{true});
          SmallVector<Value> inits(rows.size(), bias);
          auto acc = scf::ForOp::create(
              nb, nl, zero, width, one, inits,
              [&](OpBuilder &ib, Location il, Value k, ValueRange accs) {
                Value wv = vector::TransferReadOp::create(
                    ib, il, vecType, w1, withPrefix({k, u0}), pad,
                    ArrayRef<bool>{true});
                SmallVector<Value> next;
                for (auto [row, a] : llvm::zip(rows, accs)) {
                  Value xk =
                      tensor::ExtractOp::create(ib, il, x, ValueRange{row, k});
                  Value xv = vector::BroadcastOp::create(ib, il, vecType, xk);
                  next.push_back(vector::FMAOp::create(ib, il, xv, wv, a));
                }
                scf::YieldOp::create(ib, il, next);
              });
          // All V units of the group update each output row in one pass.
          SmallVector<Value> updated;
          for (auto [i, y] : llvm::enumerate(args)) {
            Value hv = buildActivation(nb, nl, acc.getResult(i), act);
            SmallVector<Value> scales;
            SmallVector<SmallVector<Value>> unitRows;
            for (int64_t lane = 0; lane < unitWidth; ++lane) {
              Value h = vector::ExtractOp::create(nb, nl, hv,
                                                  ArrayRef<int64_t>{lane});
              scales.push_back(arith::MulFOp::create(nb, nl, scale, h));
              Value unit = arith::AddIOp::create(
                  nb, nl, u0, arith::ConstantIndexOp::create(nb, nl, lane));
              unitRows.push_back(withPrefix({unit}));
            }
            SmallVector<ValueRange> prefixes(unitRows.begin(), unitRows.end());
            updated.push_back(buildMultiAxpy(nb, nl, y, ValueRange{outRows[i]},
                                             scales, w2, prefixes, outDim,
                                             vectorWidth));
          }
          scf::YieldOp::create(nb, nl, updated);
        });
    out = SmallVector<Value>(groups.getResults());
  }

  // Remaining units one at a time: a strided dot product down w1's column.
  auto units = scf::ForOp::create(
      b, loc, tailStart, hidden, one, out,
      [&](OpBuilder &nb, Location nl, Value unit, ValueRange args) {
        Value bias = tensor::ExtractOp::create(nb, nl, b1, withPrefix({unit}));
        SmallVector<Value> updated;
        for (auto [i, y] : llvm::enumerate(args)) {
          Value row = rows[i];
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
          Value h = buildActivation(nb, nl, dot.getResult(0), act);
          Value s = arith::MulFOp::create(nb, nl, scale, h);
          updated.push_back(buildAxpy(nb, nl, y, ValueRange{outRows[i]}, s, w2,
                                      withPrefix({unit}), outDim, vectorWidth));
        }
        scf::YieldOp::create(nb, nl, updated);
      });
  return SmallVector<Value>(units.getResults());
}
