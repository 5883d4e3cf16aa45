/* SPDX-License-Identifier: Apache-2.0 */
/* The rtl device (tern-rtl.so: driver/transports/rtl/ over the Verilated rtl/tern_device.v): its options
 * and their errors, a hang and a bus error reported cleanly, register-level lock-step with the
 * C device model (every register read, every refused descriptor, result bytes with their
 * padding), queued jobs, a throttled memory and CSR bus, two devices at once, the waveform.
 * Needs the plugin beside it or in $TERN_PLUGIN_DIR (make -C driver rtl).
 *   test_rtl [--seed S] */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "hal.h"
#include "tern.h"
#include "tern_cycle.h"
#include "tern_devmodel.h"
#include "tern_pack.h"
#include "tern_test.h"
#include "tern_workloads.h"
#include "transport.h"

#define MEM ((size_t)1 << 20)

static uint32_t rd(const tern_hal *h, uint32_t off, tern_status *st) {
  uint32_t v = 0xDEADBEEFu;
  *st = h->reg_read(h->ctx, off, &v);
  return v;
}

typedef struct {
  uint32_t k, n, cfg, w, a, o;
} desc;

static void submit(const tern_hal *h, const desc *d) {
  h->reg_write(h->ctx, TERN_REG_JOB_K_OFFSET, d->k);
  h->reg_write(h->ctx, TERN_REG_JOB_N_OFFSET, d->n);
  h->reg_write(h->ctx, TERN_REG_JOB_CFG_OFFSET, d->cfg);
  h->reg_write(h->ctx, TERN_REG_JOB_W_ADDR_OFFSET, d->w);
  h->reg_write(h->ctx, TERN_REG_JOB_A_ADDR_OFFSET, d->a);
  h->reg_write(h->ctx, TERN_REG_JOB_O_ADDR_OFFSET, d->o);
  h->reg_write(h->ctx, TERN_REG_DOORBELL_OFFSET, 1);
}

/* Wait until JOBS_DONE reaches want (clearing IRQ_STATUS on the way); 0 on success. */
static int wait_jobs(const tern_hal *h, uint32_t want) {
  tern_status st;
  for (int guard = 0; guard < 64; guard++) {
    if (rd(h, TERN_REG_JOBS_DONE_OFFSET, &st) >= want) return 0;
    if (h->wait_irq(h->ctx, 20000) != TERN_OK) return -1;
    if (rd(h, TERN_REG_JOBS_DONE_OFFSET, &st) >= want) return 0;
    h->reg_write(h->ctx, TERN_REG_IRQ_STATUS_OFFSET, TERN_REG_IRQ_STATUS_DONE_MASK | TERN_REG_IRQ_STATUS_ERROR_MASK);
  }
  return -1;
}

static uint32_t cfg(tern_format f, uint32_t tokens) {
  return (uint32_t)f << TERN_REG_JOB_CFG_FMT_LSB | tokens << TERN_REG_JOB_CFG_TOKENS_LSB;
}

/* Weights (k x n, format f) at w and activations of `tokens` rows at a, in both memories. */
static void put_job(const tern_hal *hs, int nh, tern_format f, uint32_t k, uint32_t n, uint32_t tokens, uint32_t w,
                    uint32_t a, uint64_t *rng) {
  const tern_geom g = tern_geom_default();
  int8_t *trits = malloc((size_t)k * n);
  uint8_t *stream = malloc(tern_stream_bytes(g, f, k, n));
  const size_t as = tern_devmodel_act_stride(k);
  uint8_t *acts = calloc(tokens, as);
  for (size_t i = 0; i < (size_t)k * n; i++) trits[i] = (int8_t)(tern_rand_next(rng) % 3) - 1;
  for (uint32_t t = 0; t < tokens; t++)
    for (uint32_t c = 0; c < k; c++) acts[t * as + c] = (uint8_t)tern_rand_next(rng);
  tern_pack(g, f, trits, k, n, stream);
  for (int i = 0; i < nh; i++) {
    hs[i].mem_write(hs[i].ctx, w, stream, tern_stream_bytes(g, f, k, n));
    hs[i].mem_write(hs[i].ctx, a, acts, as * tokens);
  }
  free(trits), free(stream), free(acts);
}

static void fill(const tern_hal *hs, int nh, uint64_t addr, size_t len, uint8_t byte) {
  uint8_t *b = malloc(len);
  memset(b, byte, len);
  for (int i = 0; i < nh; i++) hs[i].mem_write(hs[i].ctx, addr, b, len);
  free(b);
}

/* Memory [addr, addr+len) identical on both HALs; else a failure naming the first byte. */
static void same_mem(tern_test_ctx *t, const tern_hal *hs, uint64_t addr, size_t len, const char *what) {
  uint8_t *x = malloc(len), *y = malloc(len);
  hs[0].mem_read(hs[0].ctx, addr, x, len);
  hs[1].mem_read(hs[1].ctx, addr, y, len);
  for (size_t i = 0; i < len; i++)
    if (x[i] != y[i]) {
      tern_test_fail(t, "%s: memory 0x%" PRIx64 ": cmodel 0x%02x, rtl 0x%02x", what, addr + i, x[i], y[i]);
      break;
    }
  free(x), free(y);
}

static const uint32_t kRegs[] = {TERN_REG_ID_OFFSET,
                                 TERN_REG_VERSION_OFFSET,
                                 TERN_REG_PARAMS_OFFSET,
                                 TERN_REG_QUEUE_OFFSET,
                                 TERN_REG_CTRL_OFFSET,
                                 TERN_REG_STATUS_OFFSET,
                                 TERN_REG_IRQ_STATUS_OFFSET,
                                 TERN_REG_JOBS_DONE_OFFSET,
                                 TERN_REG_JOB_K_OFFSET,
                                 TERN_REG_JOB_N_OFFSET,
                                 TERN_REG_JOB_CFG_OFFSET,
                                 TERN_REG_JOB_W_ADDR_OFFSET,
                                 TERN_REG_JOB_A_ADDR_OFFSET,
                                 TERN_REG_JOB_O_ADDR_OFFSET,
                                 TERN_REG_ACT_BUF_OFFSET,
                                 0x100,
                                 0x002,
                                 TERN_REG_DOORBELL_OFFSET};

/* Every register (and a hole, a misaligned offset, DOORBELL) reads the same on both. */
static void same_regs(tern_test_ctx *t, const tern_hal *hs, const char *when) {
  for (size_t i = 0; i < sizeof kRegs / sizeof kRegs[0]; i++) {
    tern_status s0, s1;
    uint32_t v0 = rd(&hs[0], kRegs[i], &s0), v1 = rd(&hs[1], kRegs[i], &s1);
    if (s0 != s1 || (s0 == TERN_OK && v0 != v1))
      tern_test_fail(t, "%s: register 0x%03x: cmodel %s 0x%08x, rtl %s 0x%08x", when, kRegs[i], tern_strerror(s0), v0,
                     tern_strerror(s1), v1);
  }
}

static int contains(const char *s, const char *a, const char *b) {
  return strstr(s, a) != NULL && (!b || strstr(s, b) != NULL);
}

/* acc of a random workload on dev equals the cpu device's. */
static void matmul_like_cpu(tern_test_ctx *t, tern_device *dev, tern_device *cpu, uint64_t *rng, int count) {
  for (int it = 0; it < count && !t->failed; it++) {
    const uint32_t k = (uint32_t)tern_rand_range(rng, 1, 400), n = (uint32_t)tern_rand_range(rng, 1, 48);
    const uint32_t tokens = (uint32_t)tern_rand_range(rng, 1, 2 * TERN_T_MAX + 3);
    int8_t *w = malloc((size_t)k * n), *xq = malloc((size_t)k * tokens);
    int32_t *a0 = malloc(sizeof(int32_t) * n * tokens), *a1 = malloc(sizeof(int32_t) * n * tokens);
    for (size_t i = 0; i < (size_t)k * n; i++) w[i] = (int8_t)(tern_rand_next(rng) % 3) - 1;
    for (size_t i = 0; i < (size_t)k * tokens; i++) xq[i] = (int8_t)tern_rand_next(rng);
    tern_tensor_src src = {TERN_LAYOUT_TRITS, w, (size_t)k * n, k, n, 1.0f};
    tern_weights *wd = NULL, *wc = NULL;
    const tern_format f = it & 1 ? TERN_T5 : TERN_T2;
    if (tern_weights_load(dev, &src, f, &wd) != TERN_OK || tern_weights_load(cpu, &src, f, &wc) != TERN_OK ||
        tern_bitlinear_int(cpu, wc, xq, tokens, a0) != TERN_OK)
      tern_test_fail(t, "load: %s", tern_last_error(dev));
    else if (tern_bitlinear_int(dev, wd, xq, tokens, a1) != TERN_OK)
      tern_test_fail(t, "K=%u N=%u tokens=%u: %s", k, n, tokens, tern_last_error(dev));
    else
      for (size_t i = 0; i < (size_t)n * tokens; i++)
        if (a0[i] != a1[i]) {
          tern_test_fail(t, "%s K=%u N=%u tokens=%u %s: acc[%zu] = %d, cpu %d", tern_device_uri(dev), k, n, tokens,
                         tern_format_name(f), i, a1[i], a0[i]);
          break;
        }
    tern_weights_free(wd), tern_weights_free(wc);
    free(w), free(xq), free(a0), free(a1);
  }
}

int main(int argc, char **argv) {
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2)
    if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[i + 1], NULL, 0);
  tern_test_ctx t = {0};
  char err[512];
  tern_geom g = tern_geom_default(); /* the transport may set it (uart); rtl keeps it */
  uint64_t rng = seed;

  tern_test_begin(&t, "driver-rtl/options_and_their_errors");
  {
    static const struct {
      const char *uri;
      tern_status st;
      const char *a, *b;
    } cases[] = {
        {"rtl:latncy=3", TERN_ERR_ARG, "unknown option 'latncy'", "latency, read_latency"},
        {"rtl:throttle=1.5", TERN_ERR_ARG, "throttle=1.5", "(0, 1]"},
        {"rtl:throttle=0", TERN_ERR_ARG, "throttle=0", "probability"},
        {"rtl:latency", TERN_ERR_ARG, "'latency' needs a value", NULL},
        {"rtl:latency=-1", TERN_ERR_ARG, "latency=-1", "whole number"},
        {"rtl:mem=12345", TERN_ERR_ARG, "mem=12345", "multiple of 8"},
        {"rtl:mem=8G", TERN_ERR_ARG, "mem=8G", "4G"},
        {"rtl:slverr=0x100-0x10", TERN_ERR_ARG, "slverr=0x100-0x10", "LO < HI"},
        {"rtl:max_cycles=0", TERN_ERR_ARG, "max_cycles=0", ">= 1"},
        {"rtl:stats=yes", TERN_ERR_ARG, "stats=yes", "0 or 1"},
        {"rtl:toggles=", TERN_ERR_ARG, "toggles=", "needs a file name"},
        {"rtl:toggles=/nonexistent-dir/t.csv", TERN_ERR_ARG, "toggles=/nonexistent-dir/t.csv", "cannot write"},
        {"rtlx", TERN_ERR_DEVICE, "unknown device 'rtlx'", "cpu, cmodel, rtl"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
      tern_device *dev = (tern_device *)&t; /* must be reset to NULL */
      err[0] = 0;
      tern_status st = tern_open_err(cases[i].uri, &dev, err, sizeof err);
      if (st != cases[i].st || dev != NULL || !contains(err, cases[i].a, cases[i].b))
        tern_test_fail(&t, "%s: %s, \"%s\"", cases[i].uri, tern_strerror(st), err);
    }
    /* the environment, named in the message; the URI overrides it */
    setenv("TERN_RTL_SEED", "abc", 1);
    tern_device *dev = NULL;
    TERN_CHECK(&t, tern_open_err("rtl", &dev, err, sizeof err) == TERN_ERR_ARG && !dev);
    TERN_CHECK(&t, contains(err, "TERN_RTL_SEED", "whole number"));
    unsetenv("TERN_RTL_SEED");
    setenv("TERN_RTL_LATENCY", "4", 1);
    TERN_CHECK(&t, tern_open_err("rtl:latency=2,throttle=0.5,seed=7,mem=256K,lite_delay=2,", &dev, err, sizeof err) ==
                       TERN_OK);
    unsetenv("TERN_RTL_LATENCY");
    if (dev) {
      TERN_CHECK(&t, strcmp(tern_device_uri(dev), "rtl:latency=2,throttle=0.5,seed=7,mem=256K,lite_delay=2,") == 0);
      uint64_t r2 = seed;
      tern_device *cpu = NULL;
      TERN_CHECK(&t, tern_open("cpu", &cpu) == TERN_OK);
      matmul_like_cpu(&t, dev, cpu, &r2, 4);
      tern_close(cpu);
      tern_close(dev);
    }
  }
  tern_test_end(&t);

  tern_test_begin(&t, "driver-rtl/hang_is_a_clear_device_error");
  {
    tern_device *dev = NULL;
    TERN_CHECK(&t, tern_open_err("rtl:max_cycles=10", &dev, err, sizeof err) == TERN_OK);
    if (dev) {
      int8_t w[256 * 4], xq[256];
      for (int i = 0; i < 256 * 4; i++) w[i] = (int8_t)(i % 3 - 1);
      memset(xq, 3, sizeof xq);
      tern_tensor_src src = {TERN_LAYOUT_TRITS, w, sizeof w, 256, 4, 1.0f};
      tern_weights *tw = NULL;
      int32_t acc[4];
      TERN_CHECK(&t, tern_weights_load(dev, &src, TERN_T5, &tw) == TERN_OK);
      TERN_CHECK(&t, tern_bitlinear_int(dev, tw, xq, 1, acc) == TERN_ERR_DEVICE);
      TERN_CHECK(&t, contains(tern_last_error(dev), "did not complete", "no interrupt within max_cycles=10 cycles"));
      /* the device is dead from then on, and says why */
      TERN_CHECK(&t, tern_bitlinear_int(dev, tw, xq, 1, acc) == TERN_ERR_DEVICE);
      TERN_CHECK(&t, contains(tern_last_error(dev), "no interrupt within max_cycles=10 cycles", NULL));
      tern_weights_free(tw);
      tern_close(dev);
    }
    /* the default budget: the driver's timeout, as device time at 100 MHz or as wall time */
    tern_hal h;
    if (tern_transport_open_hal("rtl", &g, &h, err, sizeof err) != TERN_OK) {
      tern_test_fail(&t, "open: %s", err);
    } else {
      uint32_t v = 0;
      TERN_CHECK(&t, h.wait_irq(h.ctx, 1) == TERN_ERR_DEVICE); /* nothing queued: no interrupt */
      TERN_CHECK(&t, contains(h.last_error(h.ctx), "no interrupt within 1 ms", "memory model"));
      TERN_CHECK(&t, h.reg_read(h.ctx, TERN_REG_ID_OFFSET, &v) == TERN_ERR_DEVICE);
      TERN_CHECK(&t, contains(h.last_error(h.ctx), "no interrupt within 1 ms", NULL));
      h.close(h.ctx);
    }
  }
  tern_test_end(&t);

  tern_test_begin(&t, "driver-rtl/bus_error_is_reported_and_the_device_carries_on");
  {
    tern_device *dev = NULL;
    /* device memory from 1 MiB on answers SLVERR; a 2 MiB tensor reaches into it */
    TERN_CHECK(&t, tern_open_err("rtl:mem=4M,slverr=0x100000-0x400000", &dev, err, sizeof err) == TERN_OK);
    if (dev) {
      const uint32_t k = 8192, n = 640; /* T2: 1.3 MB of weights */
      int8_t *w = calloc((size_t)k * n, 1), xq[8192] = {0};
      tern_tensor_src src = {TERN_LAYOUT_TRITS, w, (size_t)k * n, k, n, 1.0f};
      tern_weights *big = NULL, *small = NULL;
      int32_t *acc = malloc(sizeof(int32_t) * n);
      TERN_CHECK(&t, tern_weights_load(dev, &src, TERN_T2, &big) == TERN_OK);
      TERN_CHECK(&t, tern_bitlinear_int(dev, big, xq, 1, acc) == TERN_ERR_DEVICE);
      TERN_CHECK(&t, contains(tern_last_error(dev), "refused a job", "BUS_ERROR"));
      tern_weights_free(big); /* the allocator starts again at 0: below the faulty range */
      src.k = 64, src.n = 8, src.size = 64 * 8;
      for (int i = 0; i < 64 * 8; i++) w[i] = (int8_t)(i % 3 - 1);
      for (int i = 0; i < 64; i++) xq[i] = (int8_t)(i - 20);
      TERN_CHECK(&t, tern_weights_load(dev, &src, TERN_T5, &small) == TERN_OK);
      TERN_CHECK(&t, tern_bitlinear_int(dev, small, xq, 1, acc) == TERN_OK);
      for (int r = 0; r < 8; r++) {
        int32_t want = 0;
        for (int c = 0; c < 64; c++) want += w[r * 64 + c] * xq[c];
        TERN_CHECK(&t, acc[r] == want);
      }
      tern_weights_free(small);
      tern_close(dev);
      free(w), free(acc);
    }
  }
  tern_test_end(&t);

  /* Register-level lock-step with the C device model: hs[0] cmodel, hs[1] rtl. */
  tern_hal hs[2];
  int have = tern_cmodel_hal_open(g, MEM, &hs[0]) == TERN_OK;
  if (have && tern_transport_open_hal("rtl:mem=1M", &g, &hs[1], err, sizeof err) != TERN_OK) {
    printf("FAIL driver-rtl/open: %s\n", err);
    hs[0].close(hs[0].ctx);
    return 1;
  }

  tern_test_begin(&t, "driver-rtl/registers_and_refused_jobs_as_cmodel");
  {
    same_regs(&t, hs, "after reset");
    for (int i = 0; i < 2; i++) {
      tern_status w1 = hs[i].reg_write(hs[i].ctx, TERN_REG_ID_OFFSET, 1);
      tern_status w2 = hs[i].reg_write(hs[i].ctx, 0x104, 1);
      TERN_CHECK(&t, w1 == TERN_ERR_DEVICE && w2 == TERN_ERR_DEVICE); /* read-only, hole: SLVERR */
      hs[i].reg_write(hs[i].ctx, TERN_REG_CTRL_OFFSET, TERN_REG_CTRL_IRQ_EN_MASK);
    }
    same_regs(&t, hs, "after CTRL");
    const uint32_t W = 0x1000, A = 0x40000, O = 0x60000;
    put_job(hs, 2, TERN_T5, 300, 37, 3, W, A, &rng);
    const uint32_t ok_cfg = cfg(TERN_T5, 3);
    const struct {
      desc d;
      uint32_t err;
    } jobs[] = {
        {{300, 37, ok_cfg, W, A, O}, TERN_DEVERR_NONE},
        {{0, 37, ok_cfg, W, A, O}, TERN_DEVERR_BAD_K},
        {{300, 0, ok_cfg, W, A, O}, TERN_DEVERR_BAD_N},
        {{300, 37, cfg((tern_format)2, 3), W, A, O}, TERN_DEVERR_BAD_FMT},
        {{300, 37, cfg(TERN_T5, 0), W, A, O}, TERN_DEVERR_BAD_TOKENS},
        {{300, 37, cfg(TERN_T5, TERN_T_MAX + 1), W, A, O}, TERN_DEVERR_BAD_TOKENS},
        {{300, 37, ok_cfg, W + 4, A, O}, TERN_DEVERR_MISALIGNED},
        {{300, 37, ok_cfg, W, A + 2, O}, TERN_DEVERR_MISALIGNED},
        {{300, 37, ok_cfg, W, A, O + 4}, TERN_DEVERR_MISALIGNED},
        {{65535, 37, cfg(TERN_T5, TERN_T_MAX), W, A, O}, TERN_DEVERR_ACT_OVERFLOW},
        {{300, 37, ok_cfg, (uint32_t)MEM - 64, A, O}, TERN_DEVERR_BUS_ERROR}, /* weights past the end */
        {{300, 37, ok_cfg, W, (uint32_t)MEM - 8, O}, TERN_DEVERR_BUS_ERROR},  /* activations past the end */
        {{300, 37, ok_cfg, W, A, (uint32_t)MEM - 16}, TERN_DEVERR_BUS_ERROR}, /* results past the end */
        {{300, 37, cfg(TERN_T2, 2), W, A, O + 0x1000}, TERN_DEVERR_NONE},     /* T5 bytes read as T2 */
        {{40, 2, cfg(TERN_T5, 1), W, A, O + 0x2000}, TERN_DEVERR_NONE},
        {{1, 1, cfg(TERN_T2, TERN_T_MAX), W, A, O + 0x3000}, TERN_DEVERR_NONE},
    };
    const size_t res_bytes = 0x1000;
    for (size_t j = 0; j < sizeof jobs / sizeof jobs[0] && !t.failed; j++) {
      char when[64];
      snprintf(when, sizeof when, "job %zu", j);
      fill(hs, 2, O, 4 * res_bytes, (uint8_t)(0xA5 + j));
      for (int i = 0; i < 2; i++) {
        submit(&hs[i], &jobs[j].d);
        if (wait_jobs(&hs[i], (uint32_t)j + 1) != 0)
          tern_test_fail(&t, "%s: %s did not finish: %s", when, i ? "rtl" : "cmodel", hs[1].last_error(hs[1].ctx));
      }
      tern_status st;
      uint32_t status = rd(&hs[1], TERN_REG_STATUS_OFFSET, &st);
      uint32_t irq = rd(&hs[1], TERN_REG_IRQ_STATUS_OFFSET, &st);
      uint32_t code = (status & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB;
      /* STATUS.ERR is the code of the most recent failed job */
      if ((jobs[j].err != TERN_DEVERR_NONE && code != jobs[j].err) || !(irq & TERN_REG_IRQ_STATUS_DONE_MASK) ||
          !!(irq & TERN_REG_IRQ_STATUS_ERROR_MASK) != (jobs[j].err != TERN_DEVERR_NONE))
        tern_test_fail(&t, "%s: rtl STATUS 0x%08x IRQ_STATUS 0x%x, expected error %u", when, status, irq, jobs[j].err);
      /* CYCLES: the RTL's count of a good job is at least the cycle model's (cmodel's) */
      uint32_t c0 = rd(&hs[0], TERN_REG_CYCLES_OFFSET, &st), c1 = rd(&hs[1], TERN_REG_CYCLES_OFFSET, &st);
      if (c1 < c0) tern_test_fail(&t, "%s: rtl CYCLES %u < cycle model %u", when, c1, c0);
      same_regs(&t, hs, when);
      if (jobs[j].err != TERN_DEVERR_BUS_ERROR) same_mem(&t, hs, O, 4 * res_bytes, when);
      for (int i = 0; i < 2; i++)
        hs[i].reg_write(hs[i].ctx, TERN_REG_IRQ_STATUS_OFFSET,
                        TERN_REG_IRQ_STATUS_DONE_MASK | TERN_REG_IRQ_STATUS_ERROR_MASK);
      same_regs(&t, hs, "after IRQ_STATUS cleared");
    }
  }
  tern_test_end(&t);

  tern_test_begin(&t, "driver-rtl/queued_jobs_as_cmodel");
  {
    /* four jobs doorbelled back to back (the RTL prefetches the next while one runs) */
    tern_status st;
    const uint32_t done0 = rd(&hs[1], TERN_REG_JOBS_DONE_OFFSET, &st);
    const desc d[4] = {{520, 33, cfg(TERN_T2, TERN_T_MAX), 0x1000, 0x40000, 0x60000},
                       {77, 5, cfg(TERN_T5, 2), 0x20000, 0x48000, 0x61000},
                       {1000, 40, cfg(TERN_T5, 4), 0x28000, 0x50000, 0x62000},
                       {3, 2, cfg(TERN_T2, 1), 0x38000, 0x58000, 0x63000}};
    for (int j = 0; j < 4; j++)
      put_job(hs, 2, (tern_format)(d[j].cfg & TERN_REG_JOB_CFG_FMT_MASK), d[j].k, d[j].n,
              (d[j].cfg & TERN_REG_JOB_CFG_TOKENS_MASK) >> TERN_REG_JOB_CFG_TOKENS_LSB, d[j].w, d[j].a, &rng);
    fill(hs, 2, 0x60000, 0x4000, 0x5A);
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 4; j++) submit(&hs[i], &d[j]);
      if (wait_jobs(&hs[i], done0 + 4) != 0) tern_test_fail(&t, "%s did not finish 4 jobs", i ? "rtl" : "cmodel");
    }
    same_mem(&t, hs, 0x60000, 0x4000, "queued jobs");
    same_regs(&t, hs, "after queued jobs");
  }
  tern_test_end(&t);
  if (have) {
    hs[0].close(hs[0].ctx);
    hs[1].close(hs[1].ctx);
  }

  tern_test_begin(&t, "driver-rtl/throttled_memory_and_csr_bus_bit_exact");
  {
    tern_device *cpu = NULL;
    TERN_CHECK(&t, tern_open("cpu", &cpu) == TERN_OK);
    static const char *const uris[] = {"rtl:latency=8,throttle=0.9,seed=%" PRIu64,
                                       "rtl:read_latency=20,write_latency=3,throttle=0.5,lite_delay=3,seed=%" PRIu64,
                                       "rtl:latency=0,throttle=0.2,seed=%" PRIu64};
    for (size_t u = 0; u < sizeof uris / sizeof uris[0] && cpu && !t.failed; u++) {
      char uri[128];
      snprintf(uri, sizeof uri, uris[u], seed + u);
      tern_device *dev = NULL;
      if (tern_open_err(uri, &dev, err, sizeof err) != TERN_OK) {
        tern_test_fail(&t, "%s: %s", uri, err);
        break;
      }
      matmul_like_cpu(&t, dev, cpu, &rng, 40);
      tern_close(dev);
    }
    tern_close(cpu);
  }
  tern_test_end(&t);

  tern_test_begin(&t, "driver-rtl/2b4t_shaped_layer_as_cpu");
  {
    /* BitNet b1.58 2B4T's 2560 -> 6912 projection, two tokens: about 0.9 M device cycles */
    const uint32_t k = TERN_W_2B4T_HIDDEN, n = TERN_W_2B4T_FFN, tokens = 2;
    tern_device *dev = NULL, *cpu = NULL;
    TERN_CHECK(&t, tern_open("rtl", &dev) == TERN_OK && tern_open("cpu", &cpu) == TERN_OK);
    int8_t *w = malloc((size_t)k * n), *xq = malloc((size_t)k * tokens);
    int32_t *a0 = malloc(sizeof(int32_t) * n * tokens), *a1 = malloc(sizeof(int32_t) * n * tokens);
    for (size_t i = 0; i < (size_t)k * n; i++) w[i] = (int8_t)(tern_rand_next(&rng) % 3) - 1;
    for (size_t i = 0; i < (size_t)k * tokens; i++) xq[i] = (int8_t)tern_rand_next(&rng);
    tern_tensor_src src = {TERN_LAYOUT_TRITS, w, (size_t)k * n, k, n, 1.0f};
    tern_weights *wd = NULL, *wc = NULL;
    if (dev && cpu) {
      TERN_CHECK(&t, tern_weights_load(dev, &src, TERN_T5, &wd) == TERN_OK &&
                         tern_weights_load(cpu, &src, TERN_T5, &wc) == TERN_OK);
      TERN_CHECK(&t, tern_bitlinear_int(cpu, wc, xq, tokens, a0) == TERN_OK);
      if (tern_bitlinear_int(dev, wd, xq, tokens, a1) != TERN_OK)
        tern_test_fail(&t, "%s", tern_last_error(dev));
      else
        for (size_t i = 0; i < (size_t)n * tokens; i++)
          if (a0[i] != a1[i]) {
            tern_test_fail(&t, "acc[%zu] = %d, cpu %d", i, a1[i], a0[i]);
            break;
          }
    }
    tern_weights_free(wd), tern_weights_free(wc);
    tern_close(dev), tern_close(cpu);
    free(w), free(xq), free(a0), free(a1);
  }
  tern_test_end(&t);

  tern_test_begin(&t, "driver-rtl/two_devices_at_once");
  {
    tern_device *a = NULL, *b = NULL, *cpu = NULL;
    TERN_CHECK(&t, tern_open("rtl", &a) == TERN_OK && tern_open("rtl:throttle=0.6", &b) == TERN_OK &&
                       tern_open("cpu", &cpu) == TERN_OK);
    for (int round = 0; round < 4 && a && b && cpu && !t.failed; round++) {
      matmul_like_cpu(&t, round & 1 ? b : a, cpu, &rng, 2);
      matmul_like_cpu(&t, round & 1 ? a : b, cpu, &rng, 1);
    }
    tern_close(a), tern_close(b), tern_close(cpu);
  }
  tern_test_end(&t);

  tern_test_begin(&t, "driver-rtl/vcd_option_writes_a_waveform");
  {
    char path[512], uri[600];
    const char *slash = strrchr(argv[0], '/');
    snprintf(path, sizeof path, "%.*stest_rtl.vcd", slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
    snprintf(uri, sizeof uri, "rtl:vcd=%s", path);
    remove(path);
    tern_device *dev = NULL, *cpu = NULL;
    TERN_CHECK(&t, tern_open_err(uri, &dev, err, sizeof err) == TERN_OK && tern_open("cpu", &cpu) == TERN_OK);
    if (dev && cpu) matmul_like_cpu(&t, dev, cpu, &rng, 1);
    tern_close(dev), tern_close(cpu);
    FILE *f = fopen(path, "r");
    char head[16] = {0};
    TERN_CHECK(&t, f && fread(head, 1, 8, f) == 8 && head[0] == '$');
    if (f) fclose(f);
    remove(path);
  }
  tern_test_end(&t);
  return tern_test_exit(&t);
}
