//===- Passes.td - Conversions out of the fff dialect -----*- tablegen -*-===//

#ifndef FFF_CONVERSION_PASSES_TD
#define FFF_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertFFFToLinalg : Pass<"convert-fff-to-linalg"> {
  let summary = "Convert fff routing and conditional matmul to linalg, scf "
                "and tensor ops";
  let description = [{
    Lowers the unfused building blocks of the dialect, op by op, to upstream
    ops on tensors that one-shot bufferization understands:

    * `fff.route` becomes a `linalg.generic` over rows whose body walks the
      tree: an `scf.for` over levels carrying the node index, each level a dot
      product that reads the row and the node's weights with `tensor.extract`.
    * `fff.route_path` becomes an `scf.forall` over rows (each row writes
      `trees * (depth + 1)` entries of both results, which a `linalg.generic`
      body cannot do) with the same walk inside.
    * `fff.cmm` becomes a `linalg.generic` whose body gathers from the bank at
      the row's index (`tensor.extract` under an `scf.if` that skips indices
      outside the bank), preceded by a `linalg.generic` adding the selected
      bias rows. Loops run rows, then the reduction, then output columns, so
      the innermost loop is unit-stride in the bank and the accumulator.
    * `fff.bucket` becomes a counting sort: three `scf.for` loops (count,
      prefix sum, place) over tensors.
    * `fff.grouped_matmul` becomes, per segment, register-blocked loops over
      `row-block` rows at a time: for `N = 1` their dot products with the
      segment's weight row, interleaved, each weight chunk loaded once for
      all of them; otherwise vectors along `N`, the rows' accumulators kept
      in registers over the `K` loop, each weight chunk loaded once and
      multiplied by every row's broadcast `lhs[r, k]`.

    Whole-layer ops must be expanded (`fff-expand-layers`) or fused
    (`fff-fuse-routing`) first; the pass fails with an error naming any fff
    op it cannot convert.
  }];
  let dependentDialects = ["arith::ArithDialect", "linalg::LinalgDialect",
                           "scf::SCFDialect", "tensor::TensorDialect",
                           "vector::VectorDialect", "math::MathDialect"];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"0",
           "Vector lanes for the routing dot products and grouped matmuls "
           "(0 = scalar)">,
    Option<"rowBlock", "row-block", "int64_t", /*default=*/"4",
           "Rows per fff.grouped_matmul micro-kernel, sharing each weight "
           "load (1-16)">
  ];
}

def ConvertFFFToGPU : Pass<"convert-fff-to-gpu", "ModuleOp"> {
  let summary = "Convert whole fff layers to GPU kernels (gpu.launch)";
  let description = [{
    Replaces each `fff.leaf_mlp` and `fff.path_neuron` with one `gpu.launch`
    that routes and computes the layer in a single kernel, on buffers:
    operands become `bufferization.to_buffer` (read only), the result a
    `memref.alloc` that one-shot bufferization and
    `buffer-results-to-out-params` turn into the caller's buffer.

    Kernel design: one warp (32 lanes) per input row, `warps-per-block` rows
    per block. A row's dot products are split over the lanes, each lane
    reading every 32nd element, so a warp's loads of `x` and of a gathered
    weight row are coalesced; a butterfly of `gpu.shuffle xor` sums the
    lanes and leaves the logit in every lane, so the routing decision needs
    no shared memory or barrier. Output columns are likewise spread over the
    lanes, and each visited node (path-neuron) or hidden unit (leaf-MLP)
    adds its weight row into them, so routing and the leaf/path computation
    are fused and no index or hidden tensor exists. With a master leaf,
    `sigmoid(k)` scales the selected leaf's terms and `1 - sigmoid(k)` the
    master leaf's, in the same kernel.

    Each kernel op (the `gpu.launch`, or the `scf.forall` of
    `emulate-on-host`) carries the unit attribute `fff.kernel`, which
    `fff-gpu-expand-math` reads: the math functions in the kernels (erf,
    tanh, exp) are left to it.

    The layer's element type must be f32; other types, and the unfused ops
    (`fff.route`, `fff.route_path`, `fff.cmm`), are reported as errors.
  }];
  let dependentDialects = ["arith::ArithDialect", "bufferization::BufferizationDialect",
                           "gpu::GPUDialect", "math::MathDialect",
                           "memref::MemRefDialect", "scf::SCFDialect",
                           "tensor::TensorDialect"];
  let options = [
    Option<"warpsPerBlock", "warps-per-block", "int64_t", /*default=*/"4",
           "Rows (one warp each) per thread block (1-32)">,
    Option<"emulateOnHost", "emulate-on-host", "bool", /*default=*/"false",
           "Test aid: emit each kernel body in an scf.forall over rows with "
           "one lane per row instead of a gpu.launch, so that the kernels' "
           "code can be executed and checked where there is no GPU">
  ];
}

def FFFGPUExpandMath : Pass<"fff-gpu-expand-math"> {
  let summary = "Expand the math in fff's GPU kernels into instructions that "
                "need no libdevice";
  let description = [{
    Runs after `convert-fff-to-gpu` on the kernels it marked `fff.kernel`
    (a `gpu.launch`, or with `emulate-on-host` the `scf.forall` over rows,
    so that emulated kernels compute what the GPU does), then drops the
    mark:

    * `math.erf`, `math.tanh`, `math.exp` (and the other functions upstream
      approximates) become math's polynomial approximations;
    * what those are built of becomes LLVM intrinsics or arith:
      `math.fma` -> `llvm.intr.fma` (one PTX instruction), `math.floor` ->
      a truncation and a select, `math.absf` -> the sign bit cleared.

    NVVM lowering would send each remaining math op to libdevice, which only
    a CUDA toolkit provides; with none left, the kernels compile to PTX with
    no toolkit installed. A math op that neither step handles is an error
    naming it. Ops outside the marked kernels are not touched.
  }];
  let dependentDialects = ["arith::ArithDialect", "LLVM::LLVMDialect",
                           "math::MathDialect", "vector::VectorDialect"];
}

def FFFGPUDeviceBuffers : Pass<"fff-gpu-device-buffers", "ModuleOp"> {
  let summary = "Put the host code's buffers on the device, and reject host "
                "code that would touch device memory";
  let description = [{
    Runs after bufferization for the GPU target, where every buffer a host
    function sees is device memory (arguments are device pointers):

    * `memref.alloc` / `memref.dealloc` become `gpu.alloc` / `gpu.dealloc`
      (buffers passed between layers), and `memref.copy` becomes
      `gpu.memcpy`;
    * a constant buffer (`memref.get_global`: weights baked into the IR) is
      an error that asks for weights as function arguments
      (`fff-weights-to-arguments`);
    * any other host op that reads or writes buffer contents (a load, a
      store, a linalg op: computation around the layers) is an error naming
      the op, because it would dereference a device pointer on the host.
  }];
  let dependentDialects = ["gpu::GPUDialect"];
}

def ConvertLinalgToBlas : Pass<"convert-linalg-to-blas", "ModuleOp"> {
  let summary = "Call cblas_sgemm for f32 linalg.matmul and "
                "linalg.batch_matmul on buffers";
  let description = [{
    Runs after bufferization. Each `linalg.matmul` (and each matrix of a
    `linalg.batch_matmul`, in an `scf.for` over the batch) of f32 buffers,
    with the default indexing maps, becomes a call of OpenBLAS's
    `cblas_sgemm(RowMajor, NoTrans, NoTrans, M, N, K, 1, A, lda, B, ldb, 1,
    C, ldc)`: `C += A B`, as the op has it. The pointers and leading
    dimensions come from each buffer's strided metadata at run time.

    The call runs behind an `scf.if` that checks what BLAS needs and
    linalg does not: `M`, `N`, `K` at least 1 and within BLAS's 32-bit
    `int`, rows of unit stride, and leading dimensions at least the row
    length. When the check fails (an empty operand, a transposed or
    broadcast view, a huge size), the `else` branch keeps the op, which
    the loop lowering then handles as before. Ops of other element types,
    with user-defined indexing maps, or on tensors are left alone.

    The compiled code then needs `libopenblas` (fff-compile links it with
    `--blas`). OpenBLAS picks its kernel for the running CPU and its
    threads from `OPENBLAS_NUM_THREADS`.
  }];
  let dependentDialects = ["arith::ArithDialect", "func::FuncDialect",
                           "LLVM::LLVMDialect", "memref::MemRefDialect",
                           "scf::SCFDialect"];
}

def ConvertSoftmaxToLoops : Pass<"convert-softmax-to-loops"> {
  let summary = "Lower linalg.softmax on buffers to a parallel loop over its "
                "rows, in vectors where a row has unit stride";
  let description = [{
    Runs after bufferization. Each `linalg.softmax` on float buffers becomes
    an `scf.forall` over every dimension but the softmax one; each
    iteration takes one row (rank-1 `memref.subview`s of the input and the
    output) in three passes: its maximum, `exp(x - max)` stored to the
    output and summed, and the division by the sum. A row stays in cache
    across the three passes, where upstream's decomposition
    (`fff-decompose-aggregates`) makes four passes over the whole tensor.

    With `vector-width` W > 1, rows of unit stride (known from the types,
    else checked at run time by an `scf.if`) run in `vector<Wxf32>` loads,
    with one masked vector for a tail shorter than W: its lanes off are
    `-inf` for the maximum and do not count in the sum. Other rows (a
    softmax over an outer dimension, a strided view), and every row with W
    0 or 1, run one element at a time. The max is `arith.maximumf`, so a NaN
    in a row makes the whole row NaN, as in PyTorch; so does a row that is
    all `-inf`. The input and the output may be the same buffer.

    The vector `math.exp` this emits becomes a polynomial in
    `fff-approximate-vector-math`; scalar code keeps libm's `exp`.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"8",
           "Lanes of the vector code for rows of unit stride (0-64; 0 or 1 "
           "= scalar code only)">,
  ];
  let dependentDialects = ["arith::ArithDialect", "math::MathDialect",
                           "memref::MemRefDialect", "scf::SCFDialect",
                           "vector::VectorDialect"];
}

def ConvertRowReductionsToLoops : Pass<"convert-row-reductions-to-loops"> {
  let summary = "Lower linalg.generic reductions along unit-stride rows to a "
                "parallel loop over the rows, each reduced in vectors";
  let description = [{
    Runs after bufferization, before `convert-linalg-to-loops`. It takes a
    `linalg.generic` on buffers whose last loop is its only reduction loop,
    with one output that the loop does not index, where every input either
    reads along that loop as its last dimension with unit stride (known
    from its type) or does not depend on it (a value per row), and whose
    body is scalar constants and elementwise arith and math ops ending in a
    combiner:
    `arith.addf`, `mulf`, `maximumf`, `minimumf`, `maxnumf` or `minnumf` of
    the output's value and one other (a layer norm's sums, a mean, a max).

    Each row becomes one iteration of an `scf.forall` over the parallel
    loops: the body runs on `vector<Wx...>` loads of the rows (row values
    broadcast), combined into W partial results, with one masked vector
    for a tail shorter than W whose lanes off count as the combiner's
    identity; `vector.reduction` combines the W lanes, and the result is
    combined with the output's value. The order of the combinations is not
    the loop's: a sum is a sum of W partial sums, so it rounds differently
    from a sequential one (as any vectorized sum does, PyTorch's included).

    Other generics (a reduction over an outer dimension, a strided row,
    rows of `i1` or other sub-byte elements, `linalg.index` in the body,
    integer division, several outputs, an output that is also an input or
    that leaves out a parallel loop) and every generic with `vector-width`
    below 2 are left to `convert-linalg-to-loops`. Like the loops, the
    rewrite assumes that the output does not overlap an input otherwise
    (bufferization does not make such views); here the output is read and
    written once per row, where the loops do it at every element.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"8",
           "Lanes of the vector code (0-64; below 2 leaves every op alone)">,
  ];
  let dependentDialects = ["arith::ArithDialect", "memref::MemRefDialect",
                           "scf::SCFDialect", "vector::VectorDialect"];
}

#endif // FFF_CONVERSION_PASSES_TD
