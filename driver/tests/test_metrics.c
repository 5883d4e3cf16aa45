/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of tern_metrics (driver/src/metrics.c) against figures worked out by hand (the decimal
 * expansions below come from exact fractions, not from the code under test):
 *   - device: ideal cycles, utilisation, tokens/s and weight-stream efficiency of the shipped
 *     model's decode step on the 2 x 20 array (the numbers `make demo` prints), and of a 2B4T
 *     layer measured by the device bench; the model projection at 100 MHz with prefill at T_MAX;
 *   - corners: zero cycles, zero bytes, zero steps and zero bits give 0 (never NaN or inf), one
 *     token, T_MAX tokens;
 *   - a counted phase: every per-token figure and the FLOP breakdown (lm_head, attention,
 *     quantisation+epilogue, other, total), over one step and over 15.
 * Output: one PASS/FAIL line per case (tests/common/tern_test.h). */
#include <math.h>
#include <string.h>

#include "tern_metrics.h"
#include "tern_test.h"

/* a and b equal to a relative 1e-12 (exact when b is 0) */
static int near(double a, double b) { return b == 0 ? a == 0 : fabs(a - b) <= 1e-12 * fabs(b); }

#define NEAR(t, a, b)                                                                                            \
  do {                                                                                                           \
    const double a_ = (a), b_ = (b);                                                                             \
    if (!near(a_, b_)) tern_test_fail((t), "%s:%d: %s = %.17g, expected %.17g", __FILE__, __LINE__, #a, a_, b_); \
  } while (0)

int main(void) {
  tern_test_ctx t;
  memset(&t, 0, sizeof t);
  const tern_geom g220 = {2, 20};

  /* models/tern-kjv.gguf, one decode step on the 2 x 20 rtl array: 557056 MACs, 14813 cycles */
  tern_test_begin(&t, "metrics/device-decode");
  NEAR(&t, tern_metrics_ideal_cycles(557056, g220), 13926.4);
  NEAR(&t, tern_metrics_utilisation(13926.4, 14813), 0.9401471680280834);
  NEAR(&t, tern_metrics_tokens_per_s(14813, 1, 100e6), 6750.826976304597);
  NEAR(&t, tern_metrics_tokens_per_s(14813, 1, 36e6), 2430.297711469655);
  tern_test_end(&t);

  /* the 2B4T q projection at T = 1 (device bench): 1310720 weight bytes in 164257 cycles */
  tern_test_begin(&t, "metrics/stream-efficiency");
  TERN_CHECK(&t, TERN_METRICS_PORT_BYTES == 8.0); /* spec/tern.toml addr_align */
  NEAR(&t, tern_metrics_stream_efficiency(1310720, TERN_METRICS_PORT_BYTES, 164257), 0.9974612954090236);
  NEAR(&t, tern_metrics_stream_efficiency(80, 8, 10), 1.0);
  NEAR(&t, tern_metrics_roofline_tokens_per_s(16e9, 416931840), 38.375577168680614);
  tern_test_end(&t);

  /* a 2B4T layer: T5 decode 1740094 cycles and 13897728 bytes; prefill at T_MAX 13913789 cycles */
  tern_test_begin(&t, "metrics/projection");
  {
    const tern_layer_run run = {1740094, 13897728, 13913789, TERN_T_MAX};
    tern_model_projection p;
    tern_metrics_project(&run, 30, 8, 100e6, &p);
    NEAR(&t, p.weight_bytes_per_token, 416931840);
    NEAR(&t, p.stream_efficiency, 0.9983460663619321);
    NEAR(&t, p.decode_tokens_per_s, 1.9156053255360534);
    NEAR(&t, p.roofline_tokens_per_s, 1.9187788584340308);
    if (TERN_T_MAX == 8) NEAR(&t, p.prefill_tokens_per_s, 1.916563968784252);
    /* no prefill measured: none projected */
    const tern_layer_run decode_only = {1740094, 13897728, 0, 0};
    tern_metrics_project(&decode_only, 30, 8, 100e6, &p);
    NEAR(&t, p.prefill_tokens_per_s, 0);
    NEAR(&t, p.decode_tokens_per_s, 1.9156053255360534);
  }
  tern_test_end(&t);

  /* T_MAX tokens in one job: the clock x T_MAX tokens over the cycles */
  tern_test_begin(&t, "metrics/t-max-tokens");
  NEAR(&t, tern_metrics_tokens_per_s(1000, TERN_T_MAX, 1e6), 1000.0 * TERN_T_MAX);
  NEAR(&t, tern_metrics_tokens_per_s(1000, 1, 1e6), 1000.0);
  /* T_MAX tokens of a 40 x 40 job on 2 x 20: T_MAX x 1600 / 40 ideal cycles */
  NEAR(&t, tern_metrics_ideal_cycles(1600.0 * TERN_T_MAX, g220), 40.0 * TERN_T_MAX);
  NEAR(&t, tern_metrics_utilisation(40.0 * TERN_T_MAX, 50.0 * TERN_T_MAX), 0.8);
  tern_test_end(&t);

  tern_test_begin(&t, "metrics/zero-corners");
  NEAR(&t, tern_metrics_utilisation(100, 0), 0);
  NEAR(&t, tern_metrics_tokens_per_s(0, 1, 100e6), 0);
  NEAR(&t, tern_metrics_stream_efficiency(100, 8, 0), 0);
  NEAR(&t, tern_metrics_stream_efficiency(100, 0, 10), 0);
  NEAR(&t, tern_metrics_roofline_tokens_per_s(16e9, 0), 0);
  NEAR(&t, tern_metrics_toggle_rate(5, 0, 10), 0);
  NEAR(&t, tern_metrics_toggle_rate(5, 10, 0), 0);
  NEAR(&t, tern_metrics_toggle_rate(300, 10, 60), 0.5);
  {
    const tern_geom none = {0, 0};
    NEAR(&t, tern_metrics_ideal_cycles(100, none), 0);
    const tern_layer_run zero = {0, 0, 0, 0};
    tern_model_projection p;
    tern_metrics_project(&zero, 30, 8, 100e6, &p);
    TERN_CHECK(&t, p.decode_tokens_per_s == 0 && p.roofline_tokens_per_s == 0 && p.stream_efficiency == 0 &&
                       p.prefill_tokens_per_s == 0 && p.weight_bytes_per_token == 0);
  }
  tern_test_end(&t);

  /* A phase of 15 decode steps of models/tern-kjv.gguf on rtl (per step: 7 calls, 557056 MACs,
   * 368148 adds, 565760 slots, 113152 weight bytes, 2048 + 7680 I/O bytes, 14813 cycles, host
   * bytes lm_head 262144, embedding 512, KV 6144 read / 512 written, norms 6144; FLOPs lm_head
   * 262144, attention 12576, quantisation 6144 + epilogue 3840, norms 4100, RoPE 1024, FFN
   * 4444, sampling 96 per sample). */
  tern_count_phase ph;
  memset(&ph, 0, sizeof ph);
  const uint64_t S = 15;
  ph.tokens = ph.samples = S;
  ph.calls = 7 * S, ph.macs = 557056 * S, ph.adds = 368148 * S, ph.slot_macs = 565760 * S;
  ph.weight_bytes = 113152 * S, ph.act_bytes = 2048 * S, ph.result_bytes = 7680 * S;
  ph.has_cycles = 1, ph.device_cycles = 14813 * S;
  ph.lm_head_bytes = 262144 * S, ph.embd_bytes = 512 * S, ph.kv_read_bytes = 6144 * S, ph.kv_write_bytes = 512 * S;
  ph.norm_bytes = 6144 * S;
  ph.flops_lm_head = 262144 * S, ph.flops_attn = 12576 * S, ph.quant_flops = 6144 * S, ph.epilogue_flops = 3840 * S;
  ph.flops_norm = 4100 * S, ph.flops_rope = 1024 * S, ph.flops_ffn = 4444 * S, ph.flops_sample = 96 * S;
  tern_phase_metrics m;

  tern_test_begin(&t, "metrics/phase-15-steps");
  tern_metrics_phase(&ph, (double)S, g220, &m);
  {
    /* each figure and its hand value; total: what tern run --stats prints for this run */
    const struct {
      const char *name;
      double got, want;
    } figs[] = {{"steps", m.steps, 15},
                {"calls", m.calls, 7},
                {"macs", m.macs, 557056},
                {"adds", m.adds, 368148},
                {"slot_macs", m.slot_macs, 565760},
                {"weight_bytes", m.weight_bytes, 113152},
                {"act_bytes", m.act_bytes, 2048},
                {"result_bytes", m.result_bytes, 7680},
                {"io_bytes", m.io_bytes, 9728},
                {"device_cycles", m.device_cycles, 14813},
                {"ideal_cycles", m.ideal_cycles, 13926.4},
                {"utilisation", m.utilisation, 0.9401471680280834},
                {"adds_per_mac", m.adds_per_mac, 368148.0 / 557056.0},
                {"lm_head_bytes", m.lm_head_bytes, 262144},
                {"embd_bytes", m.embd_bytes, 512},
                {"kv_read_bytes", m.kv_read_bytes, 6144},
                {"kv_write_bytes", m.kv_write_bytes, 512},
                {"norm_bytes", m.norm_bytes, 6144},
                {"host_model_bytes", m.host_model_bytes, 262144 + 512 + 6144 + 512 + 6144},
                {"flops_lm_head", m.flops_lm_head, 262144},
                {"flops_attn", m.flops_attn, 12576},
                {"flops_quant_epilogue", m.flops_quant_epilogue, 9984},
                {"flops_other", m.flops_other, 9664},
                {"flops_total", m.flops_total, 294368}};
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++)
      if (!near(figs[i].got, figs[i].want))
        tern_test_fail(&t, "%s = %.17g, expected %.17g", figs[i].name, figs[i].got, figs[i].want);
  }
  tern_test_end(&t);

  /* one token: the totals themselves; no cycles counted: none derived */
  tern_test_begin(&t, "metrics/phase-one-token");
  ph.has_cycles = 0;
  tern_metrics_phase(&ph, 1, g220, &m);
  NEAR(&t, m.macs, 557056.0 * 15);
  NEAR(&t, m.flops_total, 294368.0 * 15);
  NEAR(&t, m.flops_other, 9664.0 * 15);
  NEAR(&t, m.ideal_cycles, 13926.4 * 15);
  NEAR(&t, m.device_cycles, 0);
  NEAR(&t, m.utilisation, 0);
  tern_test_end(&t);

  tern_test_begin(&t, "metrics/phase-no-steps");
  tern_metrics_phase(&ph, 0, g220, &m);
  TERN_CHECK(&t, m.steps == 0 && m.macs == 0 && m.flops_total == 0 && m.utilisation == 0);
  tern_metrics_phase(&ph, -1, g220, &m);
  TERN_CHECK(&t, m.steps == 0 && m.macs == 0);
  memset(&ph, 0, sizeof ph);
  tern_metrics_phase(&ph, 3, g220, &m);
  TERN_CHECK(&t, m.adds_per_mac == 0 && m.flops_total == 0 && !isnan(m.utilisation));
  tern_test_end(&t);

  return tern_test_exit(&t);
}
