/* SPDX-License-Identifier: Apache-2.0 */
/* AVX-512 row kernels (cpu_kernels.h): VNNI dpbusd multiplies the unsigned codes (0..2) by
 * the signed activations straight into int32. T2 codes come from shifts and a mask; T5 codes
 * from two 256-entry table lookups a byte (each two vpermi2b of 128 entries, chosen by the
 * byte's top bit): digits 0..3 packed 2 bits each (then unpacked as T2 is), and digit 4. Each weight block is decoded
 * once for a tile of up to 8 tokens. */
#include "cpu_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define TGT "avx512f,avx512bw,avx512vnni,avx512vbmi"
#define AVX512 __attribute__((target(TGT)))
#define AVX512_INLINE __attribute__((target(TGT), always_inline)) static inline

/* RT rows from r, NT tokens from t0, A accumulators per (row, token) so that enough
 * independent dpbusd chains are in flight (latency ~4 cycles, 2 a cycle). */
#define UNROLL _Pragma("GCC unroll 16")
/* software prefetch distance along the weight stream (bytes; the next rows follow the row;
 * a prefetch past the end of the weights does not fault). 8 KiB measured best here: 1 thread
 * T2 decode went from ~22 to ~33-39 GB/s. */
#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 8192
#endif

/* acc[t0 + t][r + i] of a tile: the sum of the A accumulators of (row i, token t) minus the
 * token's activation sum (codes are weight + 1). in_place: accumulator a in 1..3 holds digit a
 * with its code left in place, i.e. 4^a times the code; its lanes are exact multiples of 4^a,
 * so an arithmetic shift divides them back exactly. */
AVX512_INLINE void store_sums(const tern_cpu_job *job, const __m512i *acc, size_t r, uint32_t t0, const int RT,
                              const int NT, const int A, const int in_place) {
  UNROLL for (int i = 0; i < RT; i++) UNROLL for (int t = 0; t < NT; t++) {
    const __m512i *ac = acc + (i * NT + t) * A;
    __m512i v = ac[0];
    UNROLL for (int a = 1; a < A; a++) v =
        _mm512_add_epi32(v, in_place && a < 4 ? _mm512_srai_epi32(ac[a], 2 * a) : ac[a]);
    job->acc[(size_t)(t0 + t) * job->w->n + r + i] = _mm512_reduce_add_epi32(v) - job->sumx[t0 + t];
  }
}

AVX512_INLINE void tile_t2(const tern_cpu_job *job, size_t r, uint32_t t0, const int RT, const int NT, const int A) {
  const tern_cpu_weights *w = job->w;
  const uint8_t *row = w->data + r * w->row_bytes;
  const size_t rb = w->row_bytes, kp = w->kp;
  const __m512i m3 = _mm512_set1_epi8(3);
  __m512i acc[16];
  UNROLL for (int i = 0; i < RT * NT * A; i++) acc[i] = _mm512_setzero_si512();
  const int8_t *xb = job->xp + (size_t)t0 * kp;
  for (uint32_t blk = 0; blk < w->blocks; blk++, xb += 256, row += 64) {
    __m512i wv[4];
    if (NT <= 2)
      UNROLL for (int i = 0; i < RT; i++) _mm_prefetch((const char *)(row + i * rb + PREFETCH_AHEAD), _MM_HINT_T0);
    UNROLL for (int i = 0; i < RT; i++) wv[i] = _mm512_load_si512((const void *)(row + i * rb));
    UNROLL for (int s = 0; s < 4; s++) {
      __m512i xv[8];
      UNROLL for (int t = 0; t < NT; t++) xv[t] = _mm512_load_si512((const void *)(xb + (size_t)t * kp + 64 * s));
      UNROLL for (int i = 0; i < RT; i++) {
        /* A == 4: each digit has its own accumulator, so its code stays in place (as in tile_t5) */
        const __m512i c = A == 4 ? _mm512_and_si512(wv[i], _mm512_set1_epi8((char)(3 << (2 * s))))
                                 : _mm512_and_si512(_mm512_srli_epi16(wv[i], 2 * s), m3);
        UNROLL for (int t = 0; t < NT; t++) {
          const int a = (i * NT + t) * A + s % A;
          acc[a] = _mm512_dpbusd_epi32(acc[a], c, xv[t]);
        }
      }
    }
  }
  store_sums(job, acc, r, t0, RT, NT, A, A == 4);
}

AVX512_INLINE void tile_t5(const tern_cpu_job *job, size_t r, uint32_t t0, const int RT, const int NT, const int A,
                           const __m512i *lut) {
  const tern_cpu_weights *w = job->w;
  const uint8_t *row = w->data + r * w->row_bytes;
  const size_t rb = w->row_bytes, kp = w->kp;
  const __m512i m3 = _mm512_set1_epi8(3);
  __m512i acc[16];
  UNROLL for (int i = 0; i < RT * NT * A; i++) acc[i] = _mm512_setzero_si512();
  const int8_t *xb = job->xp + (size_t)t0 * kp;
  for (uint32_t blk = 0; blk < w->blocks; blk++, xb += 320, row += 64) {
    __m512i q[4];
    __mmask64 hi[4];
    if (NT <= 2)
      UNROLL for (int i = 0; i < RT; i++) _mm_prefetch((const char *)(row + i * rb + PREFETCH_AHEAD), _MM_HINT_T0);
    UNROLL for (int i = 0; i < RT; i++) {
      q[i] = _mm512_load_si512((const void *)(row + i * rb));
      hi[i] = _mm512_movepi8_mask(q[i]);
    }
    /* digits 0..3 as one T2-like byte (2 bits each), digit 4 as a code: two 256-entry lookups */
    __m512i p4[4], c4[4];
    UNROLL for (int i = 0; i < RT; i++) {
      p4[i] = _mm512_mask_blend_epi8(hi[i], _mm512_permutex2var_epi8(lut[0], q[i], lut[1]),
                                     _mm512_permutex2var_epi8(lut[2], q[i], lut[3]));
      c4[i] = _mm512_mask_blend_epi8(hi[i], _mm512_permutex2var_epi8(lut[4], q[i], lut[5]),
                                     _mm512_permutex2var_epi8(lut[6], q[i], lut[7]));
    }
    UNROLL for (int d = 0; d < 5; d++) {
      __m512i xv[8];
      UNROLL for (int t = 0; t < NT; t++) xv[t] = _mm512_loadu_si512((const void *)(xb + (size_t)t * kp + 64 * d));
      UNROLL for (int i = 0; i < RT; i++) {
        /* with a digit's own accumulator (A == 5), its code stays in place (4^d times the code,
         * at most 128: still a u8) and the sum is scaled back once at the end: one op a digit
         * fewer. Otherwise digits share accumulators and are shifted down first. */
        const __m512i c = d == 4   ? c4[i]
                          : A == 5 ? _mm512_and_si512(p4[i], _mm512_set1_epi8((char)(3 << (2 * d))))
                                   : _mm512_and_si512(_mm512_srli_epi16(p4[i], 2 * d), m3);
        UNROLL for (int t = 0; t < NT; t++) {
          const int a = (i * NT + t) * A + d % A;
          acc[a] = _mm512_dpbusd_epi32(acc[a], c, xv[t]);
        }
      }
    }
  }
  store_sums(job, acc, r, t0, RT, NT, A, A == 5);
}

/* Rows in blocks of 32 (their weights stay in L1/L2 while every token tile passes over them);
 * token tiles of 8 (BIG; unused: 4 rows x 4 tokens loads less), 4 (RT4 rows a pass), 2 (two
 * rows a pass) and 1 (one row, ACC1 accumulators, so the weight stream stays sequential). */
#define ROW_BLOCK 32
#ifndef ACC2_T2
#define ACC2_T2 4
#endif
#ifndef ACC2_T5
#define ACC2_T5 5
#endif
#define DISPATCH(BIG, RT4, ACC1, ACC2, FN, ...)                                              \
  do {                                                                                       \
    const uint32_t T = job->tokens;                                                          \
    for (size_t rb = r0; rb < r1; rb += ROW_BLOCK) {                                         \
      const size_t re = rb + ROW_BLOCK < r1 ? rb + ROW_BLOCK : r1;                           \
      uint32_t t0 = 0;                                                                       \
      if (BIG)                                                                               \
        for (; t0 + 8 <= T; t0 += 8)                                                         \
          for (size_t r = rb; r < re; r++) FN(job, r, t0, 1, 8, 1 __VA_ARGS__);              \
      for (; t0 + 4 <= T; t0 += 4) {                                                         \
        size_t r = rb;                                                                       \
        for (; r + RT4 <= re; r += RT4) FN(job, r, t0, RT4, 4, RT4 > 1 ? 1 : 2 __VA_ARGS__); \
        for (; r < re; r++) FN(job, r, t0, 1, 4, 2 __VA_ARGS__);                             \
      }                                                                                      \
      for (; t0 + 2 <= T; t0 += 2) {                                                         \
        size_t r = rb;                                                                       \
        for (; r + 2 <= re; r += 2) FN(job, r, t0, 2, 2, 2 __VA_ARGS__);                     \
        for (; r < re; r++) FN(job, r, t0, 1, 2, 2 __VA_ARGS__);                             \
      }                                                                                      \
      if (t0 < T) {                                                                          \
        size_t r = rb;                                                                       \
        for (; r + 2 <= re; r += 2) FN(job, r, t0, 2, 1, ACC2 __VA_ARGS__);                  \
        for (; r < re; r++) FN(job, r, t0, 1, 1, ACC1 __VA_ARGS__);                          \
      }                                                                                      \
    }                                                                                        \
  } while (0)

/* A chunk's first PREFETCH_AHEAD bytes: the in-loop prefetch only covers what follows them,
 * and a small matrix (2B4T k/v: 160 KiB a thread) would start on demand misses. */
AVX512_INLINE void prefetch_start(const tern_cpu_job *job, size_t r0, size_t r1) {
  if (job->tokens >= 4) return;
  const uint8_t *p = job->w->data + r0 * job->w->row_bytes;
  size_t bytes = (r1 - r0) * job->w->row_bytes;
  if (bytes > PREFETCH_AHEAD) bytes = PREFETCH_AHEAD;
  for (size_t off = 0; off < bytes; off += 64) _mm_prefetch((const char *)(p + off), _MM_HINT_T0);
}

AVX512 void tern_cpu_rows_avx512(const tern_cpu_job *job, size_t r0, size_t r1) {
  prefetch_start(job, r0, r1);
  if (job->w->fmt == TERN_T2) {
    DISPATCH(0, 4, 4, ACC2_T2, tile_t2, );
    return;
  }
  __m512i lut[8];
  for (int i = 0; i < 8; i++) lut[i] = _mm512_loadu_si512((const void *)(job->lut + 64 * i));
  DISPATCH(0, 1, 5, ACC2_T5, tile_t5, , lut);
}

#else
void tern_cpu_rows_avx512(const tern_cpu_job *job, size_t r0, size_t r1) { tern_cpu_rows_portable(job, r0, r1); }
#endif
