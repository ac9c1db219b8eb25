//===- InitAllFFF.h - Register everything fff-mlir defines ------*- C++ -*-===//
//
// One place that tools (fff-opt, fff-compile, the Python module) call so that
// they all see the same dialects and passes.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_INITALLFFF_H
#define FFF_INITALLFFF_H

#include "fff/Conversion/Passes.h"
#include "fff/Dialect/FFF/IR/FFFDialect.h"
#include "fff/Dialect/FFF/Transforms/Passes.h"
#include "fff/Pipelines/Pipelines.h"
#include "fff/Target/Passes.h"

#include "mlir/IR/DialectRegistry.h"

namespace mlir::fff {

/// Registers the fff dialect and its interface implementations.
inline void registerAllFFFDialects(DialectRegistry &registry) {
  registry.insert<FFFDialect>();
}

/// Registers fff-mlir's passes and named pipelines.
inline void registerAllFFFPasses() {
  registerFFFTransformsPasses();
  registerFFFConversionPasses();
  registerFFFTargetPasses();
  registerFFFPipelines();
}

} // namespace mlir::fff

#endif // FFF_INITALLFFF_H
