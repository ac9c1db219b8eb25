//===- MlpRows.h - A two-layer MLP over several rows ------------*- C++ -*-===//
//
// The leaf computation of fff.leaf_mlp (and its master leaf), for rows that
// share one set of weights: the fused and the grouped lowerings use it.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_UTILS_MLPROWS_H
#define FFF_DIALECT_FFF_UTILS_MLPROWS_H

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::fff {

/// A two-layer MLP `act(x @ w1 + b1) @ w2` whose weights are read at block
/// `prefix` of their banks (a leaf index, or nothing for unbanked weights).
/// `addInto` adds `scale * MLP(x[rows[i]])` into row `at[i]` of `ys[i]` (row
/// 0 when `at` is empty: a one-row tensor, 1 x O) for every i and returns the
/// updated tensors (separate ones, so that each row's chain of updates stays
/// independent for bufferization).
/// The hidden units are never stored:
/// each is folded into the output rows as soon as it is known. Units go in
/// vector groups (up to `vectorWidth` lanes, narrower for narrow layers),
/// two groups a step when the units are a whole number of pairs (two
/// independent FMA chains per row), and the rows share every load of `w1`
/// and of `w2`: several rows make the conditional matmul a small dense one
/// (fff-group-rows).
struct MlpRows {
  Value x;                   // the input, B x D
  Value w1, b1, w2;          // [prefix] D x L, [prefix] L, [prefix] L x O
  SmallVector<Value> prefix; // leaf index, or nothing
  Activation act;
  int64_t vectorWidth;

  SmallVector<Value> addInto(OpBuilder &b, Location loc, ValueRange ys,
                             ArrayRef<Value> rows, Value scale,
                             ArrayRef<Value> at = {}) const;
};

} // namespace mlir::fff

#endif // FFF_DIALECT_FFF_UTILS_MLPROWS_H
