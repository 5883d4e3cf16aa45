/* SPDX-License-Identifier: Apache-2.0 */
/* Cycle model of rtl/tern_mac_array.v (docs/array.md, "Pipeline and timing"). */
#ifndef TERN_CYCLE_H
#define TERN_CYCLE_H

#include <stdint.h>

#include "tern_geom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pipeline latency of the array at geometry g: 3 + ceil(log2 lanes). */
uint32_t tern_pipe_latency(tern_geom g);

/* Cycles of one job with always-valid inputs and an always-ready output, counted from the
 * start cycle to the cycle of the last result handshake, both included:
 * groups * beats_per_group + latency + 1. */
uint64_t tern_job_cycles(tern_geom g, uint32_t k, uint32_t n);

/* The same for a job of `tokens` tokens (1 .. T_MAX): each weight beat serves every token in
 * consecutive cycles, so groups * beats_per_group * tokens + latency + 1. */
uint64_t tern_job_cycles_tokens(tern_geom g, uint32_t k, uint32_t n, uint32_t tokens);

/* Useful MACs over offered MACs for such a job: K*N / (R*L*cycles). */
double tern_job_utilisation(tern_geom g, uint32_t k, uint32_t n);

#ifdef __cplusplus
}
#endif
#endif /* TERN_CYCLE_H */
