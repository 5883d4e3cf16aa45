/* SPDX-License-Identifier: Apache-2.0 */
/* The event counts of a run (docs/energy.md): the model's BitLinear shapes and the device and
 * host counters of a phase, for tern run --counts and tern energy. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "cli.h"

static void add_shape(tern_counts *c, uint32_t k, uint32_t n, uint32_t per_token) {
  for (uint32_t i = 0; i < c->n_shapes; i++)
    if (c->shapes[i].k == k && c->shapes[i].n == n) {
      c->shapes[i].per_token += per_token;
      return;
    }
  if (c->n_shapes < TERN_COUNTS_MAX_SHAPES) {
    c->shapes[c->n_shapes].k = k, c->shapes[c->n_shapes].n = n, c->shapes[c->n_shapes].per_token = per_token;
    c->n_shapes++;
  }
}

/* What the counts say about the model and the device, before any phase. */
void counts_init(tern_counts *c, const session *s, const char *model, tern_format fmt) {
  memset(c, 0, sizeof *c);
  const tern_model_params *p = s->p;
  snprintf(c->model, sizeof c->model, "%s", model);
  snprintf(c->device, sizeof c->device, "%s", tern_device_uri(s->dev));
  c->geom = tern_device_geom(s->dev);
  c->fmt = fmt;
  c->n_embd = p->n_embd, c->n_layer = p->n_layer, c->n_ff = p->n_ff, c->n_head = p->n_head;
  c->n_head_kv = p->n_head_kv, c->head_dim = p->head_dim, c->n_vocab = p->n_vocab;
  c->head_type_size = tern_model_head_type_size(s->m);
  c->weights = tern_model_ternary_weights(s->m);
  c->nonzero_weights = tern_model_nonzero_weights(s->m);
  /* the seven BitLinears of a layer (the forward pass of docs/inference.md) */
  const uint32_t E = p->n_embd, F = p->n_ff, kv = p->n_head_kv * p->head_dim, L = p->n_layer;
  add_shape(c, E, E, 2 * L);  /* q, o */
  add_shape(c, E, kv, 2 * L); /* k, v */
  add_shape(c, E, F, 2 * L);  /* gate, up */
  add_shape(c, F, E, L);      /* down */
}

/* One phase: the counters' growth from (a, ha) to (b, hb). */
void counts_phase(tern_counts *c, tern_count_phase *p, const tern_device_stats *a, const tern_device_stats *b,
                  const tern_host_counts *ha, const tern_host_counts *hb, uint64_t samples, double seconds) {
  memset(p, 0, sizeof *p);
  p->tokens = hb->tokens - ha->tokens;
  p->samples = samples;
  p->seconds = seconds;
  p->calls = b->calls - a->calls, p->macs = b->macs - a->macs, p->adds = b->adds - a->adds;
  p->slot_macs = b->slot_macs - a->slot_macs, p->weight_bytes = b->weight_bytes - a->weight_bytes;
  p->act_bytes = b->act_bytes - a->act_bytes, p->result_bytes = b->result_bytes - a->result_bytes;
  p->quant_flops = b->quant_flops - a->quant_flops, p->epilogue_flops = b->epilogue_flops - a->epilogue_flops;
  if (b->has_cycles) p->has_cycles = 1, p->device_cycles = b->device_cycles - a->device_cycles;
  if (b->has_toggles) {
    p->has_toggles = 1;
    p->toggle_cycles = b->toggle_cycles - a->toggle_cycles;
    for (int g = 0; g < TERN_TOGGLE_GROUPS; g++) {
      p->toggles[g] = b->toggles[g] - a->toggles[g];
      c->toggle_bits[g] = b->toggle_bits[g];
    }
  }
  p->logit_tokens = hb->logit_tokens - ha->logit_tokens;
  p->embd_bytes = hb->embd_bytes - ha->embd_bytes, p->lm_head_bytes = hb->lm_head_bytes - ha->lm_head_bytes;
  p->norm_bytes = hb->norm_bytes - ha->norm_bytes, p->kv_read_bytes = hb->kv_read_bytes - ha->kv_read_bytes;
  p->kv_write_bytes = hb->kv_write_bytes - ha->kv_write_bytes;
  p->flops_attn = hb->flops_attn - ha->flops_attn, p->flops_norm = hb->flops_norm - ha->flops_norm;
  p->flops_rope = hb->flops_rope - ha->flops_rope, p->flops_ffn = hb->flops_ffn - ha->flops_ffn;
  p->flops_lm_head = hb->flops_lm_head - ha->flops_lm_head;
  p->flops_sample = samples * c->n_vocab;
}
