/* tern: run a BitNet b1.58 GGUF model with its BitLinear layers on a tern device.
 *
 *   tern run -m MODEL.gguf -p "prompt" -n 64 --device cpu|cmodel|rtl
 *   tern chat -m MODEL.gguf
 *   tern info MODEL.gguf
 *   tern perplexity -m MODEL.gguf -f TEXT
 *   tern energy --counts FILE [--table ...] [--exec cpu|device ...]   (docs/energy.md)
 *
 * `tern <command> --help` describes each; docs/inference.md has the details. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tern.h"
#include "tern_energy.h"
#include "tern_gguf.h"
#include "tern_model.h"
#include "tern_sample.h"
#include "tern_synth.h"
#include "tern_tokenizer.h"
#include "cli.h"


const char *prog = "tern";

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

static const char usage_main[] =
    "usage: tern <command> [options]\n"
    "\n"
    "Run a BitNet b1.58 GGUF model (arch bitnet-b1.58, bitnet-25 or bitnet; BitLinear weights in I2_S,\n"
    "TQ1_0 or TQ2_0) with every BitLinear on a tern device; the rest runs on the host.\n"
    "\n"
    "commands:\n"
    "  run         generate text from a prompt, streaming tokens to stdout\n"
    "  chat        chat in the 2B4T format (User: ...<|eot_id|>Assistant: ), one turn per line\n"
    "  info        print a GGUF file's metadata and tensor table, and the model it describes\n"
    "  perplexity  perplexity of a text file\n"
    "  energy      joules per token from a run's event counts (docs/energy.md)\n"
    "\n"
    "'tern <command> --help' lists a command's options. docs/inference.md has the details.\n"
    "\n"
    "exit codes:\n"
    "  0  success\n"
    "  1  the model, the device or the run failed (the message says which and where)\n"
    "  2  usage: a bad command line or environment variable (TERN_THREADS, ...)\n"
    "  3  stdout or an output file (--dump-logits, --counts, --csv) could not be written\n"
    "  4  the forward pass produced NaN or infinity (the message names the first stage that did)\n"
    "  5  the model file changed while it was mapped (use --no-mmap)\n";

static const char usage_common[] =
    "model and device:\n"
    "  -m, --model FILE     the GGUF model (required), or synth:SPEC for a model with random weights\n"
    "                       made in memory (SPEC: 2b4t or tiny, then dim=,layers=,ff=,heads=,kv=,\n"
    "                       vocab=,ctx=,zero=,seed=; no tokenizer: use --tokens)\n"
    "  --device URI         cpu, cmodel or rtl (rtl needs the rtl build, build/driver/rtl/tern), or a\n"
    "                       full device URI such as cpu:threads=2; default $TERN_DEVICE, else cpu;\n"
    "                       systemc[:mem=ddr4,...] needs build/driver/systemc/tern (docs/systemc.md)\n"
    "  --fmt t5|t2          device weight format (default t5)\n"
    "  --batch T            tokens per BitLinear call when evaluating a prompt (default %u)\n"
    "  --threads N          host threads (sets TERN_THREADS; default all CPUs)\n"
    "  --ctx N              context size in tokens (KV cache positions)\n"
    "  --no-mmap            read the model file into memory instead of mapping it: costs its size\n"
    "                       in memory, but the file may then change or vanish during the run\n"
    "  --check              compare every BitLinear's int32 results with the C golden model as it\n"
    "                       runs; the first difference stops the run with its tensor, token, row\n";

static const char usage_sampling[] =
    "sampling (default greedy):\n"
    "  --temp X             temperature; <= 0 is greedy (default 0)\n"
    "  --top-k N            keep the N most likely tokens; 0 = all (default 40)\n"
    "  --top-p X            keep the smallest set reaching probability X (default 0.95)\n"
    "  --seed N             random seed (default 0); the same seed gives the same tokens\n";

static void help(const char *cmd) {
  if (!cmd) {
    fputs(usage_main, stdout);
    return;
  }
  if (strcmp(cmd, "run") == 0) {
    printf("usage: tern run -m MODEL.gguf (-p PROMPT | --tokens ID,ID,...) [options]\n\n"
           "Evaluate the prompt (in batches of T tokens through each BitLinear), then generate up to\n"
           "-n tokens, printing each as it is produced. Ends, on stderr, with the prompt and generation\n"
           "speeds in tokens/s.\n\n"
           "  -p, --prompt TEXT    the prompt (special-token texts such as <|eot_id|> are parsed)\n"
           "  --tokens LIST        the prompt as token ids instead, comma separated (no BOS is added)\n"
           "  -n, --n-predict N    tokens to generate (default 64)\n"
           "  --no-bos             do not add the BOS token before the prompt\n"
           "  --ignore-eos         keep generating after an end-of-generation token\n"
           "  --dump-logits FILE   write the prompt ids, the logits of every prompt position and the\n"
           "                       generated ids to FILE (docs/inference.md, 'Logits dump')\n"
           "  -q, --quiet          no progress and no speed line\n"
           "  --stats              end with what the device did per generated token: BitLinear calls,\n"
           "                       MACs, weight and activation bytes, device cycles and array\n"
           "                       utilisation (devices with a clock: rtl), and the golden check\n"
           "  --clock-mhz LIST     with --stats: the tokens/s those cycles give at these clocks\n"
           "                       ([NAME=]MHz, comma separated, e.g. icebreaker=45.9,100)\n"
           "  --counts FILE        write the run's event counts (prompt and decode totals: additions,\n"
           "                       bytes per memory level, host FLOPs, cycles, toggles) for 'tern energy'\n\n");
    printf(usage_common, TERN_T_MAX);
    printf("\n%s", usage_sampling);
  } else if (strcmp(cmd, "chat") == 0) {
    printf("usage: tern chat -m MODEL.gguf [-p MESSAGE] [options]\n\n"
           "Chat in BitNet b1.58 2B4T's format: <|begin_of_text|>[System: ...<|eot_id|>]User: MESSAGE\n"
           "<|eot_id|>Assistant: , then the reply until <|eot_id|>. Without -p, reads one user message\n"
           "per line from stdin until end of file; the conversation stays in the context (when it is\n"
           "full, the conversation starts over).\n\n"
           "  -p, --prompt TEXT    one turn with this message, then exit\n"
           "  --system TEXT        a system message before the first turn\n"
           "  -n, --n-predict N    at most N tokens per reply (default 256)\n"
           "  -q, --quiet          no progress and no speed line\n\n");
    printf(usage_common, TERN_T_MAX);
    printf("\n%s", usage_sampling);
  } else if (strcmp(cmd, "energy") == 0) {
    fputs(usage_energy, stdout);
  } else if (strcmp(cmd, "info") == 0) {
    printf("usage: tern info MODEL.gguf\n\n"
           "Print the GGUF version, every metadata key (long arrays cut), the tensor table, and the\n"
           "hyper-parameters tern reads from it (or why it cannot run it: the tensors whose types stop\n"
           "a run, by role).\n\n"
           "  --no-mmap            read the file into memory instead of mapping it\n");
  } else if (strcmp(cmd, "perplexity") == 0) {
    printf("usage: tern perplexity -m MODEL.gguf -f TEXT [--ctx N] [options]\n\n"
           "Tokenize the file, cut it into chunks of N tokens (BOS first when the model adds one) and\n"
           "evaluate each chunk from an empty context; every token after a chunk's first is scored by\n"
           "the logits of the position before it. Prints exp(mean negative log-likelihood).\n\n"
           "  -f, --file FILE      the text\n"
           "  --ctx N              chunk size in tokens (default 512, at most the training context)\n"
           "  -q, --quiet          no progress lines\n\n");
    printf(usage_common, TERN_T_MAX);
  }
}

long parse_long(const char *cmd, const char *name, const char *v, long lo, long hi) {
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno || end == v || *end || x < lo || x > hi) die_usage(cmd, "%s '%s': expected an integer %ld..%ld", name, v, lo, hi);
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
static const char *clock_number(const char *c) {
  const char *eq = strchr(c, '='), *comma = strchr(c, ',');
  return eq && (!comma || eq < comma) ? eq + 1 : c;
}

/* Parse argv[first..] of a command. Options take "--opt value" or "--opt=value". */
static void parse_opts(const char *cmd, int argc, char **argv, int first, opts *o, const char **positional) {
  memset(o, 0, sizeof *o);
  o->n_predict = strcmp(cmd, "chat") == 0 ? 256 : 64;
  o->fmt = TERN_T5;
  o->sp = tern_sampler_params_default();
  for (int i = first; i < argc; i++) {
    const char *a = argv[i];
    char name[64];
    const char *val = NULL;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      help(cmd);
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
    if (FLAG("-m") || FLAG("--model")) o->model = val;
    else if (FLAG("-p") || FLAG("--prompt")) o->prompt = val;
    else if (FLAG("--tokens")) o->tokens = val;
    else if (FLAG("--device")) o->device = val;
    else if (FLAG("--dump-logits")) o->dump = val;
    else if (FLAG("-f") || FLAG("--file")) o->file = val;
    else if (FLAG("--system")) o->system = val;
    else if (FLAG("--counts") && strcmp(cmd, "run") == 0) o->counts = val;
    else if (FLAG("--clock-mhz") && strcmp(cmd, "run") == 0) {
      const char *c = val;
      while (*c) { /* validate now: [NAME=]MHz, comma separated */
        char *end;
        const char *num = clock_number(c);
        double mhz = strtod(num, &end);
        if (end == num || num == c + 1 || !(mhz > 0 && mhz < 1e6) || (*end && *end != ','))
          die_usage(cmd, "--clock-mhz '%s': expected [NAME=]MHz items like icebreaker=45.9,100", val);
        c = *end ? end + 1 : end;
      }
      o->clocks = val;
    }
    else if (FLAG("-n") || FLAG("--n-predict")) o->n_predict = parse_long(cmd, name, val, 0, 1L << 24);
    else if (FLAG("--batch")) o->batch = (uint32_t)parse_long(cmd, name, val, 1, 4096);
    else if (FLAG("--ctx")) o->ctx = (uint32_t)parse_long(cmd, name, val, 2, 1L << 24);
    else if (FLAG("--threads")) {
      parse_long(cmd, name, val, 1, 1024);
      setenv("TERN_THREADS", val, 1);
    } else if (FLAG("--fmt")) {
      if (strcmp(val, "t5") == 0 || strcmp(val, "T5") == 0) o->fmt = TERN_T5;
      else if (strcmp(val, "t2") == 0 || strcmp(val, "T2") == 0) o->fmt = TERN_T2;
      else die_usage(cmd, "--fmt '%s': expected t5 or t2", val);
    } else if (FLAG("--temp")) o->sp.temp = (float)parse_double(cmd, name, val);
    else if (FLAG("--top-k")) o->sp.top_k = (uint32_t)parse_long(cmd, name, val, 0, 0x7fffffff);
    else if (FLAG("--top-p")) {
      double p = parse_double(cmd, name, val);
      if (p < 0.0 || p > 1.0) die_usage(cmd, "--top-p %s: expected 0..1", val);
      o->sp.top_p = (float)p;
    } else if (FLAG("--seed")) {
      char *end;
      errno = 0;
      unsigned long long s = strtoull(val, &end, 0);
      if (errno || end == val || *end || val[0] == '-') die_usage(cmd, "--seed '%s': expected an unsigned integer", val);
      o->sp.seed = (uint64_t)s;
    } else die_usage(cmd, "unknown option '%s'", name);
#undef FLAG
  }
}

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
    /* a transport's message may start with the URI itself (uart:TTY: ...): do not say it twice */
    if (strncmp(err, uri, strlen(uri)) == 0 && err[strlen(uri)] == ':') fail("cannot open device %s", err);
    else fail("cannot open device '%s': %s", uri, err);
    if (strncmp(uri, "rtl", 3) == 0 && strstr(err, "libtern_rtl"))
      fprintf(stderr, "%s: the rtl-capable CLI is build/driver/rtl/tern (make -C driver rtl)\n", prog);
    if (strncmp(uri, "systemc", 7) == 0 && strstr(err, "libtern_systemc"))
      fprintf(stderr, "%s: the systemc-capable CLI is build/driver/systemc/tern (make -C driver systemc)\n", prog);
    goto bad;
  }
  if (o->check) tern_device_set_check(s->dev, 1); /* before loading: tensors keep their streams */
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
    if (strstr(err, uri)) fail("cannot load model '%s': %s", o->model, err);
    else fail("cannot load model '%s' onto device %s: %s", o->model, uri, err);
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
      fail("model '%s': the tokenizer has %zu tokens but the embedding (token_embd.weight) has %u rows; they must "
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
static int print_token(const tern_tokenizer *t, int32_t id) {
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

/* ---- run ------------------------------------------------------------------------------- */

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

/* ---- event counts (docs/energy.md) ------------------------------------------------------- */

static void add_shape(tern_counts *c, uint32_t k, uint32_t n, uint32_t per_token) {
  for (uint32_t i = 0; i < c->n_shapes; i++)
    if (c->shapes[i].k == k && c->shapes[i].n == n) {
      c->shapes[i].per_token += per_token;
      return;
    }
  if (c->n_shapes < TERN_COUNTS_MAX_SHAPES) {
    c->shapes[c->n_shapes].k = k, c->shapes[c->n_shapes].n = n, c->shapes[c->n_shapes].per_token = per_token;
    c->n_shapes++;
  }
}

/* What the counts say about the model and the device, before any phase. */
void counts_init(tern_counts *c, const session *s, const char *model, tern_format fmt) {
  memset(c, 0, sizeof *c);
  const tern_model_params *p = s->p;
  snprintf(c->model, sizeof c->model, "%s", model);
  snprintf(c->device, sizeof c->device, "%s", tern_device_uri(s->dev));
  c->geom = tern_device_geom(s->dev);
  c->fmt = fmt;
  c->n_embd = p->n_embd, c->n_layer = p->n_layer, c->n_ff = p->n_ff, c->n_head = p->n_head;
  c->n_head_kv = p->n_head_kv, c->head_dim = p->head_dim, c->n_vocab = p->n_vocab;
  c->head_type_size = tern_model_head_type_size(s->m);
  c->weights = tern_model_ternary_weights(s->m);
  c->nonzero_weights = tern_model_nonzero_weights(s->m);
  /* the seven BitLinears of a layer (the forward pass of docs/inference.md) */
  const uint32_t E = p->n_embd, F = p->n_ff, kv = p->n_head_kv * p->head_dim, L = p->n_layer;
  add_shape(c, E, E, 2 * L); /* q, o */
  add_shape(c, E, kv, 2 * L); /* k, v */
  add_shape(c, E, F, 2 * L); /* gate, up */
  add_shape(c, F, E, L);     /* down */
}

/* One phase: the counters' growth from (a, ha) to (b, hb). */
void counts_phase(tern_counts *c, tern_count_phase *p, const tern_device_stats *a, const tern_device_stats *b,
                         const tern_host_counts *ha, const tern_host_counts *hb, uint64_t samples, double seconds) {
  memset(p, 0, sizeof *p);
  p->tokens = hb->tokens - ha->tokens;
  p->samples = samples;
  p->seconds = seconds;
  p->calls = b->calls - a->calls, p->macs = b->macs - a->macs, p->adds = b->adds - a->adds;
  p->slot_macs = b->slot_macs - a->slot_macs, p->weight_bytes = b->weight_bytes - a->weight_bytes;
  p->act_bytes = b->act_bytes - a->act_bytes, p->result_bytes = b->result_bytes - a->result_bytes;
  p->quant_flops = b->quant_flops - a->quant_flops, p->epilogue_flops = b->epilogue_flops - a->epilogue_flops;
  if (b->has_cycles) p->has_cycles = 1, p->device_cycles = b->device_cycles - a->device_cycles;
  if (b->has_toggles) {
    p->has_toggles = 1;
    p->toggle_cycles = b->toggle_cycles - a->toggle_cycles;
    for (int g = 0; g < TERN_TOGGLE_GROUPS; g++) {
      p->toggles[g] = b->toggles[g] - a->toggles[g];
      c->toggle_bits[g] = b->toggle_bits[g];
    }
  }
  p->logit_tokens = hb->logit_tokens - ha->logit_tokens;
  p->embd_bytes = hb->embd_bytes - ha->embd_bytes, p->lm_head_bytes = hb->lm_head_bytes - ha->lm_head_bytes;
  p->norm_bytes = hb->norm_bytes - ha->norm_bytes, p->kv_read_bytes = hb->kv_read_bytes - ha->kv_read_bytes;
  p->kv_write_bytes = hb->kv_write_bytes - ha->kv_write_bytes;
  p->flops_attn = hb->flops_attn - ha->flops_attn, p->flops_norm = hb->flops_norm - ha->flops_norm;
  p->flops_rope = hb->flops_rope - ha->flops_rope, p->flops_ffn = hb->flops_ffn - ha->flops_ffn;
  p->flops_lm_head = hb->flops_lm_head - ha->flops_lm_head;
  p->flops_sample = samples * c->n_vocab;
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
 * what the device did. Generated tokens are those fed back through the model: the last
 * sampled one is not evaluated, so ng - 1 of them (at least 1) divide the generation figures. */
static void print_stats(session *s, const opts *o, const tern_device_stats *at_prompt, size_t ng,
                        const tern_count_phase *dec) {
  tern_device_stats all;
  tern_device_get_stats(s->dev, &all);
  const tern_geom g = tern_device_geom(s->dev);
  const double steps = ng > 1 ? (double)(ng - 1) : 1.0;
  const uint64_t calls = all.calls - at_prompt->calls, macs = all.macs - at_prompt->macs;
  const uint64_t wbytes = all.weight_bytes - at_prompt->weight_bytes;
  const uint64_t io = (all.act_bytes - at_prompt->act_bytes) + (all.result_bytes - at_prompt->result_bytes);
  printf("-- device %s (array %ux%u), per generated token (%.0f decode steps):\n", tern_device_uri(s->dev), g.rows,
         g.lanes, ng > 1 ? steps : 0.0);
  if (ng < 2) {
    printf("   no decode steps (generate at least 2 tokens)\n");
  } else {
    printf("   BitLinear calls %.0f, ternary MACs %.0f, weight bytes %.0f, activation+result bytes %.0f\n",
           calls / steps, macs / steps, wbytes / steps, io / steps);
    if (all.has_cycles) {
      const double cyc = (double)(all.device_cycles - at_prompt->device_cycles) / steps;
      const double ideal = (double)macs / steps / ((double)g.rows * g.lanes);
      printf("   device cycles %.0f (the MACs alone need %.0f on %u x %u lanes: utilisation %.1f%%)\n", cyc, ideal,
             g.rows, g.lanes, cyc > 0 ? 100.0 * ideal / cyc : 0.0);
      if (o->clocks) {
        printf("   device-bound tokens/s:");
        for (const char *c = o->clocks; *c;) {
          char *end;
          const char *num = clock_number(c);
          const double mhz = strtod(num, &end);
          if (num != c)
            printf(" %.1f at %.*s (%g MHz)%s", cyc > 0 ? mhz * 1e6 / cyc : 0.0, (int)(num - 1 - c), c, mhz,
                   *end ? ";" : "");
          else
            printf(" %.1f at %g MHz%s", cyc > 0 ? mhz * 1e6 / cyc : 0.0, mhz, *end ? ";" : "");
          c = *end ? end + 1 : end;
        }
        printf("\n");
      }
    } else {
      printf("   device cycles: none counted (device %s has no clock; rtl has)\n", tern_device_uri(s->dev));
    }
    /* the event counts of docs/energy.md */
    const double adds = (double)dec->adds / steps, slots = (double)dec->slot_macs / steps;
    printf("   ternary adds %.0f (nonzero weights x tokens: %.1f%% of the MACs); array MAC slots %.0f\n", adds,
           macs ? 100.0 * (double)dec->adds / (double)macs : 0.0, slots);
    printf("   host bytes: lm_head %.0f, embedding %.0f, KV cache read %.0f and written %.0f, norms %.0f\n",
           dec->lm_head_bytes / steps, dec->embd_bytes / steps, dec->kv_read_bytes / steps,
           dec->kv_write_bytes / steps, dec->norm_bytes / steps);
    const double fl = (double)(dec->quant_flops + dec->epilogue_flops + dec->flops_attn + dec->flops_norm +
                               dec->flops_rope + dec->flops_ffn + dec->flops_lm_head + dec->flops_sample);
    printf("   host FLOPs %.0f (lm_head %.0f, attention %.0f, quantisation+epilogue %.0f, other %.0f)\n", fl / steps,
           dec->flops_lm_head / steps, dec->flops_attn / steps, (dec->quant_flops + dec->epilogue_flops) / steps,
           (dec->flops_norm + dec->flops_rope + dec->flops_ffn + dec->flops_sample) / steps);
    if (dec->has_toggles && dec->toggle_cycles) {
      tern_device_stats now_st;
      tern_device_get_stats(s->dev, &now_st);
      printf("   array toggles per cycle (%% of the bits watched):");
      static const char *const gname[TERN_TOGGLE_GROUPS] = {"activations", "weight codes", "accumulators"};
      for (int g = 0; g < TERN_TOGGLE_GROUPS; g++)
        printf(" %s %.2f%% of %u%s", gname[g],
               now_st.toggle_bits[g] ? 100.0 * (double)dec->toggles[g] / ((double)dec->toggle_cycles * now_st.toggle_bits[g])
                                     : 0.0,
               now_st.toggle_bits[g], g + 1 < TERN_TOGGLE_GROUPS ? ";" : "\n");
    }
  }
  printf("   prompt and generation together: %llu BitLinear calls, %llu MACs\n", (unsigned long long)all.calls,
         (unsigned long long)all.macs);
  if (o->check)
    printf("   golden check: %llu BitLinear calls compared with the C model, %llu differed\n",
           (unsigned long long)all.checked, (unsigned long long)all.check_failures);
}

static int cmd_run(int argc, char **argv) {
  opts o;
  parse_opts("run", argc, argv, 2, &o, NULL);
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
    return EXIT_FAIL;
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
    if (!print_token(s.tok, id)) { /* nobody reads the text: stop generating it */
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
    print_stats(&s, &o, &st_prompt, ng, &counts.decode);
    if (!out_flush()) {
      rc = out_error();
      goto out;
    }
  }
  rc = EXIT_OUTPUT;
  if (o.counts && !write_counts(o.counts, &counts)) goto out;
  if (o.dump && !write_dump(o.dump, prompt, np, logits, (uint32_t)V, gen, ng)) goto out;
  rc = EXIT_OK;
out:
  tern_sampler_free(&smp);
  free(logits);
  free(gen);
  free(prompt);
  session_close(&s);
  return rc;
}

/* ---- chat ------------------------------------------------------------------------------- */

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
    if (!print_token(s->tok, id)) goto bad_out;
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
    fprintf(stderr, "tern: prompt %zu tokens in %.3f s (%.2f tokens/s); reply %zu tokens in %.3f s (%.2f tokens/s)\n", n,
            tp, tp > 0 ? n / tp : 0.0, ng, tg, tg > 0 ? ng / tg : 0.0);
  return 1;
}

static int cmd_chat(int argc, char **argv) {
  opts o;
  parse_opts("chat", argc, argv, 2, &o, NULL);
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

/* ---- info ------------------------------------------------------------------------------- */

static int cmd_info(int argc, char **argv) {
  opts o;
  const char *path = NULL;
  parse_opts("info", argc, argv, 2, &o, &path);
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
    printf("model: rms eps %g, rope NEOX theta %g over %u dims (scale %g), activation %s, lm_head %s, "
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

/* ---- perplexity -------------------------------------------------------------------------- */

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

static int cmd_perplexity(int argc, char **argv) {
  opts o;
  parse_opts("perplexity", argc, argv, 2, &o, NULL);
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

static int dispatch(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_main, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
    help(argc > 2 ? argv[2] : NULL);
    return EXIT_OK;
  }
  if (strcmp(cmd, "run") == 0) return cmd_run(argc, argv);
  if (strcmp(cmd, "chat") == 0) return cmd_chat(argc, argv);
  if (strcmp(cmd, "info") == 0) return cmd_info(argc, argv);
  if (strcmp(cmd, "perplexity") == 0) return cmd_perplexity(argc, argv);
  if (strcmp(cmd, "energy") == 0) return cmd_energy(argc, argv);
  fprintf(stderr, "%s: unknown command '%s'\n\n%s", prog, cmd, usage_main);
  return 2;
}

int main(int argc, char **argv) {
  out_init();
  return out_finish(dispatch(argc, argv));
}
