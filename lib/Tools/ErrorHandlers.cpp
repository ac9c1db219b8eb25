//===- ErrorHandlers.cpp - How fff's tools end on an internal failure -----===//

#include "fff/Tools/ErrorHandlers.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <unistd.h>

using namespace mlir::fff;

static ToolErrorHandlers installed;

[[noreturn]] static void reportAndExit(const char *message) {
  llvm::WithColor::error(llvm::errs(), installed.tool) << message;
  if (installed.context)
    llvm::errs() << " (" << installed.context() << ")";
  llvm::errs() << "\n";
  llvm::errs().flush();
  std::_Exit(1);
}

void mlir::fff::installToolErrorHandlers(const ToolErrorHandlers &handlers) {
  installed = handlers;
  llvm::install_fatal_error_handler(
      [](void *, const char *reason, bool) { reportAndExit(reason); },
      nullptr);
  llvm::install_bad_alloc_error_handler(
      [](void *, const char *, bool) {
        // No allocation here: there may be no memory left for one.
        const char *line = installed.outOfMemoryLine;
        (void)!::write(2, line, std::strlen(line));
        std::_Exit(1);
      },
      nullptr);
  // The last resort for a C++ exception out of a library (std::length_error
  // from a vector too large).
  std::set_terminate([] {
    reportAndExit("a size limit of the C++ library was exceeded; the input "
                  "is likely too large");
  });
}
