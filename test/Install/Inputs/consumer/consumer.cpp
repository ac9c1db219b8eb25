// consumer MODEL PASSES: parses a model with fff ops, runs fff-mlir's passes
// on it (a pipeline such as "fff-expand-layers") and prints the result, built
// from the installed headers and libraries only.
#include "fff/InitAllFFF.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  mlir::DialectRegistry registry;
  mlir::fff::registerAllFFFDialects(registry);
  registry.insert<mlir::arith::ArithDialect, mlir::func::FuncDialect>();
  mlir::fff::registerAllFFFPasses();
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], &context);
  mlir::PassManager pm(&context);
  if (!module || mlir::failed(mlir::parsePassPipeline(argv[2], pm)) ||
      mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  return 0;
}
