/* SPDX-License-Identifier: Apache-2.0 */
/* tern_gguf_write.h */
#include "tern_gguf_write.h"

#include <stdlib.h>
#include <string.h>

#include "tern_gguf.h"

void tern_gguf_writer_free(tern_gguf_writer *w) {
  free(w->data);
  w->data = NULL;
  w->len = w->cap = 0;
}

void tern_gguf_put(tern_gguf_writer *w, const void *src, size_t n) {
  if (w->failed) return;
  if (n > SIZE_MAX / 2 - w->len || (w->limit && w->len + n > w->limit)) {
    w->failed = 1;
    return;
  }
  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap : 512;
    while (cap < w->len + n) cap *= 2;
    uint8_t *p = realloc(w->data, cap);
    if (!p) {
      w->failed = 1;
      return;
    }
    w->data = p, w->cap = cap;
  }
  if (n) memcpy(w->data + w->len, src, n);
  w->len += n;
}

void tern_gguf_put_u8(tern_gguf_writer *w, uint8_t v) { tern_gguf_put(w, &v, 1); }

void tern_gguf_put_u16(tern_gguf_writer *w, uint16_t v) {
  const uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  tern_gguf_put(w, x, 2);
}

void tern_gguf_put_u32(tern_gguf_writer *w, uint32_t v) {
  const uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  tern_gguf_put(w, x, 4);
}

void tern_gguf_put_u64(tern_gguf_writer *w, uint64_t v) {
  tern_gguf_put_u32(w, (uint32_t)v);
  tern_gguf_put_u32(w, (uint32_t)(v >> 32));
}

void tern_gguf_put_f32(tern_gguf_writer *w, float v) {
  uint32_t u;
  memcpy(&u, &v, 4);
  tern_gguf_put_u32(w, u);
}

void tern_gguf_put_f64(tern_gguf_writer *w, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  tern_gguf_put_u64(w, u);
}

void tern_gguf_put_str(tern_gguf_writer *w, const char *s, size_t len) {
  tern_gguf_put_u64(w, len);
  tern_gguf_put(w, s, len);
}

void tern_gguf_put_header(tern_gguf_writer *w, uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
  tern_gguf_put(w, "GGUF", 4);
  tern_gguf_put_u32(w, version);
  tern_gguf_put_u64(w, n_tensors);
  tern_gguf_put_u64(w, n_kv);
}

static void put_key(tern_gguf_writer *w, const char *key, uint32_t type) {
  tern_gguf_put_str(w, key, strlen(key));
  tern_gguf_put_u32(w, type);
}

void tern_gguf_put_kv_u32(tern_gguf_writer *w, const char *key, uint32_t v) {
  put_key(w, key, TERN_GGUF_UINT32);
  tern_gguf_put_u32(w, v);
}

void tern_gguf_put_kv_f32(tern_gguf_writer *w, const char *key, float v) {
  put_key(w, key, TERN_GGUF_FLOAT32);
  tern_gguf_put_f32(w, v);
}

void tern_gguf_put_kv_str(tern_gguf_writer *w, const char *key, const char *v) {
  put_key(w, key, TERN_GGUF_STRING);
  tern_gguf_put_str(w, v, strlen(v));
}

void tern_gguf_put_kv_bool(tern_gguf_writer *w, const char *key, int v) {
  put_key(w, key, TERN_GGUF_BOOL);
  tern_gguf_put_u8(w, (uint8_t)v);
}

void tern_gguf_put_kv_arr_str(tern_gguf_writer *w, const char *key, const char *const *s, const size_t *len, size_t n) {
  put_key(w, key, TERN_GGUF_ARRAY);
  tern_gguf_put_u32(w, TERN_GGUF_STRING);
  tern_gguf_put_u64(w, n);
  for (size_t i = 0; i < n; i++) tern_gguf_put_str(w, s[i], len[i]);
}

void tern_gguf_put_kv_arr_i32(tern_gguf_writer *w, const char *key, const int32_t *v, size_t n) {
  put_key(w, key, TERN_GGUF_ARRAY);
  tern_gguf_put_u32(w, TERN_GGUF_INT32);
  tern_gguf_put_u64(w, n);
  for (size_t i = 0; i < n; i++) tern_gguf_put_u32(w, (uint32_t)v[i]);
}

void tern_gguf_put_tensor_info(tern_gguf_writer *w, const char *name, uint32_t n_dims, const uint64_t *ne,
                               uint32_t type, uint64_t offset) {
  tern_gguf_put_str(w, name, strlen(name));
  tern_gguf_put_u32(w, n_dims);
  for (uint32_t i = 0; i < n_dims; i++) tern_gguf_put_u64(w, ne[i]);
  tern_gguf_put_u32(w, type);
  tern_gguf_put_u64(w, offset);
}

uint64_t tern_gguf_align_up(uint64_t n, uint64_t align) { return align ? (n + align - 1) / align * align : n; }

void tern_gguf_put_pad(tern_gguf_writer *w, uint64_t align) {
  static const uint8_t zeros[64] = {0};
  while (!w->failed && w->len != tern_gguf_align_up(w->len, align)) {
    const uint64_t gap = tern_gguf_align_up(w->len, align) - w->len;
    tern_gguf_put(w, zeros, gap < sizeof zeros ? (size_t)gap : sizeof zeros);
  }
}
