/* SPDX-License-Identifier: Apache-2.0 */
/* Backend "cpu": ternary matmul on the host CPU. At upload the tensor's trits are put into a
 * compact row-major layout of the same format (T2: 2 bits per weight, T5: 5 weights a
 * byte), and the kernels (cpu_kernels.h: portable, AVX2 or AVX-512, chosen at open, forced by
 * TERN_CPU_KERNEL) read it from there, split over output rows on the device's thread pool. */
#include <stdlib.h>

#include "backend.h"
#include "cpu_kernels.h"

typedef struct {
  tern_geom geom;
  tern_pool *pool;
  tern_cpu_isa isa;
} cpu_state;

static void *cpu_open(tern_geom g, struct tern_pool *pool) {
  cpu_state *s = malloc(sizeof *s);
  if (!s) return NULL;
  s->geom = g;
  s->pool = pool;
  s->isa = tern_cpu_isa_select();
  return s;
}
static void cpu_close(void *state) { free(state); }

static void cpu_release(void *state, void *handle) {
  (void)state;
  tern_cpu_weights *t = handle;
  tern_cpu_weights_free(t);
  free(t);
}

static void *cpu_upload_trits(void *state, tern_format fmt, const int8_t *w, uint32_t k, uint32_t n) {
  (void)state;
  tern_cpu_weights *t = malloc(sizeof *t);
  if (!t) return NULL;
  if (tern_cpu_weights_from_trits(fmt, w, k, n, t) != TERN_OK) {
    free(t);
    return NULL;
  }
  return t;
}

static tern_status cpu_matmul(void *state, void *handle, const int8_t *xq, uint32_t tokens, int32_t *acc) {
  const cpu_state *s = state;
  return tern_cpu_matmul(handle, s->isa, s->pool, xq, tokens, acc);
}

/* a batch (a layer's q, k, v; gate and up) as one pass of the pool */
static tern_status cpu_matmul_batch(void *state, const tern_matmul_item *items, size_t count) {
  const cpu_state *s = state;
  enum { STACK_ITEMS = 8 };
  tern_cpu_matmul_item local[STACK_ITEMS] = {{0}}, *many = count <= STACK_ITEMS ? local : malloc(sizeof *many * count);
  if (!many) return TERN_ERR_NOMEM;
  for (size_t i = 0; i < count; i++) {
    const tern_cpu_matmul_item it = {items[i].handle, items[i].xq, items[i].tokens, items[i].acc};
    many[i] = it;
  }
  const tern_status st = tern_cpu_matmul_many(many, count, s->isa, s->pool);
  if (many != local) free(many);
  return st;
}

const tern_backend_ops tern_backend_cpu = {"cpu",      cpu_open,         cpu_close,        NULL, cpu_release,
                                           cpu_matmul, cpu_matmul_batch, cpu_upload_trits, NULL, NULL};
