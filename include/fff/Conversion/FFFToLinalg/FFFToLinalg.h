//===- FFFToLinalg.h - fff -> linalg conversion patterns --------*- C++ -*-===//
//
// convert-fff-to-linalg's patterns, one set per op family, for passes and
// pipelines that run them with their own conversion target. They convert
// the unfused ops (fff.route, fff.route_path, fff.cmm) on tensors; whole
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

/// Both of the above: everything convert-fff-to-linalg converts.
void populateFFFToLinalgConversionPatterns(
    RewritePatternSet &patterns, const ConvertFFFToLinalgOptions &options,
    PatternBenefit benefit = 1);

} // namespace mlir::fff

#endif // FFF_CONVERSION_FFFTOLINALG_FFFTOLINALG_H
