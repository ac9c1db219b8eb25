//===- RowLoops.h - Row-wise linalg ops -> vector row loops -----*- C++ -*-===//
//
// The patterns of convert-softmax-to-loops and convert-row-reductions-to-loops
// (see Passes.td), for pipelines that run them with their own driver. Both
// make an scf.forall over the rows of an op on buffers and run each row in
// vectors of W lanes, one masked vector for the tail.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_CONVERSION_ROWLOOPS_ROWLOOPS_H
#define FFF_CONVERSION_ROWLOOPS_ROWLOOPS_H

#include "fff/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::fff {

/// linalg.softmax on float buffers -> an scf.forall over its rows, each row
/// in vectors of `vectorWidth` lanes where it has unit stride (0 or 1:
/// scalar code only).
void populateSoftmaxToLoopsPatterns(RewritePatternSet &patterns,
                                    int64_t vectorWidth,
                                    PatternBenefit benefit = 1);

/// linalg.generic ops on buffers that reduce their innermost loop along
/// unit-stride rows -> an scf.forall over the rows, each reduced in vectors
/// of `vectorWidth` lanes (at least 2).
void populateRowReductionsToLoopsPatterns(RewritePatternSet &patterns,
                                          int64_t vectorWidth,
                                          PatternBenefit benefit = 1);

} // namespace mlir::fff

#endif // FFF_CONVERSION_ROWLOOPS_ROWLOOPS_H
