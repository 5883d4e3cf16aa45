/* SPDX-License-Identifier: Apache-2.0 */
/* BitNet b1.58 quantisation (docs/numerics.md). Rounding is nearbyintf under the default
 * rounding mode (round half to even); no function here changes the FP environment. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "tern_quant.h"

tern_status tern_quantize_acts(const float *x, size_t k, int8_t *xq, float *absmax) {
  if (x == NULL || xq == NULL || absmax == NULL || k == 0u) return TERN_ERR_ARG;
  float m = 1e-5f; /* the floor is a max, not an addition */
  for (size_t i = 0; i < k; i++) {
    if (!isfinite(x[i])) return TERN_ERR_NONFINITE;
    float a = fabsf(x[i]);
    if (a > m) m = a;
  }
  const float s = 127.0f / m;
  for (size_t i = 0; i < k; i++) {
    float p = x[i] * s; /* fp32 product */
    float r = nearbyintf(p);
    if (r > 127.0f) r = 127.0f;
    if (r < -128.0f) r = -128.0f;
    xq[i] = (int8_t)r;
  }
  *absmax = m;
  return TERN_OK;
}

tern_status tern_quantize_weights(const float *w, size_t count, int8_t *trits, float *scale) {
  if (w == NULL || trits == NULL || scale == NULL || count == 0u) return TERN_ERR_ARG;
  double sum = 0.0;
  for (size_t i = 0; i < count; i++) {
    if (!isfinite(w[i])) return TERN_ERR_NONFINITE;
    sum += fabs((double)w[i]);
  }
  float g = (float)(sum / (double)count); /* the one rounding to float */
  if (!(g >= 1e-5f)) g = 1e-5f;
  for (size_t i = 0; i < count; i++) {
    float r = nearbyintf(w[i] / g); /* fp32 division */
    if (r > 1.0f) r = 1.0f;
    if (r < -1.0f) r = -1.0f;
    trits[i] = (int8_t)r;
  }
  *scale = g;
  return TERN_OK;
}
