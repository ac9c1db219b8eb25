// Built with -O3 -march=native and reassociation allowed
// (bench/CMakeLists.txt): the hand-written loop gets what a careful engineer
// would give it, no more.
#include "baselines.h"

#include <algorithm>
#include <cblas.h>
#include <cmath>

namespace fffbench {

static float activate(const Layer &layer, float z) {
  if (!layer.gelu)
    return z > 0 || z != z ? z : 0; // NaN stays NaN, as in the reference
  return 0.5f * z * (1.0f + std::erf(z * 0.70710678118654752f));
}

static bool goesRight(const Layer &layer, float s) {
  return layer.tieGe ? s >= 0 : s > 0;
}

DenseBlas::DenseBlas(const Layer &l) : dIn_(l.dIn), dOut_(l.dOut) {
  const auto &w = l.weights;
  if (l.pathNeuron) {
    // Every node is a hidden unit: W1 = node_weights^T, W2 = output_weights.
    hidden_ = static_cast<int64_t>(w[1].size());
    w1_.resize(dIn_ * hidden_);
    for (int64_t n = 0; n < hidden_; ++n)
      for (int64_t i = 0; i < dIn_; ++i)
        w1_[i * hidden_ + n] = w[0][n * dIn_ + i];
    b1_ = w[1];
    w2_ = w[2];
    b2_.assign(dOut_, 0.0f);
  } else {
    // Every leaf's hidden units side by side, then the master leaf's.
    int64_t leaves = int64_t(1) << l.depth, width = l.leafWidth;
    hidden_ = leaves * width + l.master;
    w1_.assign(dIn_ * hidden_, 0.0f);
    w2_.assign(hidden_ * dOut_, 0.0f);
    b1_.assign(hidden_, 0.0f);
    for (int64_t j = 0; j < leaves; ++j)
      for (int64_t u = 0; u < width; ++u) {
        int64_t h = j * width + u;
        for (int64_t i = 0; i < dIn_; ++i)
          w1_[i * hidden_ + h] = w[2][(j * dIn_ + i) * width + u];
        b1_[h] = w[3][j * width + u];
        for (int64_t o = 0; o < dOut_; ++o)
          w2_[h * dOut_ + o] = w[4][(j * width + u) * dOut_ + o];
      }
    for (int64_t u = 0; u < l.master; ++u) {
      int64_t h = leaves * width + u;
      for (int64_t i = 0; i < dIn_; ++i)
        w1_[i * hidden_ + h] = w[6][i * l.master + u];
      b1_[h] = w[7][u];
      for (int64_t o = 0; o < dOut_; ++o)
        w2_[h * dOut_ + o] = w[8][u * dOut_ + o];
    }
    b2_.assign(w[5].begin(), w[5].begin() + dOut_);
  }
}

void DenseBlas::run(const float *x, int64_t batch, float *y) {
  if (static_cast<int64_t>(h_.size()) < batch * hidden_)
    h_.resize(batch * hidden_);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, hidden_, dIn_,
              1.0f, x, dIn_, w1_.data(), hidden_, 0.0f, h_.data(), hidden_);
  for (int64_t r = 0; r < batch; ++r)
    for (int64_t n = 0; n < hidden_; ++n)
      h_[r * hidden_ + n] = std::max(h_[r * hidden_ + n] + b1_[n], 0.0f);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, dOut_, hidden_,
              1.0f, h_.data(), hidden_, w2_.data(), dOut_, 0.0f, y, dOut_);
  for (int64_t r = 0; r < batch; ++r)
    for (int64_t o = 0; o < dOut_; ++o)
      y[r * dOut_ + o] += b2_[o];
}

static float dot(const float *a, const float *b, int64_t n) {
  float s = 0;
  for (int64_t i = 0; i < n; ++i)
    s += a[i] * b[i];
  return s;
}

void plainLoop(const Layer &l, const float *x, int64_t batch, float *y) {
  const auto &w = l.weights;
  const int64_t dIn = l.dIn, dOut = l.dOut;
  for (int64_t r = 0; r < batch; ++r) {
    const float *row = x + r * dIn;
    float *out = y + r * dOut;
    std::fill(out, out + dOut, 0.0f);
    if (l.pathNeuron) {
      int64_t perTree = (int64_t(2) << l.depth) - 1;
      for (int64_t t = 0; t < l.trees; ++t) {
        int64_t n = 0;
        for (int64_t level = 0; level <= l.depth; ++level) {
          int64_t node = t * perTree + n;
          float z = dot(row, &w[0][node * dIn], dIn) + w[1][node];
          float a = activate(l, z);
          const float *wout = &w[2][node * dOut];
          for (int64_t o = 0; o < dOut; ++o)
            out[o] += a * wout[o];
          n = 2 * n + 1 + goesRight(l, z);
        }
      }
      continue;
    }
    int64_t n = 0;
    for (int64_t level = 0; level < l.depth; ++level)
      n = 2 * n + 1 + goesRight(l, dot(row, &w[0][n * dIn], dIn) + w[1][n]);
    int64_t leaf = n - ((int64_t(1) << l.depth) - 1), width = l.leafWidth;
    const float *w1 = &w[2][leaf * dIn * width], *b1 = &w[3][leaf * width];
    const float *w2 = &w[4][leaf * width * dOut], *b2 = &w[5][leaf * dOut];
    float hidden[64];
    std::fill(hidden, hidden + width, 0.0f);
    for (int64_t i = 0; i < dIn; ++i)
      for (int64_t u = 0; u < width; ++u)
        hidden[u] += row[i] * w1[i * width + u];
    for (int64_t o = 0; o < dOut; ++o)
      out[o] = b2[o];
    for (int64_t u = 0; u < width; ++u) {
      float a = activate(l, hidden[u] + b1[u]);
      for (int64_t o = 0; o < dOut; ++o)
        out[o] += a * w2[u * dOut + o];
    }
    if (l.master) {
      float c = 1.0f / (1.0f + std::exp(-w[10][0])), m[64];
      std::fill(m, m + l.master, 0.0f);
      for (int64_t i = 0; i < dIn; ++i)
        for (int64_t u = 0; u < l.master; ++u)
          m[u] += row[i] * w[6][i * l.master + u];
      float blend[1024];
      for (int64_t o = 0; o < dOut; ++o)
        blend[o] = w[9][o];
      for (int64_t u = 0; u < l.master; ++u) {
        float a = activate(l, m[u] + w[7][u]);
        for (int64_t o = 0; o < dOut; ++o)
          blend[o] += a * w[8][u * dOut + o];
      }
      for (int64_t o = 0; o < dOut; ++o)
        out[o] = c * out[o] + (1 - c) * blend[o];
    }
  }
}

} // namespace fffbench
