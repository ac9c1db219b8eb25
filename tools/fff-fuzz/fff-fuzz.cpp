//===- fff-fuzz.cpp - Fuzz targets for the stages of fff-mlir -------------===//
//
// Each input is MLIR text, run through one stage of the compiler (each
// target's Stage.cpp names it):
//
//   parse         parse and verify, then canonicalize and CSE
//   cpu-pipeline  parse, then fff-cpu-pipeline with its defaults
//   gpu-pipeline  parse, then fff-gpu-pipeline (PTX, in process)
//   llvm-ir       fff-compile's front half: fff-cpu-pipeline as fff-compile
//                 runs it (C interface, workspace cache), the constant-size
//                 check, and translation to LLVM IR
//
// A stage may accept or reject its input, with diagnostics; a crash, an
// assertion, a sanitizer report or a hang is a bug. Every input gets a fresh
// context, so that nothing one input leaves behind changes the next, and a
// crash reproduces from its input file alone.
//
//===----------------------------------------------------------------------===//

#include "fff/InitAllFFF.h"
#include "fff/Target/ConstantLimits.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mlir;

/// The stage this target fuzzes (Stage.cpp).
extern const char *const kFFFFuzzStage;

namespace {
/// The pass pipeline of each stage, as fff-opt would be given it.
const char *getPipeline(llvm::StringRef stage) {
  if (stage == "parse")
    return "builtin.module(canonicalize,cse)";
  if (stage == "cpu-pipeline")
    return "builtin.module(fff-cpu-pipeline)";
  if (stage == "gpu-pipeline")
    return "builtin.module(fff-gpu-pipeline)";
  if (stage == "llvm-ir")
    return "builtin.module(fff-cpu-pipeline{c-interface=true "
           "workspace-cache=true})";
  return nullptr;
}

DialectRegistry *registry;
const char *pipeline;
} // namespace

/// ASan's defaults in this binary, so that a reproducer replays as it
/// failed. allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons the free
/// part of a slab when its inline code is compiled with ASan (ours) and
/// does not unpoison when it is not (libMLIR.so's), so the context's shared
/// allocators would report use-after-poison wherever both carve from one
/// slab. Heap overflows and use-after-free of malloc'd memory are still
/// caught.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0:detect_leaks=1";
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  pipeline = getPipeline(kFFFFuzzStage);
  if (!pipeline) {
    std::fprintf(stderr, "fff-fuzz: unknown stage '%s'\n", kFFFFuzzStage);
    std::exit(2);
  }
  registerAllPasses();
  fff::registerAllFFFPasses();
  registry = new DialectRegistry;
  registerAllDialects(*registry);
  registerAllExtensions(*registry);
  registerAllToLLVMIRTranslations(*registry);
  fff::registerAllFFFDialects(*registry);
  // The GPU pipeline serializes its kernels to PTX in process.
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  // Diagnostics are the expected answer to bad input: not printed.
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) { return success(); });
  // MLIR's lexer reads up to a terminating NUL, as files and strings have;
  // libFuzzer's buffer has none.
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
  if (!module)
    return 0;
  PassManager pm(&context);
  if (failed(parsePassPipeline(pipeline, pm)))
    llvm::report_fatal_error("fff-fuzz: the stage's pipeline does not parse");
  if (failed(pm.run(*module)))
    return 0;
  if (llvm::StringRef(kFFFFuzzStage) != "llvm-ir")
    return 0;
  if (failed(fff::checkConstantSizes(*module, fff::ConstantLimits{}, "")))
    return 0;
  llvm::LLVMContext llvmContext;
  (void)translateModuleToLLVMIR(*module, llvmContext);
  return 0;
}
