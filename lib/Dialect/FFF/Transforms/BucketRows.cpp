//===- BucketRows.cpp - Level-synchronous walks with the batch ops --------===//
//
// fff-bucket-rows (see Passes.td): the pattern that replaces a layer by its
// bucketed form, behind the min-batch dispatch, and the builders that both
// layer families use.
//
//===----------------------------------------------------------------------===//

#include "BatchDispatch.h"
#include "BucketRows.h"

#include "fff/Dialect/FFF/Transforms/Patterns.h"
#include "fff/Dialect/FFF/Utils/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <algorithm>

namespace mlir::fff {
#define GEN_PASS_DEF_FFFBUCKETROWS
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;
using namespace mlir::fff::detail;

Value fff::detail::buildZeros(OpBuilder &b, Location loc,
                              ArrayRef<int64_t> shape, Type elem,
                              ValueRange dynamicSizes) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, elem, dynamicSizes);
  Value zero = isa<IndexType>(elem) ? constantIndex(b, loc, 0)
                                    : floatConstant(b, loc, elem, 0.0);
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

Value fff::detail::buildWholeSegment(OpBuilder &b, Location loc, Value rows) {
  Value zero = constantIndex(b, loc, 0);
  return tensor::FromElementsOp::create(b, loc, ValueRange{zero, rows});
}

Value fff::detail::buildExpanded(OpBuilder &b, Location loc, Value matrix,
                                 bool leading) {
  auto type = cast<RankedTensorType>(matrix.getType());
  auto size = [&](int64_t dim) -> OpFoldResult {
    int64_t n = type.getDimSize(dim);
    if (ShapedType::isDynamic(n))
      return dimValue(b, loc, matrix, dim);
    return b.getIndexAttr(n);
  };
  OpFoldResult one = b.getIndexAttr(1), d0 = size(0), d1 = size(1);
  SmallVector<int64_t> shape =
      leading ? SmallVector<int64_t>{1, type.getDimSize(0), type.getDimSize(1)}
              : SmallVector<int64_t>{type.getDimSize(0), type.getDimSize(1), 1};
  SmallVector<OpFoldResult> sizes =
      leading ? SmallVector<OpFoldResult>{one, d0, d1}
              : SmallVector<OpFoldResult>{d0, d1, one};
  SmallVector<ReassociationIndices> groups =
      leading ? SmallVector<ReassociationIndices>{{0, 1}, {2}}
              : SmallVector<ReassociationIndices>{{0}, {1, 2}};
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), matrix,
      groups, sizes);
}

Value fff::detail::buildGroupedMatmul(OpBuilder &b, Location loc, Value lhs,
                                      Value rhs, Value offsets, Value rows,
                                      Value rhsRows, Value init) {
  return GroupedMatmulOp::create(b, loc, init.getType(), lhs, rhs, offsets,
                                 init, rows, rhsRows)
      .getResult();
}

int64_t fff::detail::tileRowsFor(PathNeuronOp op, int64_t requested) {
  if (requested > 0)
    return requested;
  auto input = cast<RankedTensorType>(op.getInput().getType());
  int64_t width = input.getDimSize(1);
  if (ShapedType::isDynamic(width) || width == 0)
    return 256;
  // The tile's inputs are read once per level: keep them in L2.
  int64_t bytes = width * input.getElementType().getIntOrFloatBitWidth() / 8;
  int64_t rows = (int64_t(512) << 10) / std::max<int64_t>(bytes, 1);
  int64_t tile = 16;
  while (tile * 2 <= rows && tile < 4096)
    tile *= 2;
  return tile;
}

namespace {

bool canBucket(LeafMlpOp op, const FFFBucketRowsOptions &options) {
  return static_cast<int64_t>(op.getDepth()) <= options.maxDepth;
}
bool canBucket(PathNeuronOp, const FFFBucketRowsOptions &) { return true; }

Value buildBucketed(OpBuilder &b, LeafMlpOp op, const FFFBucketRowsOptions &) {
  return bucketLeafMlp(b, op);
}
Value buildBucketed(OpBuilder &b, PathNeuronOp op,
                    const FFFBucketRowsOptions &options) {
  return bucketPathNeuron(b, op, tileRowsFor(op, options.tileRows));
}

template <typename OpTy>
struct BucketLayer : OpRewritePattern<OpTy> {
  BucketLayer(MLIRContext *context, const FFFBucketRowsOptions &options,
              PatternBenefit benefit)
      : OpRewritePattern<OpTy>(context, benefit), options(options) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (op->hasAttr(kBatchFallbackAttrName))
      return rewriter.notifyMatchFailure(op, "small-batch fallback");
    if (cast<RankedTensorType>(op.getType()).getDimSize(1) == 0 ||
        !canBucket(op, options))
      return rewriter.notifyMatchFailure(op, "not bucketable");
    replaceWithBatchDispatch(
        rewriter, op, dimValue(rewriter, op.getLoc(), op.getInput(), 0),
        options.minBatch,
        [&](OpBuilder &b) { return buildBucketed(b, op, options); });
    return success();
  }

  FFFBucketRowsOptions options;
};

struct FFFBucketRowsPass
    : public fff::impl::FFFBucketRowsBase<FFFBucketRowsPass> {
  using FFFBucketRowsBase::FFFBucketRowsBase;

  void runOnOperation() override {
    for (auto [name, value] :
         {std::pair<StringRef, int64_t>{"tile-rows", tileRows},
          {"min-batch", minBatch},
          {"max-depth", maxDepth}})
      if (value < 0) {
        getOperation()->emitError("fff-bucket-rows: ")
            << name << " must be >= 0, got " << value;
        return signalPassFailure();
      }
    RewritePatternSet patterns(&getContext());
    FFFBucketRowsOptions options;
    options.tileRows = tileRows;
    options.minBatch = minBatch;
    options.maxDepth = maxDepth;
    populateFFFBucketRowsPatterns(patterns, options);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void fff::populateFFFBucketRowsPatterns(RewritePatternSet &patterns,
                                        const FFFBucketRowsOptions &options,
                                        PatternBenefit benefit) {
  patterns.add<BucketLayer<LeafMlpOp>, BucketLayer<PathNeuronOp>>(
      patterns.getContext(), options, benefit);
}
