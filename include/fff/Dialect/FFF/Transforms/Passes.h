//===- Passes.h - Transformations of the fff dialect ------------*- C++ -*-===//

#ifndef FFF_DIALECT_FFF_TRANSFORMS_PASSES_H
#define FFF_DIALECT_FFF_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::fff {

#define GEN_PASS_DECL
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fff/Dialect/FFF/Transforms/Passes.h.inc"

} // namespace mlir::fff

#endif // FFF_DIALECT_FFF_TRANSFORMS_PASSES_H
