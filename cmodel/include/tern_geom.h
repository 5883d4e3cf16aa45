/* SPDX-License-Identifier: Apache-2.0 */
/* Array geometry and weight formats. The C model works at any geometry given at run time, so
 * tests can check RTL built at other sizes; tern_geom_default() is the one in spec/tern.toml. */
#ifndef TERN_GEOM_H
#define TERN_GEOM_H

#include <stddef.h>
#include <stdint.h>

#include "tern_params.h"
#include "tern_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tern_format {
  TERN_T2 = TERN_FMT_T2, /* 2 bits per weight, code w + 1 */
  TERN_T5 = TERN_FMT_T5  /* 5 weights per byte, scaled base 3 */
} tern_format;

typedef struct tern_geom {
  uint32_t rows;  /* R: output rows per beat */
  uint32_t lanes; /* L: K positions per beat */
} tern_geom;

/* The geometry of spec/tern.toml (TERN_ROWS x TERN_LANES). */
tern_geom tern_geom_default(void);

/* TERN_OK if rows, lanes >= 1 and rows*lanes is a multiple of 5 (T5 needs it). */
tern_status tern_geom_check(tern_geom g);

/* Row groups ceil(N/R), beats per group ceil(K/L), and bytes per beat in a format. */
uint32_t tern_groups(tern_geom g, uint32_t n);
uint32_t tern_beats_per_group(tern_geom g, uint32_t k);
size_t tern_beat_bytes(tern_geom g, tern_format fmt);

/* Bytes of a whole packed stream: groups * beats_per_group * beat_bytes (0 for a bad fmt). */
size_t tern_stream_bytes(tern_geom g, tern_format fmt, uint32_t k, uint32_t n);

/* "T2" / "T5", or NULL for an unknown format. */
const char *tern_format_name(tern_format fmt);

#ifdef __cplusplus
}
#endif
#endif /* TERN_GEOM_H */
