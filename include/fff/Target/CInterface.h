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
// the argument sizes (an expression of them, such as x_dim0 * x_dim1). The
// return value is a status (0 = success), never an abort on bad arguments.
// docs/user-guide.md documents the ABI for users.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_TARGET_CINTERFACE_H
#define FFF_TARGET_CINTERFACE_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace mlir::fff {

/// The version of the C ABI, `FFF_ABI_VERSION` in every generated header:
/// raised whenever a header or library of the previous version would be
/// called wrongly (the calling convention, the description file, the status
/// codes' meaning).
constexpr int32_t kCABIVersion = 3;

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

/// A parameter of an entry point: an array (pointer + dynamic dimensions) or a
/// scalar passed by value.
///
/// Sizes are affine expressions of the entry point's size parameters: symbol
/// k is the k-th dynamic dimension of the array arguments, in order (the
/// `int64_t` parameters of the C signature), e.g. `s0 * s1` for the B*S rows
/// of a flattened batch.
struct CParam {
  std::string name;
  Type elementType;
  bool isArray = false;
  /// ShapedType::kDynamic for dynamic dims.
  SmallVector<int64_t> shape;
  /// Results only: the size of each dimension.
  SmallVector<AffineExpr> resultSizes;
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
  AffineExpr lhs, rhs;
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

  /// (argument, dimension) of each size parameter: symbol k of the sizes.
  SmallVector<std::pair<unsigned, unsigned>> getSizeParams() const;
};

/// The attribute that carries a function's C ABI through the pipeline: set
/// on each public func.func by fff-describe-c-abi, kept on the lowered
/// llvm.func, and moved to the entry point by fff-generate-c-entry-points.
/// Everything fff-compile writes about the ABI (header, description) is read
/// from it.
constexpr StringLiteral kCABIAttrName = "fff.c_abi";

/// `entry` as the fff.c_abi dictionary, and back.
DictionaryAttr toAttribute(const CEntryPoint &entry, MLIRContext *context);
FailureOr<CEntryPoint> fromAttribute(Operation *op, DictionaryAttr attr);

/// The entry points described in `module` (every function with fff.c_abi),
/// in the order of the functions.
FailureOr<std::vector<CEntryPoint>> readCEntryPoints(ModuleOp module);

/// Adds the entry point described by `fff.c_abi` on the lowered `callee`
/// (fff-generate-c-entry-points): a function that checks the C arguments
/// and calls `callee`, which becomes internal so that only the C ABI is
/// exported. The attribute moves to the entry point. With `hostRuntime`
/// the call runs under the host runtime's fffHostRun, which reports failed
/// allocations as a status (HostRuntime.h).
LogicalResult generateCEntryPoint(LLVM::LLVMFuncOp callee, bool hostRuntime);

/// Writes the C header declaring `entries`. `source` is named in a comment.
void writeCHeader(llvm::raw_ostream &os, ArrayRef<CEntryPoint> entries,
                  StringRef guard, StringRef source);

/// Writes the machine-readable description of `entries` (JSON, beside the
/// library), which tools such as the Python package read to call it.
void writeCDescription(llvm::raw_ostream &os, ArrayRef<CEntryPoint> entries,
                       StringRef source);

/// The C spelling of an element type (`float`, `uint16_t` for f16/bf16 ...).
StringRef getCTypeName(Type type);

/// The description's name of an element type (`f32`, `i64`, `index` ...).
std::string getDTypeName(Type type);

/// Whether `name` can name a C symbol or parameter (no keyword either).
bool isCIdentifier(StringRef name);

} // namespace mlir::fff

#endif // FFF_TARGET_CINTERFACE_H
