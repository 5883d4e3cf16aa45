/* Shared by the tern CLI's files (driver/cli/): the options, the loaded session, the error
 * and usage helpers, and the exit codes. Not a library header: the CLI alone prints and exits. */
#ifndef TERN_CLI_H
#define TERN_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "tern.h"
#include "tern_energy.h"
#include "tern_gguf.h"
#include "tern_model.h"
#include "tern_sample.h"
#include "tern_tokenizer.h"

#define ERRLEN 1024

/* ---- options (tern.c) ------------------------------------------------------------------------------ */

typedef struct opts {
  const char *model, *prompt, *device, *dump, *file, *system, *tokens;
  long n_predict;
  tern_format fmt;
  uint32_t batch, ctx;
  tern_sampler_params sp;
  int ignore_eos, no_bos, quiet;
  int check;        /* --check: every BitLinear compared with the C golden model */
  int stats;        /* --stats: what the device did, per generated token */
  const char *clocks; /* --clock-mhz LIST: device clocks to project tokens/s at */
  const char *counts; /* --counts FILE: the run's event counts (docs/energy.md) */
} opts;

typedef struct session {
  uint8_t *synth; /* the GGUF bytes of a synth: model (freed after g) */
  tern_gguf *g;
  tern_device *dev;
  tern_model *m;
  tern_tokenizer *tok;
  tern_ctx *c;
  const tern_model_params *p;
} session;

extern const char *prog;
extern const char usage_energy[];

/* Usage error: "tern CMD: ... (see 'tern CMD --help')", exit 2. */
void die_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* One "tern: ..." line on stderr. */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *split_option(const char *a, char *name, size_t size);
double now(void);
long parse_long(const char *cmd, const char *name, const char *v, long lo, long hi);
double parse_double(const char *cmd, const char *name, const char *v);
int parse_token_list(const char *s, int32_t **ids, size_t *n);

/* The model file, device, weights and tokenizer (need_tok 0: no, 1: if usable, 2: required).
 * 0 on failure (said on stderr). */
int session_open(session *s, const opts *o, int need_tok, const char *cmd);
void session_close(session *s);
int make_ctx(session *s, uint32_t n_ctx);
int tokenize(const tern_tokenizer *t, const char *text, size_t len, int add_bos, int parse_special, int32_t **ids,
             size_t *n);
int ids_in_vocab(const int32_t *ids, size_t n, uint32_t n_vocab);
void counts_init(tern_counts *c, const session *s, const char *model, tern_format fmt);
void counts_phase(tern_counts *c, tern_count_phase *p, const tern_device_stats *a, const tern_device_stats *b,
                  const tern_host_counts *ha, const tern_host_counts *hb, uint64_t samples, double secs);

/* energy.c */
int cmd_energy(int argc, char **argv);

#endif /* TERN_CLI_H */
