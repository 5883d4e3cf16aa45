/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the cycle model (tern_cycle.h) and the lock-step trace (tern_trace.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_cycle.h"
#include "tern_trace.h"
#include "tern_test.h"

static void test_latency(tern_test_ctx *t) {
  tern_test_begin(t, "cycle_pipe_latency");
  const uint32_t lanes[] = {1, 2, 3, 4, 5, 8, 9, 16, 17, 20, 32, 33, 64, 65, 255, 256, 257};
  const uint32_t want[] = {3, 4, 5, 5, 6, 6, 7, 7, 8, 8, 8, 9, 9, 10, 11, 11, 12};
  for (size_t i = 0; i < sizeof lanes / sizeof lanes[0]; i++) {
    uint32_t got = tern_pipe_latency((tern_geom){1, lanes[i]});
    if (got != want[i]) tern_test_fail(t, "lanes %u: %u want %u", lanes[i], got, want[i]);
  }
  TERN_CHECK(t, tern_pipe_latency(tern_geom_default()) == TERN_PIPE_LATENCY);
  TERN_CHECK(t, TERN_PIPE_LATENCY == 3u + TERN_TREE_LEVELS);
  tern_test_end(t);
}

static void test_job_cycles(tern_test_ctx *t) {
  tern_test_begin(t, "cycle_job_cycles_known_shapes");
  tern_geom d = {2, 20};
  /* ffn_gate/up of 2B4T: K = 2560 in, N = 6912 out: 3456 groups x 128 beats */
  TERN_CHECK(t, tern_job_cycles(d, 2560, 6912) == 3456ull * 128 + 8 + 1);
  /* ffn_down: K = 6912 (346 beats, the last with 12 of 20 lanes), N = 2560 */
  TERN_CHECK(t, tern_job_cycles(d, 6912, 2560) == 1280ull * 346 + 9);
  TERN_CHECK(t, tern_job_cycles(d, 2560, 2560) == 1280ull * 128 + 9);
  TERN_CHECK(t, tern_job_cycles(d, 1, 1) == 1 + 9);
  TERN_CHECK(t, tern_job_cycles(d, 21, 3) == 4 + 9);
  TERN_CHECK(t, tern_job_cycles((tern_geom){1, 5}, 10, 3) == 6 + 6 + 1);
  TERN_CHECK(t, tern_job_cycles(d, 65535, 65535) == 32768ull * 3277 + 9);
  TERN_CHECK(t, tern_job_cycles(d, 0, 5) == 0 && tern_job_cycles(d, 5, 0) == 0);
  tern_test_end(t);
}

static void test_utilisation(tern_test_ctx *t) {
  tern_test_begin(t, "cycle_utilisation");
  tern_geom d = {2, 20};
  TERN_CHECK(t, tern_job_utilisation(d, 20, 2) == 40.0 / (40.0 * 10.0));
  double u = tern_job_utilisation(d, 2560, 6912);
  double want = 2560.0 * 6912.0 / (40.0 * (3456.0 * 128 + 9));
  TERN_CHECK(t, u == want);
  TERN_CHECK(t, u > 0.9999 && u < 1.0);
  TERN_CHECK(t, tern_job_utilisation(d, 0, 1) == 0.0);
  tern_test_end(t);
}

/* Reads a whole temporary file into buf. */
static void slurp(FILE *f, char *buf, size_t cap) {
  rewind(f);
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = 0;
}

static void test_trace(tern_test_ctx *t) {
  tern_test_begin(t, "trace_line_format");
  FILE *f = tmpfile();
  if (f == NULL) {
    tern_test_fail(t, "tmpfile failed");
    tern_test_end(t);
    return;
  }
  char buf[512];
  const int32_t acc[5] = {-101, 16, 2147483647, -2147483647 - 1, 0};
  tern_trace_result(f, 0, 3, 2, acc);
  slurp(f, buf, sizeof buf);
  TERN_CHECK(t, strcmp(buf, "R 0 3 -101 16\n") == 0);
  fclose(f);
  f = tmpfile();
  tern_trace_job(f, (tern_geom){2, 20}, 7, 5, acc);
  slurp(f, buf, sizeof buf);
  TERN_CHECK(t, strcmp(buf, "R 7 0 -101 16\nR 7 1 2147483647 -2147483648\nR 7 2 0 0\n") == 0);
  fclose(f);
  f = tmpfile();
  tern_trace_job(f, (tern_geom){3, 5}, 4294967295u, 4, acc);
  slurp(f, buf, sizeof buf);
  TERN_CHECK(t, strcmp(buf, "R 4294967295 0 -101 16 2147483647\nR 4294967295 1 -2147483648 0 0\n") == 0);
  fclose(f);
  tern_test_end(t);
}

int main(int argc, char **argv) {
  (void)argc, (void)argv; /* no random cases here */
  tern_test_ctx t = {0};
  test_latency(&t);
  test_job_cycles(&t);
  test_utilisation(&t);
  test_trace(&t);
  return tern_test_exit(&t);
}
