//===- FFFBatchOps.cpp - fff.bucket and fff.grouped_matmul ----------------===//
//
// Result types, verifiers, folders and canonicalizations of the batch ops
// (FFFBatchOps.td). Like the layer ops, every shape rule names its operands;
// the rules that dynamic sizes leave open are checked at run time.
//
//===----------------------------------------------------------------------===//

#include "ShapeRules.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::fff;
using namespace mlir::fff::detail;

//===----------------------------------------------------------------------===//
// fff.bucket
//===----------------------------------------------------------------------===//

LogicalResult BucketOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, ValueRange operands,
    DictionaryAttr, OpaqueProperties properties, RegionRange,
    SmallVectorImpl<Type> &inferred) {
  if (operands.empty())
    return failure();
  // Before the operand constraints are checked: say what is wrong here.
  auto keys = dyn_cast<RankedTensorType>(operands[0].getType());
  if (!keys || keys.getRank() != 1)
    return emitOptionalError(location, "'fff.bucket' op 'keys' must be a 1-D "
                                       "tensor of keys, one per row, but got ",
                             operands[0].getType());
  auto *props = properties.as<Properties *>();
  if (!props || !props->num_buckets)
    return failure();
  Type index = IndexType::get(context);
  int64_t buckets = props->num_buckets.getInt();
  inferred.push_back(RankedTensorType::get(keys.getShape(), index));
  inferred.push_back(RankedTensorType::get({buckets + 1}, index));
  return success();
}

namespace {
/// The counting sort of a constant key vector, done at compile time.
struct FoldConstantBucket : OpRewritePattern<BucketOp> {
  using OpRewritePattern::OpRewritePattern;
  static constexpr int64_t kMaxFolded = 1 << 16;

  LogicalResult matchAndRewrite(BucketOp op,
                                PatternRewriter &rewriter) const override {
    DenseIntElementsAttr keys;
    if (!matchPattern(op.getKeys(), m_Constant(&keys)))
      return rewriter.notifyMatchFailure(op, "keys are not constant");
    int64_t buckets = op.getNumBuckets();
    if (keys.getNumElements() > kMaxFolded || buckets > kMaxFolded)
      return rewriter.notifyMatchFailure(op, "too large to fold");
    bool isIndex = getElementTypeOrSelf(keys.getType()).isIndex();
    SmallVector<int64_t> values;
    for (const APInt &key : keys.getValues<APInt>())
      values.push_back(isIndex ? static_cast<int64_t>(key.getZExtValue())
                               : key.getSExtValue());
    auto inRange = [&](int64_t key) { return key >= 0 && key < buckets; };
    SmallVector<int64_t> offsets(buckets + 1, 0);
    for (int64_t key : values)
      if (inRange(key))
        ++offsets[key + 1];
    for (int64_t g = 0; g < buckets; ++g)
      offsets[g + 1] += offsets[g];
    SmallVector<int64_t> cursor(offsets.begin(), offsets.end() - 1);
    SmallVector<int64_t> permutation(values.size());
    int64_t outside = offsets[buckets];
    for (auto [row, key] : llvm::enumerate(values))
      permutation[inRange(key) ? cursor[key]++ : outside++] =
          static_cast<int64_t>(row);
    auto constant = [&](Type type, ArrayRef<int64_t> data) {
      return arith::ConstantOp::create(
                 rewriter, op.getLoc(),
                 DenseElementsAttr::get(cast<ShapedType>(type), data))
          .getResult();
    };
    Value perm = constant(op.getPermutation().getType(), permutation);
    Value offs = constant(op.getOffsets().getType(), offsets);
    rewriter.replaceOp(op, ValueRange{perm, offs});
    return success();
  }
};
} // namespace

void BucketOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<FoldConstantBucket>(context);
}

//===----------------------------------------------------------------------===//
// fff.grouped_matmul
//===----------------------------------------------------------------------===//

LogicalResult
fff::detail::verifyGroupedMatmul(GroupedMatmulOp op,
                                 SmallVectorImpl<DynamicShapeRule> *sink) {
  auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
  if (op.isGathered() != (rhsType.getRank() == 2))
    return op.emitOpError()
           << "'rhs' must be G x K x N without 'gather', or a table of rows "
              "(R x N) with 'gather', but got "
           << rhsType << (op.isGathered() ? " with" : " without")
           << " 'gather'";
  auto offsetsType = cast<RankedTensorType>(op.getOffsets().getType());
  if (offsetsType.getDimSize(0) == 0)
    return op.emitOpError() << "'offsets' must hold G + 1 >= 1 entries (where "
                               "each of G segments starts, then its end), "
                               "but got "
                            << offsetsType;
  Value lhs = op.getLhs(), rhs = op.getRhs(), init = op.getInit();
  ShapeRules rules(op, sink);
  rules.same("init", init, 0, "lhs", lhs, 0, "batch");
  // Segment g's matrix W_g is K x N: from rhs[g], or gathered by rhs_rows[g].
  Value segments = op.isGathered() ? op.getRhsRows() : rhs;
  StringRef segmentsName = op.isGathered() ? "rhs_rows" : "rhs";
  rules.same(segmentsName, segments, 1, "lhs", lhs, 1,
             "inner size K of each segment's matrix");
  rules.same("init", init, 1, "rhs", rhs, op.isGathered() ? 1 : 2,
             "output width N");
  int64_t groups = cast<ShapedType>(segments.getType()).getDimSize(0);
  rules.dim("offsets", op.getOffsets(), 0,
            ShapedType::isDynamic(groups) ? ShapedType::kDynamic : groups + 1,
            "one more than the segments of '" + segmentsName + "'");
  return rules.result();
}

LogicalResult GroupedMatmulOp::verify() {
  return verifyGroupedMatmul(*this, nullptr);
}

OpFoldResult GroupedMatmulOp::fold(FoldAdaptor) {
  auto size = [](Value v, unsigned dim) {
    return cast<ShapedType>(v.getType()).getDimSize(dim);
  };
  // No rows, no segments, nothing to sum, or no columns: result == init.
  bool nothing = size(getLhs(), 0) == 0 || size(getOffsets(), 0) == 1 ||
                 size(getLhs(), 1) == 0 || size(getInit(), 1) == 0;
  return nothing ? getInit() : OpFoldResult();
}
