//===- FFFDialect.cpp - The fast feedforward dialect ---------------------===//

#include "fff/Dialect/FFF/IR/FFFDialect.h"
#include "fff/Dialect/FFF/IR/FFFOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "mlir/Transforms/InliningUtils.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::fff;

#include "fff/Dialect/FFF/IR/FFFEnums.cpp.inc"
#include "fff/Dialect/FFF/IR/FFFOpsDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "fff/Dialect/FFF/IR/FFFAttrs.cpp.inc"

namespace {
/// Every fff op is pure and has no regions, so a call of a function that
/// holds them can be inlined (the C ABI is described after inlining).
struct FFFInlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void FFFDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "fff/Dialect/FFF/IR/FFFAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "fff/Dialect/FFF/IR/FFFOps.cpp.inc"
      >();
  addInterfaces<FFFInlinerInterface>();
}
