/* SPDX-License-Identifier: Apache-2.0 */
/* The transport-free core of the tern driver: device selection, weight conversion and
 * packing, activation quantisation and the epilogue around a backend's integer matmul. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "capture.h"
#include "device.h"
#include "errmsg.h"
#include "pool.h"
#include "tern_mac.h"
#include "tern_pack.h"
#include "tern_quant.h"
#include "transport.h"

struct tern_device {
  const tern_backend_ops *ops;
  void *state;
  tern_geom geom;
  char uri[64];
  char error[512];
  /* The transport's account of its last failure (rtl: a hang, a protocol violation), or NULL. */
  const char *(*detail)(void *ctx);
  void *detail_ctx;
  /* Host threads: the cpu backend's kernels and the forward pass's host-side work. */
  tern_pool *pool;
  int check; /* golden check of every call (tern_device_set_check) */
  /* every call's trits and int8 activations to a file (tern_device_set_capture), or NULL */
  tern_capture *capture;
  tern_device_stats stats;
  /* the transport's toggle counters at the last reset (they count from open) */
  uint64_t toggle_base[TERN_TOGGLE_GROUPS], toggle_cycles_base;
};

struct tern_weights {
  tern_device *dev;
  void *handle;
  uint32_t k, n;
  float scale;
  tern_format fmt;
  uint64_t nonzero; /* nonzero weights */
  uint8_t *golden;  /* the packed stream, kept when the device checks calls (else NULL) */
  int8_t *trits;    /* w[n][k], kept when the device captures calls (else NULL) */
};

static tern_status set_error(tern_device *dev, tern_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static tern_status set_error(tern_device *dev, tern_status st, const char *fmt, ...) {
  if (!dev) return st;
  va_list ap;
  va_start(ap, fmt);
  tern_verrf(dev->error, sizeof dev->error, st, fmt, ap);
  va_end(ap);
  return st;
}

/* After a failed device call: add the transport's reason to the core's message. */
static void append_detail(tern_device *dev) {
  const char *d = dev->detail ? dev->detail(dev->detail_ctx) : NULL;
  size_t len = strlen(dev->error);
  if (d && *d && len + 3 < sizeof dev->error) snprintf(dev->error + len, sizeof dev->error - len, ": %s", d);
}

/* Split "name[:options]" of a cpu or cmodel URI: options are "threads=N" (N >= 1; none
 * other). Returns 0 and sets *threads (0 when not given), or -1 with a message in dev->error. */
static int parse_local_options(tern_device *dev, const char *name, const char *opts, unsigned *threads) {
  *threads = 0;
  while (opts && *opts) {
    const char *end = strchr(opts, ',');
    size_t len = end ? (size_t)(end - opts) : strlen(opts);
    if (len > 8 && strncmp(opts, "threads=", 8) == 0) {
      unsigned long v = 0;
      size_t i = 8;
      for (; i < len && opts[i] >= '0' && opts[i] <= '9' && v <= 100000; i++)
        v = v * 10 + (unsigned long)(opts[i] - '0');
      if (i != len || v < 1 || v > 1024) {
        set_error(dev, TERN_ERR_ARG, "%s: option '%.*s': threads must be 1..1024", name, (int)len, opts);
        return -1;
      }
      *threads = (unsigned)v;
    } else {
      set_error(dev, TERN_ERR_ARG, "%s: unknown option '%.*s' (options: threads=N)", name, (int)len, opts);
      return -1;
    }
    opts = end ? end + 1 : NULL;
  }
  return 0;
}

tern_status tern_open_err(const char *uri, tern_device **out, char *err, size_t err_size) {
  if (!out) return TERN_ERR_ARG;
  *out = NULL;
  if (!uri || !*uri) uri = getenv("TERN_DEVICE");
  if (!uri || !*uri) uri = "cpu";
  tern_device *dev = calloc(1, sizeof *dev);
  if (!dev) return TERN_ERR_NOMEM;
  dev->geom = tern_geom_default();
  snprintf(dev->uri, sizeof dev->uri, "%s", uri);
  tern_status st = TERN_OK;
  tern_hal hal;
  const char *opts = "";
  const tern_transport *t = tern_transport_find(uri, &opts);
  unsigned threads = 0;
  if (!t) {
    char list[256];
    tern_transport_list(list, sizeof list);
    st = set_error(dev, TERN_ERR_DEVICE, "unknown device '%s' (devices: %s)", uri, list);
  } else if (t->host_threads && parse_local_options(dev, t->prefix, opts, &threads) != 0) {
    st = TERN_ERR_ARG;
  } else {
    /* a transport's own options (rtl:...) are not threads: its threads come from TERN_THREADS only */
    const char *env = getenv("TERN_THREADS");
    if (!threads) threads = tern_pool_env_threads();
    if (!threads && env && *env) /* not "all CPUs" in silence: the caller asked for something */
      st = set_error(dev, TERN_ERR_ARG, "TERN_THREADS '%.40s' (environment): expected an integer 1..1024", env);
    else if (!(dev->pool = tern_pool_new(threads)))
      st = set_error(dev, TERN_ERR_NOMEM, "could not start a pool of %u host threads", threads);
  }
  const int have_hal = st == TERN_OK && t->open;
  if (st != TERN_OK) {
    /* reported below */
  } else if (!t->open) { /* cpu: the host's kernels, no HAL */
    dev->ops = &tern_backend_cpu;
    dev->state = dev->ops->open(dev->geom, dev->pool);
    if (!dev->state) st = set_error(dev, TERN_ERR_NOMEM, "out of memory");
  } else {
    st = t->open(t, uri, opts, &dev->geom, &hal, dev->error, sizeof dev->error);
  }
  if (st == TERN_OK && have_hal) {
    dev->ops = &tern_backend_hal;
    dev->detail = hal.last_error, dev->detail_ctx = hal.ctx;
    st = tern_hal_device_open(&hal, dev->geom, &dev->state, dev->error, sizeof dev->error);
    if (st != TERN_OK) {
      append_detail(dev);
      hal.close(hal.ctx);
    }
  }
  if (st != TERN_OK) {
    if (err && err_size) snprintf(err, err_size, "%s", dev->error);
    tern_pool_free(dev->pool);
    free(dev);
    return st;
  }
  dev->error[0] = 0;
  *out = dev;
  return TERN_OK;
}

tern_status tern_open(const char *uri, tern_device **out) { return tern_open_err(uri, out, NULL, 0); }

/* Open a device behind a caller-made HAL (tests use a mock register bus). */
tern_status tern_open_hal(const tern_hal *hal, const char *name, tern_device **out, char *err, size_t err_size) {
  if (!hal || !out) return TERN_ERR_ARG;
  *out = NULL;
  tern_device *dev = calloc(1, sizeof *dev);
  if (!dev) return TERN_ERR_NOMEM;
  dev->geom = tern_geom_default();
  dev->ops = &tern_backend_hal;
  snprintf(dev->uri, sizeof dev->uri, "%s", name ? name : "hal");
  dev->pool = tern_pool_new(tern_pool_env_threads());
  tern_status st =
      dev->pool ? tern_hal_device_open(hal, dev->geom, &dev->state, dev->error, sizeof dev->error) : TERN_ERR_NOMEM;
  if (st != TERN_OK) {
    if (!dev->pool) snprintf(dev->error, sizeof dev->error, "could not start a pool of host threads");
    if (err) snprintf(err, err_size, "%s", dev->error);
    tern_pool_free(dev->pool);
    free(dev);
    return st;
  }
  *out = dev;
  return TERN_OK;
}

void tern_close(tern_device *dev) {
  if (!dev) return;
  /* no caller to tell of a failure here: the capture then removes its .tmp (tern.h says so) */
  if (dev->capture) tern_capture_close(dev->capture, NULL, 0);
  dev->ops->close(dev->state);
  tern_pool_free(dev->pool);
  free(dev);
}

tern_pool *tern_device_pool(tern_device *dev) { return dev ? dev->pool : NULL; }

const char *tern_device_uri(const tern_device *dev) { return dev ? dev->uri : ""; }
tern_geom tern_device_geom(const tern_device *dev) {
  tern_geom none = {0, 0};
  return dev ? dev->geom : none;
}
const char *tern_last_error(const tern_device *dev) { return dev ? dev->error : "no device"; }

static const char *layout_name(tern_layout l) {
  switch (l) {
    case TERN_LAYOUT_TRITS: return "trits";
    case TERN_LAYOUT_I2S: return "I2_S";
    case TERN_LAYOUT_TQ2_0: return "TQ2_0";
    case TERN_LAYOUT_TQ1_0: return "TQ1_0";
  }
  return "unknown layout";
}

/* Expected byte size of a tensor in its source layout (0: shape not allowed). */
static size_t src_bytes(tern_layout l, uint32_t k, uint32_t n) {
  switch (l) {
    case TERN_LAYOUT_TRITS: return (size_t)k * n;
    case TERN_LAYOUT_I2S: return tern_i2s_bytes(k, n);
    case TERN_LAYOUT_TQ2_0: return tern_tq2_0_bytes(k, n);
    case TERN_LAYOUT_TQ1_0: return tern_tq1_0_bytes(k, n);
  }
  return 0;
}

tern_status tern_weights_load(tern_device *dev, const tern_tensor_src *src, tern_format fmt, tern_weights **out) {
  if (!dev || !src || !out || !src->data) return set_error(dev, TERN_ERR_ARG, "tern_weights_load: NULL argument");
  *out = NULL;
  if (!tern_format_name(fmt))
    return set_error(dev, TERN_ERR_ARG, "tern_weights_load: unknown device format %d", (int)fmt);
  const char *lname = layout_name(src->layout);
  if (src->k == 0 || src->n == 0 || src->k > TERN_K_MAX || src->n > TERN_N_MAX)
    return set_error(dev, TERN_ERR_SHAPE, "%s tensor %ux%u: K and N must be 1..%u and 1..%u", lname, src->n, src->k,
                     TERN_K_MAX, TERN_N_MAX);
  size_t need = src_bytes(src->layout, src->k, src->n);
  if (need == 0) {
    if (src->layout > TERN_LAYOUT_TQ1_0)
      return set_error(dev, TERN_ERR_ARG, "tensor layout %d is not supported", (int)src->layout);
    return set_error(dev, TERN_ERR_SHAPE, "%s tensor %ux%u: shape not allowed by the layout (docs/formats.md)", lname,
                     src->n, src->k);
  }
  if (src->size != need)
    return set_error(dev, TERN_ERR_SIZE, "%s tensor %ux%u: %zu bytes given, the layout needs %zu", lname, src->n,
                     src->k, src->size, need);
  const size_t count = (size_t)src->k * src->n;
  int8_t *trits = malloc(count);
  const int need_stream = dev->check || !dev->ops->upload_trits;
  uint8_t *stream = need_stream ? malloc(tern_stream_bytes(dev->geom, fmt, src->k, src->n)) : NULL;
  tern_weights *w = calloc(1, sizeof *w);
  tern_status st = TERN_OK;
  size_t where = 0;
  float scale = src->scale;
  if (!trits || (need_stream && !stream) || !w) {
    st = set_error(dev, TERN_ERR_NOMEM, "out of memory loading a %ux%u tensor", src->n, src->k);
    goto done;
  }
  switch (src->layout) {
    case TERN_LAYOUT_TRITS:
      memcpy(trits, src->data, count);
      st = tern_check_trits(trits, count, &where);
      if (st == TERN_OK && !(scale >= 0.0f && scale <= 3.4e38f)) st = TERN_ERR_BAD_SCALE;
      break;
    case TERN_LAYOUT_I2S: st = tern_from_i2s(src->data, src->k, src->n, trits, &scale, &where); break;
    case TERN_LAYOUT_TQ2_0: st = tern_from_tq2_0(src->data, src->k, src->n, trits, &scale, &where); break;
    case TERN_LAYOUT_TQ1_0: st = tern_from_tq1_0(src->data, src->k, src->n, trits, &scale, &where); break;
  }
  if (st != TERN_OK) {
    const char *unit = (src->layout == TERN_LAYOUT_TQ2_0 || src->layout == TERN_LAYOUT_TQ1_0) ? "block" : "weight";
    if (st == TERN_ERR_BAD_SCALE)
      set_error(dev, st, "%s tensor %ux%u: %s", lname, src->n, src->k, tern_strerror(st));
    else
      set_error(dev, st, "%s tensor %ux%u: %s at %s %zu", lname, src->n, src->k, tern_strerror(st), unit, where);
    goto done;
  }
  dev->error[0] = 0;
  for (size_t i = 0; i < count; i++) w->nonzero += trits[i] != 0;
  if (stream && (st = tern_pack(dev->geom, fmt, trits, src->k, src->n, stream)) != TERN_OK) {
    set_error(dev, st, "packing %s: %s", tern_format_name(fmt), tern_strerror(st));
    goto done;
  }
  if (dev->ops->upload_trits)
    w->handle = dev->ops->upload_trits(dev->state, fmt, trits, src->k, src->n);
  else
    w->handle = dev->ops->upload(dev->state, fmt, stream, src->k, src->n);
  if (!w->handle) {
    st = TERN_ERR_DEVICE;
    if (!dev->error[0])
      set_error(dev, st, "device %s could not take a %ux%u %s tensor", dev->uri, src->n, src->k, tern_format_name(fmt));
    append_detail(dev);
    goto done;
  }
  w->dev = dev;
  w->k = src->k;
  w->n = src->n;
  w->scale = scale;
  w->fmt = fmt;
  if (dev->check) w->golden = stream, stream = NULL;
  if (dev->capture) w->trits = trits, trits = NULL;
  *out = w;
  w = NULL;
done:
  free(trits);
  free(stream);
  free(w);
  return st;
}

void tern_weights_free(tern_weights *w) {
  if (!w) return;
  w->dev->ops->release(w->dev->state, w->handle);
  free(w->golden);
  free(w->trits);
  free(w);
}
uint32_t tern_weights_k(const tern_weights *w) { return w ? w->k : 0; }
uint32_t tern_weights_n(const tern_weights *w) { return w ? w->n : 0; }
float tern_weights_scale(const tern_weights *w) { return w ? w->scale : 0.0f; }
uint64_t tern_weights_nonzero(const tern_weights *w) { return w ? w->nonzero : 0; }

/* ---- counters and the golden check ---- */

static int device_clock(tern_device *dev, uint64_t *cycles) {
  return dev->ops->cycles && dev->ops->cycles(dev->state, cycles);
}

/* Count one finished call; with_clock: also the device cycles since c0 (once per submission). */
static void account(tern_device *dev, const tern_weights *w, uint32_t tokens, int with_clock, uint64_t c0) {
  tern_device_stats *s = &dev->stats;
  s->calls++;
  s->tokens += tokens;
  s->macs += (uint64_t)w->k * w->n * tokens;
  s->weight_bytes += tern_stream_bytes(dev->geom, w->fmt, w->k, w->n);
  s->act_bytes += (uint64_t)w->k * tokens;
  s->result_bytes += 4ull * w->n * tokens;
  s->adds += w->nonzero * tokens;
  s->slot_macs += (uint64_t)tern_groups(dev->geom, w->n) * dev->geom.rows * tern_beats_per_group(dev->geom, w->k) *
                  dev->geom.lanes * tokens;
  s->quant_flops += 3ull * w->k * tokens;
  s->epilogue_flops += 2ull * w->n * tokens;
  uint64_t c1 = 0;
  if (with_clock && device_clock(dev, &c1)) {
    s->has_cycles = 1;
    s->device_cycles += c1 - c0;
  }
}

/* The golden check of one call (op index `op` of its submission), when the device does it. */
static tern_status check_call(tern_device *dev, const tern_weights *w, const int8_t *xq, uint32_t tokens,
                              const int32_t *acc, size_t op) {
  if (!dev->check || !w->golden) return TERN_OK;
  int32_t *ref = malloc(sizeof(int32_t) * w->n * tokens);
  if (!ref) return set_error(dev, TERN_ERR_NOMEM, "golden check: out of memory");
  tern_status st = tern_matmul(dev->geom, w->fmt, w->golden, w->k, w->n, tokens, xq, ref);
  dev->stats.checked++;
  if (st != TERN_OK) {
    set_error(dev, st, "golden check: the C model failed: %s", tern_strerror(st));
  } else {
    for (size_t i = 0; i < (size_t)w->n * tokens; i++)
      if (acc[i] != ref[i]) {
        dev->stats.check_failures++;
        st = set_error(
            dev, TERN_ERR_DEVICE,
            "golden check: device %s, op %zu (%ux%u %s): acc[token %zu][row %zu] = %ld, the C model gives %ld",
            dev->uri, op, w->n, w->k, tern_format_name(w->fmt), i / w->n, i % w->n, (long)acc[i], (long)ref[i]);
        break;
      }
  }
  free(ref);
  return st;
}

tern_status tern_device_set_check(tern_device *dev, int on) {
  if (!dev) return TERN_ERR_ARG;
  dev->check = on != 0;
  return TERN_OK;
}

tern_status tern_device_set_capture(tern_device *dev, const char *path) {
  if (!dev) return TERN_ERR_ARG;
  dev->error[0] = 0;
  if (dev->capture) { /* end the current one first: its file is whole before another starts */
    tern_capture *c = dev->capture;
    dev->capture = NULL;
    tern_status st = tern_capture_close(c, dev->error, sizeof dev->error);
    if (st != TERN_OK) return st;
  }
  return path ? tern_capture_open(path, &dev->capture, dev->error, sizeof dev->error) : TERN_OK;
}

/* Capture needs every tensor's trits: refuse, before the device runs anything, a call whose
 * tensor was loaded before the capture began. */
static tern_status capture_ready(tern_device *dev, const tern_weights *w, size_t op) {
  if (!dev->capture || w->trits) return TERN_OK;
  return set_error(dev, TERN_ERR_ARG,
                   "capture '%s': op %zu: its %ux%u %s tensor was loaded before tern_device_set_capture and kept "
                   "no trits (set the capture before loading the weights)",
                   tern_capture_path(dev->capture), op, w->n, w->k, tern_format_name(w->fmt));
}

/* Append the records of a submission (op i: weights w[i], activations items[i]) and flush them,
 * so a write error fails the call that wrote. A failed write ends the capture and removes its file. */
static tern_status capture_calls(tern_device *dev, const tern_weights *const *w, const tern_matmul_item *items,
                                 size_t count) {
  if (!dev->capture) return TERN_OK;
  tern_status st = TERN_OK;
  for (size_t i = 0; i < count && st == TERN_OK; i++)
    st = tern_capture_record(dev->capture, w[i]->trits, w[i]->k, w[i]->n, items[i].xq, items[i].tokens, dev->error,
                             sizeof dev->error);
  if (st == TERN_OK) st = tern_capture_flush(dev->capture, dev->error, sizeof dev->error);
  if (st != TERN_OK) {
    tern_capture_abort(dev->capture);
    dev->capture = NULL;
  }
  return st;
}

void tern_device_get_stats(const tern_device *dev, tern_device_stats *stats) {
  if (!stats) return;
  if (!dev) {
    memset(stats, 0, sizeof *stats);
    return;
  }
  *stats = dev->stats;
  uint64_t t[TERN_TOGGLE_GROUPS] = {0}, cycles = 0;
  uint32_t bits[TERN_TOGGLE_GROUPS] = {0};
  if (dev->ops->toggles && dev->ops->toggles(dev->state, t, bits, &cycles)) {
    stats->has_toggles = 1;
    stats->toggle_cycles = cycles - dev->toggle_cycles_base;
    for (int g = 0; g < TERN_TOGGLE_GROUPS; g++) {
      stats->toggles[g] = t[g] - dev->toggle_base[g];
      stats->toggle_bits[g] = bits[g];
    }
  }
}

void tern_device_reset_stats(tern_device *dev) {
  if (!dev) return;
  memset(&dev->stats, 0, sizeof dev->stats);
  uint32_t bits[TERN_TOGGLE_GROUPS];
  if (!dev->ops->toggles || !dev->ops->toggles(dev->state, dev->toggle_base, bits, &dev->toggle_cycles_base)) {
    memset(dev->toggle_base, 0, sizeof dev->toggle_base);
    dev->toggle_cycles_base = 0;
  }
}

tern_status tern_bitlinear_int(tern_device *dev, const tern_weights *w, const int8_t *xq, uint32_t tokens,
                               int32_t *acc) {
  if (!dev || !w || !xq || !acc || tokens == 0)
    return set_error(dev, TERN_ERR_ARG, "tern_bitlinear_int: NULL argument or zero tokens");
  if (w->dev != dev) return set_error(dev, TERN_ERR_ARG, "weights were loaded on another device");
  tern_status st = capture_ready(dev, w, 0);
  if (st != TERN_OK) return st;
  dev->error[0] = 0;
  uint64_t c0 = 0;
  const int timed = device_clock(dev, &c0);
  st = dev->ops->matmul(dev->state, w->handle, xq, tokens, acc);
  if (st != TERN_OK && !dev->error[0]) set_error(dev, st, "device %s: %s", dev->uri, tern_strerror(st));
  if (st != TERN_OK) {
    append_detail(dev);
    return st;
  }
  account(dev, w, tokens, timed, c0);
  const tern_matmul_item it = {w->handle, xq, tokens, acc};
  if ((st = capture_calls(dev, &w, &it, 1)) != TERN_OK) return st;
  return check_call(dev, w, xq, tokens, acc, 0);
}

tern_status tern_bitlinear_batch(tern_device *dev, const tern_bitlinear_op *ops, size_t count) {
  if (!dev || (!ops && count)) return set_error(dev, TERN_ERR_ARG, "tern_bitlinear_batch: NULL argument");
  for (size_t i = 0; i < count; i++) {
    if (!ops[i].w || !ops[i].x || !ops[i].y || ops[i].tokens == 0)
      return set_error(dev, TERN_ERR_ARG, "tern_bitlinear_batch: op %zu has a NULL pointer or zero tokens", i);
    if (ops[i].w->dev != dev) return set_error(dev, TERN_ERR_ARG, "op %zu: weights were loaded on another device", i);
    tern_status st = capture_ready(dev, ops[i].w, i);
    if (st != TERN_OK) return st;
  }
  size_t xq_len = 0, acc_len = 0, tok_len = 0;
  for (size_t i = 0; i < count; i++) {
    xq_len += (size_t)ops[i].w->k * ops[i].tokens;
    acc_len += (size_t)ops[i].w->n * ops[i].tokens;
    tok_len += ops[i].tokens;
  }
  int8_t *xq = malloc(xq_len ? xq_len : 1);
  int32_t *acc = malloc(sizeof(int32_t) * (acc_len ? acc_len : 1));
  float *absmax = malloc(sizeof(float) * (tok_len ? tok_len : 1));
  tern_matmul_item *items = malloc(sizeof *items * (count ? count : 1));
  const tern_weights **ws = malloc(sizeof *ws * (count ? count : 1));
  tern_status st = TERN_OK;
  if (!xq || !acc || !absmax || !items || !ws) {
    st = set_error(dev, TERN_ERR_NOMEM, "out of memory for a batch of %zu BitLinears", count);
    goto done;
  }
  size_t xo = 0, ao = 0, to = 0;
  for (size_t i = 0; i < count; i++) {
    const size_t k = ops[i].w->k, n = ops[i].w->n;
    for (uint32_t t = 0; t < ops[i].tokens; t++) {
      st = tern_quantize_acts(ops[i].x + t * k, k, xq + xo + t * k, &absmax[to + t]);
      if (st != TERN_OK) {
        set_error(dev, st, "op %zu, activations of token %u: %s", i, t, tern_strerror(st));
        goto done;
      }
    }
    tern_matmul_item it = {ops[i].w->handle, xq + xo, ops[i].tokens, acc + ao};
    items[i] = it;
    ws[i] = ops[i].w;
    xo += k * ops[i].tokens, ao += n * ops[i].tokens, to += ops[i].tokens;
  }
  dev->error[0] = 0;
  uint64_t c0 = 0;
  const int timed = device_clock(dev, &c0);
  if (dev->ops->matmul_batch) {
    st = dev->ops->matmul_batch(dev->state, items, count);
  } else {
    for (size_t i = 0; i < count && st == TERN_OK; i++)
      st = dev->ops->matmul(dev->state, items[i].handle, items[i].xq, items[i].tokens, items[i].acc);
  }
  if (st != TERN_OK) {
    if (!dev->error[0]) set_error(dev, st, "device %s: %s", dev->uri, tern_strerror(st));
    append_detail(dev);
    goto done;
  }
  for (size_t i = 0; i < count; i++) account(dev, ops[i].w, ops[i].tokens, timed && i == 0, c0);
  if ((st = capture_calls(dev, ws, items, count)) != TERN_OK) goto done;
  for (size_t i = 0; i < count && st == TERN_OK; i++)
    st = check_call(dev, ops[i].w, items[i].xq, ops[i].tokens, items[i].acc, i);
  if (st != TERN_OK) goto done;
  ao = 0, to = 0;
  for (size_t i = 0; i < count; i++) {
    const size_t n = ops[i].w->n;
    for (uint32_t t = 0; t < ops[i].tokens; t++)
      tern_epilogue(acc + ao + t * n, n, absmax[to + t], ops[i].w->scale, ops[i].y + t * n);
    ao += n * ops[i].tokens, to += ops[i].tokens;
  }
done:
  free(xq);
  free(acc);
  free(absmax);
  free(items);
  free(ws);
  return st;
}

tern_status tern_bitlinear(tern_device *dev, const tern_weights *w, const float *x, uint32_t tokens, float *y) {
  if (!dev || !w || !x || !y || tokens == 0)
    return set_error(dev, TERN_ERR_ARG, "tern_bitlinear: NULL argument or zero tokens");
  tern_bitlinear_op op = {w, x, tokens, y};
  return tern_bitlinear_batch(dev, &op, 1);
}
