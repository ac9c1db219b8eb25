//===- BucketPathNeuron.cpp - Path neurons walked level by level ----------===//
//
// fff-bucket-rows for fff.path_neuron (see Passes.td). Per tile of rows and
// per tree, with p the rows' positions within level l (node 2^l - 1 + p):
//
//   for l in 0 .. depth:                                  (unrolled)
//     perm, offsets = fff.bucket p buckets 2^l
//     z   = fff.grouped_matmul x, w_in[level l] segments(offsets) rows(perm)
//     a[:, l], node[:, l], p = act(z + b), 2^l - 1 + p, 2p + (z > 0)
//   y  += fff.grouped_matmul a, w_out  gather(the path nodes of each
//         leaf, rows bucketed by leaf; or of each row)
//
//===----------------------------------------------------------------------===//

#include "BucketRows.h"

#include "fff/Dialect/FFF/Utils/Arithmetic.h"
#include "fff/Dialect/FFF/Utils/Builders.h"
#include "fff/Dialect/FFF/Utils/RowLoop.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::fff;
using namespace mlir::fff::detail;

/// Rows [first, first + count) x columns [col, col + width) of `t`.
static Value sliceOf(OpBuilder &b, Location loc, Value t, OpFoldResult first,
                     OpFoldResult count, OpFoldResult col,
                     OpFoldResult width) {
  return extractSlice(
      b, loc, t, ArrayRef<OpFoldResult>{first, col},
      ArrayRef<OpFoldResult>{count, width},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
}

/// The columns of `t` as a value for slicing.
static OpFoldResult widthOf(OpBuilder &b, Location loc, Value t) {
  int64_t n = cast<ShapedType>(t.getType()).getDimSize(1);
  if (ShapedType::isDynamic(n))
    return dimValue(b, loc, t, 1);
  return b.getIndexAttr(n);
}

/// table[e, l] = the level-l node on leaf e's path, relative to the tree:
/// 2^l - 1 + (e >> (levels - l)).
static Value buildLeafPaths(OpBuilder &b, Location loc, int64_t levels) {
  int64_t leaves = int64_t(1) << levels;
  Type index = b.getIndexType();
  Value empty = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{leaves, levels}, index);
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{empty.getType()}, ValueRange{}, ValueRange{empty},
      ArrayRef<AffineMap>{id},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                    utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nl, ValueRange) {
        Value e = linalg::IndexOp::create(nb, nl, 0);
        Value l = linalg::IndexOp::create(nb, nl, 1);
        Value one = constantIndex(nb, nl, 1);
        Value width = arith::ShLIOp::create(nb, nl, one, l);
        Value shift = arith::SubIOp::create(
            nb, nl, constantIndex(nb, nl, levels), l);
        Value pos = arith::ShRUIOp::create(nb, nl, e, shift);
        Value first = arith::SubIOp::create(nb, nl, width, one);
        linalg::YieldOp::create(nb, nl,
                                ValueRange{arith::AddIOp::create(nb, nl, first,
                                                                 pos)});
      });
  return generic.getResult(0);
}

/// offsets[i] = i for i in [0, rows]: one segment per row.
static Value buildRowSegments(OpBuilder &b, Location loc, Value rows) {
  Value count = arith::AddIOp::create(b, loc, rows, constantIndex(b, loc, 1));
  Value empty = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{ShapedType::kDynamic}, b.getIndexType(),
      ValueRange{count});
  MLIRContext *ctx = b.getContext();
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{empty.getType()}, ValueRange{}, ValueRange{empty},
      ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(1, ctx)},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nl, ValueRange) {
        linalg::YieldOp::create(
            nb, nl, ValueRange{linalg::IndexOp::create(nb, nl, 0)});
      });
  return generic.getResult(0);
}

namespace {
/// One tile's walk of one tree: the builder state the levels share.
struct TreeWalk {
  mutable PathNeuronOp op;
  Value x, rows; // the tile's inputs, its row count
  Value leafPaths; // leaf-bucketed output: the path table, else null

  /// y (the tile's rows) plus tree t's contribution.
  Value addTree(OpBuilder &b, Location loc, Value t, Value y) const {
    Type elem = getElementTypeOrSelf(x.getType());
    Type index = b.getIndexType();
    int64_t levels = op.getDepth() + 1;
    int64_t perTree = getPathTreeNodeCount(op.getDepth());
    Value base = arith::MulIOp::create(b, loc, t, constantIndex(b, loc, perTree));
    OpFoldResult treeFirst = base, treeSize = b.getIndexAttr(perTree);
    Value inWeights = sliceOf(b, loc, op.getNodeWeights(), treeFirst, treeSize,
                              b.getIndexAttr(0),
                              widthOf(b, loc, op.getNodeWeights()));
    Value outWeights = sliceOf(b, loc, op.getOutputWeights(), treeFirst,
                               treeSize, b.getIndexAttr(0),
                               widthOf(b, loc, op.getOutputWeights()));
    Value pos = buildZeros(b, loc, {ShapedType::kDynamic}, index, rows);
    Value acts = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{ShapedType::kDynamic, levels}, elem,
        ValueRange{rows});
    Value nodes;
    if (!leafPaths)
      nodes = tensor::EmptyOp::create(
          b, loc, ArrayRef<int64_t>{ShapedType::kDynamic, levels}, index,
          ValueRange{rows});
    MLIRContext *ctx = b.getContext();
    AffineMap rowMap = AffineMap::getMultiDimIdentityMap(1, ctx);
    AffineMap colMap = AffineMap::get(
        1, 0, {getAffineDimExpr(0, ctx), getAffineConstantExpr(0, ctx)}, ctx);
    for (int64_t level = 0; level < levels; ++level) {
      int64_t width = int64_t(1) << level;
      // The rows by node (level 0 has one node: every row, in order).
      Value offsets, perm;
      if (level == 0) {
        offsets = buildWholeSegment(b, loc, rows);
      } else {
        auto bucket = BucketOp::create(b, loc, pos, width);
        perm = bucket.getPermutation();
        offsets = bucket.getOffsets();
      }
      Value levelWeights = sliceOf(b, loc, inWeights, b.getIndexAttr(width - 1),
                                   b.getIndexAttr(width), b.getIndexAttr(0),
                                   widthOf(b, loc, inWeights));
      Value rhs = buildExpanded(b, loc, levelWeights, /*leading=*/false);
      Value zeros =
          buildZeros(b, loc, {ShapedType::kDynamic, 1}, elem, rows);
      Value logits = buildGroupedMatmul(b, loc, x, rhs,
                                             offsets, perm, Value(), zeros);
      // Bias, activation, node and decision, row by row.
      Value first = constantIndex(b, loc, width - 1);
      Value actCol = sliceOf(b, loc, acts, b.getIndexAttr(0), rows,
                             b.getIndexAttr(level), b.getIndexAttr(1));
      Value nextPos = tensor::EmptyOp::create(
          b, loc, ArrayRef<int64_t>{ShapedType::kDynamic}, index,
          ValueRange{rows});
      SmallVector<Value> outs{actCol, nextPos};
      SmallVector<AffineMap> maps{colMap, rowMap, colMap, rowMap};
      Value nodeCol;
      if (nodes) {
        nodeCol = sliceOf(b, loc, nodes, b.getIndexAttr(0), rows,
                          b.getIndexAttr(level), b.getIndexAttr(1));
        outs.push_back(nodeCol);
        maps.push_back(colMap);
      }
      SmallVector<Type> types;
      for (Value v : outs)
        types.push_back(v.getType());
      auto step = linalg::GenericOp::create(
          b, loc, types, ValueRange{logits, pos}, outs, maps,
          ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value node = arith::AddIOp::create(nb, nl, first, args[1]);
            Value global = arith::AddIOp::create(nb, nl, base, node);
            Value bias = extract(nb, nl, op.getNodeBiases(), {global});
            Value logit = arith::AddFOp::create(nb, nl, args[0], bias);
            Value act = buildActivation(nb, nl, logit, op.getActivation());
            Value twice = arith::ShLIOp::create(nb, nl, args[1],
                                                constantIndex(nb, nl, 1));
            Value right = buildGoesRight(nb, nl, logit, op.getTie());
            Value child = arith::AddIOp::create(
                nb, nl, twice,
                arith::IndexCastUIOp::create(nb, nl, nb.getIndexType(), right));
            SmallVector<Value> results{act, child};
            if (nodes)
              results.push_back(node);
            linalg::YieldOp::create(nb, nl, results);
          });
      auto insertCol = [&](Value col, Value into) {
        return tensor::InsertSliceOp::create(
                   b, loc, col, into,
                   ArrayRef<OpFoldResult>{b.getIndexAttr(0),
                                          b.getIndexAttr(level)},
                   ArrayRef<OpFoldResult>{rows, b.getIndexAttr(1)},
                   ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)})
            .getResult();
      };
      acts = insertCol(step.getResult(0), acts);
      pos = step.getResult(1);
      if (nodes)
        nodes = insertCol(step.getResult(2), nodes);
    }
    // The deferred output: every row's path is known now.
    if (leafPaths) {
      auto bucket = BucketOp::create(b, loc, pos, int64_t(1) << levels);
      return buildGroupedMatmul(b, loc, acts, outWeights,
                                     bucket.getOffsets(),
                                     bucket.getPermutation(), leafPaths, y);
    }
    return buildGroupedMatmul(b, loc, acts, outWeights,
                                   buildRowSegments(b, loc, rows), Value(),
                                   nodes, y);
  }
};
} // namespace

Value fff::detail::bucketPathNeuron(OpBuilder &b, PathNeuronOp op,
                                    int64_t tileRows) {
  Location loc = op.getLoc();
  Type elem = getElementTypeOrSelf(op.getInput().getType());
  int64_t levels = op.getDepth() + 1;
  // Rows share a leaf's whole path only when a tile can fill the leaves.
  Value leafPaths;
  if ((int64_t(1) << levels) <= tileRows)
    leafPaths = buildLeafPaths(b, loc, levels);
  return buildTileLoop(
      b, loc, op.getInit(), tileRows,
      [&](OpBuilder &nb, Location nl, Value first, Value rows) {
        RowSlice xs = extractRows(nb, nl, op.getInput(), first, rows);
        TreeWalk walk{op, xs.value, rows, leafPaths};
        // The tile's output rows start at zero; each tree adds its paths.
        Value y = op.getInit();
        int64_t width = cast<ShapedType>(y.getType()).getDimSize(1);
        SmallVector<Value> dyn{rows};
        if (ShapedType::isDynamic(width))
          dyn.push_back(dimValue(nb, nl, y, 1));
        Value tileY = buildZeros(nb, nl, {ShapedType::kDynamic, width}, elem,
                                 dyn);
        if (op.getTrees() == 1)
          return walk.addTree(nb, nl, constantIndex(nb, nl, 0), tileY);
        Value trees = constantIndex(nb, nl, op.getTrees());
        Value one = constantIndex(nb, nl, 1);
        return buildLoop(nb, nl, constantIndex(nb, nl, 0), trees, one, tileY,
                         [&](OpBuilder &tb, Location tl, Value t, Value cur) {
                           return walk.addTree(tb, tl, t, cur);
                         });
      });
}
