//===- RowViews.cpp - Rows of buffers, and their vector tails -------------===//

#include "RowViews.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

Value fff::rowView(OpBuilder &b, Location loc, Value buffer, ValueRange outer,
                   int64_t dim, Value size) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<OpFoldResult> offsets, sizes;
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  for (int64_t d = 0, k = 0; d < type.getRank(); ++d) {
    offsets.push_back(d == dim ? OpFoldResult(b.getIndexAttr(0))
                               : OpFoldResult(outer[k++]));
    if (d != dim)
      sizes.push_back(b.getIndexAttr(1));
    else if (type.isDynamicDim(d))
      sizes.push_back(size);
    else
      sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
  }
  auto rowType = memref::SubViewOp::inferRankReducedResultType(
      {type.getDimSize(dim)}, type, offsets, sizes, strides);
  return memref::SubViewOp::create(b, loc, rowType, buffer, offsets, sizes,
                                   strides);
}

std::optional<int64_t> fff::staticStride(Value view) {
  auto type = cast<MemRefType>(view.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(strides.back()))
    return std::nullopt;
  return strides.back();
}

Value fff::asUnitStride(OpBuilder &b, Location loc, Value view) {
  auto type = cast<MemRefType>(view.getType());
  auto layout = StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic,
                                       ArrayRef<int64_t>{1});
  auto unit = MemRefType::get(type.getShape(), type.getElementType(), layout,
                              type.getMemorySpace());
  if (unit == type)
    return view;
  return memref::CastOp::create(b, loc, unit, view);
}

fff::VectorTail fff::splitRow(OpBuilder &b, Location loc, Value size,
                              int64_t width) {
  Value step = arith::ConstantIndexOp::create(b, loc, width);
  Value tailLength = arith::RemUIOp::create(b, loc, size, step);
  Value full = arith::SubIOp::create(b, loc, size, tailLength);
  auto maskType = VectorType::get({width}, b.getI1Type());
  Value mask = vector::CreateMaskOp::create(b, loc, maskType, tailLength);
  return {full, mask};
}

void fff::buildRowLoop(
    OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
    function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  if (sizes.empty()) {
    body(b, loc, ValueRange{});
    return;
  }
  auto forall =
      scf::ForallOp::create(b, loc, sizes, ValueRange{}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  body(b, loc, forall.getInductionVars());
}

LogicalResult fff::checkVectorWidth(Operation *op, StringRef pass,
                                    int64_t width) {
  if (width >= 0 && width <= 64)
    return success();
  return op->emitError() << pass << ": vector-width must be 0-64, got "
                         << width;
}
