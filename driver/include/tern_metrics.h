/* SPDX-License-Identifier: Apache-2.0 */
/* tern_metrics: the figures derived from a run's counts, computed in one place for the CLI
 * (tern run --stats, tern energy), the device bench's perf suite and the energy report.
 *
 *   device side   cycles per token, array utilisation (the MACs' ideal cycles / the cycles),
 *                 device-bound tokens/s at a clock, weight-stream efficiency (weight bytes /
 *                 (port bytes x cycles)), a whole model projected from one layer's run
 *   host side     the FLOP and byte breakdowns of a counted phase, per token
 *
 * Plain arithmetic in double precision on numbers the caller gives: no printing, no state.
 * A zero divisor (no cycles, no steps, no bytes) gives 0, never a NaN or an infinity. */
#ifndef TERN_METRICS_H
#define TERN_METRICS_H

#include <stdint.h>

#include "tern.h"
#include "tern_energy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- device ---------------------------------------------------------------------------------- */

/* The device's memory port in bytes per cycle: one addr_align word (spec/tern.toml, 8 bytes). */
#define TERN_METRICS_PORT_BYTES ((double)TERN_ADDR_ALIGN)

/* Cycles the MACs alone need on the array: macs / (rows x lanes). */
double tern_metrics_ideal_cycles(double macs, tern_geom g);
/* Array utilisation: ideal cycles / cycles (0 when cycles is 0). */
double tern_metrics_utilisation(double ideal_cycles, double cycles);
/* Device-bound tokens/s of tokens tokens taking cycles cycles at clock_hz (0 when cycles is 0). */
double tern_metrics_tokens_per_s(double cycles, double tokens, double clock_hz);
/* Weight-stream efficiency: weight_bytes / (port_bytes x cycles), the share of the port's beats
 * that carried weights (0 when port_bytes x cycles is 0). */
double tern_metrics_stream_efficiency(double weight_bytes, double port_bytes, double cycles);
/* Tokens/s a memory of bytes_per_s allows when a token reads bytes_per_token (0 when none). */
double tern_metrics_roofline_tokens_per_s(double bytes_per_s, double bytes_per_token);

/* Toggle rate of a group of bits registers: flips / (cycles x bits) (0 when either is 0). */
double tern_metrics_toggle_rate(uint64_t toggles, uint64_t cycles, uint32_t bits);

/* A model of layers identical layers projected from one layer's measured run. */
typedef struct tern_layer_run {
  double cycles;         /* one layer at one token (decode): cycles */
  double weight_bytes;   /* ... and the weight bytes it read */
  double prefill_cycles; /* one layer at prefill_tokens tokens; 0: not measured */
  double prefill_tokens;
} tern_layer_run;

typedef struct tern_model_projection {
  double weight_bytes_per_token; /* layers x the layer's weight bytes */
  double stream_efficiency;      /* of the decode run on the port */
  double decode_tokens_per_s;    /* clock / (layers x cycles) */
  double roofline_tokens_per_s;  /* port bytes x clock / weight bytes per token */
  double prefill_tokens_per_s;   /* clock x prefill tokens / (layers x prefill cycles); 0: none */
} tern_model_projection;

/* Project run to a model of layers layers on a device of port_bytes bytes a cycle at clock_hz. */
void tern_metrics_project(const tern_layer_run *run, double layers, double port_bytes, double clock_hz,
                          tern_model_projection *out);

/* ---- a counted phase (tern_count_phase), per token --------------------------------------------- */

typedef struct tern_phase_metrics {
  double steps; /* what the totals were divided by */
  /* device */
  double calls, macs, adds, slot_macs, weight_bytes, act_bytes, result_bytes;
  double io_bytes;      /* act_bytes + result_bytes */
  double device_cycles; /* 0 without has_cycles */
  double ideal_cycles;  /* tern_metrics_ideal_cycles of the MACs on geom */
  double utilisation;   /* ideal_cycles / device_cycles (0 without cycles) */
  double adds_per_mac;  /* the nonzero share of the weights the MACs met (0 without MACs) */
  /* host memory */
  double lm_head_bytes, embd_bytes, kv_read_bytes, kv_write_bytes, norm_bytes;
  double host_model_bytes; /* the five above */
  /* host floating-point operations */
  double flops_lm_head, flops_attn;
  double flops_quant_epilogue; /* the BitLinears' activation quantisation and output epilogue */
  double flops_other;          /* norms, RoPE, the FFN's activation and residuals, sampling */
  double flops_total;
} tern_phase_metrics;

/* Phase p's totals divided by steps (steps <= 0: all 0), with geom the array that ran it. */
void tern_metrics_phase(const tern_count_phase *p, double steps, tern_geom geom, tern_phase_metrics *m);

#ifdef __cplusplus
}
#endif
#endif /* TERN_METRICS_H */
