//===- BatchDispatch.cpp - A strategy behind a run-time batch check -------===//

#include "BatchDispatch.h"

#include "fff/Dialect/FFF/Transforms/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::fff;

void fff::detail::replaceWithBatchDispatch(
    PatternRewriter &rewriter, Operation *op, Value batch, int64_t minBatch,
    function_ref<Value(OpBuilder &)> build) {
  if (minBatch <= 1) {
    rewriter.replaceOp(op, build(rewriter));
    return;
  }
  Location loc = op->getLoc();
  Value large = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::uge, batch,
      arith::ConstantIndexOp::create(rewriter, loc, minBatch));
  auto ifOp = scf::IfOp::create(
      rewriter, loc, large,
      [&](OpBuilder &b, Location l) { scf::YieldOp::create(b, l, build(b)); },
      [&](OpBuilder &b, Location l) {
        Operation *fallback = op->clone();
        fallback->setAttr(kBatchFallbackAttrName, b.getUnitAttr());
        scf::YieldOp::create(b, l, b.insert(fallback)->getResults());
      });
  rewriter.replaceOp(op, ifOp.getResults());
}
