//===- ConstantLimits.h - Constants too large to translate ------*- C++ -*-===//
//
// LLVM holds every constant's bytes in memory while it translates and
// optimizes them, and a PIC shared library reaches its read-only data only
// within +-2 GiB of the code: a constant of 2^31 floats, or a splat of 2^62
// elements, makes translateModuleToLLVMIR abort (out of memory,
// std::length_error) rather than fail. fff-compile checks every constant
// against these limits first and names the one at fault.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_TARGET_CONSTANTLIMITS_H
#define FFF_TARGET_CONSTANTLIMITS_H

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>

namespace mlir::fff {

/// fff-compile's defaults: 1 GiB per constant, 1.5 GiB in all, which holds
/// the 16-layer encoder's 650 MB of weights baked in, and stays inside the
/// 2 GiB that PC-relative addressing reaches.
constexpr uint64_t kDefaultMaxConstantBytes = uint64_t(1) << 30;
constexpr uint64_t kDefaultMaxTotalConstantBytes = uint64_t(3) << 29;

struct ConstantLimits {
  uint64_t perConstant = kDefaultMaxConstantBytes;
  uint64_t total = kDefaultMaxTotalConstantBytes;
};

/// The bytes that `type`'s data takes in memory, or nullopt when that is
/// not a number of bytes that fits in 64 bits (or the shape is not static).
std::optional<uint64_t> getStorageBytes(ShapedType type);

/// Fails with an error at the offending op when an elements attribute in
/// `module` (a dense constant, a global's initializer) exceeds
/// `limits.perConstant`, or all of them together exceed `limits.total`.
/// `hint` ends each message: what the user can do instead.
LogicalResult checkConstantSizes(ModuleOp module, const ConstantLimits &limits,
                                 StringRef hint);

} // namespace mlir::fff

#endif // FFF_TARGET_CONSTANTLIMITS_H
