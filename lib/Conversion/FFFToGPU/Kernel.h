//===- Kernel.h - The shape of every fff GPU kernel -------------*- C++ -*-===//
//
// What both layer kernels of convert-fff-to-gpu are made of: a warp per row,
// lane loops, warp sums, and the launch (or its host emulation) around a
// row's body.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_FFFTOGPU_KERNEL_H
#define LIB_CONVERSION_FFFTOGPU_KERNEL_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::fff::detail {

/// The lanes that share one row: a warp of 32 in a kernel; a single lane
/// (no shuffles) when the kernel body is emulated on the host.
struct Warp {
  Value lane;   // this lane's index in [0, size)
  int32_t size; // 32, or 1 on the host
};

using IndexFn = function_ref<Value(OpBuilder &, Location, Value)>;

/// `for i = lane; i < len; i += 32: body(i)`: a warp covers 32 consecutive
/// elements per iteration, so its loads and stores are coalesced.
void buildLaneLoop(OpBuilder &b, Location loc, const Warp &warp, Value len,
                   function_ref<void(OpBuilder &, Location, Value)> body);

/// `sum_i term(i)` for i in [0, len) over a warp: each lane adds every 32nd
/// term, then a `gpu.shuffle xor` butterfly adds the lanes' partial sums,
/// leaving the bitwise-same total in every lane.
Value buildWarpSum(OpBuilder &b, Location loc, const Warp &warp, Value len,
                   Type type, IndexFn term);

/// `out[row, c] += scale * src(c)` for this lane's columns.
void buildRowUpdate(OpBuilder &b, Location loc, const Warp &warp, Value out,
                    Value row, Value len, Value scale, IndexFn src);

/// The logit of heap node `node` (an index into `weights`/`biases`) for row
/// `row` of `x`, summed over the warp.
Value buildNodeLogit(OpBuilder &b, Location loc, const Warp &warp, Value x,
                     Value row, Value width, Value weights, Value biases,
                     Value node);

/// Writes one row of a layer's output. `buffers` are the layer's operands
/// as buffers, in the op's operand order, the output buffer in the place of
/// init, so that the op's adaptor names them.
using KernelBody =
    function_ref<void(OpBuilder &, Location, const Warp &warp, Value row,
                      ValueRange buffers)>;

/// Replaces `layer` (operands `operands`, its adaptor's) with a launch of
/// one warp per row of its input (rows `warpsPerBlock` to a block) whose
/// body is `body`; with `onHost`, with the same body in an scf.forall over
/// rows, one lane per row. The kernel op carries kKernelAttrName.
void replaceWithKernel(RewriterBase &rewriter, Operation *layer,
                       ValueRange operands, int64_t warpsPerBlock, bool onHost,
                       KernelBody body);

} // namespace mlir::fff::detail

#endif // LIB_CONVERSION_FFFTOGPU_KERNEL_H
