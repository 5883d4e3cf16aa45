/* SPDX-License-Identifier: Apache-2.0 */
/* tern_metrics (include/tern_metrics.h): the derived figures of a run. The order of the
 * operations is part of the contract: callers print these figures, and a reordered product
 * could change the last digit of a printed value. Valid C and C++ (the device bench, built by
 * Verilator's make, compiles this file as C++). */
#include "tern_metrics.h"

#include <string.h>

double tern_metrics_ideal_cycles(double macs, tern_geom g) {
  const double slots = (double)g.rows * g.lanes;
  return slots > 0 ? macs / slots : 0.0;
}

double tern_metrics_utilisation(double ideal_cycles, double cycles) { return cycles > 0 ? ideal_cycles / cycles : 0.0; }

double tern_metrics_tokens_per_s(double cycles, double tokens, double clock_hz) {
  return cycles > 0 ? clock_hz * tokens / cycles : 0.0;
}

double tern_metrics_stream_efficiency(double weight_bytes, double port_bytes, double cycles) {
  const double beats = port_bytes * cycles;
  return beats > 0 ? weight_bytes / beats : 0.0;
}

double tern_metrics_roofline_tokens_per_s(double bytes_per_s, double bytes_per_token) {
  return bytes_per_token > 0 ? bytes_per_s / bytes_per_token : 0.0;
}

double tern_metrics_toggle_rate(uint64_t toggles, uint64_t cycles, uint32_t bits) {
  const double watched = (double)cycles * bits;
  return watched > 0 ? (double)toggles / watched : 0.0;
}

void tern_metrics_project(const tern_layer_run *run, double layers, double port_bytes, double clock_hz,
                          tern_model_projection *out) {
  memset(out, 0, sizeof *out);
  out->weight_bytes_per_token = layers * run->weight_bytes;
  out->stream_efficiency = tern_metrics_stream_efficiency(run->weight_bytes, port_bytes, run->cycles);
  out->decode_tokens_per_s = tern_metrics_tokens_per_s(layers * run->cycles, 1.0, clock_hz);
  out->roofline_tokens_per_s = tern_metrics_roofline_tokens_per_s(port_bytes * clock_hz, out->weight_bytes_per_token);
  if (run->prefill_cycles > 0)
    out->prefill_tokens_per_s = tern_metrics_tokens_per_s(layers * run->prefill_cycles, run->prefill_tokens, clock_hz);
}

void tern_metrics_phase(const tern_count_phase *p, double steps, tern_geom geom, tern_phase_metrics *m) {
  memset(m, 0, sizeof *m);
  if (!(steps > 0)) return;
  m->steps = steps;
  m->calls = (double)p->calls / steps;
  m->macs = (double)p->macs / steps;
  m->adds = (double)p->adds / steps;
  m->slot_macs = (double)p->slot_macs / steps;
  m->weight_bytes = (double)p->weight_bytes / steps;
  m->act_bytes = (double)p->act_bytes / steps;
  m->result_bytes = (double)p->result_bytes / steps;
  m->io_bytes = (double)(p->act_bytes + p->result_bytes) / steps;
  m->ideal_cycles = tern_metrics_ideal_cycles(m->macs, geom);
  if (p->has_cycles) {
    m->device_cycles = (double)p->device_cycles / steps;
    m->utilisation = tern_metrics_utilisation(m->ideal_cycles, m->device_cycles);
  }
  m->adds_per_mac = p->macs ? (double)p->adds / (double)p->macs : 0.0;
  m->lm_head_bytes = (double)p->lm_head_bytes / steps;
  m->embd_bytes = (double)p->embd_bytes / steps;
  m->kv_read_bytes = (double)p->kv_read_bytes / steps;
  m->kv_write_bytes = (double)p->kv_write_bytes / steps;
  m->norm_bytes = (double)p->norm_bytes / steps;
  m->host_model_bytes =
      (double)(p->embd_bytes + p->lm_head_bytes + p->kv_read_bytes + p->kv_write_bytes + p->norm_bytes) / steps;
  m->flops_lm_head = (double)p->flops_lm_head / steps;
  m->flops_attn = (double)p->flops_attn / steps;
  m->flops_quant_epilogue = (double)(p->quant_flops + p->epilogue_flops) / steps;
  m->flops_other = (double)(p->flops_norm + p->flops_rope + p->flops_ffn + p->flops_sample) / steps;
  m->flops_total = (double)(p->quant_flops + p->epilogue_flops + p->flops_attn + p->flops_norm + p->flops_rope +
                            p->flops_ffn + p->flops_lm_head + p->flops_sample) /
                   steps;
}
