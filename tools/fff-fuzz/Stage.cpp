//===- Stage.cpp - The stage one fuzz target runs -------------------------===//
//
// Compiled once per target with FFF_FUZZ_STAGE set (CMakeLists.txt), so the
// targets share one build of fff-fuzz.cpp.
//
//===----------------------------------------------------------------------===//

extern const char *const kFFFFuzzStage;
const char *const kFFFFuzzStage = FFF_FUZZ_STAGE;
