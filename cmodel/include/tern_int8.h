/* SPDX-License-Identifier: Apache-2.0 */
/* The int8 x int8 baseline of the MAC array (rtl/tern_mac_array.v with MAC_KIND = 1): the
 * reference its bench checks against, for the ternary-versus-int8 comparison
 * (docs/ternary-vs-int8.md). Not a device format: the tern device computes ternary weights only.
 *
 * The stream has the order of the ternary streams (docs/formats.md): row group g, then beat s,
 * each beat R x L slots, slot i = r*L + l holding W[g*R + r][s*L + l] as one signed byte (0
 * past K or N). */
#ifndef TERN_INT8_H
#define TERN_INT8_H

#include <stddef.h>
#include <stdint.h>

#include "tern_geom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of one int8 beat (R * L) and of the stream of an N x K matrix. */
size_t tern_int8_beat_bytes(tern_geom g);
size_t tern_int8_stream_bytes(tern_geom g, uint32_t k, uint32_t n);

/* Pack w (N x K, row-major) into out (tern_int8_stream_bytes bytes). */
tern_status tern_int8_pack(tern_geom g, const int8_t *w, uint32_t k, uint32_t n, uint8_t *out);

/* acc[t][n] = sum_{k<K} W[n][k] * x[t][k], by multiplication, from the stream; slots past K or
 * N are masked as the array masks them (their stream contents do not matter). */
tern_status tern_int8_matmul(tern_geom g, const uint8_t *stream, uint32_t k, uint32_t n, uint32_t tokens,
                             const int8_t *x, int32_t *acc);

#ifdef __cplusplus
}
#endif
#endif /* TERN_INT8_H */
