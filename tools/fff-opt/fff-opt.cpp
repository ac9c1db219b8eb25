//===- fff-opt.cpp - mlir-opt with the fff dialect --------------------===//
//
// Everything mlir-opt registers (dialects, passes, extensions, LLVM IR
// translations), plus the fff dialect and its passes, behind the same
// MlirOptMain driver: same flags, same diagnostics.
//
//===----------------------------------------------------------------------===//

#include "fff/InitAllFFF.h"
#include "fff/Tools/ErrorHandlers.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

namespace mlir::fff::test {
void registerTestLayerStrategiesPass();
} // namespace mlir::fff::test

int main(int argc, char **argv) {
  // LLVM's fatal errors end the run as one error line, exit code 1.
  mlir::fff::ToolErrorHandlers handlers;
  handlers.tool = "fff-opt";
  handlers.outOfMemoryLine =
      "fff-opt: error: out of memory; the input may be too large for this "
      "machine\n";
  mlir::fff::installToolErrorHandlers(handlers);

  mlir::registerAllPasses();
  mlir::fff::registerAllFFFPasses();
  mlir::fff::test::registerTestLayerStrategiesPass(); // test/lib

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary needs the LLVM IR translations.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::fff::registerAllFFFDialects(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "fff-mlir optimizer driver\n", registry));
}
