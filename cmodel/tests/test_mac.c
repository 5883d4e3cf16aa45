/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the MAC golden model (tern_matvec / tern_matmul / tern_beat_dot) and the
 * epilogue, against a plain-multiplication reference on the unpacked int8 matrix. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_mac.h"
#include "tern_pack.h"
#include "tern_quant.h"
#include "tern_test.h"

static uint64_t g_seed = 4242u;

static const tern_geom kGeoms[] = {{2, 20}, {1, 5}, {3, 5}, {4, 10}, {5, 3}, {1, 40}};
enum { NGEOMS = sizeof kGeoms / sizeof kGeoms[0] };

/* The straightforward reference: int64 sums of w * x, by multiplication. */
static void ref_matvec(const int8_t *w, uint32_t k, uint32_t n, const int8_t *x, int64_t *acc) {
  for (uint32_t r = 0; r < n; r++) {
    int64_t s = 0;
    for (uint32_t c = 0; c < k; c++) s += (int64_t)w[(size_t)r * k + c] * x[c];
    acc[r] = s;
  }
}

static void fill_x(uint64_t *st, int8_t *x, size_t count) {
  for (size_t i = 0; i < count; i++) x[i] = (int8_t)tern_rand_range(st, -128, 127);
}

static void test_random(tern_test_ctx *t) {
  tern_test_begin(t, "matvec_random_vs_multiplication_reference");
  uint64_t st = g_seed ^ 0x11u;
  for (int it = 0; it < 400 && !t->failed; it++) {
    tern_geom g = kGeoms[it % NGEOMS];
    tern_format fmt = (it / NGEOMS) % 2 ? TERN_T5 : TERN_T2;
    uint32_t k = (uint32_t)tern_rand_range(&st, 1, 300), n = (uint32_t)tern_rand_range(&st, 1, 40);
    size_t cnt = (size_t)k * n, bytes = tern_stream_bytes(g, fmt, k, n);
    int8_t *w = malloc(cnt), *x = malloc(k);
    uint8_t *s = malloc(bytes);
    int32_t *acc = malloc(n * sizeof *acc);
    int64_t *ref = malloc(n * sizeof *ref);
    int density = (int)tern_rand_range(&st, 0, 3); /* 0: all +-1, others: mixed */
    for (size_t i = 0; i < cnt; i++)
      w[i] = density == 0 ? (int8_t)(tern_rand_range(&st, 0, 1) ? 1 : -1) : (int8_t)tern_rand_range(&st, -1, 1);
    fill_x(&st, x, k);
    TERN_CHECK(t, tern_pack(g, fmt, w, k, n, s) == TERN_OK);
    TERN_CHECK(t, tern_matvec(g, fmt, s, k, n, x, acc) == TERN_OK);
    ref_matvec(w, k, n, x, ref);
    for (uint32_t r = 0; r < n; r++)
      if (acc[r] != ref[r]) {
        tern_test_fail(t, "geom %ux%u %s k=%u n=%u row %u: %d want %lld seed=%llu", g.rows, g.lanes,
                       tern_format_name(fmt), k, n, r, acc[r], (long long)ref[r], (unsigned long long)g_seed);
        break;
      }
    free(w), free(x), free(s), free(acc), free(ref);
  }
  tern_test_end(t);
}

static void test_matmul(tern_test_ctx *t) {
  tern_test_begin(t, "matmul_tokens_vs_reference");
  uint64_t st = g_seed ^ 0x22u;
  for (int it = 0; it < 60 && !t->failed; it++) {
    tern_geom g = kGeoms[it % NGEOMS];
    tern_format fmt = it % 2 ? TERN_T5 : TERN_T2;
    uint32_t k = (uint32_t)tern_rand_range(&st, 1, 130), n = (uint32_t)tern_rand_range(&st, 1, 17);
    uint32_t T = (uint32_t)tern_rand_range(&st, 1, 6);
    size_t cnt = (size_t)k * n, bytes = tern_stream_bytes(g, fmt, k, n);
    int8_t *w = malloc(cnt), *x = malloc((size_t)T * k);
    uint8_t *s = malloc(bytes);
    int32_t *acc = malloc((size_t)T * n * sizeof *acc);
    int64_t *ref = malloc(n * sizeof *ref);
    for (size_t i = 0; i < cnt; i++) w[i] = (int8_t)tern_rand_range(&st, -1, 1);
    fill_x(&st, x, (size_t)T * k);
    TERN_CHECK(t, tern_pack(g, fmt, w, k, n, s) == TERN_OK);
    TERN_CHECK(t, tern_matmul(g, fmt, s, k, n, T, x, acc) == TERN_OK);
    for (uint32_t tok = 0; tok < T; tok++) {
      ref_matvec(w, k, n, x + (size_t)tok * k, ref);
      for (uint32_t r = 0; r < n; r++)
        if (acc[(size_t)tok * n + r] != ref[r])
          tern_test_fail(t, "token %u row %u seed=%llu", tok, r, (unsigned long long)g_seed);
    }
    free(w), free(x), free(s), free(acc), free(ref);
  }
  tern_test_end(t);
}

static void test_extremes(tern_test_ctx *t) {
  tern_test_begin(t, "matvec_extremes_k_max");
  const uint32_t k = TERN_K_MAX, n = 3;
  tern_geom g = tern_geom_default();
  int8_t *w = malloc((size_t)k * n), *x = malloc(k);
  for (int f = 0; f < 2; f++) {
    tern_format fmt = f ? TERN_T5 : TERN_T2;
    uint8_t *s = malloc(tern_stream_bytes(g, fmt, k, n));
    int32_t acc[3];
    /* row 0 all +1, row 1 all -1, row 2 all 0 */
    for (uint32_t c = 0; c < k; c++) w[c] = 1, w[k + c] = -1, w[2 * k + c] = 0;
    TERN_CHECK(t, tern_pack(g, fmt, w, k, n, s) == TERN_OK);
    memset(x, 127, k);
    TERN_CHECK(t, tern_matvec(g, fmt, s, k, n, x, acc) == TERN_OK);
    TERN_CHECK(t, acc[0] == 127 * 65535 && acc[1] == -127 * 65535 && acc[2] == 0);
    memset(x, 0x80, k); /* -128 */
    TERN_CHECK(t, tern_matvec(g, fmt, s, k, n, x, acc) == TERN_OK);
    TERN_CHECK(t, acc[0] == -128 * 65535 && acc[1] == 128 * 65535 && acc[2] == 0);
    TERN_CHECK(t, acc[1] == 8388480);
    free(s);
  }
  free(w), free(x);
  tern_test_end(t);
}

/* Randomises every padding slot of a packed stream (T2: code 0..3 and the unused high bits;
 * T5: the padding digits of a mixed byte, and any byte 0..255 when all five are padding). */
static void garble_padding(uint64_t *st, tern_geom g, tern_format fmt, uint8_t *s, uint32_t k, uint32_t n) {
  uint32_t G = tern_groups(g, n), B = tern_beats_per_group(g, k), RL = g.rows * g.lanes;
  size_t bb = tern_beat_bytes(g, fmt);
  for (uint32_t beat = 0; beat < G * B; beat++) {
    uint8_t *p = s + (size_t)beat * bb;
    uint32_t gi = beat / B, sb = beat % B;
    if (fmt == TERN_T2) {
      for (uint32_t i = 0; i < RL; i++) {
        uint32_t row = gi * g.rows + i / g.lanes, col = sb * g.lanes + i % g.lanes;
        if (row < n && col < k) continue;
        uint32_t c = (uint32_t)tern_rand_range(st, 0, 3);
        p[i / 4] = (uint8_t)((p[i / 4] & ~(3u << (2 * (i % 4)))) | (c << (2 * (i % 4))));
      }
      if ((2 * RL) % 8) p[bb - 1] |= (uint8_t)(tern_rand_next(st) << ((2 * RL) % 8));
    } else {
      for (uint32_t j = 0; j < RL / 5; j++) {
        int8_t d[5];
        int used = 0;
        tern_t5_decode(p[j], d);
        for (uint32_t m = 0; m < 5; m++) {
          uint32_t i = 5 * j + m;
          uint32_t row = gi * g.rows + i / g.lanes, col = sb * g.lanes + i % g.lanes;
          if (row < n && col < k)
            used = 1;
          else
            d[m] = (int8_t)tern_rand_range(st, -1, 1);
        }
        p[j] = used ? tern_t5_encode(d) : (uint8_t)tern_rand_range(st, 0, 255);
      }
    }
  }
}

static void test_padding_garbage(tern_test_ctx *t) {
  tern_test_begin(t, "matvec_padding_garbage_ignored");
  uint64_t st = g_seed ^ 0x33u;
  for (int it = 0; it < 200 && !t->failed; it++) {
    tern_geom g = kGeoms[it % NGEOMS];
    tern_format fmt = (it / NGEOMS) % 2 ? TERN_T5 : TERN_T2;
    uint32_t k = (uint32_t)tern_rand_range(&st, 1, 90), n = (uint32_t)tern_rand_range(&st, 1, 13);
    size_t cnt = (size_t)k * n, bytes = tern_stream_bytes(g, fmt, k, n);
    int8_t *w = malloc(cnt), *x = malloc(k), *back = malloc(cnt);
    uint8_t *s = malloc(bytes);
    int32_t *acc = malloc(n * sizeof *acc);
    int64_t *ref = malloc(n * sizeof *ref);
    for (size_t i = 0; i < cnt; i++) w[i] = (int8_t)tern_rand_range(&st, -1, 1);
    fill_x(&st, x, k);
    tern_pack(g, fmt, w, k, n, s);
    garble_padding(&st, g, fmt, s, k, n);
    ref_matvec(w, k, n, x, ref);
    TERN_CHECK(t, tern_matvec(g, fmt, s, k, n, x, acc) == TERN_OK);
    for (uint32_t r = 0; r < n; r++)
      if (acc[r] != ref[r])
        tern_test_fail(t, "geom %ux%u %s k=%u n=%u seed=%llu", g.rows, g.lanes, tern_format_name(fmt), k, n,
                       (unsigned long long)g_seed);
    TERN_CHECK(t, tern_unpack(g, fmt, s, k, n, back, NULL) == TERN_OK);
    TERN_CHECK(t, memcmp(back, w, cnt) == 0);
    free(w), free(x), free(back), free(s), free(acc), free(ref);
  }
  tern_test_end(t);
}

static void test_code3_zero(tern_test_ctx *t) {
  tern_test_begin(t, "matvec_t2_code3_counts_as_zero");
  uint64_t st = g_seed ^ 0x44u;
  tern_geom g = {2, 20};
  uint32_t k = 50, n = 5;
  int8_t w[250], x[50];
  uint8_t s[3 * 3 * 10];
  int32_t acc[5];
  int64_t ref[5];
  for (int i = 0; i < 250; i++) w[i] = (int8_t)tern_rand_range(&st, -1, 1);
  fill_x(&st, x, 50);
  tern_pack(g, TERN_T2, w, k, n, s);
  /* W[3][27]: group 1, beat 1 (beat 4), slot r=1 l=7 -> slot 27, byte 6 bits 7:6 */
  s[4 * 10 + 6] |= 0xC0;
  w[3 * 50 + 27] = 0;
  /* W[0][0] too */
  s[0] |= 0x03;
  w[0] = 0;
  ref_matvec(w, k, n, x, ref);
  TERN_CHECK(t, tern_matvec(g, TERN_T2, s, k, n, x, acc) == TERN_OK);
  for (int r = 0; r < 5; r++) TERN_CHECK(t, acc[r] == ref[r]);
  size_t bad;
  int8_t back[250];
  TERN_CHECK(t, tern_unpack(g, TERN_T2, s, k, n, back, &bad) == TERN_ERR_CODE && bad == 0);
  tern_test_end(t);
}

static void test_beat_dot(tern_test_ctx *t) {
  tern_test_begin(t, "beat_dot_hand_and_masking");
  tern_geom g = {1, 5};
  const uint8_t t2[2] = {0x86, 0x01}; /* +1, 0, -1, +1, 0 */
  const int8_t x[5] = {10, 20, 30, 40, 50};
  int32_t s[4] = {7, 7, 7, 7};
  tern_beat_dot(g, TERN_T2, t2, x, 5, 1, s);
  TERN_CHECK(t, s[0] == 10 - 30 + 40);
  tern_beat_dot(g, TERN_T2, t2, x, 2, 1, s);
  TERN_CHECK(t, s[0] == 10);
  tern_beat_dot(g, TERN_T2, t2, x, 9, 1, s); /* lanes_valid clamped to L */
  TERN_CHECK(t, s[0] == 20);
  tern_beat_dot(g, TERN_T2, t2, x, 5, 0, s);
  TERN_CHECK(t, s[0] == 0);
  const uint8_t code3[2] = {0xFF, 0xFF}; /* all code 3: all zero */
  tern_beat_dot(g, TERN_T2, code3, x, 5, 1, s);
  TERN_CHECK(t, s[0] == 0);
  const uint8_t t5[1] = {0xCA}; /* +1, 0, -1, -1, +1 */
  const int8_t y[5] = {1, 2, 3, 4, 5};
  tern_beat_dot(g, TERN_T5, t5, y, 5, 1, s);
  TERN_CHECK(t, s[0] == 1 - 3 - 4 + 5);
  tern_beat_dot(g, TERN_T5, t5, y, 3, 1, s);
  TERN_CHECK(t, s[0] == 1 - 3);
  /* R = 2, L = 5, T5: two bytes, one per row; rows_valid = 1 zeroes row 1 */
  tern_geom g2 = {2, 5};
  const uint8_t t5b[2] = {0xCA, 0xFF}; /* 0xFF: 3*255 -> 2, ... all digits 2? check decode */
  int8_t d[5];
  tern_t5_decode(0xFF, d);
  int32_t want1 = 0;
  for (int l = 0; l < 5; l++) want1 += d[l] == 1 ? y[l] : d[l] == -1 ? -y[l] : 0;
  tern_beat_dot(g2, TERN_T5, t5b, y, 5, 2, s);
  TERN_CHECK(t, s[0] == -1 && s[1] == want1);
  tern_beat_dot(g2, TERN_T5, t5b, y, 5, 1, s);
  TERN_CHECK(t, s[0] == -1 && s[1] == 0);
  /* -128 on every lane with all -1 weights: +128 * L */
  tern_geom g3 = {1, 40};
  uint8_t neg[10];
  memset(neg, 0, sizeof neg);
  int8_t m128[40];
  memset(m128, 0x80, sizeof m128);
  tern_beat_dot(g3, TERN_T2, neg, m128, 40, 1, s);
  TERN_CHECK(t, s[0] == 128 * 40);
  tern_test_end(t);
}

static void test_mac_errors(tern_test_ctx *t) {
  tern_test_begin(t, "matvec_errors");
  tern_geom g = {2, 20};
  uint8_t s[10] = {0};
  int8_t x[4] = {0};
  int32_t acc[2];
  TERN_CHECK(t, tern_matvec(g, TERN_T2, s, 4, 2, x, acc) == TERN_OK);
  TERN_CHECK(t, tern_matvec(g, TERN_T2, s, 0, 2, x, acc) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_matvec(g, TERN_T2, s, 4, 0, x, acc) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_matvec(g, TERN_T2, NULL, 4, 2, x, acc) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_matvec(g, TERN_T2, s, 4, 2, NULL, acc) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_matvec(g, TERN_T2, s, 4, 2, x, NULL) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_matvec(g, (tern_format)2, s, 4, 2, x, acc) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_matvec((tern_geom){2, 2}, TERN_T2, s, 4, 2, x, acc) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_matvec(g, TERN_T2, s, TERN_K_MAX + 1u, 2, x, acc) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_matmul(g, TERN_T2, s, 4, 2, 0, x, acc) == TERN_ERR_ARG);
  tern_test_end(t);
}

static void test_epilogue(tern_test_ctx *t) {
  tern_test_begin(t, "epilogue_bit_exact_operation_order");
  uint64_t st = g_seed ^ 0x55u;
  enum { N = 64 };
  int32_t acc[N];
  float y[N];
  for (int it = 0; it < 2000 && !t->failed; it++) {
    for (int i = 0; i < N; i++) acc[i] = (int32_t)tern_rand_range(&st, -8388480, 8388480);
    acc[0] = 8388480, acc[1] = -8388480, acc[2] = 0, acc[3] = 1, acc[4] = -1;
    float absmax = ldexpf((float)tern_rand_range(&st, 1 << 23, (1 << 24) - 1), (int)tern_rand_range(&st, -40, 0));
    if (it == 0) absmax = 1e-5f;
    float ws = ldexpf((float)tern_rand_range(&st, 1 << 23, (1 << 24) - 1), (int)tern_rand_range(&st, -30, -20));
    tern_epilogue(acc, N, absmax, ws, y);
    for (int i = 0; i < N; i++) {
      volatile float f = absmax / 127.0f;
      volatile float a = (float)acc[i];
      volatile float p = a * f;
      volatile float want = p * ws;
      if (memcmp(&y[i], (const void *)&want, sizeof want) != 0) {
        tern_test_fail(t, "acc %d absmax %a ws %a: %a want %a seed=%llu", acc[i], (double)absmax, (double)ws,
                       (double)y[i], (double)want, (unsigned long long)g_seed);
        break;
      }
    }
  }
  tern_test_end(t);
}

/* The worked example of docs/numerics.md: the numbers there are these. */
static void test_worked_example(tern_test_ctx *t) {
  tern_test_begin(t, "numerics_md_worked_example");
  const float x[4] = {0.5f, -1.25f, 2.0f, -0.1f};
  const int8_t w[8] = {1, 0, -1, 1, /* row 0 */ -1, 1, 1, 0 /* row 1 */};
  const float w_scale = 0.75f;
  int8_t xq[4];
  float absmax;
  TERN_CHECK(t, tern_quantize_acts(x, 4, xq, &absmax) == TERN_OK);
  TERN_CHECK(t, absmax == 2.0f);
  TERN_CHECK(t, xq[0] == 32 && xq[1] == -79 && xq[2] == 127 && xq[3] == -6);
  tern_geom g = tern_geom_default();
  uint8_t s2[10], s5[8];
  int32_t acc2[2], acc5[2];
  TERN_CHECK(t, tern_pack(g, TERN_T2, w, 4, 2, s2) == TERN_OK);
  TERN_CHECK(t, tern_pack(g, TERN_T5, w, 4, 2, s5) == TERN_OK);
  TERN_CHECK(t, tern_matvec(g, TERN_T2, s2, 4, 2, xq, acc2) == TERN_OK);
  TERN_CHECK(t, tern_matvec(g, TERN_T5, s5, 4, 2, xq, acc5) == TERN_OK);
  TERN_CHECK(t, acc2[0] == -101 && acc2[1] == 16 && acc5[0] == -101 && acc5[1] == 16);
  /* the packed beats quoted in the document */
  const uint8_t want2[10] = {0x86, 0x55, 0x55, 0x55, 0x55, 0x68, 0x55, 0x55, 0x55, 0x55};
  const uint8_t want5[8] = {0xCF, 0x80, 0x80, 0x80, 0x51, 0x80, 0x80, 0x80};
  TERN_CHECK(t, memcmp(s2, want2, 10) == 0);
  TERN_CHECK(t, memcmp(s5, want5, 8) == 0);
  float y[2];
  tern_epilogue(acc2, 2, absmax, w_scale, y);
  TERN_CHECK(t, y[0] == -0x1.3162c4p+0f && y[1] == 0x1.83060cp-3f);
  char buf[64];
  snprintf(buf, sizeof buf, "%.9g %.9g", (double)y[0], (double)y[1]);
  TERN_CHECK(t, strcmp(buf, "-1.19291329 0.188976377") == 0);
  /* the order matters: acc = -300, absmax = 3, w_scale = 0.75 differs by one ulp from the
   * bitnet.cpp order acc / (127 / absmax) * w_scale */
  const int32_t a300 = -300;
  tern_epilogue(&a300, 1, 3.0f, 0.75f, y);
  volatile float sx = 127.0f / 3.0f, q = (float)a300 / sx, bitnet = q * 0.75f;
  TERN_CHECK(t, y[0] == -0x1.54285p+2f && bitnet == -0x1.542852p+2f);
  tern_test_end(t);
}

int main(int argc, char **argv) {
  g_seed = tern_test_seed_arg(argc, argv, g_seed);
  static const tern_test_case cases[] = {test_random,          test_matmul,     test_extremes,
                                         test_padding_garbage, test_code3_zero, test_beat_dot,
                                         test_mac_errors,      test_epilogue,   test_worked_example};
  tern_test_ctx t = {0};
  tern_test_run_cases(&t, cases, sizeof cases / sizeof cases[0]);
  return tern_test_exit(&t);
}
