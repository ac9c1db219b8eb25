//===- Builders.h - Small IR builders used everywhere -----------*- C++ -*-===//
//
// Constants, dimensions, element access and one-value loops: the one-line
// builders every fff lowering uses (on tensors and on buffers), defined once.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_UTILS_BUILDERS_H
#define FFF_DIALECT_FFF_UTILS_BUILDERS_H

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::fff {

/// `arith.constant` of index `value`.
Value constantIndex(OpBuilder &b, Location loc, int64_t value);

/// `arith.constant` of `value` with float type `type`.
Value floatConstant(OpBuilder &b, Location loc, Type type, double value);

/// A constant of `value` shaped like `like` (a scalar float or a vector).
Value constantLike(OpBuilder &b, Location loc, Value like, double value);

/// Converts between `index` and a signless integer type (either way).
Value castIndex(OpBuilder &b, Location loc, Value v, Type to);

/// Dimension `dim` of tensor `v`, as an index value (constant when static).
Value dimValue(OpBuilder &b, Location loc, Value v, int64_t dim);

/// Dimension `dim` of buffer `memref`, as an index value (constant when
/// static).
Value bufferDim(OpBuilder &b, Location loc, Value memref, int64_t dim);

/// `tensor.extract` of `t[idx]`.
Value extract(OpBuilder &b, Location loc, Value t, ValueRange idx);

/// `tensor.insert` of `v` at `t[idx]`; returns the new tensor.
Value insert(OpBuilder &b, Location loc, Value v, Value t, ValueRange idx);

/// tensor.extract_slice of `t`; a tensor.empty of the slice's sizes when `t`
/// has a static dimension of size 0 (there is no data, and the slice's
/// verifier rejects even offset 0 in such a dimension).
Value extractSlice(OpBuilder &b, Location loc, Value t,
                   ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                   ArrayRef<OpFoldResult> strides);

/// `memref.load` of `memref[idx]`.
Value load(OpBuilder &b, Location loc, Value memref, ValueRange idx);

/// `for i in [lb, ub) step s: carried = body(i, carried)`, one value carried;
/// returns its final value.
Value buildLoop(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
                Value carried,
                function_ref<Value(OpBuilder &, Location, Value, Value)> body);

} // namespace mlir::fff

#endif // FFF_DIALECT_FFF_UTILS_BUILDERS_H
