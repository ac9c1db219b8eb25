//===- FFFToLinalg.h - fff -> linalg conversion patterns --------*- C++ -*-===//
//
// convert-fff-to-linalg's patterns, one set per op family, for passes and
// pipelines that run them with their own conversion target. They convert
// the unfused ops (fff.route, fff.route_path, fff.cmm) and the batch ops
// (fff.bucket, fff.grouped_matmul) on tensors; whole
// layers are for the strategies of fff/Dialect/FFF/Transforms/Patterns.h.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_CONVERSION_FFFTOLINALG_FFFTOLINALG_H
#define FFF_CONVERSION_FFFTOLINALG_FFFTOLINALG_H

#include "fff/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::fff {

/// fff.route -> linalg.generic and fff.route_path -> scf.forall, each row
/// walking its tree (Routing.cpp). `options.vectorWidth` must be valid.
void populateFFFRoutingToLinalgPatterns(
    RewritePatternSet &patterns, const ConvertFFFToLinalgOptions &options,
    PatternBenefit benefit = 1);

/// fff.cmm -> linalg.generic gathering from the bank (Cmm.cpp).
void populateFFFCmmToLinalgPatterns(RewritePatternSet &patterns,
                                    PatternBenefit benefit = 1);

/// fff.bucket -> a counting sort in scf loops (Bucket.cpp).
void populateFFFBucketToLoopsPatterns(RewritePatternSet &patterns,
                                      PatternBenefit benefit = 1);

/// fff.grouped_matmul -> register-blocked vector loops, `options.rowBlock`
/// rows per micro-kernel (GroupedMatmul.cpp).
void populateFFFGroupedMatmulToLoopsPatterns(
    RewritePatternSet &patterns, const ConvertFFFToLinalgOptions &options,
    PatternBenefit benefit = 1);

/// All of the above: everything convert-fff-to-linalg converts.
void populateFFFToLinalgConversionPatterns(
    RewritePatternSet &patterns, const ConvertFFFToLinalgOptions &options,
    PatternBenefit benefit = 1);

} // namespace mlir::fff

#endif // FFF_CONVERSION_FFFTOLINALG_FFFTOLINALG_H
