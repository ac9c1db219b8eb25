//===- BatchDispatch.h - A strategy behind a run-time batch check -*- C++ -*-===//
//
// fff-group-rows and fff-bucket-rows pay for a sort, so below some batch
// they keep the layer as it was: an scf.if on the batch size whose other
// branch holds a clone of the op marked kBatchFallbackAttrName.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_DIALECT_FFF_TRANSFORMS_BATCHDISPATCH_H
#define LIB_DIALECT_FFF_TRANSFORMS_BATCHDISPATCH_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::fff::detail {

/// Replaces the one-result `op` by `build`'s value, behind `batch >=
/// minBatch` when minBatch > 1 (else unconditionally).
void replaceWithBatchDispatch(PatternRewriter &rewriter, Operation *op,
                              Value batch, int64_t minBatch,
                              function_ref<Value(OpBuilder &)> build);

} // namespace mlir::fff::detail

#endif // LIB_DIALECT_FFF_TRANSFORMS_BATCHDISPATCH_H
