//===- fff-compile.cpp - Ahead-of-time compiler for fff models ------------===//
//
// Reads MLIR with fff ops (upstream ops around them are fine) and writes, in
// process, the lowered MLIR, LLVM IR, assembly, an object file or a shared
// library, plus a C header declaring one entry point per public function
// (include/fff/Target/CInterface.h). Only the final link of a shared library
// runs an external program: the system C compiler driver.
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/LinalgToBlas/LinalgToBlas.h"
#include "fff/Conversion/Passes.h"
#include "fff/Dialect/FFF/Transforms/Passes.h"
#include "Flags.h"
#include "Listing.h"

#include "fff/InitAllFFF.h"
#include "fff/Pipelines/Pipelines.h"
#include "fff/Target/CInterface.h"
#include "fff/Target/ConstantLimits.h"
#include "fff/Target/LLVMCodegen.h"
#include "fff/Target/Passes.h"
#include "fff/Tools/ErrorHandlers.h"
#include "fff/Tools/PassFailureNote.h"
#include "fff/Version.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/Format.h"

#include <chrono>
#include <cstdlib>
#include <exception>
#include <unistd.h>

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class EmitKind { MLIR, LLVM, Asm, Obj, Shared, Header, Description };
enum class WeightsMode { Constants, Arguments };
enum class Target { CPU, CUDA };

cl::OptionCategory &category = fff_compile::getCategory();
/// The flags of the pipeline options, and their defaults (Flags.h).
fff_compile::PipelineFlags pipelineFlags;


cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .mlir>"),
                               cl::init("-"), cl::cat(category));
cl::opt<std::string> outputFile("o",
                                cl::desc("Output file (default: stdout; "
                                         "required for --emit=shared)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(category));
cl::opt<EmitKind> emitKind(
    "emit", cl::desc("What to write:"), cl::init(EmitKind::Shared),
    cl::values(clEnumValN(EmitKind::MLIR, "mlir",
                          "MLIR in the LLVM dialect, with "
                          "the C entry points"),
               clEnumValN(EmitKind::LLVM, "llvm", "optimized LLVM IR"),
               clEnumValN(EmitKind::Asm, "asm", "assembly"),
               clEnumValN(EmitKind::Obj, "obj", "an object file (+ C header)"),
               clEnumValN(EmitKind::Shared, "shared",
                          "a shared library (+ C header) (default)"),
               clEnumValN(EmitKind::Header, "header", "only the C header"),
               clEnumValN(EmitKind::Description, "description",
                          "only the JSON description of the entry points")),
    cl::cat(category));
cl::opt<std::string> headerFile(
    "header",
    cl::desc("Where to write the C header (default for obj and shared: the "
             "output file with the extension .h)"),
    cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> descriptionFile(
    "description",
    cl::desc("Where to write the JSON description of the entry points, "
             "which tools read to call them (default for obj and shared: the "
             "output file with the extension .json)"),
    cl::value_desc("file"), cl::init(""), cl::cat(category));
cl::opt<Target> target("target", cl::desc("Device to compile for:"),
                       cl::init(Target::CPU),
                       cl::values(clEnumValN(Target::CPU, "cpu",
                                             "the CPU, through "
                                             "fff-cpu-pipeline (default)"),
                                  clEnumValN(Target::CUDA, "cuda",
                                             "NVIDIA GPUs, through "
                                             "fff-gpu-pipeline: arrays are "
                                             "device pointers, weights "
                                             "are arguments")),
                       cl::cat(category));
cl::opt<unsigned>
    optLevel("O", cl::desc("LLVM optimization level 0-3, of the host code and "
                           "of the kernels (unless given: 3 for the "
                           "kernels)"),
             cl::Prefix, cl::init(fff::kDefaultOptLevel), cl::cat(category));
cl::opt<WeightsMode> weights(
    "weights", cl::desc("Where the weights live:"),
    cl::init(WeightsMode::Constants),
    cl::values(clEnumValN(WeightsMode::Constants, "constants",
                          "as in the input: constants are baked into the "
                          "library (default)"),
               clEnumValN(WeightsMode::Arguments, "arguments",
                          "constant weights become parameters of the entry "
                          "points, passed at run time")),
    cl::cat(category));
/// A runtime archive beside fff-compile: <prefix>/lib/... for
/// <prefix>/bin/fff-compile, so the build tree and an install prefix both
/// work. The executable's path is read from /proc, else searched on PATH.
std::string getRuntimePath(StringRef inPrefix) {
  SmallString<256> path(llvm::sys::fs::getMainExecutable(
      "fff-compile", reinterpret_cast<void *>(&getRuntimePath)));
  llvm::sys::path::remove_filename(path); // <prefix>/bin
  llvm::sys::path::remove_filename(path); // <prefix>
  llvm::sys::path::append(path, inPrefix);
  return std::string(path);
}
std::string defaultCudaRuntime() {
  return getRuntimePath(FFF_CUDA_RUNTIME_IN_PREFIX);
}
cl::opt<std::string> cudaRuntime(
    "cuda-runtime",
    cl::desc("--target=cuda: the runtime archive linked into the library "
             "(default: " FFF_CUDA_RUNTIME_IN_PREFIX " under the directory "
             "that holds fff-compile's bin/)"),
    cl::init(defaultCudaRuntime()), cl::cat(category));
cl::opt<std::string> hostRuntime(
    "host-runtime",
    cl::desc("The host runtime archive linked into every library (its "
             "allocation functions; default: " FFF_HOST_RUNTIME_IN_PREFIX
             " under the directory that holds fff-compile's bin/)"),
    cl::init(getRuntimePath(FFF_HOST_RUNTIME_IN_PREFIX)), cl::cat(category));
cl::opt<bool> gpuKernelsOnHost(
    "gpu-kernels-on-host",
    cl::desc("Test aid for machines without a GPU: compile the CUDA "
             "target's kernel code for the CPU, one lane per row "
             "(convert-fff-to-gpu emulate-on-host)"),
    cl::init(false), cl::Hidden, cl::cat(category));
cl::opt<std::string> cPrefix("c-prefix",
                             cl::desc("Prefix of the C entry points' names "
                                      "(default fff_)"),
                             cl::init("fff_"), cl::cat(category));
cl::opt<bool> listJSON(
    "list-json",
    cl::desc("Print the flags with their defaults, the C ABI's version and "
             "status codes and the weight operand names as JSON, and exit"),
    cl::init(false), cl::cat(category));
cl::opt<std::string> linker("linker",
                            cl::desc("C compiler driver that links shared "
                                     "libraries (default cc)"),
                            cl::init("cc"), cl::cat(category));
cl::opt<uint64_t> maxConstantBytes(
    "max-constant-bytes",
    cl::desc("Largest constant (in bytes) baked into the code; a larger one "
             "is an error that names it (default 1 GiB)"),
    cl::init(fff::kDefaultMaxConstantBytes), cl::cat(category));
cl::opt<uint64_t> maxTotalConstantBytes(
    "max-total-constant-bytes",
    cl::desc("Most bytes of constants in all (default 1.5 GiB: a shared "
             "library's code reaches its data within 2 GiB)"),
    cl::init(fff::kDefaultMaxTotalConstantBytes), cl::cat(category));
cl::opt<fff::Sanitizer> sanitize(
    "sanitize",
    cl::desc("Instrument the generated code for a sanitizer, whose runtime "
             "the loading program must provide (clang -fsanitize=..., or "
             "LD_PRELOAD of libclang_rt.<name>-x86_64.so):"),
    cl::values(clEnumValN(fff::Sanitizer::None, "none", "no instrumentation"),
               clEnumValN(fff::Sanitizer::Address, "address",
                          "AddressSanitizer"),
               clEnumValN(fff::Sanitizer::Thread, "thread",
                          "ThreadSanitizer")),
    cl::init(fff::Sanitizer::None), cl::cat(category));
cl::opt<bool> showProgress(
    "progress",
    cl::desc("Print each stage to stderr as it ends, with its wall time "
             "(parse, pipeline, LLVM IR, machine code, link)"),
    cl::init(false), cl::cat(category));

/// --progress: `fff-compile: <stage> (<seconds> s)` as each stage ends.
class Progress {
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();

public:
  void done(const Twine &stage) {
    auto now = std::chrono::steady_clock::now();
    double seconds = std::chrono::duration<double>(now - last).count();
    last = now;
    if (showProgress)
      llvm::errs() << "fff-compile: " << stage << " ("
                   << llvm::format("%.1f", seconds) << " s)\n";
  }
};
Progress progress;
} // namespace

static LogicalResult fail(const Twine &message) {
  llvm::WithColor::error(llvm::errs(), "fff-compile") << message << "\n";
  return failure();
}

static std::string headerGuard(StringRef path) {
  std::string guard;
  for (char c : llvm::sys::path::filename(path))
    guard += llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
  if (guard.empty() || llvm::isDigit(guard.front()))
    guard = "FFF_" + guard;
  return guard;
}

static StringRef getSourceName() {
  return inputFile == "-" ? "<stdin>" : StringRef(inputFile.getValue());
}

/// Writes the file at `path` with `write`, keeping it only once written.
static LogicalResult writeFile(StringRef path,
                               function_ref<void(llvm::raw_ostream &)> write) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file)
    return fail(error);
  write(file->os());
  file->keep();
  return success();
}

static LogicalResult writeHeader(ArrayRef<fff::CEntryPoint> entries,
                                 StringRef path) {
  return writeFile(path, [&](llvm::raw_ostream &os) {
    fff::writeCHeader(os, entries,
                      path == "-" ? "FFF_GENERATED_H" : headerGuard(path),
                      getSourceName());
  });
}

static LogicalResult writeDescription(ArrayRef<fff::CEntryPoint> entries,
                                      StringRef path) {
  return writeFile(path, [&](llvm::raw_ostream &os) {
    fff::writeCDescription(os, entries, getSourceName());
  });
}

/// What one run decides from its flags, before it reads the input.
struct Compilation {
  bool gpu = false;
  fff::CPUPipelineOptions cpuPipeline;
  fff::GPUPipelineOptions gpuPipeline;
  std::unique_ptr<llvm::TargetMachine> machine;
};

/// Checks that no flag is given where it would do nothing (another target's,
/// grouping's without grouping); --target=cuda's weights are arguments.
static LogicalResult checkTargetFlags(bool gpu) {
  for (const cl::Option *flag :
       gpu ? pipelineFlags.getCPUOnly() : pipelineFlags.getGPUOnly())
    if (flag->getNumOccurrences())
      return fail("--" + flag->ArgStr + " applies to --target=" +
                  (gpu ? "cpu" : "cuda") + " only");
  if (!gpu && cudaRuntime.getNumOccurrences())
    return fail("--cuda-runtime applies to --target=cuda only");
  if (gpu) {
    if (weights.getNumOccurrences() && weights == WeightsMode::Constants)
      return fail("--target=cuda needs --weights=arguments: kernels read the "
                  "weights from device memory that the caller fills once");
    weights = WeightsMode::Arguments;
  }
  if (!pipelineFlags.groupRows &&
      (pipelineFlags.groupSplitLevel.getNumOccurrences() ||
       pipelineFlags.groupMinBatch.getNumOccurrences() ||
       pipelineFlags.groupTileRows.getNumOccurrences()))
    return fail("--group-split-level, --group-min-batch and --group-tile-rows "
                "do nothing with --group-rows=0");
  return success();
}

/// Sets up `c` from the flags: the pipeline's options and the target
/// machine, both checked.
static LogicalResult configure(Compilation &c) {
  if (emitKind == EmitKind::Shared && outputFile == "-")
    return fail("--emit=shared needs an output file (-o lib.so)");
  if (optLevel > 3)
    return fail("-O" + Twine(optLevel.getValue()) + ": the level is 0 to 3");
  c.gpu = target == Target::CUDA;
  pipelineFlags.setOptions(c.cpuPipeline);
  pipelineFlags.setOptions(c.gpuPipeline);
  // The C entry points, as fff-opt --fff-cpu-pipeline=c-interface=true
  // makes them.
  c.cpuPipeline.cInterface = c.gpuPipeline.cInterface = true;
  c.cpuPipeline.cPrefix = c.gpuPipeline.cPrefix = cPrefix;
  // Temporaries through the host runtime's per-thread block cache.
  c.cpuPipeline.workspaceCache = true;
  if (gpuKernelsOnHost) { // lower() describes the ABI before the kernels
    c.cpuPipeline.cInterface = false;
    c.cpuPipeline.outParams = true;
  }
  if (optLevel.getNumOccurrences())
    c.gpuPipeline.optLevel = optLevel;
  // The CPU pipeline's target is the machine of the code, host code included.
  std::string error;
  c.machine = fff::createTargetMachine(
      fff::getTargetOptions(c.cpuPipeline, optLevel), error);
  if (!c.machine)
    return fail("target: " + error);
  if (failed(checkTargetFlags(c.gpu)))
    return failure();
  if (c.gpu && sanitize != fff::Sanitizer::None)
    return fail("--sanitize instruments CPU code: it needs --target=cpu");
  if (sanitize == fff::Sanitizer::Thread) {
    // LLVM's ThreadSanitizer pass leaves accesses wider than 16 bytes
    // uninstrumented: AVX vectors would be races it cannot see.
    FailureOr<int64_t> lanes = fff::getVectorWidth(
        c.cpuPipeline, [](const Twine &message) { return fail(message); });
    if (failed(lanes))
      return failure();
    if (*lanes > 4 || fff::getPreferredVectorWidth(*c.machine) > 4)
      return fail("--sanitize=thread sees only accesses of up to 16 bytes: "
                  "compile for SSE vectors (--target-cpu=x86-64, and "
                  "--vector-width of at most 4)");
  }
  auto report = [](const Twine &message) { return fail(message); };
  return c.gpu ? fff::verifyGPUPipelineOptions(c.gpuPipeline, report)
               : fff::verifyCPUPipelineOptions(c.cpuPipeline, report);
}

/// Where a file beside the output goes: `flag`, else, for an object or a
/// library, the output with `extension`; "" for none.
static std::string getBesidePath(StringRef flag, EmitKind only,
                                 StringRef extension) {
  if (!flag.empty() || emitKind == only)
    return flag.empty() ? outputFile.getValue() : flag.str();
  if (emitKind != EmitKind::Shared && emitKind != EmitKind::Obj)
    return "";
  SmallString<128> path(outputFile.getValue());
  llvm::sys::path::replace_extension(path, extension);
  return path.str().str();
}

/// Runs what the target needs of its pipeline (only the ABI's description
/// for --emit=header or description) and writes the header and the
/// description from the fff.c_abi attributes.
static LogicalResult lower(ModuleOp module, const Compilation &c) {
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  // --weights=arguments: constant weights become parameters first.
  if (weights == WeightsMode::Arguments)
    pm.addPass(fff::createFFFWeightsToArguments());
  bool describeOnly =
      emitKind == EmitKind::Header || emitKind == EmitKind::Description;
  if (describeOnly) {
    fff::addCInterfaceDescription(pm, cPrefix, c.gpu);
  } else if (c.gpu) {
    fff::buildGPUPipeline(pm, c.gpuPipeline);
  } else if (gpuKernelsOnHost) {
    // The ABI is described on the fff ops, before the kernels replace them.
    fff::addCInterfaceDescription(pm, cPrefix, /*device=*/false);
    fff::ConvertFFFToGPUOptions emulate;
    emulate.emulateOnHost = true;
    pm.addPass(fff::createConvertFFFToGPU(emulate));
    pm.addPass(fff::createFFFGPUExpandMath());
    fff::buildCPUPipeline(pm, c.cpuPipeline); // out-params, no c-interface
    fff::FFFGenerateCEntryPointsOptions entryPoints;
    entryPoints.hostRuntime = c.cpuPipeline.workspaceCache;
    pm.addPass(fff::createFFFGenerateCEntryPoints(entryPoints));
  } else {
    fff::buildCPUPipeline(pm, c.cpuPipeline);
  }
  fff::addPassFailureNote(pm, describeOnly ? "the C ABI's description"
                              : c.gpu      ? "fff-gpu-pipeline"
                              : gpuKernelsOnHost
                                  ? "the --gpu-kernels-on-host pipeline"
                                  : "fff-cpu-pipeline");
  if (failed(pm.run(module)) || (!describeOnly && failed(verify(module))))
    return failure();
  FailureOr<std::vector<fff::CEntryPoint>> entries =
      fff::readCEntryPoints(module);
  if (failed(entries))
    return failure();
  std::string header = getBesidePath(headerFile, EmitKind::Header, ".h");
  std::string description =
      getBesidePath(descriptionFile, EmitKind::Description, ".json");
  if (!header.empty() && failed(writeHeader(*entries, header)))
    return failure();
  return description.empty() ? success()
                             : writeDescription(*entries, description);
}

/// Writes the output file (-o) with `write`, keeping it only on success.
static LogicalResult
writeOutput(function_ref<LogicalResult(llvm::raw_pwrite_stream &)> write) {
  std::string error;
  auto file = openOutputFile(outputFile, &error);
  if (!file)
    return fail(error);
  if (failed(write(file->os())))
    return failure();
  file->keep();
  return success();
}

/// Writes assembly or an object file (--emit=asm, obj).
static LogicalResult emitMachineCode(llvm::Module &llvmModule,
                                     llvm::TargetMachine &machine) {
  return writeOutput([&](llvm::raw_pwrite_stream &os) {
    std::string error;
    if (failed(fff::emitMachineCode(llvmModule, machine,
                                    emitKind == EmitKind::Obj, os, error)))
      return fail(error);
    return success();
  });
}

/// Links a shared library (--emit=shared): an object in a temporary file,
/// linked by the C driver, with libomp and the CUDA runtime where needed.
static LogicalResult linkSharedLibrary(llvm::Module &llvmModule,
                                       llvm::TargetMachine &machine,
                                       bool gpu) {
  SmallString<128> objectPath;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "fff-compile", "o", fd, objectPath))
    return fail("cannot create a temporary object file: " + ec.message());
  llvm::FileRemover removeObject(objectPath);
  std::string error;
  {
    llvm::raw_fd_ostream object(fd, /*shouldClose=*/true);
    if (failed(fff::emitMachineCode(llvmModule, machine, /*object=*/true,
                                    object, error)))
      return fail(error);
  }
  progress.done("machine code");
  SmallVector<std::string> libraries;
  if (llvmModule.getFunction("__kmpc_fork_call"))
    libraries.push_back("omp");
  if (llvmModule.getFunction(fff::kSgemmName))
    libraries.push_back("openblas");
  SmallVector<std::string> extraInputs;
  // Allocations, their guards and the entry points' fffHostRun.
  if (llvm::any_of(ArrayRef<StringRef>{"_mlir_memref_to_llvm_free",
                                       "_mlir_memref_to_llvm_alloc",
                                       "fffHostRun", "fffHostCheckSize"},
                   [&](StringRef name) { return llvmModule.getFunction(name); })) {
    if (!llvm::sys::fs::exists(hostRuntime))
      return fail("the host runtime archive '" + hostRuntime +
                  "' does not exist (--host-runtime)");
    extraInputs.push_back(hostRuntime);
  }
  if (gpu) {
    // The runtime goes into the library, which then needs only the driver.
    if (!llvm::sys::fs::exists(cudaRuntime))
      return fail("the CUDA runtime archive '" + cudaRuntime +
                  "' does not exist (--cuda-runtime)");
    extraInputs.append({cudaRuntime, "-lstdc++", "-ldl"});
  }
  // The sanitizer's runtime comes from the loading program.
  if (sanitize != fff::Sanitizer::None)
    extraInputs.push_back("-Wl,-z,undefs");
  if (failed(fff::linkSharedLibrary(objectPath, outputFile, linker, libraries,
                                    extraInputs, error)))
    return fail(error);
  progress.done("linked " + outputFile);
  return success();
}

/// One run: configure, parse, describe the entry points, lower, then emit
/// what --emit asks for.
static LogicalResult compile(MLIRContext &context, llvm::SourceMgr &sources) {
  Compilation c;
  if (failed(configure(c)))
    return failure();
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sources, &context);
  if (!module)
    return failure(); // the diagnostic handler printed where
  progress.done("parsed " + getSourceName());
  if (failed(lower(*module, c)))
    return failure();
  progress.done(c.gpu ? "fff-gpu-pipeline" : "fff-cpu-pipeline");
  if (emitKind == EmitKind::Header || emitKind == EmitKind::Description)
    return success();
  if (emitKind == EmitKind::MLIR)
    return writeOutput([&](llvm::raw_pwrite_stream &os) {
      module->print(os);
      os << "\n"; // as fff-opt ends it
      return success();
    });
  // The description is written; LLVM IR has no place for it.
  module->walk([](Operation *op) { op->removeAttr(fff::kCABIAttrName); });

  // LLVM aborts rather than fails on constants it cannot hold.
  fff::ConstantLimits limits{maxConstantBytes, maxTotalConstantBytes};
  if (failed(fff::checkConstantSizes(
          *module, limits,
          weights == WeightsMode::Constants
              ? "pass large weights at run time (--weights=arguments), or "
                "raise --max-constant-bytes / --max-total-constant-bytes"
              : "pass it at run time as an argument, or raise "
                "--max-constant-bytes / --max-total-constant-bytes")))
    return failure();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      fff::translateAndOptimize(*module, llvmContext, *c.machine, optLevel);
  if (!llvmModule)
    return failure();
  progress.done("LLVM IR, optimized at -O" + Twine(optLevel.getValue()));
  fff::instrumentForSanitizer(*llvmModule, *c.machine, sanitize);
  switch (emitKind) {
  case EmitKind::LLVM:
    return writeOutput([&](llvm::raw_pwrite_stream &os) {
      llvmModule->print(os, nullptr);
      return success();
    });
  case EmitKind::Asm:
  case EmitKind::Obj:
    return emitMachineCode(*llvmModule, *c.machine);
  default:
    return linkSharedLibrary(*llvmModule, *c.machine, c.gpu);
  }
}

static void printVersion(llvm::raw_ostream &os) {
  os << "fff-compile (fff-mlir) " FFF_VERSION_STRING "\n"
     << "  C ABI version " << fff::kCABIVersion << "\n"
     << "  LLVM " LLVM_VERSION_STRING "\n";
}

/// LLVM's fatal errors (and failed allocations inside LLVM) end the run as
/// an error with exit code 1, not a crash report that blames LLVM.
static void installErrorHandlers() {
  fff::ToolErrorHandlers handlers;
  handlers.tool = "fff-compile";
  handlers.context = []() -> std::string {
    return ("while compiling '" + getSourceName() + "'").str();
  };
  handlers.outOfMemoryLine =
      "fff-compile: error: out of memory; the input may be too large for "
      "this machine (see --max-constant-bytes)\n";
  fff::installToolErrorHandlers(handlers);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  installErrorHandlers();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter(printVersion);
  fff_compile::describeDefault(optLevel);
  cl::ParseCommandLineOptions(
      argc, argv,
      "fff-compile: ahead-of-time compiler for fast feedforward layers\n\n"
      "Lowers the input (MLIR with fff ops; upstream ops around them are\n"
      "fine) and writes a shared library, object, assembly, LLVM IR or the\n"
      "lowered MLIR, plus a C header with one entry point per public\n"
      "function (docs/user-guide.md):\n\n"
      "  fff-compile model.mlir -o libmodel.so   # also writes libmodel.h\n\n"
      "MLIR's own flags (--mlir-print-ir-after-all, ...): --help-hidden.\n");

  if (listJSON) {
    fff_compile::writeListing(llvm::outs(), pipelineFlags, optLevel);
    return 0;
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  fff::registerAllFFFDialects(registry);
  MLIRContext context(registry);
  // Errors point at the input line; the op dump that follows by default
  // would repeat it in generic form.
  context.printOpOnDiagnostic(false);

  std::string error;
  auto input = openInputFile(inputFile, &error);
  if (!input) {
    (void)fail(error);
    return 1;
  }
  llvm::SourceMgr sources;
  sources.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(sources, &context);
  return failed(compile(context, sources)) ? 1 : 0;
}
