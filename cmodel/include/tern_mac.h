/* SPDX-License-Identifier: Apache-2.0 */
/* The golden model of the MAC array: int8 activations x ternary weights -> int32, computed
 * from the packed stream exactly as the RTL does (decode, select +x / -x / 0, add), with no
 * multiplication, and the fp32 epilogue. */
#ifndef TERN_MAC_H
#define TERN_MAC_H

#include <stddef.h>
#include <stdint.h>

#include "tern_geom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* acc[n] = sum_{k<K} W[n][k] * x[k] for the stream of an N x K matrix. Slots beyond K or N are
 * masked as the RTL masks them (their stream contents do not matter); T2 code 3 counts as 0. */
tern_status tern_matvec(tern_geom g, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n, const int8_t *x,
                        int32_t *acc);

/* T tokens: acc[t][n] for x[t][k], t < tokens (the same weights for every token). */
tern_status tern_matmul(tern_geom g, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n, uint32_t tokens,
                        const int8_t *x, int32_t *acc);

/* One beat as the array sees it: R x L slot weights from beat bytes, lanes_valid (<= L) and
 * rows_valid (<= R) masking; sums[r] = sum over valid lanes of w[r][l] * x[l]. */
void tern_beat_dot(tern_geom g, tern_format fmt, const uint8_t *beat, const int8_t *x_lanes, uint32_t lanes_valid,
                   uint32_t rows_valid, int32_t *sums);

/* The BitLinear epilogue, fp32, in this order: f = absmax / 127.0f;
 * y[i] = ((float)acc[i] * f) * w_scale. (Compiled without FP contraction.) */
void tern_epilogue(const int32_t *acc, size_t n, float absmax, float w_scale, float *y);

#ifdef __cplusplus
}
#endif
#endif /* TERN_MAC_H */
