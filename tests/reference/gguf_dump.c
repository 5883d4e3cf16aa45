/* SPDX-License-Identifier: Apache-2.0 */
/* gguf_dump: print a GGUF file as the canonical text of tests/reference/gguf_canon.py, read
 * with the C reader (driver/include/tern_gguf.h). tests/test_gguf_compat.sh diffs the two.
 *
 *   gguf_dump FILE.gguf
 *
 * Exit status 0, or 1 (with the reader's message on stderr) when the file does not open. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_gguf.h"

static float f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0) {
    float f = ldexpf((float)man, -24); /* zero or subnormal: exact */
    return sign ? -f : f;
  }
  if (exp == 31)
    bits = sign | 0x7f800000u | (man << 13);
  else
    bits = sign | ((exp + 112) << 23) | (man << 13);
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static float bf16_to_f32(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static void print_hex(const char *s, size_t len) {
  if (len == 0) {
    fputs("-", stdout);
    return;
  }
  for (size_t i = 0; i < len; i++) printf("%02x", (unsigned char)s[i]);
}

static size_t type_size(tern_gguf_type t) {
  switch (t) {
    case TERN_GGUF_UINT8:
    case TERN_GGUF_INT8:
    case TERN_GGUF_BOOL: return 1;
    case TERN_GGUF_UINT16:
    case TERN_GGUF_INT16: return 2;
    case TERN_GGUF_UINT32:
    case TERN_GGUF_INT32:
    case TERN_GGUF_FLOAT32: return 4;
    case TERN_GGUF_UINT64:
    case TERN_GGUF_INT64:
    case TERN_GGUF_FLOAT64: return 8;
    default: return 0;
  }
}

/* One scalar of type t stored little-endian at p. */
static void print_scalar(tern_gguf_type t, const unsigned char *p) {
  switch (t) {
    case TERN_GGUF_UINT8: printf("%u", (unsigned)p[0]); break;
    case TERN_GGUF_INT8: printf("%d", (int)(int8_t)p[0]); break;
    case TERN_GGUF_BOOL: printf("%d", p[0] ? 1 : 0); break;
    case TERN_GGUF_UINT16: {
      uint16_t v;
      memcpy(&v, p, 2);
      printf("%u", (unsigned)v);
      break;
    }
    case TERN_GGUF_INT16: {
      int16_t v;
      memcpy(&v, p, 2);
      printf("%d", (int)v);
      break;
    }
    case TERN_GGUF_UINT32: {
      uint32_t v;
      memcpy(&v, p, 4);
      printf("%" PRIu32, v);
      break;
    }
    case TERN_GGUF_INT32: {
      int32_t v;
      memcpy(&v, p, 4);
      printf("%" PRId32, v);
      break;
    }
    case TERN_GGUF_FLOAT32: {
      float v;
      memcpy(&v, p, 4);
      printf("%.9g", (double)v);
      break;
    }
    case TERN_GGUF_UINT64: {
      uint64_t v;
      memcpy(&v, p, 8);
      printf("%" PRIu64, v);
      break;
    }
    case TERN_GGUF_INT64: {
      int64_t v;
      memcpy(&v, p, 8);
      printf("%" PRId64, v);
      break;
    }
    case TERN_GGUF_FLOAT64: {
      double v;
      memcpy(&v, p, 8);
      printf("%.17g", v);
      break;
    }
    default: printf("?"); break;
  }
}

static const char *vname(tern_gguf_type t) {
  const char *n = tern_gguf_value_type_name((uint32_t)t);
  return n ? n : "?";
}

static int dump_kv(const tern_gguf *g, size_t i) {
  const char *key = tern_gguf_kv_key(g, i);
  tern_gguf_type t = tern_gguf_kv_type(g, i);
  if (t == TERN_GGUF_STRING) {
    const char *s;
    size_t len;
    if (tern_gguf_get_str(g, key, &s, &len) != TERN_OK) return 1;
    printf("kv %s STRING ", key);
    print_hex(s, len);
    putchar('\n');
    return 0;
  }
  if (t == TERN_GGUF_ARRAY) {
    tern_gguf_type et;
    size_t n;
    if (tern_gguf_get_arr(g, key, &et, &n) != TERN_OK) return 1;
    printf("kv %s ARRAY %s %zu", key, vname(et), n);
    if (et == TERN_GGUF_STRING) {
      for (size_t j = 0; j < n; j++) {
        const char *s;
        size_t len;
        if (tern_gguf_arr_str(g, key, j, &s, &len) != TERN_OK) return 1;
        putchar(' ');
        print_hex(s, len);
      }
    } else if (et != TERN_GGUF_ARRAY) {
      const void *data;
      if (tern_gguf_arr_data(g, key, &data) != TERN_OK) return 1;
      size_t sz = type_size(et);
      for (size_t j = 0; j < n; j++) {
        putchar(' ');
        print_scalar(et, (const unsigned char *)data + j * sz);
      }
    }
    putchar('\n');
    return 0;
  }
  /* scalar: read it back through the typed getters where one fits the type exactly */
  unsigned char buf[8] = {0};
  switch (t) {
    case TERN_GGUF_UINT8:
    case TERN_GGUF_UINT16:
    case TERN_GGUF_UINT32:
    case TERN_GGUF_UINT64: {
      uint64_t v;
      if (tern_gguf_get_u64(g, key, &v) != TERN_OK) return 1;
      printf("kv %s %s %" PRIu64 "\n", key, vname(t), v);
      return 0;
    }
    case TERN_GGUF_INT8:
    case TERN_GGUF_INT16:
    case TERN_GGUF_INT32:
    case TERN_GGUF_INT64: {
      int64_t v;
      if (tern_gguf_get_i64(g, key, &v) != TERN_OK) return 1;
      printf("kv %s %s %" PRId64 "\n", key, vname(t), v);
      return 0;
    }
    case TERN_GGUF_BOOL: {
      int v;
      if (tern_gguf_get_bool(g, key, &v) != TERN_OK) return 1;
      printf("kv %s BOOL %d\n", key, v);
      return 0;
    }
    case TERN_GGUF_FLOAT32: {
      float v;
      if (tern_gguf_get_f32(g, key, &v) != TERN_OK) return 1;
      memcpy(buf, &v, 4);
      break;
    }
    case TERN_GGUF_FLOAT64: {
      /* The API has no double getter: check that get_f32 converts, then find the 8 value bytes
       * in the file after "<u64 len><key><u32 12>" (keys are unique) and print them exactly. */
      float f;
      if (tern_gguf_get_f32(g, key, &f) != TERN_OK && tern_gguf_find_kv(g, key) < 0) return 1;
      size_t fsize, klen = strlen(key);
      const uint8_t *file = tern_gguf_file_data(g, &fsize);
      uint8_t pat[8 + 256 + 4];
      if (klen > 256) return 1;
      uint64_t kl = klen;
      uint32_t ty = TERN_GGUF_FLOAT64;
      memcpy(pat, &kl, 8);
      memcpy(pat + 8, key, klen);
      memcpy(pat + 8 + klen, &ty, 4);
      size_t plen = 12 + klen, at = 0;
      int found = 0;
      for (at = 0; at + plen + 8 <= fsize; at++)
        if (file[at] == pat[0] && memcmp(file + at, pat, plen) == 0) {
          found = 1;
          break;
        }
      if (!found) return 1;
      memcpy(buf, file + at + plen, 8);
      break;
    }
    default: return 1;
  }
  printf("kv %s %s ", key, vname(t));
  print_scalar(t, buf);
  putchar('\n');
  return 0;
}

static uint64_t fnv(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gguf_dump FILE.gguf\n");
    return 2;
  }
  tern_gguf *g;
  char err[512];
  if (tern_gguf_open(argv[1], &g, err, sizeof err) != TERN_OK) {
    fprintf(stderr, "gguf_dump: %s\n", err);
    return 1;
  }
  int rc = 0;
  printf("version %u\n", (unsigned)tern_gguf_version(g));
  printf("kv_count %zu\n", tern_gguf_kv_count(g));
  for (size_t i = 0; i < tern_gguf_kv_count(g); i++)
    if (dump_kv(g, i)) {
      fprintf(stderr, "gguf_dump: cannot read key %zu (%s)\n", i, tern_gguf_kv_key(g, i));
      rc = 1;
    }
  size_t nt = tern_gguf_tensor_count(g);
  printf("tensor_count %zu\n", nt);
  uint64_t base = tern_gguf_data_offset(g);
  for (size_t i = 0; i < nt; i++) {
    const tern_gguf_tensor *t = tern_gguf_tensor_at(g, i);
    const char *tn = tern_gguf_type_name(t->type);
    printf("tensor %s %s %u", t->name, tn ? tn : "?", (unsigned)t->n_dims);
    for (uint32_t d = 0; d < t->n_dims; d++) printf(" %" PRIu64, t->ne[d]);
    printf(" offset %" PRIu64 " nbytes %zu fnv %016" PRIx64 "\n", base + t->offset, t->nbytes, fnv(t->data, t->nbytes));
    if (t->type == TERN_GGML_F32 || t->type == TERN_GGML_F16 || t->type == TERN_GGML_BF16) {
      size_t es = t->type == TERN_GGML_F32 ? 4 : 2, n = t->nbytes / es;
      printf("values %s", t->name);
      for (size_t j = 0; j < n; j++) {
        float v;
        if (es == 4) {
          memcpy(&v, t->data + 4 * j, 4);
        } else {
          uint16_t h;
          memcpy(&h, t->data + 2 * j, 2);
          v = t->type == TERN_GGML_F16 ? f16_to_f32(h) : bf16_to_f32(h);
        }
        printf(" %.9g", (double)v);
      }
      putchar('\n');
    }
  }
  tern_gguf_close(g);
  return rc;
}
