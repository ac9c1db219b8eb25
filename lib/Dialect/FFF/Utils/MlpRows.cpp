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
  // Two groups a step where the units divide evenly: each row then has two
  // independent accumulators, so the FMA chains over the input overlap.
  int64_t groupsPerStep = 1;
  if (unitWidth > 1 && !ShapedType::isDynamic(staticHidden) &&
      staticHidden % (2 * unitWidth) == 0)
    groupsPerStep = 2;
  if (unitWidth > 1) {
    auto vecType = VectorType::get({unitWidth}, elem);
    int64_t unitsPerStep = groupsPerStep * unitWidth;
    Value step = arith::ConstantIndexOp::create(b, loc, unitsPerStep);
    tailStart = buildWholeVectorsEnd(b, loc, hidden, unitsPerStep);
    Value pad = floatConstant(b, loc, elem, 0.0);
    size_t numRows = rows.size();
    auto groups = scf::ForOp::create(
        b, loc, zero, tailStart, step, out,
        [&](OpBuilder &nb, Location nl, Value u0, ValueRange args) {
          // firsts[g]: the first unit of group g; accumulator g * rows + r.
          SmallVector<Value> firsts{u0};
          for (int64_t g = 1; g < groupsPerStep; ++g) {
            Value offset =
                arith::ConstantIndexOp::create(nb, nl, g * unitWidth);
            firsts.push_back(arith::AddIOp::create(nb, nl, u0, offset));
          }
          SmallVector<Value> inits;
          for (Value first : firsts) {
            Value bias = vector::TransferReadOp::create(
                nb, nl, vecType, b1, withPrefix({first}), pad,
                ArrayRef<bool>{true});
            inits.append(numRows, bias);
          }
          auto acc = scf::ForOp::create(
              nb, nl, zero, width, one, inits,
              [&](OpBuilder &ib, Location il, Value k, ValueRange accs) {
                SmallVector<Value> wvs;
                for (Value first : firsts)
                  wvs.push_back(vector::TransferReadOp::create(
                      ib, il, vecType, w1, withPrefix({k, first}), pad,
                      ArrayRef<bool>{true}));
                SmallVector<Value> next(accs);
                for (auto [r, row] : llvm::enumerate(rows)) {
                  Value xk =
                      tensor::ExtractOp::create(ib, il, x, ValueRange{row, k});
                  Value xv = vector::BroadcastOp::create(ib, il, vecType, xk);
                  for (auto [g, wv] : llvm::enumerate(wvs))
                    next[g * numRows + r] = vector::FMAOp::create(
                        ib, il, xv, wv, accs[g * numRows + r]);
                }
                scf::YieldOp::create(ib, il, next);
              });
          // All units of the step update every row's output in one pass,
          // each chunk of their w2 rows loaded once for all rows.
          SmallVector<SmallVector<Value>> unitRows;
          for (Value first : firsts)
            for (int64_t lane = 0; lane < unitWidth; ++lane) {
              Value offset = arith::ConstantIndexOp::create(nb, nl, lane);
              Value unit = arith::AddIOp::create(nb, nl, first, offset);
              unitRows.push_back(withPrefix({unit}));
            }
          SmallVector<SmallVector<Value>> scales;
          SmallVector<ValueRange> dstRows;
          for (size_t r = 0; r < numRows; ++r) {
            SmallVector<Value> rowScales;
            for (int64_t g = 0; g < groupsPerStep; ++g) {
              Value hv =
                  buildActivation(nb, nl, acc.getResult(g * numRows + r), act);
              for (int64_t lane = 0; lane < unitWidth; ++lane) {
                Value h = vector::ExtractOp::create(nb, nl, hv,
                                                    ArrayRef<int64_t>{lane});
                rowScales.push_back(arith::MulFOp::create(nb, nl, scale, h));
              }
            }
            scales.push_back(std::move(rowScales));
            dstRows.push_back(ArrayRef<Value>(outRows).slice(r, 1));
          }
          SmallVector<ValueRange> prefixes(unitRows.begin(), unitRows.end());
          scf::YieldOp::create(nb, nl,
                               buildRowsMultiAxpy(nb, nl, args, dstRows, scales,
                                                  w2, prefixes, outDim,
                                                  vectorWidth));
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
