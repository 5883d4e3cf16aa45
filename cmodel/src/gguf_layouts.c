/* SPDX-License-Identifier: Apache-2.0 */
/* Lossless converters between W[n][k] + one fp32 scale and the GGUF tensor layouts I2_S,
 * TQ2_0 and TQ1_0 (docs/formats.md, "Converters from the GGUF layouts"), and fp16 <-> fp32.
 *
 * Decisions beyond tern_pack.h (docs/numerics.md repeats them):
 * - k == 0, n == 0 or a NULL pointer: TERN_ERR_ARG; a shape the layout does not allow:
 *   TERN_ERR_SHAPE.
 * - A scale that is NaN, infinite or negative (-0.0 counts as zero, not negative) is
 *   TERN_ERR_BAD_SCALE. For TQ tensors this holds for every block's d, also all-zero blocks;
 *   *bad_block is that block.
 * - For the TQ readers, *bad_block is always a block index: for TERN_ERR_MIXED_SCALES (the
 *   first non-zero block whose d differs, bit for bit, from the first non-zero block's),
 *   TERN_ERR_BAD_SCALE and TERN_ERR_CODE (TQ2_0 code 3: the block holding it).
 *   For I2_S, *bad_index is the row-major weight index n_row * k + k_col of the first code 3.
 * - The tensor scale of a TQ tensor is the d of its first non-zero block, or of block 0 if
 *   every block is zero.
 * - TQ1_0 qh bytes: the first four digits are decoded with the shift-add loop; the fifth
 *   (least significant) digit is ignored whatever it is, as llama.cpp ignores it.
 * - The I2_S tail bytes 4..31 are not checked by the reader; the writer writes them as 0.
 * - The TQ writers give every block d = scale, all-zero blocks included.
 * - On any error the outputs are unspecified (partly written). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tern_pack.h"

/* ---- fp16 <-> fp32 ----------------------------------------------------------------- */

float tern_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31;
  uint32_t e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
  float f;
  if (e == 0u) {
    f = ldexpf((float)m, -24); /* zero or subnormal: m * 2^-24, exact */
    return sign ? -f : f;
  }
  uint32_t bits;
  if (e == 31u)
    bits = sign | 0x7F800000u | (m << 13); /* inf, or NaN with its payload */
  else
    bits = sign | ((e - 15u + 127u) << 23) | (m << 13);
  memcpy(&f, &bits, sizeof f);
  return f;
}

tern_status tern_float_to_half_exact(float f, uint16_t *h) {
  if (h == NULL) return TERN_ERR_ARG;
  if (isnan(f)) return TERN_ERR_BAD_SCALE;
  uint16_t sign = signbit(f) ? 0x8000u : 0u;
  float a = fabsf(f);
  if (isinf(a)) {
    *h = (uint16_t)(sign | 0x7C00u);
    return TERN_OK;
  }
  if (a == 0.0f) {
    *h = sign;
    return TERN_OK;
  }
  int e = ilogbf(a);
  if (e > 15) return TERN_ERR_BAD_SCALE;
  if (e >= -14) {
    float m = ldexpf(a, 10 - e); /* in [1024, 2048), exact (power-of-two scaling) */
    if (m != floorf(m)) return TERN_ERR_BAD_SCALE;
    *h = (uint16_t)(sign | (uint16_t)((e + 15) << 10) | (uint16_t)((uint32_t)m - 1024u));
    return TERN_OK;
  }
  float m = ldexpf(a, 24); /* subnormal half: a = m * 2^-24 with m in 1..1023 */
  if (m < 1.0f || m != floorf(m)) return TERN_ERR_BAD_SCALE;
  *h = (uint16_t)(sign | (uint16_t)m);
  return TERN_OK;
}

/* ---- shared helpers ------------------------------------------------------------------ */

static int scale_ok(float s) { return !isnan(s) && !isinf(s) && s >= 0.0f; }

static uint8_t enc5(const int8_t *w, int digits) {
  uint32_t v = 0;
  for (int i = 0; i < 5; i++) v = v * 3u + (i < digits ? (uint32_t)(w[i] + 1) : 0u);
  return (uint8_t)((v * 256u + 242u) / 243u);
}

static tern_status tq_shape(uint32_t k, uint32_t n) {
  if (k == 0u || n == 0u) return TERN_ERR_ARG;
  if (k % 256u != 0u) return TERN_ERR_SHAPE;
  return TERN_OK;
}

/* ---- sizes ----------------------------------------------------------------------------- */

size_t tern_i2s_bytes(uint32_t k, uint32_t n) {
  uint64_t c = (uint64_t)k * n;
  if (c == 0u || c % 128u != 0u || c / 4u > SIZE_MAX - 32u) return 0u;
  return (size_t)(c / 4u + 32u);
}

static size_t tq_bytes(uint32_t k, uint32_t n, uint32_t block_bytes) {
  if (tq_shape(k, n) != TERN_OK) return 0u;
  uint64_t blocks = (uint64_t)k * n / 256u;
  if (blocks > SIZE_MAX / block_bytes) return 0u;
  return (size_t)(blocks * block_bytes);
}

size_t tern_tq2_0_bytes(uint32_t k, uint32_t n) { return tq_bytes(k, n, 66u); }
size_t tern_tq1_0_bytes(uint32_t k, uint32_t n) { return tq_bytes(k, n, 54u); }

/* ---- I2_S ---------------------------------------------------------------------------- */

tern_status tern_from_i2s(const uint8_t *blob, uint32_t k, uint32_t n, int8_t *w, float *scale, size_t *bad_index) {
  if (blob == NULL || w == NULL || scale == NULL || k == 0u || n == 0u) return TERN_ERR_ARG;
  if (tern_i2s_bytes(k, n) == 0u) return TERN_ERR_SHAPE;
  const size_t count = (size_t)k * n;
  const uint8_t *tail = blob + count / 4u;
  uint32_t bits = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
                  (uint32_t)tail[3] << 24; /* little-endian, as GGUF */
  float s;
  memcpy(&s, &bits, sizeof s);
  if (!scale_ok(s)) return TERN_ERR_BAD_SCALE;
  for (size_t p = 0; p < count; p++) {
    size_t b = p / 128u, q = p % 128u;
    uint32_t c = (blob[b * 32u + q % 32u] >> (6u - 2u * (uint32_t)(q / 32u))) & 3u;
    if (c == 3u) {
      if (bad_index != NULL) *bad_index = p;
      return TERN_ERR_CODE;
    }
    w[p] = (int8_t)((int)c - 1);
  }
  *scale = s;
  return TERN_OK;
}

tern_status tern_to_i2s(const int8_t *w, uint32_t k, uint32_t n, float scale, uint8_t *blob) {
  if (blob == NULL || w == NULL || k == 0u || n == 0u) return TERN_ERR_ARG;
  if (tern_i2s_bytes(k, n) == 0u) return TERN_ERR_SHAPE;
  if (!scale_ok(scale)) return TERN_ERR_BAD_SCALE;
  const size_t count = (size_t)k * n;
  tern_status st = tern_check_trits(w, count, NULL);
  if (st != TERN_OK) return st;
  memset(blob, 0, count / 4u + 32u);
  for (size_t p = 0; p < count; p++) {
    size_t b = p / 128u, q = p % 128u;
    uint32_t c = (uint32_t)(w[p] + 1);
    blob[b * 32u + q % 32u] |= (uint8_t)(c << (6u - 2u * (uint32_t)(q / 32u)));
  }
  uint32_t bits;
  memcpy(&bits, &scale, sizeof bits);
  for (uint32_t i = 0; i < 4u; i++) blob[count / 4u + i] = (uint8_t)(bits >> (8u * i));
  return TERN_OK;
}

/* ---- TQ2_0 / TQ1_0 ------------------------------------------------------------------- */

/* Decodes one 256-weight block into t[256]. Returns 0, or 1 if a TQ2_0 code 3 was found. */
static int tq2_block_decode(const uint8_t *blk, int8_t *t) {
  int bad = 0;
  for (uint32_t c = 0; c < 2u; c++)
    for (uint32_t nn = 0; nn < 4u; nn++)
      for (uint32_t m = 0; m < 32u; m++) {
        uint32_t code = (blk[32u * c + m] >> (2u * nn)) & 3u;
        if (code == 3u) bad = 1;
        t[128u * c + 32u * nn + m] = (int8_t)((int)code - 1);
      }
  return bad;
}

static int tq1_block_decode(const uint8_t *blk, int8_t *t) {
  int8_t d[5];
  for (uint32_t m = 0; m < 32u; m++) {
    tern_t5_decode(blk[m], d);
    for (uint32_t nn = 0; nn < 5u; nn++) t[32u * nn + m] = d[nn];
  }
  for (uint32_t m = 0; m < 16u; m++) {
    tern_t5_decode(blk[32u + m], d);
    for (uint32_t nn = 0; nn < 5u; nn++) t[160u + 16u * nn + m] = d[nn];
  }
  for (uint32_t j = 0; j < 4u; j++) {
    tern_t5_decode(blk[48u + j], d); /* fifth digit ignored */
    for (uint32_t nn = 0; nn < 4u; nn++) t[240u + j + 4u * nn] = d[nn];
  }
  return 0;
}

static tern_status from_tq(const uint8_t *blob, uint32_t k, uint32_t n, int8_t *w, float *scale, size_t *bad_block,
                           size_t block_bytes, int (*decode)(const uint8_t *, int8_t *)) {
  if (blob == NULL || w == NULL || scale == NULL) return TERN_ERR_ARG;
  tern_status st = tq_shape(k, n);
  if (st != TERN_OK) return st;
  const size_t blocks = (size_t)k * n / 256u;
  int have = 0;
  uint16_t dref = 0;
  for (size_t b = 0; b < blocks; b++) {
    const uint8_t *blk = blob + b * block_bytes;
    uint16_t dh = (uint16_t)(blk[block_bytes - 2u] | (blk[block_bytes - 1u] << 8));
    if (!scale_ok(tern_half_to_float(dh))) {
      if (bad_block != NULL) *bad_block = b;
      return TERN_ERR_BAD_SCALE;
    }
    int8_t *t = w + b * 256u;
    if (decode(blk, t)) {
      if (bad_block != NULL) *bad_block = b;
      return TERN_ERR_CODE;
    }
    int zero = 1;
    for (size_t i = 0; i < 256u; i++)
      if (t[i] != 0) zero = 0;
    if (b == 0u) dref = dh;
    if (zero) continue;
    if (!have) {
      have = 1;
      dref = dh;
    } else if (dh != dref) {
      if (bad_block != NULL) *bad_block = b;
      return TERN_ERR_MIXED_SCALES;
    }
  }
  *scale = tern_half_to_float(dref);
  return TERN_OK;
}

tern_status tern_from_tq2_0(const uint8_t *blob, uint32_t k, uint32_t n, int8_t *w, float *scale, size_t *bad_block) {
  return from_tq(blob, k, n, w, scale, bad_block, 66u, tq2_block_decode);
}

tern_status tern_from_tq1_0(const uint8_t *blob, uint32_t k, uint32_t n, int8_t *w, float *scale, size_t *bad_block) {
  return from_tq(blob, k, n, w, scale, bad_block, 54u, tq1_block_decode);
}

static tern_status to_tq_check(const int8_t *w, uint32_t k, uint32_t n, float scale, const uint8_t *blob,
                               uint16_t *dh) {
  if (blob == NULL || w == NULL) return TERN_ERR_ARG;
  tern_status st = tq_shape(k, n);
  if (st != TERN_OK) return st;
  if (!scale_ok(scale)) return TERN_ERR_BAD_SCALE;
  st = tern_float_to_half_exact(scale, dh);
  if (st != TERN_OK) return st;
  return tern_check_trits(w, (size_t)k * n, NULL);
}

tern_status tern_to_tq2_0(const int8_t *w, uint32_t k, uint32_t n, float scale, uint8_t *blob) {
  uint16_t dh;
  tern_status st = to_tq_check(w, k, n, scale, blob, &dh);
  if (st != TERN_OK) return st;
  const size_t blocks = (size_t)k * n / 256u;
  for (size_t b = 0; b < blocks; b++) {
    uint8_t *blk = blob + b * 66u;
    const int8_t *t = w + b * 256u;
    memset(blk, 0, 64u);
    for (uint32_t c = 0; c < 2u; c++)
      for (uint32_t nn = 0; nn < 4u; nn++)
        for (uint32_t m = 0; m < 32u; m++) {
          uint32_t code = (uint32_t)(t[128u * c + 32u * nn + m] + 1);
          blk[32u * c + m] = (uint8_t)(blk[32u * c + m] | (code << (2u * nn)));
        }
    blk[64] = (uint8_t)(dh & 0xFFu);
    blk[65] = (uint8_t)(dh >> 8);
  }
  return TERN_OK;
}

tern_status tern_to_tq1_0(const int8_t *w, uint32_t k, uint32_t n, float scale, uint8_t *blob) {
  uint16_t dh;
  tern_status st = to_tq_check(w, k, n, scale, blob, &dh);
  if (st != TERN_OK) return st;
  const size_t blocks = (size_t)k * n / 256u;
  for (size_t b = 0; b < blocks; b++) {
    uint8_t *blk = blob + b * 54u;
    const int8_t *t = w + b * 256u;
    int8_t d[5];
    for (uint32_t m = 0; m < 32u; m++) {
      for (uint32_t nn = 0; nn < 5u; nn++) d[nn] = t[32u * nn + m];
      blk[m] = enc5(d, 5);
    }
    for (uint32_t m = 0; m < 16u; m++) {
      for (uint32_t nn = 0; nn < 5u; nn++) d[nn] = t[160u + 16u * nn + m];
      blk[32u + m] = enc5(d, 5);
    }
    for (uint32_t j = 0; j < 4u; j++) {
      for (uint32_t nn = 0; nn < 4u; nn++) d[nn] = t[240u + j + 4u * nn];
      blk[48u + j] = enc5(d, 4); /* fifth digit 0: shifted up one trit */
    }
    blk[52] = (uint8_t)(dh & 0xFFu);
    blk[53] = (uint8_t)(dh >> 8);
  }
  return TERN_OK;
}
