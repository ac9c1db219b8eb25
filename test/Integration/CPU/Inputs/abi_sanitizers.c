/* Misuse that only the instrumented code (fff-compile --sanitize) reports:
 *   overflow: a caller that claims 8 rows for a buffer of 7 (ASan);
 *   race: two threads writing one array at once (TSan). */
#include "libcontract.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float shared_array[4096];

static void *fill_shared(void *value) {
  for (int i = 0; i < 100; ++i)
    fff_fill(shared_array, 4096, *(float *)value);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "overflow") == 0) {
    float *a = malloc(7 * sizeof(float));
    int32_t status = fff_fill(a, 8, 1.0f);
    printf("status %d\n", status);
    free(a);
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "race") == 0) {
    float one = 1, two = 2;
    pthread_t a, b;
    pthread_create(&a, NULL, fill_shared, &one);
    pthread_create(&b, NULL, fill_shared, &two);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return 0;
  }
  fprintf(stderr, "usage: %s overflow|race\n", argv[0]);
  return 2;
}
