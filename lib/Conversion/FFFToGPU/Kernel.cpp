//===- Kernel.cpp - The shape of every fff GPU kernel ---------------------===//
//
// The kernel bodies are written with memref loads and stores on the layer's
// operands, taken out of tensors here with bufferization.to_buffer, and the
// result is a fresh buffer read back as a tensor; one-shot bufferization
// then only connects these buffers. The conversion cannot leave that step
// to bufferization: a gpu.launch has no results and its lanes store
// disjoint columns of one row in place, which no tensor value inside the
// launch can express, and one-shot bufferization does not rewrite the
// tensor reads inside a gpu.launch region into loads of kernel buffers.
//
//===----------------------------------------------------------------------===//

#include "Kernel.h"

#include "fff/Conversion/FFFToGPU/FFFToGPU.h"
#include "fff/Dialect/FFF/Utils/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

using namespace mlir;
using namespace mlir::fff;
using namespace mlir::fff::detail;

namespace {

constexpr int32_t kWarpSize = 32;

/// The operand as a read-only buffer of any layout.
Value toBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto layout = StridedLayoutAttr::get(
      b.getContext(), ShapedType::kDynamic,
      SmallVector<int64_t>(type.getRank(), ShapedType::kDynamic));
  auto memrefType =
      MemRefType::get(type.getShape(), type.getElementType(), layout);
  return bufferization::ToBufferOp::create(b, loc, memrefType, tensor,
                                           /*read_only=*/true);
}

} // namespace


/// `for i = lane; i < len; i += 32: body(i)`: a warp covers 32 consecutive
/// elements per iteration, so its loads and stores are coalesced.
void fff::detail::buildLaneLoop(OpBuilder &b, Location loc, const Warp &warp, Value len,
                   function_ref<void(OpBuilder &, Location, Value)> body) {
  scf::ForOp::create(b, loc, warp.lane, len, constantIndex(b, loc, warp.size),
                     ValueRange{},
                     [&](OpBuilder &nb, Location nl, Value i, ValueRange) {
                       body(nb, nl, i);
                       scf::YieldOp::create(nb, nl);
                     });
}

/// `sum_i term(i)` for i in [0, len) over a warp: each lane adds every 32nd
/// term, then a `gpu.shuffle xor` butterfly adds the lanes' partial sums.
/// Every lane ends with the bitwise-same total (at each step the two lanes
/// of a pair add the same two values, and IEEE addition commutes), so the
/// routing decision taken from it is uniform across the warp.
Value fff::detail::buildWarpSum(OpBuilder &b, Location loc, const Warp &warp, Value len,
                   Type type, IndexFn term) {
  Value zero = floatConstant(b, loc, type, 0.0);
  auto loop = scf::ForOp::create(
      b, loc, warp.lane, len, constantIndex(b, loc, warp.size), ValueRange{zero},
      [&](OpBuilder &nb, Location nl, Value i, ValueRange acc) {
        Value sum = arith::AddFOp::create(nb, nl, acc[0], term(nb, nl, i));
        scf::YieldOp::create(nb, nl, sum);
      });
  Value sum = loop.getResult(0);
  for (int32_t offset = warp.size / 2; offset > 0; offset /= 2) {
    Value other = gpu::ShuffleOp::create(b, loc, sum, offset, warp.size,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    sum = arith::AddFOp::create(b, loc, sum, other);
  }
  return sum;
}
/// `out[row, c] += scale * src(c)` for this lane's columns.
void fff::detail::buildRowUpdate(OpBuilder &b, Location loc, const Warp &warp, Value out,
                    Value row, Value len, Value scale, IndexFn src) {
  buildLaneLoop(b, loc, warp, len, [&](OpBuilder &nb, Location nl, Value c) {
    Value old = load(nb, nl, out, {row, c});
    Value term = arith::MulFOp::create(nb, nl, scale, src(nb, nl, c));
    memref::StoreOp::create(nb, nl, arith::AddFOp::create(nb, nl, old, term),
                            out, ValueRange{row, c});
  });
}

/// The logit of heap node `node` (an index into `weights`/`biases`) for row
/// `row` of `x`, summed over the warp.
Value fff::detail::buildNodeLogit(OpBuilder &b, Location loc, const Warp &warp, Value x,
                     Value row, Value width, Value weights, Value biases,
                     Value node) {
  Type type = getElementTypeOrSelf(x.getType());
  Value dot = buildWarpSum(
      b, loc, warp, width, type, [&](OpBuilder &nb, Location nl, Value i) {
        Value xi = load(nb, nl, x, {row, i});
        Value wi = load(nb, nl, weights, {node, i});
        return arith::MulFOp::create(nb, nl, xi, wi);
      });
  return arith::AddFOp::create(b, loc, dot, load(b, loc, biases, {node}));
}

void fff::detail::replaceWithKernel(RewriterBase &rewriter, Operation *layer,
                                    ValueRange operands, int64_t warpsPerBlock,
                                    bool onHost, KernelBody body) {
  OpBuilder &b = rewriter;
  Location loc = layer->getLoc();
  auto dps = cast<DestinationStyleOpInterface>(layer);
  SmallVector<Value> buffers(operands.size());
  for (OpOperand *operand : dps.getDpsInputOperands()) {
    unsigned i = operand->getOperandNumber();
    buffers[i] = toBuffer(b, loc, operands[i]);
  }
  unsigned initNumber = dps.getDpsInitOperand(0)->getOperandNumber();
  auto resultType = cast<RankedTensorType>(layer->getResult(0).getType());
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    if (resultType.isDynamicDim(d))
      dynamicSizes.push_back(
          tensor::DimOp::create(b, loc, operands[initNumber], d));
  auto outType =
      MemRefType::get(resultType.getShape(), resultType.getElementType());
  Value out = memref::AllocOp::create(b, loc, outType, dynamicSizes);
  buffers[initNumber] = out;

  Value rows =
      bufferDim(b, loc, buffers[dps.getDpsInputOperand(0)->getOperandNumber()], 0);
  // The result tensor is read from `out` once the rows are written.
  auto finish = [&](Operation *kernel) {
    kernel->setAttr(kKernelAttrName, b.getUnitAttr());
    rewriter.replaceOp(layer, bufferization::ToTensorOp::create(
                                  b, loc, resultType, out, /*restrict=*/true,
                                  /*writable=*/true));
  };
  if (onHost) {
    auto forall = scf::ForallOp::create(
        b, loc, ArrayRef<OpFoldResult>{rows}, ValueRange{}, std::nullopt,
        [&](OpBuilder &nb, Location nl, ValueRange ivs) {
          body(nb, nl, Warp{constantIndex(nb, nl, 0), 1}, ivs[0], buffers);
          scf::InParallelOp::create(nb, nl);
        });
    finish(forall);
    return;
  }
  Value perBlock = constantIndex(b, loc, warpsPerBlock);
  Value blocks = arith::CeilDivUIOp::create(b, loc, rows, perBlock);
  Value one = constantIndex(b, loc, 1);
  auto launch = gpu::LaunchOp::create(b, loc, blocks, one, one,
                                      constantIndex(b, loc, kWarpSize), perBlock, one);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Warp warp{launch.getThreadIds().x, kWarpSize};
    Value row = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, perBlock),
        launch.getThreadIds().y);
    // A warp's lanes share the row, so the guard never splits a warp.
    Value inBatch =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, rows);
    scf::IfOp::create(b, loc, inBatch, [&](OpBuilder &nb, Location nl) {
      body(nb, nl, warp, row, buffers);
      scf::YieldOp::create(nb, nl);
    });
    gpu::TerminatorOp::create(b, loc);
  }
  finish(launch);
}
