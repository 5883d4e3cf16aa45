/* SPDX-License-Identifier: Apache-2.0 */
/* The tern CLI's session: the model file, device, weights, tokenizer and context a command
 * opens (and closes), tokenizing a prompt and printing a generated token. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern_synth.h"
#include "cli.h"

/* ---- loading ---------------------------------------------------------------------------- */

typedef struct progress {
  double t0;
  int tty, shown, quiet;
} progress;

static void on_progress(void *ctx, size_t done, size_t total) {
  progress *p = ctx;
  if (p->quiet) return;
  if (!p->tty && now() - p->t0 <= 1.0 && done < total) return;
  if (!p->tty && !p->shown && done == total) return; /* finished within a second: say nothing */
  if (p->tty)
    fprintf(stderr, "\rtern: loading weights %zu/%zu (%.1f s)", done, total, now() - p->t0);
  else if (done == total || done % 32 == 0 || !p->shown)
    fprintf(stderr, "tern: loading weights %zu/%zu (%.1f s)\n", done, total, now() - p->t0);
  p->shown = 1;
}

void session_close(session *s) {
  tern_ctx_free(s->c);
  tern_tokenizer_free(s->tok);
  tern_model_free(s->m);
  tern_close(s->dev);
  tern_gguf_close(s->g);
  free(s->synth);
  memset(s, 0, sizeof *s);
}

/* Open the model file, the device, load the weights and the tokenizer (need_tok 0: no,
 * 1: if the file has a usable one, 2: required). */
int session_open(session *s, const opts *o, int need_tok, const char *cmd) {
  char err[ERRLEN];
  memset(s, 0, sizeof *s);
  if (!o->model) die_usage(cmd, "no model given (-m MODEL.gguf)");
  s->rc = EXIT_FAIL;
  /* the thread pool ignores a TERN_THREADS it cannot parse (all CPUs): refuse it as --threads is */
  const char *th = getenv("TERN_THREADS");
  if (th && *th) {
    char *end;
    errno = 0;
    long v = strtol(th, &end, 10);
    if (errno || *end || v < 1 || v > 1024)
      die_usage(cmd, "TERN_THREADS '%s' (environment): expected an integer 1..1024", th);
  }
  double t0 = now();
  if (strncmp(o->model, "synth:", 6) == 0) {
    /* a model with random weights, made in memory (tern_synth.h) */
    tern_synth_params sp;
    size_t size = 0;
    if (tern_synth_parse(o->model + 6, &sp, err, sizeof err) != TERN_OK) die_usage(cmd, "-m %s: %s", o->model, err);
    if (tern_synth_gguf(&sp, &s->synth, &size, err, sizeof err) != TERN_OK ||
        tern_gguf_open_memory(s->synth, size, &s->g, err, sizeof err) != TERN_OK) {
      fail("cannot make model '%s': %s", o->model, err);
      session_close(s);
      return 0;
    }
    if (!o->quiet && now() - t0 > 1.0)
      fprintf(stderr, "tern: made %s (%zu bytes) in %.2f s\n", o->model, size, now() - t0);
  } else if (tern_gguf_open_flags(o->model, o->no_mmap ? TERN_GGUF_READ : 0, &s->g, err, sizeof err) != TERN_OK) {
    fail("cannot read model: %s", err); /* err starts with the path */
    return 0;
  } else if (!o->no_mmap) {
    sigbus_arm(o->model); /* a shrinking file: a message and EXIT_MODEL_CHANGED, not "Bus error" */
  }
  tern_model_params mp;
  if (tern_model_read_params(s->g, &mp, err, sizeof err) != TERN_OK) {
    fail("cannot run model '%s': %s", o->model, err);
    goto bad;
  }
  if (tern_open_err(o->device, &s->dev, err, sizeof err) != TERN_OK) {
    const char *uri = o->device ? o->device : (getenv("TERN_DEVICE") ? getenv("TERN_DEVICE") : "cpu");
    /* a transport's message may start with the URI without its options (uart:TTY: ...): say the
     * URI once, whole */
    const size_t base = strcspn(uri, "?");
    const char *why = err;
    if (strncmp(err, uri, base) == 0 && err[base] == ':')
      for (why = err + base + 1; *why == ' ';) why++;
    fail("cannot open device '%s': %s", uri, why);
    goto bad;
  }
  if (o->check) tern_device_set_check(s->dev, 1); /* before loading: tensors keep their streams */
  /* before loading too: tensors keep their trits for it */
  if (o->capture && tern_device_set_capture(s->dev, o->capture) != TERN_OK) {
    fail("%s", tern_last_error(s->dev)); /* it names the capture and its path */
    session_close(s);
    s->rc = EXIT_OUTPUT; /* an output file, as exit code 3 says */
    return 0;
  }
  progress pr = {t0, isatty(2), 0, o->quiet};
  tern_model_opts mo = tern_model_opts_default();
  mo.fmt = o->fmt;
  if (o->batch) mo.batch = o->batch;
  mo.progress = on_progress;
  mo.progress_ctx = &pr;
  tern_status st = tern_model_load(s->dev, s->g, &mo, &s->m, err, sizeof err);
  if (pr.shown && pr.tty) fputc('\n', stderr);
  if (st != TERN_OK) {
    const char *uri = tern_device_uri(s->dev); /* once: the layers below may have named it */
    if (strstr(err, uri))
      fail("cannot load model '%s': %s", o->model, err);
    else
      fail("cannot load model '%s' onto device %s: %s", o->model, uri, err);
    goto bad;
  }
  s->p = tern_model_get_params(s->m);
  if (need_tok) {
    if (tern_tokenizer_from_gguf(s->g, &s->tok, err, sizeof err) != TERN_OK) {
      s->tok = NULL;
      if (need_tok == 1) return 1; /* optional: tokens are printed as [id] */
      fail("model '%s' has no usable tokenizer: %s", o->model, err);
      goto bad;
    }
    /* more tokens than rows: ids past the embedding; fewer: generated ids past the tokenizer
     * would print nothing. Either way the file is inconsistent. */
    if (tern_tokenizer_vocab_size(s->tok) != s->p->n_vocab) {
      fail(
          "model '%s': the tokenizer has %zu tokens but the embedding (token_embd.weight) has %u rows; they must "
          "be equal",
          o->model, tern_tokenizer_vocab_size(s->tok), s->p->n_vocab);
      goto bad;
    }
  }
  if (!o->quiet && (pr.shown || now() - t0 > 1.0))
    fprintf(stderr, "tern: loaded %s (%s, %u layers, dim %u) onto %s as %s in %.2f s\n", o->model, s->p->arch,
            s->p->n_layer, s->p->n_embd, tern_device_uri(s->dev), o->fmt == TERN_T2 ? "T2" : "T5", now() - t0);
  return 1;
bad:
  session_close(s);
  return 0;
}

int make_ctx(session *s, uint32_t n_ctx) {
  char err[ERRLEN];
  if (tern_ctx_new(s->m, n_ctx, &s->c, err, sizeof err) != TERN_OK) {
    fail("%s", err);
    return 0;
  }
  return 1;
}

/* Tokenize text into a fresh array (*ids, *n). */
int tokenize(const tern_tokenizer *t, const char *text, size_t len, int add_bos, int parse_special, int32_t **ids,
             size_t *n) {
  size_t cnt = 0;
  tern_status st = tern_tokenize(t, text, len, add_bos, parse_special, NULL, 0, &cnt);
  if (st != TERN_OK && st != TERN_ERR_SIZE) {
    fail("tokenizer: %s", tern_strerror(st));
    return 0;
  }
  *ids = malloc(sizeof(int32_t) * (cnt ? cnt : 1));
  if (!*ids) {
    fail("out of memory");
    return 0;
  }
  if ((st = tern_tokenize(t, text, len, add_bos, parse_special, *ids, cnt, n)) != TERN_OK) {
    fail("tokenizer: %s", tern_strerror(st));
    free(*ids);
    *ids = NULL;
    return 0;
  }
  return 1;
}

/* Every id below n_vocab, or say which is not. */
int ids_in_vocab(const int32_t *ids, size_t n, uint32_t n_vocab) {
  for (size_t i = 0; i < n; i++)
    if ((uint32_t)ids[i] >= n_vocab) {
      fail("prompt token id %d is out of range (the model has %u tokens)", ids[i], n_vocab);
      return 0;
    }
  return 1;
}

/* A generated token on stdout, flushed so text streams; 0 when stdout failed. */
int cli_print_token(const tern_tokenizer *t, int32_t id) {
  if (!t) {
    char b[16];
    int n = snprintf(b, sizeof b, "[%d]", id);
    if (!out_write(b, (size_t)n)) return 0;
  } else {
    if (tern_tokenizer_is_special(t, id)) return 1;
    size_t len;
    const char *b = tern_token_bytes(t, id, &len);
    if (b && len && !out_write(b, len)) return 0;
  }
  return out_flush();
}
