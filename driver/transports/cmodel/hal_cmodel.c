/* SPDX-License-Identifier: Apache-2.0 */
/* Transport "cmodel": the HAL over the C device model (cmodel/tern_devmodel.h), with device
 * memory in host RAM. Waiting for the interrupt lets the model run its queued jobs. */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "hal.h"
#include "tern_devmodel.h"

typedef struct {
  tern_devmodel *dm;
  uint8_t *mem;
  size_t size;
} cmodel_ctx;

static tern_status cm_reg_read(void *c, uint32_t off, uint32_t *v) {
  return tern_devmodel_read(((cmodel_ctx *)c)->dm, off, v) == 0 ? TERN_OK : TERN_ERR_DEVICE;
}
static tern_status cm_reg_write(void *c, uint32_t off, uint32_t v) {
  return tern_devmodel_write(((cmodel_ctx *)c)->dm, off, v) == 0 ? TERN_OK : TERN_ERR_DEVICE;
}
static tern_status cm_mem_write(void *c, uint64_t addr, const void *src, size_t len) {
  cmodel_ctx *x = c;
  if (addr > x->size || len > x->size - addr) return TERN_ERR_DEVICE;
  memcpy(x->mem + addr, src, len);
  return TERN_OK;
}
static tern_status cm_mem_read(void *c, uint64_t addr, void *dst, size_t len) {
  cmodel_ctx *x = c;
  if (addr > x->size || len > x->size - addr) return TERN_ERR_DEVICE;
  memcpy(dst, x->mem + addr, len);
  return TERN_OK;
}
static tern_status cm_wait_irq(void *c, uint32_t timeout_ms) {
  (void)timeout_ms;
  cmodel_ctx *x = c;
  tern_devmodel_run(x->dm, 0);
  return tern_devmodel_irq(x->dm) ? TERN_OK : TERN_ERR_DEVICE;
}
static void cm_close(void *c) {
  cmodel_ctx *x = c;
  tern_devmodel_free(x->dm);
  free(x->mem);
  free(x);
}

tern_status tern_cmodel_hal_open(tern_geom g, size_t mem_size, tern_hal *hal) {
  cmodel_ctx *x = calloc(1, sizeof *x);
  if (!x) return TERN_ERR_NOMEM;
  x->size = mem_size;
  x->mem = calloc(1, mem_size); /* untouched pages cost nothing */
  x->dm = x->mem ? tern_devmodel_new(g, x->mem, mem_size) : NULL;
  if (!x->dm) {
    free(x->mem);
    free(x);
    return TERN_ERR_NOMEM;
  }
  tern_hal h = {x,           mem_size, cm_reg_read, cm_reg_write, cm_mem_write, cm_mem_read,
                cm_wait_irq, cm_close, NULL,        NULL,         NULL,         NULL};
  *hal = h;
  return TERN_OK;
}
