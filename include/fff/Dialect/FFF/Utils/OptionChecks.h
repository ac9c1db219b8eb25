//===- OptionChecks.h - Bounds of the lowering options ----------*- C++ -*-===//
//
// The ranges the lowering passes and pipelines accept for their code-shape
// options, and the messages for values outside them.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_UTILS_OPTIONCHECKS_H
#define FFF_DIALECT_FFF_UTILS_OPTIONCHECKS_H

#include <cstdint>
#include <string>

namespace mlir::fff {

/// The widest `vector-width` the lowerings accept: enough for any CPU vector
/// register file, small enough that unrolled lane loops stay reasonable.
constexpr int64_t kMaxVectorWidth = 64;

/// The complaint about an out-of-range `vector-width` option ("vector-width
/// must be in [0, 64], got N"), or an empty string when `width` is fine.
std::string checkVectorWidth(int64_t width);

/// The widest `interleave` accepted: rows walking together each hold their
/// own accumulators, so more would only spill registers.
constexpr int64_t kMaxInterleave = 16;

/// The complaint about the fused row loop's options (`row-block` >= 1,
/// `interleave` in [0, 16] with 0 = chosen per layer, not both above 1), or
/// "" when they are fine.
std::string checkRowLoopOptions(int64_t rowBlock, int64_t interleave);

/// An error message when a walk's levels per step `walkStep` is not 1 or 2,
/// or "" when it is.
std::string checkWalkStep(int64_t walkStep);

} // namespace mlir::fff

#endif // FFF_DIALECT_FFF_UTILS_OPTIONCHECKS_H
