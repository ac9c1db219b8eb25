//===- BucketLeafMlp.cpp - Leaf MLPs as grouped matmuls over leaves -------===//
//
// fff-bucket-rows for fff.leaf_mlp (see Passes.td):
//
//   leaf          = fff.route x
//   perm, offsets = fff.bucket leaf buckets 2^depth
//   h = c * act(fff.grouped_matmul x, w1 segments(offsets) rows(perm) + b1)
//   y = fff.grouped_matmul h, w2 ... outs(c * b2[leaf])
//   with a master leaf (one segment of every row: a dense matmul):
//   m = (1-c) * act(fff.grouped_matmul x, [magic_w1] + magic_b1)
//   y = fff.grouped_matmul m, [magic_w2] outs(y + (1-c) * magic_b2)
//
// c = sigmoid(k) with a master leaf, else 1.
//
//===----------------------------------------------------------------------===//

#include "BucketRows.h"

#include "fff/Dialect/FFF/Utils/Arithmetic.h"
#include "fff/Dialect/FFF/Utils/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::fff;
using namespace mlir::fff::detail;

namespace {
/// A B x W tensor of `elem`, with B = `batch` and W from `like`'s dim `dim`.
Value emptyRows(OpBuilder &b, Location loc, Value batch, Value like,
                int64_t dim, Type elem) {
  int64_t width = cast<ShapedType>(like.getType()).getDimSize(dim);
  SmallVector<Value> dyn{batch};
  if (ShapedType::isDynamic(width))
    dyn.push_back(dimValue(b, loc, like, dim));
  return tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{ShapedType::kDynamic, width}, elem, dyn);
}

/// out[r, j] = body(leaf[r] (or nothing), j, out[r, j]) over B x W.
Value rowsGeneric(OpBuilder &b, Location loc, Value leaf, Value out,
                  function_ref<Value(OpBuilder &, Location, Value leaf,
                                     Value col, Value old)>
                      body) {
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  SmallVector<AffineMap> maps;
  SmallVector<Value> ins;
  if (leaf) {
    ins.push_back(leaf);
    maps.push_back(AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx));
  }
  maps.push_back(id);
  return linalg::GenericOp::create(
             b, loc, TypeRange{out.getType()}, ins, ValueRange{out}, maps,
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel},
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value col = linalg::IndexOp::create(nb, nl, 1);
               Value v = body(nb, nl, leaf ? args[0] : Value(), col,
                              args.back());
               linalg::YieldOp::create(nb, nl, ValueRange{v});
             })
      .getResult(0);
}

Value scaled(OpBuilder &b, Location loc, Value v, Value scale) {
  return scale ? arith::MulFOp::create(b, loc, v, scale).getResult() : v;
}
} // namespace

Value fff::detail::bucketLeafMlp(OpBuilder &b, LeafMlpOp op) {
  Location loc = op.getLoc();
  Value x = op.getInput();
  Type elem = getElementTypeOrSelf(x.getType());
  Type index = b.getIndexType();
  Value batch = dimValue(b, loc, x, 0);
  int64_t leaves = int64_t(1) << op.getDepth();
  Activation act = op.getActivation();

  Value leafInit = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{ShapedType::kDynamic}, index, ValueRange{batch});
  Value leaf = RouteOp::create(b, loc, leafInit.getType(), op.getDepth(),
                               op.getTie(), x, op.getNodeWeights(),
                               op.getNodeBiases(), leafInit)
                   .getResult();
  auto bucket = BucketOp::create(b, loc, leaf, leaves);
  Value gate, rest;
  if (op.hasMasterLeaf()) {
    gate = buildSigmoid(b, loc, extract(b, loc, op.getMasterGate(), {}));
    rest = arith::SubFOp::create(b, loc, floatConstant(b, loc, elem, 1.0), gate);
  }
  auto zerosLike = [&](Value like, int64_t dim) {
    Value empty = emptyRows(b, loc, batch, like, dim, elem);
    return linalg::FillOp::create(b, loc, floatConstant(b, loc, elem, 0.0),
                                  empty)
        .getResult(0);
  };
  // The leaves: rows by leaf, each layer one grouped matmul.
  Value hidden = buildGroupedMatmul(b, loc, x, op.getW1(), bucket.getOffsets(),
                     bucket.getPermutation(), Value(), zerosLike(op.getW1(), 2));
  hidden = rowsGeneric(b, loc, leaf, hidden,
                       [&](OpBuilder &nb, Location nl, Value e, Value u,
                           Value h) {
                         Value bias = extract(nb, nl, op.getB1(), {e, u});
                         Value z = arith::AddFOp::create(nb, nl, h, bias);
                         return scaled(nb, nl, buildActivation(nb, nl, z, act),
                                       gate);
                       });
  Value y = rowsGeneric(b, loc, leaf, emptyRows(b, loc, batch, op.getInit(), 1, elem),
                        [&](OpBuilder &nb, Location nl, Value e, Value o,
                            Value) {
                          return scaled(nb, nl,
                                        extract(nb, nl, op.getB2(), {e, o}),
                                        gate);
                        });
  y = buildGroupedMatmul(b, loc, hidden, op.getW2(),
                              bucket.getOffsets(), bucket.getPermutation(),
                              Value(), y);
  if (!op.hasMasterLeaf())
    return tensor::CastOp::create(b, loc, op.getType(), y);

  // The master leaf: one segment of every row, in order.
  Value whole = buildWholeSegment(b, loc, batch);
  Value w1 = buildExpanded(b, loc, op.getMagicW1(), /*leading=*/true);
  Value master = buildGroupedMatmul(b, loc, x, w1, whole,
                                         Value(), Value(),
                                         zerosLike(op.getMagicW1(), 1));
  master = rowsGeneric(b, loc, Value(), master,
                       [&](OpBuilder &nb, Location nl, Value, Value u,
                           Value h) {
                         Value bias = extract(nb, nl, op.getMagicB1(), {u});
                         Value z = arith::AddFOp::create(nb, nl, h, bias);
                         return scaled(nb, nl, buildActivation(nb, nl, z, act),
                                       rest);
                       });
  y = rowsGeneric(b, loc, Value(), y,
                  [&](OpBuilder &nb, Location nl, Value, Value o, Value v) {
                    Value bias = extract(nb, nl, op.getMagicB2(), {o});
                    return arith::AddFOp::create(nb, nl, v,
                                                 scaled(nb, nl, bias, rest))
                        .getResult();
                  });
  Value w2 = buildExpanded(b, loc, op.getMagicW2(), /*leading=*/true);
  y = buildGroupedMatmul(b, loc, master, w2, whole, Value(),
                              Value(), y);
  return tensor::CastOp::create(b, loc, op.getType(), y);
}
