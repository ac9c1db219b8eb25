// probe_common.h - what the hand-written probes in bench/probes/ share: the
// UltraFastBERT-1x11 shape, its weights, and the AVX-512 dot product that
// fff-fuse-routing's walk amounts to (4 accumulators, one horizontal sum).
#pragma once
#include <chrono>
#include <immintrin.h>
constexpr int D = 768, LEVELS = 12, NODES = 4095; // depth 11
static float *W1, *B1, *W2;
static inline float dot(const float *x, const float *w) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (int i = 0; i < D; i += 64) {
    a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(w + i), a0);
    a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16),
                         _mm512_loadu_ps(w + i + 16), a1);
    a2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 32),
                         _mm512_loadu_ps(w + i + 32), a2);
    a3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 48),
                         _mm512_loadu_ps(w + i + 48), a3);
  }
  return _mm512_reduce_add_ps(
      _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}
static inline double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
