/* SPDX-License-Identifier: Apache-2.0 */
/* The cpu backend's ternary matmul at the BitNet b1.58 2B4T shapes (K x N: 2560x2560 q/o,
 * 2560x640 k/v, 2560x6912 gate/up, 6912x2560 down), T2 and T5, decode (tokens = 1) and a
 * tokens = 8 matmul, 1 and 2 threads. Enough distinct weight matrices are cycled that the
 * working set (--mib, default 1024 MiB) is far larger than the caches, as in a real decode
 * step. Reports the weight bytes the kernel reads per second (the CPU layout, padding
 * included), the nominal format bytes per second (K*N*bits/8: 2 or 1.6 bits a weight), and
 * the fraction of this machine's triad and read-only bandwidth (measured first, same threads).
 *   bench_ternary [--isa portable|avx2|avx512] [--mib M] [--secs S] [--threads N] [--tokens T]
 * Prints: BENCH name=ternary_matmul isa=... fmt=... k=... n=... tokens=... threads=... ... */
#include "bench_common.h"
#include "cpu_kernels.h"
#include "tern_workloads.h"

typedef struct {
  uint32_t k, n;
  const char *what;
} shape;

int main(int argc, char **argv) {
  tern_cpu_isa isa = tern_cpu_isa_select();
  size_t mib = 1024;
  double secs = 1.0;
  unsigned only_threads = 0, only_tokens = 0;
  const char *only_shape = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--isa")) {
      for (int v = 0; v < TERN_CPU_ISA_COUNT; v++)
        if (!strcmp(argv[i + 1], tern_cpu_isa_name((tern_cpu_isa)v))) isa = (tern_cpu_isa)v;
    } else if (!strcmp(argv[i], "--mib"))
      mib = strtoul(argv[i + 1], NULL, 0);
    else if (!strcmp(argv[i], "--secs"))
      secs = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--threads"))
      only_threads = (unsigned)atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--tokens"))
      only_tokens = (unsigned)atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--shape"))
      only_shape = argv[i + 1];
  }
  if (!tern_cpu_isa_supported(isa)) {
    fprintf(stderr, "bench_ternary: %s not supported here\n", tern_cpu_isa_name(isa));
    return 2;
  }
  static const shape shapes[] = {{TERN_W_2B4T_HIDDEN, TERN_W_2B4T_HIDDEN, "attn_q_o"},
                                 {TERN_W_2B4T_HIDDEN, TERN_W_2B4T_KV_DIM, "attn_k_v"},
                                 {TERN_W_2B4T_HIDDEN, TERN_W_2B4T_FFN, "ffn_gate_up"},
                                 {TERN_W_2B4T_FFN, TERN_W_2B4T_HIDDEN, "ffn_down"}};
  static const tern_format fmts[] = {TERN_T2, TERN_T5};
  printf("# isa=%s working_set_mib=%zu\n", tern_cpu_isa_name(isa), mib);
  uint64_t rng = 12345;
  for (unsigned th = 1; th <= 2; th++) {
    const unsigned threads = only_threads ? only_threads : th;
    tern_pool *pool = tern_pool_new(threads);
    if (!pool) return 1;
    double read_bw = 0, triad_bw = bench_triad(pool, (size_t)256 << 20 >> 3, 4, &read_bw);
    printf("BENCH name=triad threads=%u array_mib=256 triad_gbs=%.2f read_gbs=%.2f\n", threads, triad_bw / 1e9,
           read_bw / 1e9);
    fflush(stdout);
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++)
      for (size_t fi = 0; fi < 2; fi++) {
        const shape sh = shapes[si];
        if (only_shape && strcmp(only_shape, sh.what)) continue;
        const tern_format fmt = fmts[fi];
        /* one valid matrix, copied into enough distinct buffers to overflow the caches */
        int8_t *trits = malloc((size_t)sh.k * sh.n);
        if (!trits) return 1;
        for (size_t i = 0; i < (size_t)sh.k * sh.n; i++) {
          uint64_t r = tern_rand_next_bench(&rng);
          trits[i] = (int8_t)((int)(r % 3) - 1);
        }
        tern_cpu_weights base;
        if (tern_cpu_weights_from_trits(fmt, trits, sh.k, sh.n, &base) != TERN_OK) return 1;
        free(trits);
        const size_t wbytes = tern_cpu_weights_bytes(&base);
        size_t count = (mib << 20) / wbytes;
        if (count < 2) count = 2;
        tern_cpu_weights *ws = calloc(count, sizeof *ws);
        if (!ws) return 1;
        for (size_t m = 0; m < count; m++) {
          if (tern_cpu_weights_copy(&base, &ws[m]) != TERN_OK) {
            fprintf(stderr, "bench_ternary: out of memory\n");
            return 1;
          }
        }
        tern_cpu_weights_free(&base);
        const double nominal = (double)sh.k * sh.n * (fmt == TERN_T2 ? 2.0 : 1.6) / 8.0;
        for (unsigned tokens = 1; tokens <= 8; tokens += 7) {
          if (only_tokens && tokens != only_tokens) continue;
          int8_t *x = malloc((size_t)sh.k * tokens);
          int32_t *acc = malloc(sizeof(int32_t) * sh.n * tokens);
          if (!x || !acc) return 1;
          for (size_t i = 0; i < (size_t)sh.k * tokens; i++) x[i] = (int8_t)(tern_rand_next_bench(&rng) & 0xFF);
          for (size_t m = 0; m < count; m++) tern_cpu_matmul(&ws[m], isa, pool, x, tokens, acc); /* warm */
          /* best pass over all matrices (a pass reads the whole working set once): other
           * load on the machine only ever slows a pass down */
          size_t passes = 0;
          double best = 1e30;
          const double t0 = bench_now();
          do {
            const double p0 = bench_now();
            for (size_t m = 0; m < count; m++) tern_cpu_matmul(&ws[m], isa, pool, x, tokens, acc);
            const double p1 = bench_now();
            if (p1 - p0 < best) best = p1 - p0;
            passes++;
          } while (bench_now() - t0 < secs || passes < 3);
          const double per = best / (double)count;
          const double bw = (double)wbytes / per, nbw = nominal / per;
          printf(
              "BENCH name=ternary_matmul isa=%s fmt=%s shape=%s k=%u n=%u tokens=%u threads=%u matrices=%zu "
              "passes=%zu us_per_call=%.1f weight_gbs=%.2f nominal_gbs=%.2f of_triad=%.3f of_read=%.3f "
              "gweights_per_s=%.2f\n",
              tern_cpu_isa_name(isa), tern_format_name(fmt), sh.what, sh.k, sh.n, tokens, threads, count, passes,
              per * 1e6, bw / 1e9, nbw / 1e9, bw / triad_bw, bw / read_bw, (double)sh.k * sh.n * tokens / per / 1e9);
          fflush(stdout);
          free(x);
          free(acc);
        }
        for (size_t m = 0; m < count; m++) tern_cpu_weights_free(&ws[m]);
        free(ws);
      }
    /* A decode step's weight stream: each layer's q, k, v as one batch, o, gate and up as one
     * batch, down (as the forward pass submits them), over enough distinct layers to overflow
     * the caches. This is the figure decode speed follows; the k/v shape alone is too small
     * to amortise a call. */
    for (size_t fi = 0; fi < 2 && !only_shape; fi++) {
      const tern_format fmt = fmts[fi];
      enum { Q, K, V, O, G, U, D, NM };
      static const uint32_t lk[NM] = TERN_W_2B4T_PROJ_K;
      static const uint32_t ln[NM] = TERN_W_2B4T_PROJ_N;
      tern_cpu_weights base[NM];
      size_t layer_bytes = 0;
      double layer_weights = 0;
      for (int mi = 0; mi < NM; mi++) {
        int8_t *trits = malloc((size_t)lk[mi] * ln[mi]);
        if (!trits) return 1;
        for (size_t i = 0; i < (size_t)lk[mi] * ln[mi]; i++)
          trits[i] = (int8_t)((int)(tern_rand_next_bench(&rng) % 3) - 1);
        if (tern_cpu_weights_from_trits(fmt, trits, lk[mi], ln[mi], &base[mi]) != TERN_OK) return 1;
        free(trits);
        layer_bytes += tern_cpu_weights_bytes(&base[mi]);
        layer_weights += (double)lk[mi] * ln[mi];
      }
      size_t layers = (mib << 20) / layer_bytes;
      if (layers < 2) layers = 2;
      tern_cpu_weights *lw = calloc(layers * NM, sizeof *lw);
      if (!lw) return 1;
      for (size_t l = 0; l < layers; l++)
        for (int mi = 0; mi < NM; mi++)
          if (tern_cpu_weights_copy(&base[mi], &lw[l * NM + mi]) != TERN_OK) {
            fprintf(stderr, "bench_ternary: out of memory\n");
            return 1;
          }
      for (int mi = 0; mi < NM; mi++) tern_cpu_weights_free(&base[mi]);
      for (unsigned tokens = 1; tokens <= 8; tokens += 7) {
        if (only_tokens && tokens != only_tokens) continue;
        int8_t *x = malloc((size_t)TERN_W_2B4T_FFN * tokens);
        int32_t *acc = malloc(sizeof(int32_t) * TERN_W_2B4T_FFN * tokens * 3);
        if (!x || !acc) return 1;
        for (size_t i = 0; i < (size_t)TERN_W_2B4T_FFN * tokens; i++)
          x[i] = (int8_t)(tern_rand_next_bench(&rng) & 0xFF);
        double best = 1e30;
        size_t passes = 0;
        const double t0 = bench_now();
        do {
          const double p0 = bench_now();
          for (size_t l = 0; l < layers; l++) {
            const tern_cpu_weights *w = &lw[l * NM];
            tern_cpu_matmul_item qkv[3] = {
                {&w[Q], x, tokens, acc},
                {&w[K], x, tokens, acc + TERN_W_2B4T_HIDDEN * tokens},
                {&w[V], x, tokens, acc + (TERN_W_2B4T_HIDDEN + TERN_W_2B4T_KV_DIM) * tokens}};
            tern_cpu_matmul_item gu[2] = {{&w[G], x, tokens, acc}, {&w[U], x, tokens, acc + TERN_W_2B4T_FFN * tokens}};
            tern_cpu_matmul_many(qkv, 3, isa, pool);
            tern_cpu_matmul(&w[O], isa, pool, x, tokens, acc);
            tern_cpu_matmul_many(gu, 2, isa, pool);
            tern_cpu_matmul(&w[D], isa, pool, x, tokens, acc);
          }
          const double p1 = bench_now();
          if (p1 - p0 < best) best = p1 - p0;
          passes++;
        } while (bench_now() - t0 < secs || passes < 3);
        const double per = best / (double)layers, bw = (double)layer_bytes / per;
        printf(
            "BENCH name=ternary_decode_layer isa=%s fmt=%s tokens=%u threads=%u layers=%zu passes=%zu "
            "us_per_layer=%.1f weight_gbs=%.2f of_triad=%.3f of_read=%.3f gweights_per_s=%.2f\n",
            tern_cpu_isa_name(isa), tern_format_name(fmt), tokens, threads, layers, passes, per * 1e6, bw / 1e9,
            bw / triad_bw, bw / read_bw, layer_weights * tokens / per / 1e9);
        fflush(stdout);
        free(x);
        free(acc);
      }
      for (size_t i = 0; i < layers * NM; i++) tern_cpu_weights_free(&lw[i]);
      free(lw);
    }
    tern_pool_free(pool);
    if (only_threads) break;
  }
  return 0;
}
