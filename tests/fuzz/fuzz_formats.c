/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the weight-format code of the C model: the T2/T5 stream decoders and
 * the GGUF I2_S / TQ2_0 / TQ1_0 readers, fed arbitrary bytes. Besides "no crash, no sanitizer
 * report", it checks properties: what a reader accepts converts back and reads again to the
 * same values, and tern_matvec on any stream equals a multiply reference on its unpacking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern_mac.h"
#include "tern_pack.h"

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

static const tern_geom kGeoms[4] = {{2, 20}, {1, 5}, {3, 5}, {4, 10}};

static void fuzz_stream(const uint8_t *d, size_t size) {
  if (size < 4) return;
  tern_geom g = kGeoms[d[0] & 3];
  tern_format fmt = (d[0] & 4) ? TERN_T5 : TERN_T2;
  uint32_t k = 1 + d[1] % 97, n = 1 + d[2] % 13;
  size_t need = tern_stream_bytes(g, fmt, k, n);
  uint8_t *stream = calloc(need, 1);
  int8_t *w = malloc((size_t)k * n), *x = malloc(k);
  int32_t *acc = malloc(sizeof(int32_t) * n);
  CHECK(stream && w && x && acc);
  memcpy(stream, d + 3, size - 3 < need ? size - 3 : need);
  for (uint32_t i = 0; i < k; i++) x[i] = (int8_t)(d[(3 + i) % size] ^ 0x5A);
  size_t bad = 0;
  tern_status st = tern_unpack(g, fmt, stream, k, n, w, &bad);
  CHECK(st == TERN_OK || (st == TERN_ERR_CODE && fmt == TERN_T2 && bad < (size_t)k * n));
  CHECK(tern_matvec(g, fmt, stream, k, n, x, acc) == TERN_OK);
  for (uint32_t r = 0; r < n; r++) {
    int64_t dot = 0;
    for (uint32_t c = 0; c < k; c++) dot += (int64_t)w[(size_t)r * k + c] * x[c];
    CHECK(dot == acc[r]);
  }
  uint8_t *again = malloc(need);
  int8_t *w2 = malloc((size_t)k * n);
  CHECK(again && w2);
  CHECK(tern_pack(g, fmt, w, k, n, again) == TERN_OK);
  CHECK(tern_unpack(g, fmt, again, k, n, w2, NULL) == TERN_OK);
  CHECK(memcmp(w, w2, (size_t)k * n) == 0);
  free(again), free(w2), free(stream), free(w), free(x), free(acc);
}

typedef tern_status (*reader_fn)(const uint8_t *, uint32_t, uint32_t, int8_t *, float *, size_t *);
typedef tern_status (*writer_fn)(const int8_t *, uint32_t, uint32_t, float, uint8_t *);
typedef size_t (*size_fn)(uint32_t, uint32_t);

static void fuzz_gguf(const uint8_t *d, size_t size, reader_fn rd, writer_fn wr, size_fn sz) {
  if (size < 3) return;
  uint32_t k = 256u * (1 + d[0] % 3), n = 1 + d[1] % 3;
  size_t need = sz(k, n);
  CHECK(need > 0);
  uint8_t *blob = calloc(need, 1), *back = calloc(need, 1);
  int8_t *w = malloc((size_t)k * n), *w2 = malloc((size_t)k * n);
  CHECK(blob && back && w && w2);
  memcpy(blob, d + 2, size - 2 < need ? size - 2 : need);
  float scale = 0, scale2 = 0;
  size_t bad = 0;
  if (rd(blob, k, n, w, &scale, &bad) == TERN_OK) {
    CHECK(tern_check_trits(w, (size_t)k * n, NULL) == TERN_OK);
    tern_status st = wr(w, k, n, scale, back);
    if (st == TERN_OK) {
      CHECK(rd(back, k, n, w2, &scale2, NULL) == TERN_OK);
      CHECK(memcmp(w, w2, (size_t)k * n) == 0);
      CHECK(memcmp(&scale, &scale2, sizeof scale) == 0);
    }
  }
  free(blob), free(back), free(w), free(w2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  switch (data[0] & 3) {
    case 0: fuzz_stream(data + 1, size - 1); break;
    case 1: fuzz_gguf(data + 1, size - 1, tern_from_i2s, tern_to_i2s, tern_i2s_bytes); break;
    case 2: fuzz_gguf(data + 1, size - 1, tern_from_tq2_0, tern_to_tq2_0, tern_tq2_0_bytes); break;
    default: fuzz_gguf(data + 1, size - 1, tern_from_tq1_0, tern_to_tq1_0, tern_tq1_0_bytes); break;
  }
  return 0;
}
