//===- Flags.cpp - fff-compile's flags made from the pipeline options ----===//

#include "Flags.h"

using namespace mlir;
using namespace fff_compile;
namespace cl = llvm::cl;
namespace json = llvm::json;

cl::OptionCategory &fff_compile::getCategory() {
  static cl::OptionCategory category("fff-compile options");
  return category;
}

static std::string getText(bool value) { return value ? "true" : "false"; }
static std::string getText(int64_t value) { return std::to_string(value); }
static std::string getText(unsigned value) { return std::to_string(value); }
static std::string getText(const std::string &value) { return value; }

static StringRef getTypeName(bool) { return "bool"; }
static StringRef getTypeName(int64_t) { return "int"; }
static StringRef getTypeName(const std::string &) { return "string"; }

/// Appends the default to a flag's help, so that --help always states it.
template <typename T>
static void appendDefault(cl::opt<T> &flag, llvm::StringSaver &saver) {
  std::string value = getText(flag.getDefault().getValue());
  if (!value.empty())
    flag.setDescription(
        saver.save(flag.HelpStr + " (default " + value + ")"));
}

void fff_compile::describeDefault(cl::opt<unsigned> &flag) {
  static llvm::BumpPtrAllocator allocator;
  static llvm::StringSaver saver(allocator);
  appendDefault(flag, saver);
}

PipelineFlags::PipelineFlags() {
  // A compiler run on this machine builds for it; the pipeline's own
  // default is generic so that its output does not depend on the machine.
  targetCPU.setInitialValue("host");
#define FFF_FLAG(FIELD, ...) appendDefault(FIELD, descriptions);
#define FFF_CPU_OPTION FFF_FLAG
#define FFF_TARGET_OPTION FFF_FLAG
#define FFF_GPU_OPTION FFF_FLAG
#include "fff/Pipelines/PipelineOptions.def"
#undef FFF_FLAG
}

SmallVector<const cl::Option *> PipelineFlags::getCPUOnly() const {
  return {
#define FFF_CPU_OPTION(FIELD, ...) &FIELD,
#include "fff/Pipelines/PipelineOptions.def"
  };
}

SmallVector<const cl::Option *> PipelineFlags::getGPUOnly() const {
  return {
#define FFF_GPU_OPTION(FIELD, ...) &FIELD,
#include "fff/Pipelines/PipelineOptions.def"
  };
}

void PipelineFlags::setOptions(fff::CPUPipelineOptions &options) const {
#define FFF_FLAG(FIELD, ...) options.FIELD = FIELD.getValue();
#define FFF_CPU_OPTION FFF_FLAG
#define FFF_TARGET_OPTION FFF_FLAG
#include "fff/Pipelines/PipelineOptions.def"
#undef FFF_FLAG
}

void PipelineFlags::setOptions(fff::GPUPipelineOptions &options) const {
#define FFF_GPU_OPTION(FIELD, ...) options.FIELD = FIELD.getValue();
#include "fff/Pipelines/PipelineOptions.def"
}

/// One flag of the listing (--list-json).
template <typename T>
static void writeFlag(json::OStream &json, const cl::opt<T> &flag,
                      StringRef target, StringRef pipeline,
                      StringRef pipelineOption, const T &pipelineDefault) {
  json.attributeObject(flag.ArgStr, [&] {
    json.attribute("type", getTypeName(pipelineDefault));
    json.attribute("default", flag.getDefault().getValue());
    json.attribute("target", target);
    json.attribute("pipeline", pipeline);
    json.attribute("pipeline_option", pipelineOption);
    json.attribute("pipeline_default", pipelineDefault);
  });
}

void PipelineFlags::writeJSON(json::OStream &json) const {
  fff::CPUPipelineOptions cpu;
  fff::GPUPipelineOptions gpu;
#define FFF_CPU_OPTION(FIELD, NAME, ...)                                       \
  writeFlag(json, FIELD, "cpu", "fff-cpu-pipeline", NAME, cpu.FIELD.getValue());
#define FFF_TARGET_OPTION(FIELD, NAME, ...)                                    \
  writeFlag(json, FIELD, "any", "fff-cpu-pipeline", NAME, cpu.FIELD.getValue());
#define FFF_GPU_OPTION(FIELD, NAME, ...)                                       \
  writeFlag(json, FIELD, "cuda", "fff-gpu-pipeline", NAME,                     \
            gpu.FIELD.getValue());
#include "fff/Pipelines/PipelineOptions.def"
}
