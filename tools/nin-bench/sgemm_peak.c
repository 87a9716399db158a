/* The practical single-precision peak of this machine: the best of five 2048³ (or N³) sgemm calls
 * through OpenBLAS's CBLAS, in GFLOP/s. nin's training step is compared against it.
 *   cc -O2 sgemm_peak.c -I/usr/include/x86_64-linux-gnu/openblas-pthread -lopenblas -o sgemm_peak
 *   OPENBLAS_NUM_THREADS=2 ./sgemm_peak [N]
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char** argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 2048;
  if (n < 16 || n > 16384) {
    fprintf(stderr, "sgemm_peak: N must be in 16..16384\n");
    return 2;
  }
  const size_t count = (size_t)n * (size_t)n;
  float* a = malloc(count * sizeof *a);
  float* b = malloc(count * sizeof *b);
  float* c = malloc(count * sizeof *c);
  if (!a || !b || !c) {
    fprintf(stderr, "sgemm_peak: out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < count; ++i) {
    a[i] = (float)(i % 11) / 11.0f;
    b[i] = (float)(i % 13) / 13.0f;
  }
  double best = 1e30;
  for (int run = 0; run < 6; ++run) { /* the first run warms up and is not counted */
    const double start = seconds();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    const double took = seconds() - start;
    if (run > 0 && took < best) best = took;
  }
  printf("n=%d threads=%d best %.4f s  %.1f GFLOP/s\n", n, openblas_get_num_threads(), best,
         2.0 * n * (double)n * n / best / 1e9);
  free(a);
  free(b);
  free(c);
  return 0;
}
