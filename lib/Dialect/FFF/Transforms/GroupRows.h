//===- GroupRows.h - fff-group-rows internals -------------------*- C++ -*-===//
//
// The grouped forms of the two layer ops (GroupLeafMlp.cpp,
// GroupPathNeuron.cpp); GroupRows.cpp holds the pattern that picks between
// them. Both sort with fff.bucket's counting sort (Utils/Bucketing.h).
//
//===----------------------------------------------------------------------===//

#ifndef LIB_DIALECT_FFF_TRANSFORMS_GROUPROWS_H
#define LIB_DIALECT_FFF_TRANSFORMS_GROUPROWS_H

#include "fff/Dialect/FFF/IR/FFFOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::fff::detail {

/// `op` with its rows grouped by leaf, `rowsPerChunk` rows of a group at a
/// time; returns the result tensor.
Value groupLeafMlp(OpBuilder &b, LeafMlpOp op, int64_t vectorWidth,
                   int64_t rowsPerChunk);

/// The level at which fff-group-rows cuts a path-neuron tree of `levels`
/// levels (`requested`, or half the levels when 0): at least one level above
/// and one below.
int64_t splitLevelFor(int64_t levels, int64_t requested);

/// `op` with each tree cut at level `split` and the rows grouped by the
/// subtree below, in tiles of `tileRows` rows (0: all at once) when there
/// are several trees, each row's walk `walkStep` levels a step
/// (buildUnrolledWalk), `walkRows` rows walking together; returns the result
/// tensor.
Value groupPathNeuron(OpBuilder &b, PathNeuronOp op, int64_t vectorWidth,
                      int64_t split, int64_t tileRows, int64_t walkStep,
                      int64_t walkRows);

} // namespace mlir::fff::detail

#endif // LIB_DIALECT_FFF_TRANSFORMS_GROUPROWS_H
