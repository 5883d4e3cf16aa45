/* The transport-free device core: a backend (backend.h) over any tern_hal. It checks the
 * device's identity and geometry, keeps weight streams in device memory, and runs each
 * matmul as jobs of up to T_MAX tokens through the descriptor registers. */
#include "device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_devmodel.h" /* act/result row strides: part of the register contract */

typedef struct {
  tern_hal hal;
  tern_geom g;
  uint32_t act_buf;   /* ACT_BUF: activation-buffer beats a job may fill */
  uint64_t next;      /* bump allocator over device memory */
  unsigned live;      /* weight tensors alive; the allocator restarts when 0 */
  char *error;        /* the owning device's message buffer */
  size_t error_size;
} hal_dev;

typedef struct {
  uint64_t addr;
  uint32_t k, n;
  tern_format fmt;
} hal_tensor;

static uint64_t align_up(uint64_t v) { return (v + TERN_ADDR_ALIGN - 1) / TERN_ADDR_ALIGN * TERN_ADDR_ALIGN; }

static tern_status reg_rd(hal_dev *d, uint32_t off, uint32_t *v) { return d->hal.reg_read(d->hal.ctx, off, v); }
static tern_status reg_wr(hal_dev *d, uint32_t off, uint32_t v) { return d->hal.reg_write(d->hal.ctx, off, v); }

tern_status tern_hal_device_open(const tern_hal *hal, tern_geom g, void **state, char *err, size_t err_size) {
  uint32_t id = 0, ver = 0, params = 0, act_buf = 0;
  tern_status st;
  if ((st = hal->reg_read(hal->ctx, TERN_REG_ID_OFFSET, &id)) != TERN_OK ||
      (st = hal->reg_read(hal->ctx, TERN_REG_VERSION_OFFSET, &ver)) != TERN_OK ||
      (st = hal->reg_read(hal->ctx, TERN_REG_PARAMS_OFFSET, &params)) != TERN_OK ||
      (st = hal->reg_read(hal->ctx, TERN_REG_ACT_BUF_OFFSET, &act_buf)) != TERN_OK) {
    snprintf(err, err_size, "device does not answer register reads");
    return TERN_ERR_DEVICE;
  }
  if (id != TERN_REG_ID_RESET || ver != TERN_REG_VERSION_RESET) {
    snprintf(err, err_size, "not a tern device of register map %u: ID 0x%08x, VERSION %u", TERN_REG_VERSION_RESET, id,
             ver);
    return TERN_ERR_DEVICE;
  }
  uint32_t rows = (params & TERN_REG_PARAMS_ROWS_MASK) >> TERN_REG_PARAMS_ROWS_LSB;
  uint32_t lanes = (params & TERN_REG_PARAMS_LANES_MASK) >> TERN_REG_PARAMS_LANES_LSB;
  if (rows != g.rows || lanes != g.lanes) {
    snprintf(err, err_size, "device array is %ux%u, the driver packs for %ux%u", rows, lanes, g.rows, g.lanes);
    return TERN_ERR_DEVICE;
  }
  hal_dev *d = calloc(1, sizeof *d);
  if (!d) return TERN_ERR_NOMEM;
  d->hal = *hal;
  d->g = g;
  d->act_buf = act_buf;
  d->error = err;
  d->error_size = err_size;
  /* Clear stale interrupt causes; the driver polls with interrupts enabled. */
  if ((st = reg_wr(d, TERN_REG_IRQ_STATUS_OFFSET, TERN_REG_IRQ_STATUS_DONE_MASK | TERN_REG_IRQ_STATUS_ERROR_MASK)) !=
          TERN_OK ||
      (st = reg_wr(d, TERN_REG_CTRL_OFFSET, TERN_REG_CTRL_IRQ_EN_MASK)) != TERN_OK) {
    free(d);
    snprintf(err, err_size, "device refused its control registers");
    return TERN_ERR_DEVICE;
  }
  *state = d;
  return TERN_OK;
}

static void hd_close(void *state) {
  hal_dev *d = state;
  if (!d) return;
  if (d->hal.close) d->hal.close(d->hal.ctx);
  free(d);
}

static int alloc(hal_dev *d, uint64_t bytes, uint64_t *addr) {
  uint64_t a = align_up(d->next);
  if (bytes > d->hal.mem_size || a > d->hal.mem_size - bytes) return -1;
  *addr = a;
  d->next = a + bytes;
  return 0;
}

static void *hd_upload(void *state, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n) {
  hal_dev *d = state;
  size_t bytes = tern_stream_bytes(d->g, fmt, k, n);
  hal_tensor *t = malloc(sizeof *t);
  if (!t) return NULL;
  if (alloc(d, bytes, &t->addr) != 0) {
    snprintf(d->error, d->error_size, "device memory full: %zu bytes of weights do not fit in %zu", bytes,
             d->hal.mem_size);
    free(t);
    return NULL;
  }
  if (d->hal.mem_write(d->hal.ctx, t->addr, stream, bytes) != TERN_OK) {
    free(t);
    return NULL;
  }
  t->k = k, t->n = n, t->fmt = fmt;
  d->live++;
  return t;
}

static void hd_release(void *state, void *handle) {
  hal_dev *d = state;
  free(handle);
  if (handle && --d->live == 0) d->next = 0;
}

static const char *deverr_name(uint32_t code) {
  static const char *const names[] = {"NONE", "BAD_K", "BAD_N", "BAD_FMT", "BAD_TOKENS", "MISALIGNED", "BUS_ERROR",
                                      "QUEUE_FULL", "ACT_OVERFLOW"};
  return code < sizeof names / sizeof names[0] ? names[code] : "unknown";
}

/* One job of `tokens` <= T_MAX tokens: activations in, descriptor, doorbell, wait, results out. */
static tern_status run_chunk(hal_dev *d, const hal_tensor *t, const int8_t *xq, uint32_t tokens, int32_t *acc) {
  const size_t as = tern_devmodel_act_stride(t->k), os = tern_devmodel_res_stride(t->n);
  uint64_t a_addr, o_addr;
  const uint64_t mark = d->next;
  tern_status st = TERN_OK;
  uint8_t *buf = NULL;
  if (alloc(d, as * tokens, &a_addr) != 0 || alloc(d, os * tokens, &o_addr) != 0) {
    d->next = mark;
    snprintf(d->error, d->error_size, "device memory full: no room for activations and results");
    return TERN_ERR_DEVICE;
  }
  buf = calloc(1, as > os ? as * tokens : os * tokens);
  if (!buf) {
    d->next = mark;
    return TERN_ERR_NOMEM;
  }
  for (uint32_t i = 0; i < tokens; i++) memcpy(buf + i * as, xq + (size_t)i * t->k, t->k);
  uint32_t irq = 0, status = 0;
  if ((st = d->hal.mem_write(d->hal.ctx, a_addr, buf, as * tokens)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_JOB_K_OFFSET, t->k)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_JOB_N_OFFSET, t->n)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_JOB_CFG_OFFSET,
                   (uint32_t)t->fmt << TERN_REG_JOB_CFG_FMT_LSB | tokens << TERN_REG_JOB_CFG_TOKENS_LSB)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_JOB_W_ADDR_OFFSET, (uint32_t)t->addr)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_JOB_A_ADDR_OFFSET, (uint32_t)a_addr)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_JOB_O_ADDR_OFFSET, (uint32_t)o_addr)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_DOORBELL_OFFSET, 1)) != TERN_OK ||
      (st = d->hal.wait_irq(d->hal.ctx, 60000)) != TERN_OK ||
      (st = reg_rd(d, TERN_REG_IRQ_STATUS_OFFSET, &irq)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_IRQ_STATUS_OFFSET, irq)) != TERN_OK) {
    snprintf(d->error, d->error_size, "device did not complete the job (%s)", tern_strerror(st));
    st = TERN_ERR_DEVICE;
    goto done;
  }
  if (irq & TERN_REG_IRQ_STATUS_ERROR_MASK) {
    reg_rd(d, TERN_REG_STATUS_OFFSET, &status);
    uint32_t code = (status & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB;
    snprintf(d->error, d->error_size, "device refused the job: error %u (%s)", code, deverr_name(code));
    st = TERN_ERR_DEVICE;
    goto done;
  }
  if ((st = d->hal.mem_read(d->hal.ctx, o_addr, buf, os * tokens)) != TERN_OK) goto done;
  for (uint32_t i = 0; i < tokens; i++)
    for (uint32_t r = 0; r < t->n; r++) {
      const uint8_t *p = buf + i * os + 4 * (size_t)r;
      acc[(size_t)i * t->n + r] =
          (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
    }
done:
  free(buf);
  d->next = mark;
  return st;
}

static tern_status hd_matmul(void *state, void *handle, const int8_t *xq, uint32_t tokens, int32_t *acc) {
  hal_dev *d = state;
  const hal_tensor *t = handle;
  /* A job holds its tokens' activations on chip: TOKENS * ceil(K / LANES) <= ACT_BUF. */
  const uint32_t beats = (t->k + d->g.lanes - 1) / d->g.lanes;
  uint32_t per_job = d->act_buf / beats;
  if (per_job > TERN_T_MAX) per_job = TERN_T_MAX;
  if (per_job == 0) {
    snprintf(d->error, d->error_size, "K = %u needs %u activation-buffer beats; the device has %u", t->k, beats,
             d->act_buf);
    return TERN_ERR_SHAPE;
  }
  for (uint32_t t0 = 0; t0 < tokens; t0 += per_job) {
    uint32_t c = tokens - t0 < per_job ? tokens - t0 : per_job;
    tern_status st = run_chunk(d, t, xq + (size_t)t0 * t->k, c, acc + (size_t)t0 * t->n);
    if (st != TERN_OK) return st;
  }
  return TERN_OK;
}

const tern_backend_ops tern_backend_hal = {"hal", NULL, hd_close, hd_upload, hd_release, hd_matmul};
