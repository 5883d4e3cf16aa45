/* SPDX-License-Identifier: Apache-2.0 */
/* Cycle model of rtl/tern_mac_array.v (docs/array.md, "Pipeline and timing"). */
#include <stdint.h>

#include "tern_cycle.h"

static uint32_t tree_levels(uint32_t lanes) {
  uint32_t lv = 0;
  while (((uint64_t)1 << lv) < lanes) lv++; /* ceil(log2 lanes), 0 for lanes <= 1 */
  return lv;
}

uint32_t tern_pipe_latency(tern_geom g) { return 3u + tree_levels(g.lanes); }

/* 0 for a job the array refuses (K or N zero) or a geometry with no rows or lanes. */
uint64_t tern_job_cycles(tern_geom g, uint32_t k, uint32_t n) { return tern_job_cycles_tokens(g, k, n, 1u); }

uint64_t tern_job_cycles_tokens(tern_geom g, uint32_t k, uint32_t n, uint32_t tokens) {
  if (k == 0u || n == 0u || tokens == 0u || g.rows == 0u || g.lanes == 0u) return 0u;
  uint64_t beats = (uint64_t)tern_groups(g, n) * tern_beats_per_group(g, k) * tokens;
  return beats + tern_pipe_latency(g) + 1u;
}

double tern_job_utilisation(tern_geom g, uint32_t k, uint32_t n) {
  uint64_t c = tern_job_cycles(g, k, n);
  if (c == 0u) return 0.0;
  return ((double)k * (double)n) / ((double)g.rows * (double)g.lanes * (double)c);
}
