/* SPDX-License-Identifier: Apache-2.0 */
/* A BitNet b1.58 model with random weights as a GGUF file in memory (tern_synth.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "tern_gguf.h"
#include "tern_gguf_write.h"
#include "tern_pack.h"
#include "tern_synth.h"
#include "tern_workloads.h"

static void preset_tiny(tern_synth_params *p) {
  tern_synth_params t = {256, 2, 768, 4, 2, 512, 256, 1.0 / 3.0, 1};
  *p = t;
}

static void preset_2b4t(tern_synth_params *p) {
  /* spec/tern.toml [workloads.2b4t]: dim, layers, FFN, heads, KV heads, vocabulary, context */
  tern_synth_params t = {TERN_W_2B4T_HIDDEN,
                         TERN_W_2B4T_LAYERS,
                         TERN_W_2B4T_FFN,
                         TERN_W_2B4T_HEADS,
                         TERN_W_2B4T_KV_HEADS,
                         TERN_W_2B4T_VOCAB,
                         TERN_W_2B4T_CTX,
                         1.0 / 3.0,
                         1};
  *p = t;
}

tern_status tern_synth_parse(const char *spec, tern_synth_params *p, char *err, size_t es) {
  if (!p) return tern_errf(err, es, TERN_ERR_ARG, "synth: NULL argument");
  preset_tiny(p);
  const char *s = spec ? spec : "";
  int first = 1;
  while (*s) {
    const char *end = strchr(s, ',');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    char item[64];
    if (len == 0 || len >= sizeof item) {
      if (len == 0) return tern_errf(err, es, TERN_ERR_ARG, "synth: empty item in '%s'", spec);
      return tern_errf(err, es, TERN_ERR_ARG, "synth: item '%.*s...' is too long", 32, s);
    }
    memcpy(item, s, len);
    item[len] = 0;
    char *eq = strchr(item, '=');
    if (!eq) {
      if (!first) return tern_errf(err, es, TERN_ERR_ARG, "synth: '%s': a preset (2b4t, tiny) must come first", item);
      if (strcmp(item, "2b4t") == 0)
        preset_2b4t(p);
      else if (strcmp(item, "tiny") == 0)
        preset_tiny(p);
      else
        return tern_errf(err, es, TERN_ERR_ARG, "synth: unknown preset '%s' (presets: 2b4t, tiny; or name=value)",
                         item);
    } else {
      *eq = 0;
      const char *name = item, *val = eq + 1;
      char *vend;
      errno = 0;
      if (strcmp(name, "zero") == 0) {
        double z = strtod(val, &vend);
        if (errno || vend == val || *vend || !(z >= 0.0 && z <= 1.0))
          return tern_errf(err, es, TERN_ERR_ARG, "synth: 'zero=%s' must be a fraction 0..1", val);
        p->zero = z;
      } else {
        unsigned long long v = strtoull(val, &vend, 10);
        if (errno || vend == val || *vend || val[0] == '-')
          return tern_errf(err, es, TERN_ERR_ARG, "synth: '%s=%s' must be a whole number", name, val);
        const unsigned long long lim = strcmp(name, "seed") == 0    ? ~0ull
                                       : strcmp(name, "vocab") == 0 ? 0x7fffffffull
                                       : strcmp(name, "ctx") == 0   ? (1ull << 24)
                                                                    : 65535ull;
        if (v > lim)
          return tern_errf(err, es, TERN_ERR_ARG, "synth: '%s=%s' is too large (at most %llu)", name, val, lim);
        if (strcmp(name, "dim") == 0)
          p->n_embd = (uint32_t)v;
        else if (strcmp(name, "layers") == 0)
          p->n_layer = (uint32_t)v;
        else if (strcmp(name, "ff") == 0)
          p->n_ff = (uint32_t)v;
        else if (strcmp(name, "heads") == 0)
          p->n_head = (uint32_t)v;
        else if (strcmp(name, "kv") == 0)
          p->n_head_kv = (uint32_t)v;
        else if (strcmp(name, "vocab") == 0)
          p->n_vocab = (uint32_t)v;
        else if (strcmp(name, "ctx") == 0)
          p->n_ctx = (uint32_t)v;
        else if (strcmp(name, "seed") == 0)
          p->seed = v;
        else
          return tern_errf(err, es, TERN_ERR_ARG,
                           "synth: unknown parameter '%s' (dim, layers, ff, heads, kv, vocab, ctx, zero, seed)", name);
      }
    }
    first = 0;
    s = end ? end + 1 : s + len;
  }
  if (p->n_embd == 0 || p->n_layer == 0 || p->n_ff == 0 || p->n_head == 0 || p->n_head_kv == 0 || p->n_vocab == 0 ||
      p->n_ctx == 0)
    return tern_errf(err, es, TERN_ERR_ARG, "synth: dim, layers, ff, heads, kv, vocab and ctx must be at least 1");
  if (p->n_embd % p->n_head != 0)
    return tern_errf(err, es, TERN_ERR_ARG, "synth: 'heads=%u' must divide dim=%u", p->n_head, p->n_embd);
  if (p->n_head % p->n_head_kv != 0)
    return tern_errf(err, es, TERN_ERR_ARG, "synth: 'kv=%u' must divide heads=%u", p->n_head_kv, p->n_head);
  if ((p->n_embd / p->n_head) % 2 != 0)
    return tern_errf(err, es, TERN_ERR_ARG, "synth: the head size dim/heads = %u must be even (RoPE pairs)",
                     p->n_embd / p->n_head);
  return TERN_OK;
}

/* ---- the model ------------------------------------------------------------------------- */

enum { KIND_EMBD, KIND_NORM, KIND_BITLINEAR };

typedef struct {
  char name[64];
  int kind;
  uint32_t ne0, ne1; /* ne1 = 1 for a vector */
  uint32_t type;
  size_t bytes;
  uint64_t offset;
} tinfo;

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t name_seed(uint64_t seed, const char *name) {
  uint64_t h = seed ^ 0xcbf29ce484222325ull;
  for (const char *c = name; *c; c++) h = (h ^ (uint8_t)*c) * 0x100000001b3ull;
  return h;
}

/* Random trits W[n][k] with exactly `zeros` zeros (Knuth's selection sampling: element i is
 * zero with probability zeros_left / elements_left), the others +1/-1. */
static void random_trits(uint64_t seed, size_t count, uint64_t zeros, int8_t *w) {
  uint64_t s = seed, left = count, zl = zeros;
  for (size_t i = 0; i < count; i++, left--) {
    const uint64_t r = splitmix(&s);
    /* a uniform integer in [0, left): from the top 32 bits when left < 2^32, else by modulo */
    const uint64_t pick = left < (1ull << 32) ? ((r >> 32) * left) >> 32 : r % left;
    if (pick < zl) {
      w[i] = 0;
      zl--;
    } else {
      w[i] = (r & 1) ? 1 : -1;
    }
  }
}

/* Random F16 values: sign random, exponent 11..14 (magnitudes 1/16 .. 1/2), random mantissa. */
static void random_halves(uint64_t seed, size_t count, uint8_t *out) {
  uint64_t s = seed;
  for (size_t i = 0; i < count;) {
    uint64_t r = splitmix(&s);
    for (int j = 0; j < 4 && i < count; j++, i++, r >>= 16) {
      const uint16_t h = (uint16_t)(((r >> 15) & 1) << 15 | (11 + ((r >> 10) & 3)) << 10 | (r & 0x3ff));
      out[2 * i] = (uint8_t)h;
      out[2 * i + 1] = (uint8_t)(h >> 8);
    }
  }
}

tern_status tern_synth_gguf(const tern_synth_params *p, uint8_t **data, size_t *size, char *err, size_t es) {
  if (!p || !data || !size) return tern_errf(err, es, TERN_ERR_ARG, "tern_synth_gguf: NULL argument");
  *data = NULL;
  *size = 0;
  const uint32_t E = p->n_embd, F = p->n_ff, hd = p->n_head ? E / p->n_head : 0, kvd = p->n_head_kv * hd;
  if (!E || !F || !hd || !kvd || !p->n_layer || !p->n_vocab || !(p->zero >= 0.0 && p->zero <= 1.0))
    return tern_errf(err, es, TERN_ERR_ARG, "synth: bad parameters (tern_synth_parse checks them)");
  const uint32_t wk[7] = {E, E, E, E, E, E, F}, wn[7] = {E, kvd, kvd, E, F, F, E};
  static const char *const wname[7] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
  for (int i = 0; i < 7; i++)
    if (tern_i2s_bytes(wk[i], wn[i]) == 0)
      return tern_errf(err, es, TERN_ERR_ARG,
                       "synth: blk.N.%s.weight is %u x %u: I2_S needs K x N to be a multiple of 128", wname[i], wn[i],
                       wk[i]);
  const size_t nt = 2 + (size_t)p->n_layer * 11;
  tinfo *t = calloc(nt, sizeof *t);
  if (!t) return tern_errf(err, es, TERN_ERR_NOMEM, "synth: out of memory");
  size_t n = 0;
#define TENSOR(nm_fmt, nm_arg, kind_, e0, e1, type_, bytes_)            \
  do {                                                                  \
    snprintf(t[n].name, sizeof t[n].name, nm_fmt, nm_arg);              \
    t[n].kind = kind_, t[n].ne0 = e0, t[n].ne1 = e1, t[n].type = type_; \
    t[n].bytes = bytes_;                                                \
    n++;                                                                \
  } while (0)
  TENSOR("%s", "token_embd.weight", KIND_EMBD, E, p->n_vocab, TERN_GGML_F16, (size_t)E * p->n_vocab * 2);
  TENSOR("%s", "output_norm.weight", KIND_NORM, E, 1, TERN_GGML_F32, (size_t)E * 4);
  for (uint32_t l = 0; l < p->n_layer; l++) {
    char pre[32];
    snprintf(pre, sizeof pre, "blk.%u.", l);
/* the layer's BitLinear weights wname[lo .. hi-1] */
#define BITLINEARS(lo, hi)                                                                        \
  for (int i = (lo); i < (hi); i++) {                                                             \
    char nm[64];                                                                                  \
    snprintf(nm, sizeof nm, "%s%s.weight", pre, wname[i]);                                        \
    TENSOR("%s", nm, KIND_BITLINEAR, wk[i], wn[i], TERN_GGML_I2_S, tern_i2s_bytes(wk[i], wn[i])); \
  }
    TENSOR("%sattn_norm.weight", pre, KIND_NORM, E, 1, TERN_GGML_F32, (size_t)E * 4);
    BITLINEARS(0, 4);
    TENSOR("%sattn_sub_norm.weight", pre, KIND_NORM, E, 1, TERN_GGML_F32, (size_t)E * 4);
    TENSOR("%sffn_norm.weight", pre, KIND_NORM, E, 1, TERN_GGML_F32, (size_t)E * 4);
    BITLINEARS(4, 7);
#undef BITLINEARS
    TENSOR("%sffn_sub_norm.weight", pre, KIND_NORM, F, 1, TERN_GGML_F32, (size_t)F * 4);
  }
#undef TENSOR
  /* metadata */
  tern_gguf_writer b = {0};
  const char *arch = "bitnet-b1.58";
  char key[96], name[160];
  tern_gguf_put_header(&b, 3, n, 12);
  tern_gguf_put_kv_str(&b, "general.architecture", arch);
  snprintf(name, sizeof name, "tern synthetic (dim %u, %u layers, ff %u, zero %.4g, seed %llu)", E, p->n_layer, F,
           p->zero, (unsigned long long)p->seed);
  tern_gguf_put_kv_str(&b, "general.name", name);
#define KEY(s) (snprintf(key, sizeof key, "%s.%s", arch, s), key)
  tern_gguf_put_kv_u32(&b, KEY("vocab_size"), p->n_vocab);
  tern_gguf_put_kv_u32(&b, KEY("context_length"), p->n_ctx);
  tern_gguf_put_kv_u32(&b, KEY("embedding_length"), E);
  tern_gguf_put_kv_u32(&b, KEY("block_count"), p->n_layer);
  tern_gguf_put_kv_u32(&b, KEY("feed_forward_length"), F);
  tern_gguf_put_kv_u32(&b, KEY("attention.head_count"), p->n_head);
  tern_gguf_put_kv_u32(&b, KEY("attention.head_count_kv"), p->n_head_kv);
  tern_gguf_put_kv_f32(&b, KEY("attention.layer_norm_rms_epsilon"), 1e-5f);
  tern_gguf_put_kv_u32(&b, KEY("rope.dimension_count"), hd);
  tern_gguf_put_kv_f32(&b, KEY("rope.freq_base"), 500000.0f);
#undef KEY
  uint64_t off = 0;
  for (size_t i = 0; i < n; i++) {
    const uint64_t ne[2] = {t[i].ne0, t[i].ne1};
    t[i].offset = off;
    tern_gguf_put_tensor_info(&b, t[i].name, t[i].kind != KIND_NORM ? 2 : 1, ne, t[i].type, off);
    off += tern_gguf_align_up(t[i].bytes, TERN_GGUF_DEFAULT_ALIGNMENT);
  }
  /* the data section, after the metadata padded to the alignment, is filled in place */
  const size_t meta = (size_t)tern_gguf_align_up(b.len, TERN_GGUF_DEFAULT_ALIGNMENT);
  const size_t total = meta + off;
  uint8_t *out = b.failed ? NULL : calloc(1, total);
  size_t max_w = 0;
  for (size_t i = 0; i < n; i++)
    if (t[i].kind == KIND_BITLINEAR && (size_t)t[i].ne0 * t[i].ne1 > max_w) max_w = (size_t)t[i].ne0 * t[i].ne1;
  int8_t *trits = malloc(max_w ? max_w : 1);
  tern_status st = TERN_OK;
  if (!out || !trits) {
    st = tern_errf(err, es, TERN_ERR_NOMEM, "synth: out of memory for a %zu-byte model", total);
    goto done;
  }
  memcpy(out, b.data, b.len);
  for (size_t i = 0; i < n && st == TERN_OK; i++) {
    uint8_t *dst = out + meta + t[i].offset;
    const uint64_t seed = name_seed(p->seed, t[i].name);
    if (t[i].kind == KIND_EMBD) {
      random_halves(seed, (size_t)t[i].ne0 * t[i].ne1, dst);
    } else if (t[i].kind == KIND_NORM) {
      const float one = 1.0f;
      for (uint32_t j = 0; j < t[i].ne0; j++) memcpy(dst + 4 * (size_t)j, &one, 4);
    } else {
      const uint32_t k = t[i].ne0, nn = t[i].ne1;
      const size_t count = (size_t)k * nn;
      const uint64_t zeros = (uint64_t)llround(p->zero * (double)count);
      random_trits(seed, count, zeros, trits);
      const double nonzero = (double)k * (1.0 - p->zero);
      const float scale = nonzero >= 1.0 ? (float)(1.0 / sqrt(nonzero)) : 1.0f;
      st = tern_to_i2s(trits, k, nn, scale, dst);
      if (st != TERN_OK) tern_errf(err, es, st, "synth: packing %s: %s", t[i].name, tern_strerror(st));
    }
  }
done:
  free(trits);
  tern_gguf_writer_free(&b);
  free(t);
  if (st != TERN_OK) {
    free(out);
    return st;
  }
  *data = out;
  *size = total;
  return TERN_OK;
}
