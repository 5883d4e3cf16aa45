/* SPDX-License-Identifier: Apache-2.0 */
/* The register-level device model: registers, SLVERR, every job error followed by a good
 * job, nothing written by a failed job, the queue, interrupts, results against tern_matmul;
 * devices configured with other limits (tern_devmodel_cfg: the boards' T_MAX, QUEUE_DEPTH,
 * ACT_BUF_BEATS) and the refused configurations. */
#include <stdlib.h>
#include <string.h>

#include "tern_cycle.h"
#include "tern_devmodel.h"
#include "tern_mac.h"
#include "tern_pack.h"
#include "tern_test.h"

#define MEM (1u << 20)
enum { W_AT = 0x1000, A_AT = 0x40000, O_AT = 0x80000 };

static uint32_t rd(tern_devmodel *dm, uint32_t off) {
  uint32_t v = 0xDEADBEEF;
  if (tern_devmodel_read(dm, off, &v) != 0) return 0xDEADBEEF;
  return v;
}

static void program(tern_devmodel *dm, uint32_t k, uint32_t n, uint32_t fmt, uint32_t tokens, uint32_t w, uint32_t a,
                    uint32_t o) {
  tern_devmodel_write(dm, TERN_REG_JOB_K_OFFSET, k);
  tern_devmodel_write(dm, TERN_REG_JOB_N_OFFSET, n);
  tern_devmodel_write(dm, TERN_REG_JOB_CFG_OFFSET,
                      fmt << TERN_REG_JOB_CFG_FMT_LSB | tokens << TERN_REG_JOB_CFG_TOKENS_LSB);
  tern_devmodel_write(dm, TERN_REG_JOB_W_ADDR_OFFSET, w);
  tern_devmodel_write(dm, TERN_REG_JOB_A_ADDR_OFFSET, a);
  tern_devmodel_write(dm, TERN_REG_JOB_O_ADDR_OFFSET, o);
}

/* Place a random k x n tensor and tokens activation rows; returns the expected results. */
static int32_t *place_job(uint8_t *mem, tern_geom g, tern_format fmt, uint32_t k, uint32_t n, uint32_t tokens,
                          uint64_t *rng) {
  int8_t *w = malloc((size_t)k * n), *x = malloc((size_t)k * tokens);
  int32_t *acc = malloc(sizeof(int32_t) * n * tokens);
  for (size_t i = 0; i < (size_t)k * n; i++) w[i] = (int8_t)((int)(tern_rand_next(rng) % 3) - 1);
  for (size_t i = 0; i < (size_t)k * tokens; i++) x[i] = (int8_t)tern_rand_next(rng);
  tern_pack(g, fmt, w, k, n, mem + W_AT);
  for (uint32_t t = 0; t < tokens; t++) memcpy(mem + A_AT + t * tern_devmodel_act_stride(k), x + (size_t)t * k, k);
  tern_matmul(g, fmt, mem + W_AT, k, n, tokens, x, acc);
  free(w);
  free(x);
  return acc;
}

static int results_match(const uint8_t *mem, const int32_t *acc, uint32_t n, uint32_t tokens) {
  for (uint32_t t = 0; t < tokens; t++)
    for (uint32_t i = 0; i < n; i++) {
      const uint8_t *p = mem + O_AT + t * tern_devmodel_res_stride(n) + 4 * i;
      int32_t v = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
      if (v != acc[(size_t)t * n + i]) return 0;
    }
  return 1;
}

/* Queue one descriptor, run the model, return STATUS.ERR if IRQ_STATUS.ERROR is set (else 0);
 * IRQ_STATUS is cleared after. */
static uint32_t run_one(tern_devmodel *dm, uint32_t k, uint32_t n, uint32_t fmt, uint32_t tokens) {
  program(dm, k, n, fmt, tokens, W_AT, A_AT, O_AT);
  tern_devmodel_write(dm, TERN_REG_DOORBELL_OFFSET, 1);
  tern_devmodel_run(dm, 0);
  const uint32_t irq = rd(dm, TERN_REG_IRQ_STATUS_OFFSET), st = rd(dm, TERN_REG_STATUS_OFFSET);
  tern_devmodel_write(dm, TERN_REG_IRQ_STATUS_OFFSET, irq);
  return (irq & TERN_REG_IRQ_STATUS_ERROR_MASK) ? (st & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB : 0;
}

static uint32_t field(uint32_t v, uint32_t mask, uint32_t lsb) { return (v & mask) >> lsb; }

/* A device at another configuration (a board's): its PARAMS, QUEUE and ACT_BUF, BAD_TOKENS at
 * t_max + 1, ACT_OVERFLOW just past the buffer, QUEUE_FULL at the configured depth, and good
 * jobs at the limits against tern_matmul. */
static void check_cfg(tern_test_ctx *t, tern_geom g, tern_devmodel_cfg cfg, uint8_t *mem, uint64_t *rng) {
  tern_devmodel *dm = tern_devmodel_new_cfg(g, cfg, mem, MEM);
  if (!dm) {
    tern_test_fail(t, "tern_devmodel_new_cfg refused a valid configuration");
    return;
  }
  const uint32_t p = rd(dm, TERN_REG_PARAMS_OFFSET), q = rd(dm, TERN_REG_QUEUE_OFFSET);
  TERN_CHECK(t, field(p, TERN_REG_PARAMS_ROWS_MASK, TERN_REG_PARAMS_ROWS_LSB) == g.rows);
  TERN_CHECK(t, field(p, TERN_REG_PARAMS_LANES_MASK, TERN_REG_PARAMS_LANES_LSB) == g.lanes);
  TERN_CHECK(t, field(p, TERN_REG_PARAMS_FORMATS_MASK, TERN_REG_PARAMS_FORMATS_LSB) == cfg.formats);
  TERN_CHECK(t, field(p, TERN_REG_PARAMS_T_MAX_MASK, TERN_REG_PARAMS_T_MAX_LSB) == cfg.t_max);
  TERN_CHECK(t, field(q, TERN_REG_QUEUE_DEPTH_MASK, TERN_REG_QUEUE_DEPTH_LSB) == cfg.queue_depth);
  TERN_CHECK(t, field(q, TERN_REG_QUEUE_LEVEL_MASK, TERN_REG_QUEUE_LEVEL_LSB) == 0);
  TERN_CHECK(t, rd(dm, TERN_REG_ACT_BUF_OFFSET) == cfg.act_buf_beats);

  /* Tokens: t_max is fine, t_max + 1 is BAD_TOKENS. */
  const uint32_t fmt = (cfg.formats & (1u << TERN_FMT_T5)) ? TERN_FMT_T5 : TERN_FMT_T2;
  TERN_CHECK(t, run_one(dm, 2 * g.lanes, 3, fmt, cfg.t_max + 1) == TERN_DEVERR_BAD_TOKENS);
  TERN_CHECK(t, run_one(dm, 2 * g.lanes, 3, fmt, 0) == TERN_DEVERR_BAD_TOKENS);
  {
    int32_t *acc = place_job(mem, g, (tern_format)fmt, 2 * g.lanes, 3, cfg.t_max, rng);
    TERN_CHECK(t, run_one(dm, 2 * g.lanes, 3, fmt, cfg.t_max) == 0 && results_match(mem, acc, 3, cfg.t_max));
    free(acc);
  }
  /* W_ADDR's alignment: the weight port's beat (8 without one); A and O stay 8-aligned. */
  {
    const uint32_t wa = cfg.w_align ? cfg.w_align : TERN_ADDR_ALIGN;
    for (uint32_t off = 8; off < wa; off *= 2) {
      program(dm, 2 * g.lanes, 3, fmt, 1, W_AT + off, A_AT, O_AT);
      tern_devmodel_write(dm, TERN_REG_DOORBELL_OFFSET, 1);
      tern_devmodel_run(dm, 0);
      TERN_CHECK(t, field(rd(dm, TERN_REG_STATUS_OFFSET), TERN_REG_STATUS_ERR_MASK, TERN_REG_STATUS_ERR_LSB) ==
                        TERN_DEVERR_MISALIGNED);
      tern_devmodel_write(dm, TERN_REG_IRQ_STATUS_OFFSET, rd(dm, TERN_REG_IRQ_STATUS_OFFSET));
    }
    int32_t *acc = place_job(mem, g, (tern_format)fmt, 2 * g.lanes, 3, 1, rng);
    program(dm, 2 * g.lanes, 3, fmt, 1, W_AT, A_AT + 8, O_AT + 8); /* W aligned, A and O at 8 */
    memmove(mem + A_AT + 8, mem + A_AT, tern_devmodel_act_stride(2 * g.lanes));
    tern_devmodel_write(dm, TERN_REG_DOORBELL_OFFSET, 1);
    tern_devmodel_run(dm, 0);
    TERN_CHECK(t, (rd(dm, TERN_REG_IRQ_STATUS_OFFSET) & TERN_REG_IRQ_STATUS_ERROR_MASK) == 0 &&
                      results_match(mem + 8, acc, 3, 1));
    tern_devmodel_write(dm, TERN_REG_IRQ_STATUS_OFFSET, rd(dm, TERN_REG_IRQ_STATUS_OFFSET));
    free(acc);
  }
  /* Formats outside cfg.formats: BAD_FMT. */
  for (uint32_t f = 0; f < 4; f++)
    if (!(cfg.formats >> f & 1u)) TERN_CHECK(t, run_one(dm, 40, 3, f, 1) == TERN_DEVERR_BAD_FMT);
  /* The activation buffer: t_max * ceil(K / lanes) == act_buf_beats is fine, one lane more is
   * ACT_OVERFLOW (K within K_MAX); a single token past the buffer too. */
  const uint32_t kfull = g.lanes * (cfg.act_buf_beats / cfg.t_max);
  if (kfull >= 1 && kfull + 1 <= TERN_K_MAX) {
    TERN_CHECK(t, run_one(dm, kfull + 1, 2, fmt, cfg.t_max) == TERN_DEVERR_ACT_OVERFLOW);
    if ((uint64_t)tern_devmodel_act_stride(kfull) * cfg.t_max <= O_AT - A_AT) {
      int32_t *acc = place_job(mem, g, (tern_format)fmt, kfull, 2, cfg.t_max, rng);
      TERN_CHECK(t, run_one(dm, kfull, 2, fmt, cfg.t_max) == 0 && results_match(mem, acc, 2, cfg.t_max));
      free(acc);
    }
  }
  if ((uint64_t)g.lanes * cfg.act_buf_beats + 1 <= TERN_K_MAX)
    TERN_CHECK(t, run_one(dm, g.lanes * cfg.act_buf_beats + 1, 2, fmt, 1) == TERN_DEVERR_ACT_OVERFLOW);
  /* tern_devmodel_tokens_per_job against the device's own rule: that many tokens are not
   * ACT_OVERFLOW (nor BAD_TOKENS), one more is (unless it is past T_MAX). */
  {
    const uint32_t kone = g.lanes * cfg.act_buf_beats;
    const uint32_t ks[] = {1, g.lanes, g.lanes + 1, kfull, kfull + 1, kone / 2 + 1, kone, kone + 1, 2560, 6912};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
      const uint32_t k = ks[i];
      if (k == 0 || k > TERN_K_MAX) continue;
      const uint32_t per = tern_devmodel_tokens_per_job(g, cfg.act_buf_beats, cfg.t_max, k);
      TERN_CHECK(t, per <= cfg.t_max);
      if (per) {
        const uint32_t code = run_one(dm, k, 2, fmt, per);
        TERN_CHECK(t, code != TERN_DEVERR_ACT_OVERFLOW && code != TERN_DEVERR_BAD_TOKENS);
      }
      if (per < cfg.t_max) TERN_CHECK(t, run_one(dm, k, 2, fmt, per + 1) == TERN_DEVERR_ACT_OVERFLOW);
      if (t->failed) {
        tern_test_fail(t, "tokens_per_job(K=%u) = %u disagrees with ACT_OVERFLOW", k, per);
        break;
      }
    }
    TERN_CHECK(t, tern_devmodel_tokens_per_job(g, cfg.act_buf_beats, cfg.t_max, 0) == 0);
  }
  /* The queue: depth doorbells are taken, one more is QUEUE_FULL and dropped. */
  {
    int32_t *acc = place_job(mem, g, (tern_format)fmt, 33, 4, 1, rng);
    const uint32_t done0 = rd(dm, TERN_REG_JOBS_DONE_OFFSET);
    program(dm, 33, 4, fmt, 1, W_AT, A_AT, O_AT);
    for (uint32_t i = 0; i < cfg.queue_depth; i++) tern_devmodel_write(dm, TERN_REG_DOORBELL_OFFSET, 1);
    TERN_CHECK(t, field(rd(dm, TERN_REG_QUEUE_OFFSET), TERN_REG_QUEUE_LEVEL_MASK, TERN_REG_QUEUE_LEVEL_LSB) ==
                      cfg.queue_depth);
    TERN_CHECK(t,
               rd(dm, TERN_REG_IRQ_STATUS_OFFSET) == 0 && (rd(dm, TERN_REG_STATUS_OFFSET) & TERN_REG_STATUS_BUSY_MASK));
    tern_devmodel_write(dm, TERN_REG_DOORBELL_OFFSET, 1);
    TERN_CHECK(t, rd(dm, TERN_REG_IRQ_STATUS_OFFSET) == TERN_REG_IRQ_STATUS_ERROR_MASK);
    TERN_CHECK(t, field(rd(dm, TERN_REG_STATUS_OFFSET), TERN_REG_STATUS_ERR_MASK, TERN_REG_STATUS_ERR_LSB) ==
                      TERN_DEVERR_QUEUE_FULL);
    TERN_CHECK(t, field(rd(dm, TERN_REG_QUEUE_OFFSET), TERN_REG_QUEUE_LEVEL_MASK, TERN_REG_QUEUE_LEVEL_LSB) ==
                      cfg.queue_depth);
    TERN_CHECK(t, tern_devmodel_run(dm, 1) == 1);
    tern_devmodel_write(dm, TERN_REG_DOORBELL_OFFSET, 1); /* room again: taken */
    TERN_CHECK(t, field(rd(dm, TERN_REG_QUEUE_OFFSET), TERN_REG_QUEUE_LEVEL_MASK, TERN_REG_QUEUE_LEVEL_LSB) ==
                      cfg.queue_depth);
    TERN_CHECK(t, tern_devmodel_run(dm, 0) == cfg.queue_depth);
    TERN_CHECK(t, rd(dm, TERN_REG_JOBS_DONE_OFFSET) == done0 + cfg.queue_depth + 1);
    TERN_CHECK(t, results_match(mem, acc, 4, 1));
    free(acc);
  }
  tern_devmodel_free(dm);
}

int main(int argc, char **argv) {
  uint64_t seed = 7;
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[i + 1], NULL, 0);
  tern_test_ctx t = {0};
  tern_geom g = tern_geom_default();
  uint8_t *mem = calloc(1, MEM);
  tern_devmodel *dm = tern_devmodel_new(g, mem, MEM);

  tern_test_begin(&t, "devmodel/identity_and_slverr");
  TERN_CHECK(&t, rd(dm, TERN_REG_ID_OFFSET) == 0x5445524Eu);
  TERN_CHECK(&t, rd(dm, TERN_REG_VERSION_OFFSET) == TERN_REG_VERSION_RESET);
  uint32_t p = rd(dm, TERN_REG_PARAMS_OFFSET);
  TERN_CHECK(&t, (p & TERN_REG_PARAMS_ROWS_MASK) >> TERN_REG_PARAMS_ROWS_LSB == TERN_ROWS);
  TERN_CHECK(&t, (p & TERN_REG_PARAMS_LANES_MASK) >> TERN_REG_PARAMS_LANES_LSB == TERN_LANES);
  TERN_CHECK(&t, (p & TERN_REG_PARAMS_T_MAX_MASK) >> TERN_REG_PARAMS_T_MAX_LSB == TERN_T_MAX);
  TERN_CHECK(&t, rd(dm, TERN_REG_ACT_BUF_OFFSET) == TERN_ACT_BUF_BEATS);
  uint32_t v;
  TERN_CHECK(&t, tern_devmodel_read(dm, 0x0FC, &v) == -1);                     /* not a register */
  TERN_CHECK(&t, tern_devmodel_read(dm, TERN_REG_JOB_K_OFFSET + 1, &v) == -1); /* misaligned */
  TERN_CHECK(&t, tern_devmodel_read(dm, TERN_REG_DOORBELL_OFFSET, &v) == -1);  /* write-only */
  TERN_CHECK(&t, tern_devmodel_write(dm, TERN_REG_ID_OFFSET, 0) == -1);        /* read-only */
  TERN_CHECK(&t, tern_devmodel_write(dm, TERN_REG_STATUS_OFFSET, 0) == -1);
  TERN_CHECK(&t, rd(dm, TERN_REG_ID_OFFSET) == 0x5445524Eu && rd(dm, TERN_REG_STATUS_OFFSET) == 0);
  tern_test_end(&t);

  tern_test_begin(&t, "devmodel/random_jobs_vs_matmul");
  uint64_t rng = seed;
  tern_devmodel_write(dm, TERN_REG_CTRL_OFFSET, TERN_REG_CTRL_IRQ_EN_MASK);
  for (int it = 0; it < 100 && !t.failed; it++) {
    tern_format fmt = (it & 1) ? TERN_T5 : TERN_T2;
    uint32_t k = (uint32_t)tern_rand_range(&rng, 1, 600), n = (uint32_t)tern_rand_range(&rng, 1, 50),
             tokens = (uint32_t)tern_rand_range(&rng, 1, TERN_T_MAX);
    int32_t *acc = place_job(mem, g, fmt, k, n, tokens, &rng);
    program(dm, k, n, fmt, tokens, W_AT, A_AT, O_AT);
    tern_devmodel_write(dm, TERN_REG_DOORBELL_OFFSET, 1);
    TERN_CHECK(&t, rd(dm, TERN_REG_STATUS_OFFSET) & TERN_REG_STATUS_BUSY_MASK);
    TERN_CHECK(&t, !tern_devmodel_irq(dm));
    TERN_CHECK(&t, tern_devmodel_run(dm, 0) == 1);
    TERN_CHECK(&t, tern_devmodel_irq(dm) && rd(dm, TERN_REG_IRQ_STATUS_OFFSET) == TERN_REG_IRQ_STATUS_DONE_MASK);
    TERN_CHECK(&t, rd(dm, TERN_REG_JOBS_DONE_OFFSET) == (uint32_t)it + 1);
    TERN_CHECK(&t, rd(dm, TERN_REG_CYCLES_OFFSET) ==
                       tern_groups(g, n) * tern_beats_per_group(g, k) * tokens + tern_pipe_latency(g) + 1);
    if (!results_match(mem, acc, n, tokens))
      tern_test_fail(&t, "job %d (K=%u N=%u T=%u %s): results differ [seed=%llu]", it, k, n, tokens,
                     tern_format_name(fmt), (unsigned long long)seed);
    tern_devmodel_write(dm, TERN_REG_IRQ_STATUS_OFFSET, TERN_REG_IRQ_STATUS_DONE_MASK);
    TERN_CHECK(&t, !tern_devmodel_irq(dm));
    free(acc);
  }
  tern_test_end(&t);

  tern_test_begin(&t, "devmodel/every_error_then_a_good_job");
  {
    struct {
      uint32_t k, n, fmt, tokens, w, a, o, code;
    } bad[] = {
        {0, 4, 0, 1, W_AT, A_AT, O_AT, TERN_DEVERR_BAD_K},
        {TERN_K_MAX + 1, 4, 0, 1, W_AT, A_AT, O_AT, TERN_DEVERR_BAD_K},
        {40, 0, 0, 1, W_AT, A_AT, O_AT, TERN_DEVERR_BAD_N},
        {40, TERN_N_MAX + 1, 0, 1, W_AT, A_AT, O_AT, TERN_DEVERR_BAD_N},
        {40, 4, 2, 1, W_AT, A_AT, O_AT, TERN_DEVERR_BAD_FMT},
        {40, 4, 3, 1, W_AT, A_AT, O_AT, TERN_DEVERR_BAD_FMT},
        {40, 4, 0, 0, W_AT, A_AT, O_AT, TERN_DEVERR_BAD_TOKENS},
        {40, 4, 0, TERN_T_MAX + 1, W_AT, A_AT, O_AT, TERN_DEVERR_BAD_TOKENS},
        {40, 4, 0, 1, W_AT + 4, A_AT, O_AT, TERN_DEVERR_MISALIGNED},
        {40, 4, 0, 1, W_AT, A_AT + 1, O_AT, TERN_DEVERR_MISALIGNED},
        {40, 4, 0, 1, W_AT, A_AT, O_AT + 2, TERN_DEVERR_MISALIGNED},
        {65535, 4, 0, 2, W_AT, A_AT, O_AT, TERN_DEVERR_ACT_OVERFLOW},
        {40, 4, 0, 1, MEM - 8, A_AT, O_AT, TERN_DEVERR_BUS_ERROR},
        {40, 4, 0, 1, W_AT, 0xFFFFFFF8u, O_AT, TERN_DEVERR_BUS_ERROR},
        {40, 4, 0, 1, W_AT, A_AT, MEM - 8, TERN_DEVERR_BUS_ERROR},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0] && !t.failed; i++) {
      memset(mem + O_AT, 0xA5, 256);
      program(dm, bad[i].k, bad[i].n, bad[i].fmt, bad[i].tokens, bad[i].w, bad[i].a, bad[i].o);
      tern_devmodel_write(dm, TERN_REG_DOORBELL_OFFSET, 1);
      tern_devmodel_run(dm, 0);
      uint32_t irq = rd(dm, TERN_REG_IRQ_STATUS_OFFSET), st = rd(dm, TERN_REG_STATUS_OFFSET);
      if (irq != (TERN_REG_IRQ_STATUS_DONE_MASK | TERN_REG_IRQ_STATUS_ERROR_MASK) ||
          (st & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB != bad[i].code || (st & TERN_REG_STATUS_BUSY_MASK))
        tern_test_fail(&t, "case %zu: IRQ_STATUS 0x%x STATUS 0x%x, expected error %u", i, irq, st, bad[i].code);
      for (int b = 0; b < 256; b++)
        if (mem[O_AT + b] != 0xA5) tern_test_fail(&t, "case %zu: a failed job wrote results", i);
      tern_devmodel_write(dm, TERN_REG_IRQ_STATUS_OFFSET, irq);
      int32_t *acc = place_job(mem, g, TERN_T5, 45, 5, 2, &rng);
      program(dm, 45, 5, TERN_T5, 2, W_AT, A_AT, O_AT);
      tern_devmodel_write(dm, TERN_REG_DOORBELL_OFFSET, 1);
      tern_devmodel_run(dm, 0);
      if (rd(dm, TERN_REG_IRQ_STATUS_OFFSET) != TERN_REG_IRQ_STATUS_DONE_MASK || !results_match(mem, acc, 5, 2))
        tern_test_fail(&t, "case %zu: the good job after the error failed", i);
      tern_devmodel_write(dm, TERN_REG_IRQ_STATUS_OFFSET, TERN_REG_IRQ_STATUS_DONE_MASK);
      free(acc);
    }
  }
  tern_test_end(&t);

  tern_test_begin(&t, "devmodel/queue_full_drops_and_reports");
  {
    int32_t *acc = place_job(mem, g, TERN_T2, 64, 6, 3, &rng);
    program(dm, 64, 6, TERN_T2, 3, W_AT, A_AT, O_AT);
    for (unsigned i = 0; i < TERN_QUEUE_DEPTH; i++) tern_devmodel_write(dm, TERN_REG_DOORBELL_OFFSET, 1);
    TERN_CHECK(&t, (rd(dm, TERN_REG_QUEUE_OFFSET) & TERN_REG_QUEUE_LEVEL_MASK) >> TERN_REG_QUEUE_LEVEL_LSB ==
                       TERN_QUEUE_DEPTH);
    TERN_CHECK(&t, rd(dm, TERN_REG_IRQ_STATUS_OFFSET) == 0);
    tern_devmodel_write(dm, TERN_REG_DOORBELL_OFFSET, 1);
    TERN_CHECK(&t, rd(dm, TERN_REG_IRQ_STATUS_OFFSET) == TERN_REG_IRQ_STATUS_ERROR_MASK);
    TERN_CHECK(&t, (rd(dm, TERN_REG_STATUS_OFFSET) & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB ==
                       TERN_DEVERR_QUEUE_FULL);
    uint32_t before = rd(dm, TERN_REG_JOBS_DONE_OFFSET);
    TERN_CHECK(&t, tern_devmodel_run(dm, 1) == 1 && tern_devmodel_run(dm, 0) == TERN_QUEUE_DEPTH - 1);
    TERN_CHECK(&t, rd(dm, TERN_REG_JOBS_DONE_OFFSET) == before + TERN_QUEUE_DEPTH);
    TERN_CHECK(&t, results_match(mem, acc, 6, 3));
    tern_devmodel_write(dm, TERN_REG_DOORBELL_OFFSET, 0); /* bit 0 clear: no push */
    TERN_CHECK(&t, tern_devmodel_run(dm, 0) == 0);
    free(acc);
  }
  tern_test_end(&t);

  tern_test_begin(&t, "devmodel/cfg_default_is_the_spec");
  {
    tern_devmodel_cfg c = tern_devmodel_cfg_default();
    TERN_CHECK(&t, c.t_max == TERN_T_MAX && c.queue_depth == TERN_QUEUE_DEPTH &&
                       c.act_buf_beats == TERN_ACT_BUF_BEATS && c.formats == TERN_FORMATS_MASK);
    TERN_CHECK(&t, tern_devmodel_cfg_check(c) == TERN_OK);
    tern_devmodel *d2 = tern_devmodel_new_cfg(g, c, mem, MEM);
    TERN_CHECK(&t, d2 != NULL);
    if (d2) {
      for (uint32_t off = 0; off <= TERN_REG_CYCLES_OFFSET; off += 4) {
        uint32_t a = 0, b = 0;
        TERN_CHECK(&t, tern_devmodel_read(dm, off, &a) == tern_devmodel_read(d2, off, &b));
        if (off == TERN_REG_PARAMS_OFFSET || off == TERN_REG_QUEUE_OFFSET || off == TERN_REG_ACT_BUF_OFFSET)
          TERN_CHECK(&t, a == b);
      }
      tern_devmodel_free(d2);
    }
  }
  tern_test_end(&t);

  tern_test_begin(&t, "devmodel/cfg_refused");
  {
    const tern_devmodel_cfg ok = tern_devmodel_cfg_default();
    tern_devmodel_cfg bad[13];
    for (int i = 0; i < 13; i++) bad[i] = ok;
    bad[0].t_max = 0;
    bad[1].t_max = 256; /* PARAMS.T_MAX and JOB_CFG.TOKENS are 8 bits */
    bad[2].queue_depth = 0;
    bad[3].queue_depth = 256; /* QUEUE.DEPTH is 8 bits */
    bad[4].act_buf_beats = 0;
    bad[5].formats = 0;
    bad[6].formats = TERN_FORMATS_MASK | 4u; /* a format the model cannot compute */
    bad[7].formats = 0x100u;
    bad[8].t_max = UINT32_MAX;
    bad[9].queue_depth = UINT32_MAX;
    bad[10].w_align = 4;   /* below the 64-bit port's alignment */
    bad[11].w_align = 48;  /* not a power of two */
    bad[12].w_align = 256; /* wider than an AXI4 beat */
    for (int i = 0; i < 13; i++) {
      if (tern_devmodel_cfg_check(bad[i]) != TERN_ERR_ARG) tern_test_fail(&t, "bad configuration %d accepted", i);
      tern_devmodel *d2 = tern_devmodel_new_cfg(g, bad[i], mem, MEM);
      if (d2) tern_test_fail(&t, "tern_devmodel_new_cfg made a device of bad configuration %d", i);
      tern_devmodel_free(d2);
    }
    tern_devmodel_cfg edge = ok;
    edge.t_max = 255, edge.queue_depth = 255, edge.act_buf_beats = 1, edge.formats = 1u << TERN_FMT_T2;
    TERN_CHECK(&t, tern_devmodel_cfg_check(edge) == TERN_OK);
    tern_geom bad_g = {0, 5};
    TERN_CHECK(&t, tern_devmodel_new_cfg(bad_g, ok, mem, MEM) == NULL);
    TERN_CHECK(&t, tern_devmodel_new_cfg(g, ok, NULL, 16) == NULL);
  }
  tern_test_end(&t);

  /* The boards' devices (fpga/boards/): the iCEBreaker's small one (1 x 5, one token, a
   * one-deep queue, 256 buffer entries) and the ULX3S's (2 x 20, T_MAX 8, depth 4, 1024). */
  tern_test_begin(&t, "devmodel/cfg_icebreaker");
  {
    const tern_geom gi = {1, 5};
    const tern_devmodel_cfg ci = {1, 1, 256, TERN_FORMATS_MASK, TERN_ADDR_ALIGN};
    check_cfg(&t, gi, ci, mem, &rng);
  }
  tern_test_end(&t);
  tern_test_begin(&t, "devmodel/cfg_ulx3s");
  {
    const tern_devmodel_cfg cu = {8, 4, 1024, TERN_FORMATS_MASK, TERN_ADDR_ALIGN};
    check_cfg(&t, g, cu, mem, &rng);
  }
  tern_test_end(&t);
  tern_test_begin(&t, "devmodel/cfg_other_limits");
  {
    const tern_geom g3 = {3, 5};
    const tern_devmodel_cfg c3 = {3, 2, 100, 1u << TERN_FMT_T2, 0}; /* T2 only */
    check_cfg(&t, g3, c3, mem, &rng);
    const tern_devmodel_cfg c255 = {255, 255, 1000, TERN_FORMATS_MASK, 0};
    check_cfg(&t, g, c255, mem, &rng);
  }
  tern_test_end(&t);
  /* The wide profile: 16 x 40, T5 only, weights on a port of 128-byte beats. */
  tern_test_begin(&t, "devmodel/cfg_wide");
  {
    const tern_geom gw = {16, 40};
    const tern_devmodel_cfg cw = {8, 4, 2048, 1u << TERN_FMT_T5, 128};
    check_cfg(&t, gw, cw, mem, &rng);
  }
  tern_test_end(&t);

  /* The weights in the device's own memory (tern_device WMEM_WORDS): read from there, not
   * from the memory; W_RANGE exactly one byte past its end, after ACT_OVERFLOW; nothing written. */
  tern_test_begin(&t, "devmodel/wmem");
  {
    const tern_geom gw = {2, 20}; /* T5 beats of 8 bytes */
    const tern_devmodel_cfg cw = {4, 4, 64, 1u << TERN_FMT_T5, 8};
    tern_devmodel *dw = tern_devmodel_new_cfg(gw, cw, mem, MEM);
    const uint32_t k = 45, n = 5, tokens = 3; /* B = 3, G = 3: 9 beats, 72 bytes */
    int32_t *acc = place_job(mem, gw, TERN_T5, k, n, tokens, &rng);
    const size_t wb = tern_stream_bytes(gw, TERN_T5, k, n), wsz = 256;
    TERN_CHECK(&t, wb == 72);
    uint8_t *wm = malloc(wsz);
    memset(wm, 0x5A, wsz);
    memcpy(wm + 128, mem + W_AT, wb);
    memset(mem + W_AT, 0xA5, wb); /* the memory's copy is junk now: the model must not read it */
    tern_devmodel_set_wmem(dw, wm, wsz);
    memset(mem + O_AT, 0, 4096);
    program(dw, k, n, TERN_T5, tokens, 128, A_AT, O_AT);
    tern_devmodel_write(dw, TERN_REG_DOORBELL_OFFSET, 1);
    tern_devmodel_run(dw, 0);
    TERN_CHECK(&t, (rd(dw, TERN_REG_STATUS_OFFSET) & TERN_REG_STATUS_ERR_MASK) == 0);
    TERN_CHECK(&t, results_match(mem, acc, n, tokens));
    const uint32_t cases[][3] = {
        /* W_ADDR, K, expected */
        {(uint32_t)(wsz - wb), k, 0},                       /* ends at the last byte */
        {(uint32_t)(wsz - wb + 8), k, TERN_DEVERR_W_RANGE}, /* one beat past */
        {0xFFFFFFF8u, k, TERN_DEVERR_W_RANGE},              /* far past, no wrap */
        {(uint32_t)wsz, k, TERN_DEVERR_W_RANGE},
        {(uint32_t)(wsz - wb + 8), 20 * 64 + 1, TERN_DEVERR_ACT_OVERFLOW}, /* checked first */
        {4, k, TERN_DEVERR_MISALIGNED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
      memset(mem + O_AT, 0x77, 64);
      program(dw, cases[i][1], n, TERN_T5, cases[i][2] == TERN_DEVERR_ACT_OVERFLOW ? 1 : tokens, cases[i][0], A_AT,
              O_AT);
      tern_devmodel_write(dw, TERN_REG_DOORBELL_OFFSET, 1);
      tern_devmodel_run(dw, 0);
      const uint32_t irq = rd(dw, TERN_REG_IRQ_STATUS_OFFSET), st = rd(dw, TERN_REG_STATUS_OFFSET);
      tern_devmodel_write(dw, TERN_REG_IRQ_STATUS_OFFSET, irq);
      const uint32_t code =
          (irq & TERN_REG_IRQ_STATUS_ERROR_MASK) ? (st & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB : 0;
      if (code != cases[i][2])
        tern_test_fail(&t, "wmem case %zu: W_ADDR 0x%x: code %u, want %u", i, cases[i][0], code, cases[i][2]);
      if (cases[i][2]) TERN_CHECK(&t, mem[O_AT] == 0x77 && mem[O_AT + 63] == 0x77);
    }
    /* back to the memory's weights: W_ADDR 128 is memory now */
    tern_devmodel_set_wmem(dw, NULL, 0);
    memcpy(mem + W_AT, wm + 128, wb);
    program(dw, k, n, TERN_T5, tokens, W_AT, A_AT, O_AT);
    tern_devmodel_write(dw, TERN_REG_DOORBELL_OFFSET, 1);
    tern_devmodel_run(dw, 0);
    TERN_CHECK(&t, results_match(mem, acc, n, tokens));
    free(wm);
    free(acc);
    tern_devmodel_free(dw);
  }
  tern_test_end(&t);

  tern_devmodel_free(dm);
  free(mem);
  return tern_test_exit(&t);
}
