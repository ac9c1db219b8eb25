//===- CheckAllocationSizes.cpp - fff-check-allocation-sizes --------------===//
//
// Guards each dynamically sized memref.alloc: its byte size, recomputed with
// overflow checks, must be a non-negative int64_t, else fffHostCheckSize
// (HostRuntime.h) ends the call. memref-to-LLVM's own product is unchecked.
// The guard is a call that takes the verdict, not a branch around a call:
// the check never fails in practice, and the code keeps its block structure.
//
//===----------------------------------------------------------------------===//

#include "fff/Target/Passes.h"

#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "llvm/Support/CheckedArithmetic.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFCHECKALLOCATIONSIZES
#include "fff/Target/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

static constexpr StringLiteral kCheckSizeName = "fffHostCheckSize";

/// `void fffHostCheckSize(int32_t overflowed)`, declared once.
static func::FuncOp lookupOrDeclareCheckSize(ModuleOp module) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(kCheckSizeName))
    return existing;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto decl = func::FuncOp::create(b, module.getLoc(), kCheckSizeName,
                                   b.getFunctionType({b.getI32Type()}, {}));
  decl.setPrivate();
  return decl;
}

/// The byte size of one element of `type`'s static dims, or failure when it
/// does not fit in int64_t.
static FailureOr<int64_t> staticBytes(memref::AllocOp alloc,
                                      const DataLayout &layout) {
  MemRefType type = alloc.getType();
  int64_t bytes =
      static_cast<int64_t>(layout.getTypeSize(type.getElementType()));
  for (int64_t dim : type.getShape()) {
    if (ShapedType::isDynamic(dim))
      continue;
    std::optional<int64_t> product = llvm::checkedMul(bytes, dim);
    if (!product)
      return failure();
    bytes = *product;
  }
  return bytes;
}

/// Inserts before `alloc`: bad = any size < 0 or the product overflows;
/// call @fffHostCheckSize(bad).
static void guardAllocation(memref::AllocOp alloc, int64_t bytesPerRow,
                            func::FuncOp checkSize) {
  OpBuilder b(alloc);
  Location loc = alloc.getLoc();
  Type i64 = b.getI64Type();
  Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
  Value signShift = arith::ConstantIntOp::create(b, loc, i64, 63);
  Value bytes = arith::ConstantIntOp::create(b, loc, i64, bytesPerRow);
  Value bad = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 0);
  for (Value size : alloc.getDynamicSizes()) {
    Value size64 = arith::IndexCastOp::create(b, loc, i64, size);
    Value negative =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, size64, zero);
    auto product = arith::MulSIExtendedOp::create(b, loc, bytes, size64);
    // The 128-bit product fits in int64_t iff its high half is the sign
    // extension of its low half.
    Value sign =
        arith::ShRSIOp::create(b, loc, product.getLow(), signShift);
    Value wraps = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                        product.getHigh(), sign);
    Value either = arith::OrIOp::create(b, loc, negative, wraps);
    bad = arith::OrIOp::create(b, loc, bad, either);
    bytes = product.getLow();
  }
  Value verdict = arith::ExtUIOp::create(b, loc, b.getI32Type(), bad);
  func::CallOp::create(b, loc, checkSize, ValueRange{verdict});
}

namespace {
struct FFFCheckAllocationSizesPass
    : fff::impl::FFFCheckAllocationSizesBase<FFFCheckAllocationSizesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<memref::AllocOp, int64_t>> dynamic;
    bool tooLarge = false;
    module.walk([&](memref::AllocOp alloc) {
      DataLayout layout = DataLayout::closest(alloc);
      FailureOr<int64_t> bytes = staticBytes(alloc, layout);
      if (failed(bytes)) {
        alloc.emitError() << "allocation of " << alloc.getType()
                          << " needs 2^63 bytes or more";
        tooLarge = true;
        return;
      }
      if (!alloc.getDynamicSizes().empty())
        dynamic.emplace_back(alloc, *bytes);
    });
    if (tooLarge)
      return signalPassFailure();
    if (dynamic.empty())
      return;
    func::FuncOp checkSize = lookupOrDeclareCheckSize(module);
    for (auto [alloc, bytes] : dynamic)
      guardAllocation(alloc, bytes, checkSize);
  }
};
} // namespace
