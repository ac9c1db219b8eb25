//===- InsertShapeChecks.cpp - Run-time checks of deferred shape rules ---===//
//
// The verifier decides every shape rule whose sizes are static; the rules a
// dynamic size defers (fff::getDynamicShapeRules) become cf.assert ops here,
// so a mismatch stops with the verifier's message instead of letting the
// lowered code read out of bounds.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Transforms/Passes.h"
#include "fff/Dialect/FFF/Utils/Builders.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFINSERTSHAPECHECKS
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {
struct FFFInsertShapeChecksPass
    : public fff::impl::FFFInsertShapeChecksBase<FFFInsertShapeChecksPass> {
  void runOnOperation() override {
    OpBuilder b(&getContext());
    getOperation()->walk([&](Operation *op) {
      if (!isa<FFFDialect>(op->getDialect()))
        return;
      b.setInsertionPoint(op);
      Location loc = op->getLoc();
      for (const DynamicShapeRule &rule : getDynamicShapeRules(op)) {
        Value actual = dimValue(b, loc, rule.value, rule.dim);
        Value expected =
            rule.other ? dimValue(b, loc, rule.other, rule.otherDim)
                       : arith::ConstantIndexOp::create(b, loc, rule.expected);
        Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         actual, expected);
        cf::AssertOp::create(
            b, loc, ok,
            (op->getName().getStringRef() + ": " + rule.message).str());
      }
    });
  }
};
} // namespace
