/* SPDX-License-Identifier: Apache-2.0 */
/* AVX2 row kernels (cpu_kernels.h): codes unpacked with shifts (T2) or compares (T5),
 * multiplied into int16 pairs by maddubs (code unsigned, x signed), widened by madd. Each
 * weight block is decoded once for a tile of up to 4 tokens; the weight stream is prefetched
 * 8 KiB ahead (prefetching past the end of the weights is harmless: no fault). */
#include "cpu_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))
#define AVX2_INLINE __attribute__((target("avx2"), always_inline)) static inline

AVX2_INLINE int32_t hsum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

/* One row, NT tokens from t0: T2. */
AVX2_INLINE void row_t2(const tern_cpu_job *job, size_t r, uint32_t t0, const int NT) {
  const tern_cpu_weights *w = job->w;
  const uint8_t *row = w->data + r * w->row_bytes;
  const __m256i m3 = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);
  __m256i acc[4];
  for (int t = 0; t < NT; t++) acc[t] = _mm256_setzero_si256();
  for (uint32_t blk = 0; blk < w->blocks; blk++) {
    _mm_prefetch((const char *)(row + (size_t)blk * 64 + 8192), _MM_HINT_T0);
    const __m256i w0 = _mm256_load_si256((const __m256i *)(row + (size_t)blk * 64));
    const __m256i w1 = _mm256_load_si256((const __m256i *)(row + (size_t)blk * 64 + 32));
    __m256i p[4];
    for (int t = 0; t < NT; t++) p[t] = _mm256_setzero_si256();
    for (int s = 0; s < 4; s++) {
      const __m256i c0 = _mm256_and_si256(_mm256_srli_epi16(w0, 2 * s), m3);
      const __m256i c1 = _mm256_and_si256(_mm256_srli_epi16(w1, 2 * s), m3);
      for (int t = 0; t < NT; t++) {
        const int8_t *x = job->xp + (size_t)(t0 + t) * w->kp + (size_t)blk * 256 + 64 * s;
        p[t] = _mm256_add_epi16(p[t], _mm256_maddubs_epi16(c0, _mm256_load_si256((const __m256i *)x)));
        p[t] = _mm256_add_epi16(p[t], _mm256_maddubs_epi16(c1, _mm256_load_si256((const __m256i *)(x + 32))));
      }
    }
    for (int t = 0; t < NT; t++) acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(p[t], ones));
  }
  for (int t = 0; t < NT; t++) job->acc[(size_t)(t0 + t) * w->n + r] = hsum(acc[t]) - job->sumx[t0 + t];
}

/* code of the current digit: (3u >> 8) = (u >= 86) + (u >= 171) */
AVX2_INLINE __m256i t5_code(__m256i u, __m256i c86, __m256i c171) {
  const __m256i a = _mm256_cmpeq_epi8(_mm256_max_epu8(u, c86), u);
  const __m256i b = _mm256_cmpeq_epi8(_mm256_max_epu8(u, c171), u);
  return _mm256_sub_epi8(_mm256_sub_epi8(_mm256_setzero_si256(), a), b);
}

AVX2_INLINE void row_t5(const tern_cpu_job *job, size_t r, uint32_t t0, const int NT) {
  const tern_cpu_weights *w = job->w;
  const uint8_t *row = w->data + r * w->row_bytes;
  const __m256i c86 = _mm256_set1_epi8(86), c171 = _mm256_set1_epi8((char)171), ones = _mm256_set1_epi16(1);
  __m256i acc[4];
  for (int t = 0; t < NT; t++) acc[t] = _mm256_setzero_si256();
  for (uint32_t blk = 0; blk < w->blocks; blk++) {
    _mm_prefetch((const char *)(row + (size_t)blk * 64 + 8192), _MM_HINT_T0);
    __m256i u0 = _mm256_load_si256((const __m256i *)(row + (size_t)blk * 64));
    __m256i u1 = _mm256_load_si256((const __m256i *)(row + (size_t)blk * 64 + 32));
    __m256i p[4];
    for (int t = 0; t < NT; t++) p[t] = _mm256_setzero_si256();
    for (int d = 0; d < 5; d++) {
      const __m256i c0 = t5_code(u0, c86, c171), c1 = t5_code(u1, c86, c171);
      u0 = _mm256_add_epi8(u0, _mm256_add_epi8(u0, u0));
      u1 = _mm256_add_epi8(u1, _mm256_add_epi8(u1, u1));
      for (int t = 0; t < NT; t++) {
        const int8_t *x = job->xp + (size_t)(t0 + t) * w->kp + (size_t)blk * 320 + 64 * d;
        p[t] = _mm256_add_epi16(p[t], _mm256_maddubs_epi16(c0, _mm256_loadu_si256((const __m256i *)x)));
        p[t] = _mm256_add_epi16(p[t], _mm256_maddubs_epi16(c1, _mm256_loadu_si256((const __m256i *)(x + 32))));
      }
    }
    for (int t = 0; t < NT; t++) acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(p[t], ones));
  }
  for (int t = 0; t < NT; t++) job->acc[(size_t)(t0 + t) * w->n + r] = hsum(acc[t]) - job->sumx[t0 + t];
}

AVX2 void tern_cpu_rows_avx2(const tern_cpu_job *job, size_t r0, size_t r1) {
  const int t5 = job->w->fmt == TERN_T5;
  for (size_t r = r0; r < r1; r++) {
    uint32_t t0 = 0;
    for (; t0 + 4 <= job->tokens; t0 += 4) t5 ? row_t5(job, r, t0, 4) : row_t2(job, r, t0, 4);
    switch (job->tokens - t0) {
      case 3: t5 ? row_t5(job, r, t0, 3) : row_t2(job, r, t0, 3); break;
      case 2: t5 ? row_t5(job, r, t0, 2) : row_t2(job, r, t0, 2); break;
      case 1: t5 ? row_t5(job, r, t0, 1) : row_t2(job, r, t0, 1); break;
      default: break;
    }
  }
}

#else
void tern_cpu_rows_avx2(const tern_cpu_job *job, size_t r0, size_t r1) { tern_cpu_rows_portable(job, r0, r1); }
#endif
