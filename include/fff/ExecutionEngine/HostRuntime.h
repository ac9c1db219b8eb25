//===- HostRuntime.h - The runtime every CPU library links -------*- C++ -*-===//
//
// fff-compile links libfff_host_runtime.a into each library it builds for
// --target=cpu. It holds the allocation functions that MLIR's memref-to-LLVM
// lowering calls with `use-generic-functions` (the pipelines'
// `workspace-cache` option): malloc and free behind a per-thread cache of
// large blocks, so that a model's temporaries are not mapped, faulted in and
// given back to the system on every call (docs/design.md, "Workspace").
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
