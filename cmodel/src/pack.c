/* SPDX-License-Identifier: Apache-2.0 */
/* T2 / T5 stream packing and unpacking (docs/formats.md). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "tern_pack.h"

uint8_t tern_t5_encode(const int8_t w[5]) {
  uint32_t v = 0;
  for (int i = 0; i < 5; i++) v = v * 3u + (uint32_t)(w[i] + 1); /* first weight: top digit */
  return (uint8_t)((v * 256u + 242u) / 243u);                    /* ceil(v * 256 / 243) */
}

void tern_t5_decode(uint8_t q, int8_t w[5]) {
  uint32_t f = q;
  for (int i = 0; i < 5; i++) {
    uint32_t p = f + (f << 1); /* 3 * q, 10 bits */
    w[i] = (int8_t)((int)(p >> 8) - 1);
    f = p & 0xFFu;
  }
}

int8_t tern_beat_slot(tern_format fmt, const uint8_t *beat, uint32_t slot) {
  if (fmt == TERN_T2) {
    uint32_t c = (beat[slot / 4u] >> (2u * (slot % 4u))) & 3u;
    return c == 3u ? 0 : (int8_t)((int)c - 1);
  }
  /* T5: run the decode loop up to the slot's digit. */
  uint32_t f = beat[slot / 5u];
  uint32_t t = 1;
  for (uint32_t i = 0; i <= slot % 5u; i++) {
    uint32_t p = f + (f << 1);
    t = p >> 8;
    f = p & 0xFFu;
  }
  return (int8_t)((int)t - 1);
}

tern_status tern_check_trits(const int8_t *w, size_t count, size_t *bad_index) {
  if (w == NULL && count != 0u) return TERN_ERR_ARG;
  for (size_t i = 0; i < count; i++) {
    if (w[i] < -1 || w[i] > 1) {
      if (bad_index != NULL) *bad_index = i;
      return TERN_ERR_NOT_TERNARY;
    }
  }
  return TERN_OK;
}

/* Weight of slot (r, l) of beat (gi, s), 0 for padding. */
static int8_t slot_weight(const int8_t *w, tern_geom g, uint32_t k, uint32_t n, uint32_t gi, uint32_t s, uint32_t r,
                          uint32_t l) {
  uint64_t row = (uint64_t)gi * g.rows + r;
  uint64_t col = (uint64_t)s * g.lanes + l;
  if (row >= n || col >= k) return 0;
  return w[row * k + col];
}

tern_status tern_pack(tern_geom g, tern_format fmt, const int8_t *w, uint32_t k, uint32_t n, uint8_t *out) {
  tern_status st = tern_stream_args(g, fmt, k, n);
  if (st != TERN_OK) return st;
  if (w == NULL || out == NULL) return TERN_ERR_ARG;
  st = tern_check_trits(w, (size_t)k * n, NULL);
  if (st != TERN_OK) return st;

  const uint32_t groups = tern_groups(g, n), beats = tern_beats_per_group(g, k);
  const size_t bb = tern_beat_bytes(g, fmt);
  uint8_t *beat = out;
  for (uint32_t gi = 0; gi < groups; gi++) {
    for (uint32_t s = 0; s < beats; s++, beat += bb) {
      memset(beat, 0, bb);
      if (fmt == TERN_T2) {
        for (uint32_t r = 0; r < g.rows; r++) {
          for (uint32_t l = 0; l < g.lanes; l++) {
            uint64_t i = (uint64_t)r * g.lanes + l;
            uint32_t c = (uint32_t)(slot_weight(w, g, k, n, gi, s, r, l) + 1);
            beat[i / 4u] = (uint8_t)(beat[i / 4u] | (c << (2u * (i % 4u))));
          }
        }
      } else {
        int8_t five[5];
        int m = 0;
        size_t j = 0;
        for (uint32_t r = 0; r < g.rows; r++) {
          for (uint32_t l = 0; l < g.lanes; l++) {
            five[m++] = slot_weight(w, g, k, n, gi, s, r, l);
            if (m == 5) {
              beat[j++] = tern_t5_encode(five);
              m = 0;
            }
          }
        }
      }
    }
  }
  return TERN_OK;
}

/* On TERN_ERR_CODE the whole matrix is still written (code-3 slots as 0) and *bad_index is
 * the smallest row-major index of a code-3 slot. */
tern_status tern_unpack(tern_geom g, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n, int8_t *w,
                        size_t *bad_index) {
  tern_status st = tern_stream_args(g, fmt, k, n);
  if (st != TERN_OK) return st;
  if (stream == NULL || w == NULL) return TERN_ERR_ARG;

  const uint32_t groups = tern_groups(g, n), beats = tern_beats_per_group(g, k);
  const size_t bb = tern_beat_bytes(g, fmt);
  int bad = 0;
  size_t first_bad = 0;
  for (uint32_t gi = 0; gi < groups; gi++) {
    for (uint32_t s = 0; s < beats; s++) {
      const uint8_t *beat = stream + ((size_t)gi * beats + s) * bb;
      for (uint32_t r = 0; r < g.rows; r++) {
        uint64_t row = (uint64_t)gi * g.rows + r;
        if (row >= n) break;
        for (uint32_t l = 0; l < g.lanes; l++) {
          uint64_t col = (uint64_t)s * g.lanes + l;
          if (col >= k) break;
          uint32_t slot = r * g.lanes + l;
          size_t idx = (size_t)(row * k + col);
          if (fmt == TERN_T2 && ((beat[slot / 4u] >> (2u * (slot % 4u))) & 3u) == 3u) {
            if (!bad || idx < first_bad) first_bad = idx;
            bad = 1;
          }
          w[idx] = tern_beat_slot(fmt, beat, slot);
        }
      }
    }
  }
  if (bad) {
    if (bad_index != NULL) *bad_index = first_bad;
    return TERN_ERR_CODE;
  }
  return TERN_OK;
}
