//===- InitAllFFF.h - Register everything fff-mlir defines ------*- C++ -*-===//
//
// One place that tools (fff-opt, fff-compile, the Python module) call so that
// they all see the same dialects and passes.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_INITALLFFF_H
#define FFF_INITALLFFF_H

#include "fff/Dialect/FFF/IR/FFFDialect.h"

#include "mlir/IR/DialectRegistry.h"

namespace mlir::fff {

/// Registers the fff dialect and its interface implementations.
inline void registerAllFFFDialects(DialectRegistry &registry) {
  registry.insert<FFFDialect>();
}

/// Registers fff-mlir's passes and pipelines (none yet beyond upstream's).
inline void registerAllFFFPasses() {}

} // namespace mlir::fff

#endif // FFF_INITALLFFF_H
