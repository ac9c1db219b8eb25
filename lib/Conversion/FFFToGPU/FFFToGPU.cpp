//===- FFFToGPU.cpp - whole fff layers -> one GPU kernel each ------------===//
//
// See Passes.td for the kernel design. Each layer becomes a `gpu.launch`
// whose body is written with memref loads and stores on the layer's operands
// (taken out of tensors with bufferization.to_buffer), so that one-shot
// bufferization only has to connect the buffers; gpu-kernel-outlining later
// turns the body into a kernel.
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/Passes.h"
#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Utils/Arithmetic.h"
#include "fff/Dialect/FFF/Utils/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::fff {
#define GEN_PASS_DEF_CONVERTFFFTOGPU
#include "fff/Conversion/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;

namespace {

constexpr int32_t kWarpSize = 32;

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
Value buildWarpSum(OpBuilder &b, Location loc, const Warp &warp, Value len,
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
void buildRowUpdate(OpBuilder &b, Location loc, const Warp &warp, Value out,
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
Value buildNodeLogit(OpBuilder &b, Location loc, const Warp &warp, Value x,
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

/// Replaces `layer` with a launch of one warp per row of `x` (rows
/// `warpsPerBlock` to a block); `body` writes the row's output with the
/// layer's operands as buffers (same order as the op's operands, init
/// excluded), given the lanes and the row. With `onHost`, the same body runs
/// in an scf.forall over rows, one lane per row, instead.
using KernelBody =
    function_ref<void(OpBuilder &, Location, const Warp &warp, Value row,
                      ArrayRef<Value> buffers, Value out)>;
Operation *replaceWithKernel(RewriterBase &rewriter, Operation *layer,
                             int64_t warpsPerBlock, bool onHost,
                             KernelBody body) {
  OpBuilder &b = rewriter;
  Location loc = layer->getLoc();
  auto dps = cast<DestinationStyleOpInterface>(layer);
  SmallVector<Value> buffers;
  for (OpOperand *operand : dps.getDpsInputOperands())
    buffers.push_back(toBuffer(b, loc, operand->get()));
  auto resultType = cast<RankedTensorType>(layer->getResult(0).getType());
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    if (resultType.isDynamicDim(d))
      dynamicSizes.push_back(
          tensor::DimOp::create(b, loc, dps.getDpsInitOperand(0)->get(), d));
  auto outType =
      MemRefType::get(resultType.getShape(), resultType.getElementType());
  Value out = memref::AllocOp::create(b, loc, outType, dynamicSizes);

  Value rows = bufferDim(b, loc, buffers[0], 0);
  // The result tensor is read from `out` once the rows are written.
  auto finish = [&] {
    rewriter.replaceOp(layer, bufferization::ToTensorOp::create(
                                  b, loc, resultType, out, /*restrict=*/true,
                                  /*writable=*/true));
  };
  if (onHost) {
    auto forall = scf::ForallOp::create(
        b, loc, ArrayRef<OpFoldResult>{rows}, ValueRange{}, std::nullopt,
        [&](OpBuilder &nb, Location nl, ValueRange ivs) {
          body(nb, nl, Warp{constantIndex(nb, nl, 0), 1}, ivs[0], buffers, out);
          scf::InParallelOp::create(nb, nl);
        });
    finish();
    return forall;
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
      body(nb, nl, warp, row, buffers, out);
      scf::YieldOp::create(nb, nl);
    });
    gpu::TerminatorOp::create(b, loc);
  }
  finish();
  return launch;
}

Operation *convertPathNeuron(RewriterBase &rewriter, PathNeuronOp op,
                             int64_t warpsPerBlock, bool onHost) {
  int64_t levels = op.getDepth() + 1;
  int64_t nodesPerTree = op.getNodesPerTree();
  int64_t trees = op.getTrees();
  Activation act = op.getActivation();
  TieRule tie = op.getTie();
  return replaceWithKernel(
      rewriter, op, warpsPerBlock, onHost,
      [&](OpBuilder &b, Location loc, const Warp &warp, Value row,
          ArrayRef<Value> buf, Value out) {
        Value x = buf[0], win = buf[1], bin = buf[2], wout = buf[3];
        Value width = bufferDim(b, loc, x, 1);
        Value outWidth = bufferDim(b, loc, out, 1);
        Type type = getElementTypeOrSelf(x.getType());
        buildLaneLoop(
            b, loc, warp, outWidth, [&](OpBuilder &nb, Location nl, Value c) {
              memref::StoreOp::create(nb, nl, floatConstant(nb, nl, type, 0.0),
                                      out, ValueRange{row, c});
            });
        Value zero = constantIndex(b, loc, 0);
        Value numTrees = constantIndex(b, loc, trees);
        Value one = constantIndex(b, loc, 1);
        scf::ForOp::create(
            b, loc, zero, numTrees, one, ValueRange{},
            [&](OpBuilder &tb, Location tl, Value tree, ValueRange) {
              Value base = arith::MulIOp::create(tb, tl, tree,
                                                 constantIndex(tb, tl, nodesPerTree));
              Value first = constantIndex(tb, tl, 0);
              Value numLevels = constantIndex(tb, tl, levels);
              Value step = constantIndex(tb, tl, 1);
              Value root = constantIndex(tb, tl, 0);
              scf::ForOp::create(
                  tb, tl, first, numLevels, step, ValueRange{root},
                  [&](OpBuilder &nb, Location nl, Value, ValueRange n) {
                    Value node = arith::AddIOp::create(nb, nl, base, n[0]);
                    Value z = buildNodeLogit(nb, nl, warp, x, row, width, win,
                                             bin, node);
                    Value a = buildActivation(nb, nl, z, act);
                    buildRowUpdate(nb, nl, warp, out, row, outWidth, a,
                                   [&](OpBuilder &ib, Location il, Value c) {
                                     return load(ib, il, wout, {node, c});
                                   });
                    Value next = buildChild(nb, nl, n[0],
                                            buildGoesRight(nb, nl, z, tie));
                    scf::YieldOp::create(nb, nl, next);
                  });
              scf::YieldOp::create(tb, tl);
            });
      });
}

/// Adds `scale * act(x[row] @ w1(j) + b1(j)) * w2[j, :]` over the hidden
/// units j of one MLP into the row (its output bias already stored).
void buildHiddenUnits(
    OpBuilder &b, Location loc, const Warp &warp, Value x, Value row, Value out,
    Value hidden, Activation act, Value scale,
    function_ref<Value(OpBuilder &, Location, Value i, Value j)> w1, IndexFn b1,
    function_ref<Value(OpBuilder &, Location, Value j, Value c)> w2) {
  Value width = bufferDim(b, loc, x, 1);
  Value outWidth = bufferDim(b, loc, out, 1);
  Type type = getElementTypeOrSelf(x.getType());
  Value zero = constantIndex(b, loc, 0);
  Value one = constantIndex(b, loc, 1);
  scf::ForOp::create(
      b, loc, zero, hidden, one, ValueRange{},
      [&](OpBuilder &nb, Location nl, Value j, ValueRange) {
        Value dot = buildWarpSum(nb, nl, warp, width, type,
                                 [&](OpBuilder &ib, Location il, Value i) {
                                   Value xi = load(ib, il, x, {row, i});
                                   Value wi = w1(ib, il, i, j);
                                   return arith::MulFOp::create(ib, il, xi, wi);
                                 });
        Value h = buildActivation(
            nb, nl, arith::AddFOp::create(nb, nl, dot, b1(nb, nl, j)), act);
        if (scale)
          h = arith::MulFOp::create(nb, nl, scale, h);
        buildRowUpdate(nb, nl, warp, out, row, outWidth, h,
                       [&](OpBuilder &ib, Location il, Value c) {
                         return w2(ib, il, j, c);
                       });
        scf::YieldOp::create(nb, nl);
      });
}

Operation *convertLeafMlp(RewriterBase &rewriter, LeafMlpOp op,
                          int64_t warpsPerBlock, bool onHost) {
  int64_t depth = op.getDepth();
  bool master = op.hasMasterLeaf();
  Activation act = op.getActivation();
  TieRule tie = op.getTie();
  return replaceWithKernel(
      rewriter, op, warpsPerBlock, onHost,
      [&](OpBuilder &b, Location loc, const Warp &warp, Value row,
          ArrayRef<Value> buf, Value out) {
        Value x = buf[0], nw = buf[1], nb = buf[2], w1 = buf[3], b1 = buf[4],
              w2 = buf[5], b2 = buf[6];
        Value width = bufferDim(b, loc, x, 1);
        Value outWidth = bufferDim(b, loc, out, 1);
        Type type = getElementTypeOrSelf(x.getType());
        Value zero = constantIndex(b, loc, 0);
        Value levels = constantIndex(b, loc, depth);
        Value one = constantIndex(b, loc, 1);
        Value root = constantIndex(b, loc, 0);
        auto walk = scf::ForOp::create(
            b, loc, zero, levels, one, ValueRange{root},
            [&](OpBuilder &wb, Location wl, Value, ValueRange n) {
              Value z =
                  buildNodeLogit(wb, wl, warp, x, row, width, nw, nb, n[0]);
              scf::YieldOp::create(
                  wb, wl,
                  buildChild(wb, wl, n[0], buildGoesRight(wb, wl, z, tie)));
            });
        Value leaf =
            arith::SubIOp::create(b, loc, walk.getResult(0),
                                  constantIndex(b, loc, getLeafTreeNodeCount(depth)));

        // With a master leaf the output is s * leaf + (1 - s) * master:
        // each MLP's terms are scaled as they are added.
        Value s, r;
        if (master) {
          s = buildSigmoid(b, loc, load(b, loc, buf[11], {}));
          r = arith::SubFOp::create(b, loc, floatConstant(b, loc, type, 1.0),
                                    s);
        }
        buildLaneLoop(
            b, loc, warp, outWidth, [&](OpBuilder &nb2, Location nl, Value c) {
              Value bias = load(nb2, nl, b2, {leaf, c});
              if (master) {
                Value leafTerm = arith::MulFOp::create(nb2, nl, s, bias);
                Value masterBias = load(nb2, nl, buf[10], {c});
                Value masterTerm =
                    arith::MulFOp::create(nb2, nl, r, masterBias);
                bias = arith::AddFOp::create(nb2, nl, leafTerm, masterTerm);
              }
              memref::StoreOp::create(nb2, nl, bias, out, ValueRange{row, c});
            });
        buildHiddenUnits(
            b, loc, warp, x, row, out, bufferDim(b, loc, w1, 2), act, s,
            [&](OpBuilder &ib, Location il, Value i, Value j) {
              return load(ib, il, w1, {leaf, i, j});
            },
            [&](OpBuilder &ib, Location il, Value j) {
              return load(ib, il, b1, {leaf, j});
            },
            [&](OpBuilder &ib, Location il, Value j, Value c) {
              return load(ib, il, w2, {leaf, j, c});
            });
        if (!master)
          return;
        Value mw1 = buf[7], mb1 = buf[8], mw2 = buf[9];
        buildHiddenUnits(
            b, loc, warp, x, row, out, bufferDim(b, loc, mw1, 1), act, r,
            [&](OpBuilder &ib, Location il, Value i, Value j) {
              return load(ib, il, mw1, {i, j});
            },
            [&](OpBuilder &ib, Location il, Value j) {
              return load(ib, il, mb1, {j});
            },
            [&](OpBuilder &ib, Location il, Value j, Value c) {
              return load(ib, il, mw2, {j, c});
            });
      });
}

/// `floor(v)` for an f32 `v` in the range of i32, from a truncation (the
/// only use: exp's range reduction, whose argument is clamped to +-127).
/// NVVM lowering sends both math.floor and llvm.intr.floor to libdevice (as
/// it does fabs, below).
Value buildFloor(OpBuilder &b, Location loc, Value v) {
  Value truncated = arith::SIToFPOp::create(
      b, loc, v.getType(), arith::FPToSIOp::create(b, loc, b.getI32Type(), v));
  Value above =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, truncated, v);
  Value lower = arith::SubFOp::create(b, loc, truncated,
                                      floatConstant(b, loc, v.getType(), 1.0));
  return arith::SelectOp::create(b, loc, above, lower, truncated);
}

/// `|v|` for an f32 `v`: its sign bit cleared (exact, NaN included).
Value buildAbs(OpBuilder &b, Location loc, Value v) {
  Value bits = arith::BitcastOp::create(b, loc, b.getI32Type(), v);
  Value mask = arith::ConstantIntOp::create(b, loc, 0x7fffffff, 32);
  return arith::BitcastOp::create(b, loc, v.getType(),
                                  arith::AndIOp::create(b, loc, bits, mask));
}

struct ConvertFFFToGPUPass
    : public fff::impl::ConvertFFFToGPUBase<ConvertFFFToGPUPass> {
  using ConvertFFFToGPUBase::ConvertFFFToGPUBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (warpsPerBlock < 1 || warpsPerBlock > 32) {
      module.emitError("convert-fff-to-gpu: warps-per-block must be in "
                       "[1, 32], got ")
          << static_cast<int64_t>(warpsPerBlock);
      return signalPassFailure();
    }
    SmallVector<Operation *> layers;
    WalkResult walk = module.walk([&](Operation *op) {
      if (isa<RouteOp, RoutePathOp, CmmOp>(op)) {
        op->emitError() << "'" << op->getName()
                        << "' has no GPU lowering: the GPU target compiles "
                           "whole layers (fff.leaf_mlp, fff.path_neuron)";
        return WalkResult::interrupt();
      }
      if (!isa<LeafMlpOp, PathNeuronOp>(op))
        return WalkResult::advance();
      Type elem = getElementTypeOrSelf(op->getResult(0).getType());
      if (!elem.isF32()) {
        op->emitError() << "the GPU lowering supports f32 layers, not " << elem;
        return WalkResult::interrupt();
      }
      layers.push_back(op);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (layers.empty())
      return;
    if (!emulateOnHost)
      module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                      UnitAttr::get(&getContext()));

    IRRewriter rewriter(&getContext());
    SmallVector<Operation *> kernels;
    for (Operation *op : layers) {
      rewriter.setInsertionPoint(op);
      if (auto path = dyn_cast<PathNeuronOp>(op))
        kernels.push_back(
            convertPathNeuron(rewriter, path, warpsPerBlock, emulateOnHost));
      else
        kernels.push_back(convertLeafMlp(rewriter, cast<LeafMlpOp>(op),
                                         warpsPerBlock, emulateOnHost));
    }

    // erf/tanh/exp as polynomials: NVVM would call libdevice for them, which
    // only a CUDA toolkit provides (and gpu-module-to-binary links only when
    // it finds one). Emulated kernels get the same, so that their results
    // are the GPU's.
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    SmallVector<Operation *> kernelOps;
    for (Operation *kernel : kernels)
      kernel->walk([&](Operation *op) {
        if (op != kernel)
          kernelOps.push_back(op);
      });
    if (failed(applyOpPatternsGreedily(
            kernelOps, std::move(patterns),
            GreedyRewriteConfig().setStrictness(
                GreedyRewriteStrictness::ExistingAndNewOps))))
      return signalPassFailure();
    // What the approximations are made of, as LLVM intrinsics (which NVPTX
    // compiles to single instructions) or arith, rather than math ops (which
    // NVVM lowering would also send to libdevice).
    for (Operation *kernel : kernels) {
      WalkResult math = kernel->walk([&](Operation *op) {
        rewriter.setInsertionPoint(op);
        if (auto fma = dyn_cast<math::FmaOp>(op))
          rewriter.replaceOpWithNewOp<LLVM::FMAOp>(fma, fma.getA(), fma.getB(),
                                                   fma.getC());
        else if (auto floor = dyn_cast<math::FloorOp>(op))
          rewriter.replaceOp(
              floor, buildFloor(rewriter, floor.getLoc(), floor.getOperand()));
        else if (auto abs = dyn_cast<math::AbsFOp>(op))
          rewriter.replaceOp(
              abs, buildAbs(rewriter, abs.getLoc(), abs.getOperand()));
        else if (isa<math::MathDialect>(op->getDialect())) {
          op->emitError() << "'" << op->getName()
                          << "' has no lowering in GPU kernels that avoids "
                             "libdevice";
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
      if (math.wasInterrupted())
        return signalPassFailure();
    }
  }
};

} // namespace
