/* SPDX-License-Identifier: Apache-2.0 */
/* The cpu backend's kernels and thread pool: every kernel variant this machine runs (and the
 * portable one) against the C model's tern_matmul, bit for bit, on random and directed cases,
 * with 1 and 2 threads; and the pool's splitting.
 *   test_kernels [--seed S]      (the seed is printed; FAIL lines repeat it) */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_kernels.h"
#include "pool.h"
#include "tern.h"
#include "tern_mac.h"
#include "tern_pack.h"
#include "tern_test.h"

static uint64_t g_seed; /* test program state only */

/* The weights of a stream, the C model's accumulators, and each variant's, compared. Returns 0
 * on a match, else writes a description. */
static int check_stream(tern_geom g, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n, uint32_t tokens,
                        const int8_t *x, tern_cpu_isa isa, tern_pool *pool, char *why, size_t why_size) {
  int32_t *ref = malloc(sizeof(int32_t) * n * tokens), *got = malloc(sizeof(int32_t) * n * tokens);
  tern_cpu_weights cw;
  int bad = 0;
  if (!ref || !got) {
    snprintf(why, why_size, "out of memory");
    bad = 1;
    goto done;
  }
  if (tern_matmul(g, fmt, stream, k, n, tokens, x, ref) != TERN_OK) {
    snprintf(why, why_size, "tern_matmul failed");
    bad = 1;
    goto done;
  }
  if (tern_cpu_weights_from_stream(g, fmt, stream, k, n, &cw) != TERN_OK) {
    snprintf(why, why_size, "tern_cpu_weights_from_stream failed");
    bad = 1;
    goto done;
  }
  memset(got, 0x5A, sizeof(int32_t) * n * tokens);
  tern_status st = tern_cpu_matmul(&cw, isa, pool, x, tokens, got);
  tern_cpu_weights_free(&cw);
  if (st != TERN_OK) {
    snprintf(why, why_size, "tern_cpu_matmul: %s", tern_strerror(st));
    bad = 1;
    goto done;
  }
  for (size_t i = 0; i < (size_t)n * tokens; i++)
    if (got[i] != ref[i]) {
      snprintf(why, why_size,
               "%s %s k=%u n=%u tokens=%u threads=%u: acc[t=%zu][n=%zu] = %" PRId32 ", C model %" PRId32
               " (seed=%" PRIu64 ")",
               tern_cpu_isa_name(isa), tern_format_name(fmt), k, n, tokens, tern_pool_threads(pool), i / n, i % n,
               got[i], ref[i], g_seed);
      bad = 1;
      break;
    }
done:
  free(ref);
  free(got);
  return bad;
}

static int check_trits(tern_geom g, tern_format fmt, const int8_t *w, uint32_t k, uint32_t n, uint32_t tokens,
                       const int8_t *x, tern_cpu_isa isa, tern_pool *pool, char *why, size_t why_size) {
  uint8_t *stream = malloc(tern_stream_bytes(g, fmt, k, n));
  if (!stream || tern_pack(g, fmt, w, k, n, stream) != TERN_OK) {
    free(stream);
    snprintf(why, why_size, "pack failed");
    return 1;
  }
  int bad = check_stream(g, fmt, stream, k, n, tokens, x, isa, pool, why, why_size);
  free(stream);
  return bad;
}

static void rand_trits(uint64_t *rng, int8_t *w, size_t count) {
  /* a density per matrix: sparse, dense, or in between */
  const int zero_pct = (int)tern_rand_range(rng, 0, 100);
  for (size_t i = 0; i < count; i++)
    w[i] = tern_rand_range(rng, 0, 99) < zero_pct ? 0 : (tern_rand_next(rng) & 1) ? 1 : -1;
}

static void rand_x(uint64_t *rng, int8_t *x, size_t count) {
  for (size_t i = 0; i < count; i++) x[i] = (int8_t)tern_rand_range(rng, -128, 127);
}

static void test_variant(tern_test_ctx *t, tern_cpu_isa isa, unsigned threads) {
  char name[128], why[512];
  tern_pool *pool = tern_pool_new(threads);
  if (!pool) {
    snprintf(name, sizeof name, "kernels[%s,threads=%u]/pool", tern_cpu_isa_name(isa), threads);
    tern_test_begin(t, name);
    tern_test_fail(t, "tern_pool_new(%u) failed", threads);
    tern_test_end(t);
    return;
  }
  const tern_geom gd = tern_geom_default(), g35 = {3, 5};
  const tern_format fmts[2] = {TERN_T2, TERN_T5};
  uint64_t rng = g_seed ^ ((uint64_t)isa << 32) ^ threads;

  /* random shapes: K around the block sizes (64, 256, 320) and the lane count */
  {
    static const uint32_t ks[] = {1, 2, 5, 19, 20, 21, 63, 64, 65, 127, 255, 256, 257, 319, 320, 321, 641, 700, 2560};
    static const uint32_t ns[] = {1, 2, 3, 4, 5, 7, 9, 17, 33};
    snprintf(name, sizeof name, "kernels[%s,threads=%u]/random", tern_cpu_isa_name(isa), threads);
    tern_test_begin(t, name);
    for (int it = 0; it < 120 && !t->failed; it++) {
      const uint32_t k = ks[tern_rand_range(&rng, 0, sizeof ks / sizeof ks[0] - 1)];
      const uint32_t n = ns[tern_rand_range(&rng, 0, sizeof ns / sizeof ns[0] - 1)];
      const uint32_t tokens = (uint32_t)tern_rand_range(&rng, 1, 9);
      const tern_format fmt = fmts[it & 1];
      const tern_geom g = (it % 3 == 2) ? g35 : gd;
      int8_t *w = malloc((size_t)k * n), *x = malloc((size_t)k * tokens);
      if (!w || !x) {
        tern_test_fail(t, "out of memory");
      } else {
        rand_trits(&rng, w, (size_t)k * n);
        rand_x(&rng, x, (size_t)k * tokens);
        if (check_trits(g, fmt, w, k, n, tokens, x, isa, pool, why, sizeof why))
          tern_test_fail(t, "iteration %d: %s", it, why);
      }
      free(w);
      free(x);
    }
    tern_test_end(t);
  }

  /* batches of matrices in one pass of the pool (tern_cpu_matmul_many): chunks that span
   * items, items of both formats, different K, N and token counts in one batch */
  {
    static const uint32_t ks[] = {1, 21, 255, 320, 641, 2560};
    static const uint32_t ns[] = {1, 3, 4, 5, 33, 130, 640};
    snprintf(name, sizeof name, "kernels[%s,threads=%u]/many", tern_cpu_isa_name(isa), threads);
    tern_test_begin(t, name);
    for (int it = 0; it < 30 && !t->failed; it++) {
      enum { MAXI = 5 };
      const size_t count = (size_t)tern_rand_range(&rng, 1, MAXI);
      tern_cpu_matmul_item items[MAXI];
      tern_cpu_weights cw[MAXI];
      int32_t *ref[MAXI] = {0};
      int8_t *xs[MAXI] = {0};
      size_t made = 0;
      int ok = 1;
      for (size_t i = 0; i < count && ok; i++) {
        const uint32_t k = ks[tern_rand_range(&rng, 0, sizeof ks / sizeof ks[0] - 1)];
        const uint32_t n = ns[tern_rand_range(&rng, 0, sizeof ns / sizeof ns[0] - 1)];
        const uint32_t tokens = (uint32_t)tern_rand_range(&rng, 1, 9);
        const tern_format fmt = fmts[tern_rand_next(&rng) & 1];
        int8_t *w = malloc((size_t)k * n);
        uint8_t *stream = malloc(tern_stream_bytes(gd, fmt, k, n));
        xs[i] = malloc((size_t)k * tokens);
        ref[i] = malloc(sizeof(int32_t) * n * tokens);
        int32_t *got = malloc(sizeof(int32_t) * n * tokens);
        ok = w && stream && xs[i] && ref[i] && got;
        if (ok) {
          rand_trits(&rng, w, (size_t)k * n);
          rand_x(&rng, xs[i], (size_t)k * tokens);
          ok = tern_pack(gd, fmt, w, k, n, stream) == TERN_OK &&
               tern_matmul(gd, fmt, stream, k, n, tokens, xs[i], ref[i]) == TERN_OK &&
               tern_cpu_weights_from_stream(gd, fmt, stream, k, n, &cw[i]) == TERN_OK;
        }
        free(w);
        free(stream);
        if (ok) {
          memset(got, 0x5A, sizeof(int32_t) * n * tokens);
          const tern_cpu_matmul_item item = {&cw[i], xs[i], tokens, got};
          items[i] = item;
          made++;
        } else {
          free(got);
        }
      }
      if (!ok) {
        tern_test_fail(t, "iteration %d: setup failed (seed=%" PRIu64 ")", it, g_seed);
      } else {
        const tern_status st = tern_cpu_matmul_many(items, count, isa, pool);
        if (st != TERN_OK) tern_test_fail(t, "iteration %d: %s", it, tern_strerror(st));
        for (size_t i = 0; i < count && !t->failed; i++)
          for (size_t e = 0; e < (size_t)items[i].w->n * items[i].tokens; e++)
            if (items[i].acc[e] != ref[i][e]) {
              tern_test_fail(t,
                             "iteration %d, item %zu of %zu (%s k=%u n=%u tokens=%u): acc[%zu] = %" PRId32
                             ", C model %" PRId32 " (seed=%" PRIu64 ")",
                             it, i, count, tern_format_name(items[i].w->fmt), items[i].w->k, items[i].w->n,
                             items[i].tokens, e, items[i].acc[e], ref[i][e], g_seed);
              break;
            }
      }
      for (size_t i = 0; i < made; i++) {
        tern_cpu_weights_free(&cw[i]);
        free(items[i].acc);
      }
      for (size_t i = 0; i < count; i++) free(xs[i]), free(ref[i]);
    }
    tern_test_end(t);
  }

  /* every token count 1..9 at a 2B4T-like K, both formats */
  {
    snprintf(name, sizeof name, "kernels[%s,threads=%u]/tokens_1_to_9", tern_cpu_isa_name(isa), threads);
    tern_test_begin(t, name);
    const uint32_t k = 2560, n = 13;
    int8_t *w = malloc((size_t)k * n), *x = malloc((size_t)k * 9);
    if (!w || !x) tern_test_fail(t, "out of memory");
    for (uint32_t tokens = 1; tokens <= 9 && !t->failed; tokens++)
      for (int f = 0; f < 2 && !t->failed; f++) {
        rand_trits(&rng, w, (size_t)k * n);
        rand_x(&rng, x, (size_t)k * tokens);
        if (check_trits(gd, fmts[f], w, k, n, tokens, x, isa, pool, why, sizeof why)) tern_test_fail(t, "%s", why);
      }
    free(w);
    free(x);
    tern_test_end(t);
  }

  /* K = 65535 (TERN_K_MAX) at the extremes: all +1 / all -1 weights, x = -128 / 127, and a
   * mixed row, so |acc| reaches 128 * K */
  {
    snprintf(name, sizeof name, "kernels[%s,threads=%u]/kmax_extremes", tern_cpu_isa_name(isa), threads);
    tern_test_begin(t, name);
    const uint32_t k = TERN_K_MAX, n = 4, tokens = 3;
    int8_t *w = malloc((size_t)k * n), *x = malloc((size_t)k * tokens);
    if (!w || !x) tern_test_fail(t, "out of memory");
    for (uint32_t i = 0; w && x && i < k; i++) {
      w[i] = 1;
      w[k + i] = -1;
      w[2 * k + i] = (i & 1) ? 1 : -1;
      w[3 * k + i] = 0;
      x[i] = -128;
      x[k + i] = 127;
      x[2 * k + i] = (i & 1) ? 127 : -128;
    }
    for (int f = 0; f < 2 && !t->failed; f++)
      if (check_trits(gd, fmts[f], w, k, n, tokens, x, isa, pool, why, sizeof why)) tern_test_fail(t, "%s", why);
    free(w);
    free(x);
    tern_test_end(t);
  }

  /* raw streams as tern_matmul reads them: every T5 byte value (the 13 non-canonical aliases
   * included), and T2 streams with the reserved code 3 (a 0 weight) */
  {
    snprintf(name, sizeof name, "kernels[%s,threads=%u]/raw_streams", tern_cpu_isa_name(isa), threads);
    tern_test_begin(t, name);
    const uint32_t k = 640, n = 2; /* default geometry: 32 beats of 8 bytes = 256 bytes in T5 */
    const size_t bytes5 = tern_stream_bytes(gd, TERN_T5, k, n), bytes2 = tern_stream_bytes(gd, TERN_T2, k, n);
    uint8_t *s = malloc(bytes2 > bytes5 ? bytes2 : bytes5);
    int8_t *x = malloc((size_t)k * 9);
    if (!s || !x) tern_test_fail(t, "out of memory");
    for (uint32_t tokens = 1; tokens <= 9 && !t->failed; tokens += 4) {
      for (int rot = 0; rot < 3 && !t->failed; rot++) {
        for (size_t i = 0; i < bytes5; i++) s[i] = (uint8_t)(i * 1 + (size_t)rot * 85);
        rand_x(&rng, x, (size_t)k * tokens);
        if (check_stream(gd, TERN_T5, s, k, n, tokens, x, isa, pool, why, sizeof why)) tern_test_fail(t, "T5: %s", why);
      }
      for (size_t i = 0; i < bytes2; i++) s[i] = (uint8_t)tern_rand_next(&rng);
      rand_x(&rng, x, (size_t)k * tokens);
      if (check_stream(gd, TERN_T2, s, k, n, tokens, x, isa, pool, why, sizeof why)) tern_test_fail(t, "T2: %s", why);
    }
    free(s);
    free(x);
    tern_test_end(t);
  }
  tern_pool_free(pool);
}

/* ---- the pool ---- */
struct cover {
  atomic_uint *hits;
  atomic_uint calls;
  unsigned threads_seen_max;
};
static void cover_fn(void *arg, size_t begin, size_t end, unsigned thread) {
  struct cover *c = arg;
  atomic_fetch_add(&c->calls, 1);
  if (thread >= c->threads_seen_max) atomic_fetch_add(&c->hits[0], 1000000); /* out-of-range thread id */
  for (size_t i = begin; i < end; i++) atomic_fetch_add(&c->hits[i], 1);
}

static void test_pool(tern_test_ctx *t) {
  static const unsigned thread_counts[] = {1, 2, 3, 5};
  for (size_t ti = 0; ti < sizeof thread_counts / sizeof thread_counts[0]; ti++) {
    char name[64];
    const unsigned th = thread_counts[ti];
    snprintf(name, sizeof name, "pool[threads=%u]/cover", th);
    tern_test_begin(t, name);
    tern_pool *p = tern_pool_new(th);
    TERN_CHECK(t, p != NULL);
    if (p) {
      TERN_CHECK(t, tern_pool_threads(p) == th);
      atomic_uint hits[100];
      for (size_t n = 0; n <= 100 && !t->failed; n++) {
        for (int rep = 0; rep < 20 && !t->failed; rep++) {
          struct cover c = {hits, 0, th};
          for (size_t i = 0; i < 100; i++) atomic_init(&hits[i], 0);
          atomic_init(&c.calls, 0);
          tern_pool_for(p, n, cover_fn, &c);
          for (size_t i = 0; i < 100; i++)
            if (atomic_load(&hits[i]) != (i < n ? 1u : 0u))
              tern_test_fail(t, "n=%zu: index %zu run %u times", n, i, atomic_load(&hits[i]));
          const unsigned want_calls = n < th ? (unsigned)n : th;
          if (n > 1 && atomic_load(&c.calls) != want_calls)
            tern_test_fail(t, "n=%zu: %u chunks, want %u", n, atomic_load(&c.calls), want_calls);
        }
      }
      tern_pool_free(p);
    }
    tern_test_end(t);
  }
  tern_test_begin(t, "pool/null_and_default");
  {
    atomic_uint hits[8];
    for (int i = 0; i < 8; i++) atomic_init(&hits[i], 0);
    struct cover c = {hits, 0, 1};
    atomic_init(&c.calls, 0);
    tern_pool_for(NULL, 8, cover_fn, &c);
    TERN_CHECK(t, atomic_load(&c.calls) == 1);
    tern_pool *p = tern_pool_new(0);
    TERN_CHECK(t, p && tern_pool_threads(p) >= 1);
    tern_pool_free(p);
    tern_pool_free(NULL);
  }
  tern_test_end(t);
}

/* The device's pool: "threads=N" on cpu and cmodel URIs, bad options refused with a reason. */
static void test_device_pool(tern_test_ctx *t) {
  tern_test_begin(t, "device/threads_option");
  static const struct {
    const char *uri;
    unsigned threads; /* 0: open must fail */
  } cases[] = {{"cpu:threads=2", 2}, {"cpu:threads=1", 1}, {"cmodel:threads=3", 3},
               {"cpu:threads=0", 0}, {"cpu:threads=", 0},  {"cpu:threads=2x", 0},
               {"cpu:bogus=1", 0},   {"cpu:", 1},          {"cmodel:threads=99999999999", 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tern_device *dev = NULL;
    char err[256] = "";
    tern_status st = tern_open_err(cases[i].uri, &dev, err, sizeof err);
    if (cases[i].threads == 0) {
      if (st == TERN_OK || !err[0]) tern_test_fail(t, "%s: opened, or failed without a reason", cases[i].uri);
    } else if (st != TERN_OK) {
      tern_test_fail(t, "%s: %s", cases[i].uri, err);
    } else if (strcmp(cases[i].uri, "cpu:") != 0 && tern_pool_threads(tern_device_pool(dev)) != cases[i].threads) {
      tern_test_fail(t, "%s: pool of %u threads", cases[i].uri, tern_pool_threads(tern_device_pool(dev)));
    }
    tern_close(dev);
  }
  tern_test_end(t);
}

int main(int argc, char **argv) {
  g_seed = 1;
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--seed")) g_seed = strtoull(argv[i + 1], NULL, 0);
  printf("# test_kernels seed=%" PRIu64 " selected=%s\n", g_seed, tern_cpu_isa_name(tern_cpu_isa_select()));
  tern_test_ctx t = {0};
  test_pool(&t);
  test_device_pool(&t);
  for (int isa = 0; isa < TERN_CPU_ISA_COUNT; isa++) {
    if (!tern_cpu_isa_supported((tern_cpu_isa)isa)) {
      char name[64];
      snprintf(name, sizeof name, "kernels[%s]", tern_cpu_isa_name((tern_cpu_isa)isa));
      tern_test_skip(&t, name, "not supported by this CPU");
      continue;
    }
    for (unsigned th = 1; th <= 2; th++) test_variant(&t, (tern_cpu_isa)isa, th);
  }
  return tern_test_exit(&t);
}
