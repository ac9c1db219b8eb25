//===- GroupPathNeuron.cpp - Path-neuron rows grouped by subtree ----------===//
//
// fff-group-rows for fff.path_neuron (see GroupRows.cpp for the algorithm):
// per tree, walk the top levels for every row, sort the rows by the subtree
// they continue in, then walk the subtrees in that order.
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
                                   int64_t tileRows, int64_t walkStep) {
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
    // 1. Every row walks the top levels: act(z) per level, and the root of
    // the subtree it continues in.
    Value actsInit = tensor::EmptyOp::create(
        tb, tl, ArrayRef<int64_t>{ShapedType::kDynamic, split}, elem,
        ValueRange{batch});
    Value rootsInit = tensor::EmptyOp::create(
        tb, tl, ArrayRef<int64_t>{ShapedType::kDynamic}, tb.getIndexType(),
        ValueRange{batch});
    SmallVector<Value> top = buildRowLoop(
        tb, tl, ValueRange{actsInit, rootsInit}, /*rowBlock=*/1,
        [&](OpBuilder &nb, Location nl, Value row, ValueRange slices) {
          WalkPath path = buildUnrolledWalk(
              nb, nl, x, ValueRange{row}, op.getNodeWeights(),
              op.getNodeBiases(), base, ValueRange{zero}, split, op.getTie(),
              vectorWidth, walkStep)[0];
          Value acts = slices[0];
          for (auto [level, logit] : llvm::enumerate(path.logits)) {
            Value a = buildActivation(nb, nl, logit, act);
            acts = insert(nb, nl, a, acts, {zero, constantIndex(nb, nl, level)});
          }
          return SmallVector<Value>{
              acts, insert(nb, nl, path.end, slices[1], {zero})};
        });
    Value acts = top[0], roots = top[1];

    // 2. The rows sorted by subtree.
    Value order = buildBucketSort(tb, tl, roots, subtrees,
                                    subtrees - 1)
                      .first;

    // 3. In that order, each row walks its subtree and writes its output
    // row once for the whole path. Every row is written by one iteration.
    auto forall = scf::ForallOp::create(tb, tl, ArrayRef<OpFoldResult>{batch},
                                        ValueRange{y}, std::nullopt);
    OpBuilder::InsertionGuard guard(tb);
    tb.setInsertionPoint(forall.getTerminator());
    Value row = extract(tb, tl, order, {forall.getInductionVar(0)});
    Value root = extract(tb, tl, roots, {row});
    WalkPath below = buildUnrolledWalk(
        tb, tl, x, ValueRange{row}, op.getNodeWeights(), op.getNodeBiases(),
        base, ValueRange{root}, levels - split, op.getTie(), vectorWidth, walkStep)[0];
    // The top levels' nodes are the subtree root's ancestors (the parent of
    // heap node n is (n - 1) / 2; level 0's is the tree's root).
    SmallVector<Value> scales(split), globals(split);
    Value node = root, one = constantIndex(tb, tl, 1);
    for (int64_t level = split - 1; level >= 0; --level) {
      node = level == 0 ? zero
                        : arith::ShRUIOp::create(
                              tb, tl, arith::SubIOp::create(tb, tl, node, one),
                              one)
                              .getResult();
      globals[level] = arith::AddIOp::create(tb, tl, base, node);
      scales[level] = extract(tb, tl, acts, {row, constantIndex(tb, tl, level)});
    }
    for (auto [global, logit] : llvm::zip_equal(below.globals, below.logits)) {
      globals.push_back(global);
      scales.push_back(buildActivation(tb, tl, logit, act));
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
