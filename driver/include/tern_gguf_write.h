/* SPDX-License-Identifier: Apache-2.0 */
/* tern_gguf_write: GGUF bytes into a growing buffer, for the synthetic model (synth.c), tools and
 * tests: the little-endian scalars and strings, the header, metadata key/value pairs, tensor
 * infos and the alignment padding. It writes what it is told, in that order (a test can write a
 * malformed file on purpose); the reader, driver/src/gguf.c, checks. No global state. */
#ifndef TERN_GGUF_WRITE_H
#define TERN_GGUF_WRITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_gguf_writer {
  uint8_t *data; /* the bytes written (malloc'd; tern_gguf_writer_free) */
  size_t len, cap;
  size_t limit; /* 0: none; else the most bytes the buffer may hold */
  int failed;   /* out of memory or past the limit: later writes do nothing */
} tern_gguf_writer;

/* A writer starts zeroed ({0}) or with only .limit set. */
void tern_gguf_writer_free(tern_gguf_writer *w);

void tern_gguf_put(tern_gguf_writer *w, const void *src, size_t n);
void tern_gguf_put_u8(tern_gguf_writer *w, uint8_t v);
void tern_gguf_put_u16(tern_gguf_writer *w, uint16_t v);
void tern_gguf_put_u32(tern_gguf_writer *w, uint32_t v);
void tern_gguf_put_u64(tern_gguf_writer *w, uint64_t v);
void tern_gguf_put_f32(tern_gguf_writer *w, float v);
void tern_gguf_put_f64(tern_gguf_writer *w, double v);
/* A GGUF string: its length (u64), then its len bytes. */
void tern_gguf_put_str(tern_gguf_writer *w, const char *s, size_t len);

/* "GGUF", the version, the tensor count and the metadata count. */
void tern_gguf_put_header(tern_gguf_writer *w, uint32_t version, uint64_t n_tensors, uint64_t n_kv);
/* A metadata pair: the key, the value type (tern_gguf_type), the value. */
void tern_gguf_put_kv_u32(tern_gguf_writer *w, const char *key, uint32_t v);
void tern_gguf_put_kv_f32(tern_gguf_writer *w, const char *key, float v);
void tern_gguf_put_kv_str(tern_gguf_writer *w, const char *key, const char *v);
void tern_gguf_put_kv_bool(tern_gguf_writer *w, const char *key, int v);
/* An ARRAY pair of n strings (s[i] of len[i] bytes) or of n INT32 values. */
void tern_gguf_put_kv_arr_str(tern_gguf_writer *w, const char *key, const char *const *s, const size_t *len, size_t n);
void tern_gguf_put_kv_arr_i32(tern_gguf_writer *w, const char *key, const int32_t *v, size_t n);
/* A tensor info: the name, n_dims, ne[0 .. n_dims-1], the ggml type, the data offset. */
void tern_gguf_put_tensor_info(tern_gguf_writer *w, const char *name, uint32_t n_dims, const uint64_t *ne,
                               uint32_t type, uint64_t offset);
/* Zero bytes up to a multiple of align (align 0: none). */
void tern_gguf_put_pad(tern_gguf_writer *w, uint64_t align);
/* n rounded up to a multiple of align (align 0: n). */
uint64_t tern_gguf_align_up(uint64_t n, uint64_t align);

#ifdef __cplusplus
}
#endif
#endif /* TERN_GGUF_WRITE_H */
