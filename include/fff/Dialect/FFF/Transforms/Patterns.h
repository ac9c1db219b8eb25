//===- Patterns.h - Whole-layer rewrite patterns ----------------*- C++ -*-===//
//
// The four strategies that rewrite a whole layer (`fff.leaf_mlp`,
// `fff.path_neuron`) on tensors, as pattern sets that any pass or user
// pipeline can add to its own RewritePatternSet. Each fff-* pass of the same
// name is a thin driver over one of these sets.
//
// The strategies compete for the same ops. Their default benefits rank
// them: a set holding all three applies the first that matches of
//
//   bucketed (fff-bucket-rows,   kBucketedLayerBenefit = 4)
//   grouped  (fff-group-rows,    kGroupedLayerBenefit  = 3)
//   fused    (fff-fuse-routing,  kFusedLayerBenefit    = 2)
//   expanded (fff-expand-layers, kExpandedLayerBenefit = 1)
//
// The bucketed and grouped patterns decline what it cannot group (rows of zero columns,
// leaf MLPs deeper than max-depth, one-level path-neuron trees) and the
// fallback clones of their run-time dispatch (kBatchFallbackAttrName), so
// the fused or expanded pattern takes those. Pass a benefit to re-rank.
//
// Options are taken as the passes' generated option structs, and must be
// valid: the passes check them and report errors; the patterns assume them.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_DIALECT_FFF_TRANSFORMS_PATTERNS_H
#define FFF_DIALECT_FFF_TRANSFORMS_PATTERNS_H

#include "fff/Dialect/FFF/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::fff {

constexpr unsigned kBucketedLayerBenefit = 4;
constexpr unsigned kGroupedLayerBenefit = 3;
constexpr unsigned kFusedLayerBenefit = 2;
constexpr unsigned kExpandedLayerBenefit = 1;

/// The discardable unit attribute fff-group-rows puts on the clone of a
/// layer that its `scf.if (B >= min-batch)` keeps for small batches. The
/// grouped pattern skips layers that carry it (so that a greedy driver does
/// not group the clone again); the other strategies lower them, and the
/// attribute goes with the op.
constexpr StringLiteral kBatchFallbackAttrName = "fff.batch_fallback";

/// fff-bucket-rows: level-synchronous walks over tiles of rows with
/// fff.bucket and fff.grouped_matmul (BucketRows.cpp).
void populateFFFBucketRowsPatterns(
    RewritePatternSet &patterns, const FFFBucketRowsOptions &options,
    PatternBenefit benefit = kBucketedLayerBenefit);

/// fff-group-rows: rows grouped by leaf or subtree (GroupRows.cpp).
void populateFFFGroupRowsPatterns(RewritePatternSet &patterns,
                                  const FFFGroupRowsOptions &options,
                                  PatternBenefit benefit = kGroupedLayerBenefit);

/// fff-fuse-routing: routing and the leaf/path computation in one row loop
/// (FuseRouting.cpp).
void populateFFFFuseRoutingPatterns(RewritePatternSet &patterns,
                                    const FFFFuseRoutingOptions &options,
                                    PatternBenefit benefit = kFusedLayerBenefit);

/// fff-expand-layers: fff.route / fff.route_path + fff.cmm + linalg
/// (ExpandLayers.cpp). A layer whose indices do not fit in index-bitwidth
/// bits is not matched (the pass reports it).
void populateFFFExpandLayersPatterns(
    RewritePatternSet &patterns, const FFFExpandLayersOptions &options,
    PatternBenefit benefit = kExpandedLayerBenefit);

/// The bits a signless index of `layer` (an fff.leaf_mlp or fff.path_neuron)
/// needs in fff-expand-layers: its leaves, or its trees' visited nodes.
int64_t getRequiredIndexBitwidth(Operation *layer);

} // namespace mlir::fff

#endif // FFF_DIALECT_FFF_TRANSFORMS_PATTERNS_H
