//===- TreeWalk.h - Walks down the trees ------------------------*- C++ -*-===//
//
// One row's (or several interleaved rows') walk from a node down a tree: in
// an scf.for over levels, or unrolled so that every level's node and logit
// stay values; and the path's output row in one pass.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_UTILS_TREEWALK_H
#define FFF_DIALECT_FFF_UTILS_TREEWALK_H

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::fff {

/// Called at each node a walk visits, before the decision: `level`, the
/// node's global row (index) and its logit, and the values the walk carries;
/// returns the updated carried values.
using TreeWalkVisitor = function_ref<SmallVector<Value>(
    OpBuilder &, Location, Value level, Value globalNode, Value logit,
    ValueRange carried)>;

/// Walks `levels` decisions of the tree whose node `n` is row `base + n` of
/// `nodeWeights`/`nodeBiases`, for row `row` of `x`, in an `scf.for` that
/// also carries `carried` through `onNode` (may be null). Returns the heap
/// node reached (index, relative to `base`) followed by the carried values.
SmallVector<Value> buildTreeWalk(OpBuilder &b, Location loc, Value x, Value row,
                                 Value nodeWeights, Value nodeBiases,
                                 Value base, int64_t levels, TieRule tie,
                                 int64_t vectorWidth, ValueRange carried = {},
                                 TreeWalkVisitor onNode = nullptr);

/// Called at each level of an interleaved walk, before the decisions: the
/// level, each row's global node and logit, and the carried values.
using InterleavedWalkVisitor = function_ref<SmallVector<Value>(
    OpBuilder &, Location, Value level, ValueRange globalNodes,
    ValueRange logits, ValueRange carried)>;

/// `buildTreeWalk` for the rows `rows` of `x` together: one `scf.for` over
/// levels carries every row's node, and their dot products are interleaved
/// (buildInterleavedDots). Returns the heap nodes reached, one per row,
/// followed by the carried values.
SmallVector<Value>
buildInterleavedTreeWalk(OpBuilder &b, Location loc, Value x, ValueRange rows,
                         Value nodeWeights, Value nodeBiases, Value base,
                         int64_t levels, TieRule tie, int64_t vectorWidth,
                         ValueRange carried = {},
                         InterleavedWalkVisitor onLevel = nullptr);

/// What one row met on an unrolled walk: the global node row it visited at
/// each level, that node's logit, and the heap node (relative to the walk's
/// base) that the last decision chose.
struct WalkPath {
  SmallVector<Value> globals, logits;
  Value end;
};

/// Walks `levels` decisions for each row `rows[i]` of `x`, starting from heap
/// node `starts[i]` (relative to `base`), unrolled level by level in the IR,
/// with the rows' dot products interleaved (buildInterleavedDots). Unlike
/// buildInterleavedTreeWalk, every level's node and logit stay available as
/// values afterwards, so a caller can use them all at once (one pass over
/// the output row for a whole path: fff-fuse-routing, fff-group-rows).
/// With `levelsPerStep` 2, each step takes a node's logit and both of its
/// children's together, then picks the child's by the node's decision.
SmallVector<WalkPath> buildUnrolledWalk(OpBuilder &b, Location loc, Value x,
                                        ValueRange rows, Value nodeWeights,
                                        Value nodeBiases, Value base,
                                        ValueRange starts, int64_t levels,
                                        TieRule tie, int64_t vectorWidth,
                                        int64_t levelsPerStep = 1);

/// `act(logit)` for each level of `path`. With `vectorWidth` > 0 they are
/// one op on a vector of the path's logits, which the CPU pipeline keeps in
/// registers (fff-approximate-vector-math) where each scalar erf would be a
/// libm call.
SmallVector<Value> buildPathActivations(OpBuilder &b, Location loc,
                                        const WalkPath &path, Activation act,
                                        int64_t vectorWidth);

/// Adds each visited node's `act(logit) * outputWeights[node]` of `path`
/// into row `dstPrefix` of `dst` in one pass over the row (buildMultiAxpy);
/// with `accumulate` false the row is overwritten instead.
Value buildPathOutput(OpBuilder &b, Location loc, Value dst,
                      ValueRange dstPrefix, const WalkPath &path,
                      Activation act, Value outputWeights, int64_t vectorWidth,
                      bool accumulate);

} // namespace mlir::fff

#endif // FFF_DIALECT_FFF_UTILS_TREEWALK_H
