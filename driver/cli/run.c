/* SPDX-License-Identifier: Apache-2.0 */
/* tern run: evaluate a prompt and generate tokens, with the logits dump, the event counts file
 * and the per-token device statistics (--stats, --clock-mhz). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int write_dump(const char *path, const int32_t *prompt, size_t np, const float *logits, uint32_t vocab,
                      const int32_t *gen, size_t ng) {
  FILE *f = fopen(path, "w");
  if (!f) {
    fail("cannot write '%s': %s", path, strerror(errno));
    return 0;
  }
  fprintf(f, "tokens %zu", np);
  for (size_t i = 0; i < np; i++) fprintf(f, " %d", prompt[i]);
  fputc('\n', f);
  for (size_t i = 0; i < np; i++) {
    fprintf(f, "logits %zu", i);
    const float *l = logits + i * (size_t)vocab;
    for (uint32_t v = 0; v < vocab; v++) fprintf(f, " %.9g", (double)l[v]);
    fputc('\n', f);
  }
  fprintf(f, "generated %zu", ng);
  for (size_t i = 0; i < ng; i++) fprintf(f, " %d", gen[i]);
  fputc('\n', f);
  return close_output(f, path);
}

static int write_counts(const char *path, const tern_counts *c) {
  FILE *f = fopen(path, "w");
  if (!f) {
    fail("cannot write '%s': %s", path, strerror(errno));
    return 0;
  }
  tern_status st = tern_counts_write(f, c);
  if (!close_output(f, path)) return 0;
  if (st != TERN_OK) {
    fail("cannot write '%s': %s", path, tern_strerror(st));
    return 0;
  }
  return 1;
}

/* The --stats summary (stdout, after the text): the prompt's share and, per generated token,
 * what the device did (the figures: tern_metrics). Generated tokens are those fed back through
 * the model: the last sampled one is not evaluated, so ng - 1 of them (at least 1) divide the
 * generation figures; dec counts them. */
static void print_stats(session *s, const opts *o, size_t ng, const tern_count_phase *dec) {
  tern_device_stats all;
  tern_device_get_stats(s->dev, &all);
  const tern_geom g = tern_device_geom(s->dev);
  const double steps = ng > 1 ? (double)(ng - 1) : 1.0;
  tern_phase_metrics m;
  tern_metrics_phase(dec, steps, g, &m);
  printf("-- device %s (array %ux%u), per generated token (%.0f decode steps):\n", tern_device_uri(s->dev), g.rows,
         g.lanes, ng > 1 ? steps : 0.0);
  if (ng < 2) {
    printf("   no decode steps (generate at least 2 tokens)\n");
  } else {
    printf("   BitLinear calls %.0f, ternary MACs %.0f, weight bytes %.0f, activation+result bytes %.0f\n", m.calls,
           m.macs, m.weight_bytes, m.io_bytes);
    if (dec->has_cycles) {
      printf("   device cycles %.0f (the MACs alone need %.0f on %u x %u lanes: utilisation %.1f%%)\n", m.device_cycles,
             m.ideal_cycles, g.rows, g.lanes, 100.0 * m.utilisation);
      if (o->clocks) {
        printf("   device-bound tokens/s:");
        for (const char *c = o->clocks; *c;) {
          char *end;
          const char *num = cli_clock_number(c);
          const double mhz = strtod(num, &end);
          const double tps = tern_metrics_tokens_per_s(m.device_cycles, 1.0, mhz * 1e6);
          if (num != c)
            printf(" %.1f at %.*s (%g MHz)%s", tps, (int)(num - 1 - c), c, mhz, *end ? ";" : "");
          else
            printf(" %.1f at %g MHz%s", tps, mhz, *end ? ";" : "");
          c = *end ? end + 1 : end;
        }
        printf("\n");
      }
    } else {
      printf("   device cycles: none counted (device %s has no clock; rtl has)\n", tern_device_uri(s->dev));
    }
    /* the event counts of docs/energy.md */
    printf("   ternary adds %.0f (nonzero weights x tokens: %.1f%% of the MACs); array MAC slots %.0f\n", m.adds,
           100.0 * m.adds_per_mac, m.slot_macs);
    printf("   host bytes: lm_head %.0f, embedding %.0f, KV cache read %.0f and written %.0f, norms %.0f\n",
           m.lm_head_bytes, m.embd_bytes, m.kv_read_bytes, m.kv_write_bytes, m.norm_bytes);
    printf("   host FLOPs %.0f (lm_head %.0f, attention %.0f, quantisation+epilogue %.0f, other %.0f)\n", m.flops_total,
           m.flops_lm_head, m.flops_attn, m.flops_quant_epilogue, m.flops_other);
    if (dec->has_toggles && dec->toggle_cycles) {
      printf("   array toggles per cycle (%% of the bits watched):");
      static const char *const gname[TERN_TOGGLE_GROUPS] = {"activations", "weight flags", "accumulators"};
      for (int t = 0; t < TERN_TOGGLE_GROUPS; t++)
        printf(" %s %.2f%% of %u%s", gname[t],
               100.0 * tern_metrics_toggle_rate(dec->toggles[t], dec->toggle_cycles, all.toggle_bits[t]),
               all.toggle_bits[t], t + 1 < TERN_TOGGLE_GROUPS ? ";" : "\n");
    }
  }
  printf("   prompt and generation together: %llu BitLinear calls, %llu MACs\n", (unsigned long long)all.calls,
         (unsigned long long)all.macs);
  if (o->check)
    printf("   golden check: %llu BitLinear calls compared with the C model, %llu differed\n",
           (unsigned long long)all.checked, (unsigned long long)all.check_failures);
}

int cmd_run(int argc, char **argv) {
  opts o;
  cli_parse_opts("run", argc, argv, 2, &o, NULL);
  if (!o.model) die_usage("run", "no model given (-m MODEL.gguf)");
  if (!o.prompt && !o.tokens) die_usage("run", "no prompt given (-p PROMPT or --tokens IDS)");
  if (o.prompt && o.tokens) die_usage("run", "give -p or --tokens, not both");
  int32_t *prompt = NULL;
  size_t np = 0;
  if (o.tokens && !parse_token_list(o.tokens, &prompt, &np))
    die_usage("run", "--tokens '%s': expected comma-separated token ids", o.tokens);
  session s;
  if (!session_open(&s, &o, o.prompt ? 2 : 1, "run")) {
    free(prompt);
    return s.rc ? s.rc : EXIT_FAIL;
  }
  int rc = EXIT_FAIL;
  tern_status est;
  char err[ERRLEN];
  float *logits = NULL;
  int32_t *gen = NULL;
  size_t ng = 0;
  tern_sampler smp;
  memset(&smp, 0, sizeof smp);
  if (o.prompt) {
    int bos = tern_tokenizer_add_bos(s.tok) && !o.no_bos;
    if (!tokenize(s.tok, o.prompt, strlen(o.prompt), bos, 1, &prompt, &np)) goto out;
  }
  if (np == 0) {
    fail("the prompt has no tokens");
    goto out;
  }
  if (!ids_in_vocab(prompt, np, s.p->n_vocab)) goto out;
  const uint64_t need = (uint64_t)np + (uint64_t)o.n_predict;
  uint32_t n_ctx = o.ctx ? o.ctx : (uint32_t)(need < 2 ? 2 : need);
  if (need > n_ctx) {
    fail("the prompt (%zu tokens) and -n %ld do not fit the context of %u (--ctx)", np, o.n_predict, n_ctx);
    goto out;
  }
  if (s.p->n_ctx_train && n_ctx > s.p->n_ctx_train && !o.quiet)
    fprintf(stderr, "tern: warning: context %u is longer than the model's training context %u\n", n_ctx,
            s.p->n_ctx_train);
  if (!make_ctx(&s, n_ctx)) goto out;
  const size_t V = s.p->n_vocab;
  logits = malloc(sizeof(float) * V * (o.dump ? np : 1));
  gen = malloc(sizeof(int32_t) * ((size_t)o.n_predict + 1));
  if (!logits || !gen) {
    fail("out of memory for the logits of %zu positions", o.dump ? np : (size_t)1);
    goto out;
  }
  if (tern_sampler_init(&smp, &o.sp, V) != TERN_OK) {
    fail("bad sampling parameters");
    goto out;
  }
  tern_device_stats st_start;
  tern_host_counts hc_start, hc_prompt, hc_end;
  tern_device_get_stats(s.dev, &st_start);
  tern_ctx_get_counts(s.c, &hc_start);
  double t0 = now();
  if ((est = tern_ctx_eval(s.c, prompt, (uint32_t)np, logits, o.dump != NULL, err, sizeof err)) != TERN_OK) {
    fail("evaluating the prompt: %s", err);
    rc = exit_for_status(est);
    goto out;
  }
  double t_prompt = now() - t0;
  const float *last = logits + (o.dump ? (np - 1) * V : 0);
  float *cur = NULL;
  if (o.dump && o.n_predict > 0) {
    cur = malloc(sizeof(float) * V);
    if (!cur) {
      fail("out of memory");
      goto out;
    }
    memcpy(cur, last, sizeof(float) * V);
  }
  float *lg = cur ? cur : logits;
  tern_device_stats st_prompt;
  tern_device_get_stats(s.dev, &st_prompt);
  tern_ctx_get_counts(s.c, &hc_prompt);
  t0 = now();
  for (long i = 0; i < o.n_predict; i++) {
    int32_t id = tern_sample(&smp, lg, V);
    gen[ng++] = id;
    if (s.tok && tern_tokenizer_is_eog(s.tok, id) && !o.ignore_eos) break;
    if (!cli_print_token(s.tok, id)) { /* nobody reads the text: stop generating it */
      free(cur);
      rc = out_error();
      goto out;
    }
    if (i + 1 == o.n_predict) break;
    if ((est = tern_ctx_eval(s.c, &id, 1, lg, 0, err, sizeof err)) != TERN_OK) {
      fail("generating token %ld: %s", i + 1, err);
      free(cur);
      rc = exit_for_status(est);
      goto out;
    }
  }
  double t_gen = now() - t0;
  free(cur);
  if (!out_write("\n", 1) || !out_flush()) {
    rc = out_error();
    goto out;
  }
  tern_device_stats st_end;
  tern_device_get_stats(s.dev, &st_end);
  tern_ctx_get_counts(s.c, &hc_end);
  /* the first sample reads the prompt's logits; each decode step is one evaluation and the
   * sample of its logits */
  tern_counts counts;
  counts_init(&counts, &s, o.model, o.fmt);
  counts_phase(&counts, &counts.prompt, &st_start, &st_prompt, &hc_start, &hc_prompt, ng ? 1 : 0, t_prompt);
  counts_phase(&counts, &counts.decode, &st_prompt, &st_end, &hc_prompt, &hc_end, ng > 1 ? ng - 1 : 0, t_gen);
  if (!o.quiet)
    fprintf(stderr,
            "tern: prompt %zu tokens in %.3f s (%.2f tokens/s); generation %zu tokens in %.3f s (%.2f tokens/s) "
            "[%s, %s, batch %u]\n",
            np, t_prompt, t_prompt > 0 ? np / t_prompt : 0.0, ng, t_gen, t_gen > 0 ? ng / t_gen : 0.0,
            tern_device_uri(s.dev), o.fmt == TERN_T2 ? "T2" : "T5", o.batch ? o.batch : TERN_T_MAX);
  if (o.stats) {
    print_stats(&s, &o, ng, &counts.decode);
    if (!out_flush()) {
      rc = out_error();
      goto out;
    }
  }
  rc = EXIT_OUTPUT;
  if (o.counts && !write_counts(o.counts, &counts)) goto out;
  if (o.dump && !write_dump(o.dump, prompt, np, logits, (uint32_t)V, gen, ng)) goto out;
  /* end the capture here, where a failure to finish its file can still be reported */
  if (o.capture && tern_device_set_capture(s.dev, NULL) != TERN_OK) {
    fail("%s", tern_last_error(s.dev)); /* it names the capture and its path */
    goto out;
  }
  rc = EXIT_OK;
out:
  tern_sampler_free(&smp);
  free(logits);
  free(gen);
  free(prompt);
  session_close(&s);
  return rc;
}
