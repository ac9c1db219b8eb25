//===- Passes.td - Transformations of the fff dialect -----*- tablegen -*-===//
//
// Passes that stay at the tensor level and rewrite fff ops: expansion of the
// whole-layer ops into routing + conditional matmul, and fusion of routing
// with the leaf (or path-neuron) computation into one loop nest per row.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_TRANSFORMS_PASSES_TD
#define FFF_DIALECT_FFF_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FFFExpandLayers : Pass<"fff-expand-layers"> {
  let summary = "Expand whole FFF layers into routing, conditional matmul "
                "and elementwise ops";
  let description = [{
    Rewrites every `fff.leaf_mlp` and `fff.path_neuron` into the unfused
    building blocks of the dialect, so that each step is a separate op with
    its own result tensor:

    * `fff.leaf_mlp` becomes `fff.route` (one leaf index per row),
      `fff.cmm` with the first-layer bank and bias, a `linalg.generic`
      applying the activation, and `fff.cmm` with the second-layer bank and
      bias. With a master leaf, a dense `linalg.matmul` MLP runs beside it and
      a `linalg.generic` blends both with `sigmoid(k)`.
    * `fff.path_neuron` becomes `fff.route_path` (visited nodes and their
      logits), a `linalg.generic` applying the activation to the logits and a
      multi-index `fff.cmm` whose `K = 1` blocks are the nodes' output rows.

    The index tensors between routing and `fff.cmm` hold `index-bitwidth`-bit
    integers. Ops of other dialects are left alone; the pass is a no-op on IR
    without whole-layer ops.
  }];
  let dependentDialects = ["arith::ArithDialect", "linalg::LinalgDialect",
                           "math::MathDialect", "tensor::TensorDialect"];
  let options = [
    Option<"indexBitwidth", "index-bitwidth", "unsigned", /*default=*/"32",
           "Bit width of the index tensors routing produces (8 to 64)">
  ];
}

def FFFFuseRouting : Pass<"fff-fuse-routing"> {
  let summary = "Fuse tree routing with the leaf or path-neuron computation";
  let description = [{
    Lowers every `fff.leaf_mlp` and `fff.path_neuron` to one loop nest over
    rows: an `scf.forall` over blocks of `row-block` rows whose body, for each
    row, walks the tree (one dot product per level) and immediately runs the
    selected leaf MLP (or accumulates every visited neuron's output row). The
    leaf or node index is an SSA value in registers: no index tensor is
    materialized between routing and the computation it selects, and the
    output row is built in place.

    With `vector-width = V > 0` the dot products and the row updates are
    emitted as `vector` ops on `V` lanes (`vector.transfer_read`, `vector.fma`,
    and a dot product's lanes summed as a tree of halves), with a scalar loop
    for the remaining `width mod V` elements; `V = 0` emits scalar loops only.

    The unfused alternative is `fff-expand-layers` followed by
    `convert-fff-to-linalg`; both stay available so their cost can be
    compared.
  }];
  let dependentDialects = ["arith::ArithDialect", "math::MathDialect",
                           "scf::SCFDialect", "tensor::TensorDialect",
                           "vector::VectorDialect"];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"0",
           "Vector lanes for dot products and row updates (0 = scalar)">,
    Option<"interleave", "interleave", "int64_t", /*default=*/"1",
           "Rows that walk their trees together, their dot products "
           "interleaved so that one row's chain of dependent levels does not "
           "stall the core (1-16; the rows left over run one at a time; 0 = "
           "chosen per layer: 4 for inputs at least 256 wide, else 1)">,
    Option<"rowBlock", "row-block", "int64_t", /*default=*/"1",
           "Rows handled by one iteration of the parallel row loop">,
    Option<"walkStep", "walk-step", "int64_t", /*default=*/"1",
           "Path neurons: tree levels per step of a row's walk (1 or 2; 2 "
           "takes a node's and both children's logits in one pass over the "
           "row, so the child's waits on the node's decision only)">
  ];
}

def FFFGroupRows : Pass<"fff-group-rows"> {
  let summary = "Group a batch's rows by leaf or subtree, so that each "
                "group's weights are read from memory once per group";
  let description = [{
    At large batches many rows share a leaf or a subtree, but a row-by-row
    walk reads every row's weights afresh, mostly from the last-level cache.
    This pass routes first, sorts the rows into groups, and computes each
    group's rows one after another (or together), so the group's weights
    stay in the nearer caches.

    `fff.leaf_mlp`, in three steps; the conditional matmul becomes one small
    dense matmul per leaf:

    1. `fff.route` gives each row its leaf (a tensor of `index`);
    2. a counting sort groups the rows by leaf: the offsets of each leaf's
       group (a table of `2^depth + 1` entries) and the rows in leaf order;
    3. for each leaf, its rows go through the leaf MLP `rows` at a time:
       each load of the leaf's `w1` serves all of them, and the leaf's `w1`,
       `b1`, `w2` and `b2` are read from memory once per group instead of
       once per row. The master leaf, if any, then runs over all rows the
       same way, `rows` at a time.

    `fff.path_neuron`, tree by tree, with each tree cut at level `k`
    (`split-level`; by default half its `depth + 1` levels):

    1. every row walks the top `k` levels, keeping each level's `act(z)`
       and the root of the subtree it continues in;
    2. a counting sort groups the rows by subtree (`2^k` groups);
    3. in that order, each row walks its subtree, keeping each level's
       `act(z)` and the node below its last;
    4. in the same order (an `scf.forall`), each row writes its output row
       once, for all `depth + 1` nodes of its path: the ancestors of the
       node below its last.

    Both walks take `rows` rows at a time (an `scf.forall` over groups of
    consecutive rows, or positions of the order, then one over those left
    over), their dot products interleaved: the rows of a group are
    independent chains of decisions, so one row's cache misses and
    latencies overlap another's instead of following them, and in the top
    levels, where the rows of a group often stand at the same node, each
    load of that node's weights serves all of them.

    The top `2^k - 1` nodes are shared by every row, and the rows of one
    subtree come one after another, so both halves of every path read
    weights that the rows just before have brought into L1/L2. A path's
    nodes still differ below the cut, so the rows of a subtree are not
    computed together: this removes most cache misses, not loads.

    Each output row is written once per tree. With several trees, every
    tree reads and updates every output row, so the batch is grouped in
    tiles of `tile-rows` rows (all trees over one tile, then the next), so
    that a tile's inputs and outputs stay in cache from one tree to the
    next; a single tree groups the whole batch at once. When `min-batch` is
    above 1,
    the grouped code runs only for batches of at least `min-batch` rows and
    the layer is kept as it was for smaller ones (an `scf.if` on the batch
    size; the other lowerings then handle that branch), since sorting does
    not pay when few rows share a group. Layers whose rows have no columns,
    leaf-MLP layers deeper than `max-depth` (the group table has
    `2^depth + 1` entries), and path-neuron trees of depth 0 are left alone.
  }];
  let dependentDialects = ["arith::ArithDialect",
                           "bufferization::BufferizationDialect",
                           "linalg::LinalgDialect", "math::MathDialect",
                           "scf::SCFDialect", "tensor::TensorDialect",
                           "vector::VectorDialect"];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"0",
           "Vector lanes for dot products, hidden units and row updates "
           "(0 = scalar)">,
    Option<"rows", "rows", "int64_t", /*default=*/"4",
           "Rows computed together (1-16): a leaf's rows, sharing each load "
           "of its weights; path neurons' walks, interleaved">,
    Option<"walkStep", "walk-step", "int64_t", /*default=*/"1",
           "Path neurons: tree levels per step of a row's walk (1 or 2; 2 "
           "takes a node's and both children's logits in one pass over the "
           "row, so the child's waits on the node's decision only)">,
    Option<"splitLevel", "split-level", "int64_t", /*default=*/"0",
           "Levels of a path-neuron tree walked before the rows are grouped "
           "by subtree (0 = half the levels)">,
    Option<"tileRows", "tile-rows", "int64_t", /*default=*/"1024",
           "Path neurons with several trees: rows grouped a tile of this "
           "many at a time, so that the tile's output rows stay in cache "
           "from one tree to the next (0 = the whole batch)">,
    Option<"minBatch", "min-batch", "int64_t", /*default=*/"0",
           "Group only batches of at least this many rows, keeping the "
           "layer for smaller ones (0 or 1 = always group)">,
    Option<"maxDepth", "max-depth", "int64_t", /*default=*/"20",
           "Deepest leaf-MLP layer grouped (its group table has 2^depth + 1 "
           "entries)">
  ];
}

def FFFBucketRows : Pass<"fff-bucket-rows"> {
  let summary = "Walk the trees level by level over tiles of rows, rows at "
                "the same node computed together (fff.bucket, "
                "fff.grouped_matmul)";
  let description = [{
    Makes the batch the unit of work with the two batch ops, so that the IR
    shows where rows are bucketed and which grouped products run; rows that
    stand at the same node share every load of its weights once
    `convert-fff-to-linalg` lowers the products to register-blocked loops.

    `fff.path_neuron`, for each tile of `tile-rows` rows (the iterations of
    an `scf.forall`: the tiles are independent, so OpenMP runs them on
    different threads) and each tree, one level at a time (unrolled,
    `depth + 1` levels):

    1. `fff.bucket` sorts the tile's rows by the node they stand at (the
       `2^l` nodes of level `l`);
    2. `fff.grouped_matmul` gives every row its node's logit: one segment per
       node, its weight row (`node_weights` sliced to the level, `2^l x D x
       1`) loaded once per block of rows;
    3. a `linalg.generic` adds the bias, keeps `act(z)` and each row's node,
       and takes the decision.

    The output is deferred until the walk is done: a row's path is then
    known, and its output row is one product, `act(z)` of its `depth + 1`
    nodes times those nodes' output rows, gathered (`gather`). When the
    tree has at most `tile-rows` leaves, the rows are bucketed by leaf, and
    rows that share a leaf share its whole path: one small matmul per
    bucket, (rows x path nodes) . (path nodes x D_out). Deeper trees, whose
    leaves are mostly reached by one row of a tile, take one segment per
    row, without the leaf table.

    `fff.leaf_mlp`, over the whole batch: `fff.route` gives each row its
    leaf, `fff.bucket` sorts them by leaf, and each layer of the leaf MLP is
    one `fff.grouped_matmul` over the leaf segments (`w1 : E x D x L`, then
    `w2 : E x L x O`), with the biases, activation and the master gate in
    `linalg.generic`s between; the master leaf is the same product with one
    segment of every row, a dense matmul over the batch.

    With `min-batch` above 1 the bucketed code runs only for batches of that
    many rows, behind an `scf.if` whose other branch keeps the layer (a
    clone marked `fff.batch_fallback`, left to the other strategies). Layers
    whose rows have no columns, and leaf-MLP layers deeper than
    `max-depth`, are left alone.
  }];
  let dependentDialects = ["arith::ArithDialect", "linalg::LinalgDialect",
                           "math::MathDialect", "scf::SCFDialect",
                           "tensor::TensorDialect"];
  let options = [
    Option<"tileRows", "tile-rows", "int64_t", /*default=*/"0",
           "Path neurons: rows walked together, level by level (0 = as many "
           "as keep the tile's inputs within 512 KiB, 16-4096)">,
    Option<"minBatch", "min-batch", "int64_t", /*default=*/"0",
           "Bucket only batches of at least this many rows, keeping the "
           "layer for smaller ones (0 or 1 = always)">,
    Option<"maxDepth", "max-depth", "int64_t", /*default=*/"20",
           "Deepest leaf-MLP layer bucketed (its table has 2^depth + 1 "
           "entries)">
  ];
}

def FFFInsertShapeChecks : Pass<"fff-insert-shape-checks"> {
  let summary = "Check at run time the shape rules that dynamic sizes hide";
  let description = [{
    The verifier checks every shape rule of the fff ops (node counts from
    the depth, matching widths and batch sizes) whose sizes are static. A
    dynamic size defers the rule to run time, where a mismatch would make
    the lowered code read outside its operands. This pass inserts, before
    each fff op, one `cf.assert` per deferred rule: `tensor.dim` of the
    operand compared with the expected constant or with the other operand's
    dimension. The assertion message names the op, the operands, the
    dimensions and the rule, as the verifier's diagnostic would:

    ```
    fff.leaf_mlp: 'w2' dimension 2 must equal dimension 1 of 'init' (output width)
    ```

    Fully static ops get no check, so the usual case (weights as constants
    or statically typed arguments, only the batch dynamic and taken from the
    input) costs nothing after canonicalization folds `dim(init) == dim(x)`.
  }];
  let dependentDialects = ["arith::ArithDialect", "cf::ControlFlowDialect",
                           "tensor::TensorDialect"];
}

def FFFWeightsToArguments : Pass<"fff-weights-to-arguments", "ModuleOp"> {
  let summary = "Turn the constant weights of fff ops into function arguments";
  let description = [{
    Makes a compiled model take its weights at run time instead of baking
    them into the binary. In every public function with a body, each weight
    operand of an fff op (node weights and biases, leaf and master-leaf
    banks, output weights, `fff.cmm` banks and biases) that is an
    `arith.constant` becomes a new argument appended to the function, in op
    order then operand order. Each operand gets its own argument, even where
    canonicalization merged equal constants (two zero biases): a checkpoint
    passed at run time may give them different values. A weight constant
    that a non-weight operand also uses is an error, since that use would
    keep the baked-in value.

    Each new argument gets an `fff.name` attribute naming the operand
    (`node_weights`, `w1`, ...; prefixed with `l<k>_` when the function has
    several layers), which `fff-compile` uses for the C parameter names.

    A function that is called inside the module keeps its signature: its
    callers would not pass the new arguments, so this is an error.
  }];
}

def FFFExpandStridedCopies : Pass<"fff-expand-strided-copies"> {
  let summary = "Turn memref.copy between non-contiguous buffers into "
                "linalg.copy";
  let description = [{
    `convert-memref-to-llvm` lowers a `memref.copy` whose operands are not
    both contiguous (a strided view, e.g. a slice a function returns) to a
    call of `memrefCopy`, which lives in MLIR's runner-utils library. A
    library built by `fff-compile` must not depend on it, so such copies
    become `linalg.copy` here and `convert-linalg-to-loops` makes them
    loops. Copies between identity-layout buffers stay `memref.copy` (they
    lower to `llvm.memcpy`).
  }];
  let dependentDialects = ["linalg::LinalgDialect"];
}

def FFFApproximateVectorMath : Pass<"fff-approximate-vector-math"> {
  let summary = "Replace math ops on vectors by upstream's polynomial "
                "approximations";
  let description = [{
    On the host, `convert-math-to-libm` turns a math op on a
    `vector<Wxf32>` into W scalar libm calls. This pass rewrites the f32
    vector ops named in `ops` into math's polynomial approximations
    (`populateMathPolynomialApproximationPatterns`), which stay in vector
    registers, and then every vector `math.fma`, `floor`, `absf`,
    `copysign` and `sqrt` (the polynomials are built of the first two)
    into its LLVM intrinsic, one instruction where the target has it.
    Scalar ops keep libm, which rounds correctly.

    The default is `exp`, which `convert-softmax-to-loops` emits: Cephes'
    polynomial after a reduction to `(-ln 2 / 2, ln 2 / 2)`, with a relative
    error below 2^-22.5 (about 2 ulp); inputs below about -87.3 give 0
    (results under 2^-126 flush to zero), NaN stays NaN. An op name that is
    not a math op is an error. `fff-cpu-pipeline` asks for `exp` and `erf`
    (GELU's, which path neurons compute on a vector of a path's logits and
    leaves on their hidden units): the `erf` polynomial is within 2.98e-7
    of libm's `erff` on [-6, 6] (test/Integration/CPU/erf-approximation.mlir).
  }];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "Math ops to approximate where they act on vectors, by name "
               "without the 'math.' prefix (default: exp)">,
  ];
  let dependentDialects = ["arith::ArithDialect", "LLVM::LLVMDialect",
                           "math::MathDialect", "vector::VectorDialect"];
}

def FFFDecomposeAggregates : Pass<"fff-decompose-aggregates"> {
  let summary = "Decompose linalg ops that are aggregates of simpler ones "
                "(linalg.softmax) into those ops";
  let description = [{
    Upstream lowers no `linalg.softmax` to loops: the op implements
    `AggregatedOpInterface`, whose `decomposeOperation` rewrites it into a
    max reduction, a subtract-and-exp, a sum reduction and a division
    (`linalg.generic`s and `linalg.fill`s on tensors). This pass applies it
    to every op on tensors that implements the interface, so that a model's
    attention compiles through the same loop lowering as the rest; the CPU
    pipeline runs it before bufferization. Ops on buffers are left alone.
  }];
  let dependentDialects = ["arith::ArithDialect", "linalg::LinalgDialect",
                           "math::MathDialect", "tensor::TensorDialect"];
}

def FFFExpandDynamicReshapes : Pass<"fff-expand-dynamic-reshapes"> {
  let summary = "Turn memref.expand_shape of contiguous buffers into "
                "memref.reinterpret_cast";
  let description = [{
    MLIR 22's `expand-strided-metadata` crashes (in
    `ReinterpretCastOp::build`) on a `memref.expand_shape` whose output
    sizes are dynamic, e.g. rows `B*S` split back into `B x S`. For an
    expansion of a buffer with the identity layout into one with the
    identity layout, this pass writes the same view as a
    `memref.reinterpret_cast` (offset 0, the output sizes, row-major
    strides computed from them), which `expand-strided-metadata` handles;
    the CPU pipeline runs it just before. Other expansions are left alone.
  }];
  let dependentDialects = ["arith::ArithDialect", "memref::MemRefDialect"];
}

def FFFOrderConstantGlobals : Pass<"fff-order-constant-globals", "ModuleOp"> {
  let summary = "Name and place the globals of bufferized constants in the "
                "order of their first use";
  let description = [{
    MLIR 22's `one-shot-bufferize` with `bufferize-function-boundaries`
    visits functions in an order that depends on pointer values, so the
    `memref.global`s it makes for tensor constants (`__constant_<type>`,
    `_0`, `_1`, ... when types repeat) come out in an order, and with
    suffixes, that vary from run to run. This pass renames every such global
    in the order of its first `memref.get_global` in the module and moves
    them, in that order, to the top of the module, so the pipelines give the
    same output on every run and whichever compiler built them. Other
    globals are left alone.
  }];
}

#endif // FFF_DIALECT_FFF_TRANSFORMS_PASSES_TD
