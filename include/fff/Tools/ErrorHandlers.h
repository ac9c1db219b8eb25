//===- ErrorHandlers.h - How fff's tools end on an internal failure -*- C++ -*-===//
//
// LLVM reports some failures by aborting: report_fatal_error, an allocation
// that fails inside LLVM, and (the tools are built without exceptions) a
// C++ library exception such as std::length_error. Each prints a crash
// report that blames LLVM. The tools install these handlers instead: one
// error line naming the tool and what it was working on, exit code 1.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_TOOLS_ERRORHANDLERS_H
#define FFF_TOOLS_ERRORHANDLERS_H

#include <string>

namespace mlir::fff {

struct ToolErrorHandlers {
  /// The tool's name, first on each message ("fff-compile").
  const char *tool;
  /// What the tool was doing, appended in parentheses ("while compiling
  /// 'x.mlir'"); null for nothing.
  std::string (*context)() = nullptr;
  /// The whole line printed when memory runs out (written without
  /// allocating, so it must be a constant).
  const char *outOfMemoryLine;
};

/// Installs the handlers; `handlers` is copied.
void installToolErrorHandlers(const ToolErrorHandlers &handlers);

} // namespace mlir::fff

#endif // FFF_TOOLS_ERRORHANDLERS_H
