/* SPDX-License-Identifier: Apache-2.0 */
/* STREAM-like memory bandwidth of this machine: triad a[i] = b[i] + s*c[i] over three arrays
 * of --mib MiB each (default 512, far larger than any cache), best of --reps passes, with 1 and
 * 2 threads (or --threads N). Also the read-only bandwidth (sum of two arrays), the traffic
 * pattern of a matvec's weight stream.
 *   bench_stream [--mib M] [--reps R] [--threads N]
 * Prints: BENCH name=triad threads=N array_mib=M triad_gbs=... read_gbs=... */
#include "bench_common.h"

int main(int argc, char **argv) {
  size_t mib = 512;
  int reps = 6;
  unsigned only = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--mib"))
      mib = strtoul(argv[i + 1], NULL, 0);
    else if (!strcmp(argv[i], "--reps"))
      reps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--threads"))
      only = (unsigned)atoi(argv[i + 1]);
  }
  if (mib < 1 || reps < 1) return 2;
  const size_t n = mib * 1024 * 1024 / sizeof(double);
  for (unsigned th = 1; th <= 2; th++) {
    const unsigned threads = only ? only : th;
    tern_pool *pool = tern_pool_new(threads);
    if (!pool) return 1;
    double rd = 0, bw = bench_triad(pool, n, reps, &rd);
    tern_pool_free(pool);
    if (bw == 0) {
      fprintf(stderr, "bench_stream: out of memory for 3 x %zu MiB\n", mib);
      return 1;
    }
    printf("BENCH name=triad threads=%u array_mib=%zu reps=%d triad_gbs=%.2f read_gbs=%.2f\n", threads, mib, reps,
           bw / 1e9, rd / 1e9);
    fflush(stdout);
    if (only) break;
  }
  return 0;
}
