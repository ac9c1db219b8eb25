//===- RowOps.h - Dot products and row updates ------------------*- C++ -*-===//
//
// The contiguous loops over one row that every lowering is made of: dot
// products (several rows interleaved), axpy row updates (several terms in one
// pass), zeroing, and a linalg.generic helper. With `vectorWidth > 0` they
// are emitted as vector ops with a scalar remainder loop.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_UTILS_ROWOPS_H
#define FFF_DIALECT_FFF_UTILS_ROWOPS_H

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"

namespace mlir::fff {

/// `init + sum_k a[aPrefix, k] * w[wPrefix, k]` for k in [0, len): both
/// operands are tensors read along their last, contiguous dimension.
Value buildDot(OpBuilder &b, Location loc, Value a, ValueRange aPrefix, Value w,
               ValueRange wPrefix, Value len, Value init, int64_t vectorWidth);

/// Independent vector accumulators a dot product keeps in flight (split over
/// the interleaved rows): enough to cover the FMA latency of current cores.
constexpr int64_t kDotChains = 4;

/// The sum of `terms` (scalars or vectors of one type) as a balanced tree of
/// additions, ((t0 + t1) + (t2 + t3)) ...: a chain of log2(n) additions
/// rather than n - 1.
Value buildPairwiseSum(OpBuilder &b, Location loc, ArrayRef<Value> terms);

/// The sum of a float vector's lanes, halving it while its width is even
/// (lanes [0, w/2) + [w/2, w)) down to two lanes, then adding those (or, for
/// an odd width, the lanes left, in order: vector.reduction). The
/// order is fixed here, so the result does not depend on how LLVM lowers
/// reductions, and the halving takes log2(w) dependent additions where
/// vector.reduction's ordered sum takes w.
Value buildLaneSum(OpBuilder &b, Location loc, Value vec);

/// `buildDot` for several rows at once: `inits[i] + a[aPrefixes[i], :] .
/// w[wPrefixes[i], :]` for each i, with every row's partial sums advanced in
/// the same loop iteration, so that the independent dot products overlap
/// instead of waiting on each other.
SmallVector<Value> buildInterleavedDots(OpBuilder &b, Location loc, Value a,
                                        ArrayRef<SmallVector<Value>> aPrefixes,
                                        Value w,
                                        ArrayRef<SmallVector<Value>> wPrefixes,
                                        Value len, ValueRange inits,
                                        int64_t vectorWidth);

/// `dst[dstPrefix, j] += s * src[srcPrefix, j]` for j in [0, len); returns
/// the updated `dst` tensor.
Value buildAxpy(OpBuilder &b, Location loc, Value dst, ValueRange dstPrefix,
                Value s, Value src, ValueRange srcPrefix, Value len,
                int64_t vectorWidth);

/// `dst[dstPrefix, j] += sum_t scales[t] * src[srcPrefixes[t], j]` for j in
/// [0, len), reading and writing each chunk of `dst` once for all terms.
/// With `accumulate` false, `dst`'s old values are not read: the chunk
/// becomes the sum alone (no zeroing pass first).
Value buildMultiAxpy(OpBuilder &b, Location loc, Value dst,
                     ValueRange dstPrefix, ArrayRef<Value> scales, Value src,
                     ArrayRef<ValueRange> srcPrefixes, Value len,
                     int64_t vectorWidth, bool accumulate = true);

/// `buildMultiAxpy` into several destinations from the same source rows:
/// `dsts[r][dstPrefixes[r], j] += sum_t scales[r][t] * src[srcPrefixes[t],
/// j]`, each chunk of a source row loaded once for all destinations (rows
/// of a leaf sharing its w2). Returns the updated `dsts`.
SmallVector<Value>
buildRowsMultiAxpy(OpBuilder &b, Location loc, ValueRange dsts,
                   ArrayRef<ValueRange> dstPrefixes,
                   ArrayRef<SmallVector<Value>> scales, Value src,
                   ArrayRef<ValueRange> srcPrefixes, Value len,
                   int64_t vectorWidth, bool accumulate = true);

/// The end of the whole-vector part of [0, len): `len - len mod width`.
Value buildWholeVectorsEnd(OpBuilder &b, Location loc, Value len,
                           int64_t width);

/// A `linalg.generic` over `numDims` loops writing `out`: operand i (the
/// `ins`, then `out`) is indexed by the loop dimensions `operandDims[i]`;
/// `body` gets the block arguments and returns the value to yield.
Value buildGeneric(OpBuilder &b, Location loc, int64_t numDims, ValueRange ins,
                   Value out, ArrayRef<SmallVector<int64_t>> operandDims,
                   ArrayRef<utils::IteratorType> iters,
                   function_ref<Value(OpBuilder &, Location, ValueRange)> body);

/// `dst[dstPrefix, j] = 0` for j in [0, len); returns the updated tensor.
Value buildZeroRow(OpBuilder &b, Location loc, Value dst, ValueRange dstPrefix,
                   Value len, int64_t vectorWidth);

} // namespace mlir::fff

#endif // FFF_DIALECT_FFF_UTILS_ROWOPS_H
