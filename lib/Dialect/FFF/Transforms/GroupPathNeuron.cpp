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

Value fff::detail::groupPathNeuron(OpBuilder &b, PathNeuronOp op,
                                   int64_t vectorWidth, int64_t split,
                                   int64_t tileRows, int64_t walkStep,
                                   int64_t walkRows) {
  Location loc = op.getLoc();
  Type elem = getElementTypeOrSelf(op.getInput().getType());
  Activation act = op.getActivation();
  int64_t levels = op.getDepth() + 1;
  Value perTree = constantIndex(b, loc, getPathTreeNodeCount(op.getDepth()));
  int64_t subtrees = int64_t(1) << split;
  // Tree t's contribution for the rows of `x` (all of the batch, or a tile)
  // into y; the first tree writes y's rows without reading them.
  auto addTree = [&](OpBuilder &tb, Location tl, Value x, Value t, Value y,
                     bool first) -> Value {
    Value batch = dimValue(tb, tl, x, 0);
    Value base = arith::MulIOp::create(tb, tl, t, perTree);
    Value zero = constantIndex(tb, tl, 0);
    // Every position p of the batch walks `walkLevels` levels for row
    // order[p] (p without an order) from heap node starts[row] (the tree's
    // root without starts), `walkRows` positions at a time with their dot
    // products interleaved (buildUnrolledWalk), so that several rows'
    // misses are in flight at once; then the positions left over, one at a
    // time. By position, it keeps act(z) per level and the node below the
    // last level walked.
    auto walkAll = [&](int64_t walkLevels, Value order,
                       Value starts) -> std::pair<Value, Value> {
      Value actsInit = tensor::EmptyOp::create(
          tb, tl, ArrayRef<int64_t>{ShapedType::kDynamic, walkLevels}, elem,
          ValueRange{batch});
      Value endsInit = tensor::EmptyOp::create(
          tb, tl, ArrayRef<int64_t>{ShapedType::kDynamic}, tb.getIndexType(),
          ValueRange{batch});
      // `count` iterations of `rowsEach` positions from `from` (null: 0).
      // Each writes its block of positions in place, scalars into one slice
      // of each output: per-row slices of a block would make bufferization
      // copy all but one of them, as it cannot tell the rows apart.
      auto walkBlocks = [&](Value count, int64_t rowsEach, Value from,
                            ValueRange inits) -> SmallVector<Value> {
        auto forall = scf::ForallOp::create(
            tb, tl, ArrayRef<OpFoldResult>{count}, inits, std::nullopt);
        OpBuilder::InsertionGuard guard(tb);
        tb.setInsertionPoint(forall.getTerminator());
        Value start = forall.getInductionVar(0);
        if (rowsEach > 1) {
          Value size = constantIndex(tb, tl, rowsEach);
          start = arith::MulIOp::create(tb, tl, start, size);
        }
        if (from)
          start = arith::AddIOp::create(tb, tl, from, start);
        SmallVector<RowSlice> blocks;
        for (Value shared : forall.getRegionIterArgs())
          blocks.push_back(
              extractRows(tb, tl, shared, start, tb.getIndexAttr(rowsEach)));
        SmallVector<Value> rows, nodes;
        for (int64_t i = 0; i < rowsEach; ++i) {
          Value position = start;
          if (i > 0) {
            Value offset = constantIndex(tb, tl, i);
            position = arith::AddIOp::create(tb, tl, start, offset);
          }
          Value row = order ? extract(tb, tl, order, {position}) : position;
          rows.push_back(row);
          nodes.push_back(starts ? extract(tb, tl, starts, {row}) : zero);
        }
        SmallVector<WalkPath> paths = buildUnrolledWalk(
            tb, tl, x, rows, op.getNodeWeights(), op.getNodeBiases(), base,
            nodes, walkLevels, op.getTie(), vectorWidth, walkStep);
        Value actsBlock = blocks[0].value, endsBlock = blocks[1].value;
        for (auto [i, path] : llvm::enumerate(paths)) {
          Value local = constantIndex(tb, tl, i);
          for (auto [level, logit] : llvm::enumerate(path.logits)) {
            Value a = buildActivation(tb, tl, logit, act);
            actsBlock = insert(tb, tl, a, actsBlock,
                               {local, constantIndex(tb, tl, level)});
          }
          endsBlock = insert(tb, tl, path.end, endsBlock, {local});
        }
        tb.setInsertionPointToStart(forall.getTerminator().getBody());
        for (auto [value, block, shared] :
             llvm::zip_equal(ValueRange{actsBlock, endsBlock}, blocks,
                             forall.getRegionIterArgs()))
          tensor::ParallelInsertSliceOp::create(tb, tl, value, shared,
                                                block.offsets, block.sizes,
                                                block.strides);
        return SmallVector<Value>(forall.getResults());
      };
      SmallVector<Value> walked;
      if (walkRows == 1) {
        walked = walkBlocks(batch, 1, Value(), ValueRange{actsInit, endsInit});
      } else {
        Value size = constantIndex(tb, tl, walkRows);
        Value groups = arith::DivUIOp::create(tb, tl, batch, size);
        Value grouped = arith::MulIOp::create(tb, tl, groups, size);
        Value rest = arith::SubIOp::create(tb, tl, batch, grouped);
        SmallVector<Value> whole = walkBlocks(groups, walkRows, Value(),
                                              ValueRange{actsInit, endsInit});
        walked = walkBlocks(rest, 1, grouped, whole);
      }
      return {walked[0], walked[1]};
    };

    // 1. Every row walks the top levels: act(z) per level, and the root of
    // the subtree it continues in.
    auto [acts, roots] = walkAll(split, Value(), Value());

    // 2. The rows sorted by subtree.
    Value order = buildBucketSort(tb, tl, roots, subtrees, subtrees - 1).first;

    // 3. In that order, each row walks its subtree from that root.
    auto [belowActs, ends] = walkAll(levels - split, order, roots);

    // 4. In the same order, each row writes its output row once for the
    // whole path. Every row is written by one iteration.
    auto forall = scf::ForallOp::create(tb, tl, ArrayRef<OpFoldResult>{batch},
                                        ValueRange{y}, std::nullopt);
    OpBuilder::InsertionGuard guard(tb);
    tb.setInsertionPoint(forall.getTerminator());
    Value position = forall.getInductionVar(0);
    Value row = extract(tb, tl, order, {position});
    // The path's nodes are the ancestors of the node below its last (the
    // parent of heap node n is (n - 1) / 2; level 0's is the tree's root).
    SmallVector<Value> scales(levels), globals(levels);
    Value node = extract(tb, tl, ends, {position});
    Value one = constantIndex(tb, tl, 1);
    for (int64_t level = levels - 1; level >= 0; --level) {
      node = level == 0 ? zero
                        : arith::ShRUIOp::create(
                              tb, tl, arith::SubIOp::create(tb, tl, node, one),
                              one)
                              .getResult();
      globals[level] = arith::AddIOp::create(tb, tl, base, node);
      scales[level] =
          level < split
              ? extract(tb, tl, acts, {row, constantIndex(tb, tl, level)})
              : extract(tb, tl, belowActs,
                        {position, constantIndex(tb, tl, level - split)});
    }
    SmallVector<ValueRange> prefixes;
    for (const Value &global : globals)
      prefixes.push_back(ValueRange(global));
    Value shared = forall.getRegionIterArgs()[0];
    RowSlice out = extractRows(tb, tl, shared, row, tb.getIndexAttr(1));
    Value slice = buildMultiAxpy(tb, tl, out.value, ValueRange{zero}, scales,
                                 op.getOutputWeights(), prefixes,
                                 dimValue(tb, tl, shared, 1), vectorWidth,
                                 /*accumulate=*/!first);
    tb.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(tb, tl, slice, shared, out.offsets,
                                          out.sizes, out.strides);
    return forall.getResult(0);
  };

  // Every tree in turn over the rows of `rowsX` into `rowsY`.
  auto addTrees = [&](OpBuilder &gb, Location gl, Value rowsX,
                      Value rowsY) -> Value {
    Value y = addTree(gb, gl, rowsX, constantIndex(gb, gl, 0), rowsY, /*first=*/true);
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
