/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the int8 x int8 baseline's reference (tern_int8.h): the stream layout and the
 * matmul against an int64 multiplication on the unpacked matrix, padding masked, extremes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tern_int8.h"
#include "tern_rng.h"
#include "tern_test.h"

static uint64_t g_seed = 8080u;

static const tern_geom kGeoms[] = {{2, 20}, {1, 5}, {3, 5}, {4, 10}, {5, 3}, {1, 40}};
enum { NGEOMS = sizeof kGeoms / sizeof kGeoms[0] };

static void test_random(tern_test_ctx *t) {
  tern_test_begin(t, "int8_matmul_vs_multiplication_with_padding_garbage");
  uint64_t st = g_seed ^ 0x31u;
  for (int it = 0; it < 300 && !t->failed; it++) {
    tern_geom g = kGeoms[it % NGEOMS];
    uint32_t k = (uint32_t)tern_rand_range(&st, 1, 200), n = (uint32_t)tern_rand_range(&st, 1, 30);
    uint32_t T = (uint32_t)tern_rand_range(&st, 1, 4);
    size_t bytes = tern_int8_stream_bytes(g, k, n);
    int8_t *w = malloc((size_t)k * n), *x = malloc((size_t)T * k);
    uint8_t *s = malloc(bytes);
    int32_t *acc = malloc((size_t)T * n * sizeof *acc);
    for (size_t i = 0; i < (size_t)k * n; i++) w[i] = (int8_t)tern_rand_range(&st, -128, 127);
    for (size_t i = 0; i < (size_t)T * k; i++) x[i] = (int8_t)tern_rand_range(&st, -128, 127);
    TERN_CHECK(t, bytes == (size_t)((n + g.rows - 1) / g.rows) * ((k + g.lanes - 1) / g.lanes) * g.rows * g.lanes);
    TERN_CHECK(t, tern_int8_pack(g, w, k, n, s) == TERN_OK);
    /* the slot of W[row][col] is where the layout says; padding slots are 0 after packing */
    uint32_t row = (uint32_t)tern_rand_range(&st, 0, n - 1), col = (uint32_t)tern_rand_range(&st, 0, k - 1);
    size_t at =
        (((size_t)(row / g.rows) * ((k + g.lanes - 1) / g.lanes) + col / g.lanes) * g.rows + row % g.rows) * g.lanes +
        col % g.lanes;
    TERN_CHECK(t, (int8_t)s[at] == w[(size_t)row * k + col]);
    /* garbage in every padding slot must not change a sum */
    for (size_t b = 0; b < bytes; b++) {
      size_t beat = b / ((size_t)g.rows * g.lanes), slot = b % ((size_t)g.rows * g.lanes);
      uint32_t beats = (k + g.lanes - 1) / g.lanes;
      uint32_t r = (uint32_t)((beat / beats) * g.rows + slot / g.lanes);
      uint32_t c = (uint32_t)((beat % beats) * g.lanes + slot % g.lanes);
      if (r >= n || c >= k) s[b] = (uint8_t)tern_rand_next(&st);
    }
    TERN_CHECK(t, tern_int8_matmul(g, s, k, n, T, x, acc) == TERN_OK);
    for (uint32_t tok = 0; tok < T && !t->failed; tok++)
      for (uint32_t r = 0; r < n; r++) {
        int64_t ref = 0;
        for (uint32_t c = 0; c < k; c++) ref += (int64_t)w[(size_t)r * k + c] * x[(size_t)tok * k + c];
        if (acc[(size_t)tok * n + r] != ref) {
          tern_test_fail(t, "geom %ux%u k=%u n=%u token %u row %u: %d want %lld seed=%llu", g.rows, g.lanes, k, n, tok,
                         r, acc[(size_t)tok * n + r], (long long)ref, (unsigned long long)g_seed);
          break;
        }
      }
    free(w), free(x), free(s), free(acc);
  }
  tern_test_end(t);
}

static void test_extremes(tern_test_ctx *t) {
  tern_test_begin(t, "int8_matmul_extremes_k_max");
  const uint32_t k = TERN_K_MAX, n = 2;
  const tern_geom g = {2, 20};
  int8_t *w = malloc((size_t)k * n), *x = malloc(k);
  uint8_t *s = malloc(tern_int8_stream_bytes(g, k, n));
  int32_t acc[2];
  for (uint32_t c = 0; c < k; c++) w[c] = -128, w[k + c] = 127, x[c] = -128;
  TERN_CHECK(t, tern_int8_pack(g, w, k, n, s) == TERN_OK);
  TERN_CHECK(t, tern_int8_matmul(g, s, k, n, 1, x, acc) == TERN_OK);
  TERN_CHECK(t, acc[0] == 16384 * 65535 && acc[1] == -16256 * 65535);
  free(w), free(x), free(s);
  tern_test_end(t);
}

static void test_errors(tern_test_ctx *t) {
  tern_test_begin(t, "int8_argument_errors");
  const tern_geom g = {2, 20}, bad = {0, 20};
  int8_t w[4] = {0}, x[2] = {0};
  uint8_t s[40];
  int32_t acc[2];
  TERN_CHECK(t, tern_int8_stream_bytes(g, 0, 1) == 0u && tern_int8_stream_bytes(bad, 1, 1) == 0u);
  TERN_CHECK(t, tern_int8_pack(g, w, 0, 1, s) == TERN_ERR_ARG && tern_int8_pack(g, NULL, 2, 2, s) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_int8_matmul(g, s, 2, 2, 0, x, acc) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_int8_matmul(g, s, TERN_K_MAX + 1u, 1, 1, x, acc) == TERN_ERR_ARG);
  tern_test_end(t);
}

int main(int argc, char **argv) {
  g_seed = tern_test_seed_arg(argc, argv, g_seed);
  static const tern_test_case cases[] = {test_random, test_extremes, test_errors};
  tern_test_ctx t = {0};
  tern_test_run_cases(&t, cases, sizeof cases / sizeof cases[0]);
  return tern_test_exit(&t);
}
