//===- Listing.h - What fff-compile states about itself, as JSON -*- C++ -*-===//

#ifndef FFF_COMPILE_LISTING_H
#define FFF_COMPILE_LISTING_H

#include "Flags.h"

namespace fff_compile {

/// Writes `fff-compile --list-json` (Listing.cpp says what it holds).
void writeListing(llvm::raw_ostream &os, const PipelineFlags &flags,
                  const llvm::cl::opt<unsigned> &optLevel);

} // namespace fff_compile

#endif // FFF_COMPILE_LISTING_H
