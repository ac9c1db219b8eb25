//===- DeviceBuffers.cpp - host buffers of the GPU target live on the GPU ===//
//
// After bufferization for the GPU target every buffer a host function holds
// is device memory. Allocation, deallocation and copies move to the gpu
// dialect; anything else that would read or write a buffer on the host is
// an error at that op (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::fff {
#define GEN_PASS_DEF_FFFGPUDEVICEBUFFERS
#include "fff/Conversion/Passes.h.inc"
} // namespace mlir::fff

using namespace mlir;

namespace {

/// True for host ops that only handle buffers as descriptors (shapes,
/// strides, views) and never dereference them.
bool onlyDescribesBuffers(Operation *op) {
  return isa<memref::DimOp, memref::CastOp, memref::ReinterpretCastOp,
             memref::SubViewOp, memref::ExtractStridedMetadataOp,
             memref::ExtractAlignedPointerAsIndexOp, memref::ViewOp,
             memref::ReshapeOp, memref::CollapseShapeOp, memref::ExpandShapeOp>(
      op);
}

/// Whether `op` reads or writes the contents of a memref-typed value.
bool touchesBufferContents(Operation *op) {
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects) {
    // Unknown effects: conservatively, any op with a memref operand.
    return llvm::any_of(op->getOperandTypes(), llvm::IsaPred<MemRefType>) &&
           !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>();
  }
  SmallVector<MemoryEffects::EffectInstance> list;
  effects.getEffects(list);
  return llvm::any_of(list, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Read, MemoryEffects::Write>(e.getEffect()) &&
           e.getValue() && isa<MemRefType>(e.getValue().getType());
  });
}

struct FFFGPUDeviceBuffersPass
    : public fff::impl::FFFGPUDeviceBuffersBase<FFFGPUDeviceBuffersPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<Operation *> hostOps;
    // Host code only: kernels (gpu.launch bodies, gpu.module) own their
    // buffers' contents.
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp, gpu::GPUModuleOp>(op)) {
        hostOps.push_back(op);
        return WalkResult::skip();
      }
      hostOps.push_back(op);
      return WalkResult::advance();
    });
    for (Operation *op : hostOps) {
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        rewriter.replaceOpWithNewOp<gpu::AllocOp>(
            alloc, alloc.getType(), /*asyncToken=*/Type(), ValueRange{},
            alloc.getDynamicSizes(), alloc.getSymbolOperands(),
            /*hostShared=*/UnitAttr());
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        rewriter.replaceOpWithNewOp<gpu::DeallocOp>(
            dealloc, Type(), ValueRange{}, dealloc.getMemref());
      } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        gpu::MemcpyOp::create(rewriter, loc, Type(), ValueRange{},
                              copy.getTarget(), copy.getSource());
        rewriter.eraseOp(copy);
      } else if (isa<memref::GetGlobalOp>(op)) {
        op->emitError("a constant buffer (weights baked into the IR) "
                      "cannot be read by GPU kernels: pass the weights "
                      "as function arguments (fff-weights-to-arguments, "
                      "fff-compile --weights=arguments)");
        return signalPassFailure();
      } else if (!isa<gpu::LaunchOp, gpu::GPUModuleOp, func::CallOp>(op) &&
                 !onlyDescribesBuffers(op) && touchesBufferContents(op)) {
        op->emitError() << "'" << op->getName()
                        << "' would access device memory on the host: the "
                           "GPU target compiles fff layers, not the "
                           "computation around them";
        return signalPassFailure();
      }
    }
  }
};

} // namespace
