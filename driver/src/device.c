/* The transport-free device core: a backend (backend.h) over any tern_hal. It checks the
 * device's identity and geometry, keeps weight streams in device memory, and runs matmuls
 * as jobs of up to T_MAX tokens through the descriptor registers, keeping the device's job
 * queue filled. */
#include "device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_devmodel.h" /* act/result row strides: part of the register contract */

typedef struct {
  tern_hal hal;
  tern_geom g;
  uint32_t act_buf;   /* ACT_BUF: activation-buffer beats a job may fill */
  uint32_t queue_depth; /* QUEUE.DEPTH: jobs the device queues */
  uint32_t t_max;     /* PARAMS.T_MAX: most tokens per job (a board may build fewer) */
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
  uint32_t id = 0, ver = 0, params = 0, act_buf = 0, queue = 0;
  tern_status st;
  if ((st = hal->reg_read(hal->ctx, TERN_REG_ID_OFFSET, &id)) != TERN_OK ||
      (st = hal->reg_read(hal->ctx, TERN_REG_VERSION_OFFSET, &ver)) != TERN_OK ||
      (st = hal->reg_read(hal->ctx, TERN_REG_PARAMS_OFFSET, &params)) != TERN_OK ||
      (st = hal->reg_read(hal->ctx, TERN_REG_ACT_BUF_OFFSET, &act_buf)) != TERN_OK ||
      (st = hal->reg_read(hal->ctx, TERN_REG_QUEUE_OFFSET, &queue)) != TERN_OK) {
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
  d->t_max = (params & TERN_REG_PARAMS_T_MAX_MASK) >> TERN_REG_PARAMS_T_MAX_LSB;
  if (d->t_max == 0 || d->t_max > TERN_T_MAX) d->t_max = TERN_T_MAX;
  d->queue_depth = (queue & TERN_REG_QUEUE_DEPTH_MASK) >> TERN_REG_QUEUE_DEPTH_LSB;
  if (d->queue_depth == 0) d->queue_depth = 1;
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

/* One device job: up to T_MAX tokens of one matmul, and where its data lives on the device. */
typedef struct {
  const hal_tensor *t;
  const int8_t *xq;
  uint32_t tokens;
  int32_t *acc;
  uint64_t a_addr, o_addr;
} job;

static tern_status submit(hal_dev *d, const job *j, uint8_t *buf) {
  const hal_tensor *t = j->t;
  const size_t as = tern_devmodel_act_stride(t->k);
  memset(buf, 0, as * j->tokens);
  for (uint32_t i = 0; i < j->tokens; i++) memcpy(buf + i * as, j->xq + (size_t)i * t->k, t->k);
  tern_status st;
  if ((st = d->hal.mem_write(d->hal.ctx, j->a_addr, buf, as * j->tokens)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_JOB_K_OFFSET, t->k)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_JOB_N_OFFSET, t->n)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_JOB_CFG_OFFSET,
                   (uint32_t)t->fmt << TERN_REG_JOB_CFG_FMT_LSB | j->tokens << TERN_REG_JOB_CFG_TOKENS_LSB)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_JOB_W_ADDR_OFFSET, (uint32_t)t->addr)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_JOB_A_ADDR_OFFSET, (uint32_t)j->a_addr)) != TERN_OK ||
      (st = reg_wr(d, TERN_REG_JOB_O_ADDR_OFFSET, (uint32_t)j->o_addr)) != TERN_OK)
    return st;
  return reg_wr(d, TERN_REG_DOORBELL_OFFSET, 1);
}

static tern_status collect(hal_dev *d, const job *j, uint8_t *buf) {
  const hal_tensor *t = j->t;
  const size_t os = tern_devmodel_res_stride(t->n);
  tern_status st = d->hal.mem_read(d->hal.ctx, j->o_addr, buf, os * j->tokens);
  if (st != TERN_OK) return st;
  for (uint32_t i = 0; i < j->tokens; i++)
    for (uint32_t r = 0; r < t->n; r++) {
      const uint8_t *p = buf + i * os + 4 * (size_t)r;
      j->acc[(size_t)i * t->n + r] =
          (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
    }
  return TERN_OK;
}

/* Run a group of jobs whose activations and results all fit in device memory at once, with up
 * to QUEUE.DEPTH of them queued on the device at any time, so the device
 * goes from one to the next without waiting for the host. JOBS_DONE counts the completions
 * (an interrupt may stand for several). After a failed job nothing more is queued; the
 * jobs already queued are waited for, so the device is idle when this returns. */
static tern_status run_group(hal_dev *d, job *jobs, size_t count) {
  size_t act_max = 0, res_max = 0;
  const uint64_t mark = d->next;
  for (size_t i = 0; i < count; i++) {
    const size_t as = tern_devmodel_act_stride(jobs[i].t->k) * jobs[i].tokens;
    const size_t os = tern_devmodel_res_stride(jobs[i].t->n) * jobs[i].tokens;
    if (alloc(d, as, &jobs[i].a_addr) != 0 || alloc(d, os, &jobs[i].o_addr) != 0) {
      d->next = mark;
      snprintf(d->error, d->error_size, "device memory full: no room for the activations and results of %zu jobs",
               count);
      return TERN_ERR_DEVICE;
    }
    if (as > act_max) act_max = as;
    if (os > res_max) res_max = os;
  }
  uint8_t *buf = malloc(act_max > res_max ? act_max : res_max);
  if (!buf) {
    d->next = mark;
    return TERN_ERR_NOMEM;
  }
  tern_status st = TERN_OK;
  uint32_t base = 0, done_now = 0, irq = 0, errors = 0;
  size_t submitted = 0, completed = 0;
  if ((st = reg_rd(d, TERN_REG_JOBS_DONE_OFFSET, &base)) != TERN_OK) goto fail;
  while (completed < count && !(errors && completed == submitted)) {
    while (!errors && submitted < count && submitted - completed < d->queue_depth)
      if ((st = submit(d, &jobs[submitted++], buf)) != TERN_OK) goto fail;
    if ((st = d->hal.wait_irq(d->hal.ctx, 60000)) != TERN_OK ||
        (st = reg_rd(d, TERN_REG_IRQ_STATUS_OFFSET, &irq)) != TERN_OK ||
        (st = reg_wr(d, TERN_REG_IRQ_STATUS_OFFSET, irq)) != TERN_OK ||
        (st = reg_rd(d, TERN_REG_JOBS_DONE_OFFSET, &done_now)) != TERN_OK)
      goto fail;
    if (irq & TERN_REG_IRQ_STATUS_ERROR_MASK) errors++;
    completed = (uint32_t)(done_now - base);
    if (completed > submitted) {
      snprintf(d->error, d->error_size, "device reports %zu jobs done of %zu queued", completed, submitted);
      st = TERN_ERR_DEVICE;
      goto out;
    }
  }
  if (errors) {
    uint32_t status = 0;
    reg_rd(d, TERN_REG_STATUS_OFFSET, &status);
    uint32_t code = (status & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB;
    snprintf(d->error, d->error_size, "device refused a job: error %u (%s)", code, deverr_name(code));
    st = TERN_ERR_DEVICE;
    goto out;
  }
  for (size_t i = 0; i < count && st == TERN_OK; i++) st = collect(d, &jobs[i], buf);
  goto out;
fail:
  snprintf(d->error, d->error_size, "device did not complete the job (%s)", tern_strerror(st));
  st = TERN_ERR_DEVICE;
out:
  free(buf);
  d->next = mark;
  return st;
}

/* Run the jobs in groups that fit the device memory left over by the weights (a board with
 * its weights on chip has little), each group as one run_group. */
static tern_status run_jobs(hal_dev *d, job *jobs, size_t count) {
  size_t start = 0;
  while (start < count) {
    uint64_t at = d->next, a;
    size_t end = start;
    for (; end < count; end++) {
      const uint64_t need[2] = {tern_devmodel_act_stride(jobs[end].t->k) * (uint64_t)jobs[end].tokens,
                                tern_devmodel_res_stride(jobs[end].t->n) * (uint64_t)jobs[end].tokens};
      int fits = 1;
      for (int b = 0; b < 2 && fits; b++) {
        a = align_up(at);
        fits = need[b] <= d->hal.mem_size && a <= d->hal.mem_size - need[b];
        at = a + need[b];
      }
      if (!fits) break;
    }
    if (end == start) {
      snprintf(d->error, d->error_size,
               "device memory full: one job (K %u, N %u, %u tokens) needs %zu bytes for its activations and results; "
               "%llu of %zu bytes are free after the weights",
               jobs[start].t->k, jobs[start].t->n, jobs[start].tokens,
               (tern_devmodel_act_stride(jobs[start].t->k) + tern_devmodel_res_stride(jobs[start].t->n)) *
                   jobs[start].tokens,
               (unsigned long long)(d->hal.mem_size > d->next ? d->hal.mem_size - d->next : 0), d->hal.mem_size);
      return TERN_ERR_DEVICE;
    }
    tern_status st = run_group(d, jobs + start, end - start);
    if (st != TERN_OK) return st;
    start = end;
  }
  return TERN_OK;
}

/* Most tokens one job of input width k may have: TOKENS <= PARAMS.T_MAX and TOKENS * ceil(K / LANES)
 * <= ACT_BUF (a job holds its tokens' activations on chip). 0: not even one fits. */
static uint32_t tokens_per_job(const hal_dev *d, uint32_t k) {
  const uint32_t per_job = d->act_buf / ((k + d->g.lanes - 1) / d->g.lanes);
  return per_job > d->t_max ? d->t_max : per_job;
}

/* Cut the matmuls into jobs of at most tokens_per_job tokens and run them. */
static tern_status hd_matmul_batch(void *state, const tern_matmul_item *items, size_t count) {
  hal_dev *d = state;
  size_t njobs = 0;
  for (size_t i = 0; i < count; i++) {
    const hal_tensor *t = items[i].handle;
    const uint32_t per_job = tokens_per_job(d, t->k);
    if (per_job == 0) {
      snprintf(d->error, d->error_size, "K = %u needs %u activation-buffer beats; the device has %u", t->k,
               (t->k + d->g.lanes - 1) / d->g.lanes, d->act_buf);
      return TERN_ERR_SHAPE;
    }
    njobs += (items[i].tokens + per_job - 1) / per_job;
  }
  job *jobs = calloc(njobs ? njobs : 1, sizeof *jobs);
  if (!jobs) return TERN_ERR_NOMEM;
  size_t n = 0;
  for (size_t i = 0; i < count; i++) {
    const hal_tensor *t = items[i].handle;
    const uint32_t per_job = tokens_per_job(d, t->k);
    for (uint32_t t0 = 0; t0 < items[i].tokens; t0 += per_job) {
      job *j = &jobs[n++];
      j->t = t;
      j->tokens = items[i].tokens - t0 < per_job ? items[i].tokens - t0 : per_job;
      j->xq = items[i].xq + (size_t)t0 * t->k;
      j->acc = items[i].acc + (size_t)t0 * t->n;
    }
  }
  tern_status st = run_jobs(d, jobs, n);
  free(jobs);
  return st;
}

static tern_status hd_matmul(void *state, void *handle, const int8_t *xq, uint32_t tokens, int32_t *acc) {
  tern_matmul_item item = {handle, xq, tokens, acc};
  return hd_matmul_batch(state, &item, 1);
}

static int hd_cycles(void *state, uint64_t *cycles) {
  const hal_dev *d = state;
  if (!d->hal.cycles) return 0;
  *cycles = d->hal.cycles(d->hal.ctx);
  return 1;
}

static int hd_toggles(void *state, uint64_t counts[], uint32_t bits[], uint64_t *cycles) {
  const hal_dev *d = state;
  return d->hal.toggles ? d->hal.toggles(d->hal.ctx, counts, bits, cycles) : 0;
}

const tern_backend_ops tern_backend_hal = {"hal",     NULL,      hd_close,        hd_upload, hd_release,
                                           hd_matmul, hd_matmul_batch, NULL, hd_cycles, hd_toggles};
