// batch1_walk.cpp - a measurement probe for docs/performance.md (issue 13).
//
// Not part of the build and not a product: a hand-written AVX-512 walk of
// one UltraFastBERT-1x11 row (768 -> 768, depth 11), called again and again
// on the same row as fff-bench does at batch 1, so its 12 node rows and 12
// output rows stay in L2. It asks what bounds the batch-1 walk: the chain
// of dependent decisions, the output pass, and how they overlap.
//
// clang-format off
//   clang++ -O3 -march=native -o /tmp/batch1_walk bench/probes/batch1_walk.cpp
//   taskset -c 1 /tmp/batch1_walk STEP OUT [FIXED]     (GELU=1 in the environment: GELU, else ReLU)
// clang-format on
//
// STEP: tree levels per step of the walk, 1, 2 or 3 (a node's subtree of 1,
// 3 or 7 logits per step, Treebeard's tiling). OUT: 0 no output (the walk
// alone), 1 the whole path's output in one pass after the walk (what
// fff-fuse-routing emits), 2 each level's output added right after its
// decision, 3 each level's output added after the next level's dot product
// is issued (STEP 1 and 2 only). FIXED=1 (STEP 1): the path is known in
// advance, so the dot products do not wait on each other's decisions.
// Checks every output against OUT=1 STEP=1 of the same row, then prints the
// median time per call.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <immintrin.h>
#include <vector>

#include "probe_common.h"
static int STEP = 1, OUT = 1, FIXED = 0, GELU = 0;
static int fixedPath[LEVELS], path[LEVELS];
static float zs[LEVELS];

static inline float logit(const float *x, int n) {
  return dot(x, W1 + (size_t)n * D) + B1[n];
}
static inline float act(float z) {
  return GELU ? 0.5f * z * (1.0f + erff(z * 0.70710678f)) : (z > 0 ? z : 0);
}
static inline int child(int n, float z) { return 2 * n + 1 + (z > 0); }

/// y (+)= the terms of levels [first, first + N) in one pass over y, the
/// terms unrolled (as fff-fuse-routing's buildMultiAxpy emits them).
template <int N> static void addTerms(float *y, int first) {
  __m512 a[N];
  const float *w[N];
  for (int t = 0; t < N; ++t) {
    a[t] = _mm512_set1_ps(act(zs[first + t]));
    w[t] = W2 + (size_t)path[first + t] * D;
  }
  for (int c = 0; c < D; c += 16) {
    __m512 s = first == 0 ? _mm512_setzero_ps() : _mm512_loadu_ps(y + c);
    for (int t = 0; t < N; ++t)
      s = _mm512_fmadd_ps(a[t], _mm512_loadu_ps(w[t] + c), s);
    _mm512_storeu_ps(y + c, s);
  }
}
static void addLevels(float *y, int first, int last) {
  switch (last - first) {
  case 1: return addTerms<1>(y, first);
  case 2: return addTerms<2>(y, first);
  case 3: return addTerms<3>(y, first);
  case 12: return addTerms<12>(y, first);
  default: std::fprintf(stderr, "batch1_walk: %d terms\n", last - first), std::exit(2);
  }
}

/// One step from node n at level l: `levels` levels, all their logits first.
static int step(const float *x, int n, int l, int levels) {
  int m[7];
  float z[7];
  int count = (1 << levels) - 1;
  m[0] = n;
  for (int i = 1; i < count; ++i)
    m[i] = 2 * m[(i - 1) / 2] + 1 + ((i - 1) % 2);
  for (int i = 0; i < count; ++i)
    z[i] = logit(x, m[i]);
  int j = 0;
  for (int k = 0; k < levels; ++k) {
    zs[l + k] = z[j];
    path[l + k] = m[j];
    j = child(j, z[j]);
  }
  int last = (j - 1) / 2;
  return child(m[last], z[last]);
}

__attribute__((noinline)) static void walk(const float *x, float *y) {
  int n = 0, written = 0;
  for (int l = 0; l < LEVELS;) {
    int levels = std::min(STEP, LEVELS - l);
    if (FIXED) {
      zs[l] = logit(x, fixedPath[l]);
      path[l] = fixedPath[l];
    } else {
      n = step(x, n, l, levels);
    }
    l += FIXED ? 1 : levels;
    if (OUT == 2) // this step's terms, right after its decisions
      addLevels(y, written, l), written = l;
    if (OUT == 3 && written < l - levels) // the previous step's terms
      addLevels(y, written, l - levels), written = l - levels;
  }
  if (OUT == 0)
    y[0] = zs[LEVELS - 1] + path[LEVELS - 1]; // keep the walk alive
  else if (written < LEVELS)
    addLevels(y, written, LEVELS);
}

int main(int argc, char **argv) {
  if (argc < 3)
    return std::fprintf(stderr, "usage: batch1_walk STEP OUT [FIXED]\n"), 2;
  STEP = atoi(argv[1]);
  OUT = atoi(argv[2]);
  FIXED = argc > 3 ? atoi(argv[3]) : 0;
  GELU = getenv("GELU") != nullptr;
  if (STEP < 1 || STEP > 3 || OUT < 0 || OUT > 3 || (OUT == 3 && STEP == 3) ||
      (FIXED && STEP != 1))
    return std::fprintf(stderr, "batch1_walk: bad STEP or OUT\n"), 2;
  W1 = (float *)aligned_alloc(64, sizeof(float) * NODES * D);
  W2 = (float *)aligned_alloc(64, sizeof(float) * NODES * D);
  B1 = new float[NODES]();
  srand(1);
  for (size_t i = 0; i < (size_t)NODES * D; ++i) {
    W1[i] = rand() / (float)RAND_MAX - 0.5f;
    W2[i] = rand() / (float)RAND_MAX - 0.5f;
  }
  float *x = (float *)aligned_alloc(64, 4 * D);
  float *y = (float *)aligned_alloc(64, 4 * D);
  float *ref = (float *)aligned_alloc(64, 4 * D);
  for (int i = 0; i < D; ++i)
    x[i] = rand() / (float)RAND_MAX - 0.5f;
  // The reference: one level a step, the output after the walk.
  int savedStep = STEP, savedOut = OUT, savedFixed = FIXED;
  STEP = 1, OUT = 1, FIXED = 0;
  walk(x, ref);
  std::copy(path, path + LEVELS, fixedPath);
  STEP = savedStep, OUT = savedOut, FIXED = savedFixed;
  walk(x, y);
  float worst = 0;
  for (int i = 0; OUT && i < D; ++i)
    worst = std::max(worst, std::fabs(y[i] - ref[i]));
  if (!std::equal(path, path + LEVELS, fixedPath) || worst > 1e-4f)
    return std::fprintf(stderr, "batch1_walk: wrong (%g)\n", worst), 1;
  std::vector<double> times;
  for (int rep = 0; rep < 31; ++rep) {
    const int calls = 20000;
    double t0 = now();
    for (int i = 0; i < calls; ++i)
      walk(x, y);
    times.push_back((now() - t0) / calls * 1e6);
  }
  std::sort(times.begin(), times.end());
  std::printf("step %d out %d fixed %d %s: %.3f us per call (fastest %.3f), "
              "largest difference %.1e\n",
              STEP, OUT, FIXED, GELU ? "gelu" : "relu", times[15], times[0],
              worst);
}
