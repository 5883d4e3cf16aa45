/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the C model's sources (not part of the public contract). */
#ifndef TERN_INTERNAL_H
#define TERN_INTERNAL_H

#include <stdint.h>

#include "tern_geom.h"

/* Two's-complement wrap of a 32-bit pattern to int32_t, without implementation-defined
 * conversion: the accumulators of the array are 32-bit registers that wrap. */
static inline int32_t tern_i32_from_bits(uint32_t u) {
  return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(-(int32_t)(~u) - 1);
}

/* Weight (-1, 0, +1) of slot i of a beat in format fmt. T2 code 3 decodes as 0. The T5
 * decode runs the shift-add loop of docs/formats.md on the slot's byte. */
int8_t tern_beat_slot(tern_format fmt, const uint8_t *beat, uint32_t slot);

/* Validates the arguments shared by pack/unpack/matvec: geometry, format, 1 <= k <= K_MAX,
 * 1 <= n <= N_MAX and a representable stream size. */
tern_status tern_stream_args(tern_geom g, tern_format fmt, uint32_t k, uint32_t n);

#endif /* TERN_INTERNAL_H */
