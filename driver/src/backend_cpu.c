/* Backend "cpu": portable C on the host. The weights are unpacked once into two bit masks per
 * row (+1 and -1), and a dot product adds the activations under the +1 mask and subtracts
 * those under the -1 mask. (Vectorised kernels come with the host-inference work.) */
#include <stdlib.h>

#include "backend.h"
#include "tern_pack.h"

typedef struct {
  uint32_t k, n, words; /* words of 64 bits per row */
  uint64_t *plus, *minus;
} cpu_tensor;

static void *cpu_open(tern_geom g) {
  tern_geom *s = malloc(sizeof *s);
  if (s) *s = g;
  return s;
}
static void cpu_close(void *state) { free(state); }

static void cpu_release(void *state, void *handle) {
  (void)state;
  cpu_tensor *t = handle;
  if (t) {
    free(t->plus);
    free(t->minus);
  }
  free(t);
}

static void *cpu_upload(void *state, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n) {
  const tern_geom *g = state;
  cpu_tensor *t = calloc(1, sizeof *t);
  int8_t *w = malloc((size_t)k * n);
  if (!t || !w) goto fail;
  t->k = k;
  t->n = n;
  t->words = (k + 63) / 64;
  t->plus = calloc((size_t)t->words * n, sizeof(uint64_t));
  t->minus = calloc((size_t)t->words * n, sizeof(uint64_t));
  if (!t->plus || !t->minus) goto fail;
  /* The core packs canonical streams, so there is no code 3 to report here. */
  if (tern_unpack(*g, fmt, stream, k, n, w, NULL) != TERN_OK) goto fail;
  for (uint32_t r = 0; r < n; r++)
    for (uint32_t c = 0; c < k; c++) {
      int8_t v = w[(size_t)r * k + c];
      uint64_t bit = (uint64_t)1 << (c % 64);
      if (v > 0) t->plus[(size_t)r * t->words + c / 64] |= bit;
      if (v < 0) t->minus[(size_t)r * t->words + c / 64] |= bit;
    }
  free(w);
  return t;
fail:
  free(w);
  cpu_release(state, t);
  return NULL;
}

static tern_status cpu_matmul(void *state, void *handle, const int8_t *xq, uint32_t tokens, int32_t *acc) {
  (void)state;
  const cpu_tensor *t = handle;
  for (uint32_t tok = 0; tok < tokens; tok++) {
    const int8_t *x = xq + (size_t)tok * t->k;
    for (uint32_t r = 0; r < t->n; r++) {
      const uint64_t *p = t->plus + (size_t)r * t->words, *m = t->minus + (size_t)r * t->words;
      int32_t sum = 0;
      for (uint32_t wd = 0; wd < t->words; wd++) {
        uint64_t pw = p[wd], mw = m[wd];
        while (pw) {
          sum += x[wd * 64 + (uint32_t)__builtin_ctzll(pw)];
          pw &= pw - 1;
        }
        while (mw) {
          sum -= x[wd * 64 + (uint32_t)__builtin_ctzll(mw)];
          mw &= mw - 1;
        }
      }
      acc[(size_t)tok * t->n + r] = sum;
    }
  }
  return TERN_OK;
}

const tern_backend_ops tern_backend_cpu = {"cpu", cpu_open, cpu_close, cpu_upload, cpu_release, cpu_matmul, NULL};
