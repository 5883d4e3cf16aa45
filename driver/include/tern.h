/* SPDX-License-Identifier: Apache-2.0 */
/* tern: the host API that runs BitLinear layers on a tern device.
 *
 *   tern_device *dev;  tern_weights *w;
 *   tern_open("cmodel", &dev);                         // or "cpu", "rtl", "systemc", "uart:..."
 *   tern_weights_load(dev, &src, TERN_T5, &w);        // a ternary tensor, packed for the device
 *   tern_bitlinear(dev, w, x, tokens, y);              // y[t][N] = BitLinear(x[t][K])
 *   tern_weights_free(w); tern_close(dev);
 *
 * Activation quantisation and the fp32 epilogue run on the host, in the shared C code of
 * cmodel/ (docs/numerics.md), so every device gives identical floats; a device only computes
 * the int32 accumulators, which every device must give bit-exactly. No global state: all
 * state lives in the tern_device. On an error a function returns a tern_status and
 * tern_last_error(dev) says what and where. */
#ifndef TERN_H
#define TERN_H

#include <stddef.h>
#include <stdint.h>

#include "tern_geom.h"
#include "tern_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_device tern_device;
typedef struct tern_weights tern_weights;

/* Open a device by URI: "cpu" (portable C on the host), "cmodel" (the C model of the device,
 * registers and all), "rtl[:options]" (the Verilated device RTL, in this process; loads the
 * plugin tern-rtl.so, docs/programming.md), "systemc[:options]" (the SystemC system model;
 * loads tern-systemc.so, docs/systemc.md), "uart:TTY[?options]" (a board
 * behind its UART bridge) or "uart-tcp:HOST:PORT[?options]" (a simulated board; docs/uart.md).
 * NULL or "" means the TERN_DEVICE environment variable, else "cpu". */
tern_status tern_open(const char *uri, tern_device **dev);

/* tern_open that also says why it failed: err (err_size bytes, may be NULL) receives the
 * reason, e.g. "unknown device 'gpu' (devices: cpu, cmodel, rtl, uart:TTY, uart-tcp:HOST:PORT)". */
tern_status tern_open_err(const char *uri, tern_device **dev, char *err, size_t err_size);
void tern_close(tern_device *dev);

/* The URI the device was opened with, and its array geometry. */
const char *tern_device_uri(const tern_device *dev);
tern_geom tern_device_geom(const tern_device *dev);

/* A message about the last failure on dev ("" if none): what failed and where. */
const char *tern_last_error(const tern_device *dev);

/* Where a ternary tensor of N rows (out features) by K columns (in features) comes from. */
typedef enum tern_layout {
  TERN_LAYOUT_TRITS, /* int8_t W[n][k] in {-1, 0, +1}, scale given separately */
  TERN_LAYOUT_I2S,   /* GGUF I2_S blob (codes, then a 32-byte tail holding the scale) */
  TERN_LAYOUT_TQ2_0, /* GGUF TQ2_0 blob */
  TERN_LAYOUT_TQ1_0  /* GGUF TQ1_0 blob */
} tern_layout;

typedef struct tern_tensor_src {
  tern_layout layout;
  const void *data;
  size_t size; /* bytes at data: must be exactly what the layout needs for k x n */
  uint32_t k, n;
  float scale; /* TERN_LAYOUT_TRITS only; the GGUF layouts carry their own */
} tern_tensor_src;

/* Convert a tensor into the device format fmt (T2 or T5) and place it on the device. */
tern_status tern_weights_load(tern_device *dev, const tern_tensor_src *src, tern_format fmt, tern_weights **w);
void tern_weights_free(tern_weights *w);
uint32_t tern_weights_k(const tern_weights *w);
uint32_t tern_weights_n(const tern_weights *w);
float tern_weights_scale(const tern_weights *w);
/* Nonzero weights of the tensor (the additions one token needs; a zero weight adds nothing). */
uint64_t tern_weights_nonzero(const tern_weights *w);

/* y[t][0..N) = BitLinear(x[t][0..K)) for t < tokens: per-token int8 quantisation, the
 * device's int32 accumulators, the fp32 epilogue. x and y must not overlap. */
tern_status tern_bitlinear(tern_device *dev, const tern_weights *w, const float *x, uint32_t tokens, float *y);

/* One BitLinear of a batch: y[tokens][N] = BitLinear(x[tokens][K]) with weights w. */
typedef struct tern_bitlinear_op {
  const tern_weights *w;
  const float *x;
  uint32_t tokens;
  float *y;
} tern_bitlinear_op;

/* Submit count BitLinears at once and wait for all: the device's job queue is kept full
 * across them, so it goes from one job to the next without a host round trip (e.g. the q, k
 * and v projections of a layer, which share their input). The results equal count separate
 * tern_bitlinear calls, bit for bit. On failure no y is guaranteed written. */
tern_status tern_bitlinear_batch(tern_device *dev, const tern_bitlinear_op *ops, size_t count);

/* The integer core alone: acc[t][n] for int8 xq[t][k] (what the device computes). */
tern_status tern_bitlinear_int(tern_device *dev, const tern_weights *w, const int8_t *xq, uint32_t tokens,
                               int32_t *acc);

/* ---- golden check and counters ---------------------------------------------------------- */
/* Golden check: with on != 0, every tensor loaded from then on keeps its packed device stream
 * on the host, and every BitLinear on it has its int32 accumulators compared with the C golden
 * model's (tern_matmul of cmodel/) as it runs. A difference fails the call with
 * TERN_ERR_DEVICE and tern_last_error names the tensor, token, row and both values. Costs the
 * stream's memory and a C-model matmul per call: a verification mode (the demo runs the RTL
 * with it), not a fast path. Returns TERN_ERR_ARG for a NULL device. */
tern_status tern_device_set_check(tern_device *dev, int on);

/* Capture: from this call on, every matmul the device runs (tern_bitlinear, tern_bitlinear_int,
 * and each op of tern_bitlinear_batch, in op order) appends one record to a file, for replaying
 * real traffic on a gate-level netlist (docs/energy.md). The file, little-endian:
 *
 *   "TERNCAP1"                                  8-byte magic, then records until end of file
 *   uint32 k, n, tokens, 0 (reserved)           one record's header (16 bytes)
 *   int8 w[n][k]                                the weights, row-major, each -1, 0 or +1
 *   int8 x[tokens][k]                           the quantised activations the device was given
 *
 * A record needs the tensor's trits, which a tensor keeps only when it is loaded while a
 * capture is on: set the capture before loading the weights (as with tern_device_set_check).
 * A call on a tensor loaded before fails with TERN_ERR_ARG before the device runs it, and
 * tern_last_error names the op and the tensor (shape, format); the capture carries on. A call
 * the device fails writes no record; the records are written once the device has returned
 * (before the golden check, so a check failure's call is in the file).
 *
 * The file is written as path + ".tmp" and renamed to path when the capture ends: at
 * tern_device_set_capture(dev, NULL), at a call with another path (which then starts a new
 * capture), or at tern_close (which cannot report a failure: end with NULL to see one). An
 * existing file at path is removed when the capture starts, so a process that dies mid-capture
 * leaves only the .tmp, never a partial file under the final name. A failure to create, write
 * (each call's records are flushed), sync or rename fails the call that did it with TERN_ERR_ARG
 * and a message naming the path and errno's text; the capture then ends and its .tmp is
 * removed (later calls run uncaptured). path NULL with no capture on does nothing. Returns
 * TERN_ERR_ARG for a NULL device. Costs K x N bytes of host memory per tensor loaded. */
tern_status tern_device_set_capture(tern_device *dev, const char *path);
/* What the device has done since it was opened (or the counters were reset). */
typedef struct tern_device_stats {
  uint64_t calls;          /* BitLinear matmuls (a batch of c ops counts c) */
  uint64_t tokens;         /* their tokens, summed */
  uint64_t macs;           /* K * N * tokens, summed: the ternary multiply-accumulates done */
  uint64_t weight_bytes;   /* device-stream bytes of the weights, one pass per call */
  uint64_t act_bytes;      /* int8 activations sent (K * tokens) and ... */
  uint64_t result_bytes;   /* ... int32 accumulators returned (4 * N * tokens) */
  int has_cycles;          /* the device has a clock (rtl, a board) */
  uint64_t device_cycles;  /* its cycles while the calls ran (has_cycles only) */
  uint64_t checked;        /* calls whose accumulators were compared with the golden model */
  uint64_t check_failures; /* ... and differed */
  /* Event counts for the energy study (docs/energy.md), over the same calls: */
  uint64_t adds;           /* ternary additions needed: nonzero weights x tokens, summed */
  uint64_t slot_macs;      /* MAC slots of the array the calls occupy: ceil(N/R)*R x ceil(K/L)*L
                              x tokens at the device geometry (padding included) */
  uint64_t quant_flops;    /* host: activation quantisation, 3 per input element (K x tokens) */
  uint64_t epilogue_flops; /* host: the fp32 epilogue, 2 per result (N x tokens) */
  /* Toggle activity of the array (rtl with the toggles= option): bit flips of its registers
   * counted every clock cycle since open (or reset), in three groups: TERN_TOGGLE_ACT (the
   * activations entering the lanes), TERN_TOGGLE_CODE (the decoded weight flags), TERN_TOGGLE_ACC
   * (the accumulators). toggle_bits[g] is the number of register bits watched in group g. */
  int has_toggles;
  uint64_t toggle_cycles; /* cycles sampled */
  uint64_t toggles[3];
  uint32_t toggle_bits[3];
} tern_device_stats;
enum { TERN_TOGGLE_ACT = 0, TERN_TOGGLE_CODE = 1, TERN_TOGGLE_ACC = 2, TERN_TOGGLE_GROUPS = 3 };
void tern_device_get_stats(const tern_device *dev, tern_device_stats *stats);
void tern_device_reset_stats(tern_device *dev);

#ifdef __cplusplus
}
#endif
#endif /* TERN_H */
