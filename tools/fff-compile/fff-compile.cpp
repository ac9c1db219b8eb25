//===- fff-compile.cpp - Ahead-of-time compiler for fff models ------------===//
//
// Reads MLIR with fff ops (upstream ops around them are fine) and writes, in
// process, the lowered MLIR, LLVM IR, assembly, an object file or a shared
// library, plus a C header declaring one entry point per public function
// (include/fff/Target/CInterface.h). Only the final link of a shared library
// runs an external program: the system C compiler driver.
//
//===----------------------------------------------------------------------===//

#include "fff/Conversion/Passes.h"
#include "fff/Dialect/FFF/Transforms/Passes.h"
#include "fff/InitAllFFF.h"
#include "fff/Pipelines/Pipelines.h"
#include "fff/Target/CInterface.h"
#include "fff/Target/LLVMCodegen.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class EmitKind { MLIR, LLVM, Asm, Obj, Shared, Header };
enum class WeightsMode { Constants, Arguments };
enum class Target { CPU, CUDA };

cl::OptionCategory category("fff-compile options");

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
               clEnumValN(EmitKind::Header, "header", "only the C header")),
    cl::cat(category));
cl::opt<std::string> headerFile(
    "header",
    cl::desc("Where to write the C header (default for obj and shared: the "
             "output file with the extension .h)"),
    cl::value_desc("file"), cl::cat(category));
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
cl::opt<std::string>
    targetTriple("target-triple",
                 cl::desc("LLVM target triple (default: the host's)"),
                 cl::cat(category));
cl::opt<std::string> targetCPU(
    "target-cpu",
    cl::desc("CPU to tune and select instructions for, e.g. znver4 or "
             "skylake-avx512; 'host' is this machine with its features"),
    cl::init("host"), cl::cat(category));
cl::opt<std::string> targetFeatures(
    "target-features",
    cl::desc("Extra LLVM target features, e.g. +avx512f,-avx512bf16"),
    cl::cat(category));
cl::opt<unsigned> optLevel("O",
                           cl::desc("LLVM optimization level 0-3 "
                                    "(default 3)"),
                           cl::Prefix, cl::init(3), cl::cat(category));
cl::opt<bool> fuse("fuse",
                   cl::desc("Fuse routing with the leaf/path computation "
                            "(default true; --fuse=false expands the layers)"),
                   cl::init(true), cl::cat(category));
cl::opt<std::string> vectorWidth(
    "vector-width",
    cl::desc("f32 lanes for dot products and row updates, 0-64 (0 = scalar); "
             "'auto' takes the target's widest vector: 16 with AVX-512, 8 "
             "with AVX, else 4"),
    cl::init("auto"), cl::cat(category));
cl::opt<int64_t> rowBlock("row-block",
                          cl::desc("Rows per iteration of the fused row loop "
                                   "(a tiling of the batch; default 1)"),
                          cl::init(1), cl::cat(category));
cl::opt<int64_t> interleave(
    "interleave",
    cl::desc("Rows that walk their trees together, their dot products "
             "interleaved (1-16; default 1)"),
    cl::init(1), cl::cat(category));
cl::opt<int64_t> groupRows(
    "group-rows",
    cl::desc("Group rows by leaf (leaf MLP) or subtree (path neuron) so each "
             "group's weights are read from memory once per group, a leaf's "
             "rows N at a time (1-16; default 4; 0 = off)"),
    cl::init(4), cl::cat(category));
cl::opt<int64_t> groupSplitLevel(
    "group-split-level",
    cl::desc("With --group-rows: path-neuron tree levels walked before the "
             "rows are grouped by subtree (default 0 = half the levels)"),
    cl::init(0), cl::cat(category));
cl::opt<int64_t> groupTileRows(
    "group-tile-rows",
    cl::desc("With --group-rows: path neurons with several trees are "
             "grouped in tiles of this many rows, all trees over one tile "
             "before the next (default 1024; 0 = the whole batch)"),
    cl::init(fff::kDefaultGroupTileRows), cl::cat(category));
cl::opt<int64_t> groupMinBatch(
    "group-min-batch",
    cl::desc("With --group-rows: smallest batch that is grouped; smaller "
             "batches run one row at a time (default 64; 0 = always group)"),
    cl::init(fff::kDefaultGroupMinBatch), cl::cat(category));
cl::opt<bool> openmp(
    "openmp",
    cl::desc("Run the row loops on OpenMP threads (OMP_NUM_THREADS picks how "
             "many); the library then needs libomp"),
    cl::init(false), cl::cat(category));
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
cl::opt<std::string> gpuChip("gpu-chip",
                             cl::desc("--target=cuda: the GPU architecture "
                                      "(default sm_90)"),
                             cl::init("sm_90"), cl::cat(category));
cl::opt<std::string>
    gpuFeatures("gpu-features",
                cl::desc("--target=cuda: NVPTX features (default +ptx80)"),
                cl::init("+ptx80"), cl::cat(category));
cl::opt<std::string> gpuFormat(
    "gpu-format",
    cl::desc("--target=cuda: the kernels' form in the library: isa (PTX, "
             "compiled by the driver at load; default), bin or fatbin "
             "(need ptxas)"),
    cl::init("isa"), cl::cat(category));
cl::opt<int64_t> warpsPerBlock(
    "warps-per-block",
    cl::desc("--target=cuda: rows (one warp each) per block (default 4)"),
    cl::init(4), cl::cat(category));
/// The runtime archive beside fff-compile: <prefix>/lib/... for
/// <prefix>/bin/fff-compile, so the build tree and an install prefix both
/// work. The executable's path is read from /proc, else searched on PATH.
std::string defaultCudaRuntime() {
  SmallString<256> path(llvm::sys::fs::getMainExecutable(
      "fff-compile", reinterpret_cast<void *>(&defaultCudaRuntime)));
  llvm::sys::path::remove_filename(path); // <prefix>/bin
  llvm::sys::path::remove_filename(path); // <prefix>
  llvm::sys::path::append(path, FFF_CUDA_RUNTIME_IN_PREFIX);
  return std::string(path);
}
cl::opt<std::string> cudaRuntime(
    "cuda-runtime",
    cl::desc("--target=cuda: the runtime archive linked into the library "
             "(default: " FFF_CUDA_RUNTIME_IN_PREFIX " under the directory "
             "that holds fff-compile's bin/)"),
    cl::init(defaultCudaRuntime()), cl::cat(category));
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
cl::opt<std::string> linker("linker",
                            cl::desc("C compiler driver that links shared "
                                     "libraries (default cc)"),
                            cl::init("cc"), cl::cat(category));
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

static LogicalResult writeHeader(ArrayRef<fff::CEntryPoint> entries,
                                 StringRef path) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file)
    return fail(error);
  fff::writeCHeader(file->os(), entries,
                    path == "-" ? "FFF_GENERATED_H" : headerGuard(path),
                    inputFile == "-" ? "<stdin>" : inputFile.getValue());
  file->keep();
  return success();
}

static LogicalResult compile(MLIRContext &context, llvm::SourceMgr &sources) {
  bool needsFile = emitKind == EmitKind::Shared || emitKind == EmitKind::Obj;
  if (emitKind == EmitKind::Shared && outputFile == "-")
    return fail("--emit=shared needs an output file (-o lib.so)");

  fff::TargetOptions targetOptions;
  targetOptions.triple = targetTriple;
  targetOptions.cpu = targetCPU;
  targetOptions.features = targetFeatures;
  targetOptions.optLevel = std::min(optLevel.getValue(), 3u);
  if (optLevel > 3)
    return fail("-O" + Twine(optLevel.getValue()) + ": the level is 0 to 3");
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine =
      fff::createTargetMachine(targetOptions, error);
  if (!machine)
    return fail("target: " + error);

  bool gpu = target == Target::CUDA;
  if (gpu) {
    for (const cl::Option *cpuOnly : std::initializer_list<const cl::Option *>{
             &fuse, &vectorWidth, &rowBlock, &interleave, &openmp, &groupRows,
             &groupSplitLevel, &groupMinBatch, &groupTileRows})
      if (cpuOnly->getNumOccurrences())
        return fail("--" + cpuOnly->ArgStr + " applies to --target=cpu only");
    if (weights.getNumOccurrences() && weights == WeightsMode::Constants)
      return fail("--target=cuda needs --weights=arguments: kernels read the "
                  "weights from device memory that the caller fills once");
    weights = WeightsMode::Arguments;
  } else {
    for (const cl::Option *gpuOnly : std::initializer_list<const cl::Option *>{
             &gpuChip, &gpuFeatures, &gpuFormat, &warpsPerBlock, &cudaRuntime})
      if (gpuOnly->getNumOccurrences())
        return fail("--" + gpuOnly->ArgStr + " applies to --target=cuda only");
  }
  fff::GPUPipelineOptions gpuPipeline;
  gpuPipeline.chip = gpuChip;
  gpuPipeline.features = gpuFeatures;
  gpuPipeline.format = gpuFormat;
  gpuPipeline.warpsPerBlock = warpsPerBlock;
  gpuPipeline.optLevel = targetOptions.optLevel;
  if (gpu && failed(fff::verifyGPUPipelineOptions(
                 gpuPipeline, [](const Twine &msg) { return fail(msg); })))
    return failure();

  fff::CPUPipelineOptions pipeline;
  pipeline.fuse = fuse;
  pipeline.rowBlock = rowBlock;
  pipeline.openmp = openmp;
  pipeline.interleave = interleave;
  pipeline.groupRows = groupRows;
  pipeline.groupSplitLevel = groupSplitLevel;
  pipeline.groupMinBatch = groupMinBatch;
  pipeline.groupTileRows = groupTileRows;
  if (!groupRows && (groupSplitLevel.getNumOccurrences() ||
                     groupMinBatch.getNumOccurrences() ||
                     groupTileRows.getNumOccurrences()))
    return fail("--group-split-level, --group-min-batch and --group-tile-rows "
                "do nothing with --group-rows=0");
  pipeline.outParams = true; // the C entry points pass the caller's buffers
  if (vectorWidth == "auto") {
    pipeline.vectorWidth = fff::getPreferredVectorWidth(*machine);
  } else {
    int64_t width;
    if (StringRef(vectorWidth).getAsInteger(10, width))
      return fail("--vector-width=" + vectorWidth +
                  ": expected 'auto' or an integer");
    pipeline.vectorWidth = width;
  }
  if (!gpu && failed(fff::verifyCPUPipelineOptions(
                  pipeline, [](const Twine &msg) { return fail(msg); })))
    return failure();

  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sources, &context);
  if (!module)
    return failure(); // the diagnostic handler printed where

  if (weights == WeightsMode::Arguments) {
    PassManager pm(&context);
    pm.addPass(fff::createFFFWeightsToArguments());
    if (failed(pm.run(*module)))
      return failure();
  }
  FailureOr<std::vector<fff::CEntryPoint>> entries =
      fff::describeCEntryPoints(*module, cPrefix);
  if (failed(entries))
    return failure();
  for (fff::CEntryPoint &entry : *entries)
    entry.onDevice = gpu;
  std::string header = headerFile;
  if (header.empty() && needsFile) {
    SmallString<128> path(outputFile.getValue());
    llvm::sys::path::replace_extension(path, ".h");
    header = path.str().str();
  }
  if (emitKind == EmitKind::Header)
    return writeHeader(*entries, headerFile.empty() ? outputFile.getValue()
                                                    : headerFile.getValue());

  fff::prepareForLowering(*module, *entries);
  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  if (gpu) {
    fff::buildGPUPipeline(pm, gpuPipeline);
  } else {
    if (gpuKernelsOnHost) {
      fff::ConvertFFFToGPUOptions emulate;
      emulate.emulateOnHost = true;
      pm.addPass(fff::createConvertFFFToGPU(emulate));
      pm.addPass(fff::createFFFGPUExpandMath());
    }
    fff::buildCPUPipeline(pm, pipeline);
  }
  if (failed(pm.run(*module)) ||
      failed(fff::generateCEntryPoints(*module, *entries)) ||
      failed(verify(*module)))
    return failure();
  if (!header.empty() && failed(writeHeader(*entries, header)))
    return failure();

  if (emitKind == EmitKind::MLIR) {
    auto file = openOutputFile(outputFile, &error);
    if (!file)
      return fail(error);
    module->print(file->os());
    file->keep();
    return success();
  }
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = fff::translateAndOptimize(
      *module, llvmContext, *machine, targetOptions.optLevel);
  if (!llvmModule)
    return failure();
  if (emitKind == EmitKind::LLVM) {
    auto file = openOutputFile(outputFile, &error);
    if (!file)
      return fail(error);
    llvmModule->print(file->os(), nullptr);
    file->keep();
    return success();
  }
  if (emitKind != EmitKind::Shared) {
    auto file = openOutputFile(outputFile, &error);
    if (!file || failed(fff::emitMachineCode(*llvmModule, *machine,
                                             emitKind == EmitKind::Obj,
                                             file->os(), error)))
      return fail(error);
    file->keep();
    return success();
  }
  // Shared library: an object in a temporary file, linked by the C driver.
  SmallString<128> objectPath;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "fff-compile", "o", fd, objectPath))
    return fail("cannot create a temporary object file: " + ec.message());
  llvm::FileRemover removeObject(objectPath);
  {
    llvm::raw_fd_ostream object(fd, /*shouldClose=*/true);
    if (failed(fff::emitMachineCode(*llvmModule, *machine, /*object=*/true,
                                    object, error)))
      return fail(error);
  }
  SmallVector<std::string> libraries;
  if (llvmModule->getFunction("__kmpc_fork_call"))
    libraries.push_back("omp");
  SmallVector<std::string> extraInputs;
  if (gpu) {
    // The runtime goes into the library, which then needs only the driver.
    if (!llvm::sys::fs::exists(cudaRuntime))
      return fail("the CUDA runtime archive '" + cudaRuntime +
                  "' does not exist (--cuda-runtime)");
    extraInputs = {cudaRuntime, "-lstdc++", "-ldl"};
  }
  if (failed(fff::linkSharedLibrary(objectPath, outputFile, linker, libraries,
                                    extraInputs, error)))
    return fail(error);
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "fff-compile: ahead-of-time compiler for fast feedforward layers\n\n"
      "Lowers the input (MLIR with fff ops; upstream ops around them are\n"
      "fine) and writes a shared library, object, assembly, LLVM IR or the\n"
      "lowered MLIR, plus a C header with one entry point per public\n"
      "function (docs/user-guide.md):\n\n"
      "  fff-compile model.mlir -o libmodel.so   # also writes libmodel.h\n\n"
      "MLIR's own flags (--mlir-print-ir-after-all, ...): --help-hidden.\n");

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
