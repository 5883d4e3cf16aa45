/* SPDX-License-Identifier: Apache-2.0 */
/* The BitNet b1.58 forward pass (tern_model.h): BitLinears on the device, everything else on
 * the host. Every float result is computed by one thread in a fixed order (reductions use 8
 * fixed lanes, the same in the portable and the AVX2 code), so the logits do not depend on
 * the thread count, the host's SIMD or the device. */
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "tern_model.h"
#include "tern_pack.h"
#include "errmsg.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TERN_X86 1
#else
#define TERN_X86 0
#endif

enum { GT_F32 = 0, GT_F16 = 1, GT_BF16 = 30, GT_TQ1_0 = 34, GT_TQ2_0 = 35, GT_I2_S = 36 };

/* The seven BitLinears of a layer, in the order they are stored in a layer. */
enum { W_Q, W_K, W_V, W_O, W_GATE, W_UP, W_DOWN, W_COUNT };
static const char *const w_names[W_COUNT] = {"attn_q",   "attn_k", "attn_v",  "attn_output",
                                             "ffn_gate", "ffn_up", "ffn_down"};

typedef struct layer {
  float *attn_norm, *attn_sub_norm, *ffn_norm, *ffn_sub_norm;
  tern_weights *w[W_COUNT];
} layer;

/* A host matrix of rows of n_embd values (token_embd, output). */
typedef struct hmat {
  const uint8_t *data;
  uint32_t type;
  uint32_t rows, cols;
} hmat;

struct tern_model {
  tern_device *dev;
  tern_pool *pool;
  unsigned threads;
  int simd; /* AVX2 + F16C available and not disabled (TERN_HOST_SIMD=0) */
  tern_model_params p;
  tern_model_opts opts;
  float *output_norm;
  hmat embd, out;
  layer *layers;
  size_t weight_bytes;
};

struct tern_ctx {
  tern_model *m;
  uint32_t n_ctx, pos, batch;
  float *kc, *vc;                           /* [layer][n_ctx][kv_dim] */
  float *h, *x, *q, *k, *v, *a, *o, *g, *u; /* chunk scratch */
  float *scores;                            /* threads x n_ctx */
  float *rows;                              /* threads x n_embd (lm_head row conversion) */
  float *rcos, *rsin;                       /* batch x n_rot/2 */
  tern_host_counts counts;                  /* tern_ctx_get_counts */
};

const char *tern_act_name(tern_act a) {
  switch (a) {
    case TERN_ACT_RELU2: return "relu2";
    case TERN_ACT_SILU: return "silu";
    case TERN_ACT_GELU: return "gelu";
    case TERN_ACT_RELU: return "relu";
  }
  return "unknown";
}

tern_model_opts tern_model_opts_default(void) {
  tern_model_opts o;
  memset(&o, 0, sizeof o);
  o.fmt = TERN_T5;
  o.batch = TERN_T_MAX;
  return o;
}

/* ---- conversions and the fixed-order dot product -------------------------------------- */

static float bf16_to_float(uint16_t b) {
  uint32_t u = (uint32_t)b << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static void row_to_float_portable(const uint8_t *src, uint32_t type, size_t n, float *dst) {
  switch (type) {
    case GT_F32: memcpy(dst, src, n * sizeof(float)); break;
    case GT_F16:
      for (size_t i = 0; i < n; i++) dst[i] = tern_half_to_float((uint16_t)(src[2 * i] | (src[2 * i + 1] << 8)));
      break;
    default:
      for (size_t i = 0; i < n; i++) dst[i] = bf16_to_float((uint16_t)(src[2 * i] | (src[2 * i + 1] << 8)));
      break;
  }
}

/* The dot product every backend and ISA computes the same way (so logits do not depend on
 * the machine's SIMD): 32 lanes, lane j sums the products i = j (mod 32) in increasing i
 * (four independent 8-wide accumulators in SIMD: no add-latency chain), then a fixed tree. */
#define DOT_LANES 32
static float dot_reduce(const float l[DOT_LANES]) {
  float v[8];
  for (int j = 0; j < 8; j++) v[j] = (l[j] + l[8 + j]) + (l[16 + j] + l[24 + j]);
  return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

static float dot_portable(const float *a, const float *b, size_t n) {
  float l[DOT_LANES] = {0};
  for (size_t i = 0; i < n; i++) l[i % DOT_LANES] = l[i % DOT_LANES] + a[i] * b[i];
  return dot_reduce(l);
}

#if TERN_X86
/* b given as floats (f16 == 0) or as F16 halves (f16 != 0, converted exactly by F16C): the
 * lm_head streams its F16 rows straight into the dot product. */
__attribute__((target("avx2,f16c"))) static inline float dot_avx2_any(const float *a, const void *b, size_t n,
                                                                      int f16) {
  /* four named accumulators (an array of them would live on the stack) */
  __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  const float *bf = b;
  const uint8_t *bh = b;
#define DOT_LOAD_B(i) \
  (f16 ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(bh + 2 * (i)))) : _mm256_loadu_ps(bf + (i)))
#define DOT_STEP(acc, i) acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_loadu_ps(a + (i)), DOT_LOAD_B(i)))
  size_t i = 0;
  for (; i + DOT_LANES <= n; i += DOT_LANES) {
    DOT_STEP(acc0, i);
    DOT_STEP(acc1, i + 8);
    DOT_STEP(acc2, i + 16);
    DOT_STEP(acc3, i + 24);
  }
  if (i + 8 <= n) DOT_STEP(acc0, i), i += 8;
  if (i + 8 <= n) DOT_STEP(acc1, i), i += 8;
  if (i + 8 <= n) DOT_STEP(acc2, i), i += 8;
#undef DOT_STEP
#undef DOT_LOAD_B
  float l[DOT_LANES];
  _mm256_storeu_ps(l, acc0);
  _mm256_storeu_ps(l + 8, acc1);
  _mm256_storeu_ps(l + 16, acc2);
  _mm256_storeu_ps(l + 24, acc3);
  for (; i < n; i++) {
    const float bi = f16 ? tern_half_to_float((uint16_t)(bh[2 * i] | (bh[2 * i + 1] << 8))) : bf[i];
    l[i % DOT_LANES] = l[i % DOT_LANES] + a[i] * bi;
  }
  return dot_reduce(l);
}

__attribute__((target("avx2,f16c"))) static float dot_avx2(const float *a, const float *b, size_t n) {
  return dot_avx2_any(a, b, n, 0);
}

__attribute__((target("avx2,f16c"))) static float dot_f16_avx2(const float *a, const uint8_t *b, size_t n) {
  return dot_avx2_any(a, b, n, 1);
}

__attribute__((target("avx2,f16c"))) static void row_to_float_avx2(const uint8_t *src, uint32_t type, size_t n,
                                                                   float *dst) {
  if (type != GT_F16) {
    row_to_float_portable(src, type, n, dst);
    return;
  }
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(src + 2 * i))));
  for (; i < n; i++) dst[i] = tern_half_to_float((uint16_t)(src[2 * i] | (src[2 * i + 1] << 8)));
}

/* y += s * x, elementwise (no reduction: the same result in any width). */
__attribute__((target("avx2"))) static void axpy_avx2(float *y, float s, const float *x, size_t n) {
  __m256 vs = _mm256_set1_ps(s);
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_mul_ps(vs, _mm256_loadu_ps(x + i))));
  for (; i < n; i++) y[i] = y[i] + s * x[i];
}
#endif

static float dot(const tern_model *m, const float *a, const float *b, size_t n) {
#if TERN_X86
  if (m->simd) return dot_avx2(a, b, n);
#endif
  (void)m;
  return dot_portable(a, b, n);
}

static void row_to_float(const tern_model *m, const uint8_t *src, uint32_t type, size_t n, float *dst) {
#if TERN_X86
  if (m->simd) {
    row_to_float_avx2(src, type, n, dst);
    return;
  }
#endif
  (void)m;
  row_to_float_portable(src, type, n, dst);
}

static void axpy(const tern_model *m, float *y, float s, const float *x, size_t n) {
#if TERN_X86
  if (m->simd) {
    axpy_avx2(y, s, x, n);
    return;
  }
#endif
  (void)m;
  for (size_t i = 0; i < n; i++) y[i] = y[i] + s * x[i];
}

static size_t type_size(uint32_t type) { return type == GT_F32 ? 4 : 2; }

/* ---- hyper-parameters ----------------------------------------------------------------- */

/* What a getter's status means for key: TERN_OK with *use_default set when the key is absent
 * and optional; an error naming the key when it is absent and required, or of the wrong type. */
static tern_status key_status(const tern_gguf *g, const char *key, tern_status st, int required, int *use_default,
                              int want_float, const char *what, char *err, size_t es) {
  char ek[200];
  tern_gguf_escape(key, strlen(key), ek, sizeof ek);
  *use_default = 0;
  if (st == TERN_OK) return TERN_OK;
  if (st == TERN_ERR_ARG && tern_gguf_find_kv(g, key) < 0) {
    if (!required) {
      *use_default = 1;
      return TERN_OK;
    }
    return tern_errf(err, es, TERN_ERR_ARG, "model metadata: missing key '%s'", ek);
  }
  /* the getters' TERN_ERR_CODE means "wrong type or out of range", not a weight code: say which */
  const int64_t i = tern_gguf_find_kv(g, key);
  const tern_gguf_type t = tern_gguf_kv_type(g, (size_t)i);
  const char *tn = tern_gguf_value_type_name(t);
  const int is_float = t == TERN_GGUF_FLOAT32 || t == TERN_GGUF_FLOAT64;
  if (t == TERN_GGUF_STRING || t == TERN_GGUF_ARRAY || (is_float && !want_float))
    return tern_errf(err, es, TERN_ERR_CODE, "model metadata: key '%s' has type %s, expected %s", ek, tn ? tn : "?",
                     what);
  return tern_errf(err, es, TERN_ERR_CODE, "model metadata: key '%s' (%s) is out of range for %s", ek, tn ? tn : "?",
                   what);
}

static tern_status get_u32_key(const tern_gguf *g, const char *arch, const char *name, int required, uint32_t def,
                               uint32_t *v, char *err, size_t es) {
  char key[128];
  int use_default;
  snprintf(key, sizeof key, "%s.%s", arch, name);
  tern_status st = key_status(g, key, tern_gguf_get_u32(g, key, v), required, &use_default, 0,
                              "an unsigned 32-bit integer (an integer type, value 0..4294967295)", err, es);
  if (st == TERN_OK && use_default) *v = def;
  return st;
}

static tern_status get_f32_key(const tern_gguf *g, const char *arch, const char *name, int required, float def,
                               float *v, char *err, size_t es) {
  char key[128];
  int use_default;
  snprintf(key, sizeof key, "%s.%s", arch, name);
  tern_status st = key_status(g, key, tern_gguf_get_f32(g, key, v), required, &use_default, 1,
                              "a number (FLOAT32, FLOAT64 or an integer type)", err, es);
  if (st == TERN_OK && use_default) *v = def;
  return st;
}

static int str_is(const char *s, size_t len, const char *lit) { return strlen(lit) == len && memcmp(s, lit, len) == 0; }

static tern_status parse_act(const char *s, size_t len, tern_act *a) {
  static const struct {
    const char *name;
    tern_act act;
  } names[] = {{"relu2", TERN_ACT_RELU2},
               {"relu_sqr", TERN_ACT_RELU2},
               {"relu_squared", TERN_ACT_RELU2},
               {"squared_relu", TERN_ACT_RELU2},
               {"relu²", TERN_ACT_RELU2},
               {"silu", TERN_ACT_SILU},
               {"swish", TERN_ACT_SILU},
               {"swiglu", TERN_ACT_SILU},
               {"gelu", TERN_ACT_GELU},
               {"gelu_new", TERN_ACT_GELU},
               {"gelu_pytorch_tanh", TERN_ACT_GELU},
               {"geglu", TERN_ACT_GELU},
               {"relu", TERN_ACT_RELU}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (str_is(s, len, names[i].name)) {
      *a = names[i].act;
      return TERN_OK;
    }
  return TERN_ERR_ARG;
}

static const tern_gguf_tensor *find_tensor(const tern_gguf *g, const char *name) {
  return tern_gguf_find_tensor(g, name);
}

/* A tensor's dimensions, all of them: "[256, 64, 1]" (a 3-D tensor must not look 2-D). */
static const char *shape_str(const tern_gguf_tensor *t, char *buf, size_t n) {
  size_t o = 0;
  buf[0] = 0;
  for (uint32_t d = 0; d < t->n_dims && d < 4 && o < n; d++)
    o += (size_t)snprintf(buf + o, n - o, "%s%llu", d ? ", " : "[", (unsigned long long)t->ne[d]);
  if (o < n) snprintf(buf + o, n - o, "]");
  return buf;
}

static uint64_t tensor_elems(const tern_gguf_tensor *t) {
  uint64_t n = 1;
  for (uint32_t i = 0; i < t->n_dims && i < 4; i++) n *= t->ne[i];
  return n;
}

tern_status tern_model_read_params(const tern_gguf *g, tern_model_params *p, char *err, size_t es) {
  if (!g || !p) {
    return tern_errf(err, es, TERN_ERR_ARG, "tern_model_read_params: NULL argument");
  }
  memset(p, 0, sizeof *p);
  const char *arch;
  size_t alen;
  tern_status st = tern_gguf_get_str(g, "general.architecture", &arch, &alen);
  if (st != TERN_OK) {
    return tern_errf(err, es, TERN_ERR_ARG, "model metadata: missing or non-string key 'general.architecture'");
  }
  if (!str_is(arch, alen, "bitnet-b1.58") && !str_is(arch, alen, "bitnet-25") && !str_is(arch, alen, "bitnet")) {
    char esc[200]; /* the whole string, NULs and control bytes escaped */
    tern_gguf_escape(arch, alen, esc, sizeof esc);
    return tern_errf(err, es, TERN_ERR_ARG,
                     "unsupported architecture '%s' (general.architecture, %zu bytes): tern runs bitnet-b1.58, "
                     "bitnet-25 and bitnet",
                     esc, alen);
  }
  memcpy(p->arch, arch, alen);
  p->arch[alen] = 0;
  const char *a = p->arch;
  if ((st = get_u32_key(g, a, "embedding_length", 1, 0, &p->n_embd, err, es)) ||
      (st = get_u32_key(g, a, "block_count", 1, 0, &p->n_layer, err, es)) ||
      (st = get_u32_key(g, a, "feed_forward_length", 1, 0, &p->n_ff, err, es)) ||
      (st = get_u32_key(g, a, "attention.head_count", 1, 0, &p->n_head, err, es)) ||
      (st = get_f32_key(g, a, "attention.layer_norm_rms_epsilon", 1, 0, &p->eps, err, es)) ||
      (st = get_f32_key(g, a, "rope.freq_base", 0, 10000.0f, &p->rope_theta, err, es)) ||
      (st = get_u32_key(g, a, "context_length", 0, 0, &p->n_ctx_train, err, es)))
    return st;
  if ((st = get_u32_key(g, a, "attention.head_count_kv", 0, p->n_head, &p->n_head_kv, err, es))) return st;
  /* sizes: K and N of every BitLinear must fit the device (TERN_K_MAX, TERN_N_MAX) */
  if (p->n_embd == 0 || p->n_embd > TERN_K_MAX || p->n_ff == 0 || p->n_ff > TERN_K_MAX) {
    return tern_errf(err, es, TERN_ERR_SHAPE,
                     "model metadata: %s.embedding_length = %u and %s.feed_forward_length = %u must be 1..%u", a,
                     p->n_embd, a, p->n_ff, TERN_K_MAX);
  }
  if (p->n_layer == 0 || p->n_layer > 4096) {
    return tern_errf(err, es, TERN_ERR_SHAPE, "model metadata: %s.block_count = %u must be 1..4096", a, p->n_layer);
  }
  if (p->n_head == 0 || p->n_embd % p->n_head != 0) {
    return tern_errf(err, es, TERN_ERR_SHAPE,
                     "model metadata: %s.attention.head_count = %u does not divide %s.embedding_length = %u", a,
                     p->n_head, a, p->n_embd);
  }
  if (p->n_head_kv == 0 || p->n_head % p->n_head_kv != 0) {
    return tern_errf(err, es, TERN_ERR_SHAPE,
                     "model metadata: %s.attention.head_count_kv = %u does not divide head_count = %u", a, p->n_head_kv,
                     p->n_head);
  }
  p->head_dim = p->n_embd / p->n_head;
  if ((st = get_u32_key(g, a, "rope.dimension_count", 0, p->head_dim, &p->n_rot, err, es))) return st;
  if (p->n_rot > p->head_dim || p->n_rot % 2 != 0) {
    return tern_errf(err, es, TERN_ERR_SHAPE,
                     "model metadata: %s.rope.dimension_count = %u must be even and <= the head size %u", a, p->n_rot,
                     p->head_dim);
  }
  if (!(p->eps > 0.0f && p->eps < 1.0f)) {
    return tern_errf(err, es, TERN_ERR_ARG,
                     "model metadata: %s.attention.layer_norm_rms_epsilon = %g must be in (0, 1)", a, (double)p->eps);
  }
  if (!(p->rope_theta > 0.0f && isfinite(p->rope_theta))) {
    return tern_errf(err, es, TERN_ERR_ARG, "model metadata: %s.rope.freq_base = %g must be positive and finite", a,
                     (double)p->rope_theta);
  }
  /* rope scaling: none, or linear with a factor */
  p->rope_scale = 1.0f;
  {
    char key[128];
    const char *s;
    size_t len;
    snprintf(key, sizeof key, "%s.rope.scaling.type", a);
    if (tern_gguf_get_str(g, key, &s, &len) == TERN_OK && !str_is(s, len, "none")) {
      if (!str_is(s, len, "linear")) {
        char esc[100];
        tern_gguf_escape(s, len, esc, sizeof esc);
        return tern_errf(err, es, TERN_ERR_ARG, "model metadata: %s = '%s' is not supported (none or linear)", key,
                         esc);
      }
      float f = 1.0f;
      if ((st = get_f32_key(g, a, "rope.scaling.factor", 0, 1.0f, &f, err, es))) return st;
      if (!(f > 0.0f && isfinite(f))) {
        return tern_errf(err, es, TERN_ERR_ARG, "model metadata: %s.rope.scaling.factor = %g must be positive", a,
                         (double)f);
      }
      p->rope_scale = 1.0f / f;
    }
  }
  /* activation: by arch, or named in the metadata */
  p->act = str_is(arch, alen, "bitnet") ? TERN_ACT_SILU : TERN_ACT_RELU2;
  {
    static const char *const keys[] = {"hidden_activation", "hidden_act"};
    for (size_t i = 0; i < 2; i++) {
      char key[128];
      const char *s;
      size_t len;
      snprintf(key, sizeof key, "%s.%s", a, keys[i]);
      if (tern_gguf_find_kv(g, key) < 0) continue;
      if (tern_gguf_get_str(g, key, &s, &len) != TERN_OK || parse_act(s, len, &p->act) != TERN_OK) {
        return tern_errf(err, es, TERN_ERR_ARG,
                         "model metadata: %s names an unknown activation (known: relu2, silu, gelu, relu)", key);
      }
      break;
    }
  }
  /* the embedding gives the vocabulary */
  const tern_gguf_tensor *e = find_tensor(g, "token_embd.weight");
  if (!e) {
    return tern_errf(err, es, TERN_ERR_ARG, "model: tensor 'token_embd.weight' not found");
  }
  if (e->n_dims != 2 || e->ne[0] != p->n_embd || e->ne[1] == 0 || e->ne[1] > 0x7fffffff) {
    char sh[96];
    return tern_errf(err, es, TERN_ERR_SHAPE, "model: tensor 'token_embd.weight' has shape %s, expected [%u, n_vocab]",
                     shape_str(e, sh, sizeof sh), p->n_embd);
  }
  p->n_vocab = (uint32_t)e->ne[1];
  uint32_t vs = 0;
  if ((st = get_u32_key(g, a, "vocab_size", 0, p->n_vocab, &vs, err, es))) return st;
  if (vs != p->n_vocab) {
    return tern_errf(err, es, TERN_ERR_SHAPE, "model: %s.vocab_size = %u but token_embd.weight has %u rows", a, vs,
                     p->n_vocab);
  }
  p->tied = find_tensor(g, "output.weight") == NULL;
  char name[96];
  snprintf(name, sizeof name, "blk.0.attn_q.weight");
  const tern_gguf_tensor *q = find_tensor(g, name);
  p->weight_type = q ? q->type : 0;
  return TERN_OK;
}

/* ---- loading --------------------------------------------------------------------------- */

static int is_host_type(uint32_t t) { return t == GT_F32 || t == GT_F16 || t == GT_BF16; }

int tern_model_tensor_unusable(const char *name, uint32_t type, char *why, size_t es) {
  static const char *const norms[] = {"attn_norm", "attn_sub_norm", "ffn_norm", "ffn_sub_norm"};
  static const char host[] = "F32, F16 or BF16";
  char role[96] = "";
  int ternary = 0;
  unsigned l;
  int at = 0;
  if (strcmp(name, "token_embd.weight") == 0)
    snprintf(role, sizeof role, "the token embedding");
  else if (strcmp(name, "output.weight") == 0)
    snprintf(role, sizeof role, "the lm_head");
  else if (strcmp(name, "output_norm.weight") == 0)
    snprintf(role, sizeof role, "the output norm");
  else if (sscanf(name, "blk.%u.%n", &l, &at) == 1 && at > 0) {
    const char *rest = name + at;
    for (int i = 0; i < W_COUNT && !role[0]; i++) {
      const size_t n = strlen(w_names[i]);
      if (strncmp(rest, w_names[i], n) != 0) continue;
      if (strcmp(rest + n, ".weight") == 0)
        snprintf(role, sizeof role, "layer %u, BitLinear %s", l, w_names[i]), ternary = 1;
      else if (strcmp(rest + n, ".scale") == 0 || strcmp(rest + n, ".weight_scale") == 0)
        snprintf(role, sizeof role, "layer %u, the scale of BitLinear %s", l, w_names[i]);
    }
    for (int i = 0; i < 4 && !role[0]; i++) {
      const size_t n = strlen(norms[i]);
      if (strncmp(rest, norms[i], n) == 0 && strcmp(rest + n, ".weight") == 0)
        snprintf(role, sizeof role, "layer %u, norm %s", l, norms[i]);
    }
  }
  if (!role[0]) return 0; /* tern does not read it */
  if (ternary ? (type == GT_I2_S || type == GT_TQ1_0 || type == GT_TQ2_0) : is_host_type(type)) return 0;
  const char *tn = tern_gguf_type_name(type);
  return tern_errf(why, es, 1, "%s: type %s, tern needs %s", role, tn ? tn : "unknown",
                   ternary ? "I2_S, TQ1_0 or TQ2_0" : host);
}

/* A 1-D weight vector of n values as floats (a fresh copy). */
/* The tensor called name, present and of a host float type; else an error naming it (`role`
 * completes "...has type X; <role> F32, F16 or BF16"). */
static tern_status find_host_tensor(const tern_gguf *g, const char *name, const char *role,
                                    const tern_gguf_tensor **out, char *err, size_t es) {
  const tern_gguf_tensor *t = find_tensor(g, name);
  if (!t) {
    return tern_errf(err, es, TERN_ERR_ARG, "model: tensor '%s' not found", name);
  }
  if (!is_host_type(t->type)) {
    const char *tn = tern_gguf_type_name(t->type);
    return tern_errf(err, es, TERN_ERR_CODE, "model: tensor '%s' has type %s; %s F32, F16 or BF16", name, tn ? tn : "?",
                     role);
  }
  *out = t;
  return TERN_OK;
}

static tern_status load_vec(const tern_gguf *g, const char *name, uint32_t n, float **out, char *err, size_t es) {
  const tern_gguf_tensor *t = NULL;
  tern_status st = find_host_tensor(g, name, "norms must be", &t, err, es);
  if (st != TERN_OK) return st;
  if (tensor_elems(t) != n || t->ne[0] != n || t->nbytes != (size_t)n * type_size(t->type)) {
    char sh[96];
    return tern_errf(err, es, TERN_ERR_SHAPE, "model: tensor '%s' has shape %s (%llu elements), expected [%u]", name,
                     shape_str(t, sh, sizeof sh), (unsigned long long)tensor_elems(t), n);
  }
  float *v = malloc(sizeof(float) * n);
  if (!v) {
    return tern_errf(err, es, TERN_ERR_NOMEM, "out of memory loading '%s'", name);
  }
  row_to_float_portable(t->data, t->type, n, v);
  for (uint32_t i = 0; i < n; i++)
    if (!isfinite(v[i])) {
      free(v);
      return tern_errf(err, es, TERN_ERR_NONFINITE, "model: tensor '%s' holds a NaN or infinite value at %u", name, i);
    }
  *out = v;
  return TERN_OK;
}

/* The embedding and the lm_head stay in the file (a pointer, no copy): they are the largest
 * host tensors (2 x 656 MB for 2B4T), a copy would double the memory and the start-up time, and
 * a decode step reads one embedding row but the whole head, which the page cache serves. These
 * are the only reads of the file after load (the norms are copied by load_vec, the BitLinears
 * converted onto the device), so --no-mmap (TERN_GGUF_READ) is what a changing file needs. */
static tern_status load_mat(const tern_gguf *g, const char *name, uint32_t cols, hmat *out, char *err, size_t es) {
  const tern_gguf_tensor *t = NULL;
  tern_status st = find_host_tensor(g, name, "tern reads it as", &t, err, es);
  if (st != TERN_OK) return st;
  if (t->n_dims != 2 || t->ne[0] != cols || t->ne[1] == 0 || t->ne[1] > 0x7fffffff ||
      t->nbytes != (size_t)(t->ne[0] * t->ne[1]) * type_size(t->type)) {
    char sh[96];
    return tern_errf(err, es, TERN_ERR_SHAPE, "model: tensor '%s' has shape %s, expected [%u, rows]", name,
                     shape_str(t, sh, sizeof sh), cols);
  }
  out->data = t->data;
  out->type = t->type;
  out->cols = cols;
  out->rows = (uint32_t)t->ne[1];
  return TERN_OK;
}

/* A separate scale for a BitLinear: blk.N.<name>.scale (llama.cpp) or blk.N.<name>.weight_scale
 * (bitnet.cpp), one F32 (or F16/BF16) value; it multiplies the scale in the blob (I2_S tail, TQ
 * block d), which files with a scale tensor set to 1. 1: found (*scale), 0: none, -1: error. */
static int find_scale(const tern_gguf *g, uint32_t l, const char *wname, float *scale, char *err, size_t es) {
  static const char *const suffix[] = {"scale", "weight_scale"};
  for (int i = 0; i < 2; i++) {
    char name[96];
    snprintf(name, sizeof name, "blk.%u.%s.%s", l, wname, suffix[i]);
    const tern_gguf_tensor *t = find_tensor(g, name);
    if (!t) continue;
    if (!is_host_type(t->type) || tensor_elems(t) != 1 || t->nbytes != type_size(t->type)) {
      (void)tern_errf(err, es, TERN_ERR_ARG, "model: scale tensor '%s' must hold one F32 value", name);
      return -1;
    }
    row_to_float_portable(t->data, t->type, 1, scale);
    if (!(*scale >= 0.0f && isfinite(*scale))) {
      (void)tern_errf(err, es, TERN_ERR_ARG,
                      "model: scale tensor '%s' holds %g; a weight scale must be finite and >= 0", name,
                      (double)*scale);
      return -1;
    }
    return 1;
  }
  return 0;
}

static tern_status load_bitlinear(tern_model *m, const tern_gguf *g, uint32_t l, int which, uint32_t k, uint32_t n,
                                  char *err, size_t es) {
  char name[96];
  snprintf(name, sizeof name, "blk.%u.%s.weight", l, w_names[which]);
  const tern_gguf_tensor *t = find_tensor(g, name);
  if (!t) {
    return tern_errf(err, es, TERN_ERR_ARG, "model: tensor '%s' not found", name);
  }
  tern_layout layout;
  const char *lname;
  switch (t->type) {
    case GT_I2_S: layout = TERN_LAYOUT_I2S, lname = "I2_S"; break;
    case GT_TQ2_0: layout = TERN_LAYOUT_TQ2_0, lname = "TQ2_0"; break;
    case GT_TQ1_0: layout = TERN_LAYOUT_TQ1_0, lname = "TQ1_0"; break;
    default: {
      const char *tn = tern_gguf_type_name(t->type);
      return tern_errf(err, es, TERN_ERR_CODE,
                       "model: tensor '%s' has type %s (%u); BitLinear weights must be I2_S, TQ1_0 or TQ2_0", name,
                       tn ? tn : "unknown", t->type);
    }
  }
  if (t->n_dims != 2 || t->ne[0] != k || t->ne[1] != n) {
    char sh[96];
    return tern_errf(err, es, TERN_ERR_SHAPE, "model: tensor '%s' has shape %s, expected [%u, %u] (in, out)", name,
                     shape_str(t, sh, sizeof sh), k, n);
  }
  float scale = 0.0f;
  int has_scale = find_scale(g, l, w_names[which], &scale, err, es);
  if (has_scale < 0) return TERN_ERR_BAD_SCALE;
  tern_status st;
  tern_tensor_src src = {layout, t->data, t->nbytes, k, n, 0.0f};
  int8_t *trits = NULL;
  if (has_scale) {
    /* the trits from the blob, the scale from the scale tensor */
    size_t need = layout == TERN_LAYOUT_I2S     ? tern_i2s_bytes(k, n)
                  : layout == TERN_LAYOUT_TQ2_0 ? tern_tq2_0_bytes(k, n)
                                                : tern_tq1_0_bytes(k, n);
    if (need == 0 || t->nbytes != need) {
      return tern_errf(err, es, TERN_ERR_SIZE, "model: tensor '%s' (%s %ux%u): %zu bytes, the layout needs %zu", name,
                       lname, n, k, t->nbytes, need);
    }
    trits = malloc((size_t)k * n);
    if (!trits) {
      return tern_errf(err, es, TERN_ERR_NOMEM, "out of memory loading '%s'", name);
    }
    float blob_scale;
    size_t where = 0;
    st = layout == TERN_LAYOUT_I2S     ? tern_from_i2s(t->data, k, n, trits, &blob_scale, &where)
         : layout == TERN_LAYOUT_TQ2_0 ? tern_from_tq2_0(t->data, k, n, trits, &blob_scale, &where)
                                       : tern_from_tq1_0(t->data, k, n, trits, &blob_scale, &where);
    if (st == TERN_ERR_MIXED_SCALES) {
      free(trits);
      return tern_errf(
          err, es, st,
          "model: tensor '%s' (%s %ux%u): its blocks carry different scales (first at block %zu), so it is not "
          "one ternary matrix with one scale; tern does not approximate it",
          name, lname, n, k, where);
    }
    if (st != TERN_OK) {
      free(trits);
      return tern_errf(err, es, st, "model: tensor '%s' (%s %ux%u): %s at %zu", name, lname, n, k, tern_strerror(st),
                       where);
    }
    /* llama.cpp applies the scale tensor after the matmul of the dequantised weights: the
     * effective per-tensor scale is the product of the two */
    src.layout = TERN_LAYOUT_TRITS;
    src.data = trits;
    src.size = (size_t)k * n;
    src.scale = blob_scale * scale;
    if (!(src.scale >= 0.0f && isfinite(src.scale))) {
      free(trits);
      return tern_errf(err, es, TERN_ERR_BAD_SCALE,
                       "model: tensor '%s': scale %g x scale tensor %g is not a usable weight scale", name,
                       (double)blob_scale, (double)scale);
    }
  }
  st = tern_weights_load(m->dev, &src, m->opts.fmt, &m->layers[l].w[which]);
  free(trits);
  if (st == TERN_ERR_MIXED_SCALES)
    return tern_errf(
        err, es, st,
        "model: tensor '%s' (%s %ux%u): its blocks carry different scales, so it is not one ternary matrix with "
        "one scale; tern does not approximate it (%s)",
        name, lname, n, k, tern_last_error(m->dev));
  if (st != TERN_OK) /* what is already on the device says why it is full, if it is */
    return tern_errf(
        err, es, st,
        "model: tensor '%s' (%s %ux%u, a %zu-byte weight stream): %s; already loaded: %u BitLinear tensors, "
        "%zu bytes of weight streams",
        name, lname, n, k, tern_stream_bytes(tern_device_geom(m->dev), m->opts.fmt, k, n), tern_last_error(m->dev),
        l * W_COUNT + (uint32_t)which, m->weight_bytes);
  m->weight_bytes += tern_stream_bytes(tern_device_geom(m->dev), m->opts.fmt, k, n);
  return TERN_OK;
}

void tern_model_free(tern_model *m) {
  if (!m) return;
  if (m->layers) {
    for (uint32_t l = 0; l < m->p.n_layer; l++) {
      layer *L = &m->layers[l];
      free(L->attn_norm), free(L->attn_sub_norm), free(L->ffn_norm), free(L->ffn_sub_norm);
      for (int i = 0; i < W_COUNT; i++) tern_weights_free(L->w[i]);
    }
    free(m->layers);
  }
  free(m->output_norm);
  free(m);
}

static int simd_available(void) {
#if TERN_X86
  const char *e = getenv("TERN_HOST_SIMD");
  if (e && strcmp(e, "0") == 0) return 0;
  __builtin_cpu_init();
  /* F16C is CPUID leaf 1, ECX bit 29 (clang 14's __builtin_cpu_supports does not know "f16c"). */
  unsigned a = 0, b = 0, c = 0, d = 0;
  const int f16c = __get_cpuid(1, &a, &b, &c, &d) && (c >> 29 & 1u);
  return __builtin_cpu_supports("avx2") && f16c;
#else
  return 0;
#endif
}

tern_status tern_model_load(tern_device *dev, const tern_gguf *g, const tern_model_opts *opts, tern_model **out,
                            char *err, size_t es) {
  if (err && es) err[0] = 0;
  if (!dev || !g || !out) {
    return tern_errf(err, es, TERN_ERR_ARG, "tern_model_load: NULL argument");
  }
  *out = NULL;
  tern_model *m = calloc(1, sizeof *m);
  if (!m) {
    return tern_errf(err, es, TERN_ERR_NOMEM, "out of memory");
  }
  m->dev = dev;
  m->pool = tern_device_pool(dev);
  m->threads = m->pool ? tern_pool_threads(m->pool) : 1;
  if (m->threads == 0) m->threads = 1;
  m->simd = simd_available();
  m->opts = opts ? *opts : tern_model_opts_default();
  if (m->opts.batch == 0) m->opts.batch = TERN_T_MAX;
  tern_status st;
  if (!tern_format_name(m->opts.fmt)) {
    st = tern_errf(err, es, TERN_ERR_ARG, "tern_model_load: unknown device format %d", (int)m->opts.fmt);
    goto fail;
  }
  if ((st = tern_model_read_params(g, &m->p, err, es)) != TERN_OK) goto fail;
  const tern_model_params *p = &m->p;
  m->layers = calloc(p->n_layer, sizeof *m->layers);
  if (!m->layers) {
    st = tern_errf(err, es, TERN_ERR_NOMEM, "out of memory");
    goto fail;
  }
  if ((st = load_mat(g, "token_embd.weight", p->n_embd, &m->embd, err, es))) goto fail;
  if (p->tied) {
    m->out = m->embd;
  } else {
    if ((st = load_mat(g, "output.weight", p->n_embd, &m->out, err, es))) goto fail;
    if (m->out.rows != p->n_vocab) {
      st = tern_errf(err, es, TERN_ERR_SHAPE, "model: output.weight has %u rows but token_embd.weight has %u",
                     m->out.rows, p->n_vocab);
      goto fail;
    }
  }
  if ((st = load_vec(g, "output_norm.weight", p->n_embd, &m->output_norm, err, es))) goto fail;
  const uint32_t kv = p->n_head_kv * p->head_dim;
  const uint32_t kdim[W_COUNT] = {p->n_embd, p->n_embd, p->n_embd, p->n_embd, p->n_embd, p->n_embd, p->n_ff};
  const uint32_t ndim[W_COUNT] = {p->n_embd, kv, kv, p->n_embd, p->n_ff, p->n_ff, p->n_embd};
  const size_t total = (size_t)p->n_layer * W_COUNT;
  for (uint32_t l = 0; l < p->n_layer; l++) {
    layer *L = &m->layers[l];
    char name[96];
#define VEC(field, nm, n)                                 \
  snprintf(name, sizeof name, "blk.%u.%s.weight", l, nm); \
  if ((st = load_vec(g, name, n, &L->field, err, es)) != TERN_OK) goto fail;
    VEC(attn_norm, "attn_norm", p->n_embd)
    VEC(attn_sub_norm, "attn_sub_norm", p->n_embd)
    VEC(ffn_norm, "ffn_norm", p->n_embd)
    VEC(ffn_sub_norm, "ffn_sub_norm", p->n_ff)
#undef VEC
    for (int i = 0; i < W_COUNT; i++) {
      if ((st = load_bitlinear(m, g, l, i, kdim[i], ndim[i], err, es)) != TERN_OK) goto fail;
      if (m->opts.progress) m->opts.progress(m->opts.progress_ctx, (size_t)l * W_COUNT + i + 1, total);
    }
  }
  *out = m;
  return TERN_OK;
fail:
  tern_model_free(m);
  return st;
}

const tern_model_params *tern_model_get_params(const tern_model *m) { return m ? &m->p : NULL; }
tern_device *tern_model_device(const tern_model *m) { return m ? m->dev : NULL; }
size_t tern_model_weight_bytes(const tern_model *m) { return m ? m->weight_bytes : 0; }

uint64_t tern_model_ternary_weights(const tern_model *m) {
  uint64_t n = 0;
  for (uint32_t l = 0; m && m->layers && l < m->p.n_layer; l++)
    for (int i = 0; i < W_COUNT; i++)
      n += (uint64_t)tern_weights_k(m->layers[l].w[i]) * tern_weights_n(m->layers[l].w[i]);
  return n;
}

uint64_t tern_model_nonzero_weights(const tern_model *m) {
  uint64_t n = 0;
  for (uint32_t l = 0; m && m->layers && l < m->p.n_layer; l++)
    for (int i = 0; i < W_COUNT; i++) n += tern_weights_nonzero(m->layers[l].w[i]);
  return n;
}

uint32_t tern_model_head_type_size(const tern_model *m) { return m ? (uint32_t)type_size(m->out.type) : 0; }
uint32_t tern_model_embd_type_size(const tern_model *m) { return m ? (uint32_t)type_size(m->embd.type) : 0; }

void tern_ctx_get_counts(const tern_ctx *c, tern_host_counts *counts) {
  if (!counts) return;
  if (!c) {
    memset(counts, 0, sizeof *counts);
    return;
  }
  *counts = c->counts;
}

void tern_ctx_reset_counts(tern_ctx *c) {
  if (c) memset(&c->counts, 0, sizeof c->counts);
}

/* ---- contexts ---------------------------------------------------------------------------- */

void tern_ctx_free(tern_ctx *c) {
  if (!c) return;
  free(c->kc), free(c->vc);
  free(c->h), free(c->x), free(c->q), free(c->k), free(c->v), free(c->a), free(c->o), free(c->g), free(c->u);
  free(c->scores), free(c->rows), free(c->rcos), free(c->rsin);
  free(c);
}

static float *alloc_f(size_t n, int *ok) {
  float *p = calloc(n ? n : 1, sizeof(float));
  if (!p) *ok = 0;
  return p;
}

tern_status tern_ctx_new(tern_model *m, uint32_t n_ctx, tern_ctx **out, char *err, size_t es) {
  if (!m || !out || n_ctx == 0) {
    return tern_errf(err, es, TERN_ERR_ARG, "tern_ctx_new: NULL argument or zero context");
  }
  *out = NULL;
  const tern_model_params *p = &m->p;
  const size_t kv = (size_t)p->n_head_kv * p->head_dim;
  const size_t cache = (size_t)p->n_layer * n_ctx * kv;
  if (n_ctx > (1u << 24) || cache / n_ctx / p->n_layer != kv || cache > ((size_t)1 << 36)) {
    return tern_errf(err, es, TERN_ERR_ARG, "context of %u positions is too large for this model", n_ctx);
  }
  tern_ctx *c = calloc(1, sizeof *c);
  if (!c) {
    return tern_errf(err, es, TERN_ERR_NOMEM, "out of memory");
  }
  c->m = m;
  c->n_ctx = n_ctx;
  c->batch = m->opts.batch;
  const size_t B = c->batch;
  int ok = 1;
  c->kc = malloc(sizeof(float) * cache);
  c->vc = malloc(sizeof(float) * cache);
  if (!c->kc || !c->vc) ok = 0;
  c->h = alloc_f(B * p->n_embd, &ok);
  c->x = alloc_f(B * (p->n_embd > p->n_ff ? p->n_embd : p->n_ff), &ok);
  c->q = alloc_f(B * p->n_embd, &ok);
  c->k = alloc_f(B * kv, &ok);
  c->v = alloc_f(B * kv, &ok);
  c->a = alloc_f(B * p->n_embd, &ok);
  c->o = alloc_f(B * p->n_embd, &ok);
  c->g = alloc_f(B * p->n_ff, &ok);
  c->u = alloc_f(B * p->n_ff, &ok);
  c->scores = alloc_f((size_t)m->threads * n_ctx, &ok);
  c->rows = alloc_f((size_t)m->threads * p->n_embd, &ok);
  c->rcos = alloc_f(B * (p->n_rot / 2 + 1), &ok);
  c->rsin = alloc_f(B * (p->n_rot / 2 + 1), &ok);
  if (!ok) {
    tern_ctx_free(c);
    return tern_errf(err, es, TERN_ERR_NOMEM, "out of memory for a context of %u positions (KV cache %zu MiB)", n_ctx,
                     2 * cache * sizeof(float) >> 20);
  }
  *out = c;
  return TERN_OK;
}

uint32_t tern_ctx_size(const tern_ctx *c) { return c ? c->n_ctx : 0; }
uint32_t tern_ctx_pos(const tern_ctx *c) { return c ? c->pos : 0; }
void tern_ctx_rewind(tern_ctx *c, uint32_t pos) {
  if (c && pos < c->pos) c->pos = pos;
}

/* ---- the forward pass ------------------------------------------------------------------ */

/* y = x / sqrt(mean(x^2) + eps) * w (sum of squares in double, as ggml). y may be x. */
static void rmsnorm(const float *x, const float *w, uint32_t n, float eps, float *y) {
  double sum = 0.0;
  for (uint32_t i = 0; i < n; i++) sum += (double)(x[i] * x[i]);
  const float mean = (float)(sum / n);
  const float scale = 1.0f / sqrtf(mean + eps);
  for (uint32_t i = 0; i < n; i++) y[i] = (x[i] * scale) * w[i];
}

/* NEOX RoPE of one head: element i pairs with i + n_rot/2. */
static void rope(float *v, uint32_t n_rot, const float *cs, const float *sn) {
  const uint32_t half = n_rot / 2;
  for (uint32_t i = 0; i < half; i++) {
    const float x0 = v[i], x1 = v[i + half];
    v[i] = x0 * cs[i] - x1 * sn[i];
    v[i + half] = x0 * sn[i] + x1 * cs[i];
  }
}

static float act_fn(tern_act a, float x) {
  switch (a) {
    case TERN_ACT_RELU2: {
      const float r = x > 0.0f ? x : 0.0f;
      return r * r;
    }
    case TERN_ACT_SILU: return x / (1.0f + expf(-x));
    case TERN_ACT_GELU: return 0.5f * x * (1.0f + tanhf(0.7978845608f * (x + 0.044715f * x * x * x)));
    case TERN_ACT_RELU: return x > 0.0f ? x : 0.0f;
  }
  return x;
}

typedef struct attn_job {
  tern_ctx *c;
  uint32_t layer, pos0, ntok;
} attn_job;

/* One (token, head) pair per item: softmax(q k^T / sqrt(d) + causal) v into c->a. */
static void attn_task(void *arg, size_t begin, size_t end, unsigned thread) {
  const attn_job *j = arg;
  tern_ctx *c = j->c;
  const tern_model *m = c->m;
  const tern_model_params *p = &m->p;
  const uint32_t hd = p->head_dim, kvd = p->n_head_kv * hd, group = p->n_head / p->n_head_kv;
  const float kq_scale = 1.0f / sqrtf((float)hd);
  const float *kc = c->kc + (size_t)j->layer * c->n_ctx * kvd;
  const float *vc = c->vc + (size_t)j->layer * c->n_ctx * kvd;
  float *s = c->scores + (size_t)thread * c->n_ctx;
  for (size_t it = begin; it < end; it++) {
    const uint32_t t = (uint32_t)(it / p->n_head), h = (uint32_t)(it % p->n_head), kvh = h / group;
    const uint32_t npos = j->pos0 + t + 1;
    const float *q = c->q + (size_t)t * p->n_embd + (size_t)h * hd;
    float mx = -INFINITY;
    for (uint32_t i = 0; i < npos; i++) {
      s[i] = dot(m, q, kc + (size_t)i * kvd + (size_t)kvh * hd, hd) * kq_scale;
      if (s[i] > mx) mx = s[i];
    }
    double sum = 0.0;
    for (uint32_t i = 0; i < npos; i++) {
      s[i] = expf(s[i] - mx);
      sum += s[i];
    }
    const float inv = (float)(1.0 / sum);
    float *out = c->a + (size_t)t * p->n_embd + (size_t)h * hd;
    memset(out, 0, sizeof(float) * hd);
    for (uint32_t i = 0; i < npos; i++) axpy(m, out, s[i] * inv, vc + (size_t)i * kvd + (size_t)kvh * hd, hd);
  }
}

typedef struct head_job {
  tern_ctx *c;
  const float *xn; /* ntok x n_embd, normed */
  uint32_t ntok;
  float *logits; /* ntok x n_vocab */
} head_job;

static void head_task(void *arg, size_t begin, size_t end, unsigned thread) {
  const head_job *j = arg;
  const tern_model *m = j->c->m;
  const uint32_t n = m->p.n_embd;
  const size_t V = m->p.n_vocab, rb = (size_t)n * type_size(m->out.type);
  float *row = j->c->rows + (size_t)thread * n;
#if TERN_X86
  if (m->simd && m->out.type == GT_F16 && j->ntok == 1) {
    /* decode: one pass over the F16 rows at memory speed, no float copy of each row (the
     * same products in the same order as below, so the same logits) */
    for (size_t r = begin; r < end; r++) j->logits[r] = dot_f16_avx2(j->xn, m->out.data + r * rb, n);
    return;
  }
#endif
  for (size_t r = begin; r < end; r++) {
    row_to_float(m, m->out.data + r * rb, m->out.type, n, row);
    for (uint32_t t = 0; t < j->ntok; t++) j->logits[t * V + r] = dot(m, row, j->xn + (size_t)t * n, n);
  }
}

/* The index of the first NaN or infinite value of v[0..n), or n. */
static size_t first_nonfinite(const float *v, size_t n) {
  size_t i = 0;
  while (i < n && isfinite(v[i])) i++;
  return i;
}

/* A scan of nt rows of n floats after a stage of the forward pass (embedding, a layer, the
 * output norm, the lm_head): the first non-finite value is an error naming the stage whose input
 * was finite and whose output is not (every earlier stage passed the same scan), so a bad weight
 * such as an output norm of 3e38 is reported where it acts instead of sampling NaN logits. It
 * costs n compares per token and stage, nothing next to the BitLinears. */
static tern_status check_finite(const float *v, uint32_t nt, size_t n, uint32_t pos0, const char *before,
                                const char *stage, const char *what, char *err, size_t es) {
  for (uint32_t t = 0; t < nt; t++) {
    const size_t i = first_nonfinite(v + (size_t)t * n, n);
    if (i == n) continue;
    if (before)
      return tern_errf(err, es, TERN_ERR_NONFINITE,
                       "non-finite value at position %u: %s is finite, %s gives %g at %s %zu", pos0 + t, before, stage,
                       (double)v[(size_t)t * n + i], what, i);
    return tern_errf(err, es, TERN_ERR_NONFINITE, "non-finite value at position %u: %s holds %g at %s %zu", pos0 + t,
                     stage, (double)v[(size_t)t * n + i], what, i); /* the first stage: its input is a token id */
  }
  return TERN_OK;
}

/* The device layer's message names the device when it knows more than the status (a
 * transport's message often starts with its URI): add the URI only when it is not there yet,
 * so a failure does not repeat it at every layer. */
static tern_status bl_fail(const tern_ctx *c, uint32_t l, const char *what, tern_status st, char *err, size_t es) {
  const char *uri = tern_device_uri(c->m->dev), *msg = tern_last_error(c->m->dev);
  char base[256]; /* the URI without its options, as a transport names itself */
  snprintf(base, sizeof base, "%.*s", (int)strcspn(uri, "?"), uri);
  if (strstr(msg, base)) return tern_errf(err, es, st, "layer %u %s: %s", l, what, msg);
  return tern_errf(err, es, st, "layer %u %s on device %s: %s", l, what, uri, msg);
}

/* One chunk of nt <= batch tokens at positions c->pos.. ; logits for the last nl tokens. */
static tern_status eval_chunk(tern_ctx *c, const int32_t *tok, uint32_t nt, float *logits, uint32_t nl, char *err,
                              size_t es) {
  tern_model *m = c->m;
  const tern_model_params *p = &m->p;
  const uint32_t E = p->n_embd, F = p->n_ff, hd = p->head_dim, kvd = p->n_head_kv * hd, half = p->n_rot / 2;
  tern_device *dev = m->dev;
  const size_t erow = (size_t)E * type_size(m->embd.type);
  for (uint32_t t = 0; t < nt; t++)
    row_to_float(m, m->embd.data + (size_t)tok[t] * erow, m->embd.type, E, c->h + (size_t)t * E);
  tern_status st =
      check_finite(c->h, nt, E, c->pos, NULL, "the token's embedding row (token_embd.weight)", "element", err, es);
  if (st != TERN_OK) return st;
  char before[64], stage[64];
  for (uint32_t t = 0; t < nt; t++) {
    const double pos = (double)(c->pos + t) * (double)p->rope_scale;
    for (uint32_t i = 0; i < half; i++) {
      const double theta = pos * pow((double)p->rope_theta, -2.0 * i / (double)p->n_rot);
      c->rcos[t * half + i] = (float)cos(theta);
      c->rsin[t * half + i] = (float)sin(theta);
    }
  }
  for (uint32_t l = 0; l < p->n_layer; l++) {
    const layer *L = &m->layers[l];
    for (uint32_t t = 0; t < nt; t++) rmsnorm(c->h + (size_t)t * E, L->attn_norm, E, p->eps, c->x + (size_t)t * E);
    tern_bitlinear_op qkv[3] = {{L->w[W_Q], c->x, nt, c->q}, {L->w[W_K], c->x, nt, c->k}, {L->w[W_V], c->x, nt, c->v}};
    if ((st = tern_bitlinear_batch(dev, qkv, 3)) != TERN_OK) return bl_fail(c, l, "q/k/v", st, err, es);
    for (uint32_t t = 0; t < nt; t++) {
      const float *cs = c->rcos + (size_t)t * half, *sn = c->rsin + (size_t)t * half;
      for (uint32_t h = 0; h < p->n_head; h++) rope(c->q + (size_t)t * E + (size_t)h * hd, p->n_rot, cs, sn);
      for (uint32_t h = 0; h < p->n_head_kv; h++) rope(c->k + (size_t)t * kvd + (size_t)h * hd, p->n_rot, cs, sn);
      const size_t at = ((size_t)l * c->n_ctx + c->pos + t) * kvd;
      memcpy(c->kc + at, c->k + (size_t)t * kvd, sizeof(float) * kvd);
      memcpy(c->vc + at, c->v + (size_t)t * kvd, sizeof(float) * kvd);
    }
    attn_job aj = {c, l, c->pos, nt};
    tern_pool_for(m->pool, (size_t)nt * p->n_head, attn_task, &aj);
    for (uint32_t t = 0; t < nt; t++) rmsnorm(c->a + (size_t)t * E, L->attn_sub_norm, E, p->eps, c->a + (size_t)t * E);
    if ((st = tern_bitlinear(dev, L->w[W_O], c->a, nt, c->o)) != TERN_OK)
      return bl_fail(c, l, "attn_output", st, err, es);
    for (size_t i = 0; i < (size_t)nt * E; i++) c->h[i] = c->h[i] + c->o[i];
    for (uint32_t t = 0; t < nt; t++) rmsnorm(c->h + (size_t)t * E, L->ffn_norm, E, p->eps, c->x + (size_t)t * E);
    tern_bitlinear_op gu[2] = {{L->w[W_GATE], c->x, nt, c->g}, {L->w[W_UP], c->x, nt, c->u}};
    if ((st = tern_bitlinear_batch(dev, gu, 2)) != TERN_OK) return bl_fail(c, l, "ffn_gate/ffn_up", st, err, es);
    for (size_t i = 0; i < (size_t)nt * F; i++) c->g[i] = act_fn(p->act, c->g[i]) * c->u[i];
    for (uint32_t t = 0; t < nt; t++) rmsnorm(c->g + (size_t)t * F, L->ffn_sub_norm, F, p->eps, c->g + (size_t)t * F);
    if ((st = tern_bitlinear(dev, L->w[W_DOWN], c->g, nt, c->o)) != TERN_OK)
      return bl_fail(c, l, "ffn_down", st, err, es);
    for (size_t i = 0; i < (size_t)nt * E; i++) c->h[i] = c->h[i] + c->o[i];
    if (l == 0)
      snprintf(before, sizeof before, "the embedding");
    else
      snprintf(before, sizeof before, "the output of layer %u (blk.%u)", l - 1, l - 1);
    snprintf(stage, sizeof stage, "layer %u (blk.%u)", l, l);
    if ((st = check_finite(c->h, nt, E, c->pos, before, stage, "element", err, es)) != TERN_OK) return st;
  }
  /* the host's share of this chunk (tern_host_counts; docs/energy.md has the definitions) */
  {
    tern_host_counts *k = &c->counts;
    const uint64_t L = p->n_layer, ntl = (uint64_t)nt * L;
    uint64_t npos = 0; /* attended positions summed over the chunk's tokens */
    for (uint32_t t = 0; t < nt; t++) npos += (uint64_t)c->pos + t + 1;
    k->tokens += nt;
    k->embd_bytes += (uint64_t)nt * E * type_size(m->embd.type);
    k->norm_bytes += L * (3ull * E + F) * 4;
    k->flops_norm += ntl * 4 * (3ull * E + F);
    k->flops_rope += ntl * 6 * half * (p->n_head + p->n_head_kv);
    k->kv_write_bytes += ntl * 2 * kvd * 4;
    k->kv_read_bytes += L * npos * 2 * kvd * 4;
    k->flops_attn += L * npos * p->n_head * (4ull * hd + 6);
    k->flops_ffn += ntl * (3ull * F + 2ull * E);
    if (logits && nl) {
      k->logit_tokens += nl;
      k->lm_head_bytes += (uint64_t)p->n_vocab * E * type_size(m->out.type);
      k->norm_bytes += 4ull * E;
      k->flops_norm += 4ull * E * nl;
      k->flops_lm_head += 2ull * p->n_vocab * E * nl;
    }
  }
  c->pos += nt;
  if (logits && nl) {
    const uint32_t first = nt - nl;
    for (uint32_t t = first; t < nt; t++)
      rmsnorm(c->h + (size_t)t * E, m->output_norm, E, p->eps, c->x + (size_t)(t - first) * E);
    const uint32_t pos0 = c->pos - nl;
    snprintf(before, sizeof before, "the output of layer %u (blk.%u)", p->n_layer - 1, p->n_layer - 1);
    if ((st = check_finite(c->x, nl, E, pos0, before, "the output norm (output_norm.weight)", "element", err, es)))
      return st;
    head_job hj = {c, c->x, nl, logits};
    tern_pool_for(m->pool, p->n_vocab, head_task, &hj);
    if ((st = check_finite(logits, nl, p->n_vocab, pos0, "the output norm",
                           p->tied ? "the lm_head (token_embd.weight, tied)" : "the lm_head (output.weight)",
                           "vocabulary id", err, es)))
      return st;
  }
  return TERN_OK;
}

tern_status tern_ctx_eval(tern_ctx *c, const int32_t *tokens, uint32_t n, float *logits, int all_logits, char *err,
                          size_t es) {
  if (err && es) err[0] = 0;
  if (!c || (!tokens && n)) {
    return tern_errf(err, es, TERN_ERR_ARG, "tern_ctx_eval: NULL argument");
  }
  if (n == 0) return TERN_OK;
  const tern_model_params *p = &c->m->p;
  if (n > c->n_ctx - c->pos) {
    return tern_errf(err, es, TERN_ERR_SIZE, "context full: %u positions used, %u more asked, the context holds %u",
                     c->pos, n, c->n_ctx);
  }
  for (uint32_t i = 0; i < n; i++)
    if (tokens[i] < 0 || (uint32_t)tokens[i] >= p->n_vocab) {
      return tern_errf(err, es, TERN_ERR_ARG, "token id %d at %u is out of range (vocabulary of %u)", tokens[i], i,
                       p->n_vocab);
    }
  for (uint32_t done = 0; done < n;) {
    const uint32_t nt = n - done < c->batch ? n - done : c->batch;
    const int last = done + nt == n;
    float *lg = NULL;
    uint32_t nl = 0;
    if (logits && all_logits)
      lg = logits + (size_t)done * p->n_vocab, nl = nt;
    else if (logits && last)
      lg = logits, nl = 1;
    tern_status st = eval_chunk(c, tokens + done, nt, lg, nl, err, es);
    if (st != TERN_OK) return st;
    done += nt;
  }
  return TERN_OK;
}
