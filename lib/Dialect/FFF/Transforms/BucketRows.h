//===- BucketRows.h - fff-bucket-rows internals -----------------*- C++ -*-===//
//
// The bucketed forms of the two layer ops (BucketPathNeuron.cpp,
// BucketLeafMlp.cpp) and the small builders they share (BucketRows.cpp,
// which also holds the pattern and the pass).
//
//===----------------------------------------------------------------------===//

#ifndef LIB_DIALECT_FFF_TRANSFORMS_BUCKETROWS_H
#define LIB_DIALECT_FFF_TRANSFORMS_BUCKETROWS_H

#include "fff/Dialect/FFF/IR/FFFOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::fff::detail {

/// A tensor of `shape` (dynamic sizes from `dynamicSizes`) filled with 0.
Value buildZeros(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                 Type elem, ValueRange dynamicSizes);

/// The offsets of one segment holding rows [0, rows): tensor<2xindex>.
Value buildWholeSegment(OpBuilder &b, Location loc, Value rows);

/// `matrix` (G x K, or K x N with a leading 1 added) as G x K x 1 or
/// 1 x K x N: the rank-3 operand of a dense fff.grouped_matmul.
Value buildExpanded(OpBuilder &b, Location loc, Value matrix, bool leading);

/// fff.grouped_matmul into `init` (rows, rhsRows may be null).
Value buildGroupedMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         Value offsets, Value rows, Value rhsRows, Value init);

/// The rows of a tile of `tileRows` rows for a path neuron of input width
/// `inputWidth` (dynamic: 256), when the option leaves it to the pass.
int64_t tileRowsFor(PathNeuronOp op, int64_t requested);

/// `op` walked level by level over tiles of `tileRows` rows.
Value bucketPathNeuron(OpBuilder &b, PathNeuronOp op, int64_t tileRows);

/// `op` with its rows bucketed by leaf and each MLP layer one grouped
/// matmul over the leaves (the master leaf: one segment of every row).
Value bucketLeafMlp(OpBuilder &b, LeafMlpOp op);

} // namespace mlir::fff::detail

#endif // LIB_DIALECT_FFF_TRANSFORMS_BUCKETROWS_H
