//===- LLVMCodegen.cpp - From the LLVM dialect to native code -------------===//

#include "fff/Target/LLVMCodegen.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"
#include "llvm/Transforms/Instrumentation/ThreadSanitizer.h"

using namespace mlir;
using namespace mlir::fff;

std::unique_ptr<llvm::TargetMachine>
fff::createTargetMachine(const TargetOptions &options, std::string &error) {
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();

  llvm::Triple triple(options.triple.empty() ? llvm::sys::getProcessTriple()
                                             : options.triple);
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpu = options.cpu;
  llvm::SubtargetFeatures features;
  // "host" names this machine; for another architecture it means generic.
  if (cpu == "host" &&
      triple.getArch() != llvm::Triple(llvm::sys::getProcessTriple()).getArch())
    cpu = "generic";
  if (cpu == "host") {
    cpu = llvm::sys::getHostCPUName().str();
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features.AddFeature(feature.getKey(), feature.getValue());
  }
  // LLVM only warns about unknown CPUs and features and then ignores them;
  // here they are errors, checked against the target's own tables.
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      target->createMCSubtargetInfo(triple, "", ""));
  if (info && !info->isCPUStringValid(cpu)) {
    error = "unknown CPU '" + cpu + "' for " + triple.str();
    return nullptr;
  }
  // Explicit features come last so that they override the host's.
  for (StringRef feature : llvm::split(options.features, ',')) {
    if (feature.empty())
      continue;
    StringRef name =
        feature.drop_front(feature.front() == '+' || feature.front() == '-');
    bool known = info && llvm::any_of(info->getAllProcessorFeatures(),
                                      [&](const llvm::SubtargetFeatureKV &kv) {
                                        return name == kv.Key;
                                      });
    if (!known || name.size() == feature.size()) {
      error = ("unknown target feature '" + feature + "' for " + triple.str() +
               " (write +name or -name)")
                  .str();
      return nullptr;
    }
    features.AddFeature(feature);
  }
  llvm::Reloc::Model reloc = llvm::Reloc::PIC_;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features.getString(), llvm::TargetOptions(), reloc));
  if (!machine) {
    error = "cannot create a target machine for " + triple.str();
    return nullptr;
  }
  llvm::CodeGenOptLevel level =
      options.optLevel == 0   ? llvm::CodeGenOptLevel::None
      : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
      : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                              : llvm::CodeGenOptLevel::Aggressive;
  machine->setOptLevel(level);
  return machine;
}

int64_t fff::getPreferredVectorWidth(const llvm::TargetMachine &machine) {
  const llvm::MCSubtargetInfo *info = machine.getMCSubtargetInfo();
  if (!machine.getTargetTriple().isX86())
    return 4; // NEON, and what other targets commonly have
  if (info->checkFeatures("+avx512f"))
    return 16;
  if (info->checkFeatures("+avx"))
    return 8;
  return 4;
}

std::unique_ptr<llvm::Module>
fff::translateAndOptimize(ModuleOp module, llvm::LLVMContext &context,
                          llvm::TargetMachine &machine, unsigned optLevel) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context);
  if (!llvmModule)
    return nullptr; // translateModuleToLLVMIR reported why
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());
  // The CPU and its features on every function, so that the IR optimizer's
  // cost model sees the same machine as the code generator.
  std::string features = machine.getTargetFeatureString().str();
  for (llvm::Function &function : *llvmModule) {
    if (function.isDeclaration())
      continue;
    function.addFnAttr("target-cpu", machine.getTargetCPU());
    if (!features.empty())
      function.addFnAttr("target-features", features);
  }
  auto optimize =
      makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, &machine);
  if (llvm::Error err = optimize(llvmModule.get())) {
    emitError(module.getLoc())
        << "LLVM optimization failed: " << llvm::toString(std::move(err));
    return nullptr;
  }
  return llvmModule;
}

void fff::instrumentForSanitizer(llvm::Module &module,
                                 llvm::TargetMachine &machine,
                                 Sanitizer sanitizer) {
  if (sanitizer == Sanitizer::None)
    return;
  // The passes instrument only the functions that ask for it.
  llvm::Attribute::AttrKind attribute = sanitizer == Sanitizer::Address
                                            ? llvm::Attribute::SanitizeAddress
                                            : llvm::Attribute::SanitizeThread;
  for (llvm::Function &function : module)
    if (!function.isDeclaration())
      function.addFnAttr(attribute);
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager sccs;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(sccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, sccs, modules);
  llvm::ModulePassManager passes;
  if (sanitizer == Sanitizer::Address) {
    // Outlined checks (one __asan_loadN/storeN call per access, as clang's
    // -fsanitize-address-outline-instrumentation): inline checks made
    // machine code 5x slower to build for the unrolled loops of small
    // layers, and a sanitizer run does not measure speed.
    llvm::AddressSanitizerOptions options;
    options.InstrumentationWithCallsThreshold = 0;
    passes.addPass(llvm::AddressSanitizerPass(options));
  } else {
    passes.addPass(llvm::ModuleThreadSanitizerPass());
    passes.addPass(
        llvm::createModuleToFunctionPassAdaptor(llvm::ThreadSanitizerPass()));
  }
  passes.run(module, modules);
  // Loop strength reduction, a codegen pass that only picks addressing
  // modes, costs time quadratic in a loop's address uses, and each check
  // adds some: it took 50-75% of the machine-code time of instrumented
  // layers. Leaving it out changes no memory access. LLVM's codegen reads
  // this from its own option (llc -disable-lsr); fff-compile builds one
  // module per process.
  auto &llvmOptions = llvm::cl::getRegisteredOptions();
  auto disableLSR = llvmOptions.find("disable-lsr");
  if (disableLSR != llvmOptions.end())
    disableLSR->second->addOccurrence(0, "disable-lsr", "true");
}

LogicalResult fff::emitMachineCode(llvm::Module &module,
                                   llvm::TargetMachine &machine, bool object,
                                   llvm::raw_pwrite_stream &os,
                                   std::string &error) {
  llvm::legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, os, nullptr,
                                  object
                                      ? llvm::CodeGenFileType::ObjectFile
                                      : llvm::CodeGenFileType::AssemblyFile)) {
    error = "the target cannot emit this kind of file";
    return failure();
  }
  passes.run(module);
  return success();
}

LogicalResult fff::linkSharedLibrary(StringRef objectPath, StringRef output,
                                     StringRef linker,
                                     ArrayRef<std::string> libraries,
                                     ArrayRef<std::string> extraInputs,
                                     std::string &error) {
  llvm::ErrorOr<std::string> program = llvm::sys::findProgramByName(linker);
  if (!program) {
    error = ("cannot find the linker driver '" + linker +
             "' on PATH (install build-essential, or pass --linker)")
                .str();
    return failure();
  }
  // -z defs: a symbol the object needs and nothing provides is a link error
  // here, not a failure when the library is loaded.
  SmallVector<std::string> args = {*program, "-shared",    "-Wl,-z,defs",
                                   "-o",     output.str(), objectPath.str(),
                                   "-lm"};
  args.append(extraInputs.begin(), extraInputs.end());
  if (!libraries.empty()) {
    // Runtimes of the LLVM that compiled the code (libomp for OpenMP),
    // found again at load time through the rpath.
    args.push_back("-L" FFF_LLVM_LIBRARY_DIR);
    args.push_back("-Wl,-rpath," FFF_LLVM_LIBRARY_DIR);
  }
  for (const std::string &library : libraries)
    args.push_back("-l" + library);
  SmallVector<StringRef> argRefs(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*program, argRefs, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    error = ("linking " + output + " with " + *program + " failed" +
             (message.empty() ? "" : ": " + message))
                .str();
    return failure();
  }
  return success();
}
