//===- LinalgToBlas.cpp - linalg matmuls -> guarded cblas_sgemm calls -----===//
//
// convert-linalg-to-blas (see Passes.td). Each f32 matmul on buffers becomes
//
//   scf.if (the shapes and strides suit BLAS) {
//     func.call @cblas_sgemm(RowMajor, NoTrans, NoTrans, M, N, K, 1.0,
//                            A, lda, B, ldb, 1.0, C, ldc)
//   } else {
//     the op, marked so that it is not rewritten again
//   }
//
// with the pointers and strides read from each buffer at run time.
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/LinalgToBlas/LinalgToBlas.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <limits>

namespace mlir::fff {
#define GEN_PASS_DEF_CONVERTLINALGTOBLAS
#include "fff/Conversion/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {

/// Marks the op kept in a call's `else` branch.
constexpr llvm::StringLiteral kFallbackAttr = "fff.blas_fallback";
// CBLAS's enum values (cblas.h).
constexpr int32_t kRowMajor = 101, kNoTrans = 111;

/// A 2-D f32 buffer as BLAS sees it: the address of its first element, its
/// sizes, and its row and element strides (in elements).
struct Matrix {
  Value address, rows, cols, rowStride, elemStride;
};

Matrix matrixOf(OpBuilder &b, Location loc, Value buffer) {
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
  Value aligned =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  Value bytes = arith::ConstantIndexOp::create(b, loc, sizeof(float));
  Value offsetBytes =
      arith::MulIOp::create(b, loc, metadata.getOffset(), bytes);
  Value first = arith::AddIOp::create(b, loc, aligned, offsetBytes);
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), first);
  Value address = LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), asInt);
  return {address, metadata.getSizes()[0], metadata.getSizes()[1],
          metadata.getStrides()[0], metadata.getStrides()[1]};
}

/// `cond && (lhs pred rhs)`, built in that order.
Value andCompare(OpBuilder &b, Location loc, Value cond,
                 arith::CmpIPredicate pred, Value lhs, Value rhs) {
  Value cmp = arith::CmpIOp::create(b, loc, pred, lhs, rhs);
  return cond ? arith::AndIOp::create(b, loc, cond, cmp).getResult() : cmp;
}

Value toI32(OpBuilder &b, Location loc, Value index) {
  return arith::IndexCastOp::create(b, loc, b.getI32Type(), index);
}

func::FuncOp lookupSgemm(Operation *from) {
  return SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      from, StringAttr::get(from->getContext(), kSgemmName));
}

/// C += A B through cblas_sgemm when BLAS can take the three buffers, else
/// `fallback` (the op itself).
void buildGuardedSgemm(OpBuilder &b, Location loc, func::FuncOp sgemm,
                       Value lhs, Value rhs, Value acc,
                       function_ref<void(OpBuilder &, Location)> fallback) {
  Matrix a = matrixOf(b, loc, lhs);
  Matrix m = matrixOf(b, loc, rhs);
  Matrix c = matrixOf(b, loc, acc);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value intMax = arith::ConstantIndexOp::create(
      b, loc, std::numeric_limits<int32_t>::max());
  using P = arith::CmpIPredicate;
  // M, N, K in [1, INT_MAX]; the three shapes agree; unit element strides;
  // leading dimensions at least a row and within INT_MAX (BLAS rejects the
  // rest, or its int arguments would wrap, or it would write out of bounds).
  Value ok;
  for (Value size : {a.rows, m.cols, a.cols}) {
    ok = andCompare(b, loc, ok, P::uge, size, one);
    ok = andCompare(b, loc, ok, P::ule, size, intMax);
  }
  // Shapes that agree (dynamic sizes are not checked before this point).
  ok = andCompare(b, loc, ok, P::eq, m.rows, a.cols);
  ok = andCompare(b, loc, ok, P::eq, c.rows, a.rows);
  ok = andCompare(b, loc, ok, P::eq, c.cols, m.cols);
  for (const Matrix *x : {&a, &m, &c})
    ok = andCompare(b, loc, ok, P::eq, x->elemStride, one);
  ok = andCompare(b, loc, ok, P::uge, a.rowStride, a.cols);
  ok = andCompare(b, loc, ok, P::uge, m.rowStride, m.cols);
  ok = andCompare(b, loc, ok, P::uge, c.rowStride, c.cols);
  for (const Matrix *x : {&a, &m, &c})
    ok = andCompare(b, loc, ok, P::ule, x->rowStride, intMax);

  auto ifOp = scf::IfOp::create(b, loc, ok, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    Value order = arith::ConstantIntOp::create(b, loc, kRowMajor, 32);
    Value noTrans = arith::ConstantIntOp::create(b, loc, kNoTrans, 32);
    Value unit = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f));
    Value rowsM = toI32(b, loc, a.rows);
    Value colsN = toI32(b, loc, m.cols);
    Value depthK = toI32(b, loc, a.cols);
    Value lda = toI32(b, loc, a.rowStride);
    Value ldb = toI32(b, loc, m.rowStride);
    Value ldc = toI32(b, loc, c.rowStride);
    func::CallOp::create(b, loc, sgemm,
                         ValueRange{order, noTrans, noTrans, rowsM, colsN,
                                    depthK, unit, a.address, lda, m.address,
                                    ldb, unit, c.address, ldc});
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    fallback(b, loc);
  }
}

template <typename OpTy>
LogicalResult matchF32Buffers(OpTy op, int64_t rank) {
  if (op->hasAttr(kFallbackAttr) || !op.hasPureBufferSemantics() ||
      op.hasUserDefinedMaps())
    return failure();
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || type.getRank() != rank || !type.getElementType().isF32())
      return failure();
  }
  return success();
}

/// The routine for an op the patterns rewrite, or a match failure.
template <typename OpTy>
FailureOr<func::FuncOp> sgemmFor(OpTy op, int64_t rank,
                                 PatternRewriter &rewriter) {
  if (failed(matchF32Buffers(op, rank)))
    return rewriter.notifyMatchFailure(
        op, "not an f32 product of buffers with the default maps");
  func::FuncOp sgemm = lookupSgemm(op);
  if (!sgemm)
    return rewriter.notifyMatchFailure(op, "cblas_sgemm is not declared");
  return sgemm;
}

struct MatmulToBlas : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<func::FuncOp> sgemm = sgemmFor(op, 2, rewriter);
    if (failed(sgemm))
      return failure();
    Location loc = op.getLoc();
    buildGuardedSgemm(rewriter, loc, *sgemm, op.getDpsInputs()[0],
                      op.getDpsInputs()[1], op.getDpsInits()[0],
                      [&](OpBuilder &b, Location) {
                        Operation *kept = b.clone(*op);
                        kept->setAttr(kFallbackAttr, b.getUnitAttr());
                      });
    rewriter.eraseOp(op);
    return success();
  }
};

/// One guarded call per matrix of the batch, on rank-reduced subviews.
struct BatchMatmulToBlas : OpRewritePattern<linalg::BatchMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::BatchMatmulOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<func::FuncOp> sgemm = sgemmFor(op, 3, rewriter);
    if (failed(sgemm))
      return failure();
    Location loc = op.getLoc();
    Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1],
          acc = op.getDpsInits()[0];
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value batch = memref::DimOp::create(rewriter, loc, acc, zero);
    scf::ForOp::create(
        rewriter, loc, zero, batch, one, ValueRange{},
        [&](OpBuilder &b, Location l, Value i, ValueRange) {
          auto matrix = [&](Value buffer) -> Value {
            auto type = cast<MemRefType>(buffer.getType());
            SmallVector<OpFoldResult> offsets{i, b.getIndexAttr(0),
                                              b.getIndexAttr(0)};
            SmallVector<OpFoldResult> sizes{b.getIndexAttr(1)};
            for (int64_t d = 1; d < 3; ++d)
              sizes.push_back(
                  type.isDynamicDim(d)
                      ? OpFoldResult(
                            memref::DimOp::create(b, l, buffer, d).getResult())
                      : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
            SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
            auto reduced = memref::SubViewOp::inferRankReducedResultType(
                {type.getDimSize(1), type.getDimSize(2)}, type, offsets, sizes,
                strides);
            return memref::SubViewOp::create(b, l, reduced, buffer, offsets,
                                             sizes, strides);
          };
          Value a = matrix(lhs);
          Value m = matrix(rhs);
          Value c = matrix(acc);
          buildGuardedSgemm(b, l, *sgemm, a, m, c,
                            [&](OpBuilder &fb, Location fl) {
                              auto kept = linalg::MatmulOp::create(
                                  fb, fl, ValueRange{a, m}, ValueRange{c});
                              kept->setAttr(kFallbackAttr, fb.getUnitAttr());
                            });
          scf::YieldOp::create(b, l);
        });
    rewriter.eraseOp(op);
    return success();
  }
};

struct ConvertLinalgToBlasPass
    : public fff::impl::ConvertLinalgToBlasBase<ConvertLinalgToBlasPass> {
  using Base::Base;

  void runOnOperation() override {
    // The declaration first, and only where a call will use it.
    bool calls = false;
    getOperation()->walk([&](Operation *op) {
      if (auto matmul = dyn_cast<linalg::MatmulOp>(op))
        calls |= succeeded(matchF32Buffers(matmul, 2));
      else if (auto batch = dyn_cast<linalg::BatchMatmulOp>(op))
        calls |= succeeded(matchF32Buffers(batch, 3));
    });
    if (!calls)
      return;
    declareSgemm(getOperation());
    RewritePatternSet patterns(&getContext());
    populateLinalgToBlasPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    // The kept ops need their mark no longer.
    getOperation()->walk([](linalg::LinalgOp op) {
      op->removeAttr(kFallbackAttr);
    });
  }
};

} // namespace

func::FuncOp fff::declareSgemm(ModuleOp module) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(kSgemmName))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  MLIRContext *ctx = module.getContext();
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  auto type = FunctionType::get(
      ctx, {i32, i32, i32, i32, i32, i32, f32, ptr, i32, ptr, i32, f32, ptr,
            i32},
      {});
  auto sgemm = func::FuncOp::create(b, module.getLoc(), kSgemmName, type);
  sgemm.setPrivate();
  return sgemm;
}

void fff::populateLinalgToBlasPatterns(RewritePatternSet &patterns,
                                       PatternBenefit benefit) {
  patterns.add<MatmulToBlas, BatchMatmulToBlas>(patterns.getContext(),
                                                benefit);
}
