/* Runs a compiled path-neuron FFF layer through its C ABI and checks it
 * against a plain-C evaluation of SPEC.md (variant B, UltraFastBERT).
 *
 * The layer (examples/path_neuron_2x2.mlir) has D_in = D_out = 16, T = 2
 * trees of depth 2 (N = 7 nodes each), GELU and the tie rule "gt". It was
 * compiled with --weights=arguments, so this program supplies the weights.
 *
 * Built with -DFFF_EXAMPLE_CUDA against a library compiled with
 * --target=cuda, it runs the layer on the GPU: the arrays are copied to
 * device memory (through the functions the library's header declares), the
 * result back. */
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
#ifdef FFF_EXAMPLE_CUDA
  if (!fffGpuAvailable()) {
    printf("no CUDA device: %s\n", fffGpuLastError());
    return 2;
  }
  printf("device: %s\n", fffGpuDeviceName());
  /* Device copies of the arguments, and a device buffer for the result. */
  const float *host[] = {x, w_in, b_in, w_out};
  size_t bytes[] = {sizeof x, sizeof w_in, sizeof b_in, sizeof w_out, sizeof y};
  void *dev[5] = {0};
  for (int i = 0; i < 5; ++i)
    if (fffGpuMalloc(&dev[i], bytes[i]) ||
        (i < 4 && fffGpuCopyToDevice(dev[i], host[i], bytes[i]))) {
      fprintf(stderr, "device memory: %s\n", fffGpuLastError());
      return 1;
    }
  int32_t status = fff_layer((const float *)dev[0], ROWS, (const float *)dev[1],
                             (const float *)dev[2], (const float *)dev[3],
                             (float *)dev[4]);
  if (status == FFF_OK && fffGpuCopyToHost(y, dev[4], sizeof y))
    status = FFF_ERROR_GPU;
#else
  int32_t status = fff_layer(x, ROWS, w_in, b_in, w_out, y);
#endif
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
#ifdef FFF_EXAMPLE_CUDA
  for (int i = 0; i < 5; ++i)
    fffGpuFree(dev[i]);
#endif
  if (worst > 1e-5) {
    printf("MISMATCH\n");
    return 1;
  }
  printf("ok\n");
  return 0;
}
