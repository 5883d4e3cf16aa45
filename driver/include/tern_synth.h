/* SPDX-License-Identifier: Apache-2.0 */
/* tern_synth: a BitNet b1.58 model with random weights, written as a GGUF file in memory, for
 * measurements that depend on a model's shape but not on what it learned (the energy study,
 * docs/energy.md). The CLI takes one wherever it takes a model file: -m synth:SPEC.
 *
 *   tern_synth_params p;  uint8_t *gguf;  size_t size;
 *   tern_synth_parse("2b4t,zero=0.4,seed=7", &p, err, sizeof err);
 *   tern_synth_gguf(&p, &gguf, &size, err, sizeof err);       // malloc'ed; free() it
 *   tern_gguf_open_memory(gguf, size, &g, err, sizeof err);    // keep gguf while g lives
 *
 * The file: architecture bitnet-b1.58 (ReLU^2), the tensors and metadata keys tern_model_load
 * reads (docs/inference.md), no tokenizer (run it with --tokens). Every BitLinear is I2_S with
 * exactly round(zero x K x N) zero weights placed at random (selection sampling) and the rest
 * +1 or -1 with equal probability, scale 1/sqrt(K x (1 - zero)); the token embedding (tied
 * lm_head) is F16 with random values of magnitude 1/16 .. 1/2; norms are 1. The same
 * parameters give the same bytes. */
#ifndef TERN_SYNTH_H
#define TERN_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "tern_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_synth_params {
  uint32_t n_embd, n_layer, n_ff, n_head, n_head_kv, n_vocab, n_ctx;
  double zero; /* fraction of zero weights in every BitLinear, 0..1 */
  uint64_t seed;
} tern_synth_params;

/* Parse SPEC: an optional preset first ("2b4t": the BitNet b1.58 2B4T shape, 2560/6912, 30
 * layers, 20/5 heads, vocabulary 128256, context 4096; "tiny": 256/768, 2 layers, 4/2 heads,
 * vocabulary 512, context 256; the default when no preset is given is "tiny"), then
 * comma-separated name=value overrides: dim, layers, ff, heads, kv, vocab, ctx, zero (0..1),
 * seed. Zero defaults to 1/3 (uniform trits), seed to 1. Errors name the item and the rule
 * (e.g. "synth: 'heads=3' must divide dim=256"). */
tern_status tern_synth_parse(const char *spec, tern_synth_params *p, char *err, size_t err_size);

/* Write the model as a GGUF (version 3) into a fresh malloc'ed buffer. TERN_ERR_ARG for a shape
 * tern cannot run (I2_S needs K x N % 128 == 0), TERN_ERR_NOMEM; err says which. */
tern_status tern_synth_gguf(const tern_synth_params *p, uint8_t **data, size_t *size, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif
#endif /* TERN_SYNTH_H */
