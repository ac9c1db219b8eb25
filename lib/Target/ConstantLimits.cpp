//===- ConstantLimits.cpp - Constants too large to translate --------------===//

#include "fff/Target/ConstantLimits.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::fff;

std::optional<uint64_t> fff::getStorageBytes(ShapedType type) {
  if (!type.hasStaticShape())
    return std::nullopt;
  // Whole bytes per element, as LLVM stores an array of them (i1 in a byte).
  uint64_t bytes =
      llvm::divideCeil(type.getElementTypeBitWidth(), uint64_t(8));
  for (int64_t dim : type.getShape()) {
    bool overflow = false;
    bytes = llvm::SaturatingMultiply(bytes, uint64_t(dim), &overflow);
    if (overflow)
      return std::nullopt;
  }
  return bytes;
}

/// "1.5 GiB (1610612736 bytes)", or "300 bytes", for a message.
static std::string humanBytes(uint64_t bytes) {
  const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = double(bytes);
  unsigned unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format(unit ? "%.1f %s" : "%.0f %s", value, units[unit]);
  if (unit)
    os << " (" << bytes << " bytes)";
  return text;
}

LogicalResult fff::checkConstantSizes(ModuleOp module,
                                      const ConstantLimits &limits,
                                      StringRef hint) {
  uint64_t total = 0;
  WalkResult result = module.walk([&](Operation *op) {
    for (NamedAttribute named : op->getAttrs()) {
      auto elements = dyn_cast<ElementsAttr>(named.getValue());
      if (!elements)
        continue;
      ShapedType type = elements.getShapedType();
      std::optional<uint64_t> bytes = getStorageBytes(type);
      if (!bytes || *bytes > limits.perConstant) {
        InFlightDiagnostic diag = op->emitError() << "constant of type " << type;
        if (bytes)
          diag << " takes " << humanBytes(*bytes) << ", more than the limit of "
               << humanBytes(limits.perConstant) << " per constant";
        else
          diag << " takes more than 2^64 bytes";
        diag << "; " << hint;
        return WalkResult::interrupt();
      }
      bool overflow = false;
      total = llvm::SaturatingAdd(total, *bytes, &overflow);
      if (overflow || total > limits.total) {
        op->emitError() << "the constants up to this one take more than "
                        << humanBytes(limits.total) << " in all; " << hint;
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}
