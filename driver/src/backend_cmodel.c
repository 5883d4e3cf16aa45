/* Backend "cmodel": the golden model of the MAC array computes from the packed stream. */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "tern_mac.h"

typedef struct {
  tern_format fmt;
  uint32_t k, n;
  uint8_t *stream;
} cmodel_tensor;

static void *cm_open(tern_geom g) {
  tern_geom *s = malloc(sizeof *s);
  if (s) *s = g;
  return s;
}
static void cm_close(void *state) { free(state); }

static void *cm_upload(void *state, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n) {
  const tern_geom *g = state;
  size_t bytes = tern_stream_bytes(*g, fmt, k, n);
  cmodel_tensor *t = malloc(sizeof *t);
  uint8_t *copy = malloc(bytes);
  if (!t || !copy) {
    free(t);
    free(copy);
    return NULL;
  }
  memcpy(copy, stream, bytes);
  t->fmt = fmt;
  t->k = k;
  t->n = n;
  t->stream = copy;
  return t;
}

static void cm_release(void *state, void *handle) {
  (void)state;
  cmodel_tensor *t = handle;
  if (t) free(t->stream);
  free(t);
}

static tern_status cm_matmul(void *state, void *handle, const int8_t *xq, uint32_t tokens, int32_t *acc) {
  const tern_geom *g = state;
  const cmodel_tensor *t = handle;
  return tern_matmul(*g, t->fmt, t->stream, t->k, t->n, tokens, xq, acc);
}

const tern_backend_ops tern_backend_cmodel = {"cmodel", cm_open, cm_close, cm_upload, cm_release, cm_matmul};
