//===- LinalgToBlas.h - linalg matmuls -> cblas_sgemm calls ----*- C++ -*-===//
//
// convert-linalg-to-blas's patterns (see Passes.td), for pipelines that run
// them with their own driver.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_CONVERSION_LINALGTOBLAS_LINALGTOBLAS_H
#define FFF_CONVERSION_LINALGTOBLAS_LINALGTOBLAS_H

#include "fff/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::fff {

/// The name of the BLAS routine the calls go to.
inline constexpr llvm::StringLiteral kSgemmName = "cblas_sgemm";

/// f32 linalg.matmul / linalg.batch_matmul on buffers -> a guarded call of
/// cblas_sgemm, the op kept for shapes and strides BLAS cannot take. The
/// module must already declare the routine (declareSgemm).
void populateLinalgToBlasPatterns(RewritePatternSet &patterns,
                                  PatternBenefit benefit = 1);

/// Declares `cblas_sgemm` in `module` unless it is there; returns it.
func::FuncOp declareSgemm(ModuleOp module);

} // namespace mlir::fff

#endif // FFF_CONVERSION_LINALGTOBLAS_LINALGTOBLAS_H
