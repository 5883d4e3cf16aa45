/* SPDX-License-Identifier: Apache-2.0 */
/* tern_gguf: a validating reader for GGUF files (versions 2 and 3, little-endian).
 *
 *   tern_gguf *g;  char err[256];
 *   if (tern_gguf_open("model.gguf", &g, err, sizeof err) != TERN_OK) puts(err);
 *   uint32_t n_layer;  tern_gguf_get_u32(g, "bitnet-25.block_count", &n_layer);
 *   const tern_gguf_tensor *t = tern_gguf_find_tensor(g, "blk.0.attn_q.weight");
 *   ... t->data, t->nbytes ...
 *   tern_gguf_close(g);
 *
 * Everything is checked at open, so that after a successful open every accessor is O(1) or
 * O(log n) and cannot read outside the file: the header, every metadata value (all 13 value
 * types, arrays of any type including arrays of arrays, nested at most
 * TERN_GGUF_MAX_ARRAY_DEPTH deep), `general.alignment` (default 32, a power of two),
 * every tensor info (1..4 dims, each > 0, a supported tensor type whose row-size rules hold, an
 * offset aligned to the alignment, data inside the file and not overlapping another tensor),
 * and that no key and no tensor name occurs twice or contains a NUL byte. Counts and lengths
 * are bounded by the bytes that remain in the file before anything is allocated, so a hostile
 * file cannot make the reader allocate much more than a small multiple of its size.
 *
 * On failure open returns a tern_status (TERN_ERR_ARG for a NULL argument or an unreadable
 * file, TERN_ERR_SIZE for a truncated file or a length/count that runs past its end,
 * TERN_ERR_CODE for a bad magic, version, type or value, TERN_ERR_SHAPE for bad dimensions,
 * TERN_ERR_NOMEM) and writes a message to err (err_size bytes, may be NULL) naming the field
 * and where it is, e.g. "tensor 12 'blk.3.attn_q.weight': data [offset 0x1200, 4096 bytes]
 * runs past the end of the file (size 0x1f00)".
 *
 * All strings in the file (values and string-array elements) are returned as pointer + length
 * into the mapped file: they are NOT NUL-terminated. Keys and tensor names are copied and are
 * NUL-terminated. Numeric array data is returned as a pointer into the file that may be
 * unaligned: read elements with memcpy. No global state; a tern_gguf may be read from several
 * threads at once. The reader refuses to run on a big-endian host. */
#ifndef TERN_GGUF_H
#define TERN_GGUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tern_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_gguf tern_gguf;

/* Metadata value types, numbered as in the file. */
typedef enum {
  TERN_GGUF_UINT8 = 0,
  TERN_GGUF_INT8 = 1,
  TERN_GGUF_UINT16 = 2,
  TERN_GGUF_INT16 = 3,
  TERN_GGUF_UINT32 = 4,
  TERN_GGUF_INT32 = 5,
  TERN_GGUF_FLOAT32 = 6,
  TERN_GGUF_BOOL = 7, /* one byte, 0 or 1 (other values are refused at open) */
  TERN_GGUF_STRING = 8,
  TERN_GGUF_ARRAY = 9,
  TERN_GGUF_UINT64 = 10,
  TERN_GGUF_INT64 = 11,
  TERN_GGUF_FLOAT64 = 12
} tern_gguf_type;

/* Tensor (ggml) types tern runs. The reader also accepts ggml's block types (Q4_0 .. Q8_K, the
 * IQ types, I8 .. I64, F64: rows of fixed-size blocks, sized as ggml does) so that any such file
 * can be described; I8_S, TL1, TL2 and unknown numbers fail open. */
enum {
  TERN_GGML_F32 = 0,
  TERN_GGML_F16 = 1,
  TERN_GGML_BF16 = 30,
  TERN_GGML_TQ1_0 = 34,
  TERN_GGML_TQ2_0 = 35,
  TERN_GGML_I2_S = 36
};

#define TERN_GGUF_DEFAULT_ALIGNMENT 32u
#define TERN_GGUF_MAX_ARRAY_DEPTH 8 /* an array of arrays of ... deeper than this is refused */

/* Open and validate a file, memory-mapped read-only (the map lives until close). */
tern_status tern_gguf_open(const char *path, tern_gguf **out, char *err, size_t err_size);
/* As tern_gguf_open with flags: TERN_GGUF_READ reads the whole file into memory instead of
 * mapping it. The trade-off: a mapping starts at once and shares the page cache with other
 * processes, but the file must not change while it is open (a read of a page the file lost
 * raises SIGBUS); a read copy costs the file's size in memory and the read time, and is immune
 * to the file changing or vanishing after open. */
#define TERN_GGUF_READ 1u
tern_status tern_gguf_open_flags(const char *path, unsigned flags, tern_gguf **out, char *err, size_t err_size);
/* The same on size bytes at data, which are not copied: they must outlive the tern_gguf.
 * For tests and fuzzing, or a file already in memory. */
tern_status tern_gguf_open_memory(const void *data, size_t size, tern_gguf **out, char *err, size_t err_size);
/* Free everything (and unmap the file). NULL is a no-op. */
void tern_gguf_close(tern_gguf *g);

/* The file's version: 2 or 3. */
uint32_t tern_gguf_version(const tern_gguf *g);

/* ---- metadata ----------------------------------------------------------------------------
 * Keys are indexed 0..kv_count-1 in file order. */
size_t tern_gguf_kv_count(const tern_gguf *g);
/* The key of entry i (NUL-terminated), or NULL if i >= kv_count. */
const char *tern_gguf_kv_key(const tern_gguf *g, size_t i);
/* The index of key, or -1 if absent (O(log n)). */
int64_t tern_gguf_find_kv(const tern_gguf *g, const char *key);
/* The value type of entry i (TERN_GGUF_UINT8 if i is out of range). */
tern_gguf_type tern_gguf_kv_type(const tern_gguf *g, size_t i);

/* Typed getters by key. Each returns TERN_OK and writes *v, or TERN_ERR_ARG when the key is
 * missing (or an argument is NULL), or TERN_ERR_CODE when the value's type does not convert or
 * its value is out of range for the result (nothing is written then). */
/* Any unsigned integer type, a signed integer >= 0, or BOOL (0/1). */
tern_status tern_gguf_get_u64(const tern_gguf *g, const char *key, uint64_t *v);
/* As get_u64, and the value must be <= UINT32_MAX. */
tern_status tern_gguf_get_u32(const tern_gguf *g, const char *key, uint32_t *v);
/* Any signed integer type, an unsigned integer <= INT64_MAX, or BOOL. (added) */
tern_status tern_gguf_get_i64(const tern_gguf *g, const char *key, int64_t *v);
/* BOOL, or any integer type (non-zero is true): *v = 0 or 1. (added) */
tern_status tern_gguf_get_bool(const tern_gguf *g, const char *key, int *v);
/* FLOAT32, FLOAT64 (rounded to float; finite doubles beyond float range give TERN_ERR_CODE),
 * or any integer type (converted, possibly rounded). NaN/inf in the file are returned as is. */
tern_status tern_gguf_get_f32(const tern_gguf *g, const char *key, float *v);
/* STRING: *s points into the file, *len bytes, not NUL-terminated (may contain NULs). */
tern_status tern_gguf_get_str(const tern_gguf *g, const char *key, const char **s, size_t *len);
/* ARRAY: its element type and count. An array of arrays gives *elem = TERN_GGUF_ARRAY; its
 * elements were validated but are not otherwise accessible. */
tern_status tern_gguf_get_arr(const tern_gguf *g, const char *key, tern_gguf_type *elem, size_t *count);
/* Element i of a STRING array (O(1): an index is built at open). TERN_ERR_CODE if the key is
 * not a string array, TERN_ERR_ARG if i >= count. *s is not NUL-terminated. */
tern_status tern_gguf_arr_str(const tern_gguf *g, const char *key, size_t i, const char **s, size_t *len);
/* A numeric (or BOOL) array: *data points at count packed little-endian elements of the
 * element type's size, inside the file, possibly unaligned (use memcpy). For count == 0 *data
 * is a valid pointer to no bytes. TERN_ERR_CODE for STRING or ARRAY elements. */
tern_status tern_gguf_arr_data(const tern_gguf *g, const char *key, const void **data);

/* ---- tensors ------------------------------------------------------------------------------ */
typedef struct {
  const char *name;    /* NUL-terminated */
  uint32_t n_dims;     /* 1..4 */
  uint64_t ne[4];      /* ne[0] is the row length (K for a weight); ne[d] = 1 for d >= n_dims */
  uint32_t type;       /* TERN_GGML_* */
  uint64_t offset;     /* from the start of the data section (a multiple of the alignment) */
  const uint8_t *data; /* = file + data_offset + offset; aligned as the file is */
  size_t nbytes;       /* exact byte size of the tensor's data (see tern_gguf_tensor_bytes) */
} tern_gguf_tensor;

size_t tern_gguf_tensor_count(const tern_gguf *g);
/* Tensor i in file order, or NULL if i >= tensor_count. */
const tern_gguf_tensor *tern_gguf_tensor_at(const tern_gguf *g, size_t i);
/* The tensor called name, or NULL (O(log n)). */
const tern_gguf_tensor *tern_gguf_find_tensor(const tern_gguf *g, const char *name);

/* The ggml name of a tensor type ("F32", "F16", "Q4_0", ..., "BF16", "TQ1_0", "TQ2_0",
 * "I2_S", "I8_S", "TL1", "TL2"), or NULL if unknown. A name does not mean tern runs the type:
 * only the TERN_GGML_* types are (see above for the ones the reader describes). */
const char *tern_gguf_type_name(uint32_t ggml_type);
/* Bytes from a file made safe to print: printable ASCII as is; control bytes, NUL, bytes >= 0x7f,
 * backslash and quotes as \xNN; the whole of len (embedded NULs included), cut with "..." when
 * dst (dst_size bytes, NUL-terminated) is too short. Returns the length written. Every message
 * and listing that shows a file's strings (keys, tensor names, metadata values) goes through it,
 * so escape sequences in a file never reach a terminal. */
size_t tern_gguf_escape(const char *s, size_t len, char *dst, size_t dst_size);
/* The name of a metadata value type ("UINT8" .. "FLOAT64"), or NULL if unknown. (added) */
const char *tern_gguf_value_type_name(uint32_t value_type);

/* ---- additions ---------------------------------------------------------------------------- */
/* The byte size of a tensor of type `type` and dims ne[0..n_dims-1], as open computes it:
 *   F32 4n, F16/BF16 2n;
 *   TQ2_0 / TQ1_0: ne[0] % 256 == 0, rows = ne[1]*ne[2]*ne[3], rows * tern_tq2_0_bytes(ne[0], 1)
 *                  (66 bytes per 256) / tern_tq1_0_bytes (54 bytes per 256);
 *   I2_S: ne[2] = ne[3] = 1 and tern_i2s_bytes(K = ne[0], N = ne[1]) = ne0*ne1/4 + 32 with
 *         ne0*ne1 % 128 == 0 (the blob of bitnet.cpp: 2-bit codes, then a 32-byte tail whose
 *         first 4 bytes are the fp32 scale).
 * Returns TERN_OK and *nbytes; TERN_ERR_CODE for an unsupported type; TERN_ERR_SHAPE for
 * n_dims outside 1..4, a zero dim, a shape the type does not allow, or a size that overflows.
 * If why != NULL it receives a short reason on failure. */
tern_status tern_gguf_tensor_bytes(uint32_t type, uint32_t n_dims, const uint64_t ne[4], size_t *nbytes, char *why,
                                   size_t why_size);
/* The alignment in force (general.alignment or 32), the file offset of the data section, and
 * the whole file (start and size). */
uint32_t tern_gguf_alignment(const tern_gguf *g);
uint64_t tern_gguf_data_offset(const tern_gguf *g);
const uint8_t *tern_gguf_file_data(const tern_gguf *g, size_t *size);

/* Print the version, the metadata (one line per key: key, type, value; arrays show their
 * element type, count and at most max_array_items items, strings are escaped and cut at 80
 * bytes) and a tensor table (index, name, type, dims, bytes, offset) to out.
 * max_array_items < 0 means all. */
void tern_gguf_describe(const tern_gguf *g, FILE *out, int max_array_items);

#ifdef __cplusplus
}
#endif
#endif /* TERN_GGUF_H */
