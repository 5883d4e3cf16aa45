/* SPDX-License-Identifier: Apache-2.0 */
/* tern perplexity: the perplexity of a text file, in chunks of --ctx tokens each evaluated from
 * an empty context. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int read_file(const char *path, char **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fail("cannot read '%s': %s", path, strerror(errno));
    return 0;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (n < cap) break;
    char *nb = realloc(buf, cap *= 2);
    if (!nb) free(buf);
    buf = nb;
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf || bad) {
    free(buf);
    fail("cannot read '%s'", path);
    return 0;
  }
  *data = buf;
  *len = n;
  return 1;
}

int cmd_perplexity(int argc, char **argv) {
  opts o;
  cli_parse_opts("perplexity", argc, argv, 2, &o, NULL);
  if (!o.file) die_usage("perplexity", "no text given (-f FILE)");
  char *text = NULL;
  size_t tlen = 0;
  if (!read_file(o.file, &text, &tlen)) return 1;
  session s;
  if (!session_open(&s, &o, 2, "perplexity")) {
    free(text);
    return 1;
  }
  int rc = 1;
  char err[ERRLEN];
  int32_t *ids = NULL, *chunk = NULL;
  float *lg = NULL;
  size_t n = 0;
  if (!tokenize(s.tok, text, tlen, 0, 0, &ids, &n)) goto out;
  uint32_t ctx = o.ctx ? o.ctx : 512;
  if (s.p->n_ctx_train && ctx > s.p->n_ctx_train && !o.ctx) ctx = s.p->n_ctx_train;
  const int bos = tern_tokenizer_add_bos(s.tok) && tern_tokenizer_bos(s.tok) >= 0;
  const uint32_t per = ctx - (bos ? 1 : 0); /* text tokens per chunk */
  if (n < 2 || per < 1 || (!bos && per < 2)) {
    fail("the text has %zu tokens: too short for perplexity with chunks of %u", n, ctx);
    goto out;
  }
  const size_t nchunks = (n + per - 1) / per;
  const uint32_t B = o.batch ? o.batch : TERN_T_MAX;
  const size_t V = s.p->n_vocab;
  if (!make_ctx(&s, ctx)) goto out;
  chunk = malloc(sizeof(int32_t) * ctx);
  lg = malloc(sizeof(float) * V * B);
  if (!chunk || !lg) {
    fail("out of memory");
    goto out;
  }
  double nll = 0.0;
  size_t scored = 0, evaluated = 0;
  double t0 = now();
  for (size_t ci = 0; ci < nchunks; ci++) {
    size_t from = ci * per, cnt = n - from < per ? n - from : per;
    uint32_t len = 0;
    if (bos) chunk[len++] = tern_tokenizer_bos(s.tok);
    for (size_t i = 0; i < cnt; i++) chunk[len++] = ids[from + i];
    if (len < 2) break;
    tern_ctx_rewind(s.c, 0);
    for (uint32_t at = 0; at < len; at += B) {
      uint32_t nb = len - at < B ? len - at : B;
      tern_status est = tern_ctx_eval(s.c, chunk + at, nb, lg, 1, err, sizeof err);
      if (est != TERN_OK) {
        fail("chunk %zu: %s", ci, err);
        rc = exit_for_status(est);
        goto out;
      }
      evaluated += nb;
      for (uint32_t t = 0; t < nb; t++) {
        const uint32_t pos = at + t;
        if (pos + 1 >= len) break;
        const float *l = lg + (size_t)t * V;
        double mx = l[0];
        for (size_t v = 1; v < V; v++)
          if (l[v] > mx) mx = l[v];
        double sum = 0.0;
        for (size_t v = 0; v < V; v++) sum += exp((double)l[v] - mx);
        nll += -((double)l[chunk[pos + 1]] - mx - log(sum));
        scored++;
      }
    }
    if (!o.quiet)
      fprintf(stderr, "tern: chunk %zu/%zu: perplexity so far %.4f over %zu tokens\n", ci + 1, nchunks,
              exp(nll / (double)scored), scored);
  }
  double secs = now() - t0;
  printf("perplexity: %.4f over %zu tokens (%zu chunks of at most %u tokens)\n", exp(nll / (double)scored), scored,
         nchunks, ctx);
  if (!o.quiet)
    fprintf(stderr, "tern: %zu tokens evaluated in %.3f s (%.2f tokens/s) [%s]\n", evaluated, secs,
            secs > 0 ? evaluated / secs : 0.0, tern_device_uri(s.dev));
  rc = 0;
out:
  free(text);
  free(ids);
  free(chunk);
  free(lg);
  session_close(&s);
  return rc;
}
