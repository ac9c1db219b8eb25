//===- LoweringUtils.h - IR builders shared by fff lowerings ----*- C++ -*-===//
//
// The pieces every fff lowering is made of, in one place so that the fused
// (fff-fuse-routing) and unfused (convert-fff-to-linalg) paths share one
// definition of each: activations, the tie rule, dot products, row updates
// (axpy), the tree walk and the parallel row loop.
// All of them work on tensors; with `vectorWidth > 0` the contiguous loops
// are emitted as vector ops with a scalar remainder loop.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_UTILS_LOWERINGUTILS_H
#define FFF_DIALECT_FFF_UTILS_LOWERINGUTILS_H

#include "fff/Dialect/FFF/IR/FFFOps.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"

namespace mlir::fff {

/// The widest `vector-width` the lowerings accept: enough for any CPU vector
/// register file, small enough that unrolled lane loops stay reasonable.
constexpr int64_t kMaxVectorWidth = 64;

/// The complaint about an out-of-range `vector-width` option ("vector-width
/// must be in [0, 64], got N"), or an empty string when `width` is fine.
std::string checkVectorWidth(int64_t width);

/// The widest `interleave` accepted: rows walking together each hold their
/// own accumulators, so more would only spill registers.
constexpr int64_t kMaxInterleave = 16;

/// The complaint about the fused row loop's options (`row-block` >= 1,
/// `interleave` in [1, 16], not both above 1), or "" when they are fine.
std::string checkRowLoopOptions(int64_t rowBlock, int64_t interleave);

/// `act(v)` for a scalar or vector float `v`. f16/bf16 are computed in f32.
Value buildActivation(OpBuilder &b, Location loc, Value v, Activation act);

/// `1 / (1 + exp(-v))` for a scalar float.
Value buildSigmoid(OpBuilder &b, Location loc, Value v);

/// The i1 "go right" decision for logit `s`; NaN compares false (left).
Value buildGoesRight(OpBuilder &b, Location loc, Value s, TieRule tie);

/// The child of heap node `node` (index) that `goesRight` (i1) selects.
Value buildChild(OpBuilder &b, Location loc, Value node, Value goesRight);

/// `init + sum_k a[aPrefix, k] * w[wPrefix, k]` for k in [0, len): both
/// operands are tensors read along their last, contiguous dimension.
Value buildDot(OpBuilder &b, Location loc, Value a, ValueRange aPrefix, Value w,
               ValueRange wPrefix, Value len, Value init, int64_t vectorWidth);

/// Independent vector accumulators a dot product keeps in flight (split over
/// the interleaved rows): enough to cover the FMA latency of current cores.
constexpr int64_t kDotChains = 4;

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

/// A two-layer MLP `act(x @ w1 + b1) @ w2` whose weights are read at block
/// `prefix` of their banks (a leaf index, or nothing for unbanked weights).
/// `addInto` adds `scale * MLP(x[rows[i]])` into `ys[i]`, a one-row tensor
/// (1 x O), for every i and returns the updated rows (separate tensors, so
/// that each row's chain of updates stays independent for bufferization).
/// The hidden units are never stored:
/// each is folded into the output rows as soon as it is known. Units go in
/// vector groups (up to `vectorWidth` lanes, narrower for narrow layers),
/// and the rows share every load of `w1`: several rows make the conditional
/// matmul a small dense one (fff-group-rows).
struct MlpRows {
  Value x;                   // the input, B x D
  Value w1, b1, w2;          // [prefix] D x L, [prefix] L, [prefix] L x O
  SmallVector<Value> prefix; // leaf index, or nothing
  Activation act;
  int64_t vectorWidth;

  SmallVector<Value> addInto(OpBuilder &b, Location loc, ValueRange ys,
                             ArrayRef<Value> rows, Value scale) const;
};

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
SmallVector<WalkPath> buildUnrolledWalk(OpBuilder &b, Location loc, Value x,
                                        ValueRange rows, Value nodeWeights,
                                        Value nodeBiases, Value base,
                                        ValueRange starts, int64_t levels,
                                        TieRule tie, int64_t vectorWidth);

/// Adds each visited node's `act(logit) * outputWeights[node]` of `path`
/// into row `dstPrefix` of `dst` in one pass over the row (buildMultiAxpy);
/// with `accumulate` false the row is overwritten instead.
Value buildPathOutput(OpBuilder &b, Location loc, Value dst,
                      ValueRange dstPrefix, const WalkPath &path,
                      Activation act, Value outputWeights, int64_t vectorWidth,
                      bool accumulate);

/// Rows [first, first + count) and every column of a tensor: the offsets,
/// sizes and strides of that slice, and (from extractRows) its value.
struct RowSlice {
  Value value;
  SmallVector<OpFoldResult> offsets, sizes, strides;
};

/// Where rows [first, first + count) of `tensor` are; creates no slice op
/// (`value` stays null), for inserting rows built elsewhere.
RowSlice rowRange(OpBuilder &b, Location loc, Value tensor, OpFoldResult first,
                  OpFoldResult count);

/// Rows [first, first + count) of `tensor` as a `tensor.extract_slice`.
RowSlice extractRows(OpBuilder &b, Location loc, Value tensor,
                     OpFoldResult first, OpFoldResult count);

/// Body of a row loop: for global row `row`, gets a one-row slice (row 0)
/// of each of the loop's outputs and returns the updated slices.
using RowBodyBuilder = function_ref<SmallVector<Value>(
    OpBuilder &, Location, Value row, ValueRange rowSlices)>;

/// An `scf.forall` over blocks of `rowBlock` rows of `inits` (each B x ...,
/// B = dim 0 of the first), running `body` for every row of a block (in an
/// `scf.for` when rowBlock > 1); returns the final values of `inits`.
SmallVector<Value> buildRowLoop(OpBuilder &b, Location loc, ValueRange inits,
                                int64_t rowBlock, RowBodyBuilder body);

/// Body of an interleaved row loop: gets the global rows of a group and a
/// one-row slice of `init` for each, returns the updated slices.
using InterleavedBodyBuilder = function_ref<SmallVector<Value>(
    OpBuilder &, Location, ValueRange rows, ValueRange rowSlices)>;

/// A row loop over `init` (B x ...) that hands `interleave` rows at a time to
/// `group` (an `scf.forall` over the B / interleave whole groups), and the
/// B mod interleave rows left to `single` (buildRowLoop's body, one row per
/// iteration). Returns the final value of `init`.
Value buildInterleavedRowLoop(OpBuilder &b, Location loc, Value init,
                              int64_t interleave, InterleavedBodyBuilder group,
                              RowBodyBuilder single);

/// The whole-layer ops (`fff.leaf_mlp`, `fff.path_neuron`) nested in `root`,
/// collected first so that a pass can replace them while iterating.
SmallVector<Operation *> collectWholeLayers(Operation *root);

/// Converts between `index` and a signless integer type (either way).
Value castIndex(OpBuilder &b, Location loc, Value v, Type to);

/// `arith.constant` of `value` with float type `type`.
Value floatConstant(OpBuilder &b, Location loc, Type type, double value);

/// Dimension `dim` of shaped `v`, as an index value (constant when static).
Value dimValue(OpBuilder &b, Location loc, Value v, int64_t dim);

} // namespace mlir::fff

#endif // FFF_DIALECT_FFF_UTILS_LOWERINGUTILS_H
