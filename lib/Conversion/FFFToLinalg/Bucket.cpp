//===- Bucket.cpp - fff.bucket -> scf/tensor ------------------------------===//
//
// A counting sort in three sequential loops over tensors (buildBucketSort).
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/FFFToLinalg/FFFToLinalg.h"
#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Utils/Bucketing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::fff;

namespace {
struct BucketToLoops : OpConversionPattern<BucketOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BucketOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto [permutation, offsets] = buildBucketSort(
        rewriter, op.getLoc(), adaptor.getKeys(), op.getNumBuckets());
    // The permutation's static size, where the keys had one.
    if (permutation.getType() != op.getPermutation().getType())
      permutation = tensor::CastOp::create(rewriter, op.getLoc(),
                                           op.getPermutation().getType(),
                                           permutation);
    rewriter.replaceOp(op, ValueRange{permutation, offsets});
    return success();
  }
};
} // namespace

void fff::populateFFFBucketToLoopsPatterns(RewritePatternSet &patterns,
                                           PatternBenefit benefit) {
  patterns.add<BucketToLoops>(patterns.getContext(), benefit);
}
