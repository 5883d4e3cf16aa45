/* SPDX-License-Identifier: Apache-2.0 */
/* The driver core against a mock register bus: the exact register writes of a job, by their
 * generated names, the identity checks, and how device errors are reported. */
#define _GNU_SOURCE /* memrchr, readlink */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "tern.h"
#include "tern_devmodel.h"
#include "tern_test.h"
#include "transport.h"

#define LOG_MAX 64
typedef struct {
  uint32_t id, version, params, act_buf, irq_status, status, jobs_done;
  int irq;        /* what wait_irq answers */
  int stuck;      /* the doorbell does nothing; every register read costs 1000 cycles */
  int done_step;  /* what a doorbell adds to JOBS_DONE (1 unless a test makes it jump) */
  uint64_t clock; /* the mock's device clock: 100 cycles per doorbell */
  uint32_t w_off[LOG_MAX], w_val[LOG_MAX];
  int n_writes;
  uint8_t mem[1 << 16];
} mock;

static tern_status m_read(void *c, uint32_t off, uint32_t *v) {
  mock *m = c;
  if (m->stuck) m->clock += 1000;
  switch (off) {
    case TERN_REG_ID_OFFSET: *v = m->id; return TERN_OK;
    case TERN_REG_VERSION_OFFSET: *v = m->version; return TERN_OK;
    case TERN_REG_PARAMS_OFFSET: *v = m->params; return TERN_OK;
    case TERN_REG_ACT_BUF_OFFSET: *v = m->act_buf; return TERN_OK;
    case TERN_REG_QUEUE_OFFSET: *v = TERN_QUEUE_DEPTH << TERN_REG_QUEUE_DEPTH_LSB; return TERN_OK;
    case TERN_REG_JOBS_DONE_OFFSET: *v = m->jobs_done; return TERN_OK;
    case TERN_REG_IRQ_STATUS_OFFSET: *v = m->irq_status; return TERN_OK;
    case TERN_REG_STATUS_OFFSET: *v = m->status; return TERN_OK;
    default: return TERN_ERR_DEVICE;
  }
}
static tern_status m_write(void *c, uint32_t off, uint32_t v) {
  mock *m = c;
  if (m->n_writes < LOG_MAX) m->w_off[m->n_writes] = off, m->w_val[m->n_writes] = v;
  m->n_writes++;
  if (off == TERN_REG_DOORBELL_OFFSET && (v & 1) && !m->stuck)
    m->jobs_done += (uint32_t)m->done_step, m->clock += 100; /* the mock finishes at once */
  return TERN_OK;
}
static tern_status m_mem_write(void *c, uint64_t a, const void *src, size_t len) {
  mock *m = c;
  if (a + len > sizeof m->mem) return TERN_ERR_DEVICE;
  memcpy(m->mem + a, src, len);
  return TERN_OK;
}
static tern_status m_mem_read(void *c, uint64_t a, void *dst, size_t len) {
  mock *m = c;
  if (a + len > sizeof m->mem) return TERN_ERR_DEVICE;
  memcpy(dst, m->mem + a, len);
  return TERN_OK;
}
static tern_status m_wait(void *c, uint32_t ms) {
  (void)ms;
  return ((mock *)c)->irq ? TERN_OK : TERN_ERR_DEVICE;
}

static uint64_t m_cycles(void *c) { return ((mock *)c)->clock; }

static mock *new_mock(void) {
  mock *m = calloc(1, sizeof *m);
  m->id = TERN_REG_ID_RESET;
  m->version = TERN_REG_VERSION_RESET;
  m->params = TERN_ROWS << TERN_REG_PARAMS_ROWS_LSB | TERN_LANES << TERN_REG_PARAMS_LANES_LSB |
              TERN_FORMATS_MASK << TERN_REG_PARAMS_FORMATS_LSB | TERN_T_MAX << TERN_REG_PARAMS_T_MAX_LSB;
  m->act_buf = TERN_ACT_BUF_BEATS;
  m->irq = 1;
  m->irq_status = TERN_REG_IRQ_STATUS_DONE_MASK;
  m->done_step = 1;
  return m;
}
static tern_hal hal_of(mock *m) {
  tern_hal h = {m, sizeof m->mem, m_read, m_write, m_mem_write, m_mem_read, m_wait, NULL, NULL, m_cycles, NULL, NULL};
  return h;
}

/* A device over the mock, or NULL (err says why). */
static tern_device *mock_device(mock *m, char *err, size_t err_size) {
  tern_hal h = hal_of(m);
  tern_device *dev = NULL;
  return tern_open_hal(&h, "mock", &dev, err, err_size) == TERN_OK ? dev : NULL;
}

static uint64_t align8(uint64_t v) { return (v + TERN_ADDR_ALIGN - 1) / TERN_ADDR_ALIGN * TERN_ADDR_ALIGN; }

int main(void) {
  tern_test_ctx t = {0};
  char err[256];

  tern_test_begin(&t, "driver-mock/open_checks_identity_and_geometry");
  {
    mock *m = new_mock();
    tern_hal h = hal_of(m);
    tern_device *dev = NULL;
    m->id = 0x12345678;
    TERN_CHECK(&t, tern_open_hal(&h, "mock", &dev, err, sizeof err) == TERN_ERR_DEVICE && !dev);
    TERN_CHECK(&t, strstr(err, "ID 0x12345678") != NULL);
    m->id = TERN_REG_ID_RESET;
    m->params = 4u << TERN_REG_PARAMS_ROWS_LSB | 16u << TERN_REG_PARAMS_LANES_LSB;
    TERN_CHECK(&t, tern_open_hal(&h, "mock", &dev, err, sizeof err) == TERN_ERR_DEVICE && !dev);
    TERN_CHECK(&t, strstr(err, "4x16") != NULL);
    free(m);
  }
  tern_test_end(&t);

  tern_test_begin(&t, "driver-mock/exact_register_writes_of_a_job");
  {
    mock *m = new_mock();
    tern_hal h = hal_of(m);
    tern_device *dev = NULL;
    TERN_CHECK(&t, tern_open_hal(&h, "mock", &dev, err, sizeof err) == TERN_OK);
    /* open: clear stale causes, enable the interrupt */
    TERN_CHECK(&t, m->n_writes == 2);
    TERN_CHECK(&t, m->w_off[0] == TERN_REG_IRQ_STATUS_OFFSET &&
                       m->w_val[0] == (TERN_REG_IRQ_STATUS_DONE_MASK | TERN_REG_IRQ_STATUS_ERROR_MASK));
    TERN_CHECK(&t, m->w_off[1] == TERN_REG_CTRL_OFFSET && m->w_val[1] == TERN_REG_CTRL_IRQ_EN_MASK);
    enum { K = 50, N = 3, T = 2 };
    int8_t w[N * K], xq[T * K];
    for (int i = 0; i < N * K; i++) w[i] = (int8_t)(i % 3 - 1);
    for (int i = 0; i < T * K; i++) xq[i] = (int8_t)i;
    tern_tensor_src src = {TERN_LAYOUT_TRITS, w, sizeof w, K, N, 1.0f};
    tern_weights *tw = NULL;
    TERN_CHECK(&t, tern_weights_load(dev, &src, TERN_T5, &tw) == TERN_OK);
    const uint64_t w_addr = 0, wbytes = tern_stream_bytes(tern_geom_default(), TERN_T5, K, N);
    const uint64_t a_addr = align8(wbytes), o_addr = align8(a_addr + T * tern_devmodel_act_stride(K));
    /* the mock "device" has these results waiting */
    for (int i = 0; i < T; i++)
      for (int r = 0; r < N; r++) {
        int32_t v = -1000 * i + r;
        memcpy(m->mem + o_addr + i * tern_devmodel_res_stride(N) + 4 * r, &v, 4);
      }
    m->n_writes = 0;
    int32_t acc[T * N];
    TERN_CHECK(&t, tern_bitlinear_int(dev, tw, xq, T, acc) == TERN_OK);
    const uint32_t want_off[] = {TERN_REG_JOB_K_OFFSET,      TERN_REG_JOB_N_OFFSET,      TERN_REG_JOB_CFG_OFFSET,
                                 TERN_REG_JOB_W_ADDR_OFFSET, TERN_REG_JOB_A_ADDR_OFFSET, TERN_REG_JOB_O_ADDR_OFFSET,
                                 TERN_REG_DOORBELL_OFFSET,   TERN_REG_IRQ_STATUS_OFFSET};
    const uint32_t want_val[] = {K,
                                 N,
                                 TERN_FMT_T5 << TERN_REG_JOB_CFG_FMT_LSB | T << TERN_REG_JOB_CFG_TOKENS_LSB,
                                 (uint32_t)w_addr,
                                 (uint32_t)a_addr,
                                 (uint32_t)o_addr,
                                 1,
                                 TERN_REG_IRQ_STATUS_DONE_MASK};
    TERN_CHECK(&t, m->n_writes == 8);
    for (int i = 0; i < 8 && i < m->n_writes; i++)
      if (m->w_off[i] != want_off[i] || m->w_val[i] != want_val[i])
        tern_test_fail(&t, "write %d: 0x%03x <- 0x%x, expected 0x%03x <- 0x%x", i, m->w_off[i], m->w_val[i],
                       want_off[i], want_val[i]);
    for (int i = 0; i < T; i++)
      for (int r = 0; r < N; r++) TERN_CHECK(&t, acc[i * N + r] == -1000 * i + r);
    TERN_CHECK(&t, memcmp(m->mem + a_addr, xq, K) == 0 &&
                       memcmp(m->mem + a_addr + tern_devmodel_act_stride(K), xq + K, K) == 0);
    /* more tokens than T_MAX: one job per T_MAX tokens, both queued before the one wait */
    int8_t xbig[(TERN_T_MAX + 1) * K];
    int32_t accbig[(TERN_T_MAX + 1) * N];
    memset(xbig, 1, sizeof xbig);
    m->n_writes = 0;
    TERN_CHECK(&t, tern_bitlinear_int(dev, tw, xbig, TERN_T_MAX + 1, accbig) == TERN_OK);
    TERN_CHECK(&t, m->n_writes == 15 && m->w_val[2] == (TERN_FMT_T5 | TERN_T_MAX << TERN_REG_JOB_CFG_TOKENS_LSB) &&
                       m->w_off[6] == TERN_REG_DOORBELL_OFFSET &&
                       m->w_val[9] == (TERN_FMT_T5 | 1u << TERN_REG_JOB_CFG_TOKENS_LSB) &&
                       m->w_off[13] == TERN_REG_DOORBELL_OFFSET && m->w_off[14] == TERN_REG_IRQ_STATUS_OFFSET);
    /* the two jobs' activations and results do not overlap */
    TERN_CHECK(&t, m->w_val[4] != m->w_val[11] && m->w_val[5] != m->w_val[12]);
    /* a device error: the job is refused, the message names the code */
    m->irq_status = TERN_REG_IRQ_STATUS_DONE_MASK | TERN_REG_IRQ_STATUS_ERROR_MASK;
    m->status = TERN_DEVERR_BUS_ERROR << TERN_REG_STATUS_ERR_LSB;
    TERN_CHECK(&t, tern_bitlinear_int(dev, tw, xq, T, acc) == TERN_ERR_DEVICE);
    TERN_CHECK(&t, strstr(tern_last_error(dev), "BUS_ERROR") != NULL);
    /* no interrupt: a timeout, not a hang */
    m->irq = 0;
    TERN_CHECK(&t, tern_bitlinear_int(dev, tw, xq, T, acc) == TERN_ERR_DEVICE);
    TERN_CHECK(&t, strstr(tern_last_error(dev), "did not complete") != NULL);
    tern_weights_free(tw);
    tern_close(dev);
    free(m);
  }
  tern_test_end(&t);
  tern_test_begin(&t, "driver-mock/stuck_device_fails_within_its_budget");
  {
    /* The interrupt line stays high but JOBS_DONE never moves: the job fails once its budget
     * in device cycles (8 x the cycle model + 100,000) is spent, naming the job and what the
     * registers showed; JOBS_DONE jumping past or going back fails at once. After a failure
     * the next call works once the device is idle again. */
    mock *m = new_mock();
    tern_device *dev = mock_device(m, err, sizeof err);
    TERN_CHECK(&t, dev != NULL);
    enum { K = 64, N = 8, T = 1 };
    int8_t w[N * K], xq[T * K];
    memset(w, 1, sizeof w);
    memset(xq, 1, sizeof xq);
    tern_tensor_src src = {TERN_LAYOUT_TRITS, w, sizeof w, K, N, 1.0f};
    tern_weights *tw = NULL;
    int32_t acc[T * N];
    TERN_CHECK(&t, tern_weights_load(dev, &src, TERN_T5, &tw) == TERN_OK);
    m->stuck = 1;
    m->jobs_done = 5;
    m->irq_status = 0;
    TERN_CHECK(&t, tern_bitlinear_int(dev, tw, xq, T, acc) == TERN_ERR_DEVICE);
    const char *e = tern_last_error(dev);
    TERN_CHECK(&t, strstr(e, "job 0 of 1 (K 64, N 8, 1 tokens, T5)") && strstr(e, "JOBS_DONE stayed at 5") &&
                       strstr(e, "interrupt line high") && strstr(e, "device cycles"));
    TERN_CHECK(&t, m->clock < 1000000); /* ended near its budget, not after a million cycles */
    m->stuck = 0;
    m->done_step = 3;
    m->irq_status = TERN_REG_IRQ_STATUS_DONE_MASK;
    TERN_CHECK(&t, tern_bitlinear_int(dev, tw, xq, T, acc) == TERN_ERR_DEVICE);
    TERN_CHECK(&t,
               strstr(tern_last_error(dev), "JOBS_DONE jumped") && strstr(tern_last_error(dev), "past the 1 queued"));
    m->done_step = -2;
    TERN_CHECK(&t, tern_bitlinear_int(dev, tw, xq, T, acc) == TERN_ERR_DEVICE);
    TERN_CHECK(&t, strstr(tern_last_error(dev), "JOBS_DONE went backwards") != NULL);
    /* jobs of the failed call still queued: the next call says so instead of miscounting */
    m->done_step = 1;
    m->status = TERN_REG_STATUS_BUSY_MASK;
    TERN_CHECK(&t, tern_bitlinear_int(dev, tw, xq, T, acc) == TERN_ERR_DEVICE);
    TERN_CHECK(&t, strstr(tern_last_error(dev), "still busy") != NULL);
    m->status = 0;
    TERN_CHECK(&t, tern_bitlinear_int(dev, tw, xq, T, acc) == TERN_OK);
    tern_weights_free(tw);
    tern_close(dev);
    free(m);
  }
  tern_test_end(&t);

  tern_test_begin(&t, "driver-mock/golden_check_catches_wrong_results_and_stats_count");
  {
    /* The mock "finishes" every job without computing it: whatever sits at the result address
     * comes back. Unchecked, that is silently wrong; with the golden check on, the call fails
     * and names the first wrong accumulator. */
    mock *m = new_mock();
    tern_hal h = hal_of(m);
    tern_device *dev = NULL;
    TERN_CHECK(&t, tern_open_hal(&h, "mock", &dev, err, sizeof err) == TERN_OK);
    enum { K = 40, N = 5, T = 3 };
    int8_t w[N * K], xq[T * K];
    for (int i = 0; i < N * K; i++) w[i] = (int8_t)((i * 7) % 3 - 1);
    for (int i = 0; i < T * K; i++) xq[i] = (int8_t)(i * 13 - 100);
    tern_tensor_src src = {TERN_LAYOUT_TRITS, w, sizeof w, K, N, 1.0f};
    tern_weights *plain = NULL, *checked = NULL;
    int32_t acc[T * N], want[T * N];
    for (int tk = 0; tk < T; tk++) /* the plain dot products: independent of the C model */
      for (int r = 0; r < N; r++) {
        int32_t d = 0;
        for (int c = 0; c < K; c++) d += w[r * K + c] * xq[tk * K + c];
        want[tk * N + r] = d;
      }
    TERN_CHECK(&t, tern_weights_load(dev, &src, TERN_T5, &plain) == TERN_OK);
    TERN_CHECK(&t, tern_device_set_check(dev, 1) == TERN_OK && tern_device_set_check(NULL, 1) == TERN_ERR_ARG);
    TERN_CHECK(&t, tern_weights_load(dev, &src, TERN_T5, &checked) == TERN_OK);
    tern_device_reset_stats(dev);
    /* unchecked weights (loaded before check was on): the wrong zeros pass */
    memset(m->mem, 0, sizeof m->mem);
    TERN_CHECK(&t, tern_bitlinear_int(dev, plain, xq, T, acc) == TERN_OK && acc[0] == 0);
    /* checked: the same wrong results fail, naming token, row and both values */
    memset(m->mem, 0, sizeof m->mem);
    TERN_CHECK(&t, tern_bitlinear_int(dev, checked, xq, T, acc) == TERN_ERR_DEVICE);
    char expect[128];
    int first = 0;
    while (first < T * N && want[first] == 0) first++;
    snprintf(expect, sizeof expect, "acc[token %d][row %d] = 0, the C model gives %d", first / N, first % N,
             first < T * N ? want[first] : 0);
    TERN_CHECK(&t, strstr(tern_last_error(dev), "golden check") && strstr(tern_last_error(dev), expect));
    /* checked, and the mock has the right results waiting (where the next job's go): passes */
    const uint64_t wb = tern_stream_bytes(tern_geom_default(), TERN_T5, K, N);
    const uint64_t a_addr = align8(2 * align8(wb)), o_addr = align8(a_addr + T * tern_devmodel_act_stride(K));
    for (int tk = 0; tk < T; tk++) memcpy(m->mem + o_addr + tk * tern_devmodel_res_stride(N), want + tk * N, 4 * N);
    TERN_CHECK(&t, tern_bitlinear_int(dev, checked, xq, T, acc) == TERN_OK && memcmp(acc, want, sizeof want) == 0);
    tern_device_stats st;
    tern_device_get_stats(dev, &st);
    /* three calls ran on the device; the two on checked weights were compared, one differed */
    TERN_CHECK(&t, st.calls == 3 && st.tokens == 3 * T && st.macs == 3ull * K * N * T);
    TERN_CHECK(&t, st.checked == 2 && st.check_failures == 1);
    TERN_CHECK(&t, st.weight_bytes == 3 * wb && st.act_bytes == 3ull * K * T && st.result_bytes == 3ull * 4 * N * T);
    TERN_CHECK(&t, st.has_cycles && st.device_cycles == 300); /* one doorbell a call */
    tern_device_reset_stats(dev);
    tern_device_get_stats(dev, &st);
    TERN_CHECK(&t, st.calls == 0 && st.device_cycles == 0);
    tern_weights_free(plain);
    tern_weights_free(checked);
    tern_close(dev);
    free(m);
  }
  tern_test_end(&t);
  tern_test_begin(&t, "driver-mock/open_errors_say_why");
  {
    tern_device *dev = NULL;
    TERN_CHECK(&t, tern_open_err("fpga", &dev, err, sizeof err) == TERN_ERR_DEVICE && !dev);
    TERN_CHECK(&t, strcmp(err,
                          "unknown device 'fpga' (devices: cpu, cmodel, rtl, systemc, uart:TTY, "
                          "uart-tcp:HOST:PORT)") == 0);
    TERN_CHECK(&t, tern_open_err("uart", &dev, err, sizeof err) == TERN_ERR_DEVICE && !dev); /* uart needs a TTY */
    TERN_CHECK(&t, strstr(err, "unknown device 'uart'") != NULL);
    TERN_CHECK(&t, tern_open_err("cmodel:threads=0", &dev, err, sizeof err) == TERN_ERR_ARG && !dev);
    TERN_CHECK(&t, strstr(err, "cmodel: option 'threads=0'") != NULL);
  }
  tern_test_end(&t);
  tern_test_begin(&t, "driver-mock/plugin_errors");
  {
    /* the plugin loader on directories of our choosing: none holds the plugin, then one holds a
     * tern-rtl.so of another HAL ABI (make tests builds it into test-plugins/ beside this binary) */
    const char *opts = NULL;
    const tern_transport *rtl = tern_transport_find("rtl:latency=3", &opts);
    TERN_CHECK(&t, rtl && strcmp(rtl->prefix, "rtl") == 0 && strcmp(opts, "latency=3") == 0);
    TERN_CHECK(&t, tern_transport_find("rtlx", &opts) == NULL && tern_transport_find("uart-tcp:h:1", &opts));
    tern_hal h;
    const char *none[] = {"/nonexistent-a", "/nonexistent-b"};
    if (rtl) {
      TERN_CHECK(&t, tern_transport_plugin_open_in(rtl, none, 2, tern_geom_default(), "", &h, err, sizeof err) ==
                         TERN_ERR_DEVICE);
      TERN_CHECK(&t, strcmp(err,
                            "rtl: this device is not built: no tern-rtl.so in /nonexistent-a or "
                            "/nonexistent-b; build it with `make -C driver rtl` (needs Verilator)") == 0);
      char dir[4096];
      ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 32);
      char *slash = n > 0 ? memrchr(dir, '/', (size_t)n) : NULL;
      if (slash) {
        strcpy(slash, "/test-plugins");
        const char *bad[] = {dir};
        TERN_CHECK(&t, tern_transport_plugin_open_in(rtl, bad, 1, tern_geom_default(), "", &h, err, sizeof err) ==
                           TERN_ERR_DEVICE);
        char want[160];
        snprintf(want, sizeof want, "test-plugins/tern-rtl.so was built for HAL ABI %u, this driver has %u: rebuild it",
                 TERN_HAL_ABI + 1000u, TERN_HAL_ABI);
        TERN_CHECK(&t, strstr(err, want) != NULL && strstr(err, "`make -C driver rtl`") != NULL);
      } else {
        tern_test_fail(&t, "cannot read /proc/self/exe");
      }
    }
  }
  tern_test_end(&t);
  return tern_test_exit(&t);
}
