/* SPDX-License-Identifier: Apache-2.0 */
/* tern_model: a BitNet b1.58 transformer from a GGUF file, every BitLinear on a tern device.
 *
 *   tern_gguf *g;  tern_model *m;  tern_ctx *c;
 *   tern_gguf_open("model.gguf", &g, err, sizeof err);
 *   tern_model_load(dev, g, NULL, &m, err, sizeof err);   // weights converted onto dev
 *   tern_ctx_new(m, 512, &c, err, sizeof err);            // KV cache for 512 positions
 *   tern_ctx_eval(c, tokens, n, logits, 0, err, sizeof err); // logits of the last token
 *   ...  tern_ctx_free(c); tern_model_free(m); tern_gguf_close(g);
 *
 * The forward pass is the 2B4T one (docs/inference.md): RMSNorm, q/k/v BitLinear, NEOX RoPE,
 * causal GQA attention over an fp32 KV cache, attn_sub_norm before o, residual, ffn_norm,
 * act(gate) * up, ffn_sub_norm before down, residual, final norm, lm_head (output.weight or
 * the tied token_embd). The BitLinears run on the device (q, k, v as one batch, gate and up
 * as one batch), several tokens at a time when prompt tokens are evaluated together; all the
 * floating-point work around them is host C shared by every backend and computed in an order
 * that does not depend on the thread count, so logits are bit-identical on cpu, cmodel, rtl.
 *
 * After load the model reads the tern_gguf for two tensors only, token_embd.weight (a row per
 * token) and the lm_head (output.weight, or token_embd when tied): they are the largest host
 * tensors (656 MB each for 2B4T) and a copy would double the memory and the start-up time, so
 * they stay where the file is, mapped and shared through the page cache. Everything else is
 * owned: the norms copied to float, the BitLinears converted onto the device, the tokenizer's
 * strings copied. Keep the tern_gguf open while the model lives; open it with TERN_GGUF_READ
 * (tern_gguf_open_flags, the CLI's --no-mmap) when the file may change during the run. No global state; a model and its
 * contexts are used from one thread at a time (they use the device's thread pool inside). */
#ifndef TERN_MODEL_H
#define TERN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "tern.h"
#include "tern_gguf.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_model tern_model;
typedef struct tern_ctx tern_ctx;

typedef enum tern_act {
  TERN_ACT_RELU2 = 0, /* relu(x)^2: bitnet-b1.58, bitnet-25 (2B4T) */
  TERN_ACT_SILU,      /* x * sigmoid(x): the older "bitnet" arch */
  TERN_ACT_GELU,      /* tanh approximation */
  TERN_ACT_RELU
} tern_act;

/* Hyper-parameters, from the GGUF metadata ({arch}.* keys) and the tensor shapes. */
typedef struct tern_model_params {
  char arch[32];        /* general.architecture */
  uint32_t n_vocab;     /* rows of token_embd */
  uint32_t n_embd;      /* {arch}.embedding_length */
  uint32_t n_layer;     /* {arch}.block_count */
  uint32_t n_ff;        /* {arch}.feed_forward_length */
  uint32_t n_head;      /* {arch}.attention.head_count */
  uint32_t n_head_kv;   /* {arch}.attention.head_count_kv (default n_head) */
  uint32_t head_dim;    /* n_embd / n_head */
  uint32_t n_rot;       /* {arch}.rope.dimension_count (default head_dim) */
  uint32_t n_ctx_train; /* {arch}.context_length (0 if absent) */
  float eps;            /* {arch}.attention.layer_norm_rms_epsilon */
  float rope_theta;     /* {arch}.rope.freq_base (default 10000) */
  float rope_scale;     /* 1 / {arch}.rope.scaling.factor for linear scaling, else 1 */
  tern_act act;         /* by arch, or {arch}.hidden_activation */
  int tied;             /* lm_head is token_embd (no output.weight) */
  uint32_t weight_type; /* GGML type of the BitLinear tensors (36 I2_S, 35 TQ2_0, 34 TQ1_0) */
} tern_model_params;

/* Progress of a load: done of total BitLinear tensors converted and on the device. */
typedef void (*tern_progress_fn)(void *ctx, size_t done, size_t total);

typedef struct tern_model_opts {
  tern_format fmt;           /* device weight format: TERN_T5 (default) or TERN_T2 */
  uint32_t batch;            /* tokens per BitLinear call when evaluating many: 1.., 0 = TERN_T_MAX */
  tern_progress_fn progress; /* may be NULL */
  void *progress_ctx;
} tern_model_opts;

/* The defaults: T5, batch TERN_T_MAX, no progress. */
tern_model_opts tern_model_opts_default(void);

/* Read the hyper-parameters of a GGUF without loading anything (clear errors for missing or
 * inconsistent keys and tensors). */
tern_status tern_model_read_params(const tern_gguf *g, tern_model_params *p, char *err, size_t err_size);

/* 1 if tern cannot run a file holding tensor `name` with ggml type `type`: why (why_size bytes)
 * names the tensor's role and the types it needs, e.g. "layer 3, BitLinear attn_q: type Q4_0,
 * tern needs I2_S, TQ1_0 or TQ2_0". 0 if the type suits the role, or tern does not read the
 * tensor. For describing a file (tern info) without loading it. */
int tern_model_tensor_unusable(const char *name, uint32_t type, char *why, size_t why_size);

/* Load every tensor the forward pass needs: BitLinears onto dev (via tern_weights_load; a
 * separate blk.N.<name>.scale F32 tensor multiplies the scale in the blob, as llama.cpp
 * applies it), norms copied as floats, the embedding and lm_head as pointers into g (F32, F16
 * or BF16). tern_ctx_eval checks the hidden state after every stage and fails with
 * TERN_ERR_NONFINITE naming the first stage whose output holds a NaN or infinity.
 * opts may be NULL (defaults). On failure err names the tensor and the reason, and nothing
 * stays loaded. */
tern_status tern_model_load(tern_device *dev, const tern_gguf *g, const tern_model_opts *opts, tern_model **out,
                            char *err, size_t err_size);
void tern_model_free(tern_model *m);
const tern_model_params *tern_model_get_params(const tern_model *m);
tern_device *tern_model_device(const tern_model *m);
/* Bytes of device weight streams (the packed BitLinears) and of source tensors loaded. */
size_t tern_model_weight_bytes(const tern_model *m);

/* A sequence being evaluated: the KV cache for n_ctx positions and scratch buffers. */
tern_status tern_ctx_new(tern_model *m, uint32_t n_ctx, tern_ctx **out, char *err, size_t err_size);
void tern_ctx_free(tern_ctx *c);
uint32_t tern_ctx_size(const tern_ctx *c);
/* Positions evaluated so far (the next token's position). */
uint32_t tern_ctx_pos(const tern_ctx *c);
/* Forget positions >= pos (pos <= tern_ctx_pos): the next token goes at pos. */
void tern_ctx_rewind(tern_ctx *c, uint32_t pos);

/* Evaluate n tokens at positions pos .. pos+n-1 (in chunks of the model's batch). logits may be
 * NULL (nothing computed for the lm_head); else all_logits != 0 writes n x n_vocab floats (one
 * row per token), all_logits == 0 only the last token's n_vocab floats. TERN_ERR_SIZE when the
 * cache has no room, TERN_ERR_ARG for a token id out of range; err says which. A device
 * failure leaves the cache at the positions evaluated before the failing chunk. */
tern_status tern_ctx_eval(tern_ctx *c, const int32_t *tokens, uint32_t n, float *logits, int all_logits, char *err,
                          size_t err_size);

/* What the host side of the forward pass did (docs/energy.md defines every count): bytes it
 * read or wrote outside the BitLinears and the floating-point operations it did. The BitLinears
 * themselves (device work, activation quantisation and epilogue) are in tern_device_stats. */
typedef struct tern_host_counts {
  uint64_t tokens;         /* tokens evaluated */
  uint64_t logit_tokens;   /* tokens whose logits were computed */
  uint64_t embd_bytes;     /* token_embd rows read: n_embd x element size per token */
  uint64_t lm_head_bytes;  /* lm_head rows read: n_vocab x n_embd x element size, once per chunk
                              with logits (a decode step reads the whole head) */
  uint64_t norm_bytes;     /* norm weight vectors read (fp32): once per chunk and layer, and the
                              output norm once per chunk with logits */
  uint64_t kv_read_bytes;  /* fp32 KV cache read by attention: K and V of every cached position
                              of every KV head, once per token and layer (GQA heads share them) */
  uint64_t kv_write_bytes; /* fp32 K and V written: 2 x kv_dim x 4 per token and layer */
  uint64_t flops_attn;     /* (4 x head_dim + 6) per query head and attended position */
  uint64_t flops_norm;     /* 4 per element of every RMSNorm */
  uint64_t flops_rope;     /* 6 per rotated pair: n_rot/2 pairs per q and k head */
  uint64_t flops_ffn;      /* act(gate) x up: 3 per n_ff element; the two residual adds: 2 x n_embd */
  uint64_t flops_lm_head;  /* 2 x n_vocab x n_embd per token with logits */
} tern_host_counts;

/* The counts of c since it was made or since tern_ctx_reset_counts. */
void tern_ctx_get_counts(const tern_ctx *c, tern_host_counts *counts);
void tern_ctx_reset_counts(tern_ctx *c);

/* Ternary weights of all the model's BitLinears, and how many of them are nonzero. */
uint64_t tern_model_ternary_weights(const tern_model *m);
uint64_t tern_model_nonzero_weights(const tern_model *m);
/* Bytes of one element of the lm_head (output.weight or the tied token_embd) and of token_embd:
 * 2 (F16, BF16) or 4 (F32). */
uint32_t tern_model_head_type_size(const tern_model *m);
uint32_t tern_model_embd_type_size(const tern_model *m);

/* Name of an activation ("relu2", "silu", "gelu", "relu"). */
const char *tern_act_name(tern_act a);

#ifdef __cplusplus
}
#endif
#endif /* TERN_MODEL_H */
