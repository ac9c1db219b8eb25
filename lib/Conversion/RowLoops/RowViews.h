//===- RowViews.h - Rows of buffers, and their vector tails -----*- C++ -*-===//
//
// What the row-loop lowerings share: rank-1 views of one row of a buffer,
// their strides, and the split of a row into full vectors and a masked tail.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_LIB_CONVERSION_ROWLOOPS_ROWVIEWS_H
#define FFF_LIB_CONVERSION_ROWLOOPS_ROWVIEWS_H

#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir::fff {

/// The rank-1 view of `buffer` along `dim`, of length `size`, at `outer`
/// (the indices of the other dimensions, in order).
Value rowView(OpBuilder &b, Location loc, Value buffer, ValueRange outer,
              int64_t dim, Value size);

/// The stride of a rank-1 view, where its type has it.
std::optional<int64_t> staticStride(Value view);

/// `view` cast to a unit-stride memref type (itself if its type says so).
Value asUnitStride(OpBuilder &b, Location loc, Value view);

/// A row of `size` elements in vectors of `width` lanes: `full` elements in
/// whole vectors, then `mask` (vector<width x i1>) over the tail at `full`;
/// all lanes off when `width` divides `size`.
struct VectorTail {
  Value full, mask;
};
VectorTail splitRow(OpBuilder &b, Location loc, Value size, int64_t width);

/// `body` once per row, given the indices of the other dimensions (of sizes
/// `sizes`): in an scf.forall, or inline when there are no other dimensions.
void buildRowLoop(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  function_ref<void(OpBuilder &, Location, ValueRange)> body);

/// The passes' check of their vector-width option: an error on `op` naming
/// `pass` unless it is 0-64.
LogicalResult checkVectorWidth(Operation *op, StringRef pass, int64_t width);

} // namespace mlir::fff

#endif // FFF_LIB_CONVERSION_ROWLOOPS_ROWVIEWS_H
