//===- ExpandStridedCopies.cpp - Strided memref.copy becomes loops --------===//
//
// Keeps compiled libraries free of MLIR runtime dependencies: the only
// memref.copy MemRefToLLVM cannot inline is a strided one (it calls
// memrefCopy from libmlir_c_runner_utils).
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFEXPANDSTRIDEDCOPIES
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;

static bool hasIdentityLayout(Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  return type && type.getLayout().isIdentity();
}

namespace {
struct FFFExpandStridedCopiesPass
    : public fff::impl::FFFExpandStridedCopiesBase<FFFExpandStridedCopiesPass> {
  void runOnOperation() override {
    OpBuilder b(&getContext());
    getOperation()->walk([&](memref::CopyOp copy) {
      if (hasIdentityLayout(copy.getSource()) &&
          hasIdentityLayout(copy.getTarget()))
        return;
      b.setInsertionPoint(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    });
  }
};
} // namespace
