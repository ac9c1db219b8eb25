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
// Failures: the lowered functions return nothing and upstream's lowering
// uses the allocation unchecked, so a call that cannot allocate must not
// return to the code at all. fffHostRun sets a jump buffer and records each
// block the call allocates; a failure frees those and longjmps back with
// the status. The generated code holds no other resource (no locks, no C++
// objects; its results are written in the caller's buffers), so leaving it
// early loses nothing.
//
//===----------------------------------------------------------------------===//

#include "fff/ExecutionEngine/HostRuntime.h"

#include <malloc.h>
#include <pthread.h>

#include <csetjmp>
#include <cstdio>
#include <cstdlib>

using namespace fff::host_runtime;

namespace {

/// The C ABI's statuses (the runtime needs no MLIR headers).
enum class Status : int32_t {
#define FFF_STATUS(NAME, CODE, ...) NAME = CODE,
#include "fff/Target/CStatus.def"
};

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

/// One fffHostRun call on this thread: where a failure jumps to, and the
/// blocks allocated since that it has to free.
struct Frame {
  std::jmp_buf jump;
  int32_t status;
  bool unwind;
  void **live;
  size_t count, capacity;
  Frame *outer;
};

/// Constant-initialized, so that it needs no C++ runtime either.
thread_local Frame *currentFrame = nullptr;

[[noreturn]] void fail(Status status, const char *what) {
  Frame *frame = currentFrame;
  if (frame && frame->unwind) {
    frame->status = static_cast<int32_t>(status);
    std::longjmp(frame->jump, 1);
  }
  std::fprintf(stderr,
               "fff host runtime: %s in code that cannot return a status "
               "(%s); aborting\n",
               what,
               frame ? "an OpenMP parallel region"
                     : "not called through a C entry point");
  std::abort();
}

/// Records `ptr` in the current frame, if any.
void track(void *ptr) {
  Frame *frame = currentFrame;
  if (!frame)
    return;
  if (frame->count == frame->capacity) {
    size_t capacity = frame->capacity ? 2 * frame->capacity : 16;
    auto *grown = static_cast<void **>(
        std::realloc(frame->live, capacity * sizeof(void *)));
    if (!grown) {
      std::free(ptr);
      fail(Status::OutOfMemory, "out of memory");
    }
    frame->live = grown;
    frame->capacity = capacity;
  }
  frame->live[frame->count++] = ptr;
}

/// Forgets `ptr` in the current frame, if it is there (blocks are mostly
/// freed in reverse order: search from the end).
void untrack(void *ptr) {
  Frame *frame = currentFrame;
  if (!frame)
    return;
  for (size_t i = frame->count; i-- > 0;)
    if (frame->live[i] == ptr) {
      frame->live[i] = frame->live[--frame->count];
      return;
    }
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

/// A block of `size` bytes for the compiled code, never NULL unless empty.
void *allocateForCode(size_t size, size_t alignment) {
  void *ptr = allocate(size, alignment);
  if (!ptr) {
    if (size == 0)
      return nullptr;
    fail(Status::OutOfMemory, "out of memory");
  }
  track(ptr);
  return ptr;
}

/// Frees `ptr` into the cache.
void release(void *ptr) {
  size_t size = malloc_usable_size(ptr);
  if (size < kMinCachedBytes) {
    std::free(ptr);
    return;
  }
  cache.keep(ptr, size);
}

} // namespace

void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  return allocateForCode(size, alignof(std::max_align_t));
}

void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t size) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    fail(Status::OutOfMemory, "allocation with a bad alignment");
  return allocateForCode(size, alignment);
}

void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  untrack(ptr);
  release(ptr);
}

void fffHostCheckSize(int32_t overflowed) {
  if (overflowed)
    fail(Status::Size, "allocation of 2^63 bytes or more (a size overflowed)");
}

int32_t fffHostRun(void (*body)(void *), void *context, int32_t unwind) {
  Frame frame{};
  frame.unwind = unwind != 0;
  frame.outer = currentFrame;
  currentFrame = &frame;
  // `frame` is reached through currentFrame, so it lives in memory across
  // the longjmp (its address escaped before setjmp and body() is opaque).
  if (setjmp(frame.jump) == 0) {
    body(context);
  } else {
    Frame *failed = currentFrame;
    for (size_t i = 0; i < failed->count; ++i)
      release(failed->live[i]);
    failed->count = 0;
  }
  currentFrame = frame.outer;
  std::free(frame.live);
  return frame.status;
}

CacheState fff::host_runtime::cacheState() { return cache.state(); }
void fff::host_runtime::releaseCache() { cache.release(); }
