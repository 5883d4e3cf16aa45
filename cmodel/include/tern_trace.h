/* SPDX-License-Identifier: Apache-2.0 */
/* The lock-step trace shared by the C model and the RTL harness: one line per result beat,
 *   "R <job> <result beat> <acc row 0> ... <acc row R-1>\n"
 * (result beats numbered in the array's order: group-major, then token)
 * so the first divergence between two runs is the first line `diff` shows. */
#ifndef TERN_TRACE_H
#define TERN_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "tern_geom.h"

#ifdef __cplusplus
extern "C" {
#endif

void tern_trace_result(FILE *f, uint32_t job, uint32_t group, uint32_t rows, const int32_t *acc);

/* Write the trace lines of a whole job from acc[0..n) (rows >= N print as 0). */
void tern_trace_job(FILE *f, tern_geom g, uint32_t job, uint32_t n, const int32_t *acc);

#ifdef __cplusplus
}
#endif
#endif /* TERN_TRACE_H */
