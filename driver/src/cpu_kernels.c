/* SPDX-License-Identifier: Apache-2.0 */
/* The cpu backend's kernels: weight layout conversion, variant selection, the portable row
 * kernel and the threaded driver (cpu_kernels.h). */
#define _DEFAULT_SOURCE /* madvise */
#include "cpu_kernels.h"

#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "tern_pack.h"

const char *tern_cpu_isa_name(tern_cpu_isa isa) {
  switch (isa) {
    case TERN_CPU_PORTABLE: return "portable";
    case TERN_CPU_AVX2: return "avx2";
    case TERN_CPU_AVX512: return "avx512";
    default: return "unknown";
  }
}

int tern_cpu_isa_supported(tern_cpu_isa isa) {
  switch (isa) {
    case TERN_CPU_PORTABLE: return 1;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    case TERN_CPU_AVX2: return __builtin_cpu_supports("avx2");
    case TERN_CPU_AVX512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vbmi");
#endif
    default: return 0;
  }
}

tern_cpu_isa tern_cpu_isa_select(void) {
  const char *e = getenv("TERN_CPU_KERNEL");
  if (e && *e)
    for (int i = 0; i < TERN_CPU_ISA_COUNT; i++)
      if (strcmp(e, tern_cpu_isa_name((tern_cpu_isa)i)) == 0 && tern_cpu_isa_supported((tern_cpu_isa)i))
        return (tern_cpu_isa)i;
  for (int i = TERN_CPU_ISA_COUNT - 1; i > 0; i--)
    if (tern_cpu_isa_supported((tern_cpu_isa)i)) return (tern_cpu_isa)i;
  return TERN_CPU_PORTABLE;
}

size_t tern_cpu_weights_bytes(const tern_cpu_weights *w) { return w ? (size_t)w->n * w->row_bytes : 0; }

void tern_cpu_weights_free(tern_cpu_weights *w) {
  if (!w) return;
  free(w->data);
  w->data = NULL;
}

/* Weight memory: 64-byte aligned; large tensors 2 MiB aligned and, where the OS has them on
 * request (Linux THP "madvise"), on huge pages: a decode step streams every weight once, and
 * 4 KiB pages cost a TLB miss every 4 KiB of it. */
static uint8_t *weights_alloc(size_t bytes) {
  const size_t huge = (size_t)2 << 20;
  if (bytes < 2 * huge) return aligned_alloc(64, (bytes + 63) / 64 * 64);
  const size_t rounded = (bytes + huge - 1) / huge * huge;
  uint8_t *p = aligned_alloc(huge, rounded);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (p) (void)madvise(p, rounded, MADV_HUGEPAGE);
#endif
  return p;
}

tern_status tern_cpu_weights_copy(const tern_cpu_weights *src, tern_cpu_weights *dst) {
  if (!src || !dst || !src->data) return TERN_ERR_ARG;
  *dst = *src;
  dst->data = weights_alloc(tern_cpu_weights_bytes(src));
  if (!dst->data) return TERN_ERR_NOMEM;
  memcpy(dst->data, src->data, tern_cpu_weights_bytes(src));
  return TERN_OK;
}

/* Allocate the layout filled with 0 weights: T2 bytes 0x55 (code 1 everywhere), T5 digit sums
 * v = 121 (all digits 1), converted to q at finish(). */
static tern_status layout_alloc(tern_format fmt, uint32_t k, uint32_t n, tern_cpu_weights *out) {
  memset(out, 0, sizeof *out);
  if (fmt != TERN_T2 && fmt != TERN_T5) return TERN_ERR_ARG;
  if (k == 0 || n == 0 || k > TERN_K_MAX || n > TERN_N_MAX) return TERN_ERR_SHAPE;
  const uint32_t per_block = fmt == TERN_T2 ? 256 : 320;
  out->fmt = fmt;
  out->k = k;
  out->n = n;
  out->blocks = (k + per_block - 1) / per_block;
  out->kp = out->blocks * per_block;
  out->row_bytes = (size_t)out->blocks * 64;
  const size_t bytes = out->row_bytes * n;
  out->data = weights_alloc(bytes);
  if (!out->data) return TERN_ERR_NOMEM;
  memset(out->data, fmt == TERN_T2 ? 0x55 : 121, bytes);
  if (fmt == TERN_T5)
    for (uint32_t q = 0; q < 256; q++) {
      int8_t dg[5];
      tern_t5_decode((uint8_t)q, dg);
      out->t5_lut[q] = (uint8_t)((dg[0] + 1) | (dg[1] + 1) << 2 | (dg[2] + 1) << 4 | (dg[3] + 1) << 6);
      out->t5_lut[256 + q] = (uint8_t)(dg[4] + 1);
    }
  return TERN_OK;
}

/* One row of trits (-1/0/+1, k of them) into its layout row. T2: byte j of a 256-weight block
 * holds the codes (w + 1) of columns j, 64 + j, 128 + j, 192 + j at bits 0, 2, 4, 6 (padding
 * code 1: weight 0). T5: byte j of a 320-weight block holds columns j, 64 + j, ..., 256 + j as
 * the base-3 digits of v (the first column most significant), stored as q = ceil(v * 256 / 243)
 * so that the kernels' decode (3q >> 8 per digit) returns them. */
static void layout_row(const tern_cpu_weights *o, const int8_t *w, uint8_t *row) {
  const uint32_t k = o->k;
  if (o->fmt == TERN_T2) {
    for (uint32_t blk = 0; blk < o->blocks; blk++)
      for (uint32_t j = 0; j < 64; j++) {
        uint32_t byte = 0;
        for (uint32_t d = 0; d < 4; d++) {
          const uint32_t col = blk * 256 + d * 64 + j;
          byte |= (uint32_t)(col < k ? w[col] + 1 : 1) << (2 * d);
        }
        row[(size_t)blk * 64 + j] = (uint8_t)byte;
      }
  } else {
    for (uint32_t blk = 0; blk < o->blocks; blk++)
      for (uint32_t j = 0; j < 64; j++) {
        uint32_t v = 0;
        for (uint32_t d = 0; d < 5; d++) {
          const uint32_t col = blk * 320 + d * 64 + j;
          v = v * 3 + (uint32_t)(col < k ? w[col] + 1 : 1);
        }
        row[(size_t)blk * 64 + j] = (uint8_t)((v * 256 + 242) / 243);
      }
  }
}

tern_status tern_cpu_weights_from_trits(tern_format fmt, const int8_t *w, uint32_t k, uint32_t n,
                                        tern_cpu_weights *out) {
  if (!w || !out) return TERN_ERR_ARG;
  tern_status st = layout_alloc(fmt, k, n, out);
  if (st != TERN_OK) return st;
  for (size_t i = 0; i < (size_t)k * n; i++)
    if (w[i] < -1 || w[i] > 1) {
      tern_cpu_weights_free(out);
      return TERN_ERR_CODE;
    }
  for (uint32_t r = 0; r < n; r++) layout_row(out, w + (size_t)r * k, out->data + (size_t)r * out->row_bytes);
  return TERN_OK;
}

tern_status tern_cpu_weights_from_stream(tern_geom g, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n,
                                         tern_cpu_weights *out) {
  if (!stream || !out) return TERN_ERR_ARG;
  memset(out, 0, sizeof *out);
  if (tern_geom_check(g) != TERN_OK) return TERN_ERR_ARG;
  if (k == 0 || n == 0 || k > TERN_K_MAX || n > TERN_N_MAX) return TERN_ERR_SHAPE;
  int8_t *trits = malloc((size_t)k * n);
  if (!trits) return TERN_ERR_NOMEM;
  /* the stream's beats (docs/formats.md) back into W[n][k]; a T2 code 3 reads as weight 0, as
   * the array decodes it (the C model's tern_matmul does the same) */
  int8_t t5[256][5];
  if (fmt == TERN_T5)
    for (uint32_t q = 0; q < 256; q++) tern_t5_decode((uint8_t)q, t5[q]);
  const uint32_t R = g.rows, L = g.lanes, G = tern_groups(g, n), B = tern_beats_per_group(g, k);
  const size_t beat_bytes = tern_beat_bytes(g, fmt);
  for (uint32_t gi = 0; gi < G; gi++)
    for (uint32_t s = 0; s < B; s++) {
      const uint8_t *beat = stream + ((size_t)gi * B + s) * beat_bytes;
      for (uint32_t r = 0; r < R && gi * R + r < n; r++) {
        int8_t *dst = trits + (size_t)(gi * R + r) * k + (size_t)s * L;
        for (uint32_t l = 0; l < L && s * L + l < k; l++) {
          const uint32_t i = r * L + l;
          if (fmt == TERN_T2) {
            const uint32_t c = (beat[i / 4] >> (2 * (i % 4))) & 3;
            dst[l] = (int8_t)(c == 3 ? 0 : (int)c - 1);
          } else {
            dst[l] = t5[beat[i / 5]][i % 5];
          }
        }
      }
    }
  tern_status st = TERN_OK;
  if (st == TERN_OK) st = tern_cpu_weights_from_trits(fmt, trits, k, n, out);
  free(trits);
  return st;
}

/* ---- portable kernel ---- */
void tern_cpu_rows_portable(const tern_cpu_job *job, size_t r0, size_t r1) {
  const tern_cpu_weights *w = job->w;
  for (size_t r = r0; r < r1; r++) {
    const uint8_t *row = w->data + r * w->row_bytes;
    for (uint32_t t = 0; t < job->tokens; t++) {
      const int8_t *x = job->xp + (size_t)t * w->kp;
      int32_t dot = 0;
      if (w->fmt == TERN_T2) {
        for (uint32_t blk = 0; blk < w->blocks; blk++) {
          const uint8_t *b = row + (size_t)blk * 64;
          const int8_t *xb = x + (size_t)blk * 256;
          for (uint32_t s = 0; s < 4; s++)
            for (uint32_t j = 0; j < 64; j++) dot += (int32_t)((b[j] >> (2 * s)) & 3) * xb[64 * s + j];
        }
      } else {
        for (uint32_t blk = 0; blk < w->blocks; blk++) {
          const uint8_t *b = row + (size_t)blk * 64;
          const int8_t *xb = x + (size_t)blk * 320;
          for (uint32_t j = 0; j < 64; j++) {
            uint32_t q = b[j];
            for (uint32_t d = 0; d < 5; d++) {
              const uint32_t p = 3 * q;
              dot += (int32_t)(p >> 8) * xb[64 * d + j];
              q = p & 0xFF;
            }
          }
        }
      }
      job->acc[(size_t)t * w->n + r] = dot - job->sumx[t];
    }
  }
}

/* ---- the threaded driver ---- */
/* Work is cut into units of 4 rows of one item (whole cache-line runs of acc per thread);
 * units are numbered item after item, and a chunk of units may span items. */
struct rows_task {
  tern_cpu_job *jobs; /* one per item */
  size_t *first_unit; /* count + 1 entries: item i owns units [first_unit[i], first_unit[i+1]) */
  size_t count;
  tern_cpu_rows_fn fn;
};

static void rows_chunk(void *arg, size_t begin, size_t end, unsigned thread) {
  (void)thread;
  const struct rows_task *t = arg;
  size_t i = 0;
  while (t->first_unit[i + 1] <= begin) i++;
  for (; i < t->count && t->first_unit[i] < end; i++) {
    const size_t u0 = begin > t->first_unit[i] ? begin : t->first_unit[i];
    const size_t u1 = end < t->first_unit[i + 1] ? end : t->first_unit[i + 1];
    const tern_cpu_job *job = &t->jobs[i];
    const size_t r0 = (u0 - t->first_unit[i]) * 4;
    size_t r1 = (u1 - t->first_unit[i]) * 4;
    if (r1 > job->w->n) r1 = job->w->n;
    if (r0 < r1) t->fn(job, r0, r1);
  }
}

tern_status tern_cpu_matmul_many(const tern_cpu_matmul_item *items, size_t count, tern_cpu_isa isa, tern_pool *pool) {
  if (!items && count) return TERN_ERR_ARG;
  for (size_t i = 0; i < count; i++)
    if (!items[i].w || !items[i].w->data || !items[i].x || !items[i].acc || items[i].tokens == 0) return TERN_ERR_ARG;
  if (count == 0) return TERN_OK;
  tern_cpu_rows_fn fn = tern_cpu_rows_portable;
  if (isa == TERN_CPU_AVX2 && tern_cpu_isa_supported(isa)) fn = tern_cpu_rows_avx2;
  if (isa == TERN_CPU_AVX512 && tern_cpu_isa_supported(isa)) fn = tern_cpu_rows_avx512;
  /* scratch: every item's padded activations (64-byte aligned each), sums, jobs, unit table */
  size_t xbytes = 0, tokens = 0, work = 0;
  for (size_t i = 0; i < count; i++) {
    xbytes += ((size_t)items[i].tokens * items[i].w->kp + 63) / 64 * 64;
    tokens += items[i].tokens;
    work += tern_cpu_weights_bytes(items[i].w) * items[i].tokens;
  }
  int8_t *xp = aligned_alloc(64, xbytes);
  int32_t *sumx = malloc(sizeof *sumx * tokens);
  tern_cpu_job *jobs = malloc(sizeof *jobs * count);
  size_t *first_unit = malloc(sizeof *first_unit * (count + 1));
  if (!xp || !sumx || !jobs || !first_unit) {
    free(xp), free(sumx), free(jobs), free(first_unit);
    return TERN_ERR_NOMEM;
  }
  size_t xo = 0, so = 0;
  first_unit[0] = 0;
  for (size_t i = 0; i < count; i++) {
    const tern_cpu_weights *w = items[i].w;
    for (uint32_t t = 0; t < items[i].tokens; t++) {
      int8_t *d = xp + xo + (size_t)t * w->kp;
      const int8_t *src = items[i].x + (size_t)t * w->k;
      int32_t sum = 0;
      memcpy(d, src, w->k);
      memset(d + w->k, 0, w->kp - w->k);
      for (uint32_t c = 0; c < w->k; c++) sum += src[c];
      sumx[so + t] = sum;
    }
    tern_cpu_job job = {w, xp + xo, sumx + so, items[i].tokens, items[i].acc, w->fmt == TERN_T5 ? w->t5_lut : NULL};
    jobs[i] = job;
    first_unit[i + 1] = first_unit[i] + (w->n + 3) / 4;
    xo += ((size_t)items[i].tokens * w->kp + 63) / 64 * 64;
    so += items[i].tokens;
  }
  struct rows_task task = {jobs, first_unit, count, fn};
  /* Several chunks a thread, so a thread the OS slows down leaves its share to the others;
   * but each chunk at least ~64 KiB of weights (per token): every claim is a contended
   * atomic and every chunk start a cold weight stream, which a 300 KiB matrix (2B4T k/v)
   * cannot amortise over 16 chunks. */
  const unsigned threads = tern_pool_threads(pool);
  size_t per_thread = work / ((size_t)threads << 16);
  per_thread = per_thread < 1 ? 1 : per_thread > 8 ? 8 : per_thread;
  tern_pool_for_chunks(pool, first_unit[count], (unsigned)per_thread * threads, rows_chunk, &task);
  free(xp), free(sumx), free(jobs), free(first_unit);
  return TERN_OK;
}

tern_status tern_cpu_matmul(const tern_cpu_weights *w, tern_cpu_isa isa, tern_pool *pool, const int8_t *x,
                            uint32_t tokens, int32_t *acc) {
  if (!w || !w->data || !x || !acc || tokens == 0) return TERN_ERR_ARG;
  const tern_cpu_matmul_item item = {w, x, tokens, acc};
  return tern_cpu_matmul_many(&item, 1, isa, pool);
}
