//===- Passes.h - Conversions out of the fff dialect ------------*- C++ -*-===//

#ifndef FFF_CONVERSION_PASSES_H
#define FFF_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::fff {

#define GEN_PASS_DECL
#include "fff/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fff/Conversion/Passes.h.inc"

} // namespace mlir::fff

#endif // FFF_CONVERSION_PASSES_H
