/* SPDX-License-Identifier: Apache-2.0 */
/* The tern CLI's option parsing, shared by run, chat, info and perplexity (and its helpers for
 * usage errors, messages, numbers and token lists, which energy.c uses too). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void die_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s%s%s: ", prog, cmd ? " " : "", cmd ? cmd : "");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, " (see '%s %s%s--help')\n", prog, cmd ? cmd : "", cmd ? " " : "");
  exit(2);
}

/* "--name=value": name into name[], returns value; anything else: all of a into name[], NULL. */
const char *split_option(const char *a, char *name, size_t size) {
  const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
  if (!eq) {
    snprintf(name, size, "%s", a);
    return NULL;
  }
  snprintf(name, size, "%.*s", (int)(eq - a), a);
  return eq + 1;
}

void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

long parse_long(const char *cmd, const char *name, const char *v, long lo, long hi) {
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno || end == v || *end || x < lo || x > hi)
    die_usage(cmd, "%s '%s': expected an integer %ld..%ld", name, v, lo, hi);
  return x;
}

double parse_double(const char *cmd, const char *name, const char *v) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end || isnan(x)) die_usage(cmd, "%s '%s': expected a number", name, v);
  return x;
}

/* In a --clock-mhz item "[NAME=]MHz[,...]" at c: where the number starts. */
const char *cli_clock_number(const char *c) {
  const char *eq = strchr(c, '='), *comma = strchr(c, ',');
  return eq && (!comma || eq < comma) ? eq + 1 : c;
}

/* Parse argv[first..] of a command. Options take "--opt value" or "--opt=value". */
void cli_parse_opts(const char *cmd, int argc, char **argv, int first, opts *o, const char **positional) {
  memset(o, 0, sizeof *o);
  o->n_predict = strcmp(cmd, "chat") == 0 ? 256 : 64;
  o->fmt = TERN_T5;
  o->sp = tern_sampler_params_default();
  for (int i = first; i < argc; i++) {
    const char *a = argv[i];
    char name[64];
    const char *val = NULL;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      cli_help(cmd);
      exit(out_finish(EXIT_OK));
    }
    if (a[0] != '-' || a[1] == 0) {
      if (positional && !*positional) {
        *positional = a;
        continue;
      }
      die_usage(cmd, "unexpected argument '%s'", a);
    }
    const char *eq = split_option(a, name, sizeof name);
    if (eq) val = eq;
#define FLAG(s) (strcmp(name, s) == 0)
    /* flags without a value */
    if (FLAG("--ignore-eos")) {
      o->ignore_eos = 1;
      continue;
    }
    if (FLAG("--no-bos")) {
      o->no_bos = 1;
      continue;
    }
    if (FLAG("-q") || FLAG("--quiet")) {
      o->quiet = 1;
      continue;
    }
    if (FLAG("--check")) {
      o->check = 1;
      continue;
    }
    if (FLAG("--no-mmap")) {
      o->no_mmap = 1;
      continue;
    }
    if (FLAG("--stats") && strcmp(cmd, "run") == 0) {
      o->stats = 1;
      continue;
    }
    if (!val) {
      if (i + 1 >= argc) die_usage(cmd, "option %s needs a value", name);
      val = argv[++i];
    }
    if (FLAG("-m") || FLAG("--model"))
      o->model = val;
    else if (FLAG("-p") || FLAG("--prompt"))
      o->prompt = val;
    else if (FLAG("--tokens"))
      o->tokens = val;
    else if (FLAG("--device"))
      o->device = val;
    else if (FLAG("--dump-logits"))
      o->dump = val;
    else if (FLAG("-f") || FLAG("--file"))
      o->file = val;
    else if (FLAG("--system"))
      o->system = val;
    else if (FLAG("--counts") && strcmp(cmd, "run") == 0)
      o->counts = val;
    else if (FLAG("--capture") && strcmp(cmd, "run") == 0)
      o->capture = val;
    else if (FLAG("--clock-mhz") && strcmp(cmd, "run") == 0) {
      const char *c = val;
      while (*c) { /* validate now: [NAME=]MHz, comma separated */
        char *end;
        const char *num = cli_clock_number(c);
        double mhz = strtod(num, &end);
        if (end == num || num == c + 1 || !(mhz > 0 && mhz < 1e6) || (*end && *end != ','))
          die_usage(cmd, "--clock-mhz '%s': expected [NAME=]MHz items like icebreaker=45.9,100", val);
        c = *end ? end + 1 : end;
      }
      o->clocks = val;
    } else if (FLAG("-n") || FLAG("--n-predict"))
      o->n_predict = parse_long(cmd, name, val, 0, 1L << 24);
    else if (FLAG("--batch"))
      o->batch = (uint32_t)parse_long(cmd, name, val, 1, 4096);
    else if (FLAG("--ctx"))
      o->ctx = (uint32_t)parse_long(cmd, name, val, 2, 1L << 24);
    else if (FLAG("--threads")) {
      parse_long(cmd, name, val, 1, 1024);
      setenv("TERN_THREADS", val, 1);
    } else if (FLAG("--fmt")) {
      if (strcmp(val, "t5") == 0 || strcmp(val, "T5") == 0)
        o->fmt = TERN_T5;
      else if (strcmp(val, "t2") == 0 || strcmp(val, "T2") == 0)
        o->fmt = TERN_T2;
      else
        die_usage(cmd, "--fmt '%s': expected t5 or t2", val);
    } else if (FLAG("--temp"))
      o->sp.temp = (float)parse_double(cmd, name, val);
    else if (FLAG("--top-k"))
      o->sp.top_k = (uint32_t)parse_long(cmd, name, val, 0, 0x7fffffff);
    else if (FLAG("--top-p")) {
      double p = parse_double(cmd, name, val);
      if (p < 0.0 || p > 1.0) die_usage(cmd, "--top-p %s: expected 0..1", val);
      o->sp.top_p = (float)p;
    } else if (FLAG("--seed")) {
      char *end;
      errno = 0;
      unsigned long long s = strtoull(val, &end, 0);
      if (errno || end == val || *end || val[0] == '-')
        die_usage(cmd, "--seed '%s': expected an unsigned integer", val);
      o->sp.seed = (uint64_t)s;
    } else
      die_usage(cmd, "unknown option '%s'", name);
#undef FLAG
  }
}

int parse_token_list(const char *s, int32_t **ids, size_t *n) {
  size_t cap = 16, cnt = 0;
  int32_t *v = malloc(sizeof(int32_t) * cap);
  if (!v) return 0;
  const char *p = s;
  while (*p) {
    while (*p == ',' || *p == ' ') p++;
    if (!*p) break;
    char *end;
    errno = 0;
    long x = strtol(p, &end, 10);
    if (errno || end == p || x < 0 || x > 0x7fffffff || (*end && *end != ',' && *end != ' ')) {
      free(v);
      return 0;
    }
    if (cnt == cap) {
      int32_t *nv = realloc(v, sizeof(int32_t) * (cap *= 2));
      if (!nv) {
        free(v);
        return 0;
      }
      v = nv;
    }
    v[cnt++] = (int32_t)x;
    p = end;
  }
  *ids = v;
  *n = cnt;
  return 1;
}
