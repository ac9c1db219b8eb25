//===- HostRuntime.h - The runtime every CPU library links -------*- C++ -*-===//
//
// fff-compile links libfff_host_runtime.a into each library it builds for
// --target=cpu. It holds the allocation functions that MLIR's memref-to-LLVM
// lowering calls with `use-generic-functions` (the pipelines'
// `workspace-cache` option): malloc and free behind a per-thread cache of
// large blocks, so that a model's temporaries are not mapped, faulted in and
// given back to the system on every call (docs/design.md, "Workspace"); and
// the frame that turns a failed allocation into a status instead of a write
// through NULL (docs/reliability.md, "The compiled code's contract").
//
// The symbols are hidden: each library has its own copy and exports none.
//
//===----------------------------------------------------------------------===//

#ifndef FFF_EXECUTIONENGINE_HOSTRUNTIME_H
#define FFF_EXECUTIONENGINE_HOSTRUNTIME_H

#include <cstddef>
#include <cstdint>

#define FFF_HOST_RUNTIME_API extern "C" __attribute__((visibility("hidden")))

/// The functions MLIR's memref-to-LLVM lowering calls.
FFF_HOST_RUNTIME_API void *_mlir_memref_to_llvm_alloc(uint64_t size);
FFF_HOST_RUNTIME_API void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment,
                                                              uint64_t size);
FFF_HOST_RUNTIME_API void _mlir_memref_to_llvm_free(void *ptr);

/// The generated entry points run the lowered code as body(context) under
/// fffHostRun (fff-generate-c-entry-points host-runtime). A failed
/// allocation in it, or an allocation whose size overflowed
/// (fffHostCheckSize(1), called by fff-check-allocation-sizes), ends
/// the call: every block it allocated and has not freed is freed and the
/// status, FFF_ERROR_OUT_OF_MEMORY or FFF_ERROR_SIZE, is returned; else 0.
/// The code never sees a NULL block. `unwind` is 0 when the code runs
/// OpenMP parallel regions, which cannot be left early (the other threads
/// would wait at the region's barrier): a failure there, or in code not run
/// under fffHostRun, prints what failed and aborts.
FFF_HOST_RUNTIME_API int32_t fffHostRun(void (*body)(void *), void *context,
                                        int32_t unwind);
/// Ends the call with FFF_ERROR_SIZE when `overflowed` is not 0: called
/// before each dynamically sized allocation with the verdict of its size
/// check (fff-check-allocation-sizes).
FFF_HOST_RUNTIME_API void fffHostCheckSize(int32_t overflowed);

namespace fff::host_runtime {
/// Blocks smaller than this go straight to malloc and free: glibc keeps them
/// in its own bins without touching the page tables.
constexpr size_t kMinCachedBytes = size_t(64) << 10;
/// At most this many blocks and bytes are kept per thread; beyond that the
/// oldest block is freed.
constexpr int kMaxCachedBlocks = 32;
constexpr size_t kMaxCachedBytes = size_t(1) << 30;
/// A cached block serves a request of at least half its size.
constexpr size_t kMaxWasteFactor = 2;

/// What the calling thread's cache holds (for tests).
struct CacheState {
  int blocks;
  size_t bytes;
};
CacheState cacheState();
/// Frees every block the calling thread's cache holds.
void releaseCache();
} // namespace fff::host_runtime

#endif // FFF_EXECUTIONENGINE_HOSTRUNTIME_H
