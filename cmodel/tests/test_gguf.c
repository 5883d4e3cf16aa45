/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the GGUF layout converters (I2_S, TQ2_0, TQ1_0) and fp16 <-> fp32. Expected
 * bytes are written by hand from the layout rules in docs/formats.md: independent of any writer
 * on purpose (and no GGUF file is written here; the driver's writer is tern_gguf_write.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_pack.h"
#include "tern_test.h"

static uint64_t g_seed = 31337u;

/* Independent T5-style byte: ceil(v * 256 / 243) of five digits 0..2. */
static uint8_t canon5(const uint32_t d[5]) {
  uint32_t v = (((d[0] * 3 + d[1]) * 3 + d[2]) * 3 + d[3]) * 3 + d[4];
  uint32_t num = v * 256;
  return (uint8_t)(num / 243 + (num % 243 ? 1 : 0));
}

/* Digit n of a scaled base-3 byte, the llama.cpp way: (uint8)(q * 3^n) * 3 >> 8. */
static int digit(uint8_t q, int n) {
  static const uint32_t pow3[5] = {1, 3, 9, 27, 81};
  uint8_t m = (uint8_t)(q * pow3[n]);
  return (int)(((uint32_t)m * 3) >> 8);
}

static float rand_half_scale(uint64_t *st) { /* positive, exactly representable in fp16 */
  return ldexpf((float)tern_rand_range(st, 1024, 2047), (int)tern_rand_range(st, -24, 4));
}

/* ---- I2_S ---- */

static void test_i2s_hand(tern_test_ctx *t) {
  tern_test_begin(t, "i2s_hand_block");
  int8_t w[128];
  for (int p = 0; p < 128; p++) w[p] = p < 32 ? 1 : p < 64 ? 0 : p < 96 ? -1 : 1;
  w[5] = -1, w[32 + 7] = 1, w[127] = 0;
  uint8_t want[64];
  /* byte m: bits 7:6 weight m, 5:4 weight 32+m, 3:2 weight 64+m, 1:0 weight 96+m */
  for (int m = 0; m < 32; m++) want[m] = 0x92; /* 10 01 00 10 */
  want[5] = 0x12;                              /* 00 01 00 10 */
  want[7] = 0xA2;                              /* 10 10 00 10 */
  want[31] = 0x91;                             /* 10 01 00 01 */
  memset(want + 32, 0, 32);
  want[32 + 3] = 0x3F; /* 0.5f = 0x3F000000, little-endian */
  uint8_t blob[64];
  memset(blob, 0xEE, sizeof blob);
  TERN_CHECK(t, tern_i2s_bytes(128, 1) == 64);
  TERN_CHECK(t, tern_to_i2s(w, 128, 1, 0.5f, blob) == TERN_OK);
  TERN_CHECK(t, memcmp(blob, want, 64) == 0);
  int8_t back[128];
  float s = 0;
  TERN_CHECK(t, tern_from_i2s(want, 128, 1, back, &s, NULL) == TERN_OK);
  TERN_CHECK(t, s == 0.5f && memcmp(back, w, 128) == 0);
  tern_test_end(t);
}

static void test_i2s_roundtrip(tern_test_ctx *t) {
  tern_test_begin(t, "i2s_roundtrip_value_and_byte_exact");
  uint64_t st = g_seed ^ 0x125u;
  const uint32_t shapes[][2] = {{128, 1}, {64, 2}, {32, 12}, {2560, 3}, {1, 128}, {384, 5}};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    uint32_t k = shapes[i][0], n = shapes[i][1];
    size_t cnt = (size_t)k * n, bytes = tern_i2s_bytes(k, n);
    TERN_CHECK(t, bytes == cnt / 4 + 32);
    int8_t *w = malloc(cnt), *back = malloc(cnt);
    uint8_t *b1 = malloc(bytes), *b2 = malloc(bytes);
    for (size_t p = 0; p < cnt; p++) w[p] = (int8_t)tern_rand_range(&st, -1, 1);
    float sc = (float)tern_rand_range(&st, 1, 1 << 24) / 7e6f, s2 = -1;
    TERN_CHECK(t, tern_to_i2s(w, k, n, sc, b1) == TERN_OK);
    TERN_CHECK(t, tern_from_i2s(b1, k, n, back, &s2, NULL) == TERN_OK);
    TERN_CHECK(t, s2 == sc && memcmp(back, w, cnt) == 0);
    /* a canonical blob made directly: random codes 0..2, scale, zero tail */
    for (size_t p = 0; p < cnt / 4; p++) {
      uint8_t v = 0;
      for (int j = 0; j < 4; j++) v = (uint8_t)(v << 2 | tern_rand_range(&st, 0, 2));
      b1[p] = v;
    }
    memset(b1 + cnt / 4, 0, 32);
    memcpy(b1 + cnt / 4, &sc, 4); /* little-endian host */
    TERN_CHECK(t, tern_from_i2s(b1, k, n, back, &s2, NULL) == TERN_OK);
    TERN_CHECK(t, tern_to_i2s(back, k, n, s2, b2) == TERN_OK);
    TERN_CHECK(t, memcmp(b1, b2, bytes) == 0);
    free(w), free(back), free(b1), free(b2);
  }
  tern_test_end(t);
}

static void test_i2s_errors(tern_test_ctx *t) {
  tern_test_begin(t, "i2s_errors");
  int8_t w[256] = {0};
  uint8_t blob[96];
  float s;
  size_t bad = 0;
  TERN_CHECK(t, tern_to_i2s(w, 256, 1, 1.0f, blob) == TERN_OK);
  blob[40] |= 0x0C; /* block 1, byte 8, shift 2: weight 128 + 64 + 8 */
  blob[41] |= 0x30; /* block 1, byte 9, shift 4: weight 128 + 32 + 9 (first in order) */
  TERN_CHECK(t, tern_from_i2s(blob, 256, 1, w, &s, &bad) == TERN_ERR_CODE && bad == 169);
  TERN_CHECK(t, tern_from_i2s(blob, 256, 1, w, &s, NULL) == TERN_ERR_CODE);
  memset(w, 0, sizeof w);
  const float bads[3] = {-1.0f, NAN, INFINITY};
  for (int i = 0; i < 3; i++) {
    TERN_CHECK(t, tern_to_i2s(w, 256, 1, bads[i], blob) == TERN_ERR_BAD_SCALE);
    tern_to_i2s(w, 256, 1, 1.0f, blob);
    memcpy(blob + 64, &bads[i], 4);
    TERN_CHECK(t, tern_from_i2s(blob, 256, 1, w, &s, &bad) == TERN_ERR_BAD_SCALE);
  }
  TERN_CHECK(t, tern_i2s_bytes(100, 1) == 0 && tern_i2s_bytes(0, 128) == 0);
  TERN_CHECK(t, tern_i2s_bytes(100, 32) == 100 * 32 / 4 + 32);
  TERN_CHECK(t, tern_to_i2s(w, 100, 1, 1.0f, blob) == TERN_ERR_SHAPE);
  TERN_CHECK(t, tern_from_i2s(blob, 100, 1, w, &s, NULL) == TERN_ERR_SHAPE);
  TERN_CHECK(t, tern_to_i2s(w, 0, 1, 1.0f, blob) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_from_i2s(blob, 128, 0, w, &s, NULL) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_from_i2s(NULL, 128, 1, w, &s, NULL) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_from_i2s(blob, 128, 1, w, NULL, NULL) == TERN_ERR_ARG);
  w[3] = 2;
  TERN_CHECK(t, tern_to_i2s(w, 128, 1, 1.0f, blob) == TERN_ERR_NOT_TERNARY);
  tern_test_end(t);
}

/* ---- TQ2_0 / TQ1_0 ---- */

static void test_tq2_hand(tern_test_ctx *t) {
  tern_test_begin(t, "tq2_0_hand_block");
  int8_t w[256];
  for (int i = 0; i < 128; i++) {
    int n = (i / 32) % 4;
    w[i] = n == 0 ? 1 : n == 2 ? -1 : 0;
  }
  for (int i = 128; i < 256; i++) w[i] = -1;
  w[128 + 96 + 5] = 1;
  uint8_t want[66];
  for (int m = 0; m < 32; m++) want[m] = 0x46; /* codes 2,1,0,1 at bits 1:0,3:2,5:4,7:6 */
  for (int m = 32; m < 64; m++) want[m] = 0x00;
  want[32 + 5] = 0x80;              /* code 2 at bits 7:6 */
  want[64] = 0x00, want[65] = 0x38; /* fp16 0.5 = 0x3800 */
  uint8_t blob[66];
  TERN_CHECK(t, tern_tq2_0_bytes(256, 1) == 66);
  TERN_CHECK(t, tern_to_tq2_0(w, 256, 1, 0.5f, blob) == TERN_OK);
  TERN_CHECK(t, memcmp(blob, want, 66) == 0);
  int8_t back[256];
  float s = 0;
  TERN_CHECK(t, tern_from_tq2_0(want, 256, 1, back, &s, NULL) == TERN_OK);
  TERN_CHECK(t, s == 0.5f && memcmp(back, w, 256) == 0);
  tern_test_end(t);
}

static void test_tq1_hand(tern_test_ctx *t) {
  tern_test_begin(t, "tq1_0_hand_block");
  int8_t w[256] = {0};
  w[0] = 1, w[32] = 0, w[64] = -1, w[96] = -1, w[128] = 1; /* qs[0] = 0xCA */
  for (int n = 0; n < 5; n++) w[160 + 16 * n + 3] = 1;     /* qs[35]: v = 242 -> 0xFF */
  for (int n = 0; n < 4; n++) w[240 + 2 + 4 * n] = -1;     /* qh[2]: digits 0000(0) -> 0x00 */
  w[241] = 1, w[245] = -1, w[249] = 0, w[253] = 1;         /* qh[1]: 2,0,1,2,(0): v = 177 */
  uint8_t want[54];
  memset(want, 0x80, 48);     /* all-zero digits 1,1,1,1,1: v = 121 -> ceil(30976/243) = 128 */
  memset(want + 48, 0x7F, 4); /* 1,1,1,1,0: v = 120 -> ceil(30720/243) = 127 */
  want[0] = 0xCA;
  want[35] = 0xFF;
  want[50] = 0x00;
  want[49] = 0xBB;                  /* ceil(177 * 256 / 243) = ceil(186.47) = 187 */
  want[52] = 0x00, want[53] = 0x3C; /* fp16 1.0 */
  uint8_t blob[54];
  TERN_CHECK(t, tern_tq1_0_bytes(256, 1) == 54);
  TERN_CHECK(t, tern_to_tq1_0(w, 256, 1, 1.0f, blob) == TERN_OK);
  TERN_CHECK(t, memcmp(blob, want, 54) == 0);
  int8_t back[256];
  float s = 0;
  TERN_CHECK(t, tern_from_tq1_0(want, 256, 1, back, &s, NULL) == TERN_OK);
  TERN_CHECK(t, s == 1.0f && memcmp(back, w, 256) == 0);
  tern_test_end(t);
}

/* A random canonical TQ blob with scale d (fp16 bits) in every block. */
static void make_canonical_tq(uint64_t *st, int tq1, uint8_t *blob, size_t blocks, uint16_t d) {
  size_t bs = tq1 ? 54 : 66;
  for (size_t b = 0; b < blocks; b++) {
    uint8_t *p = blob + b * bs;
    if (tq1) {
      for (int j = 0; j < 52; j++) {
        uint32_t dg[5];
        for (int n = 0; n < 5; n++) dg[n] = (uint32_t)tern_rand_range(st, 0, 2);
        if (j >= 48) dg[4] = 0;
        p[j] = canon5(dg);
      }
    } else {
      for (int j = 0; j < 64; j++) {
        uint8_t v = 0;
        for (int n = 0; n < 4; n++) v = (uint8_t)(v << 2 | tern_rand_range(st, 0, 2));
        p[j] = v;
      }
    }
    p[bs - 2] = (uint8_t)(d & 0xFF), p[bs - 1] = (uint8_t)(d >> 8);
  }
}

typedef tern_status (*from_fn)(const uint8_t *, uint32_t, uint32_t, int8_t *, float *, size_t *);
typedef tern_status (*to_fn)(const int8_t *, uint32_t, uint32_t, float, uint8_t *);

static void test_tq_roundtrip(tern_test_ctx *t) {
  tern_test_begin(t, "tq_roundtrip_value_and_byte_exact");
  uint64_t st = g_seed ^ 0x7a0u;
  const uint32_t shapes[][2] = {{256, 1}, {256, 3}, {512, 2}, {2560, 2}};
  for (int tq1 = 0; tq1 < 2; tq1++)
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
      from_fn from = tq1 ? tern_from_tq1_0 : tern_from_tq2_0;
      to_fn to = tq1 ? tern_to_tq1_0 : tern_to_tq2_0;
      uint32_t k = shapes[i][0], n = shapes[i][1];
      size_t cnt = (size_t)k * n, blocks = cnt / 256, bs = tq1 ? 54 : 66;
      size_t bytes = tq1 ? tern_tq1_0_bytes(k, n) : tern_tq2_0_bytes(k, n);
      TERN_CHECK(t, bytes == blocks * bs);
      int8_t *w = malloc(cnt), *back = malloc(cnt);
      uint8_t *b1 = malloc(bytes), *b2 = malloc(bytes);
      for (size_t p = 0; p < cnt; p++) w[p] = (int8_t)tern_rand_range(&st, -1, 1);
      float sc = rand_half_scale(&st), s2 = -1;
      TERN_CHECK(t, to(w, k, n, sc, b1) == TERN_OK);
      TERN_CHECK(t, from(b1, k, n, back, &s2, NULL) == TERN_OK);
      TERN_CHECK(t, s2 == sc && memcmp(back, w, cnt) == 0);
      uint16_t dh;
      TERN_CHECK(t, tern_float_to_half_exact(sc, &dh) == TERN_OK);
      make_canonical_tq(&st, tq1, b1, blocks, dh);
      TERN_CHECK(t, from(b1, k, n, back, &s2, NULL) == TERN_OK && s2 == sc);
      TERN_CHECK(t, to(back, k, n, s2, b2) == TERN_OK);
      if (memcmp(b1, b2, bytes) != 0)
        tern_test_fail(t, "%s k=%u n=%u not byte-exact seed=%llu", tq1 ? "TQ1_0" : "TQ2_0", k, n,
                       (unsigned long long)g_seed);
      free(w), free(back), free(b1), free(b2);
    }
  tern_test_end(t);
}

static void set_d(uint8_t *blob, int tq1, size_t b, uint16_t d) {
  size_t bs = tq1 ? 54 : 66;
  blob[b * bs + bs - 2] = (uint8_t)(d & 0xFF);
  blob[b * bs + bs - 1] = (uint8_t)(d >> 8);
}

static void test_tq_scales(tern_test_ctx *t) {
  tern_test_begin(t, "tq_mixed_scales_and_zero_blocks");
  for (int tq1 = 0; tq1 < 2; tq1++) {
    from_fn from = tq1 ? tern_from_tq1_0 : tern_from_tq2_0;
    to_fn to = tq1 ? tern_to_tq1_0 : tern_to_tq2_0;
    const uint32_t k = 256, n = 4; /* 4 blocks */
    int8_t w[1024], back[1024];
    uint8_t b1[4 * 66], b2[4 * 66];
    size_t bytes = tq1 ? tern_tq1_0_bytes(k, n) : tern_tq2_0_bytes(k, n);
    for (int i = 0; i < 1024; i++) w[i] = (int8_t)((i * 7) % 3 - 1);
    memset(w, 0, 256);                                /* block 0 all zero */
    memset(w + 512, 0, 256);                          /* block 2 all zero */
    TERN_CHECK(t, to(w, k, n, 0.25f, b1) == TERN_OK); /* 0.25 = 0x3400 */
    set_d(b1, tq1, 0, 0x0000);                        /* zero block with d = 0 */
    set_d(b1, tq1, 2, 0x5555);                        /* zero block with another d */
    float s = 0;
    size_t bad = 99;
    TERN_CHECK(t, from(b1, k, n, back, &s, &bad) == TERN_OK);
    TERN_CHECK(t, s == 0.25f && memcmp(back, w, 1024) == 0);
    TERN_CHECK(t, to(back, k, n, s, b2) == TERN_OK);
    set_d(b1, tq1, 0, 0x3400), set_d(b1, tq1, 2, 0x3400); /* written back with d = scale */
    TERN_CHECK(t, memcmp(b1, b2, bytes) == 0);
    /* a non-zero block with another d: refused, naming it */
    set_d(b1, tq1, 3, 0x3401);
    TERN_CHECK(t, from(b1, k, n, back, &s, &bad) == TERN_ERR_MIXED_SCALES && bad == 3);
    set_d(b1, tq1, 3, 0x3400), set_d(b1, tq1, 1, 0x0000);
    TERN_CHECK(t, from(b1, k, n, back, &s, &bad) == TERN_ERR_MIXED_SCALES && bad == 3);
    TERN_CHECK(t, from(b1, k, n, back, &s, NULL) == TERN_ERR_MIXED_SCALES);
    /* bad d in any block, zero blocks included */
    const uint16_t bads[3] = {0xBC00, 0x7E00, 0x7C00}; /* -1, NaN, +inf */
    for (int i = 0; i < 3; i++) {
      to(w, k, n, 0.25f, b1);
      set_d(b1, tq1, 2, bads[i]);
      TERN_CHECK(t, from(b1, k, n, back, &s, &bad) == TERN_ERR_BAD_SCALE && bad == 2);
    }
    /* all-zero tensor: the scale is block 0's d */
    memset(w, 0, sizeof w);
    to(w, k, n, 2.0f, b1);
    set_d(b1, tq1, 0, 0x3800), set_d(b1, tq1, 1, 0x0000);
    TERN_CHECK(t, from(b1, k, n, back, &s, &bad) == TERN_OK && s == 0.5f);
    /* writers */
    TERN_CHECK(t, to(w, k, n, 0.1f, b1) == TERN_ERR_BAD_SCALE); /* not an fp16 value */
    TERN_CHECK(t, to(w, k, n, -0.5f, b1) == TERN_ERR_BAD_SCALE);
    TERN_CHECK(t, to(w, k, n, NAN, b1) == TERN_ERR_BAD_SCALE);
    TERN_CHECK(t, to(w, k, n, INFINITY, b1) == TERN_ERR_BAD_SCALE);
    TERN_CHECK(t, to(w, k, n, 65504.0f, b1) == TERN_OK);
    TERN_CHECK(t, to(w, k, n, 0x1p-24f, b1) == TERN_OK);
    w[1000] = -3;
    TERN_CHECK(t, to(w, k, n, 1.0f, b1) == TERN_ERR_NOT_TERNARY);
  }
  tern_test_end(t);
}

static void test_tq2_code3_and_shapes(tern_test_ctx *t) {
  tern_test_begin(t, "tq_code3_and_shapes");
  int8_t w[768] = {0};
  uint8_t blob[3 * 66];
  float s;
  size_t bad = 0;
  TERN_CHECK(t, tern_to_tq2_0(w, 256, 3, 1.0f, blob) == TERN_OK);
  blob[66 + 17] |= 0x30; /* block 1 */
  blob[2 * 66 + 3] |= 0x03;
  TERN_CHECK(t, tern_from_tq2_0(blob, 256, 3, w, &s, &bad) == TERN_ERR_CODE && bad == 1);
  /* shapes: K must be a multiple of 256 even when N*K is */
  TERN_CHECK(t, tern_tq2_0_bytes(128, 2) == 0 && tern_tq1_0_bytes(128, 2) == 0);
  TERN_CHECK(t, tern_tq2_0_bytes(0, 2) == 0 && tern_tq1_0_bytes(256, 0) == 0);
  TERN_CHECK(t, tern_tq2_0_bytes(6912, 2560) == (size_t)6912 * 2560 / 256 * 66);
  TERN_CHECK(t, tern_tq1_0_bytes(2560, 6912) == (size_t)6912 * 2560 / 256 * 54);
  TERN_CHECK(t, tern_from_tq2_0(blob, 128, 2, w, &s, NULL) == TERN_ERR_SHAPE);
  TERN_CHECK(t, tern_from_tq1_0(blob, 128, 2, w, &s, NULL) == TERN_ERR_SHAPE);
  TERN_CHECK(t, tern_to_tq2_0(w, 300, 1, 1.0f, blob) == TERN_ERR_SHAPE);
  TERN_CHECK(t, tern_to_tq1_0(w, 300, 1, 1.0f, blob) == TERN_ERR_SHAPE);
  TERN_CHECK(t, tern_from_tq1_0(blob, 0, 2, w, &s, NULL) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_to_tq1_0(NULL, 256, 1, 1.0f, blob) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_from_tq2_0(blob, 256, 1, w, NULL, NULL) == TERN_ERR_ARG);
  tern_test_end(t);
}

static void test_tq1_any_byte(tern_test_ctx *t) {
  tern_test_begin(t, "tq1_0_any_byte_decodes_qh_fifth_digit_ignored");
  uint8_t blob[54];
  int8_t w[256];
  float s;
  for (int q = 0; q < 256; q++) {
    memset(blob, 0x80, 48);
    memset(blob + 48, 0x7F, 4);
    blob[52] = 0x00, blob[53] = 0x3C;
    blob[7] = (uint8_t)q;      /* weights 32n + 7 */
    blob[32 + 9] = (uint8_t)q; /* weights 160 + 16n + 9 */
    blob[48 + 3] = (uint8_t)q; /* weights 243 + 4n, n < 4; digit 4 ignored */
    if (tern_from_tq1_0(blob, 256, 1, w, &s, NULL) != TERN_OK) {
      tern_test_fail(t, "byte %d refused", q);
      continue;
    }
    for (int n = 0; n < 5; n++) {
      if (w[32 * n + 7] != digit((uint8_t)q, n) - 1) tern_test_fail(t, "qs byte %d digit %d", q, n);
      if (w[160 + 16 * n + 9] != digit((uint8_t)q, n) - 1) tern_test_fail(t, "qs[41] byte %d digit %d", q, n);
      if (n < 4 && w[243 + 4 * n] != digit((uint8_t)q, n) - 1) tern_test_fail(t, "qh byte %d digit %d", q, n);
    }
  }
  /* qh with fifth digit 2 (v = 122 -> 129): same weights as the canonical 0x7F */
  memset(blob, 0x80, 48);
  memset(blob + 48, 0x7F, 4);
  blob[48] = 129;
  TERN_CHECK(t, tern_from_tq1_0(blob, 256, 1, w, &s, NULL) == TERN_OK);
  for (int i = 0; i < 256; i++) TERN_CHECK(t, w[i] == 0);
  tern_test_end(t);
}

/* ---- fp16 ---- */

static void test_half(tern_test_ctx *t) {
  tern_test_begin(t, "half_float_all_65536");
  for (uint32_t h = 0; h < 65536; h++) {
    uint32_t e = (h >> 10) & 31, m = h & 1023;
    int neg = (h >> 15) != 0;
    float f = tern_half_to_float((uint16_t)h);
    uint16_t back = 0;
    tern_status st = tern_float_to_half_exact(f, &back);
    if (e == 31 && m != 0) {
      if (!isnan(f) || st != TERN_ERR_BAD_SCALE) tern_test_fail(t, "NaN %04x", h);
      continue;
    }
    double want = e == 31 ? INFINITY : e == 0 ? ldexp((double)m, -24) : ldexp(1024.0 + m, (int)e - 25);
    if (neg) want = -want;
    if ((double)f != want || (signbit(f) != 0) != neg) tern_test_fail(t, "half %04x -> %a want %a", h, (double)f, want);
    if (st != TERN_OK || back != h) tern_test_fail(t, "half %04x back %04x st %d", h, back, st);
  }
  uint16_t h;
  const float nonrep[] = {0.1f, 65520.0f, 1e-8f, 0x1p-25f, 0x1.002p0f, 3.0e38f, 0x1.8p-24f};
  for (size_t i = 0; i < sizeof nonrep / sizeof nonrep[0]; i++)
    if (tern_float_to_half_exact(nonrep[i], &h) != TERN_ERR_BAD_SCALE)
      tern_test_fail(t, "%a accepted as half", (double)nonrep[i]);
  TERN_CHECK(t, tern_float_to_half_exact(1.0f, NULL) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_float_to_half_exact(0x1.ffcp15f, &h) == TERN_OK && h == 0x7BFF);
  tern_test_end(t);
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--seed") == 0) g_seed = strtoull(argv[i + 1], NULL, 0);
  tern_test_ctx t = {0};
  test_i2s_hand(&t);
  test_i2s_roundtrip(&t);
  test_i2s_errors(&t);
  test_tq2_hand(&t);
  test_tq1_hand(&t);
  test_tq_roundtrip(&t);
  test_tq_scales(&t);
  test_tq2_code3_and_shapes(&t);
  test_tq1_any_byte(&t);
  test_half(&t);
  return tern_test_exit(&t);
}
