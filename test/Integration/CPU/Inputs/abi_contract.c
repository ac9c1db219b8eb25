/* The compiled code's contract (docs/reliability.md), as a C caller sees
 * it: sizes whose byte count overflows and temporaries that cannot be
 * allocated come back as statuses, the library works normally after them,
 * and 8 threads calling one library at once get the serial results. */
#include "libcontract.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

static void expect(int32_t got, int32_t want, const char *what) {
  printf("%s: status %d (%s)\n", what, got, fff_status_string(got));
  if (got != want) {
    printf("FAIL: %s: want status %d\n", what, want);
    ++failures;
  }
}

static void check_scratch(int64_t rows) {
  float sum = -1;
  int32_t status = fff_scratch(NULL, rows, &sum);
  printf("scratch %lld rows: status %d, sum %.0f\n", (long long)rows, status,
         sum);
  if (status != FFF_OK || sum != (float)(rows * 1024)) {
    printf("FAIL: scratch %lld rows\n", (long long)rows);
    ++failures;
  }
}

enum { kThreads = 8, kCalls = 25, kRows = 4099, kWidth = 4 };
static float inputs[kThreads][kRows * kWidth];
static float serial[kThreads][kRows * kWidth];

static void *run_thread(void *arg) {
  int t = (int)(size_t)arg;
  float *out = malloc(sizeof(float) * kRows * kWidth);
  size_t mismatches = 0;
  for (int call = 0; call < kCalls; ++call) {
    /* Each thread varies its row count too, so the temporaries differ. */
    int64_t rows = kRows - (call % 3) * 1000;
    memset(out, 0, sizeof(float) * rows * kWidth);
    if (fff_layer(inputs[t], rows, out) != FFF_OK ||
        memcmp(out, serial[t], sizeof(float) * rows * kWidth) != 0)
      ++mismatches;
  }
  free(out);
  return (void *)mismatches;
}

int main(void) {
  /* Sizes. */
  check_scratch(1000);
  /* 2^62 rows x 4096 bytes wraps around 2^64: without the guard the code
   * would allocate 0 bytes and fill 2^74 of them. */
  float sum;
  expect(fff_scratch(NULL, (int64_t)1 << 62, &sum), FFF_ERROR_SIZE,
         "scratch 2^62 rows");
  /* 2^40 rows x 4096 bytes is 4 PiB: more than any address space. */
  expect(fff_scratch(NULL, (int64_t)1 << 40, &sum), FFF_ERROR_OUT_OF_MEMORY,
         "scratch 2^40 rows");
  /* The arguments' own byte sizes: 2^62 rows x 16 bytes. */
  expect(fff_layer(NULL, (int64_t)1 << 62, NULL), FFF_ERROR_SIZE,
         "layer 2^62 rows");
  expect(fff_layer(NULL, -1, NULL), FFF_ERROR_NEGATIVE_DIMENSION,
         "layer -1 rows");
  /* And after the failures, the same library and thread work as before. */
  check_scratch(1000);
  check_scratch(0);

  /* Threads: distinct inputs, results computed serially first. */
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kRows * kWidth; ++i)
      inputs[t][i] = (float)((i * 37 + t * 101) % 211) / 53.0f - 2.0f;
  for (int t = 0; t < kThreads; ++t)
    if (fff_layer(inputs[t], kRows, serial[t]) != FFF_OK) {
      printf("FAIL: serial call %d\n", t);
      return 1;
    }
  pthread_t threads[kThreads];
  for (int t = 0; t < kThreads; ++t)
    pthread_create(&threads[t], NULL, run_thread, (void *)(size_t)t);
  size_t mismatches = 0;
  for (int t = 0; t < kThreads; ++t) {
    void *result;
    pthread_join(threads[t], &result);
    mismatches += (size_t)result;
  }
  printf("%d threads x %d calls: %zu differ from the serial results\n",
         kThreads, kCalls, mismatches);
  if (mismatches)
    ++failures;
  printf(failures ? "FAILED\n" : "ok\n");
  return failures != 0;
}
