/* SPDX-License-Identifier: Apache-2.0 */
/* Geometry arithmetic of the beat stream (docs/formats.md, "Beat order"). */
#include <stdint.h>

#include "internal.h"
#include "tern_geom.h"

tern_geom tern_geom_default(void) {
  tern_geom g = {TERN_ROWS, TERN_LANES};
  return g;
}

tern_status tern_geom_check(tern_geom g) {
  if (g.rows < 1u || g.lanes < 1u) return TERN_ERR_ARG;
  if (((uint64_t)g.rows * g.lanes) % 5u != 0u) return TERN_ERR_ARG;
  return TERN_OK;
}

uint32_t tern_groups(tern_geom g, uint32_t n) {
  if (g.rows == 0u) return 0u;
  return (uint32_t)(((uint64_t)n + g.rows - 1u) / g.rows);
}

uint32_t tern_beats_per_group(tern_geom g, uint32_t k) {
  if (g.lanes == 0u) return 0u;
  return (uint32_t)(((uint64_t)k + g.lanes - 1u) / g.lanes);
}

/* 0 for a bad format or a geometry that tern_geom_check refuses. */
size_t tern_beat_bytes(tern_geom g, tern_format fmt) {
  if (tern_geom_check(g) != TERN_OK) return 0u;
  uint64_t slots = (uint64_t)g.rows * g.lanes;
  uint64_t bytes;
  switch (fmt) {
    case TERN_T2: bytes = (2u * slots + 7u) / 8u; break;
    case TERN_T5: bytes = slots / 5u; break;
    default: return 0u;
  }
  if (bytes > SIZE_MAX) return 0u;
  return (size_t)bytes;
}

/* 0 for a bad format or geometry, and when the size does not fit in size_t. */
size_t tern_stream_bytes(tern_geom g, tern_format fmt, uint32_t k, uint32_t n) {
  size_t bb = tern_beat_bytes(g, fmt);
  if (bb == 0u) return 0u;
  uint64_t beats = (uint64_t)tern_groups(g, n) * tern_beats_per_group(g, k);
  if (beats != 0u && bb > SIZE_MAX / beats) return 0u;
  return (size_t)(beats * bb);
}

const char *tern_format_name(tern_format fmt) {
  switch (fmt) {
    case TERN_T2: return "T2";
    case TERN_T5: return "T5";
  }
  return NULL;
}

tern_status tern_stream_args(tern_geom g, tern_format fmt, uint32_t k, uint32_t n) {
  if (tern_geom_check(g) != TERN_OK) return TERN_ERR_ARG;
  if (fmt != TERN_T2 && fmt != TERN_T5) return TERN_ERR_ARG;
  if (k < 1u || k > TERN_K_MAX || n < 1u || n > TERN_N_MAX) return TERN_ERR_ARG;
  if ((uint64_t)g.rows * g.lanes > UINT32_MAX / 2u) return TERN_ERR_ARG; /* slot bit index */
  if (tern_stream_bytes(g, fmt, k, n) == 0u) return TERN_ERR_ARG;
  return TERN_OK;
}
