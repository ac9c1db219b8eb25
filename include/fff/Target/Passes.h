//===- Passes.h - The C ABI of compiled modules -----------------*- C++ -*-===//

#ifndef FFF_TARGET_PASSES_H
#define FFF_TARGET_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::fff {

#define GEN_PASS_DECL
#include "fff/Target/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fff/Target/Passes.h.inc"

} // namespace mlir::fff

#endif // FFF_TARGET_PASSES_H
