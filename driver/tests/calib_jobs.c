/* SPDX-License-Identifier: Apache-2.0 */
/* The calibration job set of the systemc device: the same BitLinear calls on any device, each
 * call's device cycles printed (tern_device_get_stats around it), so tests/test_systemc.sh can
 * run it on the rtl device and on the systemc device and compare. The set covers K and N that
 * are not multiples of LANES or ROWS, tokens 1 .. 2*T_MAX+1 (more than T_MAX: several jobs per
 * call), T2 and T5, batches, and the shapes of the built-in model (models/tern-kjv.gguf: dim
 * 256, kv 64, ff 512).
 *   calib_jobs --device URI [--quick]     prints "job I LABEL cycles C" lines, then "total C"
 * Weights and activations are random (fixed seed): cycle counts do not depend on them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern.h"
#include "tern_rng.h"

typedef struct {
  uint32_t k, n, tokens;
  tern_format fmt;
} shape;

static uint64_t cycles_now(const tern_device *dev) {
  tern_device_stats s;
  tern_device_get_stats(dev, &s);
  return s.device_cycles;
}

static int8_t *random_trits(uint32_t k, uint32_t n, uint64_t *rng) {
  int8_t *w = malloc((size_t)k * n);
  if (w)
    for (size_t i = 0; i < (size_t)k * n; i++) w[i] = (int8_t)((int)(tern_rand_next(rng) % 3) - 1);
  return w;
}

static float *random_acts(uint32_t k, uint32_t tokens, uint64_t *rng) {
  float *x = malloc(sizeof(float) * k * tokens);
  if (x)
    for (size_t i = 0; i < (size_t)k * tokens; i++)
      x[i] = (float)((double)(int64_t)(tern_rand_next(rng) % 2001) - 1000.0) / 250.0f;
  return x;
}

static tern_status load(tern_device *dev, uint32_t k, uint32_t n, tern_format fmt, uint64_t *rng, tern_weights **w) {
  int8_t *trits = random_trits(k, n, rng);
  if (!trits) return TERN_ERR_NOMEM;
  tern_tensor_src src = {TERN_LAYOUT_TRITS, trits, (size_t)k * n, k, n, 1.0f};
  tern_status st = tern_weights_load(dev, &src, fmt, w);
  free(trits);
  return st;
}

/* One call of shape s; returns its device cycles through *cyc. */
static tern_status run_one(tern_device *dev, const shape *s, uint64_t *rng, uint64_t *cyc) {
  tern_weights *w = NULL;
  tern_status st = load(dev, s->k, s->n, s->fmt, rng, &w);
  if (st != TERN_OK) return st;
  float *x = random_acts(s->k, s->tokens, rng), *y = malloc(sizeof(float) * s->n * s->tokens);
  if (!x || !y) st = TERN_ERR_NOMEM;
  const uint64_t c0 = cycles_now(dev);
  if (st == TERN_OK) st = tern_bitlinear(dev, w, x, s->tokens, y);
  *cyc = cycles_now(dev) - c0;
  free(x), free(y);
  tern_weights_free(w);
  return st;
}

/* One tern_bitlinear_batch of several shapes (their jobs queued back to back). */
static tern_status run_batch(tern_device *dev, const shape *s, int count, uint64_t *rng, uint64_t *cyc) {
  tern_weights *w[8] = {0};
  float *x[8] = {0}, *y[8] = {0};
  tern_bitlinear_op ops[8];
  tern_status st = TERN_OK;
  for (int i = 0; i < count && st == TERN_OK; i++) {
    st = load(dev, s[i].k, s[i].n, s[i].fmt, rng, &w[i]);
    x[i] = random_acts(s[i].k, s[i].tokens, rng);
    y[i] = malloc(sizeof(float) * s[i].n * s[i].tokens);
    if (st == TERN_OK && (!x[i] || !y[i])) st = TERN_ERR_NOMEM;
    ops[i] = (tern_bitlinear_op){w[i], x[i], s[i].tokens, y[i]};
  }
  const uint64_t c0 = cycles_now(dev);
  if (st == TERN_OK) st = tern_bitlinear_batch(dev, ops, (size_t)count);
  *cyc = cycles_now(dev) - c0;
  for (int i = 0; i < count; i++) {
    tern_weights_free(w[i]);
    free(x[i]), free(y[i]);
  }
  return st;
}

static void label(char *buf, size_t size, const shape *s, int count) {
  size_t len = 0;
  for (int i = 0; i < count && len < size; i++)
    len += (size_t)snprintf(buf + len, size - len, "%s%ux%u/T%u/%s", i ? "+" : "", s[i].k, s[i].n, s[i].tokens,
                            tern_format_name(s[i].fmt));
}

/* One driver call (count 1: a single call; more: one batch of the count shapes), printed as a
 * "job" line and added to the total. */
typedef struct {
  tern_device *dev;
  uint64_t rng, total;
  int idx;
} calib;

static tern_status job(calib *c, const shape *s, int count) {
  uint64_t cyc = 0;
  tern_status st = count == 1 ? run_one(c->dev, s, &c->rng, &cyc) : run_batch(c->dev, s, count, &c->rng, &cyc);
  if (st != TERN_OK) return st;
  char name[256];
  label(name, sizeof name, s, count);
  printf("job %d %s cycles %" PRIu64 "\n", c->idx++, name, cyc);
  c->total += cyc;
  return TERN_OK;
}

int main(int argc, char **argv) {
  const char *uri = NULL;
  int quick = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--device") && i + 1 < argc)
      uri = argv[++i];
    else if (!strcmp(argv[i], "--quick"))
      quick = 1;
    else {
      fprintf(stderr, "usage: calib_jobs --device URI [--quick]\n");
      return 2;
    }
  }
  tern_device *dev = NULL;
  char why[512] = "";
  tern_status st = tern_open_err(uri, &dev, why, sizeof why);
  if (st != TERN_OK) {
    fprintf(stderr, "calib_jobs: %s: %s: %s\n", uri ? uri : "TERN_DEVICE", tern_strerror(st), why);
    return 1;
  }
  static const uint32_t ks[] = {1, 7, 19, 20, 21, 64, 100, 256, 300, 512, 777, 1000};
  static const uint32_t ns[] = {1, 2, 3, 17, 40, 64, 101, 256, 512};
  calib c = {dev, 2026, 0, 0};
  /* single calls: a spread of shapes, tokens and both formats */
  const int nk = (int)(sizeof ks / sizeof ks[0]), nn = (int)(sizeof ns / sizeof ns[0]);
  for (int i = 0; i < nk * nn; i += quick ? 5 : 1) {
    shape s = {ks[i % nk], ns[(i / nk + i) % nn], 1 + (uint32_t)(i % (2 * TERN_T_MAX + 1)),
               (i / 2) % 2 ? TERN_T5 : TERN_T2};
    if ((st = job(&c, &s, 1)) != TERN_OK) goto fail;
  }
  /* every token count at one shape, both formats */
  for (uint32_t t = 1; t <= TERN_T_MAX; t += quick ? 3 : 1)
    for (int f = 0; f < 2; f++) {
      shape s = {300, 41, t, f ? TERN_T5 : TERN_T2};
      if ((st = job(&c, &s, 1)) != TERN_OK) goto fail;
    }
  /* the built-in model's layer: q, k, v as one batch, o, gate and up as one batch, down; decode
   * (T = 1) and prefill (T = 8, and 11 = a job of 8 and one of 3), T5 and T2 */
  static const uint32_t tok[] = {1, 8, 11};
  for (int f = 0; f < 2; f++)
    for (int ti = 0; ti < 3; ti++) {
      const tern_format fmt = f ? TERN_T2 : TERN_T5;
      const uint32_t t = tok[ti];
      shape qkv[3] = {{256, 256, t, fmt}, {256, 64, t, fmt}, {256, 64, t, fmt}};
      shape o = {256, 256, t, fmt}, gu[2] = {{256, 512, t, fmt}, {256, 512, t, fmt}}, down = {512, 256, t, fmt};
      if ((st = job(&c, qkv, 3)) != TERN_OK || (st = job(&c, &o, 1)) != TERN_OK || (st = job(&c, gu, 2)) != TERN_OK ||
          (st = job(&c, &down, 1)) != TERN_OK)
        goto fail;
    }
  /* a batch of mixed small jobs (the queue full, jobs shorter than their plan) */
  {
    shape mix[6] = {{21, 3, 2, TERN_T2},   {7, 1, 1, TERN_T5},  {640, 40, 1, TERN_T5},
                    {100, 17, 8, TERN_T2}, {19, 2, 5, TERN_T5}, {1000, 64, 1, TERN_T2}};
    if ((st = job(&c, mix, 6)) != TERN_OK) goto fail;
  }
  printf("total %" PRIu64 "\n", c.total);
  tern_close(dev);
  return 0;
fail:
  fprintf(stderr, "calib_jobs: job %d: %s: %s\n", c.idx, tern_strerror(st), tern_last_error(dev));
  tern_close(dev);
  return 1;
}
