/* SPDX-License-Identifier: Apache-2.0 */
/* tern energy: joules per decode token from a run's event counts, or from a run it makes
 * itself (docs/energy.md). Split from tern.c, which dispatches to cmd_energy. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

const char usage_energy[] =
    "usage: tern energy (--counts FILE | -m MODEL [run options]) [options]\n"
    "\n"
    "Joules per decode token from a run's event counts (tern run --counts FILE), or from a run it\n"
    "makes itself (-m MODEL: greedy, --tokens IDS (default 1..8) or -p TEXT, -n N (default 8),\n"
    "--device, --fmt, --batch, --threads, --no-mmap). Prints the energy by component and the time\n"
    "per token.\n"
    "docs/energy.md describes the model, the tables and their sources.\n"
    "\n"
    "energy table:\n"
    "  --table NAME|FILE    horowitz45 (default: Horowitz ISSCC 2014, 45 nm) or bitnet7nm (the 7 nm\n"
    "                       table of the BitNet papers), or a table file (docs/energy.md)\n"
    "where the BitLinears run:\n"
    "  --exec cpu|device    the host CPU (default unless a device option is given) or a tern device\n"
    "  --array RxL          the device's array (default: the board's, else the run's)\n"
    "  --clock-mhz F        the device clock (default: the board's)\n"
    "  --memory ddr4|hbm|onchip   where the device reads the weights (default ddr4)\n"
    "  --memory-pj X        ... at X pJ per byte instead of the memory's figure\n"
    "  --memory-gbps X      ... with X GB/s instead of the memory's bandwidth (0: no limit)\n"
    "  --port-bytes B       the device's memory port in bytes per cycle (default: one T5 beat)\n"
    "board power:\n"
    "  --board NAME         icebreaker, ulx3s or kv260: clock, array and (where sourced) power\n"
    "  --static-w W         static power, charged for the time of a token (default: the board's, else 0)\n"
    "  --dynamic-w W        FPGA dynamic power at full activity, charged for the device time\n"
    "output:\n"
    "  --name NAME          the configuration's name in the CSV and chart files (default 'energy')\n"
    "  --csv FILE           append one row (a header first when FILE is new or empty)\n"
    "  --plot DIR           charts with gnuplot (PNG and SVG): J/token by component; tokens/s and\n"
    "                       J/token against the array size and the memory bandwidth (device only)\n"
    "  -q, --quiet          no table on stdout (with --csv or --plot)\n";

/* ---- energy ------------------------------------------------------------------------------ */

typedef struct energy_opts {
  const char *counts, *table, *array, *memory, *board, *name, *csv, *plot;
  int exec;                                                                  /* -1: not given */
  double clock_mhz, memory_pj, memory_gbps, port_bytes, static_w, dynamic_w; /* < 0: not given */
  int quiet;
  opts run; /* -m and the run options */
} energy_opts;

static double energy_number(const char *name, const char *v, double lo) {
  double x = parse_double("energy", name, v);
  if (!(x >= lo) || !isfinite(x)) die_usage("energy", "%s %s: expected a number >= %g", name, v, lo);
  return x;
}

static int parse_geom(const char *v, tern_geom *g) {
  unsigned r = 0, l = 0;
  char extra;
  if (sscanf(v, "%ux%u%c", &r, &l, &extra) != 2) return 0;
  g->rows = r, g->lanes = l;
  return r >= 1 && l >= 1 && r <= 4096 && l <= 4096 && tern_geom_check(*g) == TERN_OK;
}

/* Run the model greedily (prompt, then n - 1 decode steps) and count it: EXIT_OK or the exit
 * code of the failure (said on stderr). */
static int energy_run(const energy_opts *eo, tern_counts *c) {
  const opts *o = &eo->run;
  int32_t *prompt = NULL;
  size_t np = 0;
  const char *ids = o->tokens ? o->tokens : (o->prompt ? NULL : "1,2,3,4,5,6,7,8");
  if (ids && !parse_token_list(ids, &prompt, &np))
    die_usage("energy", "--tokens '%s': expected comma-separated token ids", ids);
  session s;
  if (!session_open(&s, o, o->prompt ? 2 : 1, "energy")) {
    free(prompt);
    return EXIT_FAIL;
  }
  int rc = EXIT_FAIL;
  tern_status est;
  char err[ERRLEN];
  float *lg = NULL;
  if (o->prompt && !tokenize(s.tok, o->prompt, strlen(o->prompt), tern_tokenizer_add_bos(s.tok), 1, &prompt, &np))
    goto out;
  const long n = o->n_predict;
  if (np == 0 || n < 2) {
    fail("energy: the run needs a prompt and -n of at least 2 (one decode step)");
    goto out;
  }
  if (!ids_in_vocab(prompt, np, s.p->n_vocab)) goto out;
  if (!make_ctx(&s, (uint32_t)(np + (size_t)n)) || !(lg = malloc(sizeof(float) * s.p->n_vocab))) goto out;
  tern_device_stats d0, d1, d2;
  tern_host_counts h0, h1, h2;
  tern_device_get_stats(s.dev, &d0);
  tern_ctx_get_counts(s.c, &h0);
  double t0 = now();
  if ((est = tern_ctx_eval(s.c, prompt, (uint32_t)np, lg, 0, err, sizeof err)) != TERN_OK) {
    fail("evaluating the prompt: %s", err);
    rc = exit_for_status(est);
    goto out;
  }
  const double tp = now() - t0;
  tern_device_get_stats(s.dev, &d1);
  tern_ctx_get_counts(s.c, &h1);
  t0 = now();
  for (long i = 0; i < n; i++) {
    int32_t id = 0;
    for (uint32_t v = 1; v < s.p->n_vocab; v++) /* greedy */
      if (lg[v] > lg[id]) id = (int32_t)v;
    if (i + 1 == n) break;
    if ((est = tern_ctx_eval(s.c, &id, 1, lg, 0, err, sizeof err)) != TERN_OK) {
      fail("decode step %ld: %s", i + 1, err);
      rc = exit_for_status(est);
      goto out;
    }
  }
  const double tg = now() - t0;
  tern_device_get_stats(s.dev, &d2);
  tern_ctx_get_counts(s.c, &h2);
  counts_init(c, &s, o->model, o->fmt);
  counts_phase(c, &c->prompt, &d0, &d1, &h0, &h1, 1, tp);
  counts_phase(c, &c->decode, &d1, &d2, &h1, &h2, (uint64_t)n - 1, tg);
  rc = EXIT_OK;
out:
  free(lg);
  free(prompt);
  session_close(&s);
  return rc;
}

static void energy_row(FILE *f, const energy_opts *eo, const tern_counts *c, const tern_energy_config *cfg,
                       const tern_energy_result *r) {
  /* commas inside a field (a synth: spec, a table name) become ';' so every row splits on ',' */
  char model[sizeof c->model], table[sizeof cfg->table.name];
  snprintf(model, sizeof model, "%s", c->model);
  snprintf(table, sizeof table, "%s", cfg->table.name);
  for (char *p = model; *p; p++)
    if (*p == ',' || *p == '\n') *p = ';';
  for (char *p = table; *p; p++)
    if (*p == ',' || *p == '\n') *p = ';';
  fprintf(f, "%s,%s,%s,%s,", eo->name, model, table, cfg->exec == TERN_EXEC_CPU ? "cpu" : "device");
  if (cfg->exec == TERN_EXEC_CPU)
    fprintf(f, ",,,,,");
  else
    fprintf(f, "%ux%u,%.17g,%s,%.17g,%.17g,", cfg->geom.rows, cfg->geom.lanes, cfg->clock_mhz, cfg->mem.name,
            cfg->mem.onchip             ? cfg->table.wsram_pj_per_byte
            : cfg->mem.pj_per_byte >= 0 ? cfg->mem.pj_per_byte
                                        : cfg->table.dram_pj_per_byte,
            cfg->mem.gb_per_s);
  fprintf(f, "%.17g,%.17g,%.17g,%.17g,%s", cfg->static_w, cfg->dynamic_w, r->tokens_per_s, r->seconds, r->bound);
  for (int i = 0; i < TERN_E_COUNT; i++) fprintf(f, ",%.17g", r->joules[i]);
  fprintf(f, ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", r->total, r->floor_j, r->adds,
          r->host_flops, r->weight_bytes, r->sram_bytes, r->wsram_bytes, r->weight_mem_bytes, r->host_bytes,
          r->array_cycles);
  /* the decode token's counts by kind (tern_metrics), for reports that tabulate them */
  tern_phase_metrics m;
  tern_metrics_phase(&c->decode, (double)c->decode.tokens, c->geom, &m);
  fprintf(f, ",%llu,%llu,%llu", (unsigned long long)c->decode.tokens, (unsigned long long)c->weights,
          (unsigned long long)c->nonzero_weights);
  const double per_token[] = {
      m.macs,          m.slot_macs,       m.act_bytes,    m.result_bytes,    m.lm_head_bytes, m.embd_bytes,
      m.kv_read_bytes, m.kv_write_bytes,  m.norm_bytes,   m.flops_lm_head,   m.flops_attn,    m.flops_quant_epilogue,
      m.flops_other,   r->dram_weights_j, r->dram_host_j, r->dram_lm_head_j, r->table_j};
  for (size_t i = 0; i < sizeof per_token / sizeof per_token[0]; i++) fprintf(f, ",%.17g", per_token[i]);
  /* the array's toggles (rtl:toggles=; 0 without): bits watched, flips per token, flips/bit/cycle */
  const tern_count_phase *d = &c->decode;
  for (int g = 0; g < TERN_TOGGLE_GROUPS; g++)
    fprintf(f, ",%u,%.17g,%.17g", c->toggle_bits[g], d->has_toggles ? (double)d->toggles[g] / (double)d->tokens : 0.0,
            d->has_toggles ? tern_metrics_toggle_rate(d->toggles[g], d->toggle_cycles, c->toggle_bits[g]) : 0.0);
  fputc('\n', f);
}

static const char energy_csv_header[] =
    "name,model,table,exec,array,clock_mhz,memory,memory_pj_per_byte,memory_gb_per_s,static_w,dynamic_w,"
    "tokens_per_s,seconds_per_token,bound,adds_j,sram_j,dram_j,host_j,static_j,fpga_dynamic_j,total_j,floor_j,"
    "adds,host_flops,weight_bytes,sram_bytes,wsram_bytes,weight_mem_bytes,host_bytes,array_cycles,"
    "decode_steps,weights,nonzero_weights,macs,slot_macs,act_bytes,result_bytes,lm_head_bytes,embd_bytes,"
    "kv_read_bytes,kv_write_bytes,norm_bytes,flops_lm_head,flops_attn,flops_quant_epilogue,flops_other,"
    "dram_weights_j,dram_host_j,dram_lm_head_j,table_j,toggle_bits_activations,toggles_activations,"
    "toggle_rate_activations,toggle_bits_weight_codes,toggles_weight_codes,toggle_rate_weight_codes,"
    "toggle_bits_accumulators,toggles_accumulators,toggle_rate_accumulators\n";

static void energy_print(const energy_opts *eo, const tern_counts *c, const tern_energy_config *cfg,
                         const tern_energy_result *r, const char *board_source) {
  const tern_energy_table *t = &cfg->table;
  printf("tern energy: %s (%u layers, dim %u, %.4g%% of %llu ternary weights zero), per decode token\n", c->model,
         c->n_layer, c->n_embd,
         c->weights ? 100.0 * (double)(c->weights - c->nonzero_weights) / (double)c->weights : 0.0,
         (unsigned long long)c->weights);
  printf("  counted: %llu decode steps on device %s (array %ux%u, %s)\n", (unsigned long long)c->decode.tokens,
         c->device, c->geom.rows, c->geom.lanes, tern_format_name(c->fmt));
  if (cfg->exec == TERN_EXEC_CPU) {
    printf("  configuration '%s': every BitLinear on the host CPU, weights and everything else in host DRAM\n",
           eo->name);
  } else {
    const double mpj = cfg->mem.onchip             ? t->wsram_pj_per_byte
                       : cfg->mem.pj_per_byte >= 0 ? cfg->mem.pj_per_byte
                                                   : t->dram_pj_per_byte;
    printf("  configuration '%s': BitLinears on a %ux%u tern device at %g MHz; weights %s (%g pJ/B", eo->name,
           cfg->geom.rows, cfg->geom.lanes, cfg->clock_mhz, cfg->mem.onchip ? "on chip" : cfg->mem.name, mpj);
    if (!cfg->mem.onchip && cfg->mem.gb_per_s > 0) printf(", %g GB/s", cfg->mem.gb_per_s);
    printf("); the rest on the host\n");
    printf("  memory: %s\n", cfg->mem.source);
  }
  printf("  table %s: %s\n", t->name, t->source);
  if (board_source) printf("  board: %s\n", board_source);
  printf("  %-13s %12s %7s  %s\n", "component", "J/token", "share", "events per token x energy");
  for (int i = 0; i < TERN_E_COUNT; i++) {
    char what[256] = "";
    switch (i) {
      case TERN_E_ADDS: snprintf(what, sizeof what, "%.4g ternary additions x %g pJ", r->adds, t->add_pj); break;
      case TERN_E_SRAM:
        if (r->wsram_bytes > 0)
          snprintf(what, sizeof what, "%.4g B buffers x %g pJ/B + %.4g B weight store x %g pJ/B", r->sram_bytes,
                   t->sram_pj_per_byte, r->wsram_bytes, t->wsram_pj_per_byte);
        else if (r->sram_bytes > 0)
          snprintf(what, sizeof what, "%.4g B through the device buffers x %g pJ/B", r->sram_bytes,
                   t->sram_pj_per_byte);
        else
          snprintf(what, sizeof what, "(caches not modelled on the cpu)");
        break;
      case TERN_E_DRAM: {
        const double mpj = cfg->exec == TERN_EXEC_CPU  ? t->dram_pj_per_byte
                           : cfg->mem.pj_per_byte >= 0 ? cfg->mem.pj_per_byte
                                                       : t->dram_pj_per_byte;
        if (r->weight_mem_bytes > 0)
          snprintf(what, sizeof what, "weights %.4g B x %g pJ/B; host %.4g B x %g pJ/B", r->weight_mem_bytes, mpj,
                   r->host_bytes, t->dram_pj_per_byte);
        else
          snprintf(what, sizeof what, "host %.4g B x %g pJ/B", r->host_bytes, t->dram_pj_per_byte);
        break;
      }
      case TERN_E_HOST: snprintf(what, sizeof what, "%.4g FLOPs x %g pJ", r->host_flops, t->flop_pj); break;
      case TERN_E_STATIC: snprintf(what, sizeof what, "%g W x %.4g s", cfg->static_w, r->seconds); break;
      case TERN_E_FPGA_DYN:
        snprintf(what, sizeof what, cfg->exec == TERN_EXEC_CPU ? "(no device)" : "%g W x %.4g s", cfg->dynamic_w,
                 r->seconds);
        break;
    }
    printf("  %-13s %12.4e %6.1f%%  %s\n", tern_energy_component_name(i), r->joules[i],
           r->total > 0 ? 100.0 * r->joules[i] / r->total : 0.0, what);
  }
  printf("  %-13s %12.4e\n", "total", r->total);
  if (cfg->exec == TERN_EXEC_CPU)
    printf("  time per token %.4g s (%.4g tokens/s, measured on this machine)\n", r->seconds, r->tokens_per_s);
  else
    printf("  time per token %.4g s: %.4g tokens/s device-bound (set by the %s; %.4g array cycles)\n", r->seconds,
           r->tokens_per_s, r->bound, r->array_cycles);
  printf("  floor: the %llu ternary weights read once at 1.6 bits (%.4g B) x %g pJ/B = %.4g J\n",
         (unsigned long long)c->weights, (double)c->weights * 0.2, t->dram_pj_per_byte, r->floor_j);
  const tern_count_phase *d = &c->decode;
  if (d->has_toggles && d->toggle_cycles) {
    static const char *const gname[TERN_TOGGLE_GROUPS] = {"activations", "weight flags", "accumulators"};
    printf("  array toggle rate (counted on rtl):");
    for (int g = 0; g < TERN_TOGGLE_GROUPS; g++)
      printf(" %s %.2f%%%s", gname[g],
             100.0 * tern_metrics_toggle_rate(d->toggles[g], d->toggle_cycles, c->toggle_bits[g]),
             g + 1 < TERN_TOGGLE_GROUPS ? ";" : "\n");
  }
}

/* The --plot charts: data files and a gnuplot script in dir, then gnuplot. */
static int energy_plot(const energy_opts *eo, const tern_counts *c, const tern_energy_config *cfg,
                       const tern_energy_result *r) {
  const char *dir = eo->plot;
  if (strchr(dir, '\'') || strchr(dir, '"') || strchr(eo->name, '\'') || strchr(eo->name, '"') ||
      strchr(eo->name, '/')) {
    fail("--plot %s --name %s: quotes (and '/' in the name) are not allowed", dir, eo->name);
    return 0;
  }
  char path[1024], gp[1024];
  FILE *f;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fail("--plot: cannot make the directory '%s': %s", dir, strerror(errno));
    return 0;
  }
#define OPEN(suffix)                                              \
  snprintf(path, sizeof path, "%s/%s-%s", dir, eo->name, suffix); \
  if (!(f = fopen(path, "w"))) {                                  \
    fail("--plot: cannot write '%s': %s", path, strerror(errno)); \
    return 0;                                                     \
  }
  OPEN("components.dat")
  fprintf(f, "# component J/token (%s, table %s)\n", eo->name, cfg->table.name);
  for (int i = 0; i < TERN_E_COUNT; i++)
    if (r->joules[i] > 0) fprintf(f, "\"%s\" %.9g\n", tern_energy_component_name(i), r->joules[i]);
  fclose(f);
  const int sweeps = cfg->exec == TERN_EXEC_DEVICE;
  if (sweeps) {
    static const tern_geom geoms[] = {{1, 10}, {2, 20},  {4, 20},  {4, 40},   {8, 40},
                                      {8, 80}, {16, 80}, {32, 80}, {32, 160}, {64, 160}};
    OPEN("array.dat")
    fprintf(f, "# array MACs/cycle tokens/s J/token bound (%g MHz, weights %s)\n", cfg->clock_mhz, cfg->mem.name);
    for (size_t i = 0; i < sizeof geoms / sizeof geoms[0]; i++) {
      tern_energy_config x = *cfg;
      tern_energy_result rx;
      char err[ERRLEN];
      x.geom = geoms[i];
      x.port_bytes = 0;
      if (tern_energy_compute(c, &x, &rx, err, sizeof err) == TERN_OK)
        fprintf(f, "\"%ux%u\" %u %.9g %.9g %s\n", geoms[i].rows, geoms[i].lanes, geoms[i].rows * geoms[i].lanes,
                rx.tokens_per_s, rx.total, rx.bound);
    }
    fclose(f);
    OPEN("bandwidth.dat")
    fprintf(f, "# GB/s tokens/s J/token bound (array %ux%u at %g MHz)\n", cfg->geom.rows, cfg->geom.lanes,
            cfg->clock_mhz);
    for (double bw = 0.4; bw < 3000; bw *= 2) {
      tern_energy_config x = *cfg;
      tern_energy_result rx;
      char err[ERRLEN];
      x.mem.gb_per_s = bw;
      x.mem.onchip = 0;
      if (cfg->mem.onchip) x.mem.pj_per_byte = cfg->table.wsram_pj_per_byte;
      if (tern_energy_compute(c, &x, &rx, err, sizeof err) == TERN_OK)
        fprintf(f, "%.9g %.9g %.9g %s\n", bw, rx.tokens_per_s, rx.total, rx.bound);
    }
    fclose(f);
  }
  snprintf(gp, sizeof gp, "%s/%s.gp", dir, eo->name);
  if (!(f = fopen(gp, "w"))) {
    fail("--plot: cannot write '%s': %s", gp, strerror(errno));
    return 0;
  }
#undef OPEN
  fprintf(f, "# tern energy --plot: %s (table %s); run: gnuplot %s\n", eo->name, cfg->table.name, gp);
  fprintf(f, "set encoding utf8\nset grid\nset key top left\n");
  static const char *const terms[2][2] = {{"pngcairo size 900,520 font 'sans,10'", "png"},
                                          {"svg size 900,520 font 'sans,10' dynamic", "svg"}};
  for (int t = 0; t < 2; t++) {
    fprintf(f, "set terminal %s\n", terms[t][0]);
    fprintf(f, "set output '%s/%s-components.%s'\n", dir, eo->name, terms[t][1]);
    fprintf(f, "set title \"%s: J per token by component (table %s), total %.3g J\"\n", eo->name, cfg->table.name,
            r->total);
    fprintf(
        f,
        "unset y2tics\nunset y2label\nset logscale y\nset ylabel 'J/token'\nset xlabel ''\nset style fill solid 0.6\n"
        "set boxwidth 0.6\nset yrange [*:*]\nunset logscale x\nset xrange [-0.5:*]\nset format y '%%.0e'\n");
    fprintf(f,
            "plot '%s/%s-components.dat' using 0:2:xtic(1) with boxes notitle, '' using 0:2:(sprintf('%%.2e', $2)) "
            "with labels offset 0,0.8 notitle\n",
            dir, eo->name);
    if (sweeps) {
      fprintf(f, "set output '%s/%s-array.%s'\n", dir, eo->name, terms[t][1]);
      fprintf(f, "set title \"%s: tokens/s and J/token against the array (%g MHz, weights %s)\"\n", eo->name,
              cfg->clock_mhz, cfg->mem.onchip ? "on chip" : cfg->mem.name);
      fprintf(f,
              "set logscale x 2\nset logscale y\nset logscale y2\nset xrange [*:*]\nset xlabel 'array MACs per cycle "
              "(rows x lanes)'\nset ylabel 'tokens/s'\nset y2label 'J/token'\nset ytics nomirror\nset y2tics\n"
              "set format y '%%g'\nset format y2 '%%.1e'\n");
      fprintf(f,
              "plot '%s/%s-array.dat' using 2:3 with linespoints title 'tokens/s' axes x1y1, '' using 2:4 with "
              "linespoints title 'J/token' axes x1y2, '' using 2:3:1 with labels offset 0,1 notitle axes x1y1\n",
              dir, eo->name);
      fprintf(f, "set output '%s/%s-bandwidth.%s'\n", dir, eo->name, terms[t][1]);
      fprintf(
          f,
          "set title \"%s: tokens/s and J/token against the weight memory bandwidth (array %ux%u, %g MHz, %g pJ/B)\"\n",
          eo->name, cfg->geom.rows, cfg->geom.lanes, cfg->clock_mhz,
          cfg->mem.onchip             ? cfg->table.wsram_pj_per_byte
          : cfg->mem.pj_per_byte >= 0 ? cfg->mem.pj_per_byte
                                      : cfg->table.dram_pj_per_byte);
      fprintf(f, "set xlabel 'weight memory bandwidth (GB/s)'\nset logscale x 10\n");
      fprintf(f,
              "plot '%s/%s-bandwidth.dat' using 1:2 with linespoints title 'tokens/s' axes x1y1, '' using 1:3 with "
              "linespoints title 'J/token' axes x1y2\n",
              dir, eo->name);
      fprintf(f, "unset logscale x\nunset logscale y2\nunset y2tics\nunset y2label\nset ytics mirror\n");
    }
    fprintf(f, "unset logscale y\nset xrange [*:*]\nset output\n");
  }
  fclose(f);
  if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
    fail(
        "--plot: gnuplot is not installed (Debian: apt-get install gnuplot-nox); the data and the script are in %s: "
        "gnuplot %s",
        dir, gp);
    return 0;
  }
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "gnuplot '%s'", gp);
  if (system(cmd) != 0) {
    fail("--plot: gnuplot failed on %s", gp);
    return 0;
  }
  if (!eo->quiet)
    printf("  charts: %s/%s-components.{png,svg}%s\n", dir, eo->name,
           sweeps ? ", -array.{png,svg}, -bandwidth.{png,svg}" : " (no array or bandwidth sweep for the cpu)");
  return 1;
}

int cmd_energy(int argc, char **argv) {
  energy_opts eo;
  memset(&eo, 0, sizeof eo);
  eo.exec = -1;
  eo.clock_mhz = eo.memory_pj = eo.memory_gbps = eo.port_bytes = eo.static_w = eo.dynamic_w = -1.0;
  eo.name = "energy";
  eo.run.n_predict = 8;
  eo.run.fmt = TERN_T5;
  eo.run.quiet = 1;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *val = NULL;
    char name[64];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(usage_energy, stdout);
      exit(out_finish(EXIT_OK));
    }
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      eo.quiet = 1;
      continue;
    }
    if (strcmp(a, "--no-mmap") == 0) {
      eo.run.no_mmap = 1;
      continue;
    }
    const char *eq = split_option(a, name, sizeof name);
    if (eq) {
      val = eq;
    } else {
      if (a[0] != '-') die_usage("energy", "unexpected argument '%s'", a);
      if (i + 1 >= argc) die_usage("energy", "option %s needs a value", name);
      val = argv[++i];
    }
#define FLAG(s) (strcmp(name, s) == 0)
    if (FLAG("--counts"))
      eo.counts = val;
    else if (FLAG("--table"))
      eo.table = val;
    else if (FLAG("--exec")) {
      if (strcmp(val, "cpu") == 0)
        eo.exec = TERN_EXEC_CPU;
      else if (strcmp(val, "device") == 0)
        eo.exec = TERN_EXEC_DEVICE;
      else
        die_usage("energy", "--exec '%s': expected cpu or device", val);
    } else if (FLAG("--array"))
      eo.array = val;
    else if (FLAG("--clock-mhz"))
      eo.clock_mhz = energy_number(name, val, 1e-6);
    else if (FLAG("--memory"))
      eo.memory = val;
    else if (FLAG("--memory-pj"))
      eo.memory_pj = energy_number(name, val, 0);
    else if (FLAG("--memory-gbps"))
      eo.memory_gbps = energy_number(name, val, 0);
    else if (FLAG("--port-bytes"))
      eo.port_bytes = energy_number(name, val, 1e-6);
    else if (FLAG("--board"))
      eo.board = val;
    else if (FLAG("--static-w"))
      eo.static_w = energy_number(name, val, 0);
    else if (FLAG("--dynamic-w"))
      eo.dynamic_w = energy_number(name, val, 0);
    else if (FLAG("--name")) {
      if (!*val || strpbrk(val, ",\"'/\n")) die_usage("energy", "--name '%s': no commas, quotes or slashes", val);
      eo.name = val;
    } else if (FLAG("--csv"))
      eo.csv = val;
    else if (FLAG("--plot"))
      eo.plot = val;
    else if (FLAG("-m") || FLAG("--model"))
      eo.run.model = val;
    else if (FLAG("--device"))
      eo.run.device = val;
    else if (FLAG("--tokens"))
      eo.run.tokens = val;
    else if (FLAG("-p") || FLAG("--prompt"))
      eo.run.prompt = val;
    else if (FLAG("-n") || FLAG("--n-predict"))
      eo.run.n_predict = parse_long("energy", name, val, 2, 1L << 20);
    else if (FLAG("--batch"))
      eo.run.batch = (uint32_t)parse_long("energy", name, val, 1, 4096);
    else if (FLAG("--threads")) {
      parse_long("energy", name, val, 1, 1024);
      setenv("TERN_THREADS", val, 1);
    } else if (FLAG("--fmt")) {
      if (strcmp(val, "t5") == 0 || strcmp(val, "T5") == 0)
        eo.run.fmt = TERN_T5;
      else if (strcmp(val, "t2") == 0 || strcmp(val, "T2") == 0)
        eo.run.fmt = TERN_T2;
      else
        die_usage("energy", "--fmt '%s': expected t5 or t2", val);
    } else
      die_usage("energy", "unknown option '%s'", name);
#undef FLAG
  }
  if (!eo.counts == !eo.run.model) die_usage("energy", "give --counts FILE or -m MODEL (one of them)");
  char err[ERRLEN];
  tern_counts c;
  if (eo.counts) {
    if (tern_counts_read(eo.counts, &c, err, sizeof err) != TERN_OK) {
      fail("%s", err);
      return 1;
    }
  } else {
    int rc = energy_run(&eo, &c);
    if (rc != EXIT_OK) return rc;
  }
  tern_energy_config cfg;
  memset(&cfg, 0, sizeof cfg);
  const char *tname = eo.table ? eo.table : "horowitz45";
  if (tern_energy_table_builtin(tname, &cfg.table) != TERN_OK) {
    if (access(tname, R_OK) != 0)
      die_usage("energy", "--table '%s': not horowitz45 or bitnet7nm, and no such file", tname);
    if (tern_energy_table_load(tname, &cfg.table, err, sizeof err) != TERN_OK) {
      fail("%s", err);
      return 1;
    }
  }
  tern_board b;
  const char *board_source = NULL;
  memset(&b, 0, sizeof b);
  if (eo.board) {
    if (tern_board_builtin(eo.board, &b) != TERN_OK)
      die_usage("energy", "--board '%s': expected icebreaker, ulx3s or kv260", eo.board);
    board_source = b.source;
  }
  const int device_opt = eo.array || eo.board || eo.memory || eo.clock_mhz > 0 || eo.memory_pj >= 0 ||
                         eo.memory_gbps >= 0 || eo.port_bytes > 0 || eo.dynamic_w >= 0;
  cfg.exec = eo.exec >= 0 ? (tern_exec)eo.exec : device_opt ? TERN_EXEC_DEVICE : TERN_EXEC_CPU;
  cfg.geom = c.geom;
  if (b.geom.rows) cfg.geom = b.geom;
  if (eo.array && !parse_geom(eo.array, &cfg.geom))
    die_usage("energy", "--array '%s': expected ROWSxLANES with rows x lanes a multiple of 5 (e.g. 2x20)", eo.array);
  cfg.clock_mhz = eo.clock_mhz > 0 ? eo.clock_mhz : b.clock_mhz;
  if (tern_memory_builtin(eo.memory ? eo.memory : "ddr4", &cfg.mem) != TERN_OK)
    die_usage("energy", "--memory '%s': expected ddr4, hbm or onchip", eo.memory);
  if (eo.memory_pj >= 0) {
    cfg.mem.pj_per_byte = eo.memory_pj;
    if (cfg.mem.onchip) cfg.table.wsram_pj_per_byte = eo.memory_pj;
    snprintf(cfg.mem.source + strlen(cfg.mem.source), sizeof cfg.mem.source - strlen(cfg.mem.source), "; %g pJ/B given",
             eo.memory_pj);
  }
  if (eo.memory_gbps >= 0) {
    cfg.mem.gb_per_s = eo.memory_gbps;
    snprintf(cfg.mem.source + strlen(cfg.mem.source), sizeof cfg.mem.source - strlen(cfg.mem.source), "; %g GB/s given",
             eo.memory_gbps);
  }
  cfg.port_bytes = eo.port_bytes > 0 ? eo.port_bytes : 0;
  cfg.static_w = eo.static_w >= 0 ? eo.static_w : b.has_power ? b.static_w : 0.0;
  cfg.dynamic_w = eo.dynamic_w >= 0 ? eo.dynamic_w : b.has_power ? b.dynamic_w : 0.0;
  if (cfg.exec == TERN_EXEC_DEVICE && !(cfg.clock_mhz > 0))
    die_usage("energy", "a device needs a clock: --clock-mhz F or a --board");
  tern_energy_result r;
  if (tern_energy_compute(&c, &cfg, &r, err, sizeof err) != TERN_OK) {
    fail("%s%s%s", eo.counts ? eo.counts : "", eo.counts ? ": " : "", err);
    return 1;
  }
  if (!eo.quiet) energy_print(&eo, &c, &cfg, &r, board_source);
  if (eo.csv) {
    FILE *f = fopen(eo.csv, "a");
    if (!f) {
      fail("cannot write '%s': %s", eo.csv, strerror(errno));
      return EXIT_OUTPUT;
    }
    fseek(f, 0, SEEK_END);
    if (ftell(f) == 0) fputs(energy_csv_header, f);
    energy_row(f, &eo, &c, &cfg, &r);
    if (!close_output(f, eo.csv)) return EXIT_OUTPUT;
  }
  if (eo.plot && !energy_plot(&eo, &c, &cfg, &r)) return 1;
  return 0;
}
