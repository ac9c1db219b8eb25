//===- Passes.td - The C ABI of compiled modules ----------*- tablegen -*-===//

#ifndef FFF_TARGET_PASSES_TD
#define FFF_TARGET_PASSES_TD

include "mlir/Pass/PassBase.td"

def FFFDescribeCABI : Pass<"fff-describe-c-abi", "ModuleOp"> {
  let summary = "Describe the C entry point of each public function, its "
                "result sizes reified from the IR";
  let description = [{
    Attaches to each public `func.func` with a body an `fff.c_abi`
    dictionary that states its C entry point (include/fff/Target/CInterface.h):
    the exported symbol, each argument's name, type and checks, each
    result's name, type and sizes, and the shape rules between argument sizes
    that the entry point checks before it runs anything. Everything
    `fff-compile` writes about the ABI (the header, the JSON description)
    and the entry point itself (`fff-generate-c-entry-points`) comes from
    that one attribute, which the lowering carries to the `llvm.func`.

    Sizes are affine expressions of the entry point's size parameters
    (symbol k is the k-th dynamic dimension of the array arguments), so a
    result of B*S rows, or a sequence bounded by a position table, is
    stated exactly:

    ```mlir
    func.func @f(%x: tensor<?x?x768xf32>) -> tensor<?x768xf32>
        attributes {fff.c_abi = {function = "f", symbol = "fff_f",
          args = [
            {name = "arg0", type = tensor<?x?x768xf32>}
          ],
          results = [
            {name = "result", type = tensor<?x768xf32>,
             sizes = affine_map<()[s0, s1] -> (s0 * s1, 768)>}
          ],
          checks = []}}
    ```

    Each size is found by asking the IR, not by tracing it by hand: a
    `tensor.dim` of the value is resolved through
    `ReifyRankedShapedTypeOpInterface` (linalg ops, `tensor.empty`,
    reshapes, slices, fff ops) and `tensor.dim` canonicalizations, on a
    scratch copy of the function, until it is a function of the arguments'
    sizes. `func.call` does not implement the interface, so inline first
    (`fff-cpu-pipeline c-interface=true` does). A result size that depends on
    anything else (values of tensors, loops) is an error that names the
    function, the result and the dimension.

    Argument attributes the importer writes become checks:
    `fff.name = "x"` names a parameter (a C identifier),
    `fff.index_bound = N : i64` bounds every element of an integer array to
    [0, N) (`FFF_ERROR_INDEX_OUT_OF_RANGE`), `fff.same_sizes = [[d, j, e]]`
    asks dimension d to equal argument j's dimension e, and
    `fff.max_sizes = array<i64: ...>` bounds each dimension (-1: none).

    The pass then readies the function for lowering with the ABI's calling
    convention: tensor arguments are `bufferization.writable = false` (the
    C signature promises `const`), a tensor returned twice gets a copy (each
    result is its own out-parameter), and the `fff.*` argument attributes,
    now in the description, are dropped.
  }];
  let options = [
    Option<"prefix", "prefix", "std::string", /*default=*/"\"fff_\"",
           "Prefix of the exported C symbols (<prefix><function>)">,
    Option<"device", "device", "bool", /*default=*/"false",
           "The arrays are device pointers (fff-gpu-pipeline)">,
  ];
  let dependentDialects = ["affine::AffineDialect", "arith::ArithDialect",
                           "bufferization::BufferizationDialect",
                           "func::FuncDialect", "memref::MemRefDialect",
                           "tensor::TensorDialect"];
}

def FFFGenerateCEntryPoints : Pass<"fff-generate-c-entry-points",
                                   "ModuleOp"> {
  let summary = "Generate the C entry points that fff.c_abi describes, in "
                "the LLVM dialect";
  let description = [{
    Runs on a module in the LLVM dialect, after the pipeline lowered each
    described function with results as out-parameters. For each `llvm.func`
    with `fff.c_abi`, it adds the exported entry point `<symbol>`:
    `int32_t symbol(const T *arg, int64_t arg_dim0, ..., T *result, ...)`.

    The entry point computes every size (result sizes from their
    expressions), returns a status before anything runs when the arguments
    are bad (`FFF_ERROR_NEGATIVE_DIMENSION`, `FFF_ERROR_SHAPE_MISMATCH` for
    a broken check, `FFF_ERROR_NULL_POINTER` for NULL with a non-empty
    array, `FFF_ERROR_INDEX_OUT_OF_RANGE` after one pass over each bounded
    index array), then builds the memref descriptors of the row-major arrays
    and calls the lowered function, which becomes internal. GPU entry
    points (`device`) also report the CUDA runtime's errors
    (`FFF_ERROR_GPU`). The description moves to the entry point.

    Sizes are overflow-checked: an argument or result whose byte size does
    not fit in `int64_t`, or a size expression that overflows, is
    `FFF_ERROR_SIZE`. With `host-runtime` (the lowered code allocates
    through fff-compile's host runtime: fff-cpu-pipeline
    `workspace-cache`), the call runs under the runtime's `fffHostRun`, so
    that a temporary whose size overflows (`fff-check-allocation-sizes`)
    or whose allocation fails returns `FFF_ERROR_SIZE` or
    `FFF_ERROR_OUT_OF_MEMORY`, with every temporary freed.
  }];
  let options = [
    Option<"hostRuntime", "host-runtime", "bool", /*default=*/"false",
           "Run CPU calls under the host runtime's fffHostRun, which "
           "returns failed allocations as statuses">,
  ];
  let dependentDialects = ["LLVM::LLVMDialect"];
}

def FFFCheckAllocationSizes : Pass<"fff-check-allocation-sizes",
                                   "ModuleOp"> {
  let summary = "Guard the byte size of every dynamically sized heap "
                "allocation against overflow";
  let description = [{
    Runs on buffers, before the LLVM lowering. memref-to-LLVM computes an
    allocation's byte size as a product that wraps around silently: rows
    times a width past 2^63 bytes would allocate a few bytes and the code
    would then write far past them. Before each `memref.alloc` with dynamic
    sizes this pass computes the same product with overflow checks and
    passes the verdict (1 when it overflows or a size is negative) to
    `fffHostCheckSize` of fff-compile's host runtime, which then does not
    return: under an entry point the call ends with `FFF_ERROR_SIZE`
    (fff-generate-c-entry-points `host-runtime`). fff-cpu-pipeline runs it
    just before `convert-scf-to-cf`: after the canonicalizer has inlined
    the `memref.alloca_scope` of OpenMP loop bodies, which a call would
    keep (it may touch the stack) and `convert-scf-to-cf` would then make
    invalid; it does so with `workspace-cache`, the option that links the
    host runtime. An allocation whose static size alone overflows is a
    compile-time error naming it.
  }];
  let dependentDialects = ["arith::ArithDialect", "func::FuncDialect",
                           "memref::MemRefDialect"];
}

#endif // FFF_TARGET_PASSES_TD
