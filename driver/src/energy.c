/* SPDX-License-Identifier: Apache-2.0 */
/* Event counts and joules per token (tern_energy.h; the model and its sources: docs/energy.md). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "tern_boards.h"
#include "tern_cycle.h"
#include "tern_energy.h"
#include "tern_metrics.h"

static void copy_str(char *dst, size_t n, const char *src) { snprintf(dst, n, "%s", src ? src : ""); }

/* ---- built-in tables, memories and boards ---------------------------------------------------- */

/* Horowitz, "Computing's Energy Problem (and what we can do about it)", ISSCC 2014, 45 nm, 0.9 V,
 * as reproduced in secondary sources. Per byte = the 64-bit access / 8. */
static const tern_energy_table k_horowitz45 = {
    "horowitz45",
    "Horowitz, ISSCC 2014, 45 nm 0.9 V (secondary reproductions): 8-bit add "
    "0.03 pJ; FP32 add 0.9 / mult 3.7 pJ (flop = their mean); 64-bit SRAM read 8 KB 10 pJ (buffers), 1 MB "
    "100 pJ (weight store); DRAM 1.3-2.6 nJ per 64-bit access (low end used)",
    0.03,
    (0.9 + 3.7) / 2.0,
    10.0 / 8.0,
    100.0 / 8.0,
    1300.0 / 8.0};

/* The 45 nm / 7 nm table of BitNet (arXiv 2310.11453). It
 * has no memory energies: the memories are Horowitz's 45 nm figures. */
static const tern_energy_table k_bitnet7nm = {
    "bitnet7nm",
    "BitNet (arXiv 2310.11453) 7 nm column: INT8 add 0.007 pJ; FP32 add "
    "0.38 / mult 1.31 pJ (flop = their mean); the table has no memory energies, so SRAM and DRAM are "
    "Horowitz's 45 nm figures (8 KB SRAM 10 pJ, 1 MB 100 pJ per 64-bit read; DRAM 1.3 nJ per 64-bit)",
    0.007,
    (0.38 + 1.31) / 2.0,
    10.0 / 8.0,
    100.0 / 8.0,
    1300.0 / 8.0};

tern_status tern_energy_table_builtin(const char *name, tern_energy_table *t) {
  if (!name || !t) return TERN_ERR_ARG;
  if (strcmp(name, "horowitz45") == 0)
    *t = k_horowitz45;
  else if (strcmp(name, "bitnet7nm") == 0)
    *t = k_bitnet7nm;
  else
    return TERN_ERR_ARG;
  return TERN_OK;
}

tern_status tern_memory_builtin(const char *name, tern_memory *m) {
  if (!name || !m) return TERN_ERR_ARG;
  memset(m, 0, sizeof *m);
  copy_str(m->name, sizeof m->name, name);
  if (strcmp(name, "ddr4") == 0) {
    m->pj_per_byte = -1.0;
    m->gb_per_s = 25.6;
    copy_str(m->source, sizeof m->source,
             "one 64-bit DDR4-3200 channel: 3200 MT/s x 8 B = 25.6 GB/s [computed]; energy: the table's DRAM access");
  } else if (strcmp(name, "hbm") == 0) {
    m->pj_per_byte = 6.0 * 8.0;
    m->gb_per_s = 256.0;
    copy_str(m->source, sizeof m->source,
             "one HBM2 stack, 1024 bits at 2 Gb/s = 256 GB/s [secondary]; 6.0 pJ/bit, the HBM2E 'average device "
             "power' of a vendor comparison (kylolab.com) [secondary, a lead: not verified against a primary source]");
  } else if (strcmp(name, "onchip") == 0) {
    m->pj_per_byte = -1.0;
    m->gb_per_s = 0.0;
    m->onchip = 1;
    copy_str(m->source, sizeof m->source,
             "the weights in on-chip SRAM next to the array (the table's weight-store energy), no bandwidth limit "
             "beyond the device port");
  } else {
    return TERN_ERR_ARG;
  }
  return TERN_OK;
}

tern_status tern_board_builtin(const char *name, tern_board *b) {
  if (!name || !b) return TERN_ERR_ARG;
  memset(b, 0, sizeof *b);
  copy_str(b->name, sizeof b->name, name);
  /* tern's own boards: spec/tern.toml [boards] (the generated tern_boards.h) */
  const tern_board_spec *spec = tern_board_spec_find(name);
  if (spec) {
    b->clock_mhz = spec->clk_hz / 1e6;
    b->geom.rows = spec->rows, b->geom.lanes = spec->lanes;
    b->has_power = spec->has_power;
    b->static_w = spec->static_w;
    b->dynamic_w = spec->active_w - spec->static_w;
    copy_str(b->source, sizeof b->source, spec->energy_source);
  } else if (strcmp(name, "kv260") == 0) {
    b->clock_mhz = 250.0;
    b->has_power = 1;
    b->static_w = 3.808;
    b->dynamic_w = 6.206 - 3.808;
    copy_str(b->source, sizeof b->source,
             "Kria KV260 whole board measured by bitnet-kv260 (INA260; GitHub MerlijnW70/bitnet-kv260, "
             "docs/measurements.md): idle 3.808 W, "
             "6.206 W generating (dynamic = the difference, which includes the A53 host and DDR4); 250 MHz");
  } else {
    return TERN_ERR_ARG;
  }
  return TERN_OK;
}

/* ---- "key = value" files ------------------------------------------------------------------- */

/* Split a line into key and value, in place. Returns 0 for a blank or comment line, 1 for a pair,
 * -1 for a line without '='. A value keeps everything after '=' (trimmed); number parsers allow
 * a trailing "# comment". */
static int split_line(char *line, char **key, char **val) {
  char *s = line;
  while (*s && isspace((unsigned char)*s)) s++;
  if (!*s || *s == '#') return 0;
  char *eq = strchr(s, '=');
  if (!eq) return -1;
  char *ke = eq;
  while (ke > s && isspace((unsigned char)ke[-1])) ke--;
  *ke = 0;
  char *v = eq + 1;
  while (*v && isspace((unsigned char)*v)) v++;
  char *ve = v + strlen(v);
  while (ve > v && isspace((unsigned char)ve[-1])) ve--;
  *ve = 0;
  *key = s;
  *val = v;
  return 1;
}

/* Strip a trailing "# comment" from a numeric value. */
static void strip_comment(char *v) {
  char *h = strchr(v, '#');
  if (!h) return;
  *h = 0;
  char *e = v + strlen(v);
  while (e > v && isspace((unsigned char)e[-1])) e--;
  *e = 0;
}

static int parse_double_str(char *v, double *out) {
  strip_comment(v);
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end || !isfinite(x)) return 0;
  *out = x;
  return 1;
}

/* Whole numbers, up to n of them separated by blanks. */
static int parse_u64s(char *v, uint64_t *out, int n) {
  strip_comment(v);
  char *s = v;
  for (int i = 0; i < n; i++) {
    while (*s == ' ' || *s == '\t') s++;
    if (!isdigit((unsigned char)*s)) return 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s) return 0;
    out[i] = x;
    s = end;
  }
  while (*s == ' ' || *s == '\t') s++;
  return *s == 0;
}

typedef struct {
  FILE *f;
  const char *path;
  unsigned line;
  char buf[1024];
} line_reader;

/* Next line into r->buf; 0 at end of file, -1 for a line that is too long or has a NUL. */
static int next_line(line_reader *r) {
  if (!fgets(r->buf, sizeof r->buf, r->f)) return 0;
  r->line++;
  size_t len = strlen(r->buf);
  if (len == sizeof r->buf - 1 && r->buf[len - 1] != '\n' && !feof(r->f)) return -1;
  return 1;
}

tern_status tern_energy_table_load(const char *path, tern_energy_table *t, char *err, size_t es) {
  if (!path || !t) return tern_errf(err, es, TERN_ERR_ARG, "tern_energy_table_load: NULL argument");
  memset(t, 0, sizeof *t);
  FILE *f = fopen(path, "r");
  if (!f) return tern_errf(err, es, TERN_ERR_ARG, "energy table '%s': cannot open: %s", path, strerror(errno));
  static const struct {
    const char *key;
    size_t off;
  } nums[] = {{"add_pj", offsetof(tern_energy_table, add_pj)},
              {"flop_pj", offsetof(tern_energy_table, flop_pj)},
              {"sram_pj_per_byte", offsetof(tern_energy_table, sram_pj_per_byte)},
              {"wsram_pj_per_byte", offsetof(tern_energy_table, wsram_pj_per_byte)},
              {"dram_pj_per_byte", offsetof(tern_energy_table, dram_pj_per_byte)}};
  enum { NNUM = sizeof nums / sizeof nums[0] };
  int have[NNUM] = {0}, have_name = 0, have_source = 0, lines = 0;
  line_reader r = {f, path, 0, {0}};
  tern_status st = TERN_OK;
  int rc;
  while ((rc = next_line(&r)) != 0) {
    char *key, *val;
    if (rc < 0) {
      st = tern_errf(err, es, TERN_ERR_ARG, "%s:%u: line too long or not text", path, r.line);
      break;
    }
    int k = split_line(r.buf, &key, &val);
    if (k == 0) continue;
    if (k < 0) {
      st = tern_errf(err, es, TERN_ERR_ARG, "%s:%u: expected 'key = value'", path, r.line);
      break;
    }
    lines++;
    if (strcmp(key, "name") == 0) {
      copy_str(t->name, sizeof t->name, val);
      have_name = 1;
    } else if (strcmp(key, "source") == 0) {
      copy_str(t->source, sizeof t->source, val);
      have_source = 1;
    } else if (strcmp(key, "base") == 0) {
      if (lines != 1) {
        st = tern_errf(err, es, TERN_ERR_ARG, "%s:%u: 'base' must be the first entry", path, r.line);
        break;
      }
      if (tern_energy_table_builtin(val, t) != TERN_OK) {
        st = tern_errf(err, es, TERN_ERR_ARG, "%s:%u: base '%s' is not a built-in table (horowitz45, bitnet7nm)", path,
                       r.line, val);
        break;
      }
      for (int i = 0; i < NNUM; i++) have[i] = 1;
    } else {
      int i = 0;
      while (i < NNUM && strcmp(key, nums[i].key) != 0) i++;
      if (i == NNUM) {
        st = tern_errf(err, es, TERN_ERR_ARG,
                       "%s:%u: unknown key '%s' (keys: name, source, base, add_pj, flop_pj, sram_pj_per_byte, "
                       "wsram_pj_per_byte, dram_pj_per_byte)",
                       path, r.line, key);
        break;
      }
      double x;
      if (!parse_double_str(val, &x) || x < 0.0) {
        st = tern_errf(err, es, TERN_ERR_ARG, "%s:%u: %s = '%s' is not a number >= 0 (picojoules)", path, r.line, key,
                       val);
        break;
      }
      memcpy((char *)t + nums[i].off, &x, sizeof x);
      have[i] = 1;
    }
  }
  if (st == TERN_OK && ferror(f)) st = tern_errf(err, es, TERN_ERR_ARG, "%s: read error", path);
  fclose(f);
  if (st != TERN_OK) return st;
  for (int i = 0; i < NNUM; i++)
    if (!have[i])
      return tern_errf(err, es, TERN_ERR_ARG, "%s: missing key '%s' (or a 'base' table to take it from)", path,
                       nums[i].key);
  if (!have_name) {
    const char *b = strrchr(path, '/');
    copy_str(t->name, sizeof t->name, b ? b + 1 : path);
  }
  if (!have_source) snprintf(t->source, sizeof t->source, "table file %s", path);
  return TERN_OK;
}

/* ---- counts files -------------------------------------------------------------------------- */

static const struct {
  const char *key;
  size_t off;
} k_phase_fields[] = {
    {"tokens", offsetof(tern_count_phase, tokens)},
    {"samples", offsetof(tern_count_phase, samples)},
    {"calls", offsetof(tern_count_phase, calls)},
    {"macs", offsetof(tern_count_phase, macs)},
    {"adds", offsetof(tern_count_phase, adds)},
    {"slot_macs", offsetof(tern_count_phase, slot_macs)},
    {"weight_bytes", offsetof(tern_count_phase, weight_bytes)},
    {"act_bytes", offsetof(tern_count_phase, act_bytes)},
    {"result_bytes", offsetof(tern_count_phase, result_bytes)},
    {"quant_flops", offsetof(tern_count_phase, quant_flops)},
    {"epilogue_flops", offsetof(tern_count_phase, epilogue_flops)},
    {"logit_tokens", offsetof(tern_count_phase, logit_tokens)},
    {"embd_bytes", offsetof(tern_count_phase, embd_bytes)},
    {"lm_head_bytes", offsetof(tern_count_phase, lm_head_bytes)},
    {"norm_bytes", offsetof(tern_count_phase, norm_bytes)},
    {"kv_read_bytes", offsetof(tern_count_phase, kv_read_bytes)},
    {"kv_write_bytes", offsetof(tern_count_phase, kv_write_bytes)},
    {"flops_attn", offsetof(tern_count_phase, flops_attn)},
    {"flops_norm", offsetof(tern_count_phase, flops_norm)},
    {"flops_rope", offsetof(tern_count_phase, flops_rope)},
    {"flops_ffn", offsetof(tern_count_phase, flops_ffn)},
    {"flops_lm_head", offsetof(tern_count_phase, flops_lm_head)},
    {"flops_sample", offsetof(tern_count_phase, flops_sample)},
};
enum { N_PHASE_FIELDS = sizeof k_phase_fields / sizeof k_phase_fields[0] };

static const struct {
  const char *key;
  size_t off;
} k_dims[] = {
    {"n_embd", offsetof(tern_counts, n_embd)},       {"n_layer", offsetof(tern_counts, n_layer)},
    {"n_ff", offsetof(tern_counts, n_ff)},           {"n_head", offsetof(tern_counts, n_head)},
    {"n_head_kv", offsetof(tern_counts, n_head_kv)}, {"head_dim", offsetof(tern_counts, head_dim)},
    {"n_vocab", offsetof(tern_counts, n_vocab)},     {"head_type_size", offsetof(tern_counts, head_type_size)},
};
enum { N_DIMS = sizeof k_dims / sizeof k_dims[0] };

static uint64_t *phase_u64(tern_count_phase *p, int i) {
  return (uint64_t *)(void *)((char *)p + k_phase_fields[i].off);
}
static uint64_t phase_get(const tern_count_phase *p, int i) {
  uint64_t v;
  memcpy(&v, (const char *)p + k_phase_fields[i].off, sizeof v);
  return v;
}

static int write_phase(FILE *f, const char *name, const tern_count_phase *p) {
  int bad = fprintf(f, "%s.seconds = %.9g\n", name, p->seconds) < 0;
  for (int i = 0; i < N_PHASE_FIELDS; i++)
    bad |= fprintf(f, "%s.%s = %llu\n", name, k_phase_fields[i].key, (unsigned long long)phase_get(p, i)) < 0;
  if (p->has_cycles) bad |= fprintf(f, "%s.device_cycles = %llu\n", name, (unsigned long long)p->device_cycles) < 0;
  if (p->has_toggles)
    bad |= fprintf(f, "%s.toggle_cycles = %llu\n%s.toggles = %llu %llu %llu\n", name,
                   (unsigned long long)p->toggle_cycles, name, (unsigned long long)p->toggles[0],
                   (unsigned long long)p->toggles[1], (unsigned long long)p->toggles[2]) < 0;
  return bad;
}

tern_status tern_counts_write(FILE *f, const tern_counts *c) {
  if (!f || !c) return TERN_ERR_ARG;
  int bad = 0;
  bad |= fprintf(f,
                 "# tern counts (docs/energy.md): totals of the prompt and of the decode steps of one run\n"
                 "tern_counts = 1\nmodel = %s\ndevice = %s\narray = %ux%u\nformat = %s\n",
                 c->model, c->device, c->geom.rows, c->geom.lanes,
                 tern_format_name(c->fmt) ? tern_format_name(c->fmt) : "?") < 0;
  for (int i = 0; i < N_DIMS; i++) {
    uint32_t v;
    memcpy(&v, (const char *)c + k_dims[i].off, sizeof v);
    bad |= fprintf(f, "%s = %u\n", k_dims[i].key, v) < 0;
  }
  bad |= fprintf(f, "weights = %llu\nnonzero_weights = %llu\n", (unsigned long long)c->weights,
                 (unsigned long long)c->nonzero_weights) < 0;
  for (uint32_t i = 0; i < c->n_shapes; i++)
    bad |= fprintf(f, "shape = %u %u %u\n", c->shapes[i].k, c->shapes[i].n, c->shapes[i].per_token) < 0;
  if (c->decode.has_toggles || c->prompt.has_toggles)
    bad |= fprintf(f, "toggle_bits = %u %u %u\n", c->toggle_bits[0], c->toggle_bits[1], c->toggle_bits[2]) < 0;
  bad |= write_phase(f, "prompt", &c->prompt);
  bad |= write_phase(f, "decode", &c->decode);
  return bad ? TERN_ERR_ARG : TERN_OK;
}

tern_status tern_counts_read(const char *path, tern_counts *c, char *err, size_t es) {
  if (!path || !c) return tern_errf(err, es, TERN_ERR_ARG, "tern_counts_read: NULL argument");
  memset(c, 0, sizeof *c);
  FILE *f = fopen(path, "r");
  if (!f) return tern_errf(err, es, TERN_ERR_ARG, "counts '%s': cannot open: %s", path, strerror(errno));
  line_reader r = {f, path, 0, {0}};
  tern_status st = TERN_OK;
  int have_magic = 0, have_array = 0, have_fmt = 0, have_w = 0, have_nz = 0, have_dim[N_DIMS] = {0};
  int have_ph[2][N_PHASE_FIELDS] = {{0}}, have_sec[2] = {0};
  int rc;
#define BAD(...)                                                          \
  do {                                                                    \
    char m_[300];                                                         \
    snprintf(m_, sizeof m_, __VA_ARGS__);                                 \
    st = tern_errf(err, es, TERN_ERR_ARG, "%s:%u: %s", path, r.line, m_); \
    goto out;                                                             \
  } while (0)
  while ((rc = next_line(&r)) != 0) {
    char *key, *val;
    if (rc < 0) BAD("line too long or not text");
    int k = split_line(r.buf, &key, &val);
    if (k == 0) continue;
    if (k < 0) BAD("expected 'key = value'");
    uint64_t u[3];
    if (strcmp(key, "tern_counts") == 0) {
      if (!parse_u64s(val, u, 1) || u[0] != 1) BAD("tern_counts = %s: this reader knows version 1", val);
      have_magic = 1;
    } else if (strcmp(key, "model") == 0) {
      copy_str(c->model, sizeof c->model, val);
    } else if (strcmp(key, "device") == 0) {
      copy_str(c->device, sizeof c->device, val);
    } else if (strcmp(key, "array") == 0) {
      unsigned rr = 0, ll = 0;
      char extra;
      if (sscanf(val, "%ux%u%c", &rr, &ll, &extra) != 2 || rr == 0 || ll == 0 || rr > 4096 || ll > 4096)
        BAD("array = '%s': expected ROWSxLANES, e.g. 2x20", val);
      c->geom.rows = rr, c->geom.lanes = ll;
      have_array = 1;
    } else if (strcmp(key, "format") == 0) {
      if (strcmp(val, "T5") == 0)
        c->fmt = TERN_T5;
      else if (strcmp(val, "T2") == 0)
        c->fmt = TERN_T2;
      else
        BAD("format = '%s': expected T5 or T2", val);
      have_fmt = 1;
    } else if (strcmp(key, "weights") == 0 || strcmp(key, "nonzero_weights") == 0) {
      if (!parse_u64s(val, u, 1)) BAD("%s = '%s' is not a whole number", key, val);
      if (key[0] == 'w')
        c->weights = u[0], have_w = 1;
      else
        c->nonzero_weights = u[0], have_nz = 1;
    } else if (strcmp(key, "shape") == 0) {
      if (!parse_u64s(val, u, 3) || u[0] == 0 || u[1] == 0 || u[2] == 0 || u[0] > TERN_K_MAX || u[1] > TERN_N_MAX ||
          u[2] > 1000000)
        BAD("shape = '%s': expected K N PER_TOKEN (K, N 1..65535, per token >= 1)", val);
      if (c->n_shapes == TERN_COUNTS_MAX_SHAPES) BAD("more than %d shapes", TERN_COUNTS_MAX_SHAPES);
      c->shapes[c->n_shapes].k = (uint32_t)u[0];
      c->shapes[c->n_shapes].n = (uint32_t)u[1];
      c->shapes[c->n_shapes].per_token = (uint32_t)u[2];
      c->n_shapes++;
    } else if (strcmp(key, "toggle_bits") == 0) {
      if (!parse_u64s(val, u, 3) || u[0] > 0xffffffffu || u[1] > 0xffffffffu || u[2] > 0xffffffffu)
        BAD("toggle_bits = '%s': expected three whole numbers", val);
      for (int i = 0; i < 3; i++) c->toggle_bits[i] = (uint32_t)u[i];
    } else if (strncmp(key, "prompt.", 7) == 0 || strncmp(key, "decode.", 7) == 0) {
      const int ph = key[0] == 'd';
      tern_count_phase *p = ph ? &c->decode : &c->prompt;
      const char *field = key + 7;
      if (strcmp(field, "seconds") == 0) {
        double x;
        if (!parse_double_str(val, &x) || x < 0) BAD("%s = '%s' is not a number >= 0", key, val);
        p->seconds = x;
        have_sec[ph] = 1;
      } else if (strcmp(field, "device_cycles") == 0) {
        if (!parse_u64s(val, u, 1)) BAD("%s = '%s' is not a whole number", key, val);
        p->device_cycles = u[0], p->has_cycles = 1;
      } else if (strcmp(field, "toggle_cycles") == 0) {
        if (!parse_u64s(val, u, 1)) BAD("%s = '%s' is not a whole number", key, val);
        p->toggle_cycles = u[0], p->has_toggles = 1;
      } else if (strcmp(field, "toggles") == 0) {
        if (!parse_u64s(val, u, 3)) BAD("%s = '%s': expected three whole numbers", key, val);
        for (int i = 0; i < 3; i++) p->toggles[i] = u[i];
        p->has_toggles = 1;
      } else {
        int i = 0;
        while (i < N_PHASE_FIELDS && strcmp(field, k_phase_fields[i].key) != 0) i++;
        if (i == N_PHASE_FIELDS) BAD("unknown key '%s'", key);
        if (!parse_u64s(val, u, 1)) BAD("%s = '%s' is not a whole number", key, val);
        *phase_u64(p, i) = u[0];
        have_ph[ph][i] = 1;
      }
    } else {
      int i = 0;
      while (i < N_DIMS && strcmp(key, k_dims[i].key) != 0) i++;
      if (i == N_DIMS) BAD("unknown key '%s'", key);
      if (!parse_u64s(val, u, 1) || u[0] == 0 || u[0] > 0x7fffffffu)
        BAD("%s = '%s' is not a whole number >= 1", key, val);
      const uint32_t v = (uint32_t)u[0];
      memcpy((char *)c + k_dims[i].off, &v, sizeof v);
      have_dim[i] = 1;
    }
  }
#undef BAD
  if (ferror(f)) {
    st = tern_errf(err, es, TERN_ERR_ARG, "%s: read error", path);
    goto out;
  }
  {
    const char *missing = !have_magic    ? "tern_counts"
                          : !have_array  ? "array"
                          : !have_fmt    ? "format"
                          : !have_w      ? "weights"
                          : !have_nz     ? "nonzero_weights"
                          : !c->n_shapes ? "shape"
                                         : NULL;
    char mk[64] = "";
    for (int i = 0; !missing && i < N_DIMS; i++)
      if (!have_dim[i]) missing = k_dims[i].key;
    for (int ph = 0; !missing && ph < 2; ph++) {
      if (!have_sec[ph]) {
        snprintf(mk, sizeof mk, "%s.seconds", ph ? "decode" : "prompt");
        missing = mk;
      }
      for (int i = 0; !missing && i < N_PHASE_FIELDS; i++)
        if (!have_ph[ph][i]) {
          snprintf(mk, sizeof mk, "%s.%s", ph ? "decode" : "prompt", k_phase_fields[i].key);
          missing = mk;
        }
    }
    if (missing) {
      st = tern_errf(err, es, TERN_ERR_ARG, "%s: missing key '%s' (not a complete tern counts file)", path, missing);
      goto out;
    }
    if (c->nonzero_weights > c->weights) {
      st = tern_errf(err, es, TERN_ERR_ARG, "%s: nonzero_weights %llu > weights %llu", path,
                     (unsigned long long)c->nonzero_weights, (unsigned long long)c->weights);
      goto out;
    }
  }
out:
  fclose(f);
  return st;
}

/* ---- the computation ------------------------------------------------------------------------- */

const char *tern_energy_component_name(int component) {
  static const char *const names[TERN_E_COUNT] = {"adds", "SRAM", "DRAM", "host", "static", "fpga dynamic"};
  return component >= 0 && component < TERN_E_COUNT ? names[component] : "?";
}

tern_status tern_energy_compute(const tern_counts *c, const tern_energy_config *cfg, tern_energy_result *r, char *err,
                                size_t es) {
  if (!c || !cfg || !r) return tern_errf(err, es, TERN_ERR_ARG, "tern_energy_compute: NULL argument");
  memset(r, 0, sizeof *r);
  const tern_count_phase *d = &c->decode;
  if (d->tokens == 0)
    return tern_errf(err, es, TERN_ERR_ARG,
                     "the counts have no decode steps (generate at least 2 tokens to count one)");
  const double T = (double)d->tokens;
  const tern_energy_table *tb = &cfg->table;
  /* the shapes must explain the counted MACs */
  uint64_t macs = 0;
  for (uint32_t i = 0; i < c->n_shapes; i++) macs += (uint64_t)c->shapes[i].k * c->shapes[i].n * c->shapes[i].per_token;
  if (macs * d->tokens != d->macs)
    return tern_errf(err, es, TERN_ERR_ARG,
                     "counts: the shapes give %llu MACs per token but the decode steps counted %llu over %llu tokens",
                     (unsigned long long)macs, (unsigned long long)d->macs, (unsigned long long)d->tokens);
  tern_phase_metrics m; /* the decode token's counts by kind */
  tern_metrics_phase(d, T, c->geom, &m);
  r->adds = m.adds;
  r->host_flops = m.flops_total;
  const double host_model_bytes = m.host_model_bytes;
  double mem_pj = 0.0;
  if (cfg->exec == TERN_EXEC_CPU) {
    r->weight_bytes = (double)d->weight_bytes / T;
    r->weight_mem_bytes = r->weight_bytes;
    r->host_bytes = host_model_bytes;
    mem_pj = tb->dram_pj_per_byte;
    r->seconds = d->seconds / T;
    r->tokens_per_s = r->seconds > 0 ? 1.0 / r->seconds : 0.0;
    r->bound = "measured";
  } else {
    const tern_geom g = cfg->geom;
    if (tern_geom_check(g) != TERN_OK)
      return tern_errf(err, es, TERN_ERR_ARG,
                       "array %ux%u: rows and lanes must be >= 1 and rows x lanes a multiple of 5", g.rows, g.lanes);
    if (!(cfg->clock_mhz > 0))
      return tern_errf(err, es, TERN_ERR_ARG, "a device needs a clock (--clock-mhz or a --board)");
    double wb = 0, act_reads = 0, cycles = 0;
    for (uint32_t i = 0; i < c->n_shapes; i++) {
      const uint32_t k = c->shapes[i].k, n = c->shapes[i].n;
      const double per = c->shapes[i].per_token;
      wb += per * (double)tern_stream_bytes(g, c->fmt, k, n);
      act_reads += per * (double)tern_groups(g, n) * tern_beats_per_group(g, k) * g.lanes;
      cycles += per * (double)tern_job_cycles_tokens(g, k, n, 1);
    }
    if (g.rows == c->geom.rows && g.lanes == c->geom.lanes && fabs(wb * T - (double)d->weight_bytes) > 0.5)
      return tern_errf(
          err, es, TERN_ERR_ARG,
          "counts: the shapes give %.0f weight bytes per token at %ux%u but the run counted %llu over %llu "
          "tokens",
          wb, g.rows, g.lanes, (unsigned long long)d->weight_bytes, (unsigned long long)d->tokens);
    const double port = cfg->port_bytes > 0 ? cfg->port_bytes : (double)tern_beat_bytes(g, TERN_T5);
    const double port_cycles = wb / port;
    r->bound = "array";
    if (port_cycles > cycles) cycles = port_cycles, r->bound = "port";
    r->array_cycles = cycles;
    r->weight_bytes = wb;
    double t = cycles / (cfg->clock_mhz * 1e6);
    if (cfg->mem.onchip) {
      r->wsram_bytes = wb;
    } else {
      r->weight_mem_bytes = wb;
      mem_pj = cfg->mem.pj_per_byte >= 0 ? cfg->mem.pj_per_byte : tb->dram_pj_per_byte;
      if (cfg->mem.gb_per_s > 0 && wb / (cfg->mem.gb_per_s * 1e9) > t)
        t = wb / (cfg->mem.gb_per_s * 1e9), r->bound = "memory";
    }
    /* the device's buffers: the weight FIFO (in and out) unless the weights are on chip, the
     * activation bank (written once, read once per row group), the results (in and out) */
    r->sram_bytes =
        (cfg->mem.onchip ? 0.0 : 2.0 * wb) + (double)d->act_bytes / T + act_reads + 2.0 * (double)d->result_bytes / T;
    /* host DRAM: the host's own reads and writes, and the activations and results crossing to
     * the device through memory (written once, read once) */
    r->host_bytes = host_model_bytes + 2.0 * (double)(d->act_bytes + d->result_bytes) / T;
    r->seconds = t;
    r->tokens_per_s = 1.0 / t;
  }
  const double pj = 1e-12;
  r->joules[TERN_E_ADDS] = r->adds * tb->add_pj * pj;
  r->joules[TERN_E_SRAM] = (r->sram_bytes * tb->sram_pj_per_byte + r->wsram_bytes * tb->wsram_pj_per_byte) * pj;
  r->joules[TERN_E_DRAM] = (r->weight_mem_bytes * mem_pj + r->host_bytes * tb->dram_pj_per_byte) * pj;
  r->joules[TERN_E_HOST] = r->host_flops * tb->flop_pj * pj;
  r->joules[TERN_E_STATIC] = cfg->static_w * r->seconds;
  r->joules[TERN_E_FPGA_DYN] = cfg->exec == TERN_EXEC_DEVICE ? cfg->dynamic_w * r->seconds : 0.0;
  r->total = 0;
  for (int i = 0; i < TERN_E_COUNT; i++) r->total += r->joules[i];
  r->floor_j = (double)c->weights * 1.6 / 8.0 * tb->dram_pj_per_byte * pj;
  r->dram_weights_j = r->weight_mem_bytes * mem_pj * pj;
  r->dram_host_j = r->joules[TERN_E_DRAM] - r->dram_weights_j;
  r->dram_lm_head_j = m.lm_head_bytes * tb->dram_pj_per_byte * pj;
  r->table_j = r->joules[TERN_E_ADDS] + r->joules[TERN_E_SRAM] + r->joules[TERN_E_DRAM] + r->joules[TERN_E_HOST];
  return TERN_OK;
}
