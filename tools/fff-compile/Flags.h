//===- Flags.h - fff-compile's flags made from the pipeline options -*- C++ -*-===//
//
// fff-compile gives every option of PipelineOptions.def a flag of the same
// default, so that `fff-compile` and `fff-opt --fff-cpu-pipeline` do the same
// unless told otherwise. The one exception is --target-cpu, which is the host
// here and a fixed generic CPU in the pipeline (whose output lit tests check
// on any machine).
//
//===----------------------------------------------------------------------===//

#ifndef FFF_COMPILE_FLAGS_H
#define FFF_COMPILE_FLAGS_H

#include "fff/Pipelines/Pipelines.h"

#include "llvm/Support/Allocator.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/StringSaver.h"

namespace fff_compile {

/// The category of every fff-compile flag (what --help shows).
llvm::cl::OptionCategory &getCategory();

/// Appends "(default X)" to `flag`'s help, so that --help states it.
void describeDefault(llvm::cl::opt<unsigned> &flag);

/// The flags made from PipelineOptions.def; their help states each default.
struct PipelineFlags {
  PipelineFlags();

#define FFF_FLAG(FIELD, FLAG, TYPE, DEFAULT, DESC)                             \
  llvm::cl::opt<TYPE> FIELD{FLAG, llvm::cl::desc(DESC),                        \
                            llvm::cl::init(DEFAULT),                           \
                            llvm::cl::cat(getCategory())};
#define FFF_CPU_OPTION FFF_FLAG
#define FFF_TARGET_OPTION FFF_FLAG
#define FFF_GPU_OPTION(FIELD, NAME, FLAG, TYPE, DEFAULT, DESC)                 \
  FFF_FLAG(FIELD, FLAG, TYPE, DEFAULT, DESC)
#include "fff/Pipelines/PipelineOptions.def"
#undef FFF_FLAG

  /// The flags that apply to one target only.
  llvm::SmallVector<const llvm::cl::Option *> getCPUOnly() const;
  llvm::SmallVector<const llvm::cl::Option *> getGPUOnly() const;

  /// Sets the pipelines' options as the flags say (fff-compile sets the
  /// pipeline-only ones itself).
  void setOptions(mlir::fff::CPUPipelineOptions &options) const;
  void setOptions(mlir::fff::GPUPipelineOptions &options) const;

  /// Writes one JSON object per flag: its name, type, default, the target it
  /// applies to, and the pipeline option it sets with that option's default.
  void writeJSON(llvm::json::OStream &json) const;

private:
  llvm::BumpPtrAllocator allocator;
  llvm::StringSaver descriptions{allocator};
};

} // namespace fff_compile

#endif // FFF_COMPILE_FLAGS_H
