//===- Arithmetic.h - Activations and routing decisions ---------*- C++ -*-===//
//
// The scalar (or vector) arithmetic of a node: activations, the sigmoid of
// the master-leaf gate, the tie rule's decision and the child it selects.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_UTILS_ARITHMETIC_H
#define FFF_DIALECT_FFF_UTILS_ARITHMETIC_H

#include "fff/Dialect/FFF/IR/FFFOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::fff {

/// `act(v)` for a scalar or vector float `v`. f16/bf16 are computed in f32.
Value buildActivation(OpBuilder &b, Location loc, Value v, Activation act);

/// `1 / (1 + exp(-v))` for a scalar float.
Value buildSigmoid(OpBuilder &b, Location loc, Value v);

/// The i1 "go right" decision for logit `s`; NaN compares false (left).
Value buildGoesRight(OpBuilder &b, Location loc, Value s, TieRule tie);

/// The child of heap node `node` (index) that `goesRight` (i1) selects.
Value buildChild(OpBuilder &b, Location loc, Value node, Value goesRight);

} // namespace mlir::fff

#endif // FFF_DIALECT_FFF_UTILS_ARITHMETIC_H
