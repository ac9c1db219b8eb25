//===- ExpandDynamicReshapes.cpp - memref.expand_shape as a view ----------===//
//
// Works around a crash of upstream's expand-strided-metadata on dynamic
// memref.expand_shape (see Passes.td): contiguous expansions become the
// equivalent memref.reinterpret_cast.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFEXPANDDYNAMICRESHAPES
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;

namespace {
struct FFFExpandDynamicReshapesPass
    : public fff::impl::FFFExpandDynamicReshapesBase<
          FFFExpandDynamicReshapesPass> {
  void runOnOperation() override {
    SmallVector<memref::ExpandShapeOp> expands;
    getOperation()->walk([&](memref::ExpandShapeOp op) {
      if (op.getSrcType().getLayout().isIdentity() &&
          op.getResultType().getLayout().isIdentity() &&
          !op.getResultType().hasStaticShape())
        expands.push_back(op);
    });
    IRRewriter b(&getContext());
    for (memref::ExpandShapeOp op : expands) {
      b.setInsertionPoint(op);
      Location loc = op.getLoc();
      SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
      // Row-major strides, innermost first: stride[i] = stride[i+1] * size[i+1].
      SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
      for (int64_t i = static_cast<int64_t>(sizes.size()) - 2; i >= 0; --i) {
        std::optional<int64_t> inner = getConstantIntValue(strides[i + 1]);
        std::optional<int64_t> size = getConstantIntValue(sizes[i + 1]);
        if (inner && size) {
          strides[i] = b.getIndexAttr(*inner * *size);
          continue;
        }
        Value lhs = getValueOrCreateConstantIndexOp(b, loc, strides[i + 1]);
        Value rhs = getValueOrCreateConstantIndexOp(b, loc, sizes[i + 1]);
        strides[i] = arith::MulIOp::create(b, loc, lhs, rhs).getResult();
      }
      auto view = memref::ReinterpretCastOp::create(
          b, loc, op.getResultType(), op.getSrc(), b.getIndexAttr(0), sizes,
          strides);
      b.replaceOp(op, view.getResult());
    }
  }
};
} // namespace
