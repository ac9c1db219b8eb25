//===- Reductions.cpp - Row reductions on buffers -> vector row loops -----===//
//
// convert-row-reductions-to-loops (see Passes.td). A linalg.generic whose
// last loop is its only reduction, over the last dimension of unit-stride
// inputs (a layer norm's sums, a mean), becomes
//
//   scf.forall (the parallel indices) {
//     acc = splat(identity)
//     for each full vector of the row: acc = combine(acc, body(vectors))
//     acc = combine(acc, select(tail mask, body(masked vectors), identity))
//     out[...] = combine(out[...], vector.reduction(acc))
//   }
//
// where convert-linalg-to-loops would make a scalar loop whose sum LLVM
// cannot vectorize: its additions must stay in order. Here they do not: the
// row is summed in W partial sums, then across them.
//
//===----------------------------------------------------------------------===//

#include "RowViews.h"
#include "fff/Conversion/RowLoops/RowLoops.h"
#include "fff/Dialect/FFF/Utils/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <cmath>

namespace mlir::fff {
#define GEN_PASS_DEF_CONVERTROWREDUCTIONSTOLOOPS
#include "fff/Conversion/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {

/// How a reduction combines: the op, its vector.reduction kind and its
/// identity.
struct Combiner {
  Operation *op;
  vector::CombiningKind kind;
  double identity;
};

/// The combiner of `generic`'s body: the yielded value is `op(x, out)` or
/// `op(out, x)`, the output's block argument used nowhere else.
std::optional<Combiner> matchCombiner(linalg::GenericOp generic) {
  Block &body = generic.getRegion().front();
  BlockArgument out = body.getArgument(generic.getNumDpsInputs());
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Operation *op = yield.getValues()[0].getDefiningOp();
  if (!op || op->getBlock() != &body || !out.hasOneUse() ||
      !op->getResult(0).hasOneUse() ||
      op->getNumOperands() != 2 ||
      (op->getOperand(0) != out && op->getOperand(1) != out) ||
      op->getOperand(0) == op->getOperand(1))
    return std::nullopt;
  using K = vector::CombiningKind;
  if (isa<arith::AddFOp>(op))
    return Combiner{op, K::ADD, 0.0};
  if (isa<arith::MulFOp>(op))
    return Combiner{op, K::MUL, 1.0};
  if (isa<arith::MaximumFOp>(op))
    return Combiner{op, K::MAXIMUMF, -INFINITY};
  if (isa<arith::MinimumFOp>(op))
    return Combiner{op, K::MINIMUMF, INFINITY};
  if (isa<arith::MaxNumFOp>(op))
    return Combiner{op, K::MAXNUMF, -INFINITY};
  if (isa<arith::MinNumFOp>(op))
    return Combiner{op, K::MINNUMF, INFINITY};
  return std::nullopt;
}

/// The combiner of a generic this lowering takes, or failure.
FailureOr<Combiner> matchRowReduction(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 1)
    return failure();
  int64_t n = op.getNumLoops();
  if (op.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return failure();
  AffineExpr last = getAffineDimExpr(n - 1, op.getContext());
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap initMap = op.getMatchingIndexingMap(init);
  // One output element per row (the rows run in parallel), read and
  // written once per row: no input may be the output.
  if (!initMap.isProjectedPermutation() ||
      initMap.getNumResults() != n - 1 || initMap.isFunctionOfDim(n - 1) ||
      !isa<FloatType>(getElementTypeOrSelf(init->get().getType())))
    return failure();
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (input->get() == init->get())
      return failure();
    auto type = dyn_cast<MemRefType>(input->get().getType());
    if (!type) {
      // A scalar: the same for every row.
      if (!input->get().getType().isIntOrFloat())
        return failure();
      continue;
    }
    // Whole bytes: a vector of i1 (or i4) would be loaded packed.
    Type element = type.getElementType();
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!map.isProjectedPermutation() || !element.isIntOrFloat() ||
        element.getIntOrFloatBitWidth() % 8 != 0)
      return failure();
    // Along the row: the reduction dimension, last, with unit stride.
    if (map.isFunctionOfDim(n - 1) &&
        (map.getResults().back() != last || staticStride(input->get()) != 1))
      return failure();
  }
  // A body of scalar constants and elementwise arith and math ops on
  // scalars, then the combiner.
  std::optional<Combiner> combiner = matchCombiner(op);
  if (!combiner)
    return failure();
  // (No integer division: the tail's lanes off hold zeros.)
  for (Operation &inner : op.getRegion().front().without_terminator())
    if ((!inner.hasTrait<OpTrait::Elementwise>() &&
         !isa<arith::ConstantOp>(inner)) ||
        inner.getNumResults() != 1 ||
        isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
            arith::CeilDivSIOp, arith::CeilDivUIOp, arith::FloorDivSIOp>(
            inner) ||
        inner.getNumRegions() != 0 ||
        !inner.getResult(0).getType().isIntOrFloat() ||
        !isa<arith::ArithDialect, math::MathDialect>(inner.getDialect()))
      return failure();
  return *combiner;
}

/// `like` (one result) rebuilt on `operands` with result type `type`, its
/// attributes kept: a scalar op of the body on vectors.
Value createLike(OpBuilder &b, Location loc, Operation *like,
                 ValueRange operands, Type type) {
  return b
      .create(loc, like->getName().getIdentifier(), operands, TypeRange{type},
              like->getAttrs())
      ->getResult(0);
}

/// Indices of `map`'s results (a projected permutation) from the loop
/// indices.
SmallVector<Value> indicesOf(AffineMap map, ValueRange loopIndices) {
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults())
    indices.push_back(loopIndices[cast<AffineDimExpr>(e).getPosition()]);
  return indices;
}

struct RowReductionToLoops : OpRewritePattern<linalg::GenericOp> {
  RowReductionToLoops(MLIRContext *ctx, int64_t width, PatternBenefit benefit)
      : OpRewritePattern(ctx, benefit), width(width) {}

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<Combiner> combiner = matchRowReduction(op);
    if (width < 2 || failed(combiner))
      return rewriter.notifyMatchFailure(op, "not a row reduction");
    Location loc = op.getLoc();
    int64_t n = op.getNumLoops();
    SmallVector<Range, 4> ranges =
        cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(rewriter, loc);
    Value size = getValueOrCreateConstantIndexOp(rewriter, loc,
                                                 ranges.back().size);
    SmallVector<OpFoldResult> outer;
    for (int64_t d = 0; d + 1 < n; ++d)
      outer.push_back(ranges[d].size);
    auto body = [&](OpBuilder &b, Location l, ValueRange indices) {
      buildRow(b, l, op, *combiner, indices, size);
    };
    buildRowLoop(rewriter, loc, outer, body);
    rewriter.eraseOp(op);
    return success();
  }

  /// One row: `indices` are the parallel loops' indices.
  void buildRow(OpBuilder &b, Location loc, linalg::GenericOp op,
                const Combiner &combiner, ValueRange indices,
                Value size) const {
    int64_t n = op.getNumLoops();
    Block &body = op.getRegion().front();
    auto outType = cast<FloatType>(
        getElementTypeOrSelf(op.getDpsInitOperand(0)->get().getType()));
    // Per input: its row (a rank-1 unit-stride view), or its value for this
    // row (a scalar, broadcast).
    SmallVector<Value> rows, scalars;
    for (OpOperand *input : op.getDpsInputOperands()) {
      Value value = input->get();
      rows.push_back(nullptr);
      scalars.push_back(nullptr);
      if (!isa<MemRefType>(value.getType())) {
        scalars.back() = value;
        continue;
      }
      AffineMap map = op.getMatchingIndexingMap(input);
      if (map.isFunctionOfDim(n - 1)) {
        SmallVector<Value> at =
            indicesOf(map.dropResult(map.getNumResults() - 1), indices);
        Value view = rowView(b, loc, value, at, map.getNumResults() - 1, size);
        rows.back() = asUnitStride(b, loc, view);
      } else {
        SmallVector<Value> at = indicesOf(map, indices);
        scalars.back() = memref::LoadOp::create(b, loc, value, at);
      }
    }
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value step = arith::ConstantIndexOp::create(b, loc, width);
    auto vectorOf = [&](Type t) { return VectorType::get({width}, t); };
    auto splat = [&](OpBuilder &sb, Location sl, Value scalar) -> Value {
      return vector::BroadcastOp::create(sb, sl, vectorOf(scalar.getType()),
                                         scalar);
    };
    // Values from outside the body (row scalars, constants), broadcast once.
    IRMapping outside;
    for (auto [arg, scalar] : llvm::zip(body.getArguments(), scalars))
      if (scalar)
        outside.map(arg, splat(b, loc, scalar));
    for (Operation &inner : body.without_terminator()) {
      if (isa<arith::ConstantOp>(inner)) {
        Operation *constant = b.clone(inner);
        outside.map(inner.getResult(0), splat(b, loc, constant->getResult(0)));
        continue;
      }
      for (Value operand : inner.getOperands())
        if (operand.getParentBlock() != &body && !outside.contains(operand))
          outside.map(operand, splat(b, loc, operand));
    }
    Value identity = floatConstant(b, loc, outType, combiner.identity);
    Value identities = splat(b, loc, identity);

    // The body on the vectors at `j` (masked loads for the tail); returns
    // the value the combiner takes.
    auto vectorBody = [&](OpBuilder &vb, Location vl, Value j,
                          Value mask) -> Value {
      IRMapping mapping = outside;
      for (auto [arg, row] : llvm::zip(body.getArguments(), rows)) {
        if (!row)
          continue;
        Type vecType = vectorOf(arg.getType());
        Value loaded;
        if (mask) {
          Value zero = arith::ConstantOp::create(vb, vl,
                                                 vb.getZeroAttr(arg.getType()));
          Value zeros = splat(vb, vl, zero);
          loaded = vector::MaskedLoadOp::create(vb, vl, vecType, row, j, mask,
                                                zeros);
        } else {
          loaded = vector::LoadOp::create(vb, vl, vecType, row, j);
        }
        mapping.map(arg, loaded);
      }
      for (Operation &inner : body.without_terminator()) {
        if (&inner == combiner.op || isa<arith::ConstantOp>(inner))
          continue;
        SmallVector<Value> operands = llvm::map_to_vector(
            inner.getOperands(), [&](Value v) { return mapping.lookup(v); });
        Type resultType = vectorOf(inner.getResult(0).getType());
        mapping.map(inner.getResult(0),
                    createLike(vb, vl, &inner, operands, resultType));
      }
      BlockArgument out = body.getArgument(op.getNumDpsInputs());
      Value term = combiner.op->getOperand(0) == out
                       ? combiner.op->getOperand(1)
                       : combiner.op->getOperand(0);
      return mapping.lookup(term);
    };
    auto combine = [&](OpBuilder &cb, Location cl, Value acc,
                       Value term) -> Value {
      return createLike(cb, cl, combiner.op, {acc, term}, acc.getType());
    };

    auto [full, mask] = splitRow(b, loc, size, width);
    auto rowLoop = scf::ForOp::create(
        b, loc, zero, full, step, ValueRange{identities},
        [&](OpBuilder &lb, Location ll, Value j, ValueRange acc) {
          Value term = vectorBody(lb, ll, j, nullptr);
          Value next = combine(lb, ll, acc[0], term);
          scf::YieldOp::create(lb, ll, next);
        });
    Value tailTerm = vectorBody(b, loc, full, mask);
    // Lanes past the row count as the identity.
    Value tailTerms =
        arith::SelectOp::create(b, loc, mask, tailTerm, identities);
    Value acc = combine(b, loc, rowLoop.getResult(0), tailTerms);
    Value reduced = vector::ReductionOp::create(b, loc, combiner.kind, acc);
    OpOperand *init = op.getDpsInitOperand(0);
    SmallVector<Value> at = indicesOf(op.getMatchingIndexingMap(init), indices);
    Value before = memref::LoadOp::create(b, loc, init->get(), at);
    Value after = combine(b, loc, before, reduced);
    memref::StoreOp::create(b, loc, after, init->get(), at);
  }

  int64_t width;
};

struct ConvertRowReductionsToLoopsPass
    : public fff::impl::ConvertRowReductionsToLoopsBase<
          ConvertRowReductionsToLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(checkVectorWidth(getOperation(), getArgument(), vectorWidth)))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    populateRowReductionsToLoopsPatterns(patterns, vectorWidth);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void fff::populateRowReductionsToLoopsPatterns(RewritePatternSet &patterns,
                                               int64_t vectorWidth,
                                               PatternBenefit benefit) {
  patterns.add<RowReductionToLoops>(patterns.getContext(), vectorWidth,
                                    benefit);
}
