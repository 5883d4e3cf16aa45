/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of tern_quantize_acts / tern_quantize_weights (docs/numerics.md). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_quant.h"
#include "tern_test.h"

static uint64_t g_seed = 20240601u;

/* Independent round-half-even of an fp32 value: the 1.5*2^23 magic-number trick, valid for
 * |v| < 2^22 under round-to-nearest-even. */
static float magic_round(float v) {
  volatile float big = 12582912.0f;
  volatile float t = v + big;
  volatile float r = t - big;
  return r;
}

/* Independent round-half-even by floor and an explicit tie rule, in double. */
static double tie_even_round(double p) {
  double r = floor(p), d = p - r;
  if (d > 0.5 || (d == 0.5 && fmod(r, 2.0) != 0.0)) r += 1.0;
  return r;
}

/* Independent activation quantiser: fp32 product obtained as the double product (exact for two
 * floats) rounded once to float; rounding by floor and the tie rule; max in double. */
static void ref_acts(const float *x, size_t k, int8_t *xq, float *absmax) {
  double m = 1e-5f;
  for (size_t i = 0; i < k; i++)
    if (fabs((double)x[i]) > m) m = fabs((double)x[i]);
  float mf = (float)m; /* m is one of the inputs or 1e-5f: exact */
  volatile float s = 127.0f / mf;
  for (size_t i = 0; i < k; i++) {
    float p = (float)((double)x[i] * (double)s);
    double r = tie_even_round(p);
    if (r > 127) r = 127;
    if (r < -128) r = -128;
    xq[i] = (int8_t)r;
  }
  *absmax = mf;
}

static float rand_float(uint64_t *st) {
  /* random sign, random magnitude over many binades, including tiny and huge values */
  int mode = (int)tern_rand_range(st, 0, 9);
  float mant = (float)tern_rand_range(st, 0, (1 << 24) - 1) / (float)(1 << 24);
  int e;
  if (mode == 0)
    e = (int)tern_rand_range(st, -140, -100); /* subnormal-ish / below floor */
  else if (mode == 1)
    e = (int)tern_rand_range(st, 60, 127);
  else
    e = (int)tern_rand_range(st, -20, 20);
  float v = ldexpf(mant, e);
  return tern_rand_range(st, 0, 1) ? -v : v;
}

static void test_ties(tern_test_ctx *t) {
  tern_test_begin(t, "acts_ties_half_even");
  const float x[] = {127.0f, 2.5f, 3.5f, -2.5f, -3.5f, 0.5f, -0.5f, 1.5f, 126.5f, -126.5f, 4.5f};
  const int8_t want[] = {127, 2, 4, -2, -4, 0, 0, 2, 126, -126, 4};
  int8_t q[11];
  float m = 0;
  TERN_CHECK(t, tern_quantize_acts(x, 11, q, &m) == TERN_OK);
  TERN_CHECK(t, m == 127.0f);
  for (int i = 0; i < 11; i++)
    if (q[i] != want[i]) tern_test_fail(t, "x=%g -> %d, want %d", x[i], q[i], want[i]);
  tern_test_end(t);
}

static void test_ties_random(tern_test_ctx *t) {
  tern_test_begin(t, "acts_ties_random_binades");
  uint64_t st = g_seed ^ 0x7135u;
  for (int it = 0; it < 2000 && !t->failed; it++) {
    /* max = 127 * 2^e, so s = 2^-e exactly and x = (j + 0.5) * 2^e gives x*s = j + 0.5 */
    int e = (int)tern_rand_range(&st, -20, 100);
    int j = (int)tern_rand_range(&st, -127, 126);
    float x[2] = {ldexpf(127.0f, e), ldexpf((float)j + 0.5f, e)};
    if (tern_rand_range(&st, 0, 1)) x[0] = -x[0];
    int8_t q[2];
    float m;
    TERN_CHECK(t, tern_quantize_acts(x, 2, q, &m) == TERN_OK);
    int want = (j % 2 == 0) ? j : j + 1; /* j + 0.5 to even */
    if (q[1] != want || q[0] != (x[0] > 0 ? 127 : -127))
      tern_test_fail(t, "e=%d j=%d: got %d/%d want %d seed=%llu", e, j, q[0], q[1], want, (unsigned long long)g_seed);
  }
  tern_test_end(t);
}

static void test_floor(tern_test_ctx *t) {
  tern_test_begin(t, "acts_floor_1e-5_is_max");
  float x[5] = {1e-6f, -5e-6f, 9.99e-6f, 0.0f, -1e-7f};
  int8_t q[5], r[5];
  float m, rm;
  TERN_CHECK(t, tern_quantize_acts(x, 5, q, &m) == TERN_OK);
  TERN_CHECK(t, m == 1e-5f);
  ref_acts(x, 5, r, &rm);
  TERN_CHECK(t, memcmp(q, r, 5) == 0);
  TERN_CHECK(t, q[2] == 127); /* 9.99e-6 * 1.27e7 = 126.873 -> 127 */
  TERN_CHECK(t, q[0] == 13);  /* 12.7 -> 13 */
  /* a max of exactly 1.0 gives absmax 1.0 (an additive epsilon would give 1.00001) */
  float y[2] = {1.0f, -0.25f};
  TERN_CHECK(t, tern_quantize_acts(y, 2, q, &m) == TERN_OK);
  TERN_CHECK(t, m == 1.0f && q[0] == 127 && q[1] == -32); /* -31.75 -> -32 */
  tern_test_end(t);
}

static void test_zero(tern_test_ctx *t) {
  tern_test_begin(t, "acts_all_zero");
  float x[7] = {0, 0, -0.0f, 0, 0, 0, 0};
  int8_t q[7];
  memset(q, 55, sizeof q);
  float m = 0;
  TERN_CHECK(t, tern_quantize_acts(x, 7, q, &m) == TERN_OK);
  TERN_CHECK(t, m == 1e-5f);
  for (int i = 0; i < 7; i++) TERN_CHECK(t, q[i] == 0);
  tern_test_end(t);
}

static void test_max_maps_127(tern_test_ctx *t) {
  tern_test_begin(t, "acts_max_maps_to_pm127_never_m128");
  uint64_t st = g_seed ^ 0x127u;
  float x[64];
  int8_t q[64];
  for (int it = 0; it < 3000 && !t->failed; it++) {
    size_t k = (size_t)tern_rand_range(&st, 1, 64);
    for (size_t i = 0; i < k; i++) x[i] = rand_float(&st);
    float m;
    TERN_CHECK(t, tern_quantize_acts(x, k, q, &m) == TERN_OK);
    for (size_t i = 0; i < k; i++) {
      if (q[i] == -128) tern_test_fail(t, "-128 produced seed=%llu", (unsigned long long)g_seed);
      if (fabsf(x[i]) == m && m > 1e-5f && q[i] != (x[i] > 0 ? 127 : -127))
        tern_test_fail(t, "max %a -> %d seed=%llu", (double)x[i], q[i], (unsigned long long)g_seed);
    }
  }
  tern_test_end(t);
}

static void test_extremes(tern_test_ctx *t) {
  tern_test_begin(t, "acts_extreme_inputs_clamp_range");
  float x[6] = {FLT_MAX, -FLT_MAX, FLT_MIN, -FLT_TRUE_MIN, FLT_MAX / 2, -FLT_MAX / 254};
  int8_t q[6];
  float m;
  TERN_CHECK(t, tern_quantize_acts(x, 6, q, &m) == TERN_OK);
  TERN_CHECK(t, m == FLT_MAX);
  TERN_CHECK(t, q[0] == 127 && q[1] == -127 && q[2] == 0 && q[3] == 0);
  TERN_CHECK(t, q[4] == 64 && q[5] == 0); /* 63.5 (inexact, rounds) ; -0.5 -> 0 */
  int8_t r[6];
  float rm;
  ref_acts(x, 6, r, &rm);
  TERN_CHECK(t, memcmp(q, r, 6) == 0);
  /* a single element, negative: -127, and the range -127..127 for every finite input */
  float y = -3.0e-3f;
  TERN_CHECK(t, tern_quantize_acts(&y, 1, q, &m) == TERN_OK && q[0] == -127 && m == 3.0e-3f);
  tern_test_end(t);
}

static void test_nonfinite(tern_test_ctx *t) {
  tern_test_begin(t, "acts_nan_inf_rejected_output_untouched");
  const float bad[3] = {NAN, INFINITY, -INFINITY};
  for (int b = 0; b < 3; b++)
    for (int pos = 0; pos < 4; pos++) {
      float x[4] = {1.0f, -2.0f, 3.0f, 0.5f};
      x[pos] = bad[b];
      int8_t q[4] = {9, 9, 9, 9};
      float m = 42.0f;
      TERN_CHECK(t, tern_quantize_acts(x, 4, q, &m) == TERN_ERR_NONFINITE);
      TERN_CHECK(t, q[0] == 9 && q[1] == 9 && q[2] == 9 && q[3] == 9 && m == 42.0f);
    }
  float x = 1.0f;
  int8_t q;
  float m;
  TERN_CHECK(t, tern_quantize_acts(NULL, 1, &q, &m) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_quantize_acts(&x, 0, &q, &m) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_quantize_acts(&x, 1, NULL, &m) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_quantize_acts(&x, 1, &q, NULL) == TERN_ERR_ARG);
  tern_test_end(t);
}

static void test_vs_independent(tern_test_ctx *t) {
  tern_test_begin(t, "acts_random_vs_independent");
  uint64_t st = g_seed ^ 0xACu;
  enum { KMAX = 300 };
  float x[KMAX];
  int8_t q[KMAX], r[KMAX];
  for (int it = 0; it < 2000 && !t->failed; it++) {
    size_t k = (size_t)tern_rand_range(&st, 1, KMAX);
    int scale_e = (int)tern_rand_range(&st, -30, 30);
    for (size_t i = 0; i < k; i++) {
      if (it % 2)
        x[i] = rand_float(&st);
      else
        x[i] = ldexpf((float)tern_rand_range(&st, -1000000, 1000000) / 1e6f, scale_e);
    }
    float m, rm;
    TERN_CHECK(t, tern_quantize_acts(x, k, q, &m) == TERN_OK);
    ref_acts(x, k, r, &rm);
    if (m != rm || memcmp(q, r, k) != 0) {
      tern_test_fail(t, "mismatch it=%d k=%zu seed=%llu", it, k, (unsigned long long)g_seed);
      break;
    }
    /* and the magic-number rounding gives the same codes */
    volatile float s = 127.0f / m;
    for (size_t i = 0; i < k; i++) {
      volatile float p = x[i] * s;
      float mr = magic_round(p);
      if ((int)mr != q[i]) {
        tern_test_fail(t, "magic mismatch x=%a seed=%llu", (double)x[i], (unsigned long long)g_seed);
        break;
      }
    }
  }
  tern_test_end(t);
}

/* ---- weights ---- */

static void ref_weights(const float *w, size_t n, int8_t *tr, float *scale) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += w[i] < 0 ? -(double)w[i] : (double)w[i];
  float g = (float)(sum / (double)n);
  if (g < 1e-5f) g = 1e-5f;
  for (size_t i = 0; i < n; i++) {
    volatile float d = w[i] / g;
    double r = tie_even_round(d);
    tr[i] = (int8_t)(r > 1 ? 1 : r < -1 ? -1 : r);
  }
  *scale = g;
}

static void test_weights_hand(tern_test_ctx *t) {
  tern_test_begin(t, "weights_absmean_hand");
  const float w[4] = {0.5f, -1.5f, 1.0f, 1.0f}; /* mean 1.0: 0.5 -> 0 (tie), -1.5 -> -1 */
  int8_t tr[4];
  float s = 0;
  TERN_CHECK(t, tern_quantize_weights(w, 4, tr, &s) == TERN_OK);
  TERN_CHECK(t, s == 1.0f && tr[0] == 0 && tr[1] == -1 && tr[2] == 1 && tr[3] == 1);
  const float w2[4] = {0.5f, -1.5f, 0.2f, 0.0f}; /* mean 0.55 */
  TERN_CHECK(t, tern_quantize_weights(w2, 4, tr, &s) == TERN_OK);
  TERN_CHECK(t, s == (float)(2.2000000029802322 / 4.0));
  TERN_CHECK(t, tr[0] == 1 && tr[1] == -1 && tr[2] == 0 && tr[3] == 0);
  const float z[3] = {0, 0, 0};
  TERN_CHECK(t, tern_quantize_weights(z, 3, tr, &s) == TERN_OK);
  TERN_CHECK(t, s == 1e-5f && tr[0] == 0 && tr[1] == 0 && tr[2] == 0);
  const float bad[2] = {1.0f, NAN};
  TERN_CHECK(t, tern_quantize_weights(bad, 2, tr, &s) == TERN_ERR_NONFINITE);
  TERN_CHECK(t, tern_quantize_weights(w, 0, tr, &s) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_quantize_weights(NULL, 1, tr, &s) == TERN_ERR_ARG);
  tern_test_end(t);
}

static void test_weights_random(tern_test_ctx *t) {
  tern_test_begin(t, "weights_random_vs_independent");
  uint64_t st = g_seed ^ 0x3e1u;
  enum { NMAX = 500 };
  float w[NMAX];
  int8_t a[NMAX], b[NMAX];
  for (int it = 0; it < 1000 && !t->failed; it++) {
    size_t n = (size_t)tern_rand_range(&st, 1, NMAX);
    for (size_t i = 0; i < n; i++) w[i] = rand_float(&st);
    if (it % 3 == 0) /* pre-ternarised: trit * gamma */
      for (size_t i = 0; i < n; i++) w[i] = 0.0375f * (float)tern_rand_range(&st, -1, 1);
    float sa, sb;
    TERN_CHECK(t, tern_quantize_weights(w, n, a, &sa) == TERN_OK);
    ref_weights(w, n, b, &sb);
    if (sa != sb || memcmp(a, b, n) != 0) tern_test_fail(t, "mismatch it=%d seed=%llu", it, (unsigned long long)g_seed);
  }
  tern_test_end(t);
}

int main(int argc, char **argv) {
  g_seed = tern_test_seed_arg(argc, argv, g_seed);
  static const tern_test_case cases[] = {test_ties,         test_ties_random,   test_floor,     test_zero,
                                         test_max_maps_127, test_extremes,      test_nonfinite, test_vs_independent,
                                         test_weights_hand, test_weights_random};
  tern_test_ctx t = {0};
  tern_test_run_cases(&t, cases, sizeof cases / sizeof cases[0]);
  return tern_test_exit(&t);
}
