/* SPDX-License-Identifier: Apache-2.0 */
/* A validating GGUF (v2, v3) reader: see driver/include/tern_gguf.h for what it promises.
 *
 * open parses the whole header, metadata and tensor infos once, checking every length and
 * count against the bytes that remain before anything is allocated, and keeps only offsets
 * into the file plus small index tables (keys and names sorted for O(log n) lookup, one offset
 * per string-array element). All arithmetic on file values is overflow-checked. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "tern_gguf.h"
#include "tern_pack.h"

#define N_VALUE_TYPES 13u
#define MAX_ALIGNMENT (1u << 30)

typedef struct {
  char *key;      /* owned copy, NUL-terminated */
  uint32_t type;  /* tern_gguf_type */
  size_t at;      /* file offset of the value; for STRING its length field; for ARRAY
                     the first element (after element type and count) */
  uint32_t elem;  /* ARRAY: element type */
  uint64_t count; /* ARRAY: element count; STRING: byte length */
  size_t *str_at; /* STRING ARRAY: file offset of each element's length field (owned) */
} gguf_kv;

typedef struct {
  const char *s;
  size_t idx;
} name_idx;

struct tern_gguf {
  const uint8_t *base;
  size_t size;
  void *map;   /* mmap'ed region (open), or NULL (open_memory, TERN_GGUF_READ) */
  void *owned; /* the file read into memory (TERN_GGUF_READ), freed at close */
  size_t map_size;
  uint32_t version;
  uint32_t alignment;
  uint64_t data_offset;
  size_t n_kv;
  gguf_kv *kv;
  name_idx *kv_sorted;
  size_t n_tensors;
  tern_gguf_tensor *tensors;
  name_idx *t_sorted;
};

/* ---- little-endian reading ------------------------------------------------------------ */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (uint16_t)p[1] << 8); }
static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static int host_is_le(void) {
  const uint16_t one = 1;
  uint8_t b;
  memcpy(&b, &one, 1);
  return b == 1;
}

typedef struct {
  const uint8_t *p;
  size_t size, pos;
  char *err;
  size_t err_size;
} reader;

/* tern_errf into the reader's message buffer */
static tern_status fail(reader *r, tern_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static tern_status fail(reader *r, tern_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tern_verrf(r->err, r->err_size, st, fmt, ap);
  va_end(ap);
  return st;
}

static size_t remaining(const reader *r) { return r->size - r->pos; }

static tern_status rd_u32(reader *r, uint32_t *v, const char *where, const char *field) {
  if (remaining(r) < 4)
    return fail(r, TERN_ERR_SIZE, "%s: %s (4 bytes at offset 0x%zx) runs past the end of the file (size 0x%zx)", where,
                field, r->pos, r->size);
  *v = le32(r->p + r->pos);
  r->pos += 4;
  return TERN_OK;
}

static tern_status rd_u64(reader *r, uint64_t *v, const char *where, const char *field) {
  if (remaining(r) < 8)
    return fail(r, TERN_ERR_SIZE, "%s: %s (8 bytes at offset 0x%zx) runs past the end of the file (size 0x%zx)", where,
                field, r->pos, r->size);
  *v = le64(r->p + r->pos);
  r->pos += 8;
  return TERN_OK;
}

/* A gguf_string: uint64 length, then bytes. *at = offset of the bytes. */
static tern_status rd_str(reader *r, size_t *at, uint64_t *len, const char *where, const char *field) {
  size_t len_at = r->pos;
  char what[96];
  snprintf(what, sizeof what, "%s length", field);
  tern_status st = rd_u64(r, len, where, what);
  if (st != TERN_OK) return st;
  if (*len > remaining(r))
    return fail(r, TERN_ERR_SIZE,
                "%s: %s length %" PRIu64
                " at offset 0x%zx runs past the end of the file "
                "(size 0x%zx, %zu bytes remain)",
                where, field, *len, len_at, r->size, remaining(r));
  *at = r->pos;
  r->pos += (size_t)*len;
  return TERN_OK;
}

size_t tern_gguf_escape(const char *s, size_t len, char *dst, size_t dst_size) {
  if (!dst || dst_size == 0) return 0;
  size_t o = 0, i = 0;
  for (; i < len; i++) {
    const unsigned char c = (unsigned char)s[i];
    const int plain = c >= 0x20 && c < 0x7f && c != '\\' && c != '\'' && c != '"';
    if (o + (plain ? 1 : 4) + 3 >= dst_size) break; /* room for this byte and a "..." */
    if (plain)
      dst[o++] = (char)c;
    else
      o += (size_t)snprintf(dst + o, dst_size - o, "\\x%02x", c);
  }
  if (i < len && o + 3 < dst_size) memcpy(dst + o, "...", 3), o += 3;
  dst[o] = 0;
  return o;
}

/* 'text' escaped (tern_gguf_escape), cut after 60 bytes, into dst. */
static void quote(char *dst, size_t dst_size, const char *s, size_t len) {
  if (dst_size < 8) {
    if (dst_size) dst[0] = 0;
    return;
  }
  dst[0] = '\'';
  size_t o = 1 + tern_gguf_escape(s, len > 60 ? 60 : len, dst + 1, dst_size - 2);
  if (len > 60 && o + 4 < dst_size) memcpy(dst + o, "...", 3), o += 3;
  dst[o++] = '\'';
  dst[o] = 0;
}

/* ---- type tables ---------------------------------------------------------------------- */

static const char *const kValueTypeNames[N_VALUE_TYPES] = {"UINT8",  "INT8",    "UINT16", "INT16",  "UINT32",
                                                           "INT32",  "FLOAT32", "BOOL",   "STRING", "ARRAY",
                                                           "UINT64", "INT64",   "FLOAT64"};

const char *tern_gguf_value_type_name(uint32_t t) { return t < N_VALUE_TYPES ? kValueTypeNames[t] : NULL; }

/* Byte size of a fixed-size value type; 0 for STRING and ARRAY. */
static size_t value_size(uint32_t t) {
  static const uint8_t sz[N_VALUE_TYPES] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  return t < N_VALUE_TYPES ? sz[t] : 0;
}

static const char *const kGgmlTypeNames[] = {
    "F32",    "F16",   "Q4_0",  "Q4_1",   NULL,    NULL,    "Q5_0",    "Q5_1",   "Q8_0",    "Q8_1",
    "Q2_K",   "Q3_K",  "Q4_K",  "Q5_K",   "Q6_K",  "Q8_K",  "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
    "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8",    "I16",   "I32",     "I64",    "F64",     "IQ1_M",
    "BF16",   NULL,    NULL,    NULL,     "TQ1_0", "TQ2_0", "I2_S",    "I8_S",   "TL1",     "TL2"};

const char *tern_gguf_type_name(uint32_t t) {
  return t < sizeof kGgmlTypeNames / sizeof kGgmlTypeNames[0] ? kGgmlTypeNames[t] : NULL;
}

static int type_supported(uint32_t t) {
  return t == TERN_GGML_F32 || t == TERN_GGML_F16 || t == TERN_GGML_BF16 || t == TERN_GGML_TQ1_0 ||
         t == TERN_GGML_TQ2_0 || t == TERN_GGML_I2_S;
}

/* The other ggml types whose layout is rows of fixed-size blocks: elements and bytes per
 * block (ggml's type traits). The reader accepts them so that `tern info` can describe any
 * such file; the model loader refuses them by role. 0: not such a type (I8_S, TL1, TL2 and
 * unnamed numbers stay unsupported: their sizes are not per-row blocks). */
static void block_layout(uint32_t t, uint32_t *elems, uint32_t *bytes) {
  static const uint16_t kBlock[29][2] = {
      [2] = {32, 18},    [3] = {32, 20},    [6] = {32, 22},    [7] = {32, 24},    [8] = {32, 34},
      [9] = {32, 36},    [10] = {256, 84},  [11] = {256, 110}, [12] = {256, 144}, [13] = {256, 176},
      [14] = {256, 210}, [15] = {256, 292}, [16] = {256, 66},  [17] = {256, 74},  [18] = {256, 98},
      [19] = {256, 50},  [20] = {32, 18},   [21] = {256, 110}, [22] = {256, 82},  [23] = {256, 136},
      [24] = {1, 1},     [25] = {1, 2},     [26] = {1, 4},     [27] = {1, 8},     [28] = {1, 8}};
  *elems = *bytes = 0;
  if (t == 29)
    *elems = 256, *bytes = 56; /* IQ1_M */
  else if (t < 29)
    *elems = kBlock[t][0], *bytes = kBlock[t][1];
}

tern_status tern_gguf_tensor_bytes(uint32_t type, uint32_t n_dims, const uint64_t ne_in[4], size_t *nbytes, char *why,
                                   size_t why_size) {
  if (ne_in == NULL || nbytes == NULL) return tern_errf(why, why_size, TERN_ERR_ARG, "NULL argument");
  uint32_t blk_elems, blk_bytes;
  block_layout(type, &blk_elems, &blk_bytes);
  if (!type_supported(type) && blk_elems == 0) {
    const char *nm = tern_gguf_type_name(type);
    return tern_errf(why, why_size, TERN_ERR_CODE,
                     "type %" PRIu32
                     " (%s) is not supported (supported: F32, F16, BF16, TQ1_0, "
                     "TQ2_0, I2_S, and the block types Q4_0 .. IQ1_M, I8 .. F64 for description)",
                     type, nm ? nm : "unknown");
  }
  if (n_dims < 1 || n_dims > 4)
    return tern_errf(why, why_size, TERN_ERR_SHAPE, "n_dims %" PRIu32 " (must be 1..4)", n_dims);
  uint64_t ne[4] = {1, 1, 1, 1};
  for (uint32_t d = 0; d < n_dims; d++) {
    if (ne_in[d] == 0) return tern_errf(why, why_size, TERN_ERR_SHAPE, "ne[%" PRIu32 "] is 0", d);
    ne[d] = ne_in[d];
  }
  /* Element count, overflow-checked, at most 2^60 so that 4 bytes per element still fit. */
  uint64_t n = 1;
  const uint64_t lim = (uint64_t)1 << 60;
  for (int d = 0; d < 4; d++) {
    if (ne[d] > lim / n)
      return tern_errf(why, why_size, TERN_ERR_SHAPE,
                       "element count ne[0]*ne[1]*ne[2]*ne[3] overflows (ne = %" PRIu64 " x %" PRIu64 " x %" PRIu64
                       " x %" PRIu64 ")",
                       ne[0], ne[1], ne[2], ne[3]);
    n *= ne[d];
  }
  uint64_t bytes = 0;
  switch (type) {
    case TERN_GGML_F32: bytes = n * 4u; break;
    case TERN_GGML_F16:
    case TERN_GGML_BF16: bytes = n * 2u; break;
    case TERN_GGML_TQ1_0:
    case TERN_GGML_TQ2_0: {
      const char *nm = tern_gguf_type_name(type);
      if (ne[0] % 256u != 0)
        return tern_errf(why, why_size, TERN_ERR_SHAPE, "%s needs ne[0] %% 256 == 0 (blocks of 256), ne[0] = %" PRIu64,
                         nm, ne[0]);
      if (ne[0] > UINT32_MAX)
        return tern_errf(why, why_size, TERN_ERR_SHAPE, "%s row length ne[0] = %" PRIu64 " too large", nm, ne[0]);
      size_t row =
          type == TERN_GGML_TQ2_0 ? tern_tq2_0_bytes((uint32_t)ne[0], 1) : tern_tq1_0_bytes((uint32_t)ne[0], 1);
      uint64_t rows = n / ne[0];
      if (row == 0 || rows > UINT64_MAX / row)
        return tern_errf(why, why_size, TERN_ERR_SHAPE, "%s byte size overflows", nm);
      bytes = rows * row;
      break;
    }
    case TERN_GGML_I2_S: {
      if (ne[2] != 1 || ne[3] != 1)
        return tern_errf(why, why_size, TERN_ERR_SHAPE, "I2_S must be 2-D (ne[2] = %" PRIu64 ", ne[3] = %" PRIu64 ")",
                         ne[2], ne[3]);
      if (ne[0] > UINT32_MAX || ne[1] > UINT32_MAX)
        return tern_errf(why, why_size, TERN_ERR_SHAPE, "I2_S dims %" PRIu64 " x %" PRIu64 " too large", ne[0], ne[1]);
      if (n % 128u != 0)
        return tern_errf(why, why_size, TERN_ERR_SHAPE,
                         "I2_S needs ne[0]*ne[1] %% 128 == 0, got %" PRIu64 " x %" PRIu64, ne[0], ne[1]);
      size_t b = tern_i2s_bytes((uint32_t)ne[0], (uint32_t)ne[1]);
      if (b == 0)
        return tern_errf(why, why_size, TERN_ERR_SHAPE, "I2_S shape %" PRIu64 " x %" PRIu64 " refused", ne[0], ne[1]);
      bytes = b;
      break;
    }
    default: { /* a block type (block_layout) */
      const char *nm = tern_gguf_type_name(type);
      if (ne[0] % blk_elems != 0)
        return tern_errf(why, why_size, TERN_ERR_SHAPE,
                         "%s needs ne[0] %% %" PRIu32 " == 0 (blocks of %" PRIu32 "), ne[0] = %" PRIu64, nm, blk_elems,
                         blk_elems, ne[0]);
      /* n <= 2^60 and blk_bytes / blk_elems <= 8: no overflow */
      bytes = n / blk_elems * blk_bytes;
      break;
    }
  }
  if (bytes > SIZE_MAX)
    return tern_errf(why, why_size, TERN_ERR_SHAPE, "byte size %" PRIu64 " does not fit size_t", bytes);
  *nbytes = (size_t)bytes;
  return TERN_OK;
}

/* ---- metadata parsing ----------------------------------------------------------------- */

/* Validate (and skip) an array's element type, count and elements; r->pos is at the element
 * type. On success *elem, *count and *elems_at describe it and, if str_at != NULL and it is a
 * string array, *str_at is a malloc'ed table of each element's length-field offset. */
static tern_status parse_array(reader *r, int depth, const char *where, uint32_t *elem_out, uint64_t *count_out,
                               size_t *elems_at, size_t **str_at) {
  size_t type_at = r->pos;
  uint32_t elem;
  uint64_t count;
  tern_status st = rd_u32(r, &elem, where, "array element type");
  if (st != TERN_OK) return st;
  if (elem >= N_VALUE_TYPES)
    return fail(r, TERN_ERR_CODE, "%s: unknown array element type %" PRIu32 " at offset 0x%zx (known: 0..12)", where,
                elem, type_at);
  size_t count_at = r->pos;
  st = rd_u64(r, &count, where, "array count");
  if (st != TERN_OK) return st;
  size_t esz = value_size(elem);
  size_t min = esz ? esz : (elem == TERN_GGUF_STRING ? 8u : 12u);
  if (count > remaining(r) / min)
    return fail(r, TERN_ERR_SIZE,
                "%s: array count %" PRIu64
                " at offset 0x%zx runs past the end of the file: %s "
                "elements take at least %zu bytes each and %zu bytes remain (size 0x%zx)",
                where, count, count_at, kValueTypeNames[elem], min, remaining(r), r->size);
  if (elem_out) *elem_out = elem;
  if (count_out) *count_out = count;
  if (elems_at) *elems_at = r->pos;
  if (esz) {
    if (elem == TERN_GGUF_BOOL) {
      for (uint64_t i = 0; i < count; i++)
        if (r->p[r->pos + i] > 1)
          return fail(r, TERN_ERR_CODE, "%s: array element %" PRIu64 ": BOOL value %u at offset 0x%zx (must be 0 or 1)",
                      where, i, r->p[r->pos + i], r->pos + (size_t)i);
    }
    r->pos += (size_t)count * esz;
  } else if (elem == TERN_GGUF_STRING) {
    size_t *tab = NULL;
    if (str_at != NULL) {
      tab = malloc((count ? (size_t)count : 1u) * sizeof *tab);
      if (tab == NULL) return fail(r, TERN_ERR_NOMEM, "%s: out of memory for %" PRIu64 " strings", where, count);
    }
    for (uint64_t i = 0; i < count; i++) {
      char field[64];
      snprintf(field, sizeof field, "array element %" PRIu64 " string", i);
      size_t at;
      uint64_t len;
      if (tab) tab[i] = r->pos;
      st = rd_str(r, &at, &len, where, field);
      if (st != TERN_OK) {
        free(tab);
        return st;
      }
    }
    if (str_at) *str_at = tab;
  } else { /* array of arrays */
    if (depth + 1 >= TERN_GGUF_MAX_ARRAY_DEPTH)
      return fail(r, TERN_ERR_CODE, "%s: arrays nested more than %d deep (array at offset 0x%zx)", where,
                  TERN_GGUF_MAX_ARRAY_DEPTH, type_at);
    for (uint64_t i = 0; i < count; i++) {
      char sub[256];
      snprintf(sub, sizeof sub, "%s[%" PRIu64 "]", where, i);
      st = parse_array(r, depth + 1, sub, NULL, NULL, NULL, NULL);
      if (st != TERN_OK) return st;
    }
  }
  return TERN_OK;
}

static int cmp_name(const void *a, const void *b) {
  const name_idx *x = a, *y = b;
  int c = strcmp(x->s, y->s);
  if (c) return c;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int64_t find_sorted(const name_idx *v, size_t n, const char *s) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(v[mid].s, s);
    if (c == 0) return (int64_t)v[mid].idx;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

/* Read a key/name string and copy it out of the file (NUL-terminated), refusing NUL bytes. */
static tern_status rd_name(reader *r, const char *where, const char *field, char **out, uint64_t *out_len) {
  size_t at;
  uint64_t len;
  tern_status st = rd_str(r, &at, &len, where, field);
  if (st != TERN_OK) return st;
  *out_len = len;
  const char *s = (const char *)r->p + at;
  const void *nul = memchr(s, 0, (size_t)len);
  if (nul != NULL)
    return fail(r, TERN_ERR_CODE, "%s: %s contains a NUL byte at offset 0x%zx", where, field,
                at + (size_t)((const char *)nul - s));
  char *c = malloc((size_t)len + 1);
  if (c == NULL) return fail(r, TERN_ERR_NOMEM, "%s: out of memory for the %s", where, field);
  memcpy(c, s, (size_t)len);
  c[len] = 0;
  *out = c;
  return TERN_OK;
}

static tern_status parse_kvs(tern_gguf *g, reader *r) {
  for (size_t i = 0; i < g->n_kv; i++) {
    gguf_kv *kv = &g->kv[i];
    char where[256];
    snprintf(where, sizeof where, "kv %zu", i);
    uint64_t key_len;
    tern_status st = rd_name(r, where, "key", &kv->key, &key_len);
    if (st != TERN_OK) return st;
    char q[200];
    quote(q, sizeof q, kv->key, (size_t)key_len);
    snprintf(where, sizeof where, "kv %zu %s", i, q);
    size_t type_at = r->pos;
    st = rd_u32(r, &kv->type, where, "value type");
    if (st != TERN_OK) return st;
    if (kv->type >= N_VALUE_TYPES)
      return fail(r, TERN_ERR_CODE, "%s: unknown value type %" PRIu32 " at offset 0x%zx (known: 0..12)", where,
                  kv->type, type_at);
    size_t esz = value_size(kv->type);
    if (esz) {
      if (remaining(r) < esz)
        return fail(r, TERN_ERR_SIZE,
                    "%s: %s value (%zu bytes at offset 0x%zx) runs past the end of the file (size 0x%zx)", where,
                    kValueTypeNames[kv->type], esz, r->pos, r->size);
      if (kv->type == TERN_GGUF_BOOL && r->p[r->pos] > 1)
        return fail(r, TERN_ERR_CODE, "%s: BOOL value %u at offset 0x%zx (must be 0 or 1)", where, r->p[r->pos],
                    r->pos);
      kv->at = r->pos;
      r->pos += esz;
    } else if (kv->type == TERN_GGUF_STRING) {
      size_t at;
      st = rd_str(r, &at, &kv->count, where, "string value");
      if (st != TERN_OK) return st;
      kv->at = at;
    } else {
      st = parse_array(r, 0, where, &kv->elem, &kv->count, &kv->at, &kv->str_at);
      if (st != TERN_OK) return st;
    }
  }
  /* Sorted index; duplicates are neighbours. */
  for (size_t i = 0; i < g->n_kv; i++) g->kv_sorted[i] = (name_idx){g->kv[i].key, i};
  if (g->n_kv > 1) qsort(g->kv_sorted, g->n_kv, sizeof *g->kv_sorted, cmp_name);
  for (size_t i = 1; i < g->n_kv; i++)
    if (strcmp(g->kv_sorted[i - 1].s, g->kv_sorted[i].s) == 0) {
      char q[200];
      quote(q, sizeof q, g->kv_sorted[i].s, strlen(g->kv_sorted[i].s));
      return fail(r, TERN_ERR_CODE, "kv %zu %s: duplicate key (first as kv %zu)", g->kv_sorted[i].idx, q,
                  g->kv_sorted[i - 1].idx);
    }
  return TERN_OK;
}

/* ---- scalar conversion ------------------------------------------------------------------ */

static const gguf_kv *lookup(const tern_gguf *g, const char *key) {
  if (g == NULL || key == NULL) return NULL;
  int64_t i = find_sorted(g->kv_sorted, g->n_kv, key);
  return i < 0 ? NULL : &g->kv[i];
}

/* An integer value as (negative?, magnitude). Returns 0 if the kv is not an integer/bool. */
static int kv_int(const tern_gguf *g, const gguf_kv *kv, int *neg, uint64_t *mag) {
  const uint8_t *p = g->base + kv->at;
  int64_t s = 0;
  *neg = 0;
  switch (kv->type) {
    case TERN_GGUF_UINT8:
    case TERN_GGUF_BOOL: *mag = p[0]; return 1;
    case TERN_GGUF_UINT16: *mag = le16(p); return 1;
    case TERN_GGUF_UINT32: *mag = le32(p); return 1;
    case TERN_GGUF_UINT64: *mag = le64(p); return 1;
    case TERN_GGUF_INT8: s = (int8_t)p[0]; break;
    case TERN_GGUF_INT16: s = (int16_t)le16(p); break;
    case TERN_GGUF_INT32: s = (int32_t)le32(p); break;
    case TERN_GGUF_INT64: s = (int64_t)le64(p); break;
    default: return 0;
  }
  if (s < 0) {
    *neg = 1;
    *mag = (uint64_t)0 - (uint64_t)s;
  } else {
    *mag = (uint64_t)s;
  }
  return 1;
}

tern_status tern_gguf_get_u64(const tern_gguf *g, const char *key, uint64_t *v) {
  const gguf_kv *kv = lookup(g, key);
  if (kv == NULL || v == NULL) return TERN_ERR_ARG;
  int neg;
  uint64_t m;
  if (!kv_int(g, kv, &neg, &m) || (neg && m != 0)) return TERN_ERR_CODE;
  *v = m;
  return TERN_OK;
}

tern_status tern_gguf_get_u32(const tern_gguf *g, const char *key, uint32_t *v) {
  uint64_t x;
  if (v == NULL) return TERN_ERR_ARG;
  tern_status st = tern_gguf_get_u64(g, key, &x);
  if (st != TERN_OK) return st;
  if (x > UINT32_MAX) return TERN_ERR_CODE;
  *v = (uint32_t)x;
  return TERN_OK;
}

tern_status tern_gguf_get_i64(const tern_gguf *g, const char *key, int64_t *v) {
  const gguf_kv *kv = lookup(g, key);
  if (kv == NULL || v == NULL) return TERN_ERR_ARG;
  int neg;
  uint64_t m;
  if (!kv_int(g, kv, &neg, &m)) return TERN_ERR_CODE;
  if (neg) {
    if (m > (uint64_t)INT64_MAX + 1u) return TERN_ERR_CODE;
    *v = m == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)m;
  } else {
    if (m > (uint64_t)INT64_MAX) return TERN_ERR_CODE;
    *v = (int64_t)m;
  }
  return TERN_OK;
}

tern_status tern_gguf_get_bool(const tern_gguf *g, const char *key, int *v) {
  const gguf_kv *kv = lookup(g, key);
  if (kv == NULL || v == NULL) return TERN_ERR_ARG;
  int neg;
  uint64_t m;
  if (!kv_int(g, kv, &neg, &m)) return TERN_ERR_CODE;
  *v = m != 0;
  return TERN_OK;
}

tern_status tern_gguf_get_f32(const tern_gguf *g, const char *key, float *v) {
  const gguf_kv *kv = lookup(g, key);
  if (kv == NULL || v == NULL) return TERN_ERR_ARG;
  const uint8_t *p = g->base + kv->at;
  if (kv->type == TERN_GGUF_FLOAT32) {
    uint32_t b = le32(p);
    memcpy(v, &b, 4);
    return TERN_OK;
  }
  if (kv->type == TERN_GGUF_FLOAT64) {
    uint64_t b = le64(p);
    double d;
    memcpy(&d, &b, 8);
    if (isfinite(d) && (d > FLT_MAX || d < -FLT_MAX)) return TERN_ERR_CODE;
    *v = (float)d;
    return TERN_OK;
  }
  if (kv->type == TERN_GGUF_BOOL) return TERN_ERR_CODE;
  int neg;
  uint64_t m;
  if (!kv_int(g, kv, &neg, &m)) return TERN_ERR_CODE;
  *v = neg ? -(float)m : (float)m;
  return TERN_OK;
}

tern_status tern_gguf_get_str(const tern_gguf *g, const char *key, const char **s, size_t *len) {
  const gguf_kv *kv = lookup(g, key);
  if (kv == NULL || s == NULL || len == NULL) return TERN_ERR_ARG;
  if (kv->type != TERN_GGUF_STRING) return TERN_ERR_CODE;
  *s = (const char *)g->base + kv->at;
  *len = (size_t)kv->count;
  return TERN_OK;
}

tern_status tern_gguf_get_arr(const tern_gguf *g, const char *key, tern_gguf_type *elem, size_t *count) {
  const gguf_kv *kv = lookup(g, key);
  if (kv == NULL || elem == NULL || count == NULL) return TERN_ERR_ARG;
  if (kv->type != TERN_GGUF_ARRAY) return TERN_ERR_CODE;
  *elem = (tern_gguf_type)kv->elem;
  *count = (size_t)kv->count;
  return TERN_OK;
}

tern_status tern_gguf_arr_str(const tern_gguf *g, const char *key, size_t i, const char **s, size_t *len) {
  const gguf_kv *kv = lookup(g, key);
  if (kv == NULL || s == NULL || len == NULL) return TERN_ERR_ARG;
  if (kv->type != TERN_GGUF_ARRAY || kv->elem != TERN_GGUF_STRING) return TERN_ERR_CODE;
  if (i >= kv->count) return TERN_ERR_ARG;
  size_t at = kv->str_at[i];
  *len = (size_t)le64(g->base + at);
  *s = (const char *)g->base + at + 8;
  return TERN_OK;
}

tern_status tern_gguf_arr_data(const tern_gguf *g, const char *key, const void **data) {
  const gguf_kv *kv = lookup(g, key);
  if (kv == NULL || data == NULL) return TERN_ERR_ARG;
  if (kv->type != TERN_GGUF_ARRAY || value_size(kv->elem) == 0) return TERN_ERR_CODE;
  *data = g->base + kv->at;
  return TERN_OK;
}

/* ---- tensors -------------------------------------------------------------------------- */

typedef struct {
  uint64_t off, end;
  size_t idx;
} range_idx;

static int cmp_range(const void *a, const void *b) {
  const range_idx *x = a, *y = b;
  if (x->off != y->off) return x->off < y->off ? -1 : 1;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static tern_status parse_tensors(tern_gguf *g, reader *r) {
  for (size_t i = 0; i < g->n_tensors; i++) {
    tern_gguf_tensor *t = &g->tensors[i];
    char where[256];
    snprintf(where, sizeof where, "tensor %zu", i);
    uint64_t name_len;
    char *name;
    tern_status st = rd_name(r, where, "name", &name, &name_len);
    if (st != TERN_OK) return st;
    t->name = name;
    char q[200];
    quote(q, sizeof q, name, (size_t)name_len);
    snprintf(where, sizeof where, "tensor %zu %s", i, q);
    size_t nd_at = r->pos;
    st = rd_u32(r, &t->n_dims, where, "n_dims");
    if (st != TERN_OK) return st;
    if (t->n_dims < 1 || t->n_dims > 4)
      return fail(r, TERN_ERR_SHAPE, "%s: n_dims %" PRIu32 " at offset 0x%zx (must be 1..4)", where, t->n_dims, nd_at);
    for (int d = 0; d < 4; d++) t->ne[d] = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
      char field[16];
      snprintf(field, sizeof field, "ne[%" PRIu32 "]", d);
      size_t at = r->pos;
      st = rd_u64(r, &t->ne[d], where, field);
      if (st != TERN_OK) return st;
      if (t->ne[d] == 0) return fail(r, TERN_ERR_SHAPE, "%s: %s is 0 at offset 0x%zx", where, field, at);
      if (t->ne[d] > (uint64_t)INT64_MAX)
        return fail(r, TERN_ERR_SHAPE, "%s: %s = %" PRIu64 " at offset 0x%zx overflows int64", where, field, t->ne[d],
                    at);
    }
    size_t type_at = r->pos;
    st = rd_u32(r, &t->type, where, "type");
    if (st != TERN_OK) return st;
    st = rd_u64(r, &t->offset, where, "offset");
    if (st != TERN_OK) return st;
    char why[200];
    st = tern_gguf_tensor_bytes(t->type, t->n_dims, t->ne, &t->nbytes, why, sizeof why);
    if (st != TERN_OK)
      return fail(
          r, st, "%s: type/shape [%" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 "] (type field at offset 0x%zx): %s",
          where, t->ne[0], t->ne[1], t->ne[2], t->ne[3], type_at, why);
  }
  return TERN_OK;
}

static tern_status place_tensors(tern_gguf *g, reader *r, range_idx *ranges) {
  for (size_t i = 0; i < g->n_tensors; i++) {
    tern_gguf_tensor *t = &g->tensors[i];
    char q[200];
    quote(q, sizeof q, t->name, strlen(t->name));
    if (t->offset % g->alignment != 0)
      return fail(r, TERN_ERR_CODE, "tensor %zu %s: offset 0x%" PRIx64 " is not a multiple of the alignment %" PRIu32,
                  i, q, t->offset, g->alignment);
    uint64_t avail = g->data_offset <= r->size ? r->size - g->data_offset : 0;
    if (t->offset > avail || t->nbytes > avail - t->offset)
      return fail(r, TERN_ERR_SIZE,
                  "tensor %zu %s: data [offset 0x%" PRIx64
                  ", %zu bytes] runs past the end of the "
                  "file (size 0x%zx, data section at 0x%" PRIx64 ")",
                  i, q, t->offset, t->nbytes, r->size, g->data_offset);
    t->data = g->base + g->data_offset + t->offset;
    ranges[i] = (range_idx){t->offset, t->offset + t->nbytes, i};
  }
  if (g->n_tensors > 1) qsort(ranges, g->n_tensors, sizeof *ranges, cmp_range);
  for (size_t i = 1; i < g->n_tensors; i++)
    if (ranges[i].off < ranges[i - 1].end) {
      const tern_gguf_tensor *a = &g->tensors[ranges[i - 1].idx], *b = &g->tensors[ranges[i].idx];
      char qa[200], qb[200];
      quote(qa, sizeof qa, a->name, strlen(a->name));
      quote(qb, sizeof qb, b->name, strlen(b->name));
      return fail(r, TERN_ERR_CODE,
                  "tensor %zu %s: data [offset 0x%" PRIx64
                  ", %zu bytes] overlaps tensor %zu %s "
                  "[offset 0x%" PRIx64 ", %zu bytes]",
                  ranges[i].idx, qb, b->offset, b->nbytes, ranges[i - 1].idx, qa, a->offset, a->nbytes);
    }
  for (size_t i = 0; i < g->n_tensors; i++) g->t_sorted[i] = (name_idx){g->tensors[i].name, i};
  if (g->n_tensors > 1) qsort(g->t_sorted, g->n_tensors, sizeof *g->t_sorted, cmp_name);
  for (size_t i = 1; i < g->n_tensors; i++)
    if (strcmp(g->t_sorted[i - 1].s, g->t_sorted[i].s) == 0) {
      char q[200];
      quote(q, sizeof q, g->t_sorted[i].s, strlen(g->t_sorted[i].s));
      return fail(r, TERN_ERR_CODE, "tensor %zu %s: duplicate tensor name (first as tensor %zu)", g->t_sorted[i].idx, q,
                  g->t_sorted[i - 1].idx);
    }
  return TERN_OK;
}

/* ---- open / close ---------------------------------------------------------------------- */

static tern_status set_alignment(tern_gguf *g, reader *r) {
  g->alignment = TERN_GGUF_DEFAULT_ALIGNMENT;
  int64_t i = tern_gguf_find_kv(g, "general.alignment");
  if (i < 0) return TERN_OK;
  const gguf_kv *kv = &g->kv[i];
  int neg;
  uint64_t m;
  if (!kv_int(g, kv, &neg, &m) || kv->type == TERN_GGUF_BOOL)
    return fail(r, TERN_ERR_CODE, "kv %" PRId64 " 'general.alignment': type %s is not an integer (expected UINT32)", i,
                kValueTypeNames[kv->type]);
  if (neg || m == 0 || (m & (m - 1)) != 0 || m > MAX_ALIGNMENT)
    return fail(r, TERN_ERR_CODE,
                "kv %" PRId64 " 'general.alignment': value %s%" PRIu64
                " at offset 0x%zx is not a power "
                "of two in 1..2^30",
                i, neg ? "-" : "", m, kv->at);
  g->alignment = (uint32_t)m;
  return TERN_OK;
}

static tern_status parse(tern_gguf *g, reader *r) {
  if (!host_is_le()) return fail(r, TERN_ERR_ARG, "tern_gguf needs a little-endian host");
  if (r->size < 4)
    return fail(r, TERN_ERR_SIZE, "header: magic (4 bytes at offset 0x0) runs past the end of the file (size 0x%zx)",
                r->size);
  if (memcmp(r->p, "GGUF", 4) != 0) {
    return fail(r, TERN_ERR_CODE, "header: bad magic %02x %02x %02x %02x at offset 0x0 (expected 'GGUF' = 47 47 55 46)",
                r->p[0], r->p[1], r->p[2], r->p[3]);
  }
  r->pos = 4;
  tern_status st = rd_u32(r, &g->version, "header", "version");
  if (st != TERN_OK) return st;
  if (g->version == 1)
    return fail(r, TERN_ERR_CODE,
                "header: version 1 at offset 0x4 is not supported (GGUF v1 has 32-bit counts; "
                "convert the file to v3)");
  if (g->version != 2 && g->version != 3) {
    uint32_t sw = __builtin_bswap32(g->version);
    if (sw == 2 || sw == 3)
      return fail(r, TERN_ERR_CODE,
                  "header: version 0x%08" PRIx32
                  " at offset 0x4 looks like a big-endian GGUF, "
                  "which is not supported",
                  g->version);
    return fail(r, TERN_ERR_CODE, "header: unsupported version %" PRIu32 " at offset 0x4 (expected 2 or 3)",
                g->version);
  }
  uint64_t n_tensors, n_kv;
  st = rd_u64(r, &n_tensors, "header", "tensor_count");
  if (st != TERN_OK) return st;
  st = rd_u64(r, &n_kv, "header", "metadata_kv_count");
  if (st != TERN_OK) return st;
  /* A kv takes at least 8 (key length) + 4 (type) + 1 (value) bytes; a tensor info at least
   * 8 (name length) + 4 (n_dims) + 8 (ne[0]) + 4 (type) + 8 (offset). */
  if (n_kv > remaining(r) / 13u)
    return fail(r, TERN_ERR_SIZE,
                "header: metadata_kv_count %" PRIu64
                " at offset 0x10 runs past the end of the file "
                "(each kv takes at least 13 bytes, %zu bytes remain, size 0x%zx)",
                n_kv, remaining(r), r->size);
  if (n_tensors > remaining(r) / 32u)
    return fail(r, TERN_ERR_SIZE,
                "header: tensor_count %" PRIu64
                " at offset 0x8 runs past the end of the file "
                "(each tensor info takes at least 32 bytes, %zu bytes remain, size 0x%zx)",
                n_tensors, remaining(r), r->size);
  g->n_kv = (size_t)n_kv;
  g->kv = calloc(g->n_kv ? g->n_kv : 1, sizeof *g->kv);
  g->kv_sorted = calloc(g->n_kv ? g->n_kv : 1, sizeof *g->kv_sorted);
  if (g->kv == NULL || g->kv_sorted == NULL) return fail(r, TERN_ERR_NOMEM, "out of memory for %zu kvs", g->n_kv);
  st = parse_kvs(g, r);
  if (st != TERN_OK) return st;
  st = set_alignment(g, r);
  if (st != TERN_OK) return st;
  if (n_tensors > remaining(r) / 32u)
    return fail(r, TERN_ERR_SIZE,
                "header: tensor_count %" PRIu64
                " at offset 0x8 runs past the end of the file "
                "(each tensor info takes at least 32 bytes, %zu bytes remain after the metadata, "
                "size 0x%zx)",
                n_tensors, remaining(r), r->size);
  g->n_tensors = (size_t)n_tensors;
  g->tensors = calloc(g->n_tensors ? g->n_tensors : 1, sizeof *g->tensors);
  g->t_sorted = calloc(g->n_tensors ? g->n_tensors : 1, sizeof *g->t_sorted);
  if (g->tensors == NULL || g->t_sorted == NULL)
    return fail(r, TERN_ERR_NOMEM, "out of memory for %zu tensors", g->n_tensors);
  st = parse_tensors(g, r);
  if (st != TERN_OK) return st;
  /* Data section: header end aligned up (pos < 2^63 and alignment <= 2^30: no overflow). */
  uint64_t a = g->alignment;
  g->data_offset = ((uint64_t)r->pos + a - 1) / a * a;
  if (g->n_tensors > 0 && g->data_offset > r->size)
    return fail(r, TERN_ERR_SIZE,
                "data section: starts at 0x%" PRIx64 " (header end 0x%zx aligned to %" PRIu32
                "), past the end of the file (size 0x%zx)",
                g->data_offset, r->pos, g->alignment, r->size);
  range_idx *ranges = malloc((g->n_tensors ? g->n_tensors : 1) * sizeof *ranges);
  if (ranges == NULL) return fail(r, TERN_ERR_NOMEM, "out of memory for %zu tensor ranges", g->n_tensors);
  st = place_tensors(g, r, ranges);
  free(ranges);
  return st;
}

static tern_status open_common(const uint8_t *data, size_t size, void *map, size_t map_size, void *owned,
                               tern_gguf **out, char *err, size_t err_size) {
  tern_gguf *g = calloc(1, sizeof *g);
  if (g == NULL) {
    if (map) munmap(map, map_size);
    free(owned);
    return tern_errf(err, err_size, TERN_ERR_NOMEM, "out of memory");
  }
  g->base = data;
  g->size = size;
  g->map = map;
  g->map_size = map_size;
  g->owned = owned;
  reader r = {data, size, 0, err, err_size};
  tern_status st = parse(g, &r);
  if (st != TERN_OK) {
    tern_gguf_close(g);
    return st;
  }
  if (err && err_size) err[0] = 0;
  *out = g;
  return TERN_OK;
}

tern_status tern_gguf_open_memory(const void *data, size_t size, tern_gguf **out, char *err, size_t err_size) {
  if (out == NULL) return tern_errf(err, err_size, TERN_ERR_ARG, "tern_gguf_open_memory: out is NULL");
  *out = NULL;
  if (data == NULL && size != 0) return tern_errf(err, err_size, TERN_ERR_ARG, "tern_gguf_open_memory: data is NULL");
  static const uint8_t empty[1] = {0};
  return open_common(data ? data : empty, size, NULL, 0, NULL, out, err, err_size);
}

/* The whole file into a fresh buffer; a file that ends before size (it shrank) is an error. */
static tern_status read_all(int fd, const char *path, size_t size, void **out, char *err, size_t err_size) {
  uint8_t *buf = malloc(size);
  if (!buf) return tern_errf(err, err_size, TERN_ERR_NOMEM, "%s: no memory to read %zu bytes", path, size);
  size_t got = 0;
  while (got < size) {
    ssize_t r = pread(fd, buf + got, size - got > (1u << 30) ? (1u << 30) : size - got, (off_t)got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      int e = errno;
      free(buf);
      if (r == 0)
        return tern_errf(err, err_size, TERN_ERR_SIZE, "%s: ends at %zu bytes while reading %zu (the file shrank)",
                         path, got, size);
      return tern_errf(err, err_size, TERN_ERR_ARG, "%s: cannot read: %s", path, strerror(e));
    }
    got += (size_t)r;
  }
  *out = buf;
  return TERN_OK;
}

tern_status tern_gguf_open(const char *path, tern_gguf **out, char *err, size_t err_size) {
  return tern_gguf_open_flags(path, 0, out, err, err_size);
}

tern_status tern_gguf_open_flags(const char *path, unsigned flags, tern_gguf **out, char *err, size_t err_size) {
  if (out == NULL) return tern_errf(err, err_size, TERN_ERR_ARG, "tern_gguf_open: out is NULL");
  *out = NULL;
  if (path == NULL) return tern_errf(err, err_size, TERN_ERR_ARG, "tern_gguf_open: path is NULL");
  int fd = open(path, O_RDONLY);
  if (fd < 0) return tern_errf(err, err_size, TERN_ERR_ARG, "%s: cannot open: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    close(fd);
    return tern_errf(err, err_size, TERN_ERR_ARG, "%s: cannot stat: %s", path, strerror(e));
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return tern_errf(err, err_size, TERN_ERR_ARG, "%s: not a regular file", path);
  }
  if (sb.st_size <= 0) {
    close(fd);
    return tern_errf(err, err_size, TERN_ERR_SIZE,
                     "%s: header: magic (4 bytes at offset 0x0) runs past the end of the file (size 0x0)", path);
  }
  if ((uint64_t)sb.st_size > SIZE_MAX) {
    close(fd);
    return tern_errf(err, err_size, TERN_ERR_SIZE, "%s: file too large to map", path);
  }
  size_t size = (size_t)sb.st_size;
  tern_status st;
  if (flags & TERN_GGUF_READ) {
    void *buf = NULL;
    st = read_all(fd, path, size, &buf, err, err_size);
    close(fd);
    if (st != TERN_OK) return st;
    st = open_common(buf, size, NULL, 0, buf, out, err, err_size);
  } else {
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (map == MAP_FAILED) return tern_errf(err, err_size, TERN_ERR_NOMEM, "%s: mmap failed: %s", path, strerror(e));
    st = open_common(map, size, map, size, NULL, out, err, err_size);
  }
  if (st != TERN_OK && err != NULL && err_size > 0) {
    /* Prefix the path. */
    size_t pl = strlen(path), el = strnlen(err, err_size - 1);
    if (pl + 2 + el < err_size) {
      memmove(err + pl + 2, err, el + 1);
      memcpy(err, path, pl);
      err[pl] = ':';
      err[pl + 1] = ' ';
    }
  }
  return st;
}

void tern_gguf_close(tern_gguf *g) {
  if (g == NULL) return;
  if (g->kv != NULL)
    for (size_t i = 0; i < g->n_kv; i++) {
      free(g->kv[i].key);
      free(g->kv[i].str_at);
    }
  if (g->tensors != NULL)
    for (size_t i = 0; i < g->n_tensors; i++) free((char *)g->tensors[i].name);
  free(g->kv);
  free(g->kv_sorted);
  free(g->tensors);
  free(g->t_sorted);
  if (g->map) munmap(g->map, g->map_size);
  free(g->owned);
  free(g);
}

/* ---- accessors ------------------------------------------------------------------------- */

uint32_t tern_gguf_version(const tern_gguf *g) { return g ? g->version : 0; }
size_t tern_gguf_kv_count(const tern_gguf *g) { return g ? g->n_kv : 0; }
const char *tern_gguf_kv_key(const tern_gguf *g, size_t i) { return g && i < g->n_kv ? g->kv[i].key : NULL; }
int64_t tern_gguf_find_kv(const tern_gguf *g, const char *key) {
  if (g == NULL || key == NULL) return -1;
  return find_sorted(g->kv_sorted, g->n_kv, key);
}
tern_gguf_type tern_gguf_kv_type(const tern_gguf *g, size_t i) {
  return g && i < g->n_kv ? (tern_gguf_type)g->kv[i].type : TERN_GGUF_UINT8;
}
size_t tern_gguf_tensor_count(const tern_gguf *g) { return g ? g->n_tensors : 0; }
const tern_gguf_tensor *tern_gguf_tensor_at(const tern_gguf *g, size_t i) {
  return g && i < g->n_tensors ? &g->tensors[i] : NULL;
}
const tern_gguf_tensor *tern_gguf_find_tensor(const tern_gguf *g, const char *name) {
  if (g == NULL || name == NULL) return NULL;
  int64_t i = find_sorted(g->t_sorted, g->n_tensors, name);
  return i < 0 ? NULL : &g->tensors[i];
}
uint32_t tern_gguf_alignment(const tern_gguf *g) { return g ? g->alignment : 0; }
uint64_t tern_gguf_data_offset(const tern_gguf *g) { return g ? g->data_offset : 0; }
const uint8_t *tern_gguf_file_data(const tern_gguf *g, size_t *size) {
  if (size) *size = g ? g->size : 0;
  return g ? g->base : NULL;
}

/* ---- describe -------------------------------------------------------------------------- */

static void print_str(FILE *out, const uint8_t *s, size_t len, size_t max) {
  fputc('"', out);
  for (size_t i = 0; i < len; i++) {
    if (i >= max) {
      fprintf(out, "\"...(%zu bytes)", len);
      return;
    }
    unsigned c = s[i];
    if (c == '"' || c == '\\')
      fprintf(out, "\\%c", c);
    else if (c == '\n')
      fputs("\\n", out);
    else if (c >= 0x20 && c < 0x7f)
      fputc((int)c, out);
    else
      fprintf(out, "\\x%02x", c);
  }
  fputc('"', out);
}

/* One fixed-size element at p. */
static void print_scalar(FILE *out, uint32_t type, const uint8_t *p) {
  switch (type) {
    case TERN_GGUF_UINT8: fprintf(out, "%u", p[0]); break;
    case TERN_GGUF_INT8: fprintf(out, "%d", (int8_t)p[0]); break;
    case TERN_GGUF_UINT16: fprintf(out, "%u", le16(p)); break;
    case TERN_GGUF_INT16: fprintf(out, "%d", (int16_t)le16(p)); break;
    case TERN_GGUF_UINT32: fprintf(out, "%" PRIu32, le32(p)); break;
    case TERN_GGUF_INT32: fprintf(out, "%" PRId32, (int32_t)le32(p)); break;
    case TERN_GGUF_UINT64: fprintf(out, "%" PRIu64, le64(p)); break;
    case TERN_GGUF_INT64: fprintf(out, "%" PRId64, (int64_t)le64(p)); break;
    case TERN_GGUF_BOOL: fputs(p[0] ? "true" : "false", out); break;
    case TERN_GGUF_FLOAT32: {
      uint32_t b = le32(p);
      float f;
      memcpy(&f, &b, 4);
      fprintf(out, "%.9g", (double)f);
      break;
    }
    case TERN_GGUF_FLOAT64: {
      uint64_t b = le64(p);
      double d;
      memcpy(&d, &b, 8);
      fprintf(out, "%.17g", d);
      break;
    }
    default: fputs("?", out);
  }
}

/* A key or tensor name with control and non-ASCII bytes escaped (no terminal escapes leak). */
static const char *safe_name(char *dst, size_t dst_size, const char *s) {
  tern_gguf_escape(s, strlen(s), dst, dst_size);
  return dst;
}

void tern_gguf_describe(const tern_gguf *g, FILE *out, int max_array_items) {
  char nm[200];
  if (g == NULL || out == NULL) return;
  fprintf(out,
          "GGUF v%" PRIu32 ": %zu bytes, %zu metadata keys, %zu tensors, alignment %" PRIu32
          ", data section at 0x%" PRIx64 "\n",
          g->version, g->size, g->n_kv, g->n_tensors, g->alignment, g->data_offset);
  fprintf(out, "metadata:\n");
  for (size_t i = 0; i < g->n_kv; i++) {
    const gguf_kv *kv = &g->kv[i];
    const uint8_t *p = g->base + kv->at;
    if (kv->type == TERN_GGUF_ARRAY) {
      char tn[32];
      snprintf(tn, sizeof tn, "%s[%s]", "ARRAY", kValueTypeNames[kv->elem]);
      fprintf(out, "  %-44s %-16s %" PRIu64 ":", safe_name(nm, sizeof nm, kv->key), tn, kv->count);
      uint64_t shown = max_array_items < 0                     ? kv->count
                       : kv->count < (uint64_t)max_array_items ? kv->count
                                                               : (uint64_t)max_array_items;
      if (kv->elem == TERN_GGUF_ARRAY) shown = 0;
      size_t esz = value_size(kv->elem);
      for (uint64_t j = 0; j < shown; j++) {
        fputs(j ? ", " : " ", out);
        if (esz)
          print_scalar(out, kv->elem, p + (size_t)j * esz);
        else {
          size_t at = kv->str_at[j];
          print_str(out, g->base + at + 8, (size_t)le64(g->base + at), 40);
        }
      }
      if (shown < kv->count) fputs(shown ? ", ..." : " ...", out);
      fputc('\n', out);
    } else {
      fprintf(out, "  %-44s %-16s ", safe_name(nm, sizeof nm, kv->key), kValueTypeNames[kv->type]);
      if (kv->type == TERN_GGUF_STRING)
        print_str(out, p, (size_t)kv->count, 80);
      else
        print_scalar(out, kv->type, p);
      fputc('\n', out);
    }
  }
  fprintf(out, "tensors:\n  %5s %-40s %-6s %-28s %12s %12s\n", "#", "name", "type", "dims", "bytes", "offset");
  for (size_t i = 0; i < g->n_tensors; i++) {
    const tern_gguf_tensor *t = &g->tensors[i];
    char dims[96];
    size_t o = 0;
    for (uint32_t d = 0; d < t->n_dims && o < sizeof dims; d++)
      o += (size_t)snprintf(dims + o, sizeof dims - o, d ? " x %" PRIu64 : "%" PRIu64, t->ne[d]);
    const char *tn = tern_gguf_type_name(t->type);
    fprintf(out, "  %5zu %-40s %-6s %-28s %12zu %#12" PRIx64 "\n", i, safe_name(nm, sizeof nm, t->name), tn ? tn : "?",
            dims, t->nbytes, t->offset);
  }
}
