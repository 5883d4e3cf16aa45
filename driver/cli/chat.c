/* SPDX-License-Identifier: Apache-2.0 */
/* tern chat: a conversation in BitNet b1.58 2B4T's chat format, one turn from -p or one per
 * line of stdin, the conversation kept in the context. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Generate a reply after the tokens already in the context; last holds the logits. */
static int chat_reply(session *s, const opts *o, tern_sampler *smp, float *lg, size_t *ntok, double *secs) {
  char err[ERRLEN];
  tern_status st = TERN_OK;
  const int32_t eot = tern_tokenizer_eot(s->tok) >= 0 ? tern_tokenizer_eot(s->tok) : tern_tokenizer_eos(s->tok);
  double t0 = now();
  *ntok = 0;
  int ended = 0;
  for (long i = 0; i < o->n_predict; i++) {
    if (tern_ctx_pos(s->c) + 1 >= tern_ctx_size(s->c)) break;
    int32_t id = tern_sample(smp, lg, s->p->n_vocab);
    (*ntok)++;
    if (tern_tokenizer_is_eog(s->tok, id)) {
      ended = 1;
      /* the turn's end goes into the context as the format has it */
      if ((st = tern_ctx_eval(s->c, &eot, 1, NULL, 0, err, sizeof err)) != TERN_OK) goto bad;
      break;
    }
    if (!cli_print_token(s->tok, id)) goto bad_out;
    if ((st = tern_ctx_eval(s->c, &id, 1, lg, 0, err, sizeof err)) != TERN_OK) goto bad;
  }
  if (!ended && eot >= 0 && tern_ctx_pos(s->c) < tern_ctx_size(s->c))
    if ((st = tern_ctx_eval(s->c, &eot, 1, NULL, 0, err, sizeof err)) != TERN_OK) goto bad;
  if (!out_write("\n", 1) || !out_flush()) goto bad_out;
  *secs = now() - t0;
  return 1;
bad:
  fail("generating: %s", err);
  s->rc = exit_for_status(st);
  return 0;
bad_out:
  s->rc = out_error();
  return 0;
}

static int chat_turn(session *s, const opts *o, tern_sampler *smp, float *lg, const char *msg, int first) {
  char err[ERRLEN];
  tern_chat_msg msgs[2];
  size_t nm = 0;
  if (first && o->system) msgs[nm].role = "system", msgs[nm++].content = o->system;
  msgs[nm].role = "user", msgs[nm++].content = msg;
  size_t n = 0;
  tern_status st = tern_chat_tokenize(s->tok, msgs, nm, first, 1, NULL, 0, &n);
  if (st != TERN_OK && st != TERN_ERR_SIZE) {
    fail("chat format: %s", tern_strerror(st));
    return 0;
  }
  int32_t *ids = malloc(sizeof(int32_t) * (n ? n : 1));
  if (!ids) return 0;
  if ((st = tern_chat_tokenize(s->tok, msgs, nm, first, 1, ids, n, &n)) != TERN_OK) {
    fail("chat format: %s", tern_strerror(st));
    free(ids);
    return 0;
  }
  if (n + 2 > tern_ctx_size(s->c)) {
    fail("the message (%zu tokens) does not fit the context of %u (--ctx)", n, tern_ctx_size(s->c));
    free(ids);
    return -1;
  }
  if (n + 2 > tern_ctx_size(s->c) - tern_ctx_pos(s->c)) {
    free(ids);
    return 2; /* caller starts over */
  }
  double t0 = now();
  st = tern_ctx_eval(s->c, ids, (uint32_t)n, lg, 0, err, sizeof err);
  free(ids);
  if (st != TERN_OK) {
    fail("evaluating the message: %s", err);
    s->rc = exit_for_status(st);
    return 0;
  }
  double tp = now() - t0, tg = 0;
  size_t ng = 0;
  if (!chat_reply(s, o, smp, lg, &ng, &tg)) return 0;
  if (!o->quiet)
    fprintf(stderr, "tern: prompt %zu tokens in %.3f s (%.2f tokens/s); reply %zu tokens in %.3f s (%.2f tokens/s)\n",
            n, tp, tp > 0 ? n / tp : 0.0, ng, tg, tg > 0 ? ng / tg : 0.0);
  return 1;
}

int cmd_chat(int argc, char **argv) {
  opts o;
  cli_parse_opts("chat", argc, argv, 2, &o, NULL);
  session s;
  if (!session_open(&s, &o, 2, "chat")) return EXIT_FAIL;
  int rc = EXIT_FAIL;
  float *lg = NULL;
  char *line = NULL;
  size_t cap = 0;
  tern_sampler smp;
  memset(&smp, 0, sizeof smp);
  if (tern_tokenizer_eot(s.tok) < 0 && tern_tokenizer_eos(s.tok) < 0) {
    fail("model '%s': the tokenizer has no <|eot_id|> or end-of-text token for the chat format", o.model);
    goto out;
  }
  uint32_t n_ctx = o.ctx ? o.ctx : (s.p->n_ctx_train ? (s.p->n_ctx_train < 4096 ? s.p->n_ctx_train : 4096) : 2048);
  if (!make_ctx(&s, n_ctx)) goto out;
  lg = malloc(sizeof(float) * s.p->n_vocab);
  if (!lg || tern_sampler_init(&smp, &o.sp, s.p->n_vocab) != TERN_OK) {
    fail("out of memory or bad sampling parameters");
    goto out;
  }
  if (o.prompt) {
    int r = chat_turn(&s, &o, &smp, lg, o.prompt, 1);
    if (r == 2) fail("the message does not fit the context of %u (--ctx)", n_ctx);
    rc = r == 1 ? EXIT_OK : r == 0 ? s.rc : EXIT_FAIL;
    goto out;
  }
  const int tty = isatty(0);
  int first = 1, bad_turns = 0;
  for (;;) {
    if (tty) {
      fputs("> ", stderr);
      fflush(stderr);
    }
    ssize_t len = getline(&line, &cap, stdin);
    if (len < 0) break;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
    if (len == 0) continue;
    if (strlen(line) != (size_t)len) {
      fail("input line has a NUL byte: skipped");
      continue;
    }
    int r = chat_turn(&s, &o, &smp, lg, line, first);
    if (r == 2) {
      if (!o.quiet) fprintf(stderr, "tern: context full (%u tokens): the conversation starts over\n", n_ctx);
      tern_ctx_rewind(s.c, 0);
      first = 1;
      r = chat_turn(&s, &o, &smp, lg, line, first);
    }
    if (r == 0) {
      rc = s.rc;
      goto out;
    }
    if (r == 1) first = 0;
    if (r < 0) bad_turns++;
  }
  rc = bad_turns ? EXIT_FAIL : EXIT_OK;
out:
  free(line);
  free(lg);
  tern_sampler_free(&smp);
  session_close(&s);
  return rc;
}
