//===- FFFCanonicalize.cpp - Folders and canonicalizations of fff ops ----===//
//
// Only rewrites that are right for every input: empty batches, a depth-0
// tree (every row reaches leaf 0), and a conditional matmul whose indices are
// all one constant (it is a dense matmul on that block).
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/IR/FFFOps.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::fff;

/// True when dimension `dim` of `value`'s type is statically zero.
static bool isStaticZero(Value value, unsigned dim) {
  return cast<ShapedType>(value.getType()).getDimSize(dim) == 0;
}

//===----------------------------------------------------------------------===//
// Folders: an empty batch (or nothing to accumulate) yields the init operand.
//===----------------------------------------------------------------------===//

OpFoldResult RouteOp::fold(FoldAdaptor) {
  return isStaticZero(getInput(), 0) ? getInit() : OpFoldResult();
}

LogicalResult RoutePathOp::fold(FoldAdaptor,
                                SmallVectorImpl<OpFoldResult> &results) {
  if (!isStaticZero(getInput(), 0))
    return failure();
  results.push_back(getNodesInit());
  results.push_back(getLogitsInit());
  return success();
}

OpFoldResult CmmOp::fold(FoldAdaptor) {
  // No rows, no blocks (every index is out of range), or no indices per row:
  // nothing is added to the accumulator.
  bool nothingToAdd = isStaticZero(getLhs(), 0) || isStaticZero(getBank(), 0) ||
                      (isMultiIndex() && isStaticZero(getLhs(), 1));
  return nothingToAdd ? getInit() : OpFoldResult();
}

OpFoldResult LeafMlpOp::fold(FoldAdaptor) {
  return isStaticZero(getInput(), 0) ? getInit() : OpFoldResult();
}

OpFoldResult PathNeuronOp::fold(FoldAdaptor) {
  return isStaticZero(getInput(), 0) ? getInit() : OpFoldResult();
}

//===----------------------------------------------------------------------===//
// fff.route, depth 0 -> linalg.fill 0
//===----------------------------------------------------------------------===//

namespace {
struct RouteDepthZeroToFill : OpRewritePattern<RouteOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RouteOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getDepth() != 0)
      return rewriter.notifyMatchFailure(op, "tree has nodes");
    Type indexType = getElementTypeOrSelf(op.getInit());
    Value zero = arith::ConstantOp::create(rewriter, op.getLoc(), indexType,
                                           rewriter.getZeroAttr(indexType));
    rewriter.replaceOpWithNewOp<linalg::FillOp>(op, zero, op.getInit());
    return success();
  }
};
} // namespace

void RouteOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *context) {
  results.add<RouteDepthZeroToFill>(context);
}

//===----------------------------------------------------------------------===//
// fff.cmm with one constant index for every row -> dense linalg.matmul
//===----------------------------------------------------------------------===//

/// The integer that every element of `indices` holds, if it is known: a
/// splat constant or a linalg.fill of a constant.
static std::optional<int64_t> getUniformIndex(Value indices) {
  Attribute splat;
  if (matchPattern(indices, m_Constant(&splat)))
    if (auto dense = dyn_cast<SplatElementsAttr>(splat))
      return dense.getSplatValue<APInt>().getSExtValue();
  auto fill = indices.getDefiningOp<linalg::FillOp>();
  if (!fill)
    return std::nullopt;
  IntegerAttr value;
  if (matchPattern(fill.getInputs()[0], m_Constant(&value)))
    return value.getValue().getSExtValue();
  return std::nullopt;
}

namespace {
struct CmmUniformIndexToMatmul : OpRewritePattern<CmmOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CmmOp op,
                                PatternRewriter &rewriter) const override {
    if (op.isMultiIndex())
      return rewriter.notifyMatchFailure(op, "several indices per row");
    std::optional<int64_t> index = getUniformIndex(op.getIndices());
    if (!index)
      return rewriter.notifyMatchFailure(op, "indices are not one constant");
    int64_t blocks = op.getBank().getType().getDimSize(0);
    if (ShapedType::isDynamic(blocks))
      return rewriter.notifyMatchFailure(op, "bank size unknown");
    // An out-of-range index contributes nothing.
    if (*index < 0 || *index >= blocks) {
      rewriter.replaceOp(op, op.getInit());
      return success();
    }

    Location loc = op.getLoc();
    Value acc = op.getInit();
    if (Value bias = op.getBias())
      acc = addBiasRow(rewriter, loc, bias, *index, acc);
    Value block = extractBlock(rewriter, loc, op.getBank(), *index);
    rewriter.replaceOpWithNewOp<linalg::MatmulOp>(
        op, ValueRange{op.getLhs(), block}, ValueRange{acc});
    return success();
  }

private:
  /// bank[index] as a rank-2 tensor (a rank-reducing slice).
  static Value extractBlock(PatternRewriter &rewriter, Location loc, Value bank,
                            int64_t index) {
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, bank);
    sizes[0] = rewriter.getIndexAttr(1);
    SmallVector<OpFoldResult> offsets(3, rewriter.getIndexAttr(0));
    offsets[0] = rewriter.getIndexAttr(index);
    SmallVector<OpFoldResult> strides(3, rewriter.getIndexAttr(1));
    auto bankType = cast<RankedTensorType>(bank.getType());
    auto blockType = RankedTensorType::get(bankType.getShape().drop_front(),
                                           bankType.getElementType());
    return tensor::ExtractSliceOp::create(rewriter, loc, blockType, bank,
                                          offsets, sizes, strides);
  }

  /// acc[b, :] + bias[index, :] for every row b.
  static Value addBiasRow(PatternRewriter &rewriter, Location loc, Value bias,
                          int64_t index, Value acc) {
    MLIRContext *ctx = rewriter.getContext();
    // (row, col) -> (index, col): every row reads the selected bias row.
    auto biasMap = AffineMap::get(
        2, 0, {rewriter.getAffineConstantExpr(index), getAffineDimExpr(1, ctx)},
        ctx);
    auto identity = AffineMap::getMultiDimIdentityMap(2, ctx);
    return linalg::GenericOp::create(
               rewriter, loc, acc.getType(), ValueRange{bias}, ValueRange{acc},
               ArrayRef<AffineMap>{biasMap, identity},
               ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                             utils::IteratorType::parallel},
               [](OpBuilder &b, Location loc, ValueRange args) {
                 Value sum = arith::AddFOp::create(b, loc, args[1], args[0]);
                 linalg::YieldOp::create(b, loc, sum);
               })
        .getResult(0);
  }
};
} // namespace

void CmmOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<CmmUniformIndexToMatmul>(context);
}
