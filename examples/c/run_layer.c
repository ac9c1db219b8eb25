/* Runs a compiled path-neuron FFF layer through its C ABI and checks it
 * against a plain-C evaluation of SPEC.md (variant B, UltraFastBERT).
 *
 * The layer (examples/path_neuron_2x2.mlir) has D_in = D_out = 16, T = 2
 * trees of depth 2 (N = 7 nodes each), GELU and the tie rule "gt". It was
 * compiled with --weights=arguments, so this program supplies the weights. */
#include "libpath_neuron.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { D_IN = 16, D_OUT = 16, TREES = 2, DEPTH = 2, NODES = 7, ROWS = 64 };

/* A small deterministic generator, so the run is reproducible. */
static float next_value(unsigned *state) {
  *state = *state * 1664525u + 1013904223u;
  return (float)((*state >> 8) & 0xFFFF) / 32768.0f - 1.0f;
}

static float gelu(float z) { return 0.5f * z * (1.0f + erff(z / sqrtf(2.0f))); }

/* SPEC.md: per tree, walk depth+1 nodes; each visited node contributes
 * gelu(logit) times its output row; go right when the logit is > 0. */
static void reference(const float *x, const float *w_in, const float *b_in,
                      const float *w_out, float *y) {
  for (int r = 0; r < ROWS; ++r) {
    const float *row = x + r * D_IN;
    double acc[D_OUT] = {0};
    for (int t = 0; t < TREES; ++t) {
      int n = 0;
      for (int level = 0; level <= DEPTH; ++level) {
        int node = t * NODES + n;
        float z = b_in[node];
        for (int i = 0; i < D_IN; ++i)
          z += row[i] * w_in[node * D_IN + i];
        float a = gelu(z);
        for (int o = 0; o < D_OUT; ++o)
          acc[o] += a * w_out[node * D_OUT + o];
        n = 2 * n + 1 + (z > 0.0f);
      }
    }
    for (int o = 0; o < D_OUT; ++o)
      y[r * D_OUT + o] = (float)acc[o];
  }
}

int main(void) {
  static float x[ROWS * D_IN], w_in[TREES * NODES * D_IN], b_in[TREES * NODES],
      w_out[TREES * NODES * D_OUT], y[ROWS * D_OUT], expected[ROWS * D_OUT];
  unsigned state = 2023;
  for (int i = 0; i < ROWS * D_IN; ++i) x[i] = next_value(&state);
  for (int i = 0; i < TREES * NODES * D_IN; ++i) w_in[i] = next_value(&state) / 4;
  for (int i = 0; i < TREES * NODES; ++i) b_in[i] = next_value(&state) / 10;
  for (int i = 0; i < TREES * NODES * D_OUT; ++i) w_out[i] = next_value(&state);

  /* One call runs all rows: x is ROWS x D_IN, row-major. */
  int32_t status = fff_layer(x, ROWS, w_in, b_in, w_out, y);
  if (status != FFF_OK) {
    fprintf(stderr, "fff_layer failed: %s\n", fff_status_string(status));
    return 1;
  }
  reference(x, w_in, b_in, w_out, expected);
  double worst = 0;
  for (int i = 0; i < ROWS * D_OUT; ++i) {
    double err = fabs((double)y[i] - expected[i]) / (1.0 + fabs(expected[i]));
    if (err > worst) worst = err;
  }
  printf("fff_layer: %d rows, max relative difference to plain C %.1e\n", ROWS, worst);

  /* Bad arguments come back as a status. */
  status = fff_layer(NULL, ROWS, w_in, b_in, w_out, y);
  printf("NULL input: status %d (%s)\n", status, fff_status_string(status));
  if (status != FFF_ERROR_NULL_POINTER)
    return 1;
  if (worst > 1e-5) {
    printf("MISMATCH\n");
    return 1;
  }
  printf("ok\n");
  return 0;
}
