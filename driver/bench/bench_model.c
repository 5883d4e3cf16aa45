/* SPDX-License-Identifier: Apache-2.0 */
/* Whole-model speed on the cpu backend: prefill and decode tokens/s of a BitNet GGUF (made for
 * it: tools/gen_test_model.py --2b4t-shape, random weights with the real 2B4T shapes), next to
 * the memory roofline measured in the same run.
 *
 * Decode moves, per token, every BitLinear weight (the device streams, T5 by default), the
 * lm_head matrix (2B4T: the tied F16 embedding, 656 MB, more than all ternary weights) and
 * the KV cache read by attention; the roofline is the memory bandwidth (the higher of the
 * triad and the read-only figure, measured first) / those bytes. Prefill runs
 * the prompt in batches of --batch tokens through each BitLinear, so its weights are read once
 * per batch, and the lm_head runs for the last token only: its roofline is far higher and
 * prefill is compute-bound; both are printed so the gap is visible.
 *   bench_model -m MODEL.gguf [--threads N] [--prompt P] [--gen G] [--batch T] [--fmt t5|t2]
 * Prints per thread count (1 and 2, or --threads N):
 *   BENCH name=triad threads=N triad_gbs=... read_gbs=...
 *   BENCH name=model_prefill threads=N tokens=P tok_s=... roofline_tok_s=... of_roofline=...
 *   BENCH name=model_decode  threads=N tokens=G tok_s=... bytes_per_token=... roofline_tok_s=...
 *         of_roofline=... effective_gbs=... */
#include "bench_common.h"
#include "tern_model.h"

static int usage(void) {
  fprintf(stderr, "usage: bench_model -m MODEL.gguf [--threads N] [--prompt P] [--gen G] [--batch T] [--fmt t5|t2]\n");
  return 2;
}

/* Best of reps: prefill of `prompt` tokens from position 0, then `gen` decode steps. */
typedef struct {
  double prefill_s, decode_s;
} timing;

static int run_once(tern_ctx *c, const int32_t *ids, uint32_t prompt, uint32_t gen, float *logits, timing *t) {
  char err[256];
  tern_ctx_rewind(c, 0);
  double t0 = bench_now();
  if (tern_ctx_eval(c, ids, prompt, logits, 0, err, sizeof err) != TERN_OK) {
    fprintf(stderr, "bench_model: prefill: %s\n", err);
    return 1;
  }
  double t1 = bench_now();
  for (uint32_t i = 0; i < gen; i++) {
    if (tern_ctx_eval(c, &ids[prompt + i], 1, logits, 0, err, sizeof err) != TERN_OK) {
      fprintf(stderr, "bench_model: decode: %s\n", err);
      return 1;
    }
  }
  double t2 = bench_now();
  t->prefill_s = t1 - t0;
  t->decode_s = t2 - t1;
  return 0;
}

int main(int argc, char **argv) {
  const char *path = NULL;
  unsigned only_threads = 0, prompt = 64, gen = 32, batch = 8, reps = 3;
  tern_format fmt = TERN_T5;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) return usage();
    if (!strcmp(a, "-m"))
      path = v;
    else if (!strcmp(a, "--threads"))
      only_threads = (unsigned)atoi(v);
    else if (!strcmp(a, "--prompt"))
      prompt = (unsigned)atoi(v);
    else if (!strcmp(a, "--gen"))
      gen = (unsigned)atoi(v);
    else if (!strcmp(a, "--batch"))
      batch = (unsigned)atoi(v);
    else if (!strcmp(a, "--reps"))
      reps = (unsigned)atoi(v);
    else if (!strcmp(a, "--fmt") && (!strcmp(v, "t5") || !strcmp(v, "t2")))
      fmt = !strcmp(v, "t5") ? TERN_T5 : TERN_T2;
    else
      return usage();
    i++;
  }
  if (!path || prompt < 1 || gen < 1 || batch < 1 || reps < 1) return usage();
  char err[512];
  tern_gguf *g = NULL;
  if (tern_gguf_open(path, &g, err, sizeof err) != TERN_OK) {
    fprintf(stderr, "bench_model: %s\n", err);
    return 1;
  }
  tern_model_params p;
  if (tern_model_read_params(g, &p, err, sizeof err) != TERN_OK) {
    fprintf(stderr, "bench_model: %s\n", err);
    return 1;
  }
  const tern_gguf_tensor *lm = tern_gguf_find_tensor(g, "output.weight");
  if (!lm) lm = tern_gguf_find_tensor(g, "token_embd.weight");
  const size_t lm_bytes = lm ? lm->nbytes : 0;
  const uint32_t n_ctx = prompt + gen;
  int32_t *ids = malloc(sizeof(int32_t) * n_ctx);
  float *logits = malloc(sizeof(float) * p.n_vocab);
  if (!ids || !logits) return 1;
  uint64_t rng = 2026;
  for (uint32_t i = 0; i < n_ctx; i++) ids[i] = (int32_t)(tern_rand_next_bench(&rng) % p.n_vocab);
  printf("# model=%s arch=%s layers=%u dim=%u ff=%u vocab=%u lm_head=%s (%.0f MB) fmt=%s batch=%u\n", path, p.arch,
         p.n_layer, p.n_embd, p.n_ff, p.n_vocab, lm ? tern_gguf_type_name(lm->type) : "?", lm_bytes / 1e6,
         tern_format_name(fmt), batch);
  fflush(stdout);
  /* bandwidth first, for every thread count, before a model has touched the heap (measured
   * after a model was loaded and freed, the triad came out at half speed on this machine) */
  double triad_bws[3] = {0}, read_bws[3] = {0};
  for (unsigned th = 1; th <= 2; th++) {
    const unsigned threads = only_threads ? only_threads : th;
    tern_pool *pool = tern_pool_new(threads);
    if (!pool) return 1;
    triad_bws[th] = bench_triad(pool, (size_t)256 << 20 >> 3, 4, &read_bws[th]);
    tern_pool_free(pool);
    printf("BENCH name=triad threads=%u array_mib=256 triad_gbs=%.2f read_gbs=%.2f\n", threads, triad_bws[th] / 1e9,
           read_bws[th] / 1e9);
    fflush(stdout);
    if (only_threads) break;
  }
  for (unsigned th = 1; th <= 2; th++) {
    const unsigned threads = only_threads ? only_threads : th;
    const double triad_bw = triad_bws[th], read_bw = read_bws[th];
    char uri[64];
    snprintf(uri, sizeof uri, "cpu:threads=%u", threads);
    tern_device *dev = NULL;
    if (tern_open_err(uri, &dev, err, sizeof err) != TERN_OK) {
      fprintf(stderr, "bench_model: %s: %s\n", uri, err);
      return 1;
    }
    tern_model_opts o = tern_model_opts_default();
    o.fmt = fmt;
    o.batch = batch;
    tern_model *m = NULL;
    tern_ctx *c = NULL;
    const double l0 = bench_now();
    if (tern_model_load(dev, g, &o, &m, err, sizeof err) != TERN_OK ||
        tern_ctx_new(m, n_ctx, &c, err, sizeof err) != TERN_OK) {
      fprintf(stderr, "bench_model: %s\n", err);
      return 1;
    }
    const double load_s = bench_now() - l0;
    /* bytes a decode step reads: weights, lm_head, and K and V (fp32) of the positions before
     * it, at the mean decode position */
    const size_t wbytes = tern_model_weight_bytes(m);
    const double kv_row = 2.0 * p.n_layer * (double)p.n_head_kv * p.head_dim * sizeof(float);
    const double dec_bytes = (double)wbytes + (double)lm_bytes + kv_row * (prompt + gen / 2.0);
    const double batches = (double)((prompt + batch - 1) / batch);
    const double pre_bytes = (double)wbytes * batches + (double)lm_bytes + kv_row * prompt / 2.0 * batches;
    timing best = {1e30, 1e30};
    for (unsigned r = 0; r < reps; r++) {
      timing t;
      if (run_once(c, ids, prompt, gen, logits, &t)) return 1;
      if (t.prefill_s < best.prefill_s) best.prefill_s = t.prefill_s;
      if (t.decode_s < best.decode_s) best.decode_s = t.decode_s;
    }
    const double pre_tps = prompt / best.prefill_s, dec_tps = gen / best.decode_s;
    const double roof_bw = read_bw > triad_bw ? read_bw : triad_bw; /* the best this machine showed */
    const double pre_roof = roof_bw / (pre_bytes / prompt), dec_roof = roof_bw / dec_bytes;
    printf("BENCH name=model_load threads=%u seconds=%.2f weight_mb=%.1f\n", threads, load_s, wbytes / 1e6);
    printf("BENCH name=model_prefill threads=%u tokens=%u batch=%u tok_s=%.2f roofline_tok_s=%.1f of_roofline=%.3f\n",
           threads, prompt, batch, pre_tps, pre_roof, pre_tps / pre_roof);
    printf(
        "BENCH name=model_decode threads=%u tokens=%u tok_s=%.2f bytes_per_token=%.0f roofline_tok_s=%.2f "
        "of_roofline=%.3f effective_gbs=%.2f of_triad=%.3f\n",
        threads, gen, dec_tps, dec_bytes, dec_roof, dec_tps / dec_roof, dec_tps * dec_bytes / 1e9,
        dec_tps * dec_bytes / triad_bw);
    fflush(stdout);
    tern_ctx_free(c);
    tern_model_free(m);
    tern_close(dev);
    if (only_threads) break;
  }
  free(ids);
  free(logits);
  tern_gguf_close(g);
  return 0;
}
