/* SPDX-License-Identifier: Apache-2.0 */
/* BitNet b1.58 quantisation, bit-exact as docs/numerics.md defines it. */
#ifndef TERN_QUANT_H
#define TERN_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "tern_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-token activation quantisation of x[0..k): m = max(max_i |x_i|, 1e-5f),
 * s = 127.0f / m, xq_i = clamp(round_half_even(x_i * s), -128, 127), all in fp32.
 * *absmax receives m (what the epilogue needs). TERN_ERR_NONFINITE if any x_i is NaN/Inf
 * (xq is then left unchanged). */
tern_status tern_quantize_acts(const float *x, size_t k, int8_t *xq, float *absmax);

/* Per-tensor absmean weight ternarisation: g = max(mean |w|, 1e-5f) (mean accumulated in
 * double, rounded once to float), w_i -> clamp(round_half_even(w_i / g), -1, 1); *scale = g. */
tern_status tern_quantize_weights(const float *w, size_t count, int8_t *trits, float *scale);

#ifdef __cplusplus
}
#endif
#endif /* TERN_QUANT_H */
