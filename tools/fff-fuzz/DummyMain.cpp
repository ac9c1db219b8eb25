//===- DummyMain.cpp - Runs a fuzz target on the files it is given --------===//
//
// Without libFuzzer (a build without LLVM_USE_SANITIZE_COVERAGE), each fuzz
// target is this driver: it runs the target once on every input file named
// on the command line, so a corpus or a crash reproducer can be replayed in
// any build.
//
//===----------------------------------------------------------------------===//

#include "llvm/FuzzMutate/FuzzerCLI.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv);

int main(int argc, char *argv[]) {
  return llvm::runFuzzerOnInputs(argc, argv, LLVMFuzzerTestOneInput,
                                 LLVMFuzzerInitialize);
}
