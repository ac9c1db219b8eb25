//===- Bucketing.cpp - The counting sort of fff.bucket --------------------===//
//
// Three sequential loops over tensors: count each key, prefix-sum the counts
// into bucket starts, then place each row at its bucket's cursor. The table
// has one slot more than the offsets: rows whose key is outside every bucket
// are counted there and placed last.
//
//===----------------------------------------------------------------------===//

#include "fff/Dialect/FFF/Utils/Bucketing.h"

#include "fff/Dialect/FFF/Utils/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::fff;

std::pair<Value, Value> fff::buildBucketSort(OpBuilder &b, Location loc,
                                             Value keys, int64_t numBuckets,
                                             int64_t keyBase) {
  Type indexType = b.getIndexType();
  Value zero = constantIndex(b, loc, 0), one = constantIndex(b, loc, 1);
  Value buckets = constantIndex(b, loc, numBuckets);
  Value batch = dimValue(b, loc, keys, 0);
  // Row r's slot: its key, or `buckets` for a key outside [0, buckets)
  // (signed integers are sign-extended, so a negative key is huge unsigned).
  auto slotOf = [&](OpBuilder &nb, Location nl, Value r) -> Value {
    Value key = castIndex(nb, nl, extract(nb, nl, keys, {r}), indexType);
    if (keyBase != 0)
      key = arith::SubIOp::create(nb, nl, key, constantIndex(nb, nl, keyBase));
    Value inside = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult,
                                         key, buckets);
    return arith::SelectOp::create(nb, nl, inside, key, buckets);
  };
  // table[s + 1] counts slot s's rows; after the prefix sum table[s] is where
  // slot s starts (table[buckets] = the rows inside some bucket).
  Value empty = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{numBuckets + 2}, indexType);
  Value table = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  table = buildLoop(b, loc, zero, batch, one, table,
                    [&](OpBuilder &nb, Location nl, Value r, Value cur) {
                      Value next = arith::AddIOp::create(
                          nb, nl, slotOf(nb, nl, r), one);
                      Value count = extract(nb, nl, cur, {next});
                      return insert(nb, nl,
                                    arith::AddIOp::create(nb, nl, count, one),
                                    cur, {next});
                    });
  table = buildLoop(b, loc, zero, buckets, one, table,
                    [&](OpBuilder &nb, Location nl, Value s, Value cur) {
                      Value next = arith::AddIOp::create(nb, nl, s, one);
                      Value before = extract(nb, nl, cur, {s});
                      Value count = extract(nb, nl, cur, {next});
                      return insert(nb, nl,
                                    arith::AddIOp::create(nb, nl, before, count),
                                    cur, {next});
                    });
  // permutation[cursor[slot]++] = r, the cursors starting at the table.
  Value permutation =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{ShapedType::kDynamic},
                              indexType, ValueRange{batch});
  auto place = scf::ForOp::create(
      b, loc, zero, batch, one, ValueRange{table, permutation},
      [&](OpBuilder &nb, Location nl, Value r, ValueRange args) {
        Value slot = slotOf(nb, nl, r);
        Value pos = extract(nb, nl, args[0], {slot});
        Value cursors = insert(nb, nl, arith::AddIOp::create(nb, nl, pos, one),
                               args[0], {slot});
        scf::YieldOp::create(
            nb, nl, ValueRange{cursors, insert(nb, nl, r, args[1], {pos})});
      });
  Value offsets = tensor::ExtractSliceOp::create(
      b, loc, table, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(numBuckets + 1)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  return {place.getResult(1), offsets};
}

