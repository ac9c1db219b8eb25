//===- FFFOps.td - Operations of the fff dialect -----------*- tablegen -*-===//
//
// Three levels: whole layers (leaf_mlp, path_neuron), routing (route,
// route_path) and conditional matmul (cmm). Layers expand into the other two;
// the semantics here are those of shared/SPEC.md and the numpy reference in
// python/fff_mlir/reference.py.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_IR_FFFOPS_TD
#define FFF_DIALECT_FFF_IR_FFFOPS_TD

include "fff/Dialect/FFF/IR/FFFDialect.td"
include "fff/Dialect/FFF/IR/FFFEnums.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type and attribute constraints
//===----------------------------------------------------------------------===//

// Values: the float types whose semantics SPEC.md allows (f32 is the
// reference; f16/bf16/f64 are accepted by the ops, lowerings may lag).
def FFF_Float : AnyTypeOf<[F16, BF16, F32, F64]>;
class FFF_FloatTensor<list<int> ranks> : TensorRankOf<[FFF_Float], ranks>;
// Indices: any signless integer or `index`; the verifier checks the width
// holds every index the tree can produce.
class FFF_IndexTensor<list<int> ranks>
    : TensorRankOf<[AnySignlessIntegerOrIndex], ranks>;

// 2^(depth+1) must stay a valid tensor dimension.
def FFF_DepthAttr : ConfinedAttr<I64Attr, [IntNonNegative, IntMaxValue<61>]>;
def FFF_TreesAttr : ConfinedAttr<I64Attr, [IntPositive]>;

// Each result has its init's shape, which ReifyRankedShapedTypeOpInterface
// states (fff-describe-c-abi sizes the C ABI's results with it).
class FFF_DpsOp<string mnemonic, list<Trait> traits = []>
    : FFF_Op<mnemonic, !listconcat(traits, [
        Pure, DestinationStyleOpInterface,
        DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
                                  ["reifyResultShapes"]>])> {
  let hasVerifier = 1;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::reifyResultShapes(
        ::mlir::OpBuilder &builder,
        ::mlir::ReifiedRankedShapedTypeDims &shapes) {
      return ::mlir::fff::reifyShapesOfInits(builder, *this, shapes);
    }
  }];
}

//===----------------------------------------------------------------------===//
// fff.route
//===----------------------------------------------------------------------===//

def FFF_RouteOp : FFF_DpsOp<"route", [
    AllTypesMatch<["init", "result"]>,
    AllElementTypesMatch<["input", "node_weights", "node_biases"]>]> {
  let summary = "hard tree routing: each row's leaf index";
  let description = [{
    Walks a balanced binary tree of `depth` decisions for every row of `input`
    and returns the index of the leaf it reaches. With `x` one row,
    `N = 2^depth - 1` nodes in heap order and `c` the tie rule:

    ```
    n = 0
    repeat depth times:
      s = node_weights[n] . x + node_biases[n]
      n = 2n + 1 + (s >= 0 if tie = ge, s > 0 if tie = gt ? 1 : 0)
    result[row] = n - N            // in [0, 2^depth)
    ```

    A NaN logit compares false under both rules and goes left, so the walk
    never leaves the tree whatever the input. With `depth = 0` there are no
    nodes and every row reaches leaf 0 (the op canonicalizes to a
    `linalg.fill`). This is the routing of the leaf-MLP family
    (`fff.leaf_mlp`); the element type of `init` must be wide enough for
    `2^depth - 1`.

    Example (a depth-3 tree over 16 features, any batch):

    ```mlir
    %leaf = fff.route depth 3 tie ge
        ins(%x, %w, %b : tensor<?x16xf32>, tensor<7x16xf32>, tensor<7xf32>)
        outs(%init : tensor<?xi32>)
    ```
  }];
  let arguments = (ins
    FFF_DepthAttr:$depth,
    FFF_TieRuleAttr:$tie,
    FFF_FloatTensor<[2]>:$input,
    FFF_FloatTensor<[2]>:$node_weights,
    FFF_FloatTensor<[1]>:$node_biases,
    FFF_IndexTensor<[1]>:$init
  );
  let results = (outs FFF_IndexTensor<[1]>:$result);
  let assemblyFormat = [{
    `depth` $depth `tie` `` $tie attr-dict
    `ins` `(` $input `,` $node_weights `,` $node_biases `:`
      type($input) `,` type($node_weights) `,` type($node_biases) `)`
    `outs` `(` $init `:` type($init) `)`
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
}

//===----------------------------------------------------------------------===//
// fff.route_path
//===----------------------------------------------------------------------===//

def FFF_RoutePathOp : FFF_DpsOp<"route_path", [
    AllTypesMatch<["nodes_init", "nodes"]>,
    AllTypesMatch<["logits_init", "logits"]>,
    AllElementTypesMatch<["input", "node_weights", "node_biases",
                          "logits_init"]>]> {
  let summary = "hard tree routing that keeps the visited nodes and logits";
  let description = [{
    Walks `trees` independent trees, each of `N = 2^(depth+1) - 1` nodes, and
    records every node a row visits together with its logit. Node `n` of tree
    `t` is row `t*N + n` of `node_weights` and `node_biases`, and that global
    row index is what `nodes` holds. `depth` counts moves, so `depth + 1`
    nodes are visited per tree and `K = trees * (depth + 1)`:

    ```
    for each tree t, with n = 0:
      for level in 0 .. depth:
        k = t * (depth + 1) + level
        z = node_weights[t*N + n] . x + node_biases[t*N + n]
        nodes[row, k] = t*N + n ;  logits[row, k] = z
        n = 2n + 1 + (z > 0 if tie = gt, z >= 0 if tie = ge ? 1 : 0)
    ```

    The decision taken at the last level is not used. A NaN logit goes left.
    This is the routing of the path-neuron family (`fff.path_neuron`), whose
    output is `act(logits)` times the visited nodes' output rows
    (`fff.cmm` with several indices per row).

    Example (UltraFastBERT-1x11: one tree of 4095 nodes, 12 visited):

    ```mlir
    %nodes, %logits = fff.route_path trees 1 depth 11 tie gt
        ins(%x, %w, %b : tensor<?x768xf32>, tensor<4095x768xf32>, tensor<4095xf32>)
        outs(%n0, %l0 : tensor<?x12xi32>, tensor<?x12xf32>)
    ```
  }];
  let arguments = (ins
    FFF_TreesAttr:$trees,
    FFF_DepthAttr:$depth,
    FFF_TieRuleAttr:$tie,
    FFF_FloatTensor<[2]>:$input,
    FFF_FloatTensor<[2]>:$node_weights,
    FFF_FloatTensor<[1]>:$node_biases,
    FFF_IndexTensor<[2]>:$nodes_init,
    FFF_FloatTensor<[2]>:$logits_init
  );
  let results = (outs FFF_IndexTensor<[2]>:$nodes,
                      FFF_FloatTensor<[2]>:$logits);
  let assemblyFormat = [{
    `trees` $trees `depth` $depth `tie` `` $tie attr-dict
    `ins` `(` $input `,` $node_weights `,` $node_biases `:`
      type($input) `,` type($node_weights) `,` type($node_biases) `)`
    `outs` `(` $nodes_init `,` $logits_init `:`
      type($nodes_init) `,` type($logits_init) `)`
  }];
  let hasFolder = 1;
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() {
      return MutableOperandRange(getOperation(),
                                 getNodesInitMutable().getOperandNumber(),
                                 /*length=*/2);
    }
    /// Nodes per tree: 2^(depth+1) - 1.
    int64_t getNodesPerTree();
    /// Nodes visited per row over all trees: trees * (depth + 1).
    int64_t getPathLength();
  }];
}

//===----------------------------------------------------------------------===//
// fff.cmm
//===----------------------------------------------------------------------===//

// The result type is `init`'s. ODS's AllTypesMatch would infer it from a
// fixed operand position, which an optional or variadic operand before
// `init` shifts: these ops take it from their last operand, `init`.
def FFF_CmmOp : FFF_DpsOp<"cmm", [
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    AllElementTypesMatch<["lhs", "bank", "init"]>]> {
  let summary = "conditional matrix multiplication: per-row block selection";
  let description = [{
    Multiplies every row of `lhs` by the weight block of a bank that the row's
    index selects, adds the selected bias row if a `bias` is given, and
    accumulates into `init`. The bank holds `E` blocks of shape `K x M`.

    One index per row (`lhs : B x K`, `indices : B`):

    ```
    result[b, :] = init[b, :] + lhs[b, :] @ bank[i] + bias[i]   with i = indices[b]
    ```

    Several indices per row that accumulate (`lhs : B x P x K`,
    `indices : B x P`), as the path-neuron family needs with `K = 1`:

    ```
    result[b, :] = init[b, :] + sum_p (lhs[b, p, :] @ bank[i_p] + bias[i_p])
                   with i_p = indices[b, p]
    ```

    An index outside `[0, E)` contributes nothing: the bank is never read out
    of bounds, whatever the indices hold. With no bank blocks or no indices
    per row the op folds to `init`; when every index is the same constant
    (for instance after a depth-0 `fff.route`) it canonicalizes to a dense
    `linalg.matmul` on that block.

    Example (first layer of a leaf-MLP with 8 leaves of width 4):

    ```mlir
    %h = fff.cmm ins(%x, %w1s, %leaf : tensor<?x16xf32>, tensor<8x16x4xf32>, tensor<?xi32>)
                 bias(%b1s : tensor<8x4xf32>)
                 outs(%acc : tensor<?x4xf32>)
    ```
  }];
  let arguments = (ins
    FFF_FloatTensor<[2, 3]>:$lhs,
    FFF_FloatTensor<[3]>:$bank,
    FFF_IndexTensor<[1, 2]>:$indices,
    Optional<FFF_FloatTensor<[2]>>:$bias,
    FFF_FloatTensor<[2]>:$init
  );
  let results = (outs FFF_FloatTensor<[2]>:$result);
  let assemblyFormat = [{
    attr-dict
    `ins` `(` $lhs `,` $bank `,` $indices `:`
      type($lhs) `,` type($bank) `,` type($indices) `)`
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `outs` `(` $init `:` type($init) `)`
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// True for the form with several indices per row (rank-3 `lhs`).
    bool isMultiIndex() { return getLhs().getType().getRank() == 3; }
  }];
}

//===----------------------------------------------------------------------===//
// fff.leaf_mlp
//===----------------------------------------------------------------------===//

def FFF_LeafMlpOp : FFF_DpsOp<"leaf_mlp", [
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    AllElementTypesMatch<["input", "node_weights", "node_biases", "w1", "b1",
                          "w2", "b2", "init"]>]> {
  let summary = "a whole leaf-MLP FFF layer (FFF paper), optional master leaf";
  let description = [{
    Routes each row to one of `E = 2^depth` leaves with `fff.route` semantics
    (`N = 2^depth - 1` nodes) and runs that leaf's two-layer MLP:

    ```
    j = route(x)                                   // depth decisions
    y = act(x @ w1[j] + b1[j]) @ w2[j] + b2[j]
    ```

    Shapes: `x : B x D`, `node_weights : N x D`, `node_biases : N`,
    `w1 : E x D x L`, `b1 : E x L`, `w2 : E x L x O`, `b2 : E x O`,
    `init : B x O`. The checkpoint's `node_biases` of shape `N x 1` is
    reshaped to `N` by the importer.

    The optional `master` group adds the master leaf, a dense MLP of width
    `m` that every row also runs, mixed in by a learned gate `k`
    (operands `magic_w1 : D x m`, `magic_b1 : m`, `magic_w2 : m x O`,
    `magic_b2 : O`, `k : tensor<>`; the checkpoint's leading 1 is dropped):

    ```
    M   = act(x @ magic_w1 + magic_b1) @ magic_w2 + magic_b2
    out = sigmoid(k) * y + (1 - sigmoid(k)) * M
    ```

    `depth = 0` is legal: one leaf, no nodes, a plain MLP. `init` only gives
    the result shape; the layer's output does not accumulate into it.

    Example (MNIST-sized, depth 2, leaf width 4, master leaf of width 8):

    ```mlir
    %y = fff.leaf_mlp depth 2 activation relu tie ge
        ins(%x, %nw, %nb, %w1, %b1, %w2, %b2 : tensor<?x784xf32>, tensor<3x784xf32>,
            tensor<3xf32>, tensor<4x784x4xf32>, tensor<4x4xf32>, tensor<4x4x10xf32>,
            tensor<4x10xf32>)
        master(%mw1, %mb1, %mw2, %mb2, %k : tensor<784x8xf32>, tensor<8xf32>,
               tensor<8x10xf32>, tensor<10xf32>, tensor<f32>)
        outs(%init : tensor<?x10xf32>)
    ```
  }];
  let arguments = (ins
    FFF_DepthAttr:$depth,
    FFF_ActivationAttr:$activation,
    FFF_TieRuleAttr:$tie,
    FFF_FloatTensor<[2]>:$input,
    FFF_FloatTensor<[2]>:$node_weights,
    FFF_FloatTensor<[1]>:$node_biases,
    FFF_FloatTensor<[3]>:$w1,
    FFF_FloatTensor<[2]>:$b1,
    FFF_FloatTensor<[3]>:$w2,
    FFF_FloatTensor<[2]>:$b2,
    Variadic<FFF_FloatTensor<[0, 1, 2]>>:$master,
    FFF_FloatTensor<[2]>:$init
  );
  let results = (outs FFF_FloatTensor<[2]>:$result);
  let assemblyFormat = [{
    `depth` $depth `activation` `` $activation `tie` `` $tie attr-dict
    `ins` `(` $input `,` $node_weights `,` $node_biases `,` $w1 `,` $b1 `,`
      $w2 `,` $b2 `:` type($input) `,` type($node_weights) `,`
      type($node_biases) `,` type($w1) `,` type($b1) `,` type($w2) `,`
      type($b2) `)`
    (`master` `(` $master^ `:` type($master) `)`)?
    `outs` `(` $init `:` type($init) `)`
  }];
  let hasFolder = 1;
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    bool hasMasterLeaf() { return !getMaster().empty(); }
    // The master leaf's operands, in order; valid when hasMasterLeaf().
    // The static forms name the same operands in any `master` group laid
    // out like the op's (an adaptor's getMaster(), say, over other values).
    static Value getMagicW1(ValueRange master) { return master[0]; }
    static Value getMagicB1(ValueRange master) { return master[1]; }
    static Value getMagicW2(ValueRange master) { return master[2]; }
    static Value getMagicB2(ValueRange master) { return master[3]; }
    static Value getMasterGate(ValueRange master) { return master[4]; }
    Value getMagicW1() { return getMagicW1(getMaster()); }
    Value getMagicB1() { return getMagicB1(getMaster()); }
    Value getMagicW2() { return getMagicW2(getMaster()); }
    Value getMagicB2() { return getMagicB2(getMaster()); }
    Value getMasterGate() { return getMasterGate(getMaster()); }
  }];
}

//===----------------------------------------------------------------------===//
// fff.path_neuron
//===----------------------------------------------------------------------===//

def FFF_PathNeuronOp : FFF_DpsOp<"path_neuron", [
    AllTypesMatch<["init", "result"]>,
    AllElementTypesMatch<["input", "node_weights", "node_biases",
                          "output_weights", "init"]>]> {
  let summary = "a whole path-neuron FFF layer (UltraFastBERT)";
  let description = [{
    Every node is a neuron, and each visited node adds its activated logit
    times its output row; `trees` independent trees add up. With
    `N = 2^(depth+1) - 1` nodes per tree and `fff.route_path` semantics:

    ```
    y = 0
    for each tree t, with n = 0, repeated depth + 1 times:
      z  = node_weights[t*N + n] . x + node_biases[t*N + n]
      y += act(z) * output_weights[t*N + n]
      n  = 2n + 1 + (z > 0 if tie = gt, z >= 0 if tie = ge ? 1 : 0)
    ```

    Shapes: `x : B x D`, `node_weights : T*N x D` (`linear_in.weight`),
    `node_biases : T*N` (`linear_in.bias`), `output_weights : T*N x O`,
    `init : B x O`. `output_weights` is the *transpose* of the checkpoint's
    `linear_out.weight` (`O x T*N`): a node's output row is then contiguous,
    so every gather reads one cache-friendly row; the importer transposes
    once. There is no output bias. `init` only gives the result shape: the
    layer's output does not accumulate into it.

    Example (UltraFastBERT-1x11):

    ```mlir
    %y = fff.path_neuron trees 1 depth 11 activation gelu tie gt
        ins(%x, %w_in, %b_in, %w_out : tensor<?x768xf32>, tensor<4095x768xf32>,
            tensor<4095xf32>, tensor<4095x768xf32>)
        outs(%init : tensor<?x768xf32>)
    ```
  }];
  let arguments = (ins
    FFF_TreesAttr:$trees,
    FFF_DepthAttr:$depth,
    FFF_ActivationAttr:$activation,
    FFF_TieRuleAttr:$tie,
    FFF_FloatTensor<[2]>:$input,
    FFF_FloatTensor<[2]>:$node_weights,
    FFF_FloatTensor<[1]>:$node_biases,
    FFF_FloatTensor<[2]>:$output_weights,
    FFF_FloatTensor<[2]>:$init
  );
  let results = (outs FFF_FloatTensor<[2]>:$result);
  let assemblyFormat = [{
    `trees` $trees `depth` $depth `activation` `` $activation `tie` `` $tie attr-dict
    `ins` `(` $input `,` $node_weights `,` $node_biases `,` $output_weights `:`
      type($input) `,` type($node_weights) `,` type($node_biases) `,`
      type($output_weights) `)`
    `outs` `(` $init `:` type($init) `)`
  }];
  let hasFolder = 1;
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// Nodes per tree: 2^(depth+1) - 1.
    int64_t getNodesPerTree();
  }];
}

include "fff/Dialect/FFF/IR/FFFBatchOps.td"

#endif // FFF_DIALECT_FFF_IR_FFFOPS_TD
