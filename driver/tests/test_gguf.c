/* SPDX-License-Identifier: Apache-2.0 */
/* The GGUF reader (driver/src/gguf.c): files built in memory by the library writer
 * (tern_gguf_write.h, driver/src/gguf_write.c: its test too), for v2 and v3,
 * alignment 32 (default and explicit) and 64, every metadata value type and all six tensor
 * types; every getter and its conversions; a table of malformed files, each of which must fail
 * with a message naming the field; every truncation of a valid file; and seeded random byte
 * corruptions, which must never crash (run it under SAN=1 too).
 *
 *   test_gguf [--seed S] [--iters N]      (the corruption case prints its seed) */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern_gguf.h"
#include "tern_gguf_write.h"
#include "tern_pack.h"
#include "tern_test.h"

/* ---- the files: the library's writer (tern_gguf_write.h), field by field ----------------- */
/* The reader is checked against byte positions this file records as it writes (kv_pos, t_pos),
 * so the malformed cases can patch any field. */

static void patch_u32(tern_gguf_writer *b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; i++) b->data[at + i] = (uint8_t)(v >> (8 * i));
}
static void patch_u64(tern_gguf_writer *b, size_t at, uint64_t v) {
  for (int i = 0; i < 8; i++) b->data[at + i] = (uint8_t)(v >> (8 * i));
}

/* Where the fields of the reference file are, for the malformed cases. */
typedef struct {
  size_t key_len, key, type, val, elem, count, data;
} kv_pos;
typedef struct {
  size_t name_len, name, ndims, ne[4], type, offset;
} t_pos;

enum {
  K_U8,
  K_I8,
  K_U16,
  K_I16,
  K_U32,
  K_I32,
  K_F32,
  K_BOOL,
  K_STR,
  K_U64,
  K_I64,
  K_F64,
  K_ARR_U32,
  K_ARR_STR,
  K_ARR_F32,
  K_ARR_ARR,
  K_ARR_EMPTY,
  K_ARR_BOOL,
  K_ARR_I16,
  K_STR_NUL,
  K_ARCH,
  K_ALIGN,
  K_MAX
};
enum { T_F32, T_F16, T_BF16, T_TQ1, T_TQ2, T_I2S, T_MAX };

typedef struct {
  tern_gguf_writer b;
  kv_pos kv[K_MAX];
  int n_kv;
  t_pos t[T_MAX];
  uint64_t t_off[T_MAX];
  size_t t_bytes[T_MAX];
  size_t data_off;
} ref_file;

static void begin_kv(ref_file *f, int id, const char *key, uint32_t type) {
  kv_pos *k = &f->kv[id];
  k->key_len = f->b.len;
  k->key = f->b.len + 8;
  tern_gguf_put_str(&f->b, key, strlen(key));
  k->type = f->b.len;
  tern_gguf_put_u32(&f->b, type);
  k->val = f->b.len;
  f->n_kv++;
}
static void begin_arr(ref_file *f, int id, uint32_t elem, uint64_t count) {
  kv_pos *k = &f->kv[id];
  k->elem = f->b.len;
  tern_gguf_put_u32(&f->b, elem);
  k->count = f->b.len;
  tern_gguf_put_u64(&f->b, count);
  k->data = f->b.len;
}

static const struct {
  const char *name;
  uint32_t n_dims;
  uint64_t ne[4];
  uint32_t type;
  size_t bytes; /* computed by hand */
} kTensors[T_MAX] = {
    {"f32", 2, {3, 2, 1, 1}, TERN_GGML_F32, 24},      {"f16", 1, {5, 1, 1, 1}, TERN_GGML_F16, 10},
    {"bf16", 3, {4, 3, 2, 1}, TERN_GGML_BF16, 48},    {"tq1", 2, {256, 2, 1, 1}, TERN_GGML_TQ1_0, 108},
    {"tq2", 4, {512, 1, 1, 1}, TERN_GGML_TQ2_0, 132}, {"blk.0.attn_q.weight", 2, {256, 2, 1, 1}, TERN_GGML_I2_S, 160},
};

static const char *kArrStr[3] = {"a", "bc", ""};

/* The reference file. align 0: no general.alignment key (default 32). The last tensor ends
 * exactly at the end of the file, so every truncation is invalid. */
static void build_ref(ref_file *f, uint32_t version, uint32_t align) {
  memset(f, 0, sizeof *f);
  tern_gguf_writer *b = &f->b;
  tern_gguf_put_header(b, version, T_MAX, 0);
  const size_t nkv_at = b->len - 8; /* the kv count, patched below */
  begin_kv(f, K_U8, "t.u8", TERN_GGUF_UINT8), tern_gguf_put_u8(b, 200);
  begin_kv(f, K_I8, "t.i8", TERN_GGUF_INT8), tern_gguf_put_u8(b, (uint8_t)-5);
  begin_kv(f, K_U16, "t.u16", TERN_GGUF_UINT16), tern_gguf_put_u16(b, 60000);
  begin_kv(f, K_I16, "t.i16", TERN_GGUF_INT16), tern_gguf_put_u16(b, (uint16_t)-30000);
  begin_kv(f, K_U32, "t.u32", TERN_GGUF_UINT32), tern_gguf_put_u32(b, 4000000000u);
  begin_kv(f, K_I32, "t.i32", TERN_GGUF_INT32), tern_gguf_put_u32(b, (uint32_t)-2000000000);
  begin_kv(f, K_F32, "t.f32", TERN_GGUF_FLOAT32), tern_gguf_put_f32(b, 1.5f);
  begin_kv(f, K_BOOL, "t.bool", TERN_GGUF_BOOL), tern_gguf_put_u8(b, 1);
  begin_kv(f, K_STR, "t.str", TERN_GGUF_STRING), tern_gguf_put_str(b, "hello", 5);
  begin_kv(f, K_U64, "t.u64", TERN_GGUF_UINT64), tern_gguf_put_u64(b, (uint64_t)1 << 40);
  begin_kv(f, K_I64, "t.i64", TERN_GGUF_INT64), tern_gguf_put_u64(b, (uint64_t) - ((int64_t)1 << 40));
  begin_kv(f, K_F64, "t.f64", TERN_GGUF_FLOAT64), tern_gguf_put_f64(b, 0.25);
  begin_kv(f, K_ARR_U32, "t.arr_u32", TERN_GGUF_ARRAY), begin_arr(f, K_ARR_U32, TERN_GGUF_UINT32, 3);
  for (uint32_t i = 1; i <= 3; i++) tern_gguf_put_u32(b, i * 1000u);
  begin_kv(f, K_ARR_STR, "t.arr_str", TERN_GGUF_ARRAY), begin_arr(f, K_ARR_STR, TERN_GGUF_STRING, 3);
  for (int i = 0; i < 3; i++) tern_gguf_put_str(b, kArrStr[i], strlen(kArrStr[i]));
  begin_kv(f, K_ARR_F32, "t.arr_f32", TERN_GGUF_ARRAY), begin_arr(f, K_ARR_F32, TERN_GGUF_FLOAT32, 2);
  tern_gguf_put_f32(b, -0.5f), tern_gguf_put_f32(b, 3.0f);
  begin_kv(f, K_ARR_ARR, "t.arr_arr", TERN_GGUF_ARRAY), begin_arr(f, K_ARR_ARR, TERN_GGUF_ARRAY, 2);
  tern_gguf_put_u32(b, TERN_GGUF_INT32), tern_gguf_put_u64(b, 2), tern_gguf_put_u32(b, 1), tern_gguf_put_u32(b, 2);
  tern_gguf_put_u32(b, TERN_GGUF_STRING), tern_gguf_put_u64(b, 1), tern_gguf_put_str(b, "x", 1);
  begin_kv(f, K_ARR_EMPTY, "t.arr_empty", TERN_GGUF_ARRAY), begin_arr(f, K_ARR_EMPTY, TERN_GGUF_UINT8, 0);
  begin_kv(f, K_ARR_BOOL, "t.arr_bool", TERN_GGUF_ARRAY), begin_arr(f, K_ARR_BOOL, TERN_GGUF_BOOL, 3);
  tern_gguf_put_u8(b, 1), tern_gguf_put_u8(b, 0), tern_gguf_put_u8(b, 1);
  begin_kv(f, K_ARR_I16, "t.arr_i16", TERN_GGUF_ARRAY), begin_arr(f, K_ARR_I16, TERN_GGUF_INT16, 2);
  tern_gguf_put_u16(b, (uint16_t)-7), tern_gguf_put_u16(b, 7);
  begin_kv(f, K_STR_NUL, "t.str_nul", TERN_GGUF_STRING), tern_gguf_put_str(b, "a\0b", 3);
  begin_kv(f, K_ARCH, "general.architecture", TERN_GGUF_STRING), tern_gguf_put_str(b, "bitnet-25", 9);
  if (align) begin_kv(f, K_ALIGN, "general.alignment", TERN_GGUF_UINT32), tern_gguf_put_u32(b, align);
  patch_u64(b, nkv_at, (uint64_t)f->n_kv);
  uint32_t a = align ? align : 32;
  uint64_t off = 0;
  for (int i = 0; i < T_MAX; i++) {
    t_pos *t = &f->t[i];
    t->name_len = b->len;
    t->name = b->len + 8;
    tern_gguf_put_str(b, kTensors[i].name, strlen(kTensors[i].name));
    t->ndims = b->len;
    tern_gguf_put_u32(b, kTensors[i].n_dims);
    for (uint32_t d = 0; d < kTensors[i].n_dims; d++) t->ne[d] = b->len, tern_gguf_put_u64(b, kTensors[i].ne[d]);
    t->type = b->len;
    tern_gguf_put_u32(b, kTensors[i].type);
    t->offset = b->len;
    off = (off + a - 1) / a * a;
    tern_gguf_put_u64(b, off);
    f->t_off[i] = off;
    f->t_bytes[i] = kTensors[i].bytes;
    off += kTensors[i].bytes;
  }
  while (b->len % a) tern_gguf_put_u8(b, 0);
  f->data_off = b->len;
  for (int i = 0; i < T_MAX; i++) {
    while (b->len < f->data_off + f->t_off[i]) tern_gguf_put_u8(b, 0xEE);
    for (size_t j = 0; j < f->t_bytes[i]; j++) tern_gguf_put_u8(b, (uint8_t)(i * 37 + j));
  }
}

static uint64_t walk(const tern_gguf *g);

/* Open a copy of exactly len bytes (so ASan sees any read past the end). */
static tern_status open_copy(const uint8_t *p, size_t len, tern_gguf **g, char *err, size_t es) {
  uint8_t *c = malloc(len ? len : 1);
  if (!c) abort();
  memcpy(c, p, len);
  tern_status st = tern_gguf_open_memory(c, len, g, err, es);
  if (st == TERN_OK) {
    (void)walk(*g);
    tern_gguf_close(*g);
    *g = NULL;
  }
  free(c);
  return st;
}

/* Touch every key, element and tensor byte (the fuzz target does the same). */
static uint64_t walk(const tern_gguf *g) {
  uint64_t h = 0;
  for (size_t i = 0; i < tern_gguf_kv_count(g); i++) {
    const char *key = tern_gguf_kv_key(g, i);
    h += strlen(key) + (uint64_t)tern_gguf_kv_type(g, i);
    uint64_t u;
    int64_t s;
    float f;
    int bo;
    const char *str;
    size_t len, count;
    tern_gguf_type elem;
    if (tern_gguf_get_u64(g, key, &u) == TERN_OK) h += u;
    if (tern_gguf_get_i64(g, key, &s) == TERN_OK) h += (uint64_t)s;
    if (tern_gguf_get_f32(g, key, &f) == TERN_OK) h += (uint64_t)(f == f);
    if (tern_gguf_get_bool(g, key, &bo) == TERN_OK) h += (uint64_t)bo;
    if (tern_gguf_get_str(g, key, &str, &len) == TERN_OK)
      for (size_t j = 0; j < len; j++) h += (uint8_t)str[j];
    if (tern_gguf_get_arr(g, key, &elem, &count) == TERN_OK) {
      const void *data;
      if (elem == TERN_GGUF_STRING) {
        for (size_t j = 0; j < count; j++)
          if (tern_gguf_arr_str(g, key, j, &str, &len) == TERN_OK)
            for (size_t k = 0; k < len; k++) h += (uint8_t)str[k];
      } else if (tern_gguf_arr_data(g, key, &data) == TERN_OK) {
        static const size_t sz[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
        for (size_t j = 0; j < count * sz[elem]; j++) h += ((const uint8_t *)data)[j];
      }
    }
  }
  for (size_t i = 0; i < tern_gguf_tensor_count(g); i++) {
    const tern_gguf_tensor *t = tern_gguf_tensor_at(g, i);
    if (tern_gguf_find_tensor(g, t->name) != t) abort();
    for (size_t j = 0; j < t->nbytes; j++) h += t->data[j];
  }
  return h;
}

/* ---- valid files -------------------------------------------------------------------------- */

static void check_valid(tern_test_ctx *t, uint32_t version, uint32_t align) {
  ref_file f;
  build_ref(&f, version, align);
  tern_gguf *g = NULL;
  char err[512] = "";
  tern_status st = tern_gguf_open_memory(f.b.data, f.b.len, &g, err, sizeof err);
  if (st != TERN_OK) {
    tern_test_fail(t, "open failed: %s", err);
    free(f.b.data);
    return;
  }
  TERN_CHECK(t, tern_gguf_version(g) == version);
  TERN_CHECK(t, tern_gguf_alignment(g) == (align ? align : 32));
  TERN_CHECK(t, tern_gguf_data_offset(g) == f.data_off);
  size_t fsize;
  TERN_CHECK(t, tern_gguf_file_data(g, &fsize) == f.b.data && fsize == f.b.len);
  TERN_CHECK(t, tern_gguf_kv_count(g) == (size_t)f.n_kv);
  TERN_CHECK(t, tern_gguf_kv_key(g, (size_t)f.n_kv) == NULL);
  TERN_CHECK(t, strcmp(tern_gguf_kv_key(g, K_STR), "t.str") == 0);
  TERN_CHECK(t, tern_gguf_find_kv(g, "t.str") == K_STR);
  TERN_CHECK(t, tern_gguf_find_kv(g, "t.nope") == -1);
  TERN_CHECK(t, tern_gguf_find_kv(g, "t.st") == -1);
  static const tern_gguf_type types[] = {TERN_GGUF_UINT8,  TERN_GGUF_INT8,   TERN_GGUF_UINT16,  TERN_GGUF_INT16,
                                         TERN_GGUF_UINT32, TERN_GGUF_INT32,  TERN_GGUF_FLOAT32, TERN_GGUF_BOOL,
                                         TERN_GGUF_STRING, TERN_GGUF_UINT64, TERN_GGUF_INT64,   TERN_GGUF_FLOAT64,
                                         TERN_GGUF_ARRAY};
  for (int i = 0; i < 13; i++) TERN_CHECK(t, tern_gguf_kv_type(g, (size_t)i) == types[i]);
  /* get_u64 */
  uint64_t u;
  TERN_CHECK(t, tern_gguf_get_u64(g, "t.u8", &u) == TERN_OK && u == 200);
  TERN_CHECK(t, tern_gguf_get_u64(g, "t.u16", &u) == TERN_OK && u == 60000);
  TERN_CHECK(t, tern_gguf_get_u64(g, "t.u32", &u) == TERN_OK && u == 4000000000u);
  TERN_CHECK(t, tern_gguf_get_u64(g, "t.u64", &u) == TERN_OK && u == (uint64_t)1 << 40);
  TERN_CHECK(t, tern_gguf_get_u64(g, "t.bool", &u) == TERN_OK && u == 1);
  TERN_CHECK(t, tern_gguf_get_u64(g, "t.i8", &u) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_get_u64(g, "t.i64", &u) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_get_u64(g, "t.f32", &u) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_get_u64(g, "t.str", &u) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_get_u64(g, "t.arr_u32", &u) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_get_u64(g, "t.missing", &u) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_gguf_get_u64(g, "t.u8", NULL) == TERN_ERR_ARG);
  /* get_u32 */
  uint32_t u32 = 7;
  TERN_CHECK(t, tern_gguf_get_u32(g, "t.u32", &u32) == TERN_OK && u32 == 4000000000u);
  TERN_CHECK(t, tern_gguf_get_u32(g, "t.u16", &u32) == TERN_OK && u32 == 60000);
  u32 = 7;
  TERN_CHECK(t, tern_gguf_get_u32(g, "t.u64", &u32) == TERN_ERR_CODE && u32 == 7);
  TERN_CHECK(t, tern_gguf_get_u32(g, "t.i32", &u32) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_get_u32(g, "nope", &u32) == TERN_ERR_ARG);
  /* get_i64 */
  int64_t s;
  TERN_CHECK(t, tern_gguf_get_i64(g, "t.i8", &s) == TERN_OK && s == -5);
  TERN_CHECK(t, tern_gguf_get_i64(g, "t.i16", &s) == TERN_OK && s == -30000);
  TERN_CHECK(t, tern_gguf_get_i64(g, "t.i32", &s) == TERN_OK && s == -2000000000);
  TERN_CHECK(t, tern_gguf_get_i64(g, "t.i64", &s) == TERN_OK && s == -((int64_t)1 << 40));
  TERN_CHECK(t, tern_gguf_get_i64(g, "t.u32", &s) == TERN_OK && s == 4000000000);
  TERN_CHECK(t, tern_gguf_get_i64(g, "t.f64", &s) == TERN_ERR_CODE);
  /* get_bool */
  int bo = 5;
  TERN_CHECK(t, tern_gguf_get_bool(g, "t.bool", &bo) == TERN_OK && bo == 1);
  TERN_CHECK(t, tern_gguf_get_bool(g, "t.u8", &bo) == TERN_OK && bo == 1);
  TERN_CHECK(t, tern_gguf_get_bool(g, "t.str", &bo) == TERN_ERR_CODE);
  /* get_f32 */
  float fl;
  TERN_CHECK(t, tern_gguf_get_f32(g, "t.f32", &fl) == TERN_OK && fl == 1.5f);
  TERN_CHECK(t, tern_gguf_get_f32(g, "t.f64", &fl) == TERN_OK && fl == 0.25f);
  TERN_CHECK(t, tern_gguf_get_f32(g, "t.i16", &fl) == TERN_OK && fl == -30000.0f);
  TERN_CHECK(t, tern_gguf_get_f32(g, "t.u32", &fl) == TERN_OK && fl == 4000000000.0f);
  TERN_CHECK(t, tern_gguf_get_f32(g, "t.str", &fl) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_get_f32(g, "t.bool", &fl) == TERN_ERR_CODE);
  /* get_str */
  const char *str;
  size_t len;
  TERN_CHECK(t, tern_gguf_get_str(g, "t.str", &str, &len) == TERN_OK && len == 5 && memcmp(str, "hello", 5) == 0);
  TERN_CHECK(t, tern_gguf_get_str(g, "t.str_nul", &str, &len) == TERN_OK && len == 3 && memcmp(str, "a\0b", 3) == 0);
  TERN_CHECK(t, tern_gguf_get_str(g, "general.architecture", &str, &len) == TERN_OK && len == 9 &&
                    memcmp(str, "bitnet-25", 9) == 0);
  TERN_CHECK(t, tern_gguf_get_str(g, "t.u8", &str, &len) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_get_str(g, "t.none", &str, &len) == TERN_ERR_ARG);
  /* arrays */
  tern_gguf_type elem;
  size_t count;
  const void *data;
  TERN_CHECK(t, tern_gguf_get_arr(g, "t.arr_u32", &elem, &count) == TERN_OK && elem == TERN_GGUF_UINT32 && count == 3);
  TERN_CHECK(t, tern_gguf_arr_data(g, "t.arr_u32", &data) == TERN_OK);
  if (tern_gguf_arr_data(g, "t.arr_u32", &data) == TERN_OK) {
    uint32_t v[3];
    memcpy(v, data, sizeof v);
    TERN_CHECK(t, v[0] == 1000 && v[1] == 2000 && v[2] == 3000);
  }
  TERN_CHECK(t, tern_gguf_get_arr(g, "t.arr_f32", &elem, &count) == TERN_OK && elem == TERN_GGUF_FLOAT32 && count == 2);
  if (tern_gguf_arr_data(g, "t.arr_f32", &data) == TERN_OK) {
    float v[2];
    memcpy(v, data, sizeof v);
    TERN_CHECK(t, v[0] == -0.5f && v[1] == 3.0f);
  } else {
    tern_test_fail(t, "arr_data f32");
  }
  if (tern_gguf_arr_data(g, "t.arr_i16", &data) == TERN_OK) {
    int16_t v[2];
    memcpy(v, data, sizeof v);
    TERN_CHECK(t, v[0] == -7 && v[1] == 7);
  } else {
    tern_test_fail(t, "arr_data i16");
  }
  TERN_CHECK(t, tern_gguf_get_arr(g, "t.arr_bool", &elem, &count) == TERN_OK && elem == TERN_GGUF_BOOL && count == 3);
  TERN_CHECK(t, tern_gguf_arr_data(g, "t.arr_bool", &data) == TERN_OK && memcmp(data, "\1\0\1", 3) == 0);
  TERN_CHECK(t, tern_gguf_get_arr(g, "t.arr_empty", &elem, &count) == TERN_OK && elem == TERN_GGUF_UINT8 && count == 0);
  TERN_CHECK(t, tern_gguf_arr_data(g, "t.arr_empty", &data) == TERN_OK && data != NULL);
  TERN_CHECK(t, tern_gguf_get_arr(g, "t.arr_str", &elem, &count) == TERN_OK && elem == TERN_GGUF_STRING && count == 3);
  for (size_t i = 0; i < 3; i++)
    TERN_CHECK(t, tern_gguf_arr_str(g, "t.arr_str", i, &str, &len) == TERN_OK && len == strlen(kArrStr[i]) &&
                      memcmp(str, kArrStr[i], len) == 0);
  TERN_CHECK(t, tern_gguf_arr_str(g, "t.arr_str", 3, &str, &len) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_gguf_arr_str(g, "t.arr_u32", 0, &str, &len) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_arr_str(g, "t.str", 0, &str, &len) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_arr_data(g, "t.arr_str", &data) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_arr_data(g, "t.u32", &data) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_get_arr(g, "t.arr_arr", &elem, &count) == TERN_OK && elem == TERN_GGUF_ARRAY && count == 2);
  TERN_CHECK(t, tern_gguf_arr_data(g, "t.arr_arr", &data) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_get_arr(g, "t.u8", &elem, &count) == TERN_ERR_CODE);
  TERN_CHECK(t, tern_gguf_get_arr(g, "t.none", &elem, &count) == TERN_ERR_ARG);
  /* tensors */
  TERN_CHECK(t, tern_gguf_tensor_count(g) == T_MAX);
  TERN_CHECK(t, tern_gguf_tensor_at(g, T_MAX) == NULL);
  TERN_CHECK(t, tern_gguf_find_tensor(g, "nope") == NULL);
  for (int i = 0; i < T_MAX; i++) {
    const tern_gguf_tensor *x = tern_gguf_tensor_at(g, (size_t)i);
    if (x == NULL) {
      tern_test_fail(t, "tensor %d missing", i);
      continue;
    }
    TERN_CHECK(t, tern_gguf_find_tensor(g, kTensors[i].name) == x);
    TERN_CHECK(t, strcmp(x->name, kTensors[i].name) == 0);
    TERN_CHECK(t, x->n_dims == kTensors[i].n_dims && x->type == kTensors[i].type);
    for (int d = 0; d < 4; d++) TERN_CHECK(t, x->ne[d] == kTensors[i].ne[d]);
    TERN_CHECK(t, x->nbytes == kTensors[i].bytes);
    TERN_CHECK(t, x->offset == f.t_off[i] && x->offset % tern_gguf_alignment(g) == 0);
    TERN_CHECK(t, x->data == f.b.data + f.data_off + f.t_off[i]);
    for (size_t j = 0; j < x->nbytes; j++)
      if (x->data[j] != (uint8_t)(i * 37 + j)) {
        tern_test_fail(t, "tensor %d byte %zu", i, j);
        break;
      }
  }
  (void)walk(g);
  tern_gguf_close(g);
  free(f.b.data);
}

static void test_misc(tern_test_ctx *t) {
  /* type names */
  TERN_CHECK(t, strcmp(tern_gguf_type_name(TERN_GGML_F32), "F32") == 0);
  TERN_CHECK(t, strcmp(tern_gguf_type_name(TERN_GGML_F16), "F16") == 0);
  TERN_CHECK(t, strcmp(tern_gguf_type_name(TERN_GGML_BF16), "BF16") == 0);
  TERN_CHECK(t, strcmp(tern_gguf_type_name(TERN_GGML_TQ1_0), "TQ1_0") == 0);
  TERN_CHECK(t, strcmp(tern_gguf_type_name(TERN_GGML_TQ2_0), "TQ2_0") == 0);
  TERN_CHECK(t, strcmp(tern_gguf_type_name(TERN_GGML_I2_S), "I2_S") == 0);
  TERN_CHECK(t, strcmp(tern_gguf_type_name(2), "Q4_0") == 0);
  TERN_CHECK(t, tern_gguf_type_name(4) == NULL);
  TERN_CHECK(t, tern_gguf_type_name(1000) == NULL);
  TERN_CHECK(t, strcmp(tern_gguf_value_type_name(TERN_GGUF_FLOAT64), "FLOAT64") == 0);
  TERN_CHECK(t, tern_gguf_value_type_name(13) == NULL);
  /* byte sizes, against the shared definitions */
  size_t nb = 0;
  uint64_t ne[4] = {2560, 2560, 1, 1};
  TERN_CHECK(t, tern_gguf_tensor_bytes(TERN_GGML_I2_S, 2, ne, &nb, NULL, 0) == TERN_OK &&
                    nb == 2560u * 2560u / 4u + 32u && nb == tern_i2s_bytes(2560, 2560));
  ne[0] = 6912;
  TERN_CHECK(t, tern_gguf_tensor_bytes(TERN_GGML_TQ2_0, 2, ne, &nb, NULL, 0) == TERN_OK &&
                    nb == tern_tq2_0_bytes(6912, 2560) && nb == 6912u / 256u * 66u * 2560u);
  TERN_CHECK(t, tern_gguf_tensor_bytes(TERN_GGML_TQ1_0, 2, ne, &nb, NULL, 0) == TERN_OK &&
                    nb == tern_tq1_0_bytes(6912, 2560) && nb == 6912u / 256u * 54u * 2560u);
  TERN_CHECK(t, tern_gguf_tensor_bytes(TERN_GGML_F16, 2, ne, &nb, NULL, 0) == TERN_OK && nb == 6912u * 2560u * 2u);
  TERN_CHECK(t, tern_gguf_tensor_bytes(TERN_GGML_BF16, 2, ne, &nb, NULL, 0) == TERN_OK && nb == 6912u * 2560u * 2u);
  TERN_CHECK(t, tern_gguf_tensor_bytes(TERN_GGML_F32, 1, ne, &nb, NULL, 0) == TERN_OK && nb == 6912u * 4u);
  char why[200] = "";
  uint64_t bad[4] = {300, 2, 1, 1};
  TERN_CHECK(
      t, tern_gguf_tensor_bytes(TERN_GGML_TQ2_0, 2, bad, &nb, why, sizeof why) == TERN_ERR_SHAPE && strstr(why, "256"));
  TERN_CHECK(
      t, tern_gguf_tensor_bytes(TERN_GGML_I2_S, 2, bad, &nb, why, sizeof why) == TERN_ERR_SHAPE && strstr(why, "128"));
  uint64_t i2s3[4] = {128, 2, 2, 1};
  TERN_CHECK(t, tern_gguf_tensor_bytes(TERN_GGML_I2_S, 3, i2s3, &nb, why, sizeof why) == TERN_ERR_SHAPE);
  TERN_CHECK(t, tern_gguf_tensor_bytes(37, 2, ne, &nb, why, sizeof why) == TERN_ERR_CODE && strstr(why, "I8_S"));
  /* block types are sized for description (tern info), as ggml: Q4_0 18 bytes per 32, Q6_K 210 per 256 */
  TERN_CHECK(t, tern_gguf_tensor_bytes(2, 2, ne, &nb, NULL, 0) == TERN_OK && nb == 6912u / 32u * 18u * 2560u);
  TERN_CHECK(t, tern_gguf_tensor_bytes(14, 2, ne, &nb, NULL, 0) == TERN_OK && nb == 6912u / 256u * 210u * 2560u);
  uint64_t odd[4] = {48, 2, 1, 1};
  TERN_CHECK(t, tern_gguf_tensor_bytes(2, 2, odd, &nb, why, sizeof why) == TERN_ERR_SHAPE && strstr(why, "32"));
  TERN_CHECK(t, tern_gguf_tensor_bytes(TERN_GGML_F32, 0, ne, &nb, why, sizeof why) == TERN_ERR_SHAPE);
  TERN_CHECK(t, tern_gguf_tensor_bytes(TERN_GGML_F32, 5, ne, &nb, why, sizeof why) == TERN_ERR_SHAPE);
  uint64_t huge[4] = {(uint64_t)1 << 40, (uint64_t)1 << 40, 1, 1};
  TERN_CHECK(t, tern_gguf_tensor_bytes(TERN_GGML_F32, 2, huge, &nb, why, sizeof why) == TERN_ERR_SHAPE &&
                    strstr(why, "overflow"));
  /* 2^62 elements of 4 bytes: the byte size wraps to 0 in 64 bits (found by fuzz_gguf) */
  uint64_t wrap[4] = {1, (uint64_t)1 << 31, (uint64_t)1 << 31, 1};
  TERN_CHECK(t, tern_gguf_tensor_bytes(TERN_GGML_F32, 3, wrap, &nb, why, sizeof why) == TERN_ERR_SHAPE &&
                    strstr(why, "overflow"));
  uint64_t big[4] = {(uint64_t)1 << 30, (uint64_t)1 << 30, 1, 1};
  TERN_CHECK(t,
             tern_gguf_tensor_bytes(TERN_GGML_F32, 2, big, &nb, why, sizeof why) == TERN_OK && nb == (size_t)1 << 62);
  uint64_t zero[4] = {4, 0, 1, 1};
  TERN_CHECK(t, tern_gguf_tensor_bytes(TERN_GGML_F32, 2, zero, &nb, why, sizeof why) == TERN_ERR_SHAPE &&
                    strstr(why, "ne[1]"));
  /* NULL handling */
  tern_gguf *g = (tern_gguf *)1;
  char err[256];
  TERN_CHECK(t, tern_gguf_open_memory(NULL, 10, &g, err, sizeof err) == TERN_ERR_ARG && g == NULL);
  TERN_CHECK(t, tern_gguf_open_memory("GGUF", 4, NULL, err, sizeof err) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_gguf_open_memory(NULL, 0, &g, NULL, 0) == TERN_ERR_SIZE);
  TERN_CHECK(t, tern_gguf_open(NULL, &g, err, sizeof err) == TERN_ERR_ARG);
  tern_gguf_close(NULL);
  TERN_CHECK(t, tern_gguf_kv_count(NULL) == 0 && tern_gguf_tensor_count(NULL) == 0);
  TERN_CHECK(t, tern_gguf_find_kv(NULL, "x") == -1 && tern_gguf_find_tensor(NULL, "x") == NULL);
}

/* A file with no tensors and no padding after the metadata is fine. */
static void test_metadata_only(tern_test_ctx *t) {
  tern_gguf_writer b = {0};
  tern_gguf_put_header(&b, 3, 0, 1);
  tern_gguf_put_str(&b, "k", 1);
  tern_gguf_put_u32(&b, TERN_GGUF_UINT8);
  tern_gguf_put_u8(&b, 9);
  tern_gguf *g = NULL;
  char err[256] = "";
  uint8_t *c = malloc(b.len);
  memcpy(c, b.data, b.len);
  tern_status st = tern_gguf_open_memory(c, b.len, &g, err, sizeof err);
  TERN_CHECK(t, st == TERN_OK);
  if (st == TERN_OK) {
    uint32_t v = 0;
    TERN_CHECK(t, tern_gguf_get_u32(g, "k", &v) == TERN_OK && v == 9);
    TERN_CHECK(t, tern_gguf_tensor_count(g) == 0);
    tern_gguf_close(g);
  } else {
    tern_test_fail(t, "%s", err);
  }
  /* an empty header: no kvs, no tensors */
  TERN_CHECK(t, tern_gguf_open_memory(c, 24, &g, err, sizeof err) != TERN_OK); /* counts say 1 kv */
  patch_u64(&b, 16, 0);
  TERN_CHECK(t, tern_gguf_open_memory(b.data, 24, &g, err, sizeof err) == TERN_OK);
  tern_gguf_close(g);
  free(c);
  free(b.data);
}

static void test_file_and_describe(tern_test_ctx *t) {
  ref_file f;
  build_ref(&f, 3, 64);
  char path[] = "/tmp/test_gguf_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) {
    tern_test_fail(t, "mkstemp failed");
    free(f.b.data);
    return;
  }
  TERN_CHECK(t, write(fd, f.b.data, f.b.len) == (ssize_t)f.b.len);
  close(fd);
  tern_gguf *g = NULL;
  char err[512] = "";
  tern_status st = tern_gguf_open(path, &g, err, sizeof err);
  TERN_CHECK(t, st == TERN_OK);
  if (st == TERN_OK) {
    const tern_gguf_tensor *x = tern_gguf_find_tensor(g, "blk.0.attn_q.weight");
    TERN_CHECK(t, x != NULL && x->nbytes == 160 && x->data[0] == (uint8_t)(T_I2S * 37));
    TERN_CHECK(t, ((uintptr_t)x->data % 64) == 0); /* mmap is page-aligned */
    char *text = NULL;
    size_t text_len = 0;
    FILE *m = open_memstream(&text, &text_len);
    tern_gguf_describe(g, m, 2);
    fclose(m);
    TERN_CHECK(t, strstr(text, "GGUF v3") != NULL);
    TERN_CHECK(t, strstr(text, "general.architecture") && strstr(text, "\"bitnet-25\""));
    TERN_CHECK(t, strstr(text, "ARRAY[STRING]") && strstr(text, "\"a\", \"bc\", ..."));
    TERN_CHECK(t, strstr(text, "1000, 2000, ...") != NULL);
    TERN_CHECK(t, strstr(text, "blk.0.attn_q.weight") && strstr(text, "I2_S") && strstr(text, "256 x 2"));
    TERN_CHECK(t, strstr(text, "\"a\\x00b\"") != NULL);
    TERN_CHECK(t, strstr(text, "-1099511627776") != NULL);
    if (getenv("TEST_GGUF_SHOW")) fputs(text, stdout);
    free(text);
    tern_gguf_close(g);
  } else {
    tern_test_fail(t, "open: %s", err);
  }
  /* truncated on disk: the path prefixes the message */
  TERN_CHECK(t, truncate(path, (off_t)(f.b.len - 1)) == 0);
  st = tern_gguf_open(path, &g, err, sizeof err);
  TERN_CHECK(t, st == TERN_ERR_SIZE && strstr(err, path) == err && strstr(err, "runs past"));
  TERN_CHECK(t, truncate(path, 0) == 0);
  TERN_CHECK(t, tern_gguf_open(path, &g, err, sizeof err) == TERN_ERR_SIZE && g == NULL);
  unlink(path);
  TERN_CHECK(t, tern_gguf_open(path, &g, err, sizeof err) == TERN_ERR_ARG && strstr(err, "cannot open"));
  TERN_CHECK(t, tern_gguf_open("/tmp", &g, err, sizeof err) == TERN_ERR_ARG && strstr(err, "not a regular file"));
  free(f.b.data);
}

/* ---- malformed files ------------------------------------------------------------------------ */

typedef enum {
  P_U32,   /* write u32 value at the field */
  P_U64,   /* write u64 value */
  P_U8,    /* write one byte */
  P_U16,   /* write u16 value */
  P_TRUNC, /* cut the file at field + value */
} patch_kind;

typedef enum {
  F_ABS,
  F_KV_KEY_LEN,
  F_KV_KEY,
  F_KV_KEY_2,
  F_KV_TYPE,
  F_KV_VAL,
  F_KV_ELEM,
  F_KV_COUNT,
  F_KV_DATA,
  F_T_NAME_LEN,
  F_T_NAME,
  F_T_NAME_1,
  F_T_NDIMS,
  F_T_NE0,
  F_T_NE1,
  F_T_TYPE,
  F_T_OFFSET,
  F_DATA_END
} field;

typedef struct {
  const char *name;
  field where;
  int idx; /* kv or tensor index */
  patch_kind kind;
  uint64_t value;
  tern_status want;
  const char *msg1, *msg2; /* substrings the message must contain (msg2 may be NULL) */
} bad_case;

static size_t field_at(const ref_file *f, field w, int i) {
  switch (w) {
    case F_ABS: return 0;
    case F_KV_KEY_LEN: return f->kv[i].key_len;
    case F_KV_KEY: return f->kv[i].key;
    case F_KV_KEY_2: return f->kv[i].key + 2;
    case F_KV_TYPE: return f->kv[i].type;
    case F_KV_VAL: return f->kv[i].val;
    case F_KV_ELEM: return f->kv[i].elem;
    case F_KV_COUNT: return f->kv[i].count;
    case F_KV_DATA: return f->kv[i].data;
    case F_T_NAME_LEN: return f->t[i].name_len;
    case F_T_NAME: return f->t[i].name;
    case F_T_NAME_1: return f->t[i].name + 1;
    case F_T_NDIMS: return f->t[i].ndims;
    case F_T_NE0: return f->t[i].ne[0];
    case F_T_NE1: return f->t[i].ne[1];
    case F_T_TYPE: return f->t[i].type;
    case F_T_OFFSET: return f->t[i].offset;
    case F_DATA_END: return f->b.len;
  }
  return 0;
}

static const bad_case kBad[] = {
    {"empty", F_ABS, 0, P_TRUNC, 0, TERN_ERR_SIZE, "magic", NULL},
    {"magic_truncated", F_ABS, 0, P_TRUNC, 3, TERN_ERR_SIZE, "magic", "runs past"},
    {"bad_magic", F_ABS, 0, P_U8, 'g', TERN_ERR_CODE, "magic", "offset 0x0"},
    {"version_truncated", F_ABS, 0, P_TRUNC, 6, TERN_ERR_SIZE, "version", NULL},
    {"version_1", F_ABS, 4, P_U32, 1, TERN_ERR_CODE, "version 1", "not supported"},
    {"version_4", F_ABS, 4, P_U32, 4, TERN_ERR_CODE, "version 4", NULL},
    {"version_0", F_ABS, 4, P_U32, 0, TERN_ERR_CODE, "version 0", NULL},
    {"version_big_endian", F_ABS, 4, P_U32, 0x03000000u, TERN_ERR_CODE, "big-endian", NULL},
    {"tensor_count_truncated", F_ABS, 0, P_TRUNC, 12, TERN_ERR_SIZE, "tensor_count", NULL},
    {"kv_count_truncated", F_ABS, 0, P_TRUNC, 20, TERN_ERR_SIZE, "metadata_kv_count", NULL},
    {"tensor_count_huge", F_ABS, 8, P_U64, UINT64_MAX, TERN_ERR_SIZE, "tensor_count", "runs past"},
    {"tensor_count_2e9", F_ABS, 8, P_U64, 2000000000u, TERN_ERR_SIZE, "tensor_count", NULL},
    {"kv_count_huge", F_ABS, 16, P_U64, (uint64_t)1 << 62, TERN_ERR_SIZE, "metadata_kv_count", NULL},
    {"kv_count_one_more", F_ABS, 16, P_U64, K_MAX + 1, TERN_ERR_SIZE, "tensor 0", "runs past"},
    {"key_length_huge", F_KV_KEY_LEN, K_U16, P_U64, UINT64_MAX, TERN_ERR_SIZE, "kv 2", "key length"},
    {"key_length_past_end", F_KV_KEY_LEN, K_STR, P_U64, 1u << 20, TERN_ERR_SIZE, "kv 8", "key length"},
    {"key_truncated", F_KV_KEY, K_STR, P_TRUNC, 2, TERN_ERR_SIZE, "kv 8", "key length"},
    {"key_nul", F_KV_KEY, K_I32, P_U8, 0, TERN_ERR_CODE, "kv 5", "key contains a NUL"},
    {"duplicate_key", F_KV_KEY_2, K_I8, P_U8, 'u', TERN_ERR_CODE, "'t.u8'", "duplicate key"},
    {"value_type_unknown", F_KV_TYPE, K_U32, P_U32, 13, TERN_ERR_CODE, "kv 4 't.u32'", "value type 13"},
    {"value_type_huge", F_KV_TYPE, K_U8, P_U32, 0xffffffffu, TERN_ERR_CODE, "'t.u8'", "value type"},
    {"value_type_truncated", F_KV_TYPE, K_F64, P_TRUNC, 3, TERN_ERR_SIZE, "'t.f64'", "value type"},
    {"value_u64_truncated", F_KV_VAL, K_U64, P_TRUNC, 7, TERN_ERR_SIZE, "'t.u64'", "UINT64 value"},
    {"value_f32_truncated", F_KV_VAL, K_F32, P_TRUNC, 0, TERN_ERR_SIZE, "'t.f32'", "FLOAT32 value"},
    {"bool_value_2", F_KV_VAL, K_BOOL, P_U8, 2, TERN_ERR_CODE, "'t.bool'", "BOOL value 2"},
    {"string_length_huge", F_KV_VAL, K_STR, P_U64, UINT64_MAX, TERN_ERR_SIZE, "'t.str'", "string value length"},
    {"string_length_past_end", F_KV_VAL, K_ARCH, P_U64, 100000, TERN_ERR_SIZE, "'general.architecture'",
     "string value length"},
    {"string_truncated", F_KV_VAL, K_STR, P_TRUNC, 10, TERN_ERR_SIZE, "'t.str'", "string value length"},
    {"array_elem_type_unknown", F_KV_ELEM, K_ARR_U32, P_U32, 99, TERN_ERR_CODE, "'t.arr_u32'", "array element type 99"},
    {"array_elem_type_truncated", F_KV_ELEM, K_ARR_U32, P_TRUNC, 2, TERN_ERR_SIZE, "'t.arr_u32'", "array element type"},
    {"array_count_truncated", F_KV_COUNT, K_ARR_U32, P_TRUNC, 5, TERN_ERR_SIZE, "'t.arr_u32'", "array count"},
    {"array_count_huge", F_KV_COUNT, K_ARR_U32, P_U64, UINT64_MAX, TERN_ERR_SIZE, "'t.arr_u32'", "array count"},
    {"array_count_2e18", F_KV_COUNT, K_ARR_F32, P_U64, (uint64_t)1 << 61, TERN_ERR_SIZE, "'t.arr_f32'", "array count"},
    {"array_data_truncated", F_KV_DATA, K_ARR_U32, P_TRUNC, 11, TERN_ERR_SIZE, "'t.arr_u32'", "array count"},
    {"string_array_count_huge", F_KV_COUNT, K_ARR_STR, P_U64, (uint64_t)1 << 58, TERN_ERR_SIZE, "'t.arr_str'",
     "array count"},
    {"string_array_elem_length", F_KV_DATA, K_ARR_STR, P_U64, 1u << 30, TERN_ERR_SIZE, "'t.arr_str'",
     "array element 0 string length"},
    {"string_array_elem_truncated", F_KV_DATA, K_ARR_STR, P_TRUNC, 24, TERN_ERR_SIZE, "'t.arr_str'",
     "array element 2 string length"},
    {"bool_array_value", F_KV_DATA, K_ARR_BOOL, P_U8, 7, TERN_ERR_CODE, "'t.arr_bool'",
     "array element 0: BOOL value 7"},
    {"nested_array_elem_type", F_KV_DATA, K_ARR_ARR, P_U32, 77, TERN_ERR_CODE, "'t.arr_arr'[0]",
     "array element type 77"},
    {"nested_array_count", F_KV_DATA, K_ARR_ARR, P_TRUNC, 24, TERN_ERR_SIZE, "'t.arr_arr'[1]", "array count"},
    {"alignment_48", F_KV_VAL, K_ALIGN, P_U32, 48, TERN_ERR_CODE, "general.alignment", "power of two"},
    {"alignment_0", F_KV_VAL, K_ALIGN, P_U32, 0, TERN_ERR_CODE, "general.alignment", "power of two"},
    {"alignment_2g", F_KV_VAL, K_ALIGN, P_U32, 0x80000000u, TERN_ERR_CODE, "general.alignment", NULL},
    {"alignment_float", F_KV_TYPE, K_ALIGN, P_U32, TERN_GGUF_FLOAT32, TERN_ERR_CODE, "general.alignment",
     "not an integer"},
    {"tensor_name_length_huge", F_T_NAME_LEN, T_F16, P_U64, UINT64_MAX, TERN_ERR_SIZE, "tensor 1", "name length"},
    {"tensor_name_truncated", F_T_NAME, T_I2S, P_TRUNC, 1, TERN_ERR_SIZE, "tensor 5", "name length"},
    {"tensor_name_nul", F_T_NAME, T_TQ1, P_U8, 0, TERN_ERR_CODE, "tensor 3", "name contains a NUL"},
    {"tensor_duplicate_name", F_T_NAME_1, T_F16, P_U16, 0x3233u /* "f16" -> "f32" */, TERN_ERR_CODE, "tensor 1 'f32'",
     "duplicate tensor name"},
    {"tensor_ndims_0", F_T_NDIMS, T_F32, P_U32, 0, TERN_ERR_SHAPE, "tensor 0 'f32'", "n_dims 0"},
    {"tensor_ndims_5", F_T_NDIMS, T_TQ2, P_U32, 5, TERN_ERR_SHAPE, "tensor 4 'tq2'", "n_dims 5"},
    {"tensor_ndims_truncated", F_T_NDIMS, T_TQ2, P_TRUNC, 2, TERN_ERR_SIZE, "tensor 4 'tq2'", "n_dims"},
    {"tensor_ne_truncated", F_T_NE1, T_TQ1, P_TRUNC, 4, TERN_ERR_SIZE, "tensor 3 'tq1'", "ne[1]"},
    {"tensor_dim_zero", F_T_NE1, T_BF16, P_U64, 0, TERN_ERR_SHAPE, "tensor 2 'bf16'", "ne[1] is 0"},
    {"tensor_dim_2e63", F_T_NE0, T_F32, P_U64, (uint64_t)1 << 63, TERN_ERR_SHAPE, "tensor 0 'f32'", "ne[0]"},
    {"tensor_dims_overflow", F_T_NE0, T_F32, P_U64, (uint64_t)1 << 62, TERN_ERR_SHAPE, "tensor 0 'f32'", "overflow"},
    {"tensor_type_unknown", F_T_TYPE, T_F16, P_U32, 37, TERN_ERR_CODE, "tensor 1 'f16'", "I8_S"},
    {"tensor_type_huge", F_T_TYPE, T_F16, P_U32, 1000, TERN_ERR_CODE, "tensor 1 'f16'", "type 1000"},
    {"tensor_type_truncated", F_T_TYPE, T_F16, P_TRUNC, 1, TERN_ERR_SIZE, "tensor 1 'f16'", "type"},
    {"tensor_tq2_row", F_T_NE0, T_TQ2, P_U64, 300, TERN_ERR_SHAPE, "tensor 4 'tq2'", "ne[0] % 256"},
    {"tensor_tq1_row", F_T_NE0, T_TQ1, P_U64, 128, TERN_ERR_SHAPE, "tensor 3 'tq1'", "256"},
    {"tensor_i2s_shape", F_T_NE0, T_I2S, P_U64, 100, TERN_ERR_SHAPE, "'blk.0.attn_q.weight'", "128"},
    {"tensor_offset_truncated", F_T_OFFSET, T_I2S, P_TRUNC, 7, TERN_ERR_SIZE, "'blk.0.attn_q.weight'", "offset"},
    {"tensor_offset_misaligned", F_T_OFFSET, T_TQ1, P_U64, 129, TERN_ERR_CODE, "tensor 3 'tq1'",
     "not a multiple of the alignment"},
    {"tensor_offset_past_end", F_T_OFFSET, T_F16, P_U64, (uint64_t)1 << 40, TERN_ERR_SIZE, "tensor 1 'f16'",
     "runs past the end"},
    {"tensor_offset_wraps", F_T_OFFSET, T_F16, P_U64, UINT64_MAX - 31, TERN_ERR_SIZE, "tensor 1 'f16'",
     "runs past the end"},
    {"tensor_overlap", F_T_OFFSET, T_BF16, P_U64, 32, TERN_ERR_CODE, "'bf16'", "overlaps tensor 1 'f16'"},
    {"tensor_same_offset", F_T_OFFSET, T_F16, P_U64, 0, TERN_ERR_CODE, "'f16'", "overlaps tensor 0 'f32'"},
    {"tensor_data_truncated", F_DATA_END, 0, P_TRUNC, (uint64_t)-1, TERN_ERR_SIZE, "'blk.0.attn_q.weight'",
     "runs past the end"},
};

/* Apply a case to a fresh reference file (v3, alignment 32 explicit). */
static tern_status run_bad(const bad_case *c, char *err, size_t es) {
  ref_file f;
  build_ref(&f, 3, 32);
  size_t at = field_at(&f, c->where, c->idx);
  size_t len = f.b.len;
  switch (c->kind) {
    case P_U32: patch_u32(&f.b, at + (c->where == F_ABS ? (size_t)c->idx : 0), (uint32_t)c->value); break;
    case P_U64: patch_u64(&f.b, at + (c->where == F_ABS ? (size_t)c->idx : 0), c->value); break;
    case P_U16: f.b.data[at] = (uint8_t)c->value, f.b.data[at + 1] = (uint8_t)(c->value >> 8); break;
    case P_U8: f.b.data[at + (c->where == F_ABS ? (size_t)c->idx : 0)] = (uint8_t)c->value; break;
    case P_TRUNC: len = at + (size_t)c->value; break;
  }
  /* A truncation inside kv i / tensor i: make it the last one, so that the count bounds
   * (checked first, against the bytes that remain) pass and the field itself is reached. */
  if (c->kind == P_TRUNC && c->where >= F_KV_KEY_LEN && c->where <= F_KV_DATA) {
    patch_u64(&f.b, 16, (uint64_t)c->idx + 1);
    patch_u64(&f.b, 8, 0);
  } else if (c->kind == P_TRUNC && c->where >= F_T_NAME_LEN && c->where <= F_T_OFFSET) {
    patch_u64(&f.b, 8, (uint64_t)c->idx + 1);
  }
  tern_gguf *g = NULL;
  err[0] = 0;
  tern_status st = open_copy(f.b.data, len, &g, err, es);
  free(f.b.data);
  return st;
}

static void test_bad(tern_test_ctx *t) {
  /* offsets in the table assume this layout: f32 at 0 (24 bytes), f16 at 32, bf16 at 64 */
  ref_file f;
  build_ref(&f, 3, 32);
  if (f.t_off[T_F16] != 32 || f.t_off[T_BF16] != 64 || f.t_off[T_TQ1] != 128)
    tern_test_fail(t, "reference layout changed: offsets %" PRIu64 " %" PRIu64 " %" PRIu64, f.t_off[1], f.t_off[2],
                   f.t_off[3]);
  free(f.b.data);
  for (size_t i = 0; i < sizeof kBad / sizeof kBad[0]; i++) {
    const bad_case *c = &kBad[i];
    char name[96];
    snprintf(name, sizeof name, "gguf_bad_%s", c->name);
    tern_test_ctx sub = *t;
    tern_test_begin(&sub, name);
    char err[512];
    tern_status st = run_bad(c, err, sizeof err);
    if (st != c->want)
      tern_test_fail(&sub, "status %d (%s), want %d; message: %s", (int)st, tern_strerror(st), (int)c->want, err);
    else if (strstr(err, c->msg1) == NULL || (c->msg2 && strstr(err, c->msg2) == NULL))
      tern_test_fail(&sub, "message lacks '%s'%s%s: %s", c->msg1, c->msg2 ? " / " : "", c->msg2 ? c->msg2 : "", err);
    if (getenv("TEST_GGUF_SHOW")) printf("  %-32s %s\n", c->name, err);
    tern_test_end(&sub);
    t->n_pass = sub.n_pass, t->n_fail = sub.n_fail;
  }
}

/* Arrays nested deeper than the limit, and at the limit. */
static void test_nesting(tern_test_ctx *t) {
  for (int depth = TERN_GGUF_MAX_ARRAY_DEPTH - 1; depth <= TERN_GGUF_MAX_ARRAY_DEPTH + 3; depth++) {
    tern_gguf_writer b = {0};
    tern_gguf_put_header(&b, 3, 0, 1);
    tern_gguf_put_str(&b, "deep", 4);
    tern_gguf_put_u32(&b, TERN_GGUF_ARRAY);
    for (int d = 1; d < depth; d++) tern_gguf_put_u32(&b, TERN_GGUF_ARRAY), tern_gguf_put_u64(&b, 1);
    tern_gguf_put_u32(&b, TERN_GGUF_UINT8), tern_gguf_put_u64(&b, 1), tern_gguf_put_u8(&b, 42);
    tern_gguf *g = NULL;
    char err[512] = "";
    tern_status st = tern_gguf_open_memory(b.data, b.len, &g, err, sizeof err);
    if (depth <= TERN_GGUF_MAX_ARRAY_DEPTH) {
      if (st != TERN_OK) tern_test_fail(t, "depth %d refused: %s", depth, err);
      tern_gguf_type e;
      size_t n;
      TERN_CHECK(t, st != TERN_OK || (tern_gguf_get_arr(g, "deep", &e, &n) == TERN_OK && n == 1 &&
                                      e == (depth == 1 ? TERN_GGUF_UINT8 : TERN_GGUF_ARRAY)));
      tern_gguf_close(g);
    } else {
      TERN_CHECK(t, st == TERN_ERR_CODE && strstr(err, "'deep'") && strstr(err, "nested"));
    }
    free(b.data);
  }
}

/* Every truncation of the reference file (v2, alignment 64: the padding runs are longer) fails
 * with a message, never a crash. */
static void test_truncations(tern_test_ctx *t, uint32_t version, uint32_t align) {
  ref_file f;
  build_ref(&f, version, align);
  int bad = 0;
  for (size_t len = 0; len < f.b.len && bad < 3; len++) {
    tern_gguf *g = NULL;
    char err[512] = "";
    tern_status st = open_copy(f.b.data, len, &g, err, sizeof err);
    if (st == TERN_OK || err[0] == 0 || (st != TERN_ERR_SIZE)) {
      tern_test_fail(t, "length %zu of %zu: status %d, message '%s'", len, f.b.len, (int)st, err);
      bad++;
    }
  }
  tern_gguf *g = NULL;
  char err[512] = "";
  TERN_CHECK(t, open_copy(f.b.data, f.b.len, &g, err, sizeof err) == TERN_OK);
  free(f.b.data);
}

/* Seeded random corruption: flip bytes, set fields to extremes; never crash, and what opens
 * is walked fully. */
static void test_corrupt(tern_test_ctx *t, uint64_t seed, int iters) {
  ref_file f;
  build_ref(&f, 3, 32);
  uint64_t rng = seed;
  uint8_t *c = malloc(f.b.len);
  int opened = 0;
  for (int it = 0; it < iters; it++) {
    memcpy(c, f.b.data, f.b.len);
    int n = 1 + (int)tern_rand_range(&rng, 0, 3);
    for (int k = 0; k < n; k++) {
      size_t at = (size_t)tern_rand_range(&rng, 0, (int64_t)f.b.len - 1);
      switch (tern_rand_range(&rng, 0, 3)) {
        case 0: c[at] ^= (uint8_t)(1u << tern_rand_range(&rng, 0, 7)); break;
        case 1: c[at] = (uint8_t)tern_rand_next(&rng); break;
        case 2: c[at] = 0xff; break;
        default: c[at] = 0; break;
      }
    }
    size_t len = f.b.len;
    if (tern_rand_range(&rng, 0, 7) == 0) len = (size_t)tern_rand_range(&rng, 0, (int64_t)f.b.len);
    uint8_t *d = malloc(len ? len : 1);
    memcpy(d, c, len);
    tern_gguf *g = NULL;
    char err[512] = "";
    tern_status st = tern_gguf_open_memory(d, len, &g, err, sizeof err);
    if (st == TERN_OK) {
      opened++;
      (void)walk(g);
      FILE *null = fopen("/dev/null", "w");
      if (null) tern_gguf_describe(g, null, 4), fclose(null);
      tern_gguf_close(g);
    } else if (err[0] == 0) {
      tern_test_fail(t, "iteration %d: failure %d without a message [seed=%" PRIu64 "]", it, (int)st, seed);
    }
    free(d);
  }
  if (getenv("TEST_GGUF_SHOW")) printf("  corrupt: %d of %d still opened\n", opened, iters);
  free(c);
  free(f.b.data);
}

int main(int argc, char **argv) {
  uint64_t seed = 0x6767756675ull;
  int iters = 3000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--seed") == 0)
      seed = strtoull(argv[i + 1], NULL, 0);
    else if (strcmp(argv[i], "--iters") == 0)
      iters = atoi(argv[i + 1]);
  }
  tern_test_ctx t = {0};
  static const struct {
    const char *name;
    uint32_t version, align;
  } kValid[] = {{"gguf_valid_v3_default_align", 3, 0}, {"gguf_valid_v2_default_align", 2, 0},
                {"gguf_valid_v3_align32", 3, 32},      {"gguf_valid_v3_align64", 3, 64},
                {"gguf_valid_v2_align64", 2, 64},      {"gguf_valid_v3_align1", 3, 1},
                {"gguf_valid_v3_align4096", 3, 4096}};
  for (size_t i = 0; i < sizeof kValid / sizeof kValid[0]; i++) {
    tern_test_begin(&t, kValid[i].name);
    check_valid(&t, kValid[i].version, kValid[i].align);
    tern_test_end(&t);
  }
  tern_test_begin(&t, "gguf_type_names_sizes_null_args");
  test_misc(&t);
  tern_test_end(&t);
  tern_test_begin(&t, "gguf_metadata_only");
  test_metadata_only(&t);
  tern_test_end(&t);
  tern_test_begin(&t, "gguf_mmap_file_and_describe");
  test_file_and_describe(&t);
  tern_test_end(&t);
  test_bad(&t);
  tern_test_begin(&t, "gguf_array_nesting_limit");
  test_nesting(&t);
  tern_test_end(&t);
  tern_test_begin(&t, "gguf_every_truncation_v3_align32");
  test_truncations(&t, 3, 32);
  tern_test_end(&t);
  tern_test_begin(&t, "gguf_every_truncation_v2_align64");
  test_truncations(&t, 2, 64);
  tern_test_end(&t);
  tern_test_begin(&t, "gguf_every_truncation_v3_default_align");
  test_truncations(&t, 3, 0);
  tern_test_end(&t);
  char name[96];
  snprintf(name, sizeof name, "gguf_random_corruption_%d", iters);
  tern_test_begin(&t, name);
  test_corrupt(&t, seed, iters);
  if (t.failed) printf("  (replay: --seed %" PRIu64 " --iters %d)\n", seed, iters);
  tern_test_end(&t);
  printf("test_gguf: %d passed, %d failed\n", t.n_pass, t.n_fail);
  return tern_test_exit(&t);
}
