/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the tern CLI's files (driver/cli/): the options, the loaded session, the error
 * and usage helpers, and the exit codes. Not a library header: the CLI alone prints and exits. */
#ifndef TERN_CLI_H
#define TERN_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tern.h"
#include "tern_energy.h"
#include "tern_gguf.h"
#include "tern_metrics.h"
#include "tern_model.h"
#include "tern_sample.h"
#include "tern_tokenizer.h"

#define ERRLEN 1024

/* Exit codes (tern --help, docs/inference.md). Each says what happened, so a script can tell a
 * bad model from a bad command line from a lost output without parsing messages; 128+N stays
 * the shell's "killed by signal N", which tern avoids (SIGPIPE ignored, SIGBUS caught). */
enum {
  EXIT_OK = 0,
  EXIT_FAIL = 1,         /* the model, the device or the run failed (a bad file, a device error) */
  EXIT_USAGE = 2,        /* the command line or the environment (TERN_THREADS, TERN_DEVICE) */
  EXIT_OUTPUT = 3,       /* stdout or an output file (--dump-logits, --counts, --capture, --csv) could not be written */
  EXIT_NONFINITE = 4,    /* the forward pass produced NaN or infinity (the message names the stage) */
  EXIT_MODEL_CHANGED = 5 /* the mapped model file shrank or changed during the run (SIGBUS; --no-mmap) */
};

/* ---- options (options.c) -------------------------------------------------------------------------- */

typedef struct opts {
  const char *model, *prompt, *device, *dump, *file, *system, *tokens;
  long n_predict;
  tern_format fmt;
  uint32_t batch, ctx;
  tern_sampler_params sp;
  int ignore_eos, no_bos, quiet;
  int check;          /* --check: every BitLinear compared with the C golden model */
  int stats;          /* --stats: what the device did, per generated token */
  const char *clocks; /* --clock-mhz LIST: device clocks to project tokens/s at */
  const char *counts; /* --counts FILE: the run's event counts (docs/energy.md) */
  int no_mmap;        /* --no-mmap: read the model file into memory instead of mapping it */
  /* --capture FILE: every BitLinear's trits and int8 activations (docs/energy.md) */
  const char *capture;
} opts;

typedef struct session {
  uint8_t *synth; /* the GGUF bytes of a synth: model (freed after g) */
  tern_gguf *g;
  tern_device *dev;
  tern_model *m;
  tern_tokenizer *tok;
  tern_ctx *c;
  const tern_model_params *p;
  int rc; /* the exit code of the last failure a helper reported (EXIT_*) */
} session;

extern const char *prog; /* tern.c: the program name in every message */
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
/* The options of command cmd from argv[first..] into o (defaults first); the first non-option
 * argument into *positional when it is given, else a usage error. --help prints the command's
 * help and exits; a bad option or value is a usage error (exit 2). */
void cli_parse_opts(const char *cmd, int argc, char **argv, int first, opts *o, const char **positional);
/* In a --clock-mhz item "[NAME=]MHz[,...]" at c: where the number starts. */
const char *cli_clock_number(const char *c);
/* tern.c: the help of command cmd (NULL: the command list) on stdout. */
void cli_help(const char *cmd);

/* ---- the session (session.c) ---------------------------------------------------------------------- */

/* The model file, device, weights and tokenizer (need_tok 0: no, 1: if usable, 2: required).
 * 0 on failure (said on stderr). */
int session_open(session *s, const opts *o, int need_tok, const char *cmd);
void session_close(session *s);
int make_ctx(session *s, uint32_t n_ctx);
int tokenize(const tern_tokenizer *t, const char *text, size_t len, int add_bos, int parse_special, int32_t **ids,
             size_t *n);
int ids_in_vocab(const int32_t *ids, size_t n, uint32_t n_vocab);
/* A generated token on stdout (its id in brackets without a tokenizer), flushed so text
 * streams; 0 when stdout failed. */
int cli_print_token(const tern_tokenizer *t, int32_t id);

/* ---- event counts (counts.c) ----------------------------------------------------------------------- */

void counts_init(tern_counts *c, const session *s, const char *model, tern_format fmt);
void counts_phase(tern_counts *c, tern_count_phase *p, const tern_device_stats *a, const tern_device_stats *b,
                  const tern_host_counts *ha, const tern_host_counts *hb, uint64_t samples, double secs);

/* out.c: stdout through these, so a failed write ends the command with EXIT_OUTPUT */
void out_init(void);                         /* first thing in main */
int out_write(const void *data, size_t len); /* 0 once a write failed */
int out_flush(void);                         /* 0 once a write failed */
int out_error(void);                         /* say "cannot write to stdout: why", return EXIT_OUTPUT */
int out_finish(int rc);                      /* flush and close stdout: rc, or EXIT_OUTPUT if that failed */
int exit_for_status(tern_status st);         /* EXIT_NONFINITE or EXIT_FAIL for a failed evaluation */
void sigbus_arm(const char *model_path);     /* SIGBUS: a message naming the file, exit EXIT_MODEL_CHANGED */
/* An output file: fclose's result checked too; 0 (said) if anything failed. */
int close_output(FILE *f, const char *path);

/* ---- the subcommands: argv[1] is the command; each returns the exit code (EXIT_*) ------------ */
int cmd_run(int argc, char **argv);        /* run.c */
int cmd_chat(int argc, char **argv);       /* chat.c */
int cmd_info(int argc, char **argv);       /* info.c */
int cmd_perplexity(int argc, char **argv); /* perplexity.c */
int cmd_energy(int argc, char **argv);     /* energy.c */

#endif /* TERN_CLI_H */
