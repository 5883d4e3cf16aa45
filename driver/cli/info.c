/* SPDX-License-Identifier: Apache-2.0 */
/* tern info: a GGUF file's version, metadata, tensor table and the hyper-parameters tern reads
 * from it (or why it cannot run it). */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "cli.h"

int cmd_info(int argc, char **argv) {
  opts o;
  const char *path = NULL;
  cli_parse_opts("info", argc, argv, 2, &o, &path);
  if (!path) path = o.model;
  if (!path) die_usage("info", "no model given (tern info MODEL.gguf)");
  char err[ERRLEN];
  tern_gguf *g;
  if (tern_gguf_open_flags(path, o.no_mmap ? TERN_GGUF_READ : 0, &g, err, sizeof err) != TERN_OK) {
    fail("cannot read model: %s", err); /* err starts with the path */
    return EXIT_FAIL;
  }
  if (!o.no_mmap) sigbus_arm(path);
  tern_gguf_describe(g, stdout, 8);
  tern_model_params p;
  const int params_ok = tern_model_read_params(g, &p, err, sizeof err) == TERN_OK;
  size_t n_unusable = 0;
  for (size_t i = 0; i < tern_gguf_tensor_count(g); i++) { /* every tensor whose type stops a run */
    const tern_gguf_tensor *t = tern_gguf_tensor_at(g, i);
    char why[256], name[300];
    if (!tern_model_tensor_unusable(t->name, t->type, why, sizeof why)) continue;
    tern_gguf_escape(t->name, strlen(t->name), name, sizeof name);
    printf("%smodel: tensor '%s' (%s)\n", n_unusable++ ? "" : "\n", name, why);
  }
  if (!params_ok) {
    printf("\nmodel: tern cannot run this file: %s\n", err);
  } else if (n_unusable) {
    printf("model: tern cannot run this file: %zu tensors have types it cannot use (above)\n", n_unusable);
  } else {
    const char *tn = tern_gguf_type_name(p.weight_type);
    printf("\nmodel: %s, %u layers, n_embd %u, n_ff %u, heads %u (kv %u, head size %u), vocab %u\n", p.arch, p.n_layer,
           p.n_embd, p.n_ff, p.n_head, p.n_head_kv, p.head_dim, p.n_vocab);
    printf(
        "model: rms eps %g, rope NEOX theta %g over %u dims (scale %g), activation %s, lm_head %s, "
        "BitLinear weights %s, training context %u\n",
        (double)p.eps, (double)p.rope_theta, p.n_rot, (double)p.rope_scale, tern_act_name(p.act),
        p.tied ? "tied to token_embd" : "output.weight", tn ? tn : "?", p.n_ctx_train);
  }
  tern_tokenizer *tok;
  if (tern_tokenizer_from_gguf(g, &tok, err, sizeof err) == TERN_OK) {
    printf("tokenizer: %zu tokens, %zu merges, bos %d, eos %d, eot %d, add_bos %d\n", tern_tokenizer_vocab_size(tok),
           tern_tokenizer_merge_count(tok), tern_tokenizer_bos(tok), tern_tokenizer_eos(tok), tern_tokenizer_eot(tok),
           tern_tokenizer_add_bos(tok));
    if (params_ok && tern_tokenizer_vocab_size(tok) != p.n_vocab) /* session_open refuses it: say so here */
      printf("tokenizer: tern cannot run this file: the tokenizer has %zu tokens but the embedding has %u rows\n",
             tern_tokenizer_vocab_size(tok), p.n_vocab);
    tern_tokenizer_free(tok);
  } else {
    printf("tokenizer: none usable: %s\n", err);
  }
  tern_gguf_close(g);
  return 0;
}
