//===- LLVMCodegen.h - From the LLVM dialect to native code -----*- C++ -*-===//
//
// The in-process back end of fff-compile: LLVM-dialect MLIR is translated to
// LLVM IR, optimized for a target machine and emitted as assembly or an
// object file; a shared library is linked from the object with the system
// compiler driver.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_TARGET_LLVMCODEGEN_H
#define FFF_TARGET_LLVMCODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace mlir::fff {

/// LLVM's optimization level unless one is given (fff-compile's -O). 2, not
/// 3: measured on this project's code, O3 made a 16-layer encoder compile in
/// 114 s instead of 30 and run no faster (4 layers: 31 against 23 ms), and
/// left the 1x11 layer within noise (docs/performance.md).
constexpr unsigned kDefaultOptLevel = 2;
/// The GPU kernels' level unless -O is given: 3, the level their
/// measurements were made at (no GPU has measured 2).
constexpr unsigned kDefaultKernelOptLevel = 3;

/// The machine to generate code for. An empty triple means the host's; the
/// CPU "host" means the host's CPU with its features.
struct TargetOptions {
  std::string triple;
  std::string cpu = "host";
  std::string features;
  unsigned optLevel = kDefaultOptLevel;
};

/// The target machine for `options`, or null with `error` set.
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const TargetOptions &options, std::string &error);

/// The widest vector of f32 lanes that `machine` has (16 with AVX-512, 8 with
/// AVX, 4 otherwise): the default `vector-width` of the CPU pipeline.
int64_t getPreferredVectorWidth(const llvm::TargetMachine &machine);

/// Translates `module` (LLVM dialect) to LLVM IR and optimizes it for
/// `machine`. Errors are reported as MLIR diagnostics.
std::unique_ptr<llvm::Module> translateAndOptimize(ModuleOp module,
                                                   llvm::LLVMContext &context,
                                                   llvm::TargetMachine &machine,
                                                   unsigned optLevel);

/// The sanitizers whose instrumentation fff-compile can add to the code it
/// generates (--sanitize).
enum class Sanitizer { None, Address, Thread };

/// Instruments every function `module` defines for `sanitizer` with LLVM's
/// own passes (AddressSanitizer, ThreadSanitizer), after optimization as
/// clang's -fsanitize runs them. The code then calls the sanitizer's
/// runtime, which the process that loads it must provide (a program built
/// with clang's -fsanitize, or the runtime in LD_PRELOAD). AddressSanitizer's
/// checks are calls, and instrumenting turns off LLVM's loop strength
/// reduction for the rest of the process (a global LLVM option): both make the
/// machine code of instrumented layers many times faster to build, and neither
/// changes which accesses are checked.
void instrumentForSanitizer(llvm::Module &module, llvm::TargetMachine &machine,
                            Sanitizer sanitizer);

/// Writes assembly (`object` false) or an object file for `module`.
LogicalResult emitMachineCode(llvm::Module &module,
                              llvm::TargetMachine &machine, bool object,
                              llvm::raw_pwrite_stream &os, std::string &error);

/// Links `objectPath` into the shared library `output` with `linker` (a C
/// compiler driver found on PATH, e.g. "cc"), adding libm and `libraries`
/// (e.g. "omp"), which are looked up in LLVM's library directory first,
/// and `extraInputs` (archives, `-l` flags) as given.
LogicalResult linkSharedLibrary(StringRef objectPath, StringRef output,
                                StringRef linker,
                                ArrayRef<std::string> libraries,
                                ArrayRef<std::string> extraInputs,
                                std::string &error);

} // namespace mlir::fff

#endif // FFF_TARGET_LLVMCODEGEN_H
