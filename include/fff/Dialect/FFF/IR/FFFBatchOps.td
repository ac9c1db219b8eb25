//===- FFFBatchOps.td - Batched conditional execution ------*- tablegen -*-===//
//
// The two ops that make a batch the unit of work for any routing that picks
// one index per row (a tree's node or leaf, a top-1 expert): fff.bucket sorts
// the row ids by that index, and fff.grouped_matmul runs one product per
// bucket over the rows it holds. Rows are never copied: the permutation says
// where each bucket's rows are (fff-bucket-rows, docs/design.md).
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_IR_FFFBATCHOPS_TD
#define FFF_DIALECT_FFF_IR_FFFBATCHOPS_TD

include "mlir/Interfaces/InferTypeOpInterface.td"

// One table entry per bucket plus one: bounded so that the table fits in
// memory and its size stays a valid tensor dimension.
def FFF_NumBucketsAttr
    : ConfinedAttr<I64Attr, [IntMinValue<1>, IntMaxValue<4294967296>]>;

//===----------------------------------------------------------------------===//
// fff.bucket
//===----------------------------------------------------------------------===//

def FFF_BucketOp : FFF_Op<"bucket", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "rows bucketed by a key: a stable counting sort of row ids";
  let description = [{
    Sorts the row ids `0 .. B-1` by `keys` (one per row) into `num_buckets`
    buckets, stably, and returns where each bucket starts:

    ```
    offsets[g]  = number of rows whose key is in [0, g)
    offsets[G]  = number of rows whose key is in [0, G)    // G = num_buckets
    permutation = the rows with key 0 in order, then key 1, ..., then the
                  rows whose key is outside [0, G) in order
    ```

    Bucket `g`'s rows are `permutation[offsets[g] .. offsets[g+1])`. Integer
    keys are read as signed, so a negative key is outside every bucket; such
    rows follow `offsets[G]` and no consumer of the buckets sees them. The
    data is never moved: consumers read rows through the permutation.

    The results are `permutation : tensor<B x index>` (the shape of `keys`)
    and `offsets : tensor<(G+1) x index>`. A constant `keys` (up to 65536
    rows and buckets) canonicalizes to constant results.

    Example (rows by the leaf they reach in a depth-3 tree):

    ```mlir
    %perm, %offsets = fff.bucket %leaf buckets 8 : tensor<?xi32>
    ```
  }];
  let arguments = (ins
    FFF_IndexTensor<[1]>:$keys,
    FFF_NumBucketsAttr:$num_buckets
  );
  let results = (outs 1DTensorOf<[Index]>:$permutation,
                      1DTensorOf<[Index]>:$offsets);
  let assemblyFormat = [{
    $keys `buckets` $num_buckets attr-dict `:` type($keys)
  }];
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// fff.grouped_matmul
//===----------------------------------------------------------------------===//

def FFF_GroupedMatmulOp : FFF_DpsOp<"grouped_matmul", [
    AttrSizedOperandSegments,
    AllTypesMatch<["init", "result"]>,
    AllElementTypesMatch<["lhs", "rhs", "init"]>]> {
  let summary = "one matmul per segment of rows: a ragged, gathered matmul";
  let description = [{
    For each segment `g` of rows, the rows' `lhs` times segment `g`'s matrix
    `W_g`, added into those rows of `init`, like `torch._grouped_mm` or JAX's
    `ragged_dot`, with the rows read through an optional permutation so that
    nothing is copied to make the segments contiguous:

    ```
    result = init
    P = size of rows (B, the batch, without rows)
    for g in [0, G):                                 // G = size of offsets - 1
      for i in [min(offsets[g], P), min(offsets[g+1], P)):
        r = rows ? rows[i] : i
        if r < B:
          result[r, :] += lhs[r, :] @ W_g            // K x N
    ```

    `W_g` is `rhs[g]` for a `rhs : G x K x N`. With `gather(%rhs_rows)`,
    `rhs : R x N` is a table of rows and `rhs_rows : G x K` picks them:
    `W_g[k, :] = rhs[min(rhs_rows[g, k], R - 1), :]` (the path of a tree's
    leaf through its nodes' output rows, say).

    Segments of no rows cost nothing, a row in several segments gets every
    product, and rows in none keep `init`. Offsets and row ids beyond the
    operands are clamped or skipped as above, so no index reads or writes
    out of bounds. Shapes: `lhs : B x K`, `init : B x N`.

    Example (a leaf-MLP's first layer, rows bucketed by leaf):

    ```mlir
    %h = fff.grouped_matmul ins(%x, %w1 : tensor<?x16xf32>, tensor<8x16x4xf32>)
        segments(%offsets : tensor<9xindex>) rows(%perm : tensor<?xindex>)
        outs(%zeros : tensor<?x4xf32>)
    ```
  }];
  let arguments = (ins
    FFF_FloatTensor<[2]>:$lhs,
    FFF_FloatTensor<[2, 3]>:$rhs,
    1DTensorOf<[Index]>:$offsets,
    // Before the optional operands: type inference reads it by position.
    FFF_FloatTensor<[2]>:$init,
    Optional<1DTensorOf<[Index]>>:$rows,
    Optional<2DTensorOf<[Index]>>:$rhs_rows
  );
  let results = (outs FFF_FloatTensor<[2]>:$result);
  let assemblyFormat = [{
    attr-dict `ins` `(` $lhs `,` $rhs `:` type($lhs) `,` type($rhs) `)`
    `segments` `(` $offsets `:` type($offsets) `)`
    (`rows` `(` $rows^ `:` type($rows) `)`)?
    (`gather` `(` $rhs_rows^ `:` type($rhs_rows) `)`)?
    `outs` `(` $init `:` type($init) `)`
  }];
  let hasFolder = 1;
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// Whether rhs is a table of rows picked by rhs_rows.
    bool isGathered() { return static_cast<bool>(getRhsRows()); }
  }];
}

#endif // FFF_DIALECT_FFF_IR_FFFBATCHOPS_TD
