/* SPDX-License-Identifier: Apache-2.0 */
/* The register-level device model (tern_devmodel.h). */
#include "tern_devmodel.h"

#include <stdlib.h>
#include <string.h>

#include "tern_cycle.h"
#include "tern_mac.h"

typedef struct {
  uint32_t k, n, cfg, w_addr, a_addr, o_addr;
} descriptor;

struct tern_devmodel {
  tern_geom g;
  tern_devmodel_cfg cfg;
  uint8_t *mem;
  size_t mem_size;
  const uint8_t *wmem; /* the device's own weight memory (tern_devmodel_set_wmem), or NULL */
  size_t wmem_size;
  descriptor job; /* the JOB_* registers */
  unsigned head, level;
  uint32_t ctrl, err, irq_status, jobs_done, cycles;
  descriptor queue[]; /* ring of cfg.queue_depth waiting descriptors */
};

static size_t pad(size_t v) { return (v + TERN_ADDR_ALIGN - 1) / TERN_ADDR_ALIGN * TERN_ADDR_ALIGN; }
size_t tern_devmodel_act_stride(uint32_t k) { return pad(k); }
size_t tern_devmodel_res_stride(uint32_t n) { return pad((size_t)n * 4); }

tern_devmodel_cfg tern_devmodel_cfg_default(void) {
  tern_devmodel_cfg c = {TERN_T_MAX, TERN_QUEUE_DEPTH, TERN_ACT_BUF_BEATS, TERN_FORMATS_MASK, TERN_ADDR_ALIGN};
  return c;
}

tern_status tern_devmodel_cfg_check(tern_devmodel_cfg c) {
  const uint32_t t_field = TERN_REG_PARAMS_T_MAX_MASK >> TERN_REG_PARAMS_T_MAX_LSB;
  const uint32_t tok_field = TERN_REG_JOB_CFG_TOKENS_MASK >> TERN_REG_JOB_CFG_TOKENS_LSB;
  const uint32_t depth_field = TERN_REG_QUEUE_DEPTH_MASK >> TERN_REG_QUEUE_DEPTH_LSB;
  const uint32_t level_field = TERN_REG_QUEUE_LEVEL_MASK >> TERN_REG_QUEUE_LEVEL_LSB;
  if (c.t_max == 0 || c.t_max > t_field || c.t_max > tok_field) return TERN_ERR_ARG;
  if (c.queue_depth == 0 || c.queue_depth > depth_field || c.queue_depth > level_field) return TERN_ERR_ARG;
  if (c.act_buf_beats == 0) return TERN_ERR_ARG;
  if (c.formats == 0 || (c.formats & ~(uint32_t)TERN_FORMATS_MASK)) return TERN_ERR_ARG;
  if (c.w_align != 0 && (c.w_align < TERN_ADDR_ALIGN || c.w_align > 128 || (c.w_align & (c.w_align - 1))))
    return TERN_ERR_ARG;
  return TERN_OK;
}

tern_devmodel *tern_devmodel_new(tern_geom g, uint8_t *mem, size_t mem_size) {
  return tern_devmodel_new_cfg(g, tern_devmodel_cfg_default(), mem, mem_size);
}

tern_devmodel *tern_devmodel_new_cfg(tern_geom g, tern_devmodel_cfg cfg, uint8_t *mem, size_t mem_size) {
  if (tern_geom_check(g) != TERN_OK || tern_devmodel_cfg_check(cfg) != TERN_OK || (!mem && mem_size)) return NULL;
  tern_devmodel *dm = calloc(1, sizeof *dm + (size_t)cfg.queue_depth * sizeof dm->queue[0]);
  if (!dm) return NULL;
  dm->g = g;
  dm->cfg = cfg;
  if (dm->cfg.w_align == 0) dm->cfg.w_align = TERN_ADDR_ALIGN;
  dm->mem = mem;
  dm->mem_size = mem_size;
  return dm;
}

void tern_devmodel_free(tern_devmodel *dm) { free(dm); }

void tern_devmodel_set_wmem(tern_devmodel *dm, const uint8_t *w, size_t bytes) {
  dm->wmem = bytes ? w : NULL;
  dm->wmem_size = w ? bytes : 0;
}

int tern_devmodel_irq(const tern_devmodel *dm) { return (dm->ctrl & TERN_REG_CTRL_IRQ_EN_MASK) && dm->irq_status != 0; }

int tern_devmodel_read(tern_devmodel *dm, uint32_t off, uint32_t *v) {
  switch (off) {
    case TERN_REG_ID_OFFSET: *v = TERN_REG_ID_RESET; return 0;
    case TERN_REG_VERSION_OFFSET: *v = TERN_REG_VERSION_RESET; return 0;
    case TERN_REG_PARAMS_OFFSET:
      *v = (dm->g.rows & 0xFFu) << TERN_REG_PARAMS_ROWS_LSB | (dm->g.lanes & 0xFFu) << TERN_REG_PARAMS_LANES_LSB |
           dm->cfg.formats << TERN_REG_PARAMS_FORMATS_LSB | dm->cfg.t_max << TERN_REG_PARAMS_T_MAX_LSB;
      return 0;
    case TERN_REG_QUEUE_OFFSET:
      *v = dm->cfg.queue_depth << TERN_REG_QUEUE_DEPTH_LSB | dm->level << TERN_REG_QUEUE_LEVEL_LSB;
      return 0;
    case TERN_REG_CTRL_OFFSET: *v = dm->ctrl; return 0;
    case TERN_REG_STATUS_OFFSET:
      *v = (dm->level ? TERN_REG_STATUS_BUSY_MASK : 0) | dm->err << TERN_REG_STATUS_ERR_LSB;
      return 0;
    case TERN_REG_IRQ_STATUS_OFFSET: *v = dm->irq_status; return 0;
    case TERN_REG_JOBS_DONE_OFFSET: *v = dm->jobs_done; return 0;
    case TERN_REG_JOB_K_OFFSET: *v = dm->job.k; return 0;
    case TERN_REG_JOB_N_OFFSET: *v = dm->job.n; return 0;
    case TERN_REG_JOB_CFG_OFFSET: *v = dm->job.cfg; return 0;
    case TERN_REG_JOB_W_ADDR_OFFSET: *v = dm->job.w_addr; return 0;
    case TERN_REG_JOB_A_ADDR_OFFSET: *v = dm->job.a_addr; return 0;
    case TERN_REG_JOB_O_ADDR_OFFSET: *v = dm->job.o_addr; return 0;
    case TERN_REG_ACT_BUF_OFFSET: *v = dm->cfg.act_buf_beats; return 0;
    case TERN_REG_CYCLES_OFFSET: *v = dm->cycles; return 0;
    default: return -1; /* DOORBELL is write-only; everything else is not a register */
  }
}

static void fail(tern_devmodel *dm, uint32_t code) {
  dm->err = code;
  dm->irq_status |= TERN_REG_IRQ_STATUS_ERROR_MASK;
}

int tern_devmodel_write(tern_devmodel *dm, uint32_t off, uint32_t v) {
  switch (off) {
    case TERN_REG_CTRL_OFFSET: dm->ctrl = v & TERN_REG_CTRL_IRQ_EN_MASK; return 0;
    case TERN_REG_IRQ_STATUS_OFFSET: dm->irq_status &= ~v; return 0;
    case TERN_REG_JOB_K_OFFSET: dm->job.k = v; return 0;
    case TERN_REG_JOB_N_OFFSET: dm->job.n = v; return 0;
    case TERN_REG_JOB_CFG_OFFSET:
      dm->job.cfg = v & (TERN_REG_JOB_CFG_FMT_MASK | TERN_REG_JOB_CFG_TOKENS_MASK);
      return 0;
    case TERN_REG_JOB_W_ADDR_OFFSET: dm->job.w_addr = v; return 0;
    case TERN_REG_JOB_A_ADDR_OFFSET: dm->job.a_addr = v; return 0;
    case TERN_REG_JOB_O_ADDR_OFFSET: dm->job.o_addr = v; return 0;
    case TERN_REG_DOORBELL_OFFSET:
      if (!(v & 1u)) return 0;
      if (dm->level == dm->cfg.queue_depth) {
        fail(dm, TERN_DEVERR_QUEUE_FULL);
        return 0;
      }
      dm->queue[(dm->head + dm->level) % dm->cfg.queue_depth] = dm->job;
      dm->level++;
      return 0;
    default: return -1;
  }
}

/* [addr, addr + len) inside memory? */
static int in_mem(const tern_devmodel *dm, uint64_t addr, uint64_t len) {
  return addr <= dm->mem_size && len <= dm->mem_size - addr;
}

/* Check and run one job; nothing is written unless every check passed. */
static void run_job(tern_devmodel *dm, const descriptor *d) {
  const uint32_t fmt = (d->cfg & TERN_REG_JOB_CFG_FMT_MASK) >> TERN_REG_JOB_CFG_FMT_LSB;
  const uint32_t tokens = (d->cfg & TERN_REG_JOB_CFG_TOKENS_MASK) >> TERN_REG_JOB_CFG_TOKENS_LSB;
  uint32_t code = TERN_DEVERR_NONE;
  if (d->k == 0 || d->k > TERN_K_MAX)
    code = TERN_DEVERR_BAD_K;
  else if (d->n == 0 || d->n > TERN_N_MAX)
    code = TERN_DEVERR_BAD_N;
  else if (!(dm->cfg.formats >> fmt & 1u))
    code = TERN_DEVERR_BAD_FMT;
  else if (tokens == 0 || tokens > dm->cfg.t_max)
    code = TERN_DEVERR_BAD_TOKENS;
  else if (d->w_addr % dm->cfg.w_align || (d->a_addr | d->o_addr) % TERN_ADDR_ALIGN)
    code = TERN_DEVERR_MISALIGNED;
  else if ((uint64_t)tokens * ((d->k + dm->g.lanes - 1) / dm->g.lanes) > dm->cfg.act_buf_beats)
    code = TERN_DEVERR_ACT_OVERFLOW;
  const size_t wbytes = code ? 0 : tern_stream_bytes(dm->g, (tern_format)fmt, d->k, d->n);
  const size_t astride = tern_devmodel_act_stride(d->k), ostride = tern_devmodel_res_stride(d->n);
  if (!code && dm->wmem && (d->w_addr > dm->wmem_size || wbytes > dm->wmem_size - d->w_addr))
    code = TERN_DEVERR_W_RANGE;
  if (!code && ((!dm->wmem && !in_mem(dm, d->w_addr, wbytes)) || !in_mem(dm, d->a_addr, (uint64_t)astride * tokens) ||
                !in_mem(dm, d->o_addr, (uint64_t)ostride * (tokens - 1) + 4 * (uint64_t)d->n)))
    code = TERN_DEVERR_BUS_ERROR;
  int8_t *x = NULL;
  int32_t *acc = NULL;
  if (!code) {
    x = malloc((size_t)d->k * tokens);
    acc = malloc(sizeof(int32_t) * d->n * tokens);
    if (!x || !acc) code = TERN_DEVERR_BUS_ERROR; /* the model's own memory failed */
  }
  if (!code) {
    for (uint32_t t = 0; t < tokens; t++) memcpy(x + (size_t)t * d->k, dm->mem + d->a_addr + t * astride, d->k);
    tern_matmul(dm->g, (tern_format)fmt, (dm->wmem ? dm->wmem : dm->mem) + d->w_addr, d->k, d->n, tokens, x, acc);
    for (uint32_t t = 0; t < tokens; t++) {
      uint8_t *row = dm->mem + d->o_addr + t * ostride;
      for (uint32_t i = 0; i < d->n; i++) {
        uint32_t u = (uint32_t)acc[(size_t)t * d->n + i];
        row[4 * i] = (uint8_t)u, row[4 * i + 1] = (uint8_t)(u >> 8);
        row[4 * i + 2] = (uint8_t)(u >> 16), row[4 * i + 3] = (uint8_t)(u >> 24);
      }
    }
    /* One weight pass serves every token: each beat is held for `tokens` cycles. */
    uint64_t c = tern_job_cycles_tokens(dm->g, d->k, d->n, tokens);
    dm->cycles = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
  }
  free(x);
  free(acc);
  if (code) fail(dm, code);
  dm->jobs_done++;
  dm->irq_status |= TERN_REG_IRQ_STATUS_DONE_MASK;
}

unsigned tern_devmodel_run(tern_devmodel *dm, unsigned max_jobs) {
  unsigned ran = 0;
  while (dm->level && (max_jobs == 0 || ran < max_jobs)) {
    descriptor d = dm->queue[dm->head];
    dm->head = (dm->head + 1) % dm->cfg.queue_depth;
    dm->level--;
    run_job(dm, &d);
    ran++;
  }
  return ran;
}

uint32_t tern_devmodel_tokens_per_job(tern_geom g, uint32_t act_buf_beats, uint32_t t_max, uint32_t k) {
  if (k == 0 || g.lanes == 0) return 0;
  const uint32_t per_job = act_buf_beats / ((k + g.lanes - 1) / g.lanes);
  return per_job > t_max ? t_max : per_job;
}
