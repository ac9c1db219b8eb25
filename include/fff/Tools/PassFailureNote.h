//===- PassFailureNote.h - Which pass of a pipeline failed ------*- C++ -*-===//
//
// A pipeline runs some forty passes, most of them upstream. When one fails,
// its own error says what went wrong (upstream ones in their own words,
// e.g. bufferization's "Yield operand #0 is not equivalent to the
// corresponding iter bbArg") but not which pass of which pipeline gave it,
// nor what the user can do. fff-compile adds this instrumentation: after
// the first failed pass it emits one remark at the failing op, naming the
// pass and the pipeline, where to read what it takes, and how to see the IR
// that pass was given.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_TOOLS_PASSFAILURENOTE_H
#define FFF_TOOLS_PASSFAILURENOTE_H

#include "mlir/Pass/PassManager.h"

namespace mlir::fff {

/// Adds the remark to `pm`, whose passes make up `pipeline` (a name for the
/// remark: "fff-cpu-pipeline"). The tool must take the pass manager's
/// options (registerPassManagerCLOptions), which the remark points to.
void addPassFailureNote(PassManager &pm, StringRef pipeline);

} // namespace mlir::fff

#endif // FFF_TOOLS_PASSFAILURENOTE_H
