//===- RowLoop.cpp - Parallel loops over a batch --------------------------===//

#include "fff/Dialect/FFF/Utils/RowLoop.h"

#include "fff/Dialect/FFF/Utils/Builders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::fff;

RowSlice fff::rowRange(OpBuilder &b, Location loc, Value tensor,
                       OpFoldResult first, OpFoldResult count) {
  auto type = cast<RankedTensorType>(tensor.getType());
  RowSlice slice;
  slice.offsets.assign(type.getRank(), b.getIndexAttr(0));
  slice.offsets[0] = first;
  slice.strides.assign(type.getRank(), b.getIndexAttr(1));
  slice.sizes.push_back(count);
  for (int64_t d = 1; d < type.getRank(); ++d)
    slice.sizes.push_back(
        type.isDynamicDim(d)
            ? OpFoldResult(dimValue(b, loc, tensor, d))
            : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
  return slice;
}

RowSlice fff::extractRows(OpBuilder &b, Location loc, Value tensor,
                          OpFoldResult first, OpFoldResult count) {
  RowSlice slice = rowRange(b, loc, tensor, first, count);
  slice.value = extractSlice(b, loc, tensor, slice.offsets, slice.sizes,
                             slice.strides);
  return slice;
}

SmallVector<Value> fff::buildRowLoop(OpBuilder &b, Location loc,
                                     ValueRange inits, int64_t rowBlock,
                                     RowBodyBuilder body) {
  Value batch = dimValue(b, loc, inits.front(), 0);
  Value block = arith::ConstantIndexOp::create(b, loc, rowBlock);
  Value numBlocks = arith::CeilDivUIOp::create(b, loc, batch, block);
  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{numBlocks},
                                      inits, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value first = arith::MulIOp::create(b, loc, forall.getInductionVar(0), block);

  SmallVector<RowSlice> blocks;
  SmallVector<Value> results;
  if (rowBlock == 1) {
    for (Value shared : forall.getRegionIterArgs())
      blocks.push_back(extractRows(b, loc, shared, first, b.getIndexAttr(1)));
    results =
        body(b, loc, first,
             llvm::map_to_vector(blocks, [](RowSlice &s) { return s.value; }));
  } else {
    // Blocks of up to rowBlock rows (fewer in the last one), then one row at
    // a time. The body works on a one-row slice of each block, inserted back
    // afterwards: threading the whole block through the body's chain of loops
    // instead makes one-shot bufferization's buffer-type queries through
    // nested scf.for iter_args exponential in the chain length.
    Value rows = arith::MinUIOp::create(
        b, loc, block, arith::SubIOp::create(b, loc, batch, first));
    for (Value shared : forall.getRegionIterArgs())
      blocks.push_back(extractRows(b, loc, shared, first, rows));
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto loop = scf::ForOp::create(
        b, loc, zero, rows, one,
        llvm::map_to_vector(blocks, [](RowSlice &s) { return s.value; }),
        [&](OpBuilder &nb, Location nl, Value local, ValueRange args) {
          Value row = arith::AddIOp::create(nb, nl, first, local);
          SmallVector<RowSlice> rowSlices;
          for (Value blockValue : args)
            rowSlices.push_back(
                extractRows(nb, nl, blockValue, local, nb.getIndexAttr(1)));
          SmallVector<Value> rowResults =
              body(nb, nl, row, llvm::map_to_vector(rowSlices, [](RowSlice &s) {
                     return s.value;
                   }));
          SmallVector<Value> updated;
          for (auto [result, slice, blockValue] :
               llvm::zip_equal(rowResults, rowSlices, args))
            updated.push_back(tensor::InsertSliceOp::create(
                nb, nl, result, blockValue, slice.offsets, slice.sizes,
                slice.strides));
          scf::YieldOp::create(nb, nl, updated);
        });
    results = SmallVector<Value>(loop.getResults());
  }

  b.setInsertionPointToStart(forall.getTerminator().getBody());
  for (auto [result, slice, shared] :
       llvm::zip_equal(results, blocks, forall.getRegionIterArgs()))
    tensor::ParallelInsertSliceOp::create(b, loc, result, shared, slice.offsets,
                                          slice.sizes, slice.strides);
  return SmallVector<Value>(forall.getResults());
}

Value fff::buildTileLoop(OpBuilder &b, Location loc, Value init,
                         int64_t tileRows, TileBodyBuilder body) {
  Value batch = dimValue(b, loc, init, 0);
  Value tile = arith::ConstantIndexOp::create(b, loc, tileRows);
  Value tiles = arith::CeilDivUIOp::create(b, loc, batch, tile);
  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{tiles},
                                      ValueRange{init}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value first = arith::MulIOp::create(b, loc, forall.getInductionVar(0), tile);
  Value rest = arith::SubIOp::create(b, loc, batch, first);
  Value count = arith::MinUIOp::create(b, loc, tile, rest);
  Value result = body(b, loc, first, count);
  Value shared = forall.getRegionIterArgs()[0];
  RowSlice slice = rowRange(b, loc, shared, first, count);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, result, shared, slice.offsets,
                                        slice.sizes, slice.strides);
  return forall.getResult(0);
}

Value fff::buildInterleavedRowLoop(OpBuilder &b, Location loc, Value init,
                                   int64_t interleave,
                                   InterleavedBodyBuilder group,
                                   RowBodyBuilder single) {
  Value batch = dimValue(b, loc, init, 0);
  Value size = arith::ConstantIndexOp::create(b, loc, interleave);
  Value groups = arith::DivUIOp::create(b, loc, batch, size);
  Value grouped = arith::MulIOp::create(b, loc, groups, size);
  // Whole groups: a group's block of rows is one slice of the output (one
  // parallel_insert_slice: the forall folds of upstream keep only one insert
  // per shared output), threaded through the body as a whole. One-row
  // slices of the block, all extracted before the first is inserted back,
  // would make one-shot bufferization copy every row but the first.
  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{groups},
                                      ValueRange{init}, std::nullopt);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forall.getTerminator());
    Value first =
        arith::MulIOp::create(b, loc, forall.getInductionVar(0), size);
    Value shared = forall.getRegionIterArgs()[0];
    RowSlice block =
        extractRows(b, loc, shared, first, b.getIndexAttr(interleave));
    SmallVector<Value> rows;
    for (int64_t i = 0; i < interleave; ++i) {
      Value offset = arith::ConstantIndexOp::create(b, loc, i);
      rows.push_back(arith::AddIOp::create(b, loc, first, offset));
    }
    Value updated = group(b, loc, rows, block.value);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(
        b, loc, updated, shared, block.offsets, block.sizes, block.strides);
  }
  // The rows after the last whole group, one at a time.
  Value rest = arith::SubIOp::create(b, loc, batch, grouped);
  auto tail =
      scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{rest},
                            ValueRange{forall.getResult(0)}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(tail.getTerminator());
  Value row = arith::AddIOp::create(b, loc, grouped, tail.getInductionVar(0));
  Value shared = tail.getRegionIterArgs()[0];
  RowSlice slice = extractRows(b, loc, shared, row, b.getIndexAttr(1));
  Value result = single(b, loc, row, ValueRange{slice.value})[0];
  b.setInsertionPointToStart(tail.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, result, shared, slice.offsets,
                                        slice.sizes, slice.strides);
  return tail.getResult(0);
}
