//===- HostRuntime.cpp - Allocation behind a per-thread block cache -------===//
//
// A compiled model allocates its temporaries (a layer's activations, the
// attention scores) and frees them on every call. glibc serves such large
// blocks with mmap, or gives the top of its heap back when they are freed,
// so each call faults every page in again: a quarter of the 16-layer
// encoder's time at batch 8 was the kernel clearing pages. Here a freed large
// block stays with its thread and serves the next request it fits, so the
// pages stay mapped. Per thread, so there is no lock and no shared state;
// the thread's blocks are freed when it exits (a pthread key's destructor,
// so that the library needs no C++ runtime), and the calling thread's when
// the library is unloaded.
//
// Blocks come from malloc, so a result buffer handed to a caller may be
// released with free(). The block's size is malloc_usable_size's.
//
//===----------------------------------------------------------------------===//

#include "fff/ExecutionEngine/HostRuntime.h"

#include <malloc.h>
#include <pthread.h>

#include <cstdlib>

using namespace fff::host_runtime;

namespace {

struct Block {
  void *ptr;
  size_t size;
};

void releaseWhenThreadExits();

/// Trivially constructed and destroyed, so that a thread_local one needs no
/// C++ runtime support.
class BlockCache {
public:
  /// The smallest cached block of at least `size` bytes, aligned to
  /// `alignment`, that the request does not waste; null if none.
  void *take(size_t size, size_t alignment) {
    int best = -1;
    for (int i = 0; i < count; ++i) {
      const Block &b = blocks[i];
      if (b.size < size || b.size / kMaxWasteFactor > size ||
          reinterpret_cast<uintptr_t>(b.ptr) % alignment != 0)
        continue;
      if (best < 0 || b.size < blocks[best].size)
        best = i;
    }
    if (best < 0)
      return nullptr;
    void *ptr = blocks[best].ptr;
    bytes -= blocks[best].size;
    erase(best);
    return ptr;
  }

  /// Keeps `ptr` of `size` bytes, freeing the oldest blocks to make room.
  void keep(void *ptr, size_t size) {
    if (size > kMaxCachedBytes) {
      std::free(ptr);
      return;
    }
    while (count == kMaxCachedBlocks || bytes + size > kMaxCachedBytes) {
      std::free(blocks[0].ptr);
      bytes -= blocks[0].size;
      erase(0);
    }
    if (count == 0)
      releaseWhenThreadExits();
    blocks[count++] = {ptr, size};
    bytes += size;
  }

  void release() {
    for (int i = 0; i < count; ++i)
      std::free(blocks[i].ptr);
    count = 0;
    bytes = 0;
  }

  CacheState state() const { return {count, bytes}; }

private:
  void erase(int i) {
    for (int j = i + 1; j < count; ++j)
      blocks[j - 1] = blocks[j];
    --count;
  }

  Block blocks[kMaxCachedBlocks];
  int count = 0;
  size_t bytes = 0;
};

thread_local BlockCache cache;

pthread_key_t exitKey;
pthread_once_t exitKeyOnce = PTHREAD_ONCE_INIT;
bool exitKeyMade = false;

void releaseAtExit(void *threadCache) {
  static_cast<BlockCache *>(threadCache)->release();
}

/// Has the calling thread's cache released when the thread exits.
void releaseWhenThreadExits() {
  pthread_once(&exitKeyOnce, [] {
    exitKeyMade = pthread_key_create(&exitKey, releaseAtExit) == 0;
  });
  if (exitKeyMade && !pthread_getspecific(exitKey))
    pthread_setspecific(exitKey, &cache);
}

__attribute__((destructor)) void releaseAtUnload() {
  cache.release();
  if (exitKeyMade)
    pthread_key_delete(exitKey);
}

void *allocate(size_t size, size_t alignment) {
  if (size >= kMinCachedBytes)
    if (void *ptr = cache.take(size, alignment))
      return ptr;
  if (alignment <= alignof(std::max_align_t))
    return std::malloc(size);
  // aligned_alloc wants a multiple of the alignment (a power of two).
  size_t rounded = (size + alignment - 1) & ~(alignment - 1);
  if (rounded < size)
    return nullptr;
  return std::aligned_alloc(alignment, rounded);
}

} // namespace

void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  return allocate(size, alignof(std::max_align_t));
}

void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    return nullptr;
  return allocate(size, alignment);
}

void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  size_t size = malloc_usable_size(ptr);
  if (size < kMinCachedBytes) {
    std::free(ptr);
    return;
  }
  cache.keep(ptr, size);
}

CacheState fff::host_runtime::cacheState() { return cache.state(); }
void fff::host_runtime::releaseCache() { cache.release(); }
