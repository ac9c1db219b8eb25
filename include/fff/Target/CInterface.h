//===- CInterface.h - The C ABI of compiled fff modules ---------*- C++ -*-===//
//
// fff-compile gives every public function of the input a C entry point that
// takes plain pointers and sizes instead of MLIR memref descriptors:
//
//   int32_t <prefix><name>(const T *arg0, int64_t arg0_dim0, ...,
//                          T *result0, ...);
//
// Each array argument is a pointer to row-major data followed by one int64_t
// per dynamic dimension; scalars pass by value. Each result is written into a
// caller-allocated row-major buffer whose shape the header states in terms of
// the argument sizes. The return value is a status (0 = success), never an
// abort on bad arguments. docs/user-guide.md documents the ABI for users.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_TARGET_CINTERFACE_H
#define FFF_TARGET_CINTERFACE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace mlir::fff {

/// The version of the C ABI, `FFF_ABI_VERSION` in every generated header:
/// raised whenever a header or library of the previous version would be
/// called wrongly (the calling convention, the fff-abi JSON, the status codes'
/// meaning).
constexpr int32_t kCABIVersion = 2;

/// Status codes returned by the generated entry points (CStatus.def).
enum class CStatus : int32_t {
#define FFF_STATUS(NAME, CODE, C_NAME, COMMENT, MESSAGE) NAME = CODE,
#include "fff/Target/CStatus.def"
};

/// A status code as the generated header spells and explains it.
struct CStatusInfo {
  CStatus status;
  StringLiteral cName;   // FFF_OK, FFF_ERROR_...
  StringLiteral comment; // beside the enumerator in the header
  StringLiteral message; // what fff_status_string() returns
};

/// Every status code, in CStatus.def's order.
ArrayRef<CStatusInfo> getCStatusInfos();

/// One dimension of a result: static, or equal to a dimension of an argument.
struct CResultDim {
  int64_t size = 0;      // the static size when `argIndex < 0`
  int64_t argIndex = -1; // else: argument `argIndex`, dimension `argDim`
  int64_t argDim = -1;
};

/// A parameter of an entry point: an array (pointer + dynamic dimensions) or a
/// scalar passed by value.
struct CParam {
  std::string name;
  Type elementType;
  bool isArray = false;
  /// ShapedType::kDynamic for dynamic dims.
  SmallVector<int64_t> shape;
  /// Results only: where each size comes from.
  SmallVector<CResultDim> resultDims;
  /// Memref arguments may be written by the compiled code (not `const`).
  bool isWritable = false;
  /// Integer arrays with `fff.index_bound = N`: every element must lie in
  /// [0, N) (e.g. token ids into an embedding table), checked on entry.
  std::optional<int64_t> indexBound;
};

/// A shape rule of the model between argument sizes, checked by the entry
/// point before it runs anything (else the compiled code would abort or
/// read out of bounds): lhs == rhs, or lhs <= rhs when `atMost`.
struct CShapeCheck {
  CResultDim lhs, rhs; // lhs is an argument dimension; rhs one or a constant
  std::string message;
  bool atMost = false;
};

/// The C entry point of one public function.
struct CEntryPoint {
  std::string function; // the MLIR function
  std::string symbol;   // the exported C symbol
  SmallVector<CParam> args;
  SmallVector<CParam> results;
  SmallVector<CShapeCheck> shapeChecks;
  /// Compiled for a GPU (fff-gpu-pipeline): every array is a device pointer
  /// and the entry point reports the CUDA runtime's errors as CStatus::GPU.
  bool onDevice = false;
};

/// Describes the C entry points of `module`'s public functions (tensor or
/// memref level, before lowering). Reports an error at the function for a
/// signature the ABI cannot express (e.g. a result size that is not a
/// dimension of an argument). Argument attributes add checks:
///   fff.index_bound = N : i64     every element of an integer array in [0, N)
///   fff.same_sizes = [[d, j, e]]  dimension d equals argument j's dimension e
///   fff.max_sizes = array<i64: m0, ...>   dimension k at most mk (-1: any)
FailureOr<std::vector<CEntryPoint>> describeCEntryPoints(ModuleOp module,
                                                         StringRef prefix);

/// Readies the described functions for lowering: tensor arguments become
/// `bufferization.writable = false` (the C signature promises `const`, so
/// bufferization must copy rather than write into a caller's array), and the
/// `fff.name` attributes, now in the description, are dropped.
void prepareForLowering(ModuleOp module, ArrayRef<CEntryPoint> entries);

/// Adds the entry points to `module` once it is in the LLVM dialect (after
/// fff-cpu-pipeline), each calling the lowered function, which becomes
/// internal so that only the C ABI is exported.
LogicalResult generateCEntryPoints(ModuleOp module,
                                   ArrayRef<CEntryPoint> entries);

/// Writes the C header declaring `entries`. `source` is named in a comment.
void writeCHeader(llvm::raw_ostream &os, ArrayRef<CEntryPoint> entries,
                  StringRef guard, StringRef source);

/// The C spelling of an element type (`float`, `uint16_t` for f16/bf16 ...).
StringRef getCTypeName(Type type);

} // namespace mlir::fff

#endif // FFF_TARGET_CINTERFACE_H
