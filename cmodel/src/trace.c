/* SPDX-License-Identifier: Apache-2.0 */
/* The lock-step trace: "R <job> <group> <acc row 0> ... <acc row R-1>\n". */
#include <inttypes.h>
#include <stdio.h>

#include "tern_trace.h"

void tern_trace_result(FILE *f, uint32_t job, uint32_t group, uint32_t rows, const int32_t *acc) {
  if (f == NULL || (acc == NULL && rows != 0u)) return;
  fprintf(f, "R %" PRIu32 " %" PRIu32, job, group);
  for (uint32_t r = 0; r < rows; r++) fprintf(f, " %" PRId32, acc[r]);
  fputc('\n', f);
}

void tern_trace_job(FILE *f, tern_geom g, uint32_t job, uint32_t n, const int32_t *acc) {
  if (f == NULL || g.rows == 0u || (acc == NULL && n != 0u)) return;
  const uint32_t groups = tern_groups(g, n);
  for (uint32_t gi = 0; gi < groups; gi++) {
    fprintf(f, "R %" PRIu32 " %" PRIu32, job, gi);
    for (uint32_t r = 0; r < g.rows; r++) {
      uint64_t row = (uint64_t)gi * g.rows + r;
      fprintf(f, " %" PRId32, row < n ? acc[row] : (int32_t)0);
    }
    fputc('\n', f);
  }
}
