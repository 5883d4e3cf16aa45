/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers of the driver benchmarks: a clock, and a STREAM-like triad on the tern
 * thread pool (arrays far larger than the caches, first touched by the threads that use them). */
#ifndef TERN_BENCH_COMMON_H
#define TERN_BENCH_COMMON_H

#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pool.h"

/* splitmix64 */
static inline uint64_t tern_rand_next_bench(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
  double *a, *b, *c;
  double s;
  double sum; /* read-only pass result (kept so it is not optimised away) */
  double partial[64];
  int op; /* 0 init, 1 triad a = b + s*c, 2 read-only sum of b and c */
} bench_triad_job;

static inline void bench_triad_chunk(void *arg, size_t begin, size_t end, unsigned thread) {
  bench_triad_job *j = arg;
  double *a = j->a, *b = j->b, *c = j->c;
  const double s = j->s;
  if (j->op == 0) {
    for (size_t i = begin; i < end; i++) a[i] = 0.0, b[i] = 1.0, c[i] = 2.0;
  } else if (j->op == 1) {
    for (size_t i = begin; i < end; i++) a[i] = b[i] + s * c[i];
  } else {
    double acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
    size_t i = begin;
    for (; i + 4 <= end; i += 4)
      acc0 += b[i] + c[i], acc1 += b[i + 1] + c[i + 1], acc2 += b[i + 2] + c[i + 2], acc3 += b[i + 3] + c[i + 3];
    for (; i < end; i++) acc0 += b[i] + c[i];
    if (thread < 64) j->partial[thread] = acc0 + acc1 + acc2 + acc3;
  }
}

/* Best-of-reps triad bandwidth in bytes/s (STREAM counting: 3 arrays of n doubles moved per
 * pass, write-allocate traffic not counted), and the read-only bandwidth of summing two of
 * the arrays (2 arrays per pass) in *read_bw. 0 on allocation failure. */
static inline double bench_triad(tern_pool *pool, size_t n, int reps, double *read_bw) {
  bench_triad_job j;
  memset(&j, 0, sizeof j);
  j.a = aligned_alloc(64, n * sizeof(double));
  j.b = aligned_alloc(64, n * sizeof(double));
  j.c = aligned_alloc(64, n * sizeof(double));
  if (!j.a || !j.b || !j.c) {
    free(j.a), free(j.b), free(j.c);
    return 0;
  }
  j.s = 3.0;
  j.op = 0;
  tern_pool_for(pool, n, bench_triad_chunk, &j);
  double best = 1e30, best_r = 1e30;
  for (int r = 0; r < reps; r++) {
    j.op = 1;
    double t0 = bench_now();
    tern_pool_for(pool, n, bench_triad_chunk, &j);
    double t1 = bench_now();
    if (t1 - t0 < best) best = t1 - t0;
    j.op = 2;
    t0 = bench_now();
    tern_pool_for(pool, n, bench_triad_chunk, &j);
    t1 = bench_now();
    if (t1 - t0 < best_r) best_r = t1 - t0;
    for (int i = 0; i < 64; i++) j.sum += j.partial[i];
  }
  if (j.a[n / 2] != 1.0 + 3.0 * 2.0 || j.sum == 0) fprintf(stderr, "triad: wrong result\n");
  free(j.a), free(j.b), free(j.c);
  if (read_bw) *read_bw = 2.0 * (double)n * sizeof(double) / best_r;
  return 3.0 * (double)n * sizeof(double) / best;
}

#endif /* TERN_BENCH_COMMON_H */
