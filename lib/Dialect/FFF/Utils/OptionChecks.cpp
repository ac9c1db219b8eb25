//===- OptionChecks.cpp - Bounds of the lowering options ------------------===//

#include "fff/Dialect/FFF/Utils/OptionChecks.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/Twine.h"

using namespace mlir;
using namespace mlir::fff;

std::string fff::checkRowLoopOptions(int64_t rowBlock, int64_t interleave) {
  if (rowBlock < 1)
    return ("row-block must be >= 1, got " + Twine(rowBlock)).str();
  if (interleave < 0 || interleave > kMaxInterleave)
    return ("interleave must be in [0, " + Twine(kMaxInterleave) +
            "] (0 = chosen per layer), got " + Twine(interleave))
        .str();
  if (interleave > 1 && rowBlock > 1)
    return "row-block and interleave cannot both be above 1 (interleaved "
           "groups are the blocks)";
  return "";
}

std::string fff::checkVectorWidth(int64_t width) {
  if (width >= 0 && width <= kMaxVectorWidth)
    return "";
  return ("vector-width must be in [0, " + Twine(kMaxVectorWidth) + "], got " +
          Twine(width))
      .str();
}

std::string fff::checkWalkStep(int64_t walkStep) {
  if (walkStep == 1 || walkStep == 2)
    return "";
  return ("walk-step must be 1 or 2, got " + Twine(walkStep)).str();
}
