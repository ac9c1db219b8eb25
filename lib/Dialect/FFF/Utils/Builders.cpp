//===- Builders.cpp - Small IR builders used everywhere -------------------===//

#include "fff/Dialect/FFF/Utils/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::fff;

Value fff::constantIndex(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value fff::floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value fff::constantLike(OpBuilder &b, Location loc, Value like, double value) {
  Type type = like.getType();
  if (auto vec = dyn_cast<VectorType>(type)) {
    auto attr = b.getFloatAttr(vec.getElementType(), value);
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vec, attr));
  }
  return floatConstant(b, loc, type, value);
}

Value fff::castIndex(OpBuilder &b, Location loc, Value v, Type to) {
  if (v.getType() == to)
    return v;
  // Signless indices are signed (the verifier checks widths that way); a
  // negative one becomes a huge unsigned index, which bounds checks reject.
  return arith::IndexCastOp::create(b, loc, to, v);
}

Value fff::dimValue(OpBuilder &b, Location loc, Value v, int64_t dim) {
  int64_t size = cast<ShapedType>(v.getType()).getDimSize(dim);
  if (!ShapedType::isDynamic(size))
    return constantIndex(b, loc, size);
  return tensor::DimOp::create(b, loc, v, dim);
}

Value fff::bufferDim(OpBuilder &b, Location loc, Value memref, int64_t dim) {
  auto type = cast<MemRefType>(memref.getType());
  if (!type.isDynamicDim(dim))
    return constantIndex(b, loc, type.getDimSize(dim));
  return memref::DimOp::create(b, loc, memref, dim);
}

Value fff::extract(OpBuilder &b, Location loc, Value t, ValueRange idx) {
  return tensor::ExtractOp::create(b, loc, t, idx);
}

Value fff::insert(OpBuilder &b, Location loc, Value v, Value t,
                  ValueRange idx) {
  return tensor::InsertOp::create(b, loc, v, t, idx);
}

Value fff::load(OpBuilder &b, Location loc, Value memref, ValueRange idx) {
  return memref::LoadOp::create(b, loc, memref, idx);
}

Value fff::buildLoop(
    OpBuilder &b, Location loc, Value lb, Value ub, Value step, Value carried,
    function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  return scf::ForOp::create(
             b, loc, lb, ub, step, ValueRange{carried},
             [&](OpBuilder &nb, Location nl, Value i, ValueRange args) {
               scf::YieldOp::create(nb, nl, body(nb, nl, i, args[0]));
             })
      .getResult(0);
}

Value fff::extractSlice(OpBuilder &b, Location loc, Value t,
                        ArrayRef<OpFoldResult> offsets,
                        ArrayRef<OpFoldResult> sizes,
                        ArrayRef<OpFoldResult> strides) {
  auto type = cast<RankedTensorType>(t.getType());
  if (!llvm::is_contained(type.getShape(), 0))
    return tensor::ExtractSliceOp::create(b, loc, t, offsets, sizes, strides);
  SmallVector<Value> dynamic;
  SmallVector<int64_t> shape;
  dispatchIndexOpFoldResults(sizes, dynamic, shape);
  return tensor::EmptyOp::create(b, loc, shape, type.getElementType(), dynamic);
}
