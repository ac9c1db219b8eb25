//===- RowLoop.h - Parallel loops over a batch ------------------*- C++ -*-===//
//
// scf.forall loops over the rows of a batch (in blocks, or interleaved
// groups) whose bodies see one-row slices, and the row slices themselves.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_UTILS_ROWLOOP_H
#define FFF_DIALECT_FFF_UTILS_ROWLOOP_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

namespace mlir::fff {

/// Rows [first, first + count) and every column of a tensor: the offsets,
/// sizes and strides of that slice, and (from extractRows) its value.
struct RowSlice {
  Value value;
  SmallVector<OpFoldResult> offsets, sizes, strides;
};

/// Where rows [first, first + count) of `tensor` are; creates no slice op
/// (`value` stays null), for inserting rows built elsewhere.
RowSlice rowRange(OpBuilder &b, Location loc, Value tensor, OpFoldResult first,
                  OpFoldResult count);

/// Rows [first, first + count) of `tensor` as a `tensor.extract_slice`.
RowSlice extractRows(OpBuilder &b, Location loc, Value tensor,
                     OpFoldResult first, OpFoldResult count);

/// Body of a row loop: for global row `row`, gets a one-row slice (row 0)
/// of each of the loop's outputs and returns the updated slices.
using RowBodyBuilder = function_ref<SmallVector<Value>(
    OpBuilder &, Location, Value row, ValueRange rowSlices)>;

/// An `scf.forall` over blocks of `rowBlock` rows of `inits` (each B x ...,
/// B = dim 0 of the first), running `body` for every row of a block (in an
/// `scf.for` when rowBlock > 1); returns the final values of `inits`.
SmallVector<Value> buildRowLoop(OpBuilder &b, Location loc, ValueRange inits,
                                int64_t rowBlock, RowBodyBuilder body);

/// Body of a tile loop: gets the first row and the row count of a tile and
/// returns that tile's rows of the result (count x ...).
using TileBodyBuilder = function_ref<Value(OpBuilder &, Location, Value first,
                                           Value count)>;
/// An `scf.forall` over tiles of `tileRows` rows of `init` (B x ...; the last
/// tile may be shorter) whose body builds each tile's result rows from
/// scratch; returns `init` with every tile's rows inserted. The tiles are
/// independent, so OpenMP runs them on different threads.
Value buildTileLoop(OpBuilder &b, Location loc, Value init, int64_t tileRows,
                    TileBodyBuilder body);
/// Body of an interleaved row loop: gets the global rows of a group and the
/// group's block of `init` (row i of the block is rows[i]), returns the
/// updated block. The body threads the one block through its writes, row
/// after row: per-row slices of it, inserted back, would each be copied.
using InterleavedBodyBuilder =
    function_ref<Value(OpBuilder &, Location, ValueRange rows, Value block)>;

/// A row loop over `init` (B x ...) that hands `interleave` rows at a time to
/// `group` (an `scf.forall` over the B / interleave whole groups), and the
/// B mod interleave rows left to `single` (buildRowLoop's body, one row per
/// iteration). Returns the final value of `init`.
Value buildInterleavedRowLoop(OpBuilder &b, Location loc, Value init,
                              int64_t interleave, InterleavedBodyBuilder group,
                              RowBodyBuilder single);

} // namespace mlir::fff

#endif // FFF_DIALECT_FFF_UTILS_ROWLOOP_H
