//===- GroupPathNeuron.cpp - Path-neuron rows grouped by subtree ----------===//
//
// fff-group-rows for fff.path_neuron (see GroupRows.cpp for the algorithm):
// per tree, walk the top levels for every row, sort the rows by the subtree
// they continue in, walk the subtrees in that order (both walks several
// rows at once), then write each row's output for its whole path.
//
//===----------------------------------------------------------------------===//

#include "GroupRows.h"

#include "fff/Dialect/FFF/Utils/Bucketing.h"

#include "fff/Dialect/FFF/Utils/Arithmetic.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/RowLoop.h"
#include "fff/Dialect/FFF/Utils/RowOps.h"
#include "fff/Dialect/FFF/Utils/TreeWalk.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::fff;
using namespace mlir::fff::detail;

int64_t fff::detail::splitLevelFor(int64_t levels, int64_t requested) {
  int64_t k = requested > 0 ? requested : levels / 2;
  return std::clamp<int64_t>(k, 1, levels - 1);
}

namespace {

/// What one tree's walks and output share: the layer, the rows of the
/// input they run on (the batch, or a tile of it) and the tree's first node.
struct TreeWalks {
  PathNeuronOp op;
  Value x, base;
  int64_t vectorWidth, walkStep, walkRows;

  /// Every position p of the batch walks `levels` levels for row order[p]
  /// (p without an order) from heap node starts[row] (the tree's root
  /// without starts), `walkRows` positions at a time with their dot
  /// products interleaved (buildUnrolledWalk), so that several rows' misses
  /// are in flight at once; then the positions left over, one at a time.
  /// Returns, by position, act(z) per level (B x levels) and the node below
  /// the last level walked (B).
  std::pair<Value, Value> walkAll(OpBuilder &b, Location loc, int64_t levels,
                                  Value order, Value starts);

  /// The output rows for this tree (into `y`, without reading it when
  /// `first`), written in `order`, each once for its whole path: the path's
  /// nodes are the ancestors of `ends`, their act(z) in `acts` (by row) for
  /// the levels above `split` and in `belowActs` (by position) below.
  Value writeOutput(OpBuilder &b, Location loc, Value y, bool first,
                    int64_t split, Value order, Value acts, Value belowActs,
                    Value ends);

private:
  /// `count` iterations of `rowsEach` positions from `from` (null: 0) of
  /// walkAll, into `inits` (acts, ends). Each writes its block of positions
  /// in place, scalars into one slice of each output: per-row slices of a
  /// block would make bufferization copy all but one of them, as it cannot
  /// tell the rows apart.
  SmallVector<Value> walkBlocks(OpBuilder &b, Location loc, int64_t levels,
                                Value order, Value starts, Value count,
                                int64_t rowsEach, Value from, ValueRange inits);
};

} // namespace

SmallVector<Value> TreeWalks::walkBlocks(OpBuilder &b, Location loc,
                                         int64_t levels, Value order,
                                         Value starts, Value count,
                                         int64_t rowsEach, Value from,
                                         ValueRange inits) {
  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{count},
                                      inits, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value start = forall.getInductionVar(0);
  if (rowsEach > 1) {
    Value size = constantIndex(b, loc, rowsEach);
    start = arith::MulIOp::create(b, loc, start, size);
  }
  if (from)
    start = arith::AddIOp::create(b, loc, from, start);
  SmallVector<RowSlice> blocks;
  for (Value shared : forall.getRegionIterArgs())
    blocks.push_back(
        extractRows(b, loc, shared, start, b.getIndexAttr(rowsEach)));
  Value zero = constantIndex(b, loc, 0);
  SmallVector<Value> rows, nodes;
  for (int64_t i = 0; i < rowsEach; ++i) {
    Value position = start;
    if (i > 0) {
      Value offset = constantIndex(b, loc, i);
      position = arith::AddIOp::create(b, loc, start, offset);
    }
    Value row = order ? extract(b, loc, order, {position}) : position;
    rows.push_back(row);
    nodes.push_back(starts ? extract(b, loc, starts, {row}) : zero);
  }
  SmallVector<WalkPath> paths = buildUnrolledWalk(
      b, loc, x, rows, op.getNodeWeights(), op.getNodeBiases(), base, nodes,
      levels, op.getTie(), vectorWidth, walkStep);
  Value actsBlock = blocks[0].value, endsBlock = blocks[1].value;
  for (auto [i, path] : llvm::enumerate(paths)) {
    Value local = constantIndex(b, loc, i);
    SmallVector<Value> acts =
        buildPathActivations(b, loc, path, op.getActivation(), vectorWidth);
    for (auto [level, a] : llvm::enumerate(acts))
      actsBlock =
          insert(b, loc, a, actsBlock, {local, constantIndex(b, loc, level)});
    endsBlock = insert(b, loc, path.end, endsBlock, {local});
  }
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  for (auto [value, block, shared] :
       llvm::zip_equal(ValueRange{actsBlock, endsBlock}, blocks,
                       forall.getRegionIterArgs()))
    tensor::ParallelInsertSliceOp::create(b, loc, value, shared, block.offsets,
                                          block.sizes, block.strides);
  return SmallVector<Value>(forall.getResults());
}

std::pair<Value, Value> TreeWalks::walkAll(OpBuilder &b, Location loc,
                                           int64_t levels, Value order,
                                           Value starts) {
  Type elem = getElementTypeOrSelf(x.getType());
  Value batch = dimValue(b, loc, x, 0);
  Value actsInit = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{ShapedType::kDynamic, levels}, elem,
      ValueRange{batch});
  Value endsInit =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{ShapedType::kDynamic},
                              b.getIndexType(), ValueRange{batch});
  SmallVector<Value> walked;
  if (walkRows == 1) {
    walked = walkBlocks(b, loc, levels, order, starts, batch, 1, Value(),
                        ValueRange{actsInit, endsInit});
  } else {
    Value size = constantIndex(b, loc, walkRows);
    Value groups = arith::DivUIOp::create(b, loc, batch, size);
    Value grouped = arith::MulIOp::create(b, loc, groups, size);
    Value rest = arith::SubIOp::create(b, loc, batch, grouped);
    SmallVector<Value> whole =
        walkBlocks(b, loc, levels, order, starts, groups, walkRows, Value(),
                   ValueRange{actsInit, endsInit});
    walked = walkBlocks(b, loc, levels, order, starts, rest, 1, grouped, whole);
  }
  return {walked[0], walked[1]};
}

Value TreeWalks::writeOutput(OpBuilder &b, Location loc, Value y, bool first,
                             int64_t split, Value order, Value acts,
                             Value belowActs, Value ends) {
  int64_t levels = op.getDepth() + 1;
  Value batch = dimValue(b, loc, x, 0);
  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{batch},
                                      ValueRange{y}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value position = forall.getInductionVar(0);
  Value row = extract(b, loc, order, {position});
  // The path's nodes are the ancestors of the node below its last (the
  // parent of heap node n is (n - 1) / 2; level 0's is the tree's root).
  SmallVector<Value> scales(levels), globals(levels);
  Value node = extract(b, loc, ends, {position});
  Value zero = constantIndex(b, loc, 0);
  Value one = constantIndex(b, loc, 1);
  for (int64_t level = levels - 1; level >= 0; --level) {
    if (level == 0) {
      node = zero;
    } else {
      Value minusOne = arith::SubIOp::create(b, loc, node, one);
      node = arith::ShRUIOp::create(b, loc, minusOne, one);
    }
    globals[level] = arith::AddIOp::create(b, loc, base, node);
    scales[level] =
        level < split
            ? extract(b, loc, acts, {row, constantIndex(b, loc, level)})
            : extract(b, loc, belowActs,
                      {position, constantIndex(b, loc, level - split)});
  }
  SmallVector<ValueRange> prefixes;
  for (const Value &global : globals)
    prefixes.push_back(ValueRange(global));
  Value shared = forall.getRegionIterArgs()[0];
  RowSlice out = extractRows(b, loc, shared, row, b.getIndexAttr(1));
  Value slice = buildMultiAxpy(b, loc, out.value, ValueRange{zero}, scales,
                               op.getOutputWeights(), prefixes,
                               dimValue(b, loc, shared, 1), vectorWidth,
                               /*accumulate=*/!first);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, slice, shared, out.offsets,
                                        out.sizes, out.strides);
  return forall.getResult(0);
}

Value fff::detail::groupPathNeuron(OpBuilder &b, PathNeuronOp op,
                                   int64_t vectorWidth, int64_t split,
                                   int64_t tileRows, int64_t walkStep,
                                   int64_t walkRows) {
  Location loc = op.getLoc();
  int64_t levels = op.getDepth() + 1;
  Value perTree = constantIndex(b, loc, getPathTreeNodeCount(op.getDepth()));
  int64_t subtrees = int64_t(1) << split;
  // Tree t's contribution for the rows of `x` (all of the batch, or a tile)
  // into y; the first tree writes y's rows without reading them.
  auto addTree = [&](OpBuilder &tb, Location tl, Value x, Value t, Value y,
                     bool first) -> Value {
    Value base = arith::MulIOp::create(tb, tl, t, perTree);
    TreeWalks walks{op, x, base, vectorWidth, walkStep, walkRows};
    // 1. Every row walks the top levels: act(z) per level, and the root of
    // the subtree it continues in.
    auto [acts, roots] = walks.walkAll(tb, tl, split, Value(), Value());
    // 2. The rows sorted by subtree.
    Value order = buildBucketSort(tb, tl, roots, subtrees, subtrees - 1).first;
    // 3. In that order, each row walks its subtree from that root.
    auto [belowActs, ends] =
        walks.walkAll(tb, tl, levels - split, order, roots);
    // 4. In the same order, each row writes its output row once for the
    // whole path. Every row is written by one iteration.
    return walks.writeOutput(tb, tl, y, first, split, order, acts, belowActs,
                             ends);
  };

  // Every tree in turn over the rows of `rowsX` into `rowsY`.
  auto addTrees = [&](OpBuilder &gb, Location gl, Value rowsX,
                      Value rowsY) -> Value {
    Value firstTree = constantIndex(gb, gl, 0);
    Value y = addTree(gb, gl, rowsX, firstTree, rowsY, /*first=*/true);
    if (op.getTrees() == 1)
      return y;
    Value second = constantIndex(gb, gl, 1);
    Value trees = constantIndex(gb, gl, op.getTrees());
    Value step = constantIndex(gb, gl, 1);
    return buildLoop(gb, gl, second, trees, step, y,
                     [&](OpBuilder &nb, Location nl, Value t, Value cur) {
                       return addTree(nb, nl, rowsX, t, cur, /*first=*/false);
                     });
  };
  if (op.getTrees() == 1 || tileRows == 0)
    return addTrees(b, loc, op.getInput(), op.getInit());
  // Several trees each update every output row: in tiles of rows, those
  // rows (and the inputs) stay in cache from one tree to the next.
  Value all = dimValue(b, loc, op.getInput(), 0);
  Value tile = constantIndex(b, loc, tileRows);
  return buildLoop(
      b, loc, constantIndex(b, loc, 0), all, tile, op.getInit(),
      [&](OpBuilder &nb, Location nl, Value first, Value y) {
        Value rows = arith::MinUIOp::create(
            nb, nl, tile, arith::SubIOp::create(nb, nl, all, first));
        RowSlice xs = extractRows(nb, nl, op.getInput(), first, rows);
        RowSlice ys = extractRows(nb, nl, y, first, rows);
        Value done = addTrees(nb, nl, xs.value, ys.value);
        return tensor::InsertSliceOp::create(nb, nl, done, y, ys.offsets,
                                             ys.sizes, ys.strides)
            .getResult();
      });
}
