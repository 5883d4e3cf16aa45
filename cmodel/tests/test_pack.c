/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the T2 / T5 stream formats (docs/formats.md) and the geometry helpers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_geom.h"
#include "tern_pack.h"
#include "tern_test.h"

static uint64_t g_seed = 777u;

static const tern_geom kGeoms[] = {{1, 5}, {2, 20}, {3, 5}, {4, 10}, {5, 1}, {1, 10}, {5, 3}};
enum { NGEOMS = sizeof kGeoms / sizeof kGeoms[0] };

/* Independent reference packer: walks the stream slot by slot with the beat-order formula
 * and computes T5 bytes with an explicit ceiling division. */
static void ref_pack(tern_geom g, tern_format fmt, const int8_t *w, uint32_t k, uint32_t n, uint8_t *out,
                     size_t bytes) {
  uint32_t G = (n + g.rows - 1) / g.rows, B = (k + g.lanes - 1) / g.lanes;
  uint32_t RL = g.rows * g.lanes;
  size_t bb = fmt == TERN_T2 ? (2 * RL + 7) / 8 : RL / 5;
  memset(out, 0, bytes);
  for (uint32_t beat = 0; beat < G * B; beat++) {
    uint32_t gi = beat / B, s = beat % B;
    uint8_t *p = out + (size_t)beat * bb;
    uint32_t digits[5], nd = 0;
    for (uint32_t i = 0; i < RL; i++) {
      uint32_t r = i / g.lanes, l = i % g.lanes;
      uint32_t row = gi * g.rows + r, col = s * g.lanes + l;
      int wv = (row < n && col < k) ? w[(size_t)row * k + col] : 0;
      if (fmt == TERN_T2) {
        uint32_t bit = 2 * i;
        p[bit / 8] |= (uint8_t)((wv + 1) << (bit % 8));
      } else {
        digits[nd++] = (uint32_t)(wv + 1);
        if (nd == 5) {
          uint32_t v = digits[0] * 81 + digits[1] * 27 + digits[2] * 9 + digits[3] * 3 + digits[4];
          uint32_t num = v * 256;
          p[i / 5] = (uint8_t)(num / 243 + (num % 243 != 0));
          nd = 0;
        }
      }
    }
  }
}

static void rand_trits(uint64_t *st, int8_t *w, size_t count) {
  for (size_t i = 0; i < count; i++) w[i] = (int8_t)tern_rand_range(st, -1, 1);
}

static void test_t2_hand(tern_test_ctx *t) {
  tern_test_begin(t, "t2_hand_beat_0x86");
  /* docs/formats.md: (+1, 0, -1, +1) -> codes 2,1,0,2 -> 0x86. At R=1, L=5 with K=4 the fifth
   * slot is padding (weight 0, code 1) in bits 9:8 -> second byte 0x01, high bits 0. */
  tern_geom g = {1, 5};
  const int8_t w[4] = {1, 0, -1, 1};
  uint8_t out[2] = {0xEE, 0xEE};
  TERN_CHECK(t, tern_stream_bytes(g, TERN_T2, 4, 1) == 2);
  TERN_CHECK(t, tern_pack(g, TERN_T2, w, 4, 1, out) == TERN_OK);
  TERN_CHECK(t, out[0] == 0x86 && out[1] == 0x01);
  int8_t back[4];
  TERN_CHECK(t, tern_unpack(g, TERN_T2, out, 4, 1, back, NULL) == TERN_OK);
  TERN_CHECK(t, memcmp(back, w, 4) == 0);
  tern_test_end(t);
}

static void test_t5_example(tern_test_ctx *t) {
  tern_test_begin(t, "t5_worked_example_0xCA");
  const int8_t w[5] = {1, 0, -1, -1, 1};
  TERN_CHECK(t, tern_t5_encode(w) == 0xCA);
  int8_t d[5];
  tern_t5_decode(0xCA, d);
  TERN_CHECK(t, memcmp(d, w, 5) == 0);
  tern_geom g = {1, 5};
  uint8_t out[1];
  TERN_CHECK(t, tern_pack(g, TERN_T5, w, 5, 1, out) == TERN_OK && out[0] == 0xCA);
  tern_test_end(t);
}

static void test_t5_all_243(tern_test_ctx *t) {
  tern_test_begin(t, "t5_all_243_values_encode_decode");
  for (uint32_t v = 0; v < 243; v++) {
    int8_t w[5], d[5];
    uint32_t x = v;
    for (int i = 4; i >= 0; i--) { /* base 3 by division, last digit least significant */
      w[i] = (int8_t)((int)(x % 3) - 1);
      x /= 3;
    }
    uint32_t want = (v * 256 + 242) / 243;
    uint8_t q = tern_t5_encode(w);
    if (q != want) tern_test_fail(t, "v=%u: byte %u want %u", v, q, want);
    tern_t5_decode(q, d);
    if (memcmp(d, w, 5) != 0) tern_test_fail(t, "v=%u does not decode back", v);
  }
  tern_test_end(t);
}

static void test_t5_all_256(tern_test_ctx *t) {
  tern_test_begin(t, "t5_all_256_bytes_decode_in_range");
  int canonical = 0;
  for (uint32_t q = 0; q < 256; q++) {
    int8_t d[5];
    tern_t5_decode((uint8_t)q, d);
    for (int i = 0; i < 5; i++)
      if (d[i] < -1 || d[i] > 1) tern_test_fail(t, "byte %u digit %d = %d", q, i, d[i]);
    /* independent decode: digit n = floor(3 * frac(q * 3^n / 256)) */
    uint32_t f = q;
    for (int i = 0; i < 5; i++) {
      uint32_t p = f * 3;
      if ((int)(p / 256) - 1 != d[i]) tern_test_fail(t, "byte %u digit %d differs", q, i);
      f = p % 256;
    }
    if (tern_t5_encode(d) == q) canonical++;
  }
  if (canonical != 243) tern_test_fail(t, "%d canonical bytes, want 243", canonical);
  tern_test_end(t);
}

static void test_roundtrip(tern_test_ctx *t) {
  tern_test_begin(t, "pack_unpack_roundtrip_vs_reference_packer");
  uint64_t st = g_seed ^ 0x9acu;
  const uint32_t ks[] = {1, 2, 4, 5, 19, 20, 21, 40, 67, 256};
  const uint32_t ns[] = {1, 2, 3, 4, 5, 7, 9};
  for (int gi = 0; gi < NGEOMS && !t->failed; gi++)
    for (int f = 0; f < 2; f++)
      for (size_t a = 0; a < sizeof ks / sizeof ks[0]; a++)
        for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++) {
          tern_geom g = kGeoms[gi];
          tern_format fmt = f ? TERN_T5 : TERN_T2;
          uint32_t k = ks[a], n = ns[b];
          size_t cnt = (size_t)k * n, bytes = tern_stream_bytes(g, fmt, k, n);
          int8_t *w = malloc(cnt), *back = malloc(cnt);
          uint8_t *s1 = malloc(bytes), *s2 = malloc(bytes);
          rand_trits(&st, w, cnt);
          if (cnt >= 3) w[0] = -1, w[1] = 0, w[2] = 1; /* every code present */
          memset(back, 5, cnt);
          tern_status st1 = tern_pack(g, fmt, w, k, n, s1);
          ref_pack(g, fmt, w, k, n, s2, bytes);
          tern_status st2 = tern_unpack(g, fmt, s1, k, n, back, NULL);
          if (st1 != TERN_OK || st2 != TERN_OK || memcmp(s1, s2, bytes) != 0 || memcmp(w, back, cnt) != 0)
            tern_test_fail(t, "geom %ux%u %s k=%u n=%u: st %d/%d seed=%llu", g.rows, g.lanes, tern_format_name(fmt), k,
                           n, st1, st2, (unsigned long long)g_seed);
          free(w), free(back), free(s1), free(s2);
        }
  tern_test_end(t);
}

static void test_every_code_every_slot(tern_test_ctx *t) {
  tern_test_begin(t, "pack_every_value_in_every_slot");
  /* a single nonzero (or zero) weight at every position of a few shapes, both formats */
  const tern_geom gs[] = {{2, 20}, {3, 5}, {4, 10}};
  for (int gi = 0; gi < 3; gi++)
    for (int f = 0; f < 2; f++) {
      tern_geom g = gs[gi];
      tern_format fmt = f ? TERN_T5 : TERN_T2;
      uint32_t k = g.lanes * 2 + 3, n = g.rows + 1;
      size_t cnt = (size_t)k * n, bytes = tern_stream_bytes(g, fmt, k, n);
      int8_t *w = calloc(cnt, 1), *back = malloc(cnt);
      uint8_t *s1 = malloc(bytes), *s2 = malloc(bytes);
      for (size_t pos = 0; pos < cnt; pos++)
        for (int v = -1; v <= 1; v++) {
          memset(w, 0, cnt);
          w[pos] = (int8_t)v;
          tern_pack(g, fmt, w, k, n, s1);
          ref_pack(g, fmt, w, k, n, s2, bytes);
          if (memcmp(s1, s2, bytes) != 0 || tern_unpack(g, fmt, s1, k, n, back, NULL) != TERN_OK ||
              memcmp(w, back, cnt) != 0)
            tern_test_fail(t, "geom %ux%u %s pos %zu v %d", g.rows, g.lanes, tern_format_name(fmt), pos, v);
        }
      free(w), free(back), free(s1), free(s2);
    }
  tern_test_end(t);
}

static void test_padding_zero(tern_test_ctx *t) {
  tern_test_begin(t, "pack_padding_written_as_zero_weight");
  tern_geom g = {2, 20};
  const int8_t w[3] = {-1, -1, -1}; /* K = 3, N = 1 */
  uint8_t s[10];
  TERN_CHECK(t, tern_pack(g, TERN_T2, w, 3, 1, s) == TERN_OK);
  /* slots 0..2 code 0, every other slot code 1: byte 0 = 01 00 00 00 = 0x40, rest 0x55 */
  TERN_CHECK(t, s[0] == 0x40);
  for (int i = 1; i < 10; i++) TERN_CHECK(t, s[i] == 0x55);
  uint8_t q[8];
  TERN_CHECK(t, tern_pack(g, TERN_T5, w, 3, 1, q) == TERN_OK);
  /* digits (0,0,0,1,1) -> v = 4 -> ceil(1024/243) = 5; all-zero bytes (1,1,1,1,1) -> v = 121
   * -> ceil(30976/243) = 128 */
  TERN_CHECK(t, q[0] == 5);
  for (int i = 1; i < 8; i++) TERN_CHECK(t, q[i] == 128);
  /* R = 1, L = 5, T2: 10 bits in 2 bytes, bits 10..15 zero */
  tern_geom g5 = {1, 5};
  const int8_t w5[5] = {1, 1, 1, 1, 1};
  TERN_CHECK(t, tern_pack(g5, TERN_T2, w5, 5, 1, s) == TERN_OK && s[0] == 0xAA && s[1] == 0x02);
  tern_test_end(t);
}

static void test_code3(tern_test_ctx *t) {
  tern_test_begin(t, "unpack_t2_code3_reported_with_index");
  tern_geom g = {2, 20};
  uint32_t k = 45, n = 3; /* G = 2, B = 3 */
  int8_t w[135] = {0}, back[135];
  size_t bytes = tern_stream_bytes(g, TERN_T2, k, n);
  uint8_t *s = malloc(bytes);
  TERN_CHECK(t, tern_pack(g, TERN_T2, w, k, n, s) == TERN_OK);
  /* W[1][23]: group 0, beat 1, slot r=1, l=3 -> slot 23, bits 47:46, byte 10+5 bits 7:6 */
  s[10 + 5] |= 0xC0;
  size_t bad = 999;
  TERN_CHECK(t, tern_unpack(g, TERN_T2, s, k, n, back, &bad) == TERN_ERR_CODE);
  TERN_CHECK(t, bad == 1 * 45 + 23);
  TERN_CHECK(t, tern_unpack(g, TERN_T2, s, k, n, back, NULL) == TERN_ERR_CODE);
  /* also W[0][44] (group 0, beat 2, slot 4, byte 20+1 bits 1:0): smaller row-major index */
  s[20 + 1] |= 0x03;
  TERN_CHECK(t, tern_unpack(g, TERN_T2, s, k, n, back, &bad) == TERN_ERR_CODE && bad == 44);
  /* code 3 in padding slots only: slot 5 of the last beat of group 0 is col 45 (>= K) */
  TERN_CHECK(t, tern_pack(g, TERN_T2, w, k, n, s) == TERN_OK);
  s[20 + 1] |= 0x0C;      /* slot 5 of beat (0,2): col 45 */
  s[30 + 10 - 1] |= 0xFF; /* beat (1,0) bytes 5..9 hold row 3 (>= N) */
  s[bytes - 1] |= 0xFF;
  TERN_CHECK(t, tern_unpack(g, TERN_T2, s, k, n, back, &bad) == TERN_OK);
  TERN_CHECK(t, memcmp(back, w, sizeof w) == 0);
  free(s);
  tern_test_end(t);
}

static void test_errors(tern_test_ctx *t) {
  tern_test_begin(t, "pack_errors");
  tern_geom g = {2, 20};
  int8_t w[4] = {0, 1, -1, 0};
  uint8_t out[64];
  TERN_CHECK(t, tern_pack(g, TERN_T2, w, 4, 1, out) == TERN_OK);
  w[2] = 2;
  TERN_CHECK(t, tern_pack(g, TERN_T2, w, 4, 1, out) == TERN_ERR_NOT_TERNARY);
  w[2] = -2;
  TERN_CHECK(t, tern_pack(g, TERN_T5, w, 4, 1, out) == TERN_ERR_NOT_TERNARY);
  size_t bad = 0;
  TERN_CHECK(t, tern_check_trits(w, 4, &bad) == TERN_ERR_NOT_TERNARY && bad == 2);
  w[2] = -1;
  TERN_CHECK(t, tern_check_trits(w, 4, &bad) == TERN_OK);
  TERN_CHECK(t, tern_pack(g, TERN_T2, w, 0, 1, out) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_pack(g, TERN_T2, w, 4, 0, out) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_pack(g, TERN_T2, NULL, 4, 1, out) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_pack(g, TERN_T2, w, 4, 1, NULL) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_pack(g, (tern_format)7, w, 4, 1, out) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_pack((tern_geom){2, 2}, TERN_T2, w, 4, 1, out) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_pack((tern_geom){0, 5}, TERN_T2, w, 4, 1, out) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_pack((tern_geom){5, 0}, TERN_T2, w, 4, 1, out) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_pack(g, TERN_T2, w, TERN_K_MAX + 1u, 1, out) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_unpack(g, TERN_T2, out, 0, 1, w, NULL) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_unpack(g, (tern_format)3, out, 4, 1, w, NULL) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_unpack(g, TERN_T5, NULL, 4, 1, w, NULL) == TERN_ERR_ARG);
  tern_test_end(t);
}

static void test_geometry(tern_test_ctx *t) {
  tern_test_begin(t, "geometry_helpers");
  tern_geom d = tern_geom_default();
  TERN_CHECK(t, d.rows == TERN_ROWS && d.lanes == TERN_LANES);
  TERN_CHECK(t, tern_geom_check(d) == TERN_OK);
  TERN_CHECK(t, tern_geom_check((tern_geom){1, 5}) == TERN_OK);
  TERN_CHECK(t, tern_geom_check((tern_geom){5, 1}) == TERN_OK);
  TERN_CHECK(t, tern_geom_check((tern_geom){1, 4}) != TERN_OK);
  TERN_CHECK(t, tern_geom_check((tern_geom){0, 5}) != TERN_OK);
  TERN_CHECK(t, tern_groups(d, 6912) == 3456 && tern_groups(d, 1) == 1 && tern_groups(d, 3) == 2);
  TERN_CHECK(t, tern_beats_per_group(d, 2560) == 128 && tern_beats_per_group(d, 6912) == 346);
  TERN_CHECK(t, tern_beats_per_group(d, 21) == 2);
  TERN_CHECK(t, tern_beat_bytes(d, TERN_T2) == TERN_T2_BEAT_BYTES);
  TERN_CHECK(t, tern_beat_bytes(d, TERN_T5) == TERN_T5_BEAT_BYTES);
  TERN_CHECK(t, tern_beat_bytes((tern_geom){3, 5}, TERN_T2) == 4);
  TERN_CHECK(t, tern_beat_bytes((tern_geom){3, 5}, TERN_T5) == 3);
  TERN_CHECK(t, tern_beat_bytes(d, (tern_format)2) == 0);
  TERN_CHECK(t, tern_stream_bytes(d, TERN_T2, 2560, 6912) == (size_t)3456 * 128 * 10);
  TERN_CHECK(t, tern_stream_bytes(d, TERN_T5, 2560, 6912) == (size_t)3456 * 128 * 8);
  TERN_CHECK(t, tern_stream_bytes(d, (tern_format)9, 20, 2) == 0);
  TERN_CHECK(t, strcmp(tern_format_name(TERN_T2), "T2") == 0);
  TERN_CHECK(t, strcmp(tern_format_name(TERN_T5), "T5") == 0);
  TERN_CHECK(t, tern_format_name((tern_format)5) == NULL);
  TERN_CHECK(t, TERN_T2 == 0 && TERN_T5 == 1);
  tern_test_end(t);
}

static void test_strerror(tern_test_ctx *t) {
  tern_test_begin(t, "strerror_names_every_status");
  for (int s = TERN_OK; s <= TERN_ERR_NOMEM; s++) {
    const char *m = tern_strerror((tern_status)s);
    TERN_CHECK(t, m != NULL && strcmp(m, "unknown status") != 0);
    for (int u = TERN_OK; u < s; u++) TERN_CHECK(t, strcmp(m, tern_strerror((tern_status)u)) != 0);
  }
  TERN_CHECK(t, strcmp(tern_strerror((tern_status)99), "unknown status") == 0);
  tern_test_end(t);
}

int main(int argc, char **argv) {
  g_seed = tern_test_seed_arg(argc, argv, g_seed);
  static const tern_test_case cases[] = {
      test_t2_hand,      test_t5_example, test_t5_all_243, test_t5_all_256, test_roundtrip, test_every_code_every_slot,
      test_padding_zero, test_code3,      test_errors,     test_geometry,   test_strerror};
  tern_test_ctx t = {0};
  tern_test_run_cases(&t, cases, sizeof cases / sizeof cases[0]);
  return tern_test_exit(&t);
}
