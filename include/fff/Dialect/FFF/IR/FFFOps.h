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

} // namespace mlir::fff

#define GET_OP_CLASSES
#include "fff/Dialect/FFF/IR/FFFOps.h.inc"

#endif // FFF_DIALECT_FFF_IR_FFFOPS_H
