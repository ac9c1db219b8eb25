//===- PassFailureNote.cpp - Which pass of a pipeline failed --------------===//

#include "fff/Tools/PassFailureNote.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"

#include <atomic>

using namespace mlir;

namespace {
class PassFailureNote : public PassInstrumentation {
public:
  explicit PassFailureNote(StringRef pipeline) : pipeline(pipeline.str()) {}

  void runAfterPassFailed(Pass *pass, Operation *op) override {
    // A nested pass fails first, then each pass manager around it: only
    // the innermost is the one at fault. Passes on several functions at
    // once may fail together; one remark is enough.
    if (noted.exchange(true))
      return;
    StringRef argument = pass->getArgument();
    // A remark: MLIR attaches notes only to a diagnostic in flight, and
    // the pass's error has gone out already.
    InFlightDiagnostic remark = emitRemark(op->getLoc());
    remark << "from pass '" << (argument.empty() ? pass->getName() : argument)
           << "' of " << pipeline << ", run on ";
    if (isa<ModuleOp>(op))
      remark << "the module";
    else if (auto symbol = dyn_cast<SymbolOpInterface>(op))
      remark << "@" << symbol.getName();
    else
      remark << "this '" << op->getName() << "'";
    remark << "; docs/passes.md says what each pass takes, and "
              "--mlir-print-ir-after-failure prints the IR it failed on";
  }

private:
  std::string pipeline;
  std::atomic<bool> noted{false};
};
} // namespace

void mlir::fff::addPassFailureNote(PassManager &pm, StringRef pipeline) {
  pm.addInstrumentation(std::make_unique<PassFailureNote>(pipeline));
}
