/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the model loader (driver/src/model.c on top of gguf.c): a tiny valid
 * BitNet model is made once in memory (tern_synth_gguf: 1 layer, dim 128, vocabulary 64), and
 * each input is a list of edits to a copy of it, so every input starts from a file the loader
 * accepts and the fuzzer explores the hyper-parameters and the tensor table instead of the
 * GGUF syntax (fuzz_gguf does that):
 *   [what] [index] [offset] [length 1..8] [bytes...]   repeated
 *   what % 4: 0 the value bytes of metadata key #index, 1 the tensor info of tensor #index
 *   (n_dims, dims, type, offset), 2 the value type of key #index, 3 the first 256 data bytes of
 *   tensor #index (norms and the embedding: NaN, inf, huge values)
 * The edited file goes through the real loader on the cpu device (tern_gguf_open_memory,
 * tern_model_load) and, when it loads, through tern_ctx_new and two tokens of tern_ctx_eval
 * with logits. A failure must leave a message; besides that: no crash, hang, leak or
 * sanitizer report. Each input runs in well under a millisecond or two. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern.h"
#include "tern_gguf.h"
#include "tern_model.h"
#include "tern_synth.h"

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

typedef struct {
  size_t at, len;
} span;

enum { MAX_ITEMS = 64 };

/* The pristine model and where its fields are (found once). */
static uint8_t *base;
static size_t base_size;
static span kv_val[MAX_ITEMS], kv_type[MAX_ITEMS], t_info[MAX_ITEMS], t_data[MAX_ITEMS];
static size_t n_kv, n_t;
static tern_device *dev;

static uint64_t rd(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* Skip one metadata value of type t at *pos (the pristine file is well formed). */
static void skip_value(uint32_t t, size_t *pos) {
  static const size_t size[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  if (t == 8) {
    *pos += 8 + rd(base + *pos, 8);
  } else if (t == 9) {
    uint32_t et = (uint32_t)rd(base + *pos, 4);
    uint64_t n = rd(base + *pos + 4, 8);
    *pos += 12;
    for (uint64_t i = 0; i < n; i++) skip_value(et, pos);
  } else {
    *pos += size[t];
  }
}

static void init(void) {
  char err[256];
  tern_synth_params sp;
  CHECK(tern_synth_parse("tiny,dim=128,layers=1,ff=128,heads=2,kv=1,vocab=64,ctx=16", &sp, err, sizeof err) == TERN_OK);
  CHECK(tern_synth_gguf(&sp, &base, &base_size, err, sizeof err) == TERN_OK);
  size_t pos = 8;
  uint64_t nt = rd(base + pos, 8), nkv = rd(base + pos + 8, 8);
  CHECK(nt <= MAX_ITEMS && nkv <= MAX_ITEMS);
  pos += 16;
  for (n_kv = 0; n_kv < nkv; n_kv++) {
    pos += 8 + rd(base + pos, 8); /* the key */
    kv_type[n_kv] = (span){pos, 4};
    uint32_t t = (uint32_t)rd(base + pos, 4);
    pos += 4;
    size_t v = pos;
    skip_value(t, &pos);
    kv_val[n_kv] = (span){v, pos - v};
  }
  tern_gguf *g;
  CHECK(tern_gguf_open_memory(base, base_size, &g, err, sizeof err) == TERN_OK);
  for (n_t = 0; n_t < nt; n_t++) {
    pos += 8 + rd(base + pos, 8); /* the name */
    size_t v = pos;
    pos += 4 + 8 * rd(base + pos, 4) + 4 + 8;
    t_info[n_t] = (span){v, pos - v};
    const tern_gguf_tensor *t = tern_gguf_tensor_at(g, n_t);
    t_data[n_t] = (span){(size_t)(t->data - base), t->nbytes < 256 ? t->nbytes : 256};
  }
  tern_gguf_close(g);
  CHECK(tern_open_err("cpu:threads=1", &dev, err, sizeof err) == TERN_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n) {
  if (!base) init();
  uint8_t *f = malloc(base_size);
  CHECK(f != NULL);
  memcpy(f, base, base_size);
  for (size_t i = 0; i + 4 <= n;) {
    const uint8_t what = in[i] % 4, idx = in[i + 1], off = in[i + 2];
    const size_t len = 1 + in[i + 3] % 8;
    i += 4;
    const span *s = what == 0   ? &kv_val[idx % n_kv]
                    : what == 1 ? &t_info[idx % n_t]
                    : what == 2 ? &kv_type[idx % n_kv]
                                : &t_data[idx % n_t];
    for (size_t j = 0; j < len && i < n; j++, i++)
      if (s->len) f[s->at + (off + j) % s->len] = in[i];
  }
  char err[1024];
  err[0] = 0;
  tern_gguf *g = NULL;
  tern_model *m = NULL;
  tern_ctx *c = NULL;
  if (tern_gguf_open_memory(f, base_size, &g, err, sizeof err) != TERN_OK) {
    CHECK(err[0]);
    goto out;
  }
  tern_model_params p;
  if (tern_model_read_params(g, &p, err, sizeof err) != TERN_OK) CHECK(err[0]);
  err[0] = 0;
  if (tern_model_load(dev, g, NULL, &m, err, sizeof err) != TERN_OK) {
    CHECK(err[0] && m == NULL);
    goto out;
  }
  const tern_model_params *mp = tern_model_get_params(m);
  CHECK(mp->n_vocab >= 1 && mp->n_layer >= 1);
  if (mp->n_vocab > 4096 || mp->n_layer > 4) goto out; /* each input must stay fast */
  if (tern_ctx_new(m, 4, &c, err, sizeof err) != TERN_OK) {
    CHECK(err[0]);
    goto out;
  }
  float *logits = malloc(sizeof(float) * mp->n_vocab);
  CHECK(logits != NULL);
  const int32_t tok[2] = {0, (int32_t)(mp->n_vocab - 1)};
  err[0] = 0;
  tern_status st = tern_ctx_eval(c, tok, 2, logits, 0, err, sizeof err);
  if (st != TERN_OK)
    CHECK(err[0]);
  else
    for (uint32_t v = 0; v < mp->n_vocab; v++) CHECK(logits[v] == logits[v] && logits[v] - logits[v] == 0.0f);
  free(logits);
out:
  tern_ctx_free(c);
  tern_model_free(m);
  tern_gguf_close(g);
  free(f);
  return 0;
}
