// grouped_walk.cpp - a measurement probe for docs/performance.md (issue 13).
//
// Not part of the build and not a product: a hand-written AVX-512 copy of the
// walk that fff-group-rows emits for UltraFastBERT-1x11 (768 -> 768, depth
// 11, ReLU), used to find out where its time goes before changing the
// lowering. Phases: (1) every row walks the top `split` levels, (2) a
// counting sort of the rows by subtree, (3) in that order each row walks its
// subtree and writes its output row once for the whole path.
//
// clang-format off
//   clang++ -O3 -march=native -o /tmp/grouped_walk bench/probes/grouped_walk.cpp
//   taskset -c 1 /tmp/grouped_walk BATCH SPLIT FLAGS [MASK]
// clang-format on
//
// FLAGS (bits): 1 prefetch the next row's x, 2 non-temporal stores of y,
// 4 prefetch each node's output row into L2, 8 prefetch both children's node
// rows, 16 phase 3 walks 4 rows together (their dot products interleaved).
// MASK (default -1: none) ANDs every node index used as a weight address, so
// that MASK=15 keeps all weights in 16 node rows (96 kB, in L2): the same
// work and control flow without the weights' cache misses.
// Prints the median time per row over repeated calls and the phases of the
// last call.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <immintrin.h>
#include <vector>

#include "probe_common.h"
static inline float act(float z) { return z > 0 ? z : 0; }
int PF = 0;
int MASK = -1;
double tp1, tp2, tp3;
void grouped(int B, const float *x, float *y, int split,
             std::vector<int> &roots, std::vector<float> &acts,
             std::vector<int> &order) {
  double t0 = now();
  for (int r = 0; r < B; ++r) {
    int n = 0;
    for (int l = 0; l < split; ++l) {
      float z = dot(x + (size_t)r * D, W1 + (size_t)(n & MASK) * D) + B1[n];
      acts[r * LEVELS + l] = act(z);
      n = 2 * n + 1 + (z > 0);
    }
    roots[r] = n;
  }
  double t1 = now();
  int S = 1 << split, off = S - 1;
  std::vector<int> cnt(S + 1, 0);
  for (int r = 0; r < B; ++r)
    cnt[roots[r] - off + 1]++;
  for (int s = 0; s < S; ++s)
    cnt[s + 1] += cnt[s];
  for (int r = 0; r < B; ++r)
    order[cnt[roots[r] - off]++] = r;
  double t2 = now();
  int i0 = 0;
  if (PF & 16) {
    constexpr int R = 4;
    for (; i0 + R <= B; i0 += R) {
      int rr[R], n[R], nodes[R][LEVELS];
      float a[R][LEVELS];
      const float *xr[R];
      for (int k = 0; k < R; ++k) {
        rr[k] = order[i0 + k];
        n[k] = roots[rr[k]];
        xr[k] = x + (size_t)rr[k] * D;
        for (int l = split - 1, m = n[k]; l >= 0; --l) {
          m = l == 0 ? 0 : (m - 1) / 2;
          nodes[k][l] = m;
          a[k][l] = acts[rr[k] * LEVELS + l];
        }
      }
      for (int l = split; l < LEVELS; ++l) {
        __m512 acc[R][2];
        const float *w[R];
        for (int k = 0; k < R; ++k) {
          acc[k][0] = acc[k][1] = _mm512_setzero_ps();
          w[k] = W1 + (size_t)(n[k] & MASK) * D;
        }
        for (int c = 0; c < D; c += 32)
          for (int k = 0; k < R; ++k) {
            acc[k][0] = _mm512_fmadd_ps(_mm512_loadu_ps(xr[k] + c),
                                        _mm512_loadu_ps(w[k] + c), acc[k][0]);
            acc[k][1] =
                _mm512_fmadd_ps(_mm512_loadu_ps(xr[k] + c + 16),
                                _mm512_loadu_ps(w[k] + c + 16), acc[k][1]);
          }
        for (int k = 0; k < R; ++k) {
          float z = _mm512_reduce_add_ps(_mm512_add_ps(acc[k][0], acc[k][1])) +
                    B1[n[k]];
          nodes[k][l] = n[k];
          a[k][l] = act(z);
          n[k] = 2 * n[k] + 1 + (z > 0);
        }
      }
      for (int k = 0; k < R; ++k) {
        float *yr = y + (size_t)rr[k] * D;
        for (int c = 0; c < D; c += 16) {
          __m512 acc = _mm512_setzero_ps();
          for (int l = 0; l < LEVELS; ++l)
            acc = _mm512_fmadd_ps(
                _mm512_set1_ps(a[k][l]),
                _mm512_loadu_ps(W2 + (size_t)(nodes[k][l] & MASK) * D + c),
                acc);
          if (PF & 2)
            _mm512_stream_ps(yr + c, acc);
          else
            _mm512_storeu_ps(yr + c, acc);
        }
      }
    }
  }
  for (int i = i0; i < B; ++i) {
    int r = order[i];
    if ((PF & 1) && i + 1 < B) {
      const char *nx = (const char *)(x + (size_t)order[i + 1] * D);
      for (int c = 0; c < D * 4; c += 64)
        _mm_prefetch(nx + c, _MM_HINT_T0);
    }
    const float *xr = x + (size_t)r * D;
    int nodes[LEVELS];
    float a[LEVELS];
    int n = roots[r];
    for (int l = split - 1, m = n; l >= 0; --l) {
      m = l == 0 ? 0 : (m - 1) / 2;
      nodes[l] = m;
      a[l] = acts[r * LEVELS + l];
    }
    for (int l = split; l < LEVELS; ++l) {
      if (PF & 4) {
        const char *p = (const char *)(W2 + (size_t)(n & MASK) * D);
        for (int c = 0; c < D * 4; c += 64)
          _mm_prefetch(p + c, _MM_HINT_T1);
      }
      if ((PF & 8) && l + 1 < LEVELS) {
        const char *p = (const char *)(W1 + (size_t)(2 * n + 1) * D);
        for (int c = 0; c < 2 * D * 4; c += 64)
          _mm_prefetch(p + c, _MM_HINT_T0);
      }
      float z = dot(xr, W1 + (size_t)(n & MASK) * D) + B1[n];
      nodes[l] = n;
      a[l] = act(z);
      n = 2 * n + 1 + (z > 0);
    }
    float *yr = y + (size_t)r * D;
    for (int c = 0; c < D; c += 16) {
      __m512 acc = _mm512_setzero_ps();
      for (int l = 0; l < LEVELS; ++l)
        acc = _mm512_fmadd_ps(
            _mm512_set1_ps(a[l]),
            _mm512_loadu_ps(W2 + (size_t)(nodes[l] & MASK) * D + c), acc);
      if (PF & 2)
        _mm512_stream_ps(yr + c, acc);
      else
        _mm512_storeu_ps(yr + c, acc);
    }
  }
  double t3 = now();
  tp1 += t1 - t0;
  tp2 += t2 - t1;
  tp3 += t3 - t2;
}
int main(int argc, char **argv) {
  int B = argc > 3 ? atoi(argv[1]) : 0, split = argc > 3 ? atoi(argv[2]) : 0;
  if (B < 1 || split < 1 || split >= LEVELS) {
    fprintf(stderr,
            "usage: %s BATCH SPLIT FLAGS [MASK]: BATCH >= 1, SPLIT in "
            "1..%d (see the file's header)\n",
            argv[0], LEVELS - 1);
    return 2;
  }
  PF = atoi(argv[3]);
  if (argc > 4)
    MASK = atoi(argv[4]);
  W1 = (float *)aligned_alloc(64, (size_t)NODES * D * 4);
  W2 = (float *)aligned_alloc(64, (size_t)NODES * D * 4);
  B1 = (float *)aligned_alloc(64, (NODES * 4 + 63) / 64 * 64);
  float *x = (float *)aligned_alloc(64, (size_t)B * D * 4),
        *y = (float *)aligned_alloc(64, (size_t)B * D * 4);
  srand(1);
  for (size_t i = 0; i < (size_t)NODES * D; ++i) {
    W1[i] = rand() / (float)RAND_MAX - 0.5f;
    W2[i] = rand() / (float)RAND_MAX - 0.5f;
  }
  for (int i = 0; i < NODES; ++i)
    B1[i] = 0;
  for (size_t i = 0; i < (size_t)B * D; ++i)
    x[i] = rand() / (float)RAND_MAX - 0.5f;
  std::vector<int> roots(B), order(B);
  std::vector<float> acts((size_t)B * LEVELS);
  // The same rows walked one at a time without any of the options: the
  // largest difference shows the variant computes the same layer.
  std::vector<float> ref((size_t)B * D);
  {
    int keep = PF;
    PF = 0;
    grouped(B, x, ref.data(), split, roots, acts, order);
    PF = keep;
  }
  int reps = std::max(3, 200000 / B);
  std::vector<double> ts;
  for (int k = 0; k < reps; ++k) {
    tp1 = tp2 = tp3 = 0;
    double t = now();
    grouped(B, x, y, split, roots, acts, order);
    ts.push_back(now() - t);
  }
  float diff = 0;
  for (size_t i = 0; i < (size_t)B * D; ++i)
    diff = std::max(diff, std::abs(ref[i] - y[i]));
  printf("max |difference| from the plain walk: %g\n", diff);
  std::sort(ts.begin(), ts.end());
  printf(
      "B=%d split=%d pf=%d: %.3f us/row (last: top %.3f sort %.3f rest %.3f)\n",
      B, split, PF, ts[ts.size() / 2] / B * 1e6, tp1 / B * 1e6, tp2 / B * 1e6,
      tp3 / B * 1e6);
}
