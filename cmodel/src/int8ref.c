/* SPDX-License-Identifier: Apache-2.0 */
/* The int8 x int8 baseline's reference (tern_int8.h): plain multiplication, int32 sums (no
 * legal job comes near the int32 range: |sum| <= 16384 * K_MAX < 2^30). */
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "tern_int8.h"

size_t tern_int8_beat_bytes(tern_geom g) {
  if (tern_geom_check(g) != TERN_OK) return 0u;
  return (size_t)g.rows * g.lanes;
}

size_t tern_int8_stream_bytes(tern_geom g, uint32_t k, uint32_t n) {
  if (tern_geom_check(g) != TERN_OK || k < 1u || k > TERN_K_MAX || n < 1u || n > TERN_N_MAX) return 0u;
  return (size_t)tern_groups(g, n) * tern_beats_per_group(g, k) * tern_int8_beat_bytes(g);
}

static tern_status int8_args(tern_geom g, uint32_t k, uint32_t n) {
  return tern_int8_stream_bytes(g, k, n) == 0u ? TERN_ERR_ARG : TERN_OK;
}

tern_status tern_int8_pack(tern_geom g, const int8_t *w, uint32_t k, uint32_t n, uint8_t *out) {
  tern_status st = int8_args(g, k, n);
  if (st != TERN_OK) return st;
  if (w == NULL || out == NULL) return TERN_ERR_ARG;
  const uint32_t groups = tern_groups(g, n), beats = tern_beats_per_group(g, k);
  uint8_t *beat = out;
  for (uint32_t gi = 0; gi < groups; gi++)
    for (uint32_t s = 0; s < beats; s++, beat += tern_int8_beat_bytes(g))
      for (uint32_t r = 0; r < g.rows; r++)
        for (uint32_t l = 0; l < g.lanes; l++) {
          const uint32_t row = gi * g.rows + r, col = s * g.lanes + l;
          beat[(size_t)r * g.lanes + l] = (row < n && col < k) ? (uint8_t)w[(size_t)row * k + col] : 0u;
        }
  return TERN_OK;
}

tern_status tern_int8_matmul(tern_geom g, const uint8_t *stream, uint32_t k, uint32_t n, uint32_t tokens,
                             const int8_t *x, int32_t *acc) {
  tern_status st = int8_args(g, k, n);
  if (st != TERN_OK) return st;
  if (stream == NULL || x == NULL || acc == NULL || tokens == 0u) return TERN_ERR_ARG;
  const uint32_t beats = tern_beats_per_group(g, k);
  const size_t bb = tern_int8_beat_bytes(g);
  for (uint32_t t = 0; t < tokens; t++)
    for (uint32_t row = 0; row < n; row++) {
      const uint32_t gi = row / g.rows, r = row % g.rows;
      int32_t sum = 0;
      for (uint32_t col = 0; col < k; col++) {
        const uint8_t *beat = stream + ((size_t)gi * beats + col / g.lanes) * bb;
        const int8_t w = (int8_t)beat[(size_t)r * g.lanes + col % g.lanes];
        sum += (int32_t)w * x[(size_t)t * k + col];
      }
      acc[(size_t)t * n + row] = sum;
    }
  return TERN_OK;
}
