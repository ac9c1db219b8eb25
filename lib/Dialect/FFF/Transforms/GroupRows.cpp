//===- GroupRows.cpp - Rows grouped by leaf or subtree --------------------===//
//
// At large batches many rows land in the same leaf or subtree. Routing first
// and then running each group's rows together reads the group's weights
// from memory once per group instead of once per row (see Passes.td).
//
// Leaf MLP:
//
//   leaf   = fff.route(x)                        // B indices
//   offset = exclusive prefix sum of the leaves' row counts
//   order  = the rows sorted by leaf (counting sort, stable)
//   for each leaf e, rows r in order[offset[e] .. offset[e+1]), R at a time:
//     y[r] = c*b2[e] + sum_u c*act(x[r] . w1[e][:, u] + b1[e][u]) w2[e][u]
//   with a master leaf, for all rows, R at a time:
//     y[r] += (1-c)*mb2 + sum_u (1-c)*act(x[r] . mw1[:, u] + mb1[u]) mw2[u]
//
// Path neuron, per tree, with the tree cut at level k (its top k levels and
// 2^k subtrees below them):
//
//   for each row r (parallel): walk the top k levels; keep act(z) of each
//                              and the subtree root s[r] reached
//   order = the rows sorted by subtree (counting sort, stable)
//   for each row r in that order (parallel): walk the subtree from s[r],
//     then y[r] (+)= sum over the path's k + (d+1-k) nodes of act(z) w_out[n]
//
// The top levels' weights are shared by every row and the rows of a subtree
// follow each other, so both halves of a path read weights that recent rows
// have brought into the caches.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Transforms/Passes.h"
#include "fff/Dialect/FFF/Utils/Arithmetic.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/MlpRows.h"
#include "fff/Dialect/FFF/Utils/OptionChecks.h"
#include "fff/Dialect/FFF/Utils/RowLoop.h"
#include "fff/Dialect/FFF/Utils/RowOps.h"
#include "fff/Dialect/FFF/Utils/TreeWalk.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <algorithm>

namespace mlir::fff {
#define GEN_PASS_DEF_FFFGROUPROWS
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {

/// Runs `chunk` on the positions [begin, end) of a group, `rows` at a time
/// and then one at a time for the rest; `chunk` gets the positions.
Value buildChunks(
    OpBuilder &b, Location loc, Value begin, Value end, int64_t rows, Value y,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>, Value)> chunk) {
  Value one = constantIndex(b, loc, 1);
  Value wholeEnd = begin;
  if (rows > 1) {
    Value r = constantIndex(b, loc, rows);
    Value count = arith::SubIOp::create(b, loc, end, begin);
    Value whole = arith::MulIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, count, r), r);
    wholeEnd = arith::AddIOp::create(b, loc, begin, whole);
    y = buildLoop(b, loc, begin, wholeEnd, r, y,
                  [&](OpBuilder &nb, Location nl, Value p, Value cur) {
                    SmallVector<Value> positions;
                    for (int64_t i = 0; i < rows; ++i)
                      positions.push_back(
                          arith::AddIOp::create(nb, nl, p, constantIndex(nb, nl, i)));
                    return chunk(nb, nl, positions, cur);
                  });
  }
  return buildLoop(b, loc, wholeEnd, end, one, y,
                   [&](OpBuilder &nb, Location nl, Value p, Value cur) {
                     return chunk(nb, nl, {p}, cur);
                   });
}

/// A stable counting sort of the rows [0, batch) by `keys[r] - keyBase`
/// (a tensor of index, each key in [0, numKeys)): returns the start of each
/// key's group (a table of numKeys + 1 offsets, the last one `batch`) and
/// the rows in key order.
std::pair<Value, Value> buildCountingSort(OpBuilder &b, Location loc,
                                          Value keys, Value batch,
                                          int64_t numKeys, int64_t keyBase) {
  Type indexType = b.getIndexType();
  Value zero = constantIndex(b, loc, 0), one = constantIndex(b, loc, 1);
  Value base = constantIndex(b, loc, keyBase);
  auto keyOf = [&](OpBuilder &nb, Location nl, Value r) {
    return arith::SubIOp::create(nb, nl, extract(nb, nl, keys, {r}), base)
        .getResult();
  };
  // offsets[e + 1] counts key e's rows, then the prefix sum makes offsets[e]
  // where key e's group starts.
  Value table = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{numKeys + 1},
                                        indexType);
  Value offsets = linalg::FillOp::create(b, loc, zero, table).getResult(0);
  offsets = buildLoop(b, loc, zero, batch, one, offsets,
                      [&](OpBuilder &nb, Location nl, Value r, Value cur) {
                        Value slot =
                            arith::AddIOp::create(nb, nl, keyOf(nb, nl, r), one);
                        Value count = extract(nb, nl, cur, {slot});
                        Value n = arith::AddIOp::create(nb, nl, count, one);
                        return insert(nb, nl, n, cur, {slot});
                      });
  offsets = buildLoop(b, loc, zero, constantIndex(b, loc, numKeys), one, offsets,
                      [&](OpBuilder &nb, Location nl, Value e, Value cur) {
                        Value next = arith::AddIOp::create(nb, nl, e, one);
                        Value before = extract(nb, nl, cur, {e});
                        Value count = extract(nb, nl, cur, {next});
                        Value sum =
                            arith::AddIOp::create(nb, nl, before, count);
                        return insert(nb, nl, sum, cur, {next});
                      });
  // order[cursor[key]++] = row, with the cursors starting at the offsets.
  Value order =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{ShapedType::kDynamic},
                              indexType, ValueRange{batch});
  auto sort = scf::ForOp::create(
      b, loc, zero, batch, one, ValueRange{offsets, order},
      [&](OpBuilder &nb, Location nl, Value r, ValueRange args) {
        Value key = keyOf(nb, nl, r);
        Value pos = extract(nb, nl, args[0], {key});
        Value cursor = insert(nb, nl, arith::AddIOp::create(nb, nl, pos, one),
                              args[0], {key});
        scf::YieldOp::create(
            nb, nl, ValueRange{cursor, insert(nb, nl, r, args[1], {pos})});
      });
  return {offsets, sort.getResult(1)};
}

Value groupLeafMlp(OpBuilder &b, LeafMlpOp op, int64_t vectorWidth,
                   int64_t rowsPerChunk) {
  Location loc = op.getLoc();
  Value x = op.getInput();
  Type elem = getElementTypeOrSelf(x.getType());
  Type indexType = b.getIndexType();
  Value zero = constantIndex(b, loc, 0), one = constantIndex(b, loc, 1);
  Value batch = dimValue(b, loc, x, 0);
  int64_t leaves = int64_t(1) << op.getDepth();

  // 1. Each row's leaf.
  Value leafInit =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{ShapedType::kDynamic},
                              indexType, ValueRange{batch});
  Value leafOf = RouteOp::create(b, loc, leafInit.getType(), op.getDepthAttr(),
                                 op.getTieAttr(), x, op.getNodeWeights(),
                                 op.getNodeBiases(), leafInit)
                     .getResult();

  // 2. The rows sorted by leaf.
  Value offsets, order;
  std::tie(offsets, order) =
      buildCountingSort(b, loc, leafOf, batch, leaves, 0);

  // 3. Each leaf's group, `rowsPerChunk` rows at a time.
  Value gate = floatConstant(b, loc, elem, 1.0), masterGate;
  if (op.hasMasterLeaf()) {
    gate =
        buildSigmoid(b, loc, extract(b, loc, op.getMasterGate(), ValueRange{}));
    masterGate =
        arith::SubFOp::create(b, loc, floatConstant(b, loc, elem, 1.0), gate);
  }
  Value y = op.getInit();
  Value outDim = dimValue(b, loc, y, 1);
  Value local = constantIndex(b, loc, 0); // the row of a 1 x O slice
  // Runs `mlp` on `rows` and writes them into `cur`. Each row is computed
  // in a tensor of its own (1 x O), then inserted: slices of `cur` at
  // dynamic rows could be the same row as far as bufferization knows, and
  // would each be copied out and back. A row starts empty, or as a copy of
  // its row of `cur` when `fromY`, and `start` prepares it.
  auto rowType = RankedTensorType::get(
      {1, cast<RankedTensorType>(y.getType()).getDimSize(1)}, elem);
  auto runRows = [&](OpBuilder &cb, Location cl, const MlpRows &mlp,
                     ArrayRef<Value> rows, Value scale, Value cur, bool fromY,
                     function_ref<Value(OpBuilder &, Location, Value)> start) {
    SmallVector<Value> slices;
    for (Value row : rows) {
      // alloc_tensor, not tensor.empty: CSE would merge equal empties,
      // and bufferization would then give all rows one buffer.
      Value slice =
          fromY ? extractRows(cb, cl, cur, row, cb.getIndexAttr(1)).value
                : bufferization::AllocTensorOp::create(
                      cb, cl, rowType,
                      rowType.isDynamicDim(1)
                          ? ValueRange{tensor::DimOp::create(cb, cl, cur, 1)}
                          : ValueRange{});
      slices.push_back(start(cb, cl, slice));
    }
    slices = mlp.addInto(cb, cl, slices, rows, scale);
    for (auto [row, slice] : llvm::zip(rows, slices)) {
      RowSlice at = rowRange(cb, cl, cur, row, cb.getIndexAttr(1));
      cur = tensor::InsertSliceOp::create(cb, cl, slice, cur, at.offsets,
                                          at.sizes, at.strides);
    }
    return cur;
  };
  y = buildLoop(
      b, loc, zero, constantIndex(b, loc, leaves), one, y,
      [&](OpBuilder &nb, Location nl, Value leaf, Value cur) {
        Value begin = extract(nb, nl, offsets, {leaf});
        Value end = extract(nb, nl, offsets,
                            {arith::AddIOp::create(nb, nl, leaf, one)});
        MlpRows mlp{x,      op.getW1(),         op.getB1(), op.getW2(),
                    {leaf}, op.getActivation(), vectorWidth};
        return buildChunks(
            nb, nl, begin, end, rowsPerChunk, cur,
            [&](OpBuilder &cb, Location cl, ArrayRef<Value> positions,
                Value rowsY) {
              SmallVector<Value> rows;
              for (Value p : positions)
                rows.push_back(extract(cb, cl, order, {p}));
              // y[row] = c * b2[leaf], then the leaf's hidden units.
              return runRows(
                  cb, cl, mlp, rows, gate, rowsY, /*fromY=*/false,
                  [&](OpBuilder &sb, Location sl, Value slice) {
                    slice = buildZeroRow(sb, sl, slice, ValueRange{local},
                                         outDim, vectorWidth);
                    return buildAxpy(sb, sl, slice, ValueRange{local}, gate,
                                     op.getB2(), ValueRange{leaf}, outDim,
                                     vectorWidth);
                  });
            });
      });

  if (op.hasMasterLeaf()) {
    // The master leaf is one group of every row.
    MlpRows master{x,  op.getMagicW1(),    op.getMagicB1(), op.getMagicW2(),
                   {}, op.getActivation(), vectorWidth};
    y = buildChunks(
        b, loc, zero, batch, rowsPerChunk, y,
        [&](OpBuilder &cb, Location cl, ArrayRef<Value> rows, Value rowsY) {
          return runRows(cb, cl, master, rows, masterGate, rowsY,
                         /*fromY=*/true,
                         [&](OpBuilder &sb, Location sl, Value slice) {
                           return buildAxpy(sb, sl, slice, ValueRange{local},
                                            masterGate, op.getMagicB2(),
                                            ValueRange{}, outDim, vectorWidth);
                         });
        });
  }
  return y;
}

/// The level at which fff-group-rows cuts a path-neuron tree of `levels`
/// levels (`requested`, or half the levels when 0): at least one level above
/// and one below.
int64_t splitLevelFor(int64_t levels, int64_t requested) {
  int64_t k = requested > 0 ? requested : levels / 2;
  return std::clamp<int64_t>(k, 1, levels - 1);
}

Value groupPathNeuron(OpBuilder &b, PathNeuronOp op, int64_t vectorWidth,
                      int64_t split, int64_t tileRows) {
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
              vectorWidth)[0];
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
    Value order = buildCountingSort(tb, tl, roots, batch, subtrees,
                                    subtrees - 1)
                      .second;

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
        base, ValueRange{root}, levels - split, op.getTie(), vectorWidth)[0];
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

struct FFFGroupRowsPass : public fff::impl::FFFGroupRowsBase<FFFGroupRowsPass> {
  using FFFGroupRowsBase::FFFGroupRowsBase;

  void runOnOperation() override {
    if (std::string error = checkVectorWidth(vectorWidth); !error.empty()) {
      getOperation()->emitError("fff-group-rows: ") << error;
      return signalPassFailure();
    }
    if (rows < 1 || rows > kMaxInterleave) {
      getOperation()->emitError("fff-group-rows: rows must be in [1, ")
          << kMaxInterleave << "], got " << static_cast<int64_t>(rows);
      return signalPassFailure();
    }
    for (auto [name, value] :
         {std::pair<StringRef, int64_t>{"split-level", splitLevel},
          {"min-batch", minBatch},
          {"tile-rows", tileRows}})
      if (value < 0) {
        getOperation()->emitError("fff-group-rows: ")
            << name << " must be >= 0, got " << value;
        return signalPassFailure();
      }
    IRRewriter rewriter(&getContext());
    for (Operation *layer : collectWholeLayers(getOperation())) {
      // Rows of zero columns are left to the other lowerings (nothing to
      // compute), as are layers too deep for a group table, and path-neuron
      // trees of one level (no subtree to group by).
      auto resultType = cast<RankedTensorType>(layer->getResult(0).getType());
      if (resultType.getDimSize(1) == 0)
        continue;
      auto leaf = dyn_cast<LeafMlpOp>(layer);
      auto path = dyn_cast<PathNeuronOp>(layer);
      if (leaf && static_cast<int64_t>(leaf.getDepth()) > maxDepth)
        continue;
      if (path && path.getDepth() == 0)
        continue;
      auto grouped = [&](OpBuilder &b) {
        if (leaf)
          return groupLeafMlp(b, leaf, vectorWidth, rows);
        int64_t levels = path.getDepth() + 1;
        return groupPathNeuron(b, path, vectorWidth,
                               splitLevelFor(levels, splitLevel), tileRows);
      };
      rewriter.setInsertionPoint(layer);
      if (minBatch <= 1) {
        rewriter.replaceOp(layer, grouped(rewriter));
        continue;
      }
      // Below min-batch rows, the layer as it was: its other lowerings
      // (fused, one row at a time) win when few rows share a group.
      Location loc = layer->getLoc();
      Value batch = dimValue(rewriter, loc, layer->getOperand(0), 0);
      Value large = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::uge, batch,
          arith::ConstantIndexOp::create(rewriter, loc, minBatch));
      auto ifOp = scf::IfOp::create(
          rewriter, loc, large,
          [&](OpBuilder &b, Location l) {
            scf::YieldOp::create(b, l, grouped(b));
          },
          [&](OpBuilder &b, Location l) {
            scf::YieldOp::create(b, l, b.clone(*layer)->getResults());
          });
      rewriter.replaceOp(layer, ifOp.getResults());
    }
  }
};

} // namespace
