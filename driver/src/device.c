/* SPDX-License-Identifier: Apache-2.0 */
/* The transport-free device core: a backend (backend.h) over any tern_hal. It checks the
 * device's identity and geometry, keeps weight streams in device memory, and runs matmuls
 * as jobs of up to T_MAX tokens through the descriptor registers, keeping the device's job
 * queue filled. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tern_cycle.h"
#include "tern_devmodel.h" /* act/result row strides and tokens per job: part of the register contract */

/* A job's time budget (docs/uart.md, "A job's budget"): the jobs outstanding since the device
 * last made progress (JOBS_DONE moved) must make it again within JOB_MARGIN x their cycles in
 * the cycle model (tern_cycle.h), plus JOB_SLACK_CYCLES when the transport counts device cycles;
 * without a cycle counter, within that many cycles at the device's clock (JOB_SLOW_CLOCK_HZ if
 * unknown) plus JOB_LINK_MS of wall time, because simulated boards run 100-1000x slower than
 * their clock and every poll crosses the link. */
enum { JOB_MARGIN = 8, JOB_SLACK_CYCLES = 100000, JOB_LINK_MS = 10000, JOB_SLOW_CLOCK_HZ = 1000000 };
/* The wait for the interrupt given to a transport that counts cycles (its own bound). */
enum { CYCLE_HAL_WAIT_MS = 60000 };

typedef struct {
  tern_hal hal;
  tern_geom g;
  uint32_t act_buf;     /* ACT_BUF: activation-buffer beats a job may fill */
  uint32_t queue_depth; /* QUEUE.DEPTH: jobs the device queues */
  uint32_t t_max;       /* PARAMS.T_MAX: most tokens per job (a board may build fewer) */
  uint64_t next;        /* bump allocator over device memory */
  unsigned live;        /* weight tensors alive; the allocator restarts when 0 */
  int unsettled;        /* a job group failed with jobs maybe still queued on the device */
  char *error;          /* the owning device's message buffer */
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
                   (uint32_t)t->fmt << TERN_REG_JOB_CFG_FMT_LSB | j->tokens << TERN_REG_JOB_CFG_TOKENS_LSB)) !=
          TERN_OK ||
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

static uint64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Progress watch over one group: what the device must do by when (see JOB_MARGIN). */
typedef struct {
  uint64_t t0_ms, t0_cycles, budget_ms, budget_cycles, polls;
  int counted; /* the transport counts device cycles: the budget is in them */
} watch;

static void watch_start(const hal_dev *d, watch *w, const job *jobs, size_t from, size_t to) {
  uint64_t cyc = 0;
  for (size_t i = from; i < to; i++) cyc += tern_job_cycles_tokens(d->g, jobs[i].t->k, jobs[i].t->n, jobs[i].tokens);
  w->counted = d->hal.cycles != NULL;
  w->t0_ms = wall_ms();
  w->t0_cycles = w->counted ? d->hal.cycles(d->hal.ctx) : 0;
  w->budget_cycles = JOB_MARGIN * cyc + JOB_SLACK_CYCLES;
  const uint32_t hz = d->hal.clock_hz && d->hal.clock_hz(d->hal.ctx) ? d->hal.clock_hz(d->hal.ctx) : JOB_SLOW_CLOCK_HZ;
  w->budget_ms = (JOB_MARGIN * cyc * 1000u + hz - 1) / hz + JOB_LINK_MS;
  w->polls = 0;
}

/* 1 when the watch's budget is spent. A counter that does not move at all (a mock's) is bounded
 * by JOB_LINK_MS of wall time instead. */
static int watch_over(const hal_dev *d, const watch *w) {
  const uint64_t ms = wall_ms() - w->t0_ms;
  if (!w->counted) return ms >= w->budget_ms;
  const uint64_t cyc = d->hal.cycles(d->hal.ctx) - w->t0_cycles;
  return cyc >= w->budget_cycles || (cyc == 0 && ms >= JOB_LINK_MS);
}

/* What the interrupt wait may take now: a transport without a cycle counter gets what is left
 * of the wall budget. */
static uint32_t watch_wait_ms(const watch *w) {
  if (w->counted) return CYCLE_HAL_WAIT_MS;
  const uint64_t ms = wall_ms() - w->t0_ms;
  return ms >= w->budget_ms ? 1u : (uint32_t)(w->budget_ms - ms);
}

/* "job 3 of 8 (K 512, N 1536, 8 tokens, T5)" */
static void job_name(char *buf, size_t size, const job *jobs, size_t i, size_t first, size_t total) {
  const job *j = &jobs[i];
  const char *f = tern_format_name(j->t->fmt);
  snprintf(buf, size, "job %zu of %zu (K %u, N %u, %u tokens, %s)", first + i, total, j->t->k, j->t->n, j->tokens,
           f ? f : "?");
}

/* "its budget of 10.0 s: ... 412 polls in 10.0 s" or, counting cycles, "... in 123456 cycles (0.3 s)" */
static void watch_budget(char *budget, char *spent, size_t size, const hal_dev *d, const watch *w) {
  const double s = (double)(wall_ms() - w->t0_ms) / 1000.0;
  if (w->counted) {
    snprintf(budget, size, "%llu device cycles", (unsigned long long)w->budget_cycles);
    snprintf(spent, size, "%llu polls in %llu cycles (%.1f s)", (unsigned long long)w->polls,
             (unsigned long long)(d->hal.cycles(d->hal.ctx) - w->t0_cycles), s);
  } else {
    snprintf(budget, size, "%.1f s", (double)w->budget_ms / 1000.0);
    snprintf(spent, size, "%llu polls in %.1f s", (unsigned long long)w->polls, s);
  }
}

/* Before a group: if an earlier group failed with jobs maybe still queued, they must have
 * drained, or their completions would be counted as this group's. */
static tern_status settle(hal_dev *d) {
  if (!d->unsettled) return TERN_OK;
  uint32_t status = 0, queue = 0;
  if (reg_rd(d, TERN_REG_STATUS_OFFSET, &status) != TERN_OK || reg_rd(d, TERN_REG_QUEUE_OFFSET, &queue) != TERN_OK) {
    snprintf(d->error, d->error_size, "device does not answer after an earlier job failed (reading STATUS, QUEUE)");
    return TERN_ERR_DEVICE;
  }
  const uint32_t level = (queue & TERN_REG_QUEUE_LEVEL_MASK) >> TERN_REG_QUEUE_LEVEL_LSB;
  if ((status & TERN_REG_STATUS_BUSY_MASK) || level) {
    snprintf(d->error, d->error_size,
             "device still busy with the jobs of an earlier call that failed (STATUS 0x%08x, QUEUE level %u): reset "
             "the device",
             status, level);
    return TERN_ERR_DEVICE;
  }
  d->unsettled = 0;
  return TERN_OK;
}

/* Run a group of jobs whose activations and results all fit in device memory at once, with up
 * to QUEUE.DEPTH of them queued on the device at any time, so the device
 * goes from one to the next without waiting for the host. JOBS_DONE counts the completions
 * (an interrupt may stand for several). After a failed job nothing more is queued; the
 * jobs already queued are waited for, so the device is idle when this returns. The device
 * must make progress within a budget (see JOB_MARGIN) or the group fails naming the job it
 * waited for; jobs first .. first + count - 1 of total, for messages. */
static tern_status run_group(hal_dev *d, job *jobs, size_t count, size_t first, size_t total) {
  size_t act_max = 0, res_max = 0;
  const uint64_t mark = d->next;
  tern_status st = settle(d);
  if (st != TERN_OK) return st;
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
  uint32_t base = 0, done_now = 0, irq = 0, errors = 0;
  size_t submitted = 0, completed = 0, watched = (size_t)-1;
  watch w;
  char jn[96], bud[64], spent[64];
  if ((st = reg_rd(d, TERN_REG_JOBS_DONE_OFFSET, &base)) != TERN_OK) goto fail;
  done_now = base;
  d->unsettled = 1; /* until the group ends with nothing left on the device */
  while (completed < count && !(errors && completed == submitted)) {
    while (!errors && submitted < count && submitted - completed < d->queue_depth)
      if ((st = submit(d, &jobs[submitted++], buf)) != TERN_OK) goto fail;
    if (watched != completed) { /* progress (or the start): a new budget for what is queued */
      watch_start(d, &w, jobs, completed, submitted);
      watched = completed;
    }
    if ((st = d->hal.wait_irq(d->hal.ctx, watch_wait_ms(&w))) != TERN_OK) {
      /* the transport's reason first (the reads below replace it), then what the device shows */
      char why[192] = "";
      const char *le = d->hal.last_error ? d->hal.last_error(d->hal.ctx) : NULL;
      if (le && *le) snprintf(why, sizeof why, " (%s)", le);
      uint32_t seen = 0, is = 0;
      int got = reg_rd(d, TERN_REG_JOBS_DONE_OFFSET, &seen) == TERN_OK &&
                reg_rd(d, TERN_REG_IRQ_STATUS_OFFSET, &is) == TERN_OK;
      job_name(jn, sizeof jn, jobs, completed, first, total);
      watch_budget(bud, spent, sizeof bud, d, &w);
      if (got)
        snprintf(d->error, d->error_size,
                 "%s did not complete: the interrupt wait failed%s, budget %s; JOBS_DONE %u (%u of %zu queued "
                 "done), IRQ_STATUS 0x%08x, %s",
                 jn, why, bud, seen, seen - base, submitted, is, spent);
      else /* the transport's reason is appended by the caller (tern.c) */
        snprintf(d->error, d->error_size, "%s did not complete: the interrupt wait failed, budget %s, %s", jn, bud,
                 spent);
      st = TERN_ERR_DEVICE;
      goto out;
    }
    const uint32_t before = done_now;
    if ((st = reg_rd(d, TERN_REG_IRQ_STATUS_OFFSET, &irq)) != TERN_OK ||
        (st = reg_wr(d, TERN_REG_IRQ_STATUS_OFFSET, irq)) != TERN_OK ||
        (st = reg_rd(d, TERN_REG_JOBS_DONE_OFFSET, &done_now)) != TERN_OK)
      goto fail;
    w.polls++;
    if (irq & TERN_REG_IRQ_STATUS_ERROR_MASK) errors++;
    job_name(jn, sizeof jn, jobs, completed, first, total);
    if ((int32_t)(done_now - before) < 0) { /* a counter of completions never goes back */
      snprintf(d->error, d->error_size, "JOBS_DONE went backwards from %u to %u while waiting for %s", before, done_now,
               jn);
      st = TERN_ERR_DEVICE;
      goto out;
    }
    if ((uint32_t)(done_now - base) > submitted) {
      snprintf(d->error, d->error_size,
               "JOBS_DONE jumped from %u to %u, past the %zu queued, while waiting for %s (it read %u before the "
               "first)",
               before, done_now, submitted, jn, base);
      st = TERN_ERR_DEVICE;
      goto out;
    }
    completed = (uint32_t)(done_now - base);
    if (watched == completed && watch_over(d, &w)) {
      watch_budget(bud, spent, sizeof bud, d, &w);
      snprintf(d->error, d->error_size,
               "%s did not complete within its budget of %s: JOBS_DONE stayed at %u (%zu of %zu queued done), "
               "IRQ_STATUS 0x%08x, interrupt line high, %s",
               jn, bud, done_now, completed, submitted, irq, spent);
      st = TERN_ERR_DEVICE;
      goto out;
    }
  }
  d->unsettled = 0;
  if (errors) {
    uint32_t status = 0;
    reg_rd(d, TERN_REG_STATUS_OFFSET, &status);
    uint32_t code = (status & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB;
    snprintf(d->error, d->error_size, "device refused a job: error %u (%s)", code, tern_deverr_name(code));
    st = TERN_ERR_DEVICE;
    goto out;
  }
  for (size_t i = 0; i < count && st == TERN_OK; i++)
    if ((st = collect(d, &jobs[i], buf)) != TERN_OK) {
      job_name(jn, sizeof jn, jobs, i, first, total);
      snprintf(d->error, d->error_size, "reading the results of %s failed", jn);
    }
  goto out;
fail:
  if (completed < count) {
    job_name(jn, sizeof jn, jobs, completed, first, total);
    snprintf(d->error, d->error_size, "device did not complete the job (%s): %s", tern_strerror(st), jn);
  } else {
    snprintf(d->error, d->error_size, "device did not complete the job (%s)", tern_strerror(st));
  }
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
    tern_status st = run_group(d, jobs + start, end - start, start, count);
    if (st != TERN_OK) return st;
    start = end;
  }
  return TERN_OK;
}

/* Most tokens one job of input width k may have on this device (its ACT_BUF and T_MAX registers). */
static uint32_t tokens_per_job(const hal_dev *d, uint32_t k) {
  return tern_devmodel_tokens_per_job(d->g, d->act_buf, d->t_max, k);
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

const tern_backend_ops tern_backend_hal = {"hal",           NULL, hd_close,  hd_upload, hd_release, hd_matmul,
                                           hd_matmul_batch, NULL, hd_cycles, hd_toggles};
