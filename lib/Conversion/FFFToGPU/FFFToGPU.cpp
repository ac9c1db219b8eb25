//===- FFFToGPU.cpp - whole fff layers -> one GPU kernel each ------------===//
//
// See Passes.td for the kernel design, Kernel.cpp for the launch around a
// row's body. One conversion pattern per layer op; each body names the
// layer's buffers through the op's adaptor. The math in the kernels is
// expanded by fff-gpu-expand-math (ExpandMath.cpp), which the GPU pipeline
// runs next.
//
//===----------------------------------------------------------------------===//

#include "Kernel.h"

#include "fff/Conversion/FFFToGPU/FFFToGPU.h"
#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "fff/Dialect/FFF/Utils/Arithmetic.h"
#include "fff/Dialect/FFF/Utils/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::fff {
#define GEN_PASS_DEF_CONVERTFFFTOGPU
#include "fff/Conversion/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;
using namespace mlir::fff;
using namespace mlir::fff::detail;

namespace {

void convertPathNeuron(RewriterBase &rewriter, PathNeuronOp op,
                       ValueRange operands, int64_t warpsPerBlock,
                       bool onHost) {
  int64_t levels = op.getDepth() + 1;
  int64_t nodesPerTree = op.getNodesPerTree();
  int64_t trees = op.getTrees();
  Activation act = op.getActivation();
  TieRule tie = op.getTie();
  replaceWithKernel(
      rewriter, op, operands, warpsPerBlock, onHost,
      [&](OpBuilder &b, Location loc, const Warp &warp, Value row,
          ValueRange buffers) {
        PathNeuronOp::Adaptor buf(buffers, op);
        Value x = buf.getInput(), win = buf.getNodeWeights(),
              bin = buf.getNodeBiases(), wout = buf.getOutputWeights(),
              out = buf.getInit();
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

void convertLeafMlp(RewriterBase &rewriter, LeafMlpOp op, ValueRange operands,
                    int64_t warpsPerBlock, bool onHost) {
  int64_t depth = op.getDepth();
  bool master = op.hasMasterLeaf();
  Activation act = op.getActivation();
  TieRule tie = op.getTie();
  replaceWithKernel(
      rewriter, op, operands, warpsPerBlock, onHost,
      [&](OpBuilder &b, Location loc, const Warp &warp, Value row,
          ValueRange buffers) {
        LeafMlpOp::Adaptor buf(buffers, op);
        Value x = buf.getInput(), nw = buf.getNodeWeights(),
              nb = buf.getNodeBiases(), w1 = buf.getW1(), b1 = buf.getB1(),
              w2 = buf.getW2(), b2 = buf.getB2(), out = buf.getInit();
        ValueRange masterBufs = buf.getMaster();
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
          s = buildSigmoid(b, loc, load(b, loc, LeafMlpOp::getMasterGate(masterBufs), {}));
          r = arith::SubFOp::create(b, loc, floatConstant(b, loc, type, 1.0),
                                    s);
        }
        buildLaneLoop(
            b, loc, warp, outWidth, [&](OpBuilder &nb2, Location nl, Value c) {
              Value bias = load(nb2, nl, b2, {leaf, c});
              if (master) {
                Value leafTerm = arith::MulFOp::create(nb2, nl, s, bias);
                Value masterBias = load(nb2, nl, LeafMlpOp::getMagicB2(masterBufs),
                                         {c});
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
        Value mw1 = LeafMlpOp::getMagicW1(masterBufs),
              mb1 = LeafMlpOp::getMagicB1(masterBufs),
              mw2 = LeafMlpOp::getMagicW2(masterBufs);
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

/// One layer op -> one kernel, with `convert` writing its body.
template <typename OpTy>
struct LayerToKernel : OpConversionPattern<OpTy> {
  using ConvertFn = void (*)(RewriterBase &, OpTy, ValueRange, int64_t, bool);
  LayerToKernel(MLIRContext *context, const ConvertFFFToGPUOptions &options,
                ConvertFn convert, PatternBenefit benefit)
      : OpConversionPattern<OpTy>(context, benefit), options(options),
        convert(convert) {}

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!getElementTypeOrSelf(op.getType()).isF32())
      return rewriter.notifyMatchFailure(op, "not f32");
    convert(rewriter, op, adaptor.getOperands(), options.warpsPerBlock,
            options.emulateOnHost);
    return success();
  }

  ConvertFFFToGPUOptions options;
  ConvertFn convert;
};

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
    bool anyLayer = false;
    WalkResult walk = module.walk([&](Operation *op) {
      if (isa<RouteOp, RoutePathOp, CmmOp, BucketOp, GroupedMatmulOp>(op)) {
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
      anyLayer = true;
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (!anyLayer)
      return;
    if (!emulateOnHost)
      module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                      UnitAttr::get(&getContext()));

    ConversionTarget target(getContext());
    target.addIllegalOp<LeafMlpOp, PathNeuronOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    ConvertFFFToGPUOptions options;
    options.warpsPerBlock = warpsPerBlock;
    options.emulateOnHost = emulateOnHost;
    populateFFFToGPUConversionPatterns(patterns, options);
    // The layers' folds are canonicalization's business: every layer
    // converts.
    ConversionConfig config;
    config.foldingMode = DialectConversionFoldingMode::Never;
    if (failed(applyPartialConversion(module, target, std::move(patterns),
                                      config)))
      signalPassFailure();
  }
};

} // namespace

void fff::populateFFFToGPUConversionPatterns(
    RewritePatternSet &patterns, const ConvertFFFToGPUOptions &options,
    PatternBenefit benefit) {
  MLIRContext *context = patterns.getContext();
  patterns.add<LayerToKernel<PathNeuronOp>>(context, options, convertPathNeuron,
                                            benefit);
  patterns.add<LayerToKernel<LeafMlpOp>>(context, options, convertLeafMlp,
                                         benefit);
}
