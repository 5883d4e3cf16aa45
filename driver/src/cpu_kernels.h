/* SPDX-License-Identifier: Apache-2.0 */
/* The cpu backend's ternary matmul kernels: acc[t][n] = sum_k W[n][k] * x[t][k] for int8 x,
 * bit-exact with the C model's tern_matmul (integer sums; |acc| <= 128 * K, no overflow).
 *
 * CPU weight layout (converted once from the device stream at upload), row-major, one row per
 * output feature, every row padded to a whole number of 64-byte blocks with 0 weights:
 *   T2: a block holds 256 weights, 2 bits each, code c = w + 1 (0, 1, 2): weight 64*s + b of
 *       the block is bits 2s..2s+1 of byte b (b < 64, s < 4).
 *   T5: a block holds 320 weights, 5 per byte in the scaled base-3 byte of docs/formats.md
 *       (canonical q = ceil(v*256/243), first digit most significant): digit d (d < 5) of
 *       byte b is weight 64*d + b of the block.
 * Every kernel computes dot = sum_k c[k] * x[k] with the unsigned code c = w + 1 and returns
 * dot - sum_k x[k]. Variants: portable C, AVX2 (maddubs), AVX-512 (BW + VNNI dpbusd; T5 by
 * vpermi2b table lookups, needs VBMI), chosen at run time. */
#ifndef TERN_CPU_KERNELS_H
#define TERN_CPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "pool.h"
#include "tern_geom.h"

typedef enum tern_cpu_isa {
  TERN_CPU_PORTABLE = 0,
  TERN_CPU_AVX2 = 1,   /* avx2 */
  TERN_CPU_AVX512 = 2, /* avx512f + avx512bw + avx512vnni + avx512vbmi */
  TERN_CPU_ISA_COUNT
} tern_cpu_isa;

/* "portable", "avx2", "avx512". */
const char *tern_cpu_isa_name(tern_cpu_isa isa);
/* 1 if this machine can run the variant. */
int tern_cpu_isa_supported(tern_cpu_isa isa);
/* The variant to use: TERN_CPU_KERNEL=portable|avx2|avx512 if set and supported (an
 * unsupported or unknown name falls back to the best supported one), else the best. */
tern_cpu_isa tern_cpu_isa_select(void);

typedef struct tern_cpu_weights {
  tern_format fmt;
  uint32_t k, n;
  uint32_t kp;      /* K padded: a multiple of 256 (T2) or 320 (T5) */
  uint32_t blocks;  /* 64-byte blocks per row */
  size_t row_bytes; /* blocks * 64 */
  uint8_t *data;    /* n * row_bytes, 64-byte aligned */
  /* T5 decode table, built once with the layout (a matvec of a small matrix is a few
   * microseconds: rebuilding it per call cost a fifth of that). Byte q: t5_lut[q] = codes
   * (0..2) of digits 0..3, 2 bits each (digit d at bits 2d), t5_lut[256 + q] = digit 4's. */
  uint8_t t5_lut[512];
} tern_cpu_weights;

/* Bytes the kernels read per matmul pass over the weights (n * row_bytes). */
size_t tern_cpu_weights_bytes(const tern_cpu_weights *w);

/* Convert a device stream (tern_stream_bytes(g, fmt, k, n) bytes at stream) into the CPU
 * layout. The stream is read as tern_matmul reads it: a T2 code 3 is a 0 weight, every T5
 * byte decodes by the shift-add rule. TERN_ERR_ARG / TERN_ERR_SHAPE / TERN_ERR_NOMEM. */
tern_status tern_cpu_weights_from_stream(tern_geom g, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n,
                                         tern_cpu_weights *out);
/* The same from a trit matrix W[n][k] (values -1, 0, +1; others are taken as their sign). */
tern_status tern_cpu_weights_from_trits(tern_format fmt, const int8_t *w, uint32_t k, uint32_t n,
                                        tern_cpu_weights *out);
/* A second copy of src's weights in new memory (benchmarks: many distinct matrices). */
tern_status tern_cpu_weights_copy(const tern_cpu_weights *src, tern_cpu_weights *dst);
void tern_cpu_weights_free(tern_cpu_weights *w);

/* acc[t][n] for x[t][k], t < tokens, with variant isa (must be supported) on pool's threads
 * (pool may be NULL: the caller alone). TERN_ERR_NOMEM if a scratch buffer cannot be had. */
tern_status tern_cpu_matmul(const tern_cpu_weights *w, tern_cpu_isa isa, tern_pool *pool, const int8_t *x,
                            uint32_t tokens, int32_t *acc);

/* Several matmuls in one pass of the pool (one fork-join; the threads stream the matrices'
 * rows back to back): item i computes acc[t][n] for x[t][k] of its own weights. Results are
 * those of tern_cpu_matmul on each item. A decode step's q, k and v (2B4T: 1.3, 0.33, 0.33
 * MB in T5) are each too small to amortise a fork-join and a cold stream start. */
typedef struct tern_cpu_matmul_item {
  const tern_cpu_weights *w;
  const int8_t *x;
  uint32_t tokens;
  int32_t *acc;
} tern_cpu_matmul_item;
tern_status tern_cpu_matmul_many(const tern_cpu_matmul_item *items, size_t count, tern_cpu_isa isa, tern_pool *pool);

/* ---- internal: the per-variant row kernels (cpu_kernels*.c) ---- */
typedef struct tern_cpu_job {
  const tern_cpu_weights *w;
  const int8_t *xp;    /* tokens x kp, zero padded */
  const int32_t *sumx; /* per token: sum of x */
  uint32_t tokens;
  int32_t *acc;       /* tokens x n */
  const uint8_t *lut; /* T5: w->t5_lut */
} tern_cpu_job;
typedef void (*tern_cpu_rows_fn)(const tern_cpu_job *job, size_t r0, size_t r1);
void tern_cpu_rows_portable(const tern_cpu_job *job, size_t r0, size_t r1);
void tern_cpu_rows_avx2(const tern_cpu_job *job, size_t r0, size_t r1);
void tern_cpu_rows_avx512(const tern_cpu_job *job, size_t r0, size_t r1);

#endif /* TERN_CPU_KERNELS_H */
