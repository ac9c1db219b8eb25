//===- HostRuntimeTest.cpp - The host runtime's per-thread block cache ----===//

#include "fff/ExecutionEngine/HostRuntime.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

using namespace fff::host_runtime;

// In the sanitizer build: these tests ask for more memory than exists and
// expect the NULL that the runtime turns into a status, not ASan's report.
extern "C" const char *__asan_default_options() {
  return "allocator_may_return_null=1";
}

namespace {

class HostRuntimeTest : public ::testing::Test {
protected:
  void SetUp() override { releaseCache(); }
  void TearDown() override { releaseCache(); }
};

constexpr size_t kLarge = size_t(1) << 20;

TEST_F(HostRuntimeTest, LargeFreedBlockServesTheNextRequest) {
  void *a = _mlir_memref_to_llvm_alloc(kLarge);
  ASSERT_NE(a, nullptr);
  std::memset(a, 1, kLarge);
  _mlir_memref_to_llvm_free(a);
  EXPECT_EQ(cacheState().blocks, 1);
  EXPECT_GE(cacheState().bytes, kLarge);
  void *b = _mlir_memref_to_llvm_alloc(kLarge);
  EXPECT_EQ(b, a);
  EXPECT_EQ(cacheState().blocks, 0);
  _mlir_memref_to_llvm_free(b);
}

TEST_F(HostRuntimeTest, SmallBlocksAreNotCached) {
  void *a = _mlir_memref_to_llvm_alloc(100);
  _mlir_memref_to_llvm_free(a);
  EXPECT_EQ(cacheState().blocks, 0);
  _mlir_memref_to_llvm_free(nullptr);
  EXPECT_EQ(cacheState().blocks, 0);
}

TEST_F(HostRuntimeTest, ABlockServesOnlyRequestsItFitsWithoutWaste) {
  void *a = _mlir_memref_to_llvm_alloc(kLarge);
  _mlir_memref_to_llvm_free(a);
  void *larger = _mlir_memref_to_llvm_alloc(2 * kLarge);
  EXPECT_NE(larger, a); // too small for it
  void *tiny = _mlir_memref_to_llvm_alloc(kLarge / 4);
  EXPECT_NE(tiny, a); // would waste three quarters
  // malloc_usable_size rounds a mapped block up to whole pages.
  void *half = _mlir_memref_to_llvm_alloc(kLarge / 2 + 8192);
  EXPECT_EQ(half, a);
  std::memset(larger, 2, 2 * kLarge);
  for (void *p : {larger, tiny, half})
    _mlir_memref_to_llvm_free(p);
}

TEST_F(HostRuntimeTest, BestFitAmongCachedBlocks) {
  void *big = _mlir_memref_to_llvm_alloc(3 * kLarge);
  void *mid = _mlir_memref_to_llvm_alloc(2 * kLarge);
  _mlir_memref_to_llvm_free(big);
  _mlir_memref_to_llvm_free(mid);
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(2 * kLarge - 8), mid);
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(2 * kLarge), big);
  _mlir_memref_to_llvm_free(mid);
  _mlir_memref_to_llvm_free(big);
}

TEST_F(HostRuntimeTest, AlignedRequestsGetAlignedBlocks) {
  for (uint64_t alignment : {16, 64, 4096}) {
    void *p = _mlir_memref_to_llvm_aligned_alloc(alignment, kLarge + 3);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignment, 0u);
    _mlir_memref_to_llvm_free(p);
    void *q = _mlir_memref_to_llvm_aligned_alloc(alignment, kLarge);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(q) % alignment, 0u);
    _mlir_memref_to_llvm_free(q);
  }
}

/// fffHostRun(body) for a lambda.
template <typename F> int32_t run(F body, int32_t unwind = 1) {
  return fffHostRun([](void *f) { (*static_cast<F *>(f))(); }, &body, unwind);
}

constexpr int32_t kOk = 0, kSize = 6, kOutOfMemory = 7; // CStatus.def

TEST_F(HostRuntimeTest, FailedAllocationsEndTheCallWithAStatus) {
  EXPECT_EQ(run([] { _mlir_memref_to_llvm_alloc(~uint64_t(0) - 8); }),
            kOutOfMemory);
  EXPECT_EQ(run([] { _mlir_memref_to_llvm_aligned_alloc(64, ~uint64_t(0)); }),
            kOutOfMemory);
  EXPECT_EQ(run([] { _mlir_memref_to_llvm_aligned_alloc(3, 64); }),
            kOutOfMemory);
  EXPECT_EQ(run([] { fffHostCheckSize(1); }), kSize);
  EXPECT_EQ(run([] { fffHostCheckSize(0); }), kOk);
  bool after = false;
  EXPECT_EQ(run([&] {
              fffHostCheckSize(1);
              after = true;
            }),
            kSize);
  EXPECT_FALSE(after); // the code does not go on
}

TEST_F(HostRuntimeTest, AFailedCallFreesWhatItAllocated) {
  void *kept = nullptr;
  EXPECT_EQ(run([&] {
              kept = _mlir_memref_to_llvm_alloc(kLarge);
              void *freed = _mlir_memref_to_llvm_alloc(2 * kLarge);
              _mlir_memref_to_llvm_free(freed);
              _mlir_memref_to_llvm_alloc(3 * kLarge);
              fffHostCheckSize(1);
            }),
            kSize);
  // All three blocks are back in the cache, `kept` included.
  EXPECT_EQ(cacheState().blocks, 3);
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(kLarge), kept);
  _mlir_memref_to_llvm_free(kept);
}

TEST_F(HostRuntimeTest, ASuccessfulCallReturnsOk) {
  EXPECT_EQ(run([] {
              void *p = _mlir_memref_to_llvm_alloc(kLarge);
              std::memset(p, 0, kLarge);
              _mlir_memref_to_llvm_free(p);
            }),
            kOk);
  // Calls nest: the inner one's failure is its own.
  EXPECT_EQ(run([] { EXPECT_EQ(run([] { fffHostCheckSize(1); }), kSize); }),
            kOk);
}

TEST(HostRuntimeDeathTest, FailuresThatCannotUnwindAbortWithAMessage) {
  EXPECT_DEATH(fffHostCheckSize(1), "not called through a C entry point");
  EXPECT_DEATH(_mlir_memref_to_llvm_alloc(~uint64_t(0) - 8),
               "out of memory in code that cannot return a status");
  EXPECT_DEATH(run([] { fffHostCheckSize(1); }, /*unwind=*/0),
               "an OpenMP parallel region");
}

TEST_F(HostRuntimeTest, TheCacheIsBounded) {
  std::vector<void *> blocks;
  for (int i = 0; i < kMaxCachedBlocks + 5; ++i)
    blocks.push_back(_mlir_memref_to_llvm_alloc(kMinCachedBytes));
  for (void *p : blocks)
    _mlir_memref_to_llvm_free(p);
  EXPECT_EQ(cacheState().blocks, kMaxCachedBlocks);
  // A block beyond the byte limit is freed at once.
  void *huge = _mlir_memref_to_llvm_alloc(kMaxCachedBytes + 1);
  ASSERT_NE(huge, nullptr);
  _mlir_memref_to_llvm_free(huge);
  EXPECT_EQ(cacheState().blocks, kMaxCachedBlocks);
  EXPECT_LE(cacheState().bytes, kMaxCachedBytes);
}

TEST_F(HostRuntimeTest, EachThreadHasItsOwnCache) {
  void *mine = _mlir_memref_to_llvm_alloc(kLarge);
  _mlir_memref_to_llvm_free(mine);
  std::vector<std::thread> threads;
  std::vector<int> seen(4, -1);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&seen, t] {
      seen[t] = cacheState().blocks;
      for (int i = 0; i < 100; ++i) {
        void *p = _mlir_memref_to_llvm_alloc(kLarge * (1 + t));
        std::memset(p, t, kLarge * (1 + t));
        _mlir_memref_to_llvm_free(p);
      }
      // The thread exits holding a block: its exit releases it (a leak
      // checker would report it otherwise).
    });
  for (std::thread &t : threads)
    t.join();
  for (int s : seen)
    EXPECT_EQ(s, 0);
  EXPECT_EQ(cacheState().blocks, 1);
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(kLarge), mine);
  _mlir_memref_to_llvm_free(mine);
}

} // namespace
