/* SPDX-License-Identifier: Apache-2.0 */
/* Packing a ternary matrix into the device stream formats T2 and T5 (docs/formats.md), and
 * lossless converters from and to the GGUF layouts I2_S, TQ2_0 and TQ1_0.
 *
 * A trit matrix is int8_t W[n][k] (row-major, N rows of K), every value -1, 0 or +1. */
#ifndef TERN_PACK_H
#define TERN_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "tern_geom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* T5 byte of five weights w[0..4] (w[0] the most significant digit): ceil(v*256/243). */
uint8_t tern_t5_encode(const int8_t w[5]);
/* The five weights of any byte 0..255, by the shift-add decode of docs/formats.md. */
void tern_t5_decode(uint8_t q, int8_t w[5]);

/* Pack W[n][k] into out (tern_stream_bytes() bytes), padding with 0 weights.
 * TERN_ERR_NOT_TERNARY names no position; use tern_check_trits() first for that. */
tern_status tern_pack(tern_geom g, tern_format fmt, const int8_t *w, uint32_t k, uint32_t n, uint8_t *out);

/* Unpack a stream into W[n][k]. Padding slots are ignored. A T2 code 3 in a used slot gives
 * TERN_ERR_CODE (and *bad_index = n_row * k + k_col of the first one, if bad_index != NULL). */
tern_status tern_unpack(tern_geom g, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n, int8_t *w,
                        size_t *bad_index);

/* TERN_OK if all count values are -1, 0 or +1; else the index of the first other one. */
tern_status tern_check_trits(const int8_t *w, size_t count, size_t *bad_index);

/* Byte sizes of a whole N x K tensor in the GGUF layouts (0 if the shape is not allowed). */
size_t tern_i2s_bytes(uint32_t k, uint32_t n);   /* N*K/4 + 32; needs N*K % 128 == 0 */
size_t tern_tq2_0_bytes(uint32_t k, uint32_t n); /* N*K/256 * 66; needs K % 256 == 0 */
size_t tern_tq1_0_bytes(uint32_t k, uint32_t n); /* N*K/256 * 54; needs K % 256 == 0 */

/* GGUF blob -> W[n][k] and the tensor's fp32 scale. For TQ*, blocks with all-zero weights may
 * carry any scale; others must share one (TERN_ERR_MIXED_SCALES, *bad_block = its index).
 * bad_index/bad_block may be NULL. */
tern_status tern_from_i2s(const uint8_t *blob, uint32_t k, uint32_t n, int8_t *w, float *scale, size_t *bad_index);
tern_status tern_from_tq2_0(const uint8_t *blob, uint32_t k, uint32_t n, int8_t *w, float *scale, size_t *bad_block);
tern_status tern_from_tq1_0(const uint8_t *blob, uint32_t k, uint32_t n, int8_t *w, float *scale, size_t *bad_block);

/* W[n][k] and a scale -> GGUF blob (the sizes above). The TQ writers need a scale that is
 * exactly representable in fp16 (TERN_ERR_BAD_SCALE otherwise), so the round trip is exact. */
tern_status tern_to_i2s(const int8_t *w, uint32_t k, uint32_t n, float scale, uint8_t *blob);
tern_status tern_to_tq2_0(const int8_t *w, uint32_t k, uint32_t n, float scale, uint8_t *blob);
tern_status tern_to_tq1_0(const int8_t *w, uint32_t k, uint32_t n, float scale, uint8_t *blob);

/* IEEE half <-> float, exact for every half value (used by the TQ converters). */
float tern_half_to_float(uint16_t h);
/* TERN_OK and *h if f is exactly representable as a half, else TERN_ERR_BAD_SCALE. */
tern_status tern_float_to_half_exact(float f, uint16_t *h);

#ifdef __cplusplus
}
#endif
#endif /* TERN_PACK_H */
