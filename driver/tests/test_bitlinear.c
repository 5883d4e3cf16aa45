/* SPDX-License-Identifier: Apache-2.0 */
/* The driver suite: the same binary runs on every backend (TERN_DEVICE=cpu|cmodel|rtl|systemc,
 * or --device URI; rtl and systemc need their plugin, make -C driver rtl / systemc) and checks
 * BitLinear results against an independent computation.
 *   test_bitlinear [--device URI] [--seed S] [--dump FILE]
 * --dump writes the float bits of a fixed workload, so two backends can be compared with cmp. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern.h"
#include "tern_mac.h"
#include "tern_pack.h"
#include "tern_quant.h"
#include "tern_test.h"

typedef struct {
  uint32_t k, n, tokens;
  int8_t *w;
  float *x, scale;
} workload;

static void make_workload(workload *wl, uint32_t k, uint32_t n, uint32_t tokens, uint64_t *rng) {
  wl->k = k, wl->n = n, wl->tokens = tokens;
  wl->w = malloc((size_t)k * n);
  wl->x = malloc(sizeof(float) * k * tokens);
  for (size_t i = 0; i < (size_t)k * n; i++) wl->w[i] = (int8_t)((int)(tern_rand_next(rng) % 3) - 1);
  for (size_t i = 0; i < (size_t)k * tokens; i++)
    wl->x[i] = (float)((double)(int64_t)(tern_rand_next(rng) % 2000001) - 1000000.0) / 250000.0f;
  wl->scale = 0.5f + (float)(tern_rand_next(rng) % 1024) / 1024.0f; /* exact in fp16 */
}

static void free_workload(workload *wl) {
  free(wl->w);
  free(wl->x);
}

/* Independent reference: integer dot products by multiplication, then the shared epilogue;
 * and a double-precision value the floats must be close to. */
static int check_outputs(tern_test_ctx *t, const workload *wl, const float *y) {
  int8_t *xq = malloc(wl->k);
  int32_t *acc = malloc(sizeof(int32_t) * wl->n);
  float *yr = malloc(sizeof(float) * wl->n);
  int ok = 1;
  for (uint32_t tok = 0; tok < wl->tokens && ok; tok++) {
    float absmax;
    tern_quantize_acts(wl->x + (size_t)tok * wl->k, wl->k, xq, &absmax);
    for (uint32_t r = 0; r < wl->n; r++) {
      int64_t dot = 0;
      for (uint32_t c = 0; c < wl->k; c++) dot += (int64_t)wl->w[(size_t)r * wl->k + c] * xq[c];
      acc[r] = (int32_t)dot;
    }
    tern_epilogue(acc, wl->n, absmax, wl->scale, yr);
    for (uint32_t r = 0; r < wl->n; r++) {
      const float got = y[(size_t)tok * wl->n + r];
      double want = (double)acc[r] * ((double)absmax / 127.0) * wl->scale;
      if (memcmp(&got, &yr[r], sizeof got) != 0 || fabs(got - want) > 1e-6 * fabs(want) + 1e-30) {
        tern_test_fail(t, "K=%u N=%u token %u row %u: got %.9g, reference %.9g (double %.9g)", wl->k, wl->n, tok, r,
                       got, yr[r], want);
        ok = 0;
        break;
      }
    }
  }
  free(xq), free(acc), free(yr);
  return ok;
}

static tern_status load(tern_device *dev, const workload *wl, tern_layout layout, tern_format fmt, tern_weights **w) {
  tern_tensor_src src = {layout, NULL, 0, wl->k, wl->n, wl->scale};
  uint8_t *blob = NULL;
  switch (layout) {
    case TERN_LAYOUT_TRITS: src.data = wl->w, src.size = (size_t)wl->k * wl->n; break;
    case TERN_LAYOUT_I2S:
      src.size = tern_i2s_bytes(wl->k, wl->n), blob = malloc(src.size);
      tern_to_i2s(wl->w, wl->k, wl->n, wl->scale, blob);
      break;
    case TERN_LAYOUT_TQ2_0:
      src.size = tern_tq2_0_bytes(wl->k, wl->n), blob = malloc(src.size);
      tern_to_tq2_0(wl->w, wl->k, wl->n, wl->scale, blob);
      break;
    case TERN_LAYOUT_TQ1_0:
      src.size = tern_tq1_0_bytes(wl->k, wl->n), blob = malloc(src.size);
      tern_to_tq1_0(wl->w, wl->k, wl->n, wl->scale, blob);
      break;
  }
  if (blob) src.data = blob;
  tern_status st = tern_weights_load(dev, &src, fmt, w);
  free(blob);
  return st;
}

int main(int argc, char **argv) {
  const char *uri = NULL, *dump = NULL;
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--device")) uri = argv[i + 1];
    if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[i + 1], NULL, 0);
    if (!strcmp(argv[i], "--dump")) dump = argv[i + 1];
  }
  tern_test_ctx t = {0};
  tern_device *dev = NULL;
  char why[512] = "";
  tern_status st = tern_open_err(uri, &dev, why, sizeof why);
  if (st != TERN_OK) {
    printf("FAIL driver/open: %s (%s): %s\n", tern_strerror(st), uri ? uri : "TERN_DEVICE", why);
    return 1;
  }
  char name[128];
  const char *dn = tern_device_uri(dev);
  const tern_format fmts[2] = {TERN_T2, TERN_T5};

  snprintf(name, sizeof name, "driver[%s]/random_vs_reference", dn);
  tern_test_begin(&t, name);
  uint64_t rng = seed;
  for (int it = 0; it < 200 && !t.failed; it++) {
    workload wl;
    make_workload(&wl, (uint32_t)tern_rand_range(&rng, 1, 300), (uint32_t)tern_rand_range(&rng, 1, 40),
                  (uint32_t)tern_rand_range(&rng, 1, 2 * TERN_T_MAX + 3), &rng);
    tern_weights *w = NULL;
    st = load(dev, &wl, TERN_LAYOUT_TRITS, fmts[it & 1], &w);
    float *y = malloc(sizeof(float) * wl.n * wl.tokens);
    if (st != TERN_OK)
      tern_test_fail(&t, "load: %s", tern_last_error(dev));
    else if ((st = tern_bitlinear(dev, w, wl.x, wl.tokens, y)) != TERN_OK)
      tern_test_fail(&t, "bitlinear: %s", tern_last_error(dev));
    else if (!check_outputs(&t, &wl, y))
      tern_test_fail(&t, "(iteration %d, seed=%" PRIu64 ")", it, seed);
    free(y);
    tern_weights_free(w);
    free_workload(&wl);
  }
  tern_test_end(&t);

  snprintf(name, sizeof name, "driver[%s]/gguf_layouts_and_formats_identical", dn);
  tern_test_begin(&t, name);
  {
    workload wl;
    make_workload(&wl, 512, 24, 3, &rng);
    float *ref = malloc(sizeof(float) * wl.n * wl.tokens), *y = malloc(sizeof(float) * wl.n * wl.tokens);
    int first = 1;
    for (int l = TERN_LAYOUT_TRITS; l <= TERN_LAYOUT_TQ1_0 && !t.failed; l++)
      for (int f = 0; f < 2 && !t.failed; f++) {
        tern_weights *w = NULL;
        if (load(dev, &wl, (tern_layout)l, fmts[f], &w) != TERN_OK ||
            tern_bitlinear(dev, w, wl.x, wl.tokens, first ? ref : y) != TERN_OK) {
          tern_test_fail(&t, "layout %d format %d: %s", l, f, tern_last_error(dev));
        } else if (first) {
          first = 0;
          if (!check_outputs(&t, &wl, ref)) tern_test_fail(&t, "reference layout");
        } else if (memcmp(ref, y, sizeof(float) * wl.n * wl.tokens) != 0) {
          tern_test_fail(&t, "layout %d format %s differs from trits/T2", l, tern_format_name(fmts[f]));
        }
        tern_weights_free(w);
      }
    free(ref), free(y);
    free_workload(&wl);
  }
  tern_test_end(&t);

  /* A batch (every job queued before waiting) gives exactly what separate calls give. */
  snprintf(name, sizeof name, "driver[%s]/batch_equals_separate_calls", dn);
  tern_test_begin(&t, name);
  {
    enum { OPS = 7 };
    workload wl[OPS];
    tern_weights *w[OPS] = {0};
    tern_bitlinear_op ops[OPS];
    float *sep[OPS];
    for (int i = 0; i < OPS; i++) {
      make_workload(&wl[i], (uint32_t)tern_rand_range(&rng, 1, 200), (uint32_t)tern_rand_range(&rng, 1, 30),
                    (uint32_t)tern_rand_range(&rng, 1, 2 * TERN_T_MAX + 1), &rng);
      const size_t ny = (size_t)wl[i].n * wl[i].tokens;
      sep[i] = malloc(sizeof(float) * ny);
      tern_bitlinear_op op = {NULL, wl[i].x, wl[i].tokens, malloc(sizeof(float) * ny)};
      ops[i] = op;
      if (load(dev, &wl[i], TERN_LAYOUT_TRITS, fmts[i & 1], &w[i]) != TERN_OK ||
          tern_bitlinear(dev, w[i], wl[i].x, wl[i].tokens, sep[i]) != TERN_OK)
        tern_test_fail(&t, "op %d: %s", i, tern_last_error(dev));
      ops[i].w = w[i];
    }
    if (!t.failed && tern_bitlinear_batch(dev, ops, OPS) != TERN_OK)
      tern_test_fail(&t, "batch: %s", tern_last_error(dev));
    for (int i = 0; i < OPS && !t.failed; i++) {
      if (memcmp(sep[i], ops[i].y, sizeof(float) * wl[i].n * wl[i].tokens) != 0)
        tern_test_fail(&t, "op %d (K=%u N=%u T=%u): batch differs from a separate call", i, wl[i].k, wl[i].n,
                       wl[i].tokens);
      else if (!check_outputs(&t, &wl[i], ops[i].y))
        tern_test_fail(&t, "op %d", i);
    }
    TERN_CHECK(&t, tern_bitlinear_batch(dev, ops, 0) == TERN_OK);
    ops[3].tokens = 0;
    TERN_CHECK(&t, tern_bitlinear_batch(dev, ops, OPS) == TERN_ERR_ARG && strstr(tern_last_error(dev), "op 3"));
    for (int i = 0; i < OPS; i++) {
      free(sep[i]);
      free(ops[i].y);
      tern_weights_free(w[i]);
      free_workload(&wl[i]);
    }
  }
  tern_test_end(&t);

  snprintf(name, sizeof name, "driver[%s]/bad_input_clear_errors", dn);
  tern_test_begin(&t, name);
  {
    workload wl;
    make_workload(&wl, 256, 4, 1, &rng);
    tern_device *other = NULL;
    TERN_CHECK(&t, tern_open("no-such-device", &other) == TERN_ERR_DEVICE && other == NULL);
    tern_weights *w = NULL;
    uint8_t *blob = malloc(tern_i2s_bytes(256, 4));
    tern_to_i2s(wl.w, 256, 4, wl.scale, blob);
    tern_tensor_src src = {TERN_LAYOUT_I2S, blob, tern_i2s_bytes(256, 4) - 1, 256, 4, 0};
    TERN_CHECK(&t, tern_weights_load(dev, &src, TERN_T5, &w) == TERN_ERR_SIZE && w == NULL);
    TERN_CHECK(&t, strstr(tern_last_error(dev), "I2_S") && strstr(tern_last_error(dev), "needs"));
    src.size++;
    blob[3] = 0xFF; /* code 3 in weight 3 (bits 1:0 of byte 3: element 96 + 3) */
    TERN_CHECK(&t, tern_weights_load(dev, &src, TERN_T5, &w) == TERN_ERR_CODE && w == NULL);
    TERN_CHECK(&t, strstr(tern_last_error(dev), "weight") != NULL);
    wl.w[7] = 2;
    tern_tensor_src ts = {TERN_LAYOUT_TRITS, wl.w, 256 * 4, 256, 4, 1.0f};
    TERN_CHECK(&t, tern_weights_load(dev, &ts, TERN_T2, &w) == TERN_ERR_NOT_TERNARY);
    TERN_CHECK(&t, strstr(tern_last_error(dev), "weight 7") != NULL);
    wl.w[7] = 1;
    ts.scale = NAN;
    TERN_CHECK(&t, tern_weights_load(dev, &ts, TERN_T2, &w) == TERN_ERR_BAD_SCALE);
    ts.scale = 1.0f;
    ts.layout = (tern_layout)99;
    TERN_CHECK(&t, tern_weights_load(dev, &ts, TERN_T2, &w) == TERN_ERR_ARG);
    ts.layout = TERN_LAYOUT_TQ2_0;
    ts.k = 100; /* TQ2_0 needs K % 256 == 0 */
    ts.size = 0;
    TERN_CHECK(&t, tern_weights_load(dev, &ts, TERN_T2, &w) == TERN_ERR_SHAPE);
    ts.layout = TERN_LAYOUT_TRITS;
    ts.k = 256;
    ts.size = 256 * 4;
    TERN_CHECK(&t, tern_weights_load(dev, &ts, (tern_format)7, &w) == TERN_ERR_ARG);
    TERN_CHECK(&t, tern_weights_load(dev, &ts, TERN_T2, &w) == TERN_OK && w != NULL);
    float y[4];
    wl.x[10] = NAN;
    TERN_CHECK(&t, tern_bitlinear(dev, w, wl.x, 1, y) == TERN_ERR_NONFINITE);
    TERN_CHECK(&t, strstr(tern_last_error(dev), "token 0") != NULL);
    wl.x[10] = 0.0f;
    TERN_CHECK(&t, tern_bitlinear(dev, w, wl.x, 0, y) == TERN_ERR_ARG);
    TERN_CHECK(&t, tern_open("cmodel", &other) == TERN_OK);
    TERN_CHECK(&t, tern_bitlinear(other, w, wl.x, 1, y) == TERN_ERR_ARG); /* weights of another device */
    tern_close(other);
    TERN_CHECK(&t, tern_bitlinear(dev, w, wl.x, 1, y) == TERN_OK);
    tern_weights_free(w);
    free(blob);
    free_workload(&wl);
  }
  tern_test_end(&t);

  if (dump) { /* a fixed workload, written as float bit patterns */
    FILE *f = fopen(dump, "w");
    uint64_t r2 = 2026;
    for (int it = 0; it < 20 && f; it++) {
      workload wl;
      make_workload(&wl, 256 + 37 * it, 3 + it, 2, &r2);
      tern_weights *w = NULL;
      float *y = malloc(sizeof(float) * wl.n * wl.tokens);
      if (load(dev, &wl, TERN_LAYOUT_TRITS, fmts[it & 1], &w) == TERN_OK &&
          tern_bitlinear(dev, w, wl.x, wl.tokens, y) == TERN_OK)
        for (uint32_t i = 0; i < wl.n * wl.tokens; i++) {
          uint32_t u;
          memcpy(&u, &y[i], 4);
          fprintf(f, "%08x\n", u);
        }
      free(y);
      tern_weights_free(w);
      free_workload(&wl);
    }
    if (f) fclose(f);
  }
  tern_close(dev);
  return tern_test_exit(&t);
}
