/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the GGUF reader (driver/src/gguf.c). Each input is used twice:
 *  1. as a GGUF file, opened with tern_gguf_open_memory;
 *  2. as a recipe for a mostly well-formed GGUF file (version, keys of every value type,
 *     nested arrays, general.alignment, tensors of the supported and unsupported types with
 *     fuzzed dims and offsets, an optional truncation) that the library's writer
 *     (tern_gguf_write.h) builds and opens, so that the deep paths are reached without the
 *     fuzzer having to discover the format.
 * Whatever opens is walked completely (every key through every getter, every array element,
 * every tensor byte, tern_gguf_describe) and its invariants are checked: keys and tensor names
 * are found at their own index, tensor data lies inside the file, is aligned, is exactly
 * tern_gguf_tensor_bytes() long and does not overlap another tensor. A failed open must leave a
 * message. Besides those checks: no crash, hang or sanitizer report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_gguf.h"
#include "tern_gguf_write.h"

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

static const size_t kElemSize[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

static void walk(const tern_gguf *g, const uint8_t *file, size_t size) {
  size_t fsize;
  CHECK(tern_gguf_file_data(g, &fsize) == file && fsize == size);
  uint32_t align = tern_gguf_alignment(g);
  CHECK(align >= 1 && (align & (align - 1)) == 0);
  CHECK(tern_gguf_version(g) == 2 || tern_gguf_version(g) == 3);
  volatile uint64_t h = 0;
  size_t nkv = tern_gguf_kv_count(g);
  CHECK(tern_gguf_kv_key(g, nkv) == NULL);
  for (size_t i = 0; i < nkv; i++) {
    const char *key = tern_gguf_kv_key(g, i);
    CHECK(key != NULL && tern_gguf_find_kv(g, key) == (int64_t)i);
    tern_gguf_type type = tern_gguf_kv_type(g, i);
    CHECK((unsigned)type < 13);
    uint64_t u;
    uint32_t u32;
    int64_t s;
    float f;
    int b;
    const char *str;
    size_t len, count;
    tern_gguf_type elem;
    const void *data;
    if (tern_gguf_get_u64(g, key, &u) == TERN_OK) h += u;
    if (tern_gguf_get_u32(g, key, &u32) == TERN_OK) h += u32;
    if (tern_gguf_get_i64(g, key, &s) == TERN_OK) h += (uint64_t)s;
    if (tern_gguf_get_f32(g, key, &f) == TERN_OK) h += (uint64_t)(f == f);
    if (tern_gguf_get_bool(g, key, &b) == TERN_OK) h += (uint64_t)b;
    tern_status st = tern_gguf_get_str(g, key, &str, &len);
    CHECK((st == TERN_OK) == (type == TERN_GGUF_STRING));
    if (st == TERN_OK) {
      CHECK((const uint8_t *)str >= file && len <= size - (size_t)((const uint8_t *)str - file));
      for (size_t j = 0; j < len; j++) h += (uint8_t)str[j];
    }
    st = tern_gguf_get_arr(g, key, &elem, &count);
    CHECK((st == TERN_OK) == (type == TERN_GGUF_ARRAY));
    if (st != TERN_OK) continue;
    CHECK((unsigned)elem < 13);
    if (elem == TERN_GGUF_STRING) {
      CHECK(tern_gguf_arr_data(g, key, &data) == TERN_ERR_CODE);
      for (size_t j = 0; j < count; j++) {
        CHECK(tern_gguf_arr_str(g, key, j, &str, &len) == TERN_OK);
        CHECK((const uint8_t *)str >= file && len <= size - (size_t)((const uint8_t *)str - file));
        for (size_t k = 0; k < len; k++) h += (uint8_t)str[k];
      }
      CHECK(tern_gguf_arr_str(g, key, count, &str, &len) == TERN_ERR_ARG);
    } else if (elem == TERN_GGUF_ARRAY) {
      CHECK(tern_gguf_arr_data(g, key, &data) == TERN_ERR_CODE);
    } else {
      CHECK(tern_gguf_arr_data(g, key, &data) == TERN_OK);
      const uint8_t *p = data;
      CHECK(p >= file && count * kElemSize[elem] <= size - (size_t)(p - file));
      for (size_t j = 0; j < count * kElemSize[elem]; j++) h += p[j];
    }
  }
  size_t nt = tern_gguf_tensor_count(g);
  CHECK(tern_gguf_tensor_at(g, nt) == NULL);
  uint64_t data_off = tern_gguf_data_offset(g);
  CHECK(data_off % align == 0);
  for (size_t i = 0; i < nt; i++) {
    const tern_gguf_tensor *t = tern_gguf_tensor_at(g, i);
    CHECK(t != NULL && tern_gguf_find_tensor(g, t->name) == t);
    CHECK(t->n_dims >= 1 && t->n_dims <= 4 && tern_gguf_type_name(t->type) != NULL);
    size_t nb = 0;
    CHECK(tern_gguf_tensor_bytes(t->type, t->n_dims, t->ne, &nb, NULL, 0) == TERN_OK);
    CHECK(nb == t->nbytes && nb > 0);
    CHECK(t->offset % align == 0);
    CHECK(data_off <= size && t->offset <= size - data_off && nb <= size - data_off - t->offset);
    CHECK(t->data == file + data_off + t->offset);
    for (size_t j = 0; j < t->nbytes; j++) h += t->data[j];
    for (size_t j = 0; j < i; j++) { /* no overlap (inputs are small: n^2 is fine) */
      const tern_gguf_tensor *o = tern_gguf_tensor_at(g, j);
      CHECK(o->offset + o->nbytes <= t->offset || t->offset + t->nbytes <= o->offset);
    }
  }
  static FILE *null_out;
  if (null_out == NULL) null_out = fopen("/dev/null", "w");
  if (null_out != NULL) tern_gguf_describe(g, null_out, 3);
  (void)h;
}

static void try_open(const uint8_t *d, size_t size) {
  tern_gguf *g = NULL;
  char err[512];
  err[0] = 0;
  tern_status st = tern_gguf_open_memory(d, size, &g, err, sizeof err);
  if (st == TERN_OK) {
    CHECK(g != NULL && err[0] == 0);
    walk(g, d, size);
    tern_gguf_close(g);
  } else {
    CHECK(g == NULL && err[0] != 0 && strlen(err) < sizeof err);
  }
}

/* ---- the recipe, written with tern_gguf_write.h ---------------------------------------- */

typedef struct {
  const uint8_t *d;
  size_t n, i;
} src;
static uint8_t nx(src *s) { return s->i < s->n ? s->d[s->i++] : 0; }
static uint64_t nx64(src *s) {
  uint64_t v = 0;
  for (int k = 0; k < 8; k++) v |= (uint64_t)nx(s) << (8 * k);
  return v;
}

static const char *const kKeys[] = {"general.architecture",  "general.alignment", "a", "b.c",
                                    "tokenizer.ggml.tokens", "general.name",      "x", ""};
static const char *const kNames[] = {"token_embd.weight",  "blk.0.attn_q.weight", "output_norm.weight", "t", "u",
                                     "blk.0.ffn_up.weight"};
static const uint64_t kDims[] = {1, 2, 3, 4, 128, 256, 512, 64, 0, 1, 2, 0xffffffffffull, 1u << 31, 7};
static const uint32_t kTypes[] = {0, 1, 30, 34, 35, 36, 0, 36, 2, 99, 37};

static void put_value(tern_gguf_writer *b, src *s, uint32_t type, int depth) {
  switch (type) {
    case TERN_GGUF_STRING: {
      uint8_t len = nx(s) % 12;
      tern_gguf_put_u64(b, len);
      for (uint8_t k = 0; k < len; k++) {
        uint8_t c = nx(s);
        tern_gguf_put(b, &c, 1);
      }
      break;
    }
    case TERN_GGUF_ARRAY: {
      uint32_t elem = nx(s) % 14;
      if (depth > 9) elem = 0;
      uint32_t count = nx(s) % 6;
      tern_gguf_put_u32(b, elem);
      tern_gguf_put_u64(b, count);
      for (uint32_t k = 0; k < count; k++) put_value(b, s, elem, depth + 1);
      break;
    }
    case TERN_GGUF_BOOL: {
      uint8_t v = nx(s);
      v = v < 250 ? (v & 1) : v;
      tern_gguf_put(b, &v, 1);
      break;
    }
    default: {
      size_t sz = type < 13 ? kElemSize[type] : 0;
      for (size_t k = 0; k < sz; k++) {
        uint8_t c = nx(s);
        tern_gguf_put(b, &c, 1);
      }
    }
  }
}

static void fuzz_recipe(const uint8_t *d, size_t size) {
  src s = {d, size, 0};
  tern_gguf_writer b = {0};
  b.limit = 1u << 22; /* a recipe that grows past 4 MB is dropped */
  uint8_t ctl = nx(&s);
  tern_gguf_put(&b, "GGUF", 4);
  tern_gguf_put_u32(&b, (ctl & 1) ? 3 : 2);
  uint32_t n_t = nx(&s) % 6, n_kv = nx(&s) % 8;
  tern_gguf_put_u64(&b, n_t);
  tern_gguf_put_u64(&b, n_kv);
  uint32_t align = 32;
  for (uint32_t i = 0; i < n_kv; i++) {
    uint8_t k = nx(&s);
    char key[48]; /* mostly unique keys (kv i gets suffix i), sometimes colliding ones */
    if (k & 0x40)
      snprintf(key, sizeof key, "%s", kKeys[k % 8]);
    else
      snprintf(key, sizeof key, "%s.%u", kKeys[k % 8], (unsigned)i);
    uint32_t type = nx(&s) % 14;
    if (k % 8 == 1 && (k & 0xc0) == 0xc0) { /* a valid alignment */
      type = TERN_GGUF_UINT32;
      align = 1u << (nx(&s) % 8);
      tern_gguf_put_str(&b, key, strlen(key));
      tern_gguf_put_u32(&b, type);
      tern_gguf_put_u32(&b, align);
      continue;
    }
    if (k % 8 == 1 && (k & 0x40)) align = 0; /* something else: unpredictable layout */
    tern_gguf_put_str(&b, key, strlen(key));
    tern_gguf_put_u32(&b, type);
    put_value(&b, &s, type, 0);
  }
  uint64_t off = 0;
  for (uint32_t i = 0; i < n_t; i++) {
    uint8_t c = nx(&s);
    char name[48];
    if (c & 0x10)
      snprintf(name, sizeof name, "%s", kNames[c % 6]);
    else
      snprintf(name, sizeof name, "%s.%u", kNames[c % 6], (unsigned)i);
    tern_gguf_put_str(&b, name, strlen(name));
    uint32_t nd = 1 + nx(&s) % 4;
    if (c & 0x40) nd = nx(&s) % 6;
    tern_gguf_put_u32(&b, nd);
    uint64_t ne[4] = {1, 1, 1, 1};
    for (uint32_t k = 0; k < nd; k++) {
      uint64_t v = kDims[nx(&s) % 14];
      if (k < 4) ne[k] = v;
      tern_gguf_put_u64(&b, v);
    }
    uint32_t type = kTypes[nx(&s) % 11];
    tern_gguf_put_u32(&b, type);
    size_t nb = 0;
    if (tern_gguf_tensor_bytes(type, nd, ne, &nb, NULL, 0) != TERN_OK || nb > 4096) nb = 64;
    if (align) off = (off + align - 1) / align * align;
    if (c & 0x20) off = nx64(&s);
    tern_gguf_put_u64(&b, off);
    off += nb;
  }
  tern_gguf_put_pad(&b, align);
  if (off < 65536) {
    for (uint64_t k = 0; k < off && !b.failed; k++) {
      uint8_t v = (uint8_t)k;
      tern_gguf_put(&b, &v, 1);
    }
  }
  if (!b.failed) {
    size_t len = b.len;
    if (ctl & 2) len = (size_t)(nx64(&s) % (b.len + 1));
    uint8_t *copy = malloc(len ? len : 1); /* exactly len bytes: ASan sees overreads */
    CHECK(copy != NULL);
    memcpy(copy, b.data, len);
    try_open(copy, len);
    free(copy);
  }
  tern_gguf_writer_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try_open(data, size);
  fuzz_recipe(data, size);
  return 0;
}
