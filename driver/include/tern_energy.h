/* SPDX-License-Identifier: Apache-2.0 */
/* tern_energy: event counts of a run, and joules per token from them (docs/energy.md).
 *
 *   tern run ... --counts run.txt             writes a tern_counts file (tern_counts_write)
 *   tern energy --counts run.txt --table horowitz45 --exec device --array 32x80 ...
 *
 * A run is counted in two phases, the prompt and the decode steps; the energy of a token is
 * that of an average decode step. Counts are events (additions, bytes moved, floating-point
 * operations, cycles, register toggles); an energy table gives the picojoules of each kind of
 * event, a configuration says where the work runs (the host CPU or a tern device of a given
 * array, clock and weight memory) and the static and dynamic power of the board. Everything here
 * is plain arithmetic on those numbers, in double precision, with no global state. */
#ifndef TERN_ENERGY_H
#define TERN_ENERGY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tern.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- counts --------------------------------------------------------------------------------- */

/* Totals over one phase of a run (tern_device_stats and tern_host_counts, plus sampling). */
typedef struct tern_count_phase {
  uint64_t tokens;  /* forward-pass tokens evaluated */
  uint64_t samples; /* tokens sampled from logits (1 per decode step) */
  double seconds;   /* wall time of the phase on this machine */
  /* device side (tern_device_stats) */
  uint64_t calls, macs, adds, slot_macs, weight_bytes, act_bytes, result_bytes, quant_flops, epilogue_flops;
  int has_cycles;
  uint64_t device_cycles;
  int has_toggles;
  uint64_t toggle_cycles, toggles[TERN_TOGGLE_GROUPS];
  /* host side (tern_host_counts) and sampling (n_vocab per sample) */
  uint64_t logit_tokens, embd_bytes, lm_head_bytes, norm_bytes, kv_read_bytes, kv_write_bytes;
  uint64_t flops_attn, flops_norm, flops_rope, flops_ffn, flops_lm_head, flops_sample;
} tern_count_phase;

#define TERN_COUNTS_MAX_SHAPES 16

/* The counts of a run and what is needed to re-cost them at another array geometry. */
typedef struct tern_counts {
  char model[160]; /* the model (file name or synth:SPEC) */
  char device[64]; /* the device URI it ran on */
  tern_geom geom;  /* the device's array geometry (stream bytes and slots are for it) */
  tern_format fmt; /* the device weight format */
  uint32_t n_embd, n_layer, n_ff, n_head, n_head_kv, head_dim, n_vocab, head_type_size;
  uint64_t weights, nonzero_weights; /* ternary weights of the model; nonzero ones */
  uint32_t toggle_bits[TERN_TOGGLE_GROUPS];
  /* BitLinear shapes of one token: shape i is K x N and runs per_token times per token */
  uint32_t n_shapes;
  struct {
    uint32_t k, n, per_token;
  } shapes[TERN_COUNTS_MAX_SHAPES];
  tern_count_phase prompt, decode;
} tern_counts;

/* Write the counts as "key = value" lines (docs/energy.md lists the keys). TERN_ERR_ARG on a
 * write error. */
tern_status tern_counts_write(FILE *f, const tern_counts *c);
/* Read a counts file. Bad input (an unknown key, a bad number, a missing required key, counts
 * that contradict each other) fails with a message naming the file and line. */
tern_status tern_counts_read(const char *path, tern_counts *c, char *err, size_t err_size);

/* ---- energy tables, memories, boards ---------------------------------------------------------- */

typedef struct tern_energy_table {
  char name[64];
  char source[400];
  double add_pj;            /* one ternary addition (an 8-bit integer add) */
  double flop_pj;           /* one host floating-point operation (fp32: mean of add and multiply) */
  double sram_pj_per_byte;  /* on-chip buffers of the device (activation bank, FIFOs): small SRAM */
  double wsram_pj_per_byte; /* an on-chip store large enough for the weights */
  double dram_pj_per_byte;  /* host DRAM (and DDR-class device memory) */
} tern_energy_table;

/* "horowitz45" or "bitnet7nm" (docs/energy.md: values and sources); TERN_ERR_ARG otherwise. */
tern_status tern_energy_table_builtin(const char *name, tern_energy_table *t);
/* A table file: "key = value" lines, '#' comments; keys name, source, base (a built-in table to
 * start from), add_pj, flop_pj, sram_pj_per_byte, wsram_pj_per_byte, dram_pj_per_byte (every
 * number required unless a base gives it; >= 0). Errors name the file and line. */
tern_status tern_energy_table_load(const char *path, tern_energy_table *t, char *err, size_t err_size);

/* Where the device reads its weights from: energy per byte and bandwidth. */
typedef struct tern_memory {
  char name[32];
  double pj_per_byte; /* < 0: the table's dram_pj_per_byte (ddr4) or wsram_pj_per_byte (onchip) */
  double gb_per_s;    /* 0: no limit beyond the device's port (onchip) */
  int onchip;         /* the weights live in on-chip SRAM */
  char source[300];
} tern_memory;
/* "ddr4", "hbm" or "onchip"; TERN_ERR_ARG otherwise. */
tern_status tern_memory_builtin(const char *name, tern_memory *m);

/* A board: its clock, the array built for it, and its power when known. */
typedef struct tern_board {
  char name[32];
  double clock_mhz;
  tern_geom geom;   /* {0, 0}: not tied to one array */
  int has_power;    /* static_w and dynamic_w are sourced figures */
  double static_w;  /* power drawn when idle */
  double dynamic_w; /* power added when the design runs at full activity */
  char source[400];
} tern_board;
/* "icebreaker", "ulx3s" or "kv260"; TERN_ERR_ARG otherwise. */
tern_status tern_board_builtin(const char *name, tern_board *b);

/* ---- the computation ------------------------------------------------------------------------- */

typedef enum tern_exec {
  TERN_EXEC_CPU = 0,   /* the BitLinears run on the host CPU (the cpu device) */
  TERN_EXEC_DEVICE = 1 /* on a tern device: array geom at clock_mhz, weights in mem */
} tern_exec;

typedef struct tern_energy_config {
  tern_energy_table table;
  tern_exec exec;
  tern_geom geom;    /* device array (TERN_EXEC_DEVICE) */
  double clock_mhz;  /* device clock */
  double port_bytes; /* device memory port, bytes per cycle; 0: one T5 beat (rows x lanes / 5) */
  tern_memory mem;   /* where the device's weights are */
  double static_w;   /* static power, charged for the time of a token */
  double dynamic_w;  /* FPGA dynamic power at full activity, charged for the device time */
} tern_energy_config;

enum { TERN_E_ADDS, TERN_E_SRAM, TERN_E_DRAM, TERN_E_HOST, TERN_E_STATIC, TERN_E_FPGA_DYN, TERN_E_COUNT };

/* Joules per decode token by component, and the quantities behind them (per token). */
typedef struct tern_energy_result {
  double joules[TERN_E_COUNT];
  double total;
  double adds;             /* ternary additions */
  double host_flops;       /* host floating-point operations */
  double weight_bytes;     /* device stream bytes of the weights at the configuration's geometry */
  double weight_mem_bytes; /* weight bytes read from the weight memory (DRAM or HBM; 0 on chip) */
  double sram_bytes;       /* bytes through the device's small on-chip buffers */
  double wsram_bytes;      /* weight bytes read from an on-chip weight store */
  double host_bytes;       /* host DRAM bytes: lm_head, embedding, KV cache, norms, device I/O */
  double array_cycles;     /* cycle model: the BitLinears' jobs at the geometry (max with the port) */
  double seconds;          /* time of a token the static power is charged for */
  double tokens_per_s;     /* 1 / seconds (device: device-bound; cpu: measured) */
  const char *bound;       /* what sets the time: "array", "port", "memory", "measured" */
  double floor_j;          /* the ternary weights read once at 1.6 bits each at dram_pj_per_byte */
  double dram_weights_j;   /* the DRAM joules of the weights (weight_mem_bytes at their memory's pJ/B) */
  double dram_host_j;      /* the rest of the DRAM joules: the host's bytes */
  double dram_lm_head_j;   /* ... of which the host's lm_head reads */
  double table_j;          /* adds + SRAM + DRAM + host: the table energies, board power excluded */
} tern_energy_result;

/* Component names: "adds", "SRAM", "DRAM", "host", "static", "fpga dynamic". */
const char *tern_energy_component_name(int component);

/* Cost the counts' average decode token under cfg. Fails (message in err) when the counts have
 * no decode steps, the geometry is bad, or the counts contradict themselves (the shapes must
 * explain the counted MACs, and at the counted geometry the counted weight bytes). */
tern_status tern_energy_compute(const tern_counts *c, const tern_energy_config *cfg, tern_energy_result *r, char *err,
                                size_t err_size);

#ifdef __cplusplus
}
#endif
#endif /* TERN_ENERGY_H */
