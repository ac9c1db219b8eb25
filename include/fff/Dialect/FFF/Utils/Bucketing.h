//===- Bucketing.h - The counting sort of fff.bucket ------------*- C++ -*-===//
//
// Shared by fff.bucket's lowering and fff-group-rows, which sorts inline.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_UTILS_BUCKETING_H
#define FFF_DIALECT_FFF_UTILS_BUCKETING_H

#include "mlir/IR/Builders.h"

namespace mlir::fff {

/// A stable counting sort of the rows of `keys` (1-D, integer or index) by
/// `keys[r] - keyBase` into `numBuckets` buckets, with fff.bucket's
/// semantics: the permutation (dynamic size; rows whose key is outside
/// every bucket last) and the offsets (numBuckets + 1 entries).
std::pair<Value, Value> buildBucketSort(OpBuilder &b, Location loc, Value keys,
                                        int64_t numBuckets,
                                        int64_t keyBase = 0);

} // namespace mlir::fff

#endif // FFF_DIALECT_FFF_UTILS_BUCKETING_H
