//===- FFFOps.h - Operations of the fff dialect ---------------*- C++ -*-===//

#ifndef FFF_DIALECT_FFF_IR_FFFOPS_H
#define FFF_DIALECT_FFF_IR_FFFOPS_H

#include "fff/Dialect/FFF/IR/FFFDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::fff {

/// Number of routing nodes of a leaf-routing tree of `depth` decisions
/// (`fff.route`, `fff.leaf_mlp`): 2^depth - 1.
inline int64_t getLeafTreeNodeCount(int64_t depth) {
  return (int64_t(1) << depth) - 1;
}

/// Number of leaves of that tree: 2^depth.
inline int64_t getLeafCount(int64_t depth) { return int64_t(1) << depth; }

/// Number of nodes of one path-neuron tree of `depth` moves
/// (`fff.route_path`, `fff.path_neuron`): 2^(depth+1) - 1.
inline int64_t getPathTreeNodeCount(int64_t depth) {
  return (int64_t(1) << (depth + 1)) - 1;
}

/// The result shapes of a destination-style fff op: those of its inits.
LogicalResult reifyShapesOfInits(OpBuilder &builder,
                                 DestinationStyleOpInterface op,
                                 ReifiedRankedShapedTypeDims &shapes);

} // namespace mlir::fff

#define GET_OP_CLASSES
#include "fff/Dialect/FFF/IR/FFFOps.h.inc"

namespace mlir::fff {

/// A shape rule of an fff op that verification could not decide because a
/// size is dynamic: dimension `dim` of `value` must equal dimension
/// `otherDim` of `other`, or `expected` when `other` is null. `message` names
/// the operands and the reason, as the verifier would.
struct DynamicShapeRule {
  Value value;
  unsigned dim;
  Value other;
  unsigned otherDim;
  int64_t expected;
  std::string message;
};

/// The rules of `op` (a verified fff op) left to run time; empty for ops of
/// other dialects and for fully static shapes.
SmallVector<DynamicShapeRule> getDynamicShapeRules(Operation *op);

} // namespace mlir::fff

#endif // FFF_DIALECT_FFF_IR_FFFOPS_H
