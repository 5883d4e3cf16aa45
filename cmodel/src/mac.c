/* SPDX-License-Identifier: Apache-2.0 */
/* The MAC array's arithmetic, from the packed stream, as rtl/tern_mac_array.v does it: every
 * weight is decoded from its code and selects +x, -x or 0, which is added into a 32-bit
 * accumulator (two's complement, wrapping like the register; no legal job wraps,
 * docs/numerics.md). There is no multiplication of a weight by an activation here. */
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "tern_mac.h"

/* One lane: the select of S1. a is the running 32-bit sum as a bit pattern. */
static uint32_t select_add(uint32_t a, int8_t w, int8_t x) {
  uint32_t xv = (uint32_t)(int32_t)x; /* sign-extended pattern of x */
  switch (w) {
    case 1: return a + xv;  /* +x */
    case -1: return a - xv; /* -x */
    default: return a;      /* 0 */
  }
}

/* Every sums[r], r < R, is written; rows >= rows_valid give 0. lanes_valid and rows_valid are
 * clamped to L and R; only x_lanes[0 .. lanes_valid) is read. A bad format or geometry, or a
 * NULL beat/x_lanes with something to sum, writes 0 to every row (sums NULL: nothing). */
void tern_beat_dot(tern_geom g, tern_format fmt, const uint8_t *beat, const int8_t *x_lanes, uint32_t lanes_valid,
                   uint32_t rows_valid, int32_t *sums) {
  if (sums == NULL || g.rows == 0u || g.lanes == 0u) return;
  if (lanes_valid > g.lanes) lanes_valid = g.lanes;
  if (rows_valid > g.rows) rows_valid = g.rows;
  if ((fmt != TERN_T2 && fmt != TERN_T5) || tern_geom_check(g) != TERN_OK ||
      (uint64_t)g.rows * g.lanes > UINT32_MAX / 2u ||
      ((beat == NULL || x_lanes == NULL) && lanes_valid != 0u && rows_valid != 0u)) {
    for (uint32_t r = 0; r < g.rows; r++) sums[r] = 0;
    return;
  }
  for (uint32_t r = 0; r < g.rows; r++) {
    uint32_t a = 0; /* the adder tree of row r */
    if (r < rows_valid)
      for (uint32_t l = 0; l < lanes_valid; l++)
        a = select_add(a, tern_beat_slot(fmt, beat, r * g.lanes + l), x_lanes[l]);
    sums[r] = tern_i32_from_bits(a);
  }
}

tern_status tern_matvec(tern_geom g, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n, const int8_t *x,
                        int32_t *acc) {
  return tern_matmul(g, fmt, stream, k, n, 1u, x, acc);
}

tern_status tern_matmul(tern_geom g, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n, uint32_t tokens,
                        const int8_t *x, int32_t *acc) {
  tern_status st = tern_stream_args(g, fmt, k, n);
  if (st != TERN_OK) return st;
  if (stream == NULL || x == NULL || acc == NULL || tokens == 0u) return TERN_ERR_ARG;

  const uint32_t groups = tern_groups(g, n), beats = tern_beats_per_group(g, k);
  const size_t bb = tern_beat_bytes(g, fmt);
  for (uint32_t t = 0; t < tokens; t++) {
    const int8_t *xt = x + (size_t)t * k;
    int32_t *at = acc + (size_t)t * n;
    for (uint32_t gi = 0; gi < groups; gi++) {
      uint32_t rows_valid = n - gi * g.rows < g.rows ? n - gi * g.rows : g.rows;
      for (uint32_t r = 0; r < rows_valid; r++) {
        uint32_t a = 0; /* the first beat of the group loads, the others add */
        for (uint32_t s = 0; s < beats; s++) {
          const uint8_t *beat = stream + ((size_t)gi * beats + s) * bb;
          uint32_t lanes_valid = k - s * g.lanes < g.lanes ? k - s * g.lanes : g.lanes;
          const int8_t *xs = xt + (size_t)s * g.lanes;
          uint32_t beat_sum = 0; /* the adder tree of row r for this beat */
          for (uint32_t l = 0; l < lanes_valid; l++)
            beat_sum = select_add(beat_sum, tern_beat_slot(fmt, beat, r * g.lanes + l), xs[l]);
          a += beat_sum;
        }
        at[(size_t)gi * g.rows + r] = tern_i32_from_bits(a);
      }
    }
  }
  return TERN_OK;
}

void tern_epilogue(const int32_t *acc, size_t n, float absmax, float w_scale, float *y) {
  if (acc == NULL || y == NULL) return;
  const float f = absmax / 127.0f;
  for (size_t i = 0; i < n; i++) {
    float a = (float)acc[i];
    float t = a * f;
    y[i] = t * w_scale;
  }
}
