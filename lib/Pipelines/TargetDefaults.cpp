//===- TargetDefaults.cpp - What fff-cpu-pipeline decides from its target -===//
//
// The CPU pipeline's target options name the machine; the settings that
// depend on it (vector-width=auto) are decided here and nowhere else, for
// fff-opt and fff-compile alike. Without target options the machine is a
// generic CPU of the host's architecture, so that fff-opt's output (and
// every lit test) is the same on any host.
//
//===----------------------------------------------------------------------===//

#include "fff/Pipelines/Pipelines.h"

using namespace mlir;
using namespace mlir::fff;

TargetOptions fff::getTargetOptions(const CPUPipelineOptions &options,
                                    unsigned optLevel) {
  TargetOptions target;
  target.triple = options.targetTriple;
  target.cpu = options.targetCPU;
  target.features = options.targetFeatures;
  target.optLevel = optLevel;
  return target;
}

FailureOr<int64_t>
fff::getVectorWidth(const CPUPipelineOptions &options,
                    function_ref<LogicalResult(const Twine &)> errorHandler) {
  // The target is checked even where nothing depends on it yet.
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine =
      createTargetMachine(getTargetOptions(options), error);
  if (!machine)
    return errorHandler("fff-cpu-pipeline: target: " + error);
  StringRef value = options.vectorWidth;
  if (value == "auto")
    return getPreferredVectorWidth(*machine);
  int64_t width;
  if (value.getAsInteger(10, width))
    return errorHandler("fff-cpu-pipeline: vector-width=" + value +
                        ": expected 'auto' or an integer");
  return width;
}
