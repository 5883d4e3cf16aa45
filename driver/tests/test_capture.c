/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the BitLinear capture (tern_device_set_capture, driver/src/capture.c): random trits
 * and activations go through tern_bitlinear (1 and several tokens), tern_bitlinear_batch and
 * tern_bitlinear_int; the file is then parsed here byte by byte, by the format of tern.h, and
 * every record must equal what was passed, in order. Also: nothing under the final name until
 * the capture ends (a stale file there is removed at the start), no .tmp after; tern_close and a
 * new path end a capture too; a tensor loaded before the capture is refused by name; a path in a
 * missing directory and a write that fails (RLIMIT_FSIZE) give messages naming the path and
 * errno's text, and leave no file.
 *   test_capture [--device URI] [--seed S]     (default cpu, seed 1; the seed is printed) */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tern.h"
#include "tern_test.h"

/* What one record must hold. */
typedef struct {
  uint32_t k, n, tokens;
  const int8_t *w; /* w[n][k] */
  int8_t *x;       /* x[tokens][k] */
} rec;

typedef struct {
  uint32_t k, n;
  int8_t *trits;
  tern_weights *w;
} tensor;

static uint64_t rng;
static uint64_t seed;
static char dir[256];

static int exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

static void make_path(char *out, size_t size, const char *name) { snprintf(out, size, "%s/%s", dir, name); }
/* A capture's final path and its temporary (path + ".tmp"): path[300], tmp[310]. */
static void make_paths(char *path, char *tmp, const char *name) {
  make_path(path, 300, name);
  snprintf(tmp, 310, "%s.tmp", path);
}

static tern_status load(tern_device *dev, tensor *t, uint32_t k, uint32_t n) {
  t->k = k, t->n = n, t->w = NULL;
  t->trits = malloc((size_t)k * n);
  for (size_t i = 0; i < (size_t)k * n; i++) t->trits[i] = (int8_t)((int)(tern_rand_next(&rng) % 3) - 1);
  tern_tensor_src src = {TERN_LAYOUT_TRITS, t->trits, (size_t)k * n, k, n, 0.75f};
  return tern_weights_load(dev, &src, TERN_T5, &t->w);
}

static void unload(tensor *t) {
  tern_weights_free(t->w);
  free(t->trits);
}

/* Activations that quantise to themselves: integers in -127..127 with one of magnitude 127 per
 * token, so the scale 127 / absmax is exactly 1 and x as floats gives xq = x (tern_quant.h). */
static rec acts(const tensor *t, uint32_t tokens, float **xf) {
  rec r = {t->k, t->n, tokens, t->trits, malloc((size_t)t->k * tokens)};
  *xf = malloc(sizeof(float) * t->k * tokens);
  for (uint32_t tok = 0; tok < tokens; tok++) {
    int8_t *x = r.x + (size_t)tok * t->k;
    for (uint32_t c = 0; c < t->k; c++) x[c] = (int8_t)tern_rand_range(&rng, -127, 127);
    x[tern_rand_range(&rng, 0, t->k - 1)] = (tern_rand_next(&rng) & 1) ? 127 : -127;
  }
  for (size_t i = 0; i < (size_t)t->k * tokens; i++) (*xf)[i] = (float)r.x[i];
  return r;
}

static uint32_t u32le(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The file at path must be the magic and exactly the records want[0..count). */
static void check_file(tern_test_ctx *t, const char *path, const rec *want, size_t count) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    tern_test_fail(t, "cannot open %s: %s", path, strerror(errno));
    return;
  }
  size_t cap = 1 << 16, len = 0, got;
  uint8_t *b = malloc(cap);
  while ((got = fread(b + len, 1, cap - len, f)) > 0)
    if ((len += got) == cap) b = realloc(b, cap *= 2);
  fclose(f);
  size_t at = 8;
  if (len < 8 || memcmp(b, "TERNCAP1", 8) != 0) tern_test_fail(t, "%s: no TERNCAP1 magic (%zu bytes)", path, len);
  for (size_t i = 0; i < count && !t->failed; i++) {
    const rec *r = &want[i];
    const size_t nw = (size_t)r->n * r->k, nx = (size_t)r->tokens * r->k;
    if (len - at < 16) {
      tern_test_fail(t, "%s: record %zu: the file ends at byte %zu [seed=%" PRIu64 "]", path, i, len, seed);
      break;
    }
    const uint32_t k = u32le(b + at), n = u32le(b + at + 4), tok = u32le(b + at + 8), res = u32le(b + at + 12);
    if (k != r->k || n != r->n || tok != r->tokens || res != 0) {
      tern_test_fail(t,
                     "%s: record %zu: header k %u n %u tokens %u reserved %u, expected %u %u %u 0 [seed=%" PRIu64 "]",
                     path, i, k, n, tok, res, r->k, r->n, r->tokens, seed);
      break;
    }
    at += 16;
    if (len - at < nw + nx) {
      tern_test_fail(t, "%s: record %zu: %zu bytes left, it needs %zu", path, i, len - at, nw + nx);
      break;
    }
    if (memcmp(b + at, r->w, nw) != 0)
      tern_test_fail(t, "%s: record %zu: the weights differ [seed=%" PRIu64 "]", path, i, seed);
    else if (memcmp(b + at + nw, r->x, nx) != 0)
      tern_test_fail(t, "%s: record %zu: the activations differ [seed=%" PRIu64 "]", path, i, seed);
    at += nw + nx;
  }
  if (!t->failed && at != len) tern_test_fail(t, "%s: %zu bytes after the %zu records expected", path, len - at, count);
  free(b);
}

/* A message that must say where and why. */
static void check_message(tern_test_ctx *t, const char *msg, const char *path, const char *why) {
  if (!strstr(msg, path) || !strstr(msg, why))
    tern_test_fail(t, "message '%s' does not name '%s' and '%s'", msg, path, why);
}

static void cleanup(const char *path) {
  char tmp[310];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  unlink(path);
  unlink(tmp);
}

/* Every kind of call, in order; a tensor loaded before the capture is refused by name. */
static void case_records(tern_test_ctx *t, tern_device *dev) {
  char path[300], tmp[310];
  make_paths(path, tmp, "calls.bin");
  FILE *stale = fopen(path, "wb"); /* an old capture under the name: gone once this one starts */
  if (stale) fputs("stale", stale), fclose(stale);
  tensor before, w[3];
  if (load(dev, &before, 32, 8) != TERN_OK) tern_test_fail(t, "load: %s", tern_last_error(dev));
  tern_device_set_check(dev, 1); /* both at once: the check keeps streams, the capture trits */
  if (tern_device_set_capture(dev, path) != TERN_OK) tern_test_fail(t, "start: %s", tern_last_error(dev));
  TERN_CHECK(t, !exists(path) && exists(tmp));
  const uint32_t shape[3][2] = {{64, 40}, {96, 24}, {33, 17}}; /* k, n */
  for (int i = 0; i < 3; i++)
    if (load(dev, &w[i], shape[i][0], shape[i][1]) != TERN_OK) tern_test_fail(t, "load: %s", tern_last_error(dev));
  rec want[6];
  float *xf[6];
  size_t nrec = 0;
  static float y[8][1024];
  int32_t acc[256];
  /* tern_bitlinear with one token and with five */
  want[nrec] = acts(&w[0], 1, &xf[nrec]);
  if (tern_bitlinear(dev, w[0].w, xf[nrec++], 1, y[0]) != TERN_OK) tern_test_fail(t, "%s", tern_last_error(dev));
  want[nrec] = acts(&w[1], 5, &xf[nrec]);
  if (tern_bitlinear(dev, w[1].w, xf[nrec++], 5, y[0]) != TERN_OK) tern_test_fail(t, "%s", tern_last_error(dev));
  /* a batch of three: a record each, in op order */
  tern_bitlinear_op ops[3];
  const uint32_t btok[3] = {2, 1, 3};
  const int bw[3] = {2, 0, 1};
  for (int i = 0; i < 3; i++) {
    want[nrec] = acts(&w[bw[i]], btok[i], &xf[nrec]);
    tern_bitlinear_op op = {w[bw[i]].w, xf[nrec++], btok[i], y[1 + i]};
    ops[i] = op;
  }
  if (tern_bitlinear_batch(dev, ops, 3) != TERN_OK) tern_test_fail(t, "batch: %s", tern_last_error(dev));
  /* the integer core: its int8 input as given */
  want[nrec] = acts(&w[2], 4, &xf[nrec]);
  if (tern_bitlinear_int(dev, w[2].w, want[nrec++].x, 4, acc) != TERN_OK)
    tern_test_fail(t, "int: %s", tern_last_error(dev));
  /* the tensor from before: refused with its shape before the device runs, alone or as op 1 of
   * a batch; no record, and the capture carries on */
  float *xb;
  rec rb = acts(&before, 1, &xb);
  tern_status st = tern_bitlinear(dev, before.w, xb, 1, y[4]);
  TERN_CHECK(t, st == TERN_ERR_ARG);
  check_message(t, tern_last_error(dev), "8x32", "loaded before tern_device_set_capture");
  tern_bitlinear_op mixed[2] = {{w[0].w, xf[0], 1, y[5]}, {before.w, xb, 1, y[6]}};
  TERN_CHECK(t, tern_bitlinear_batch(dev, mixed, 2) == TERN_ERR_ARG);
  check_message(t, tern_last_error(dev), "op 1", "8x32");
  free(rb.x), free(xb);
  TERN_CHECK(t, !exists(path) && exists(tmp)); /* still capturing: only the .tmp */
  if (tern_device_set_capture(dev, NULL) != TERN_OK) tern_test_fail(t, "end: %s", tern_last_error(dev));
  TERN_CHECK(t, exists(path) && !exists(tmp));
  TERN_CHECK(t, tern_device_set_capture(dev, NULL) == TERN_OK); /* none on: nothing to do */
  if (!t->failed) check_file(t, path, want, nrec);
  tern_device_set_check(dev, 0);
  for (size_t i = 0; i < nrec; i++) free(want[i].x), free(xf[i]);
  for (int i = 0; i < 3; i++) unload(&w[i]);
  unload(&before);
  cleanup(path);
}

/* A new path ends the current capture (renamed) and starts another; tern_close ends the last. */
static void case_restart_and_close(tern_test_ctx *t, const char *uri) {
  char p1[300], p2[300], tmp1[310], tmp2[310];
  make_path(p1, sizeof p1, "first.bin");
  make_path(p2, sizeof p2, "second.bin");
  snprintf(tmp1, sizeof tmp1, "%s.tmp", p1);
  snprintf(tmp2, sizeof tmp2, "%s.tmp", p2);
  tern_device *dev = NULL;
  if (tern_open(uri, &dev) != TERN_OK) {
    tern_test_fail(t, "open %s", uri);
    return;
  }
  tensor w;
  float *x1, *x2;
  static float y[4 * 48];
  TERN_CHECK(t, tern_device_set_capture(dev, p1) == TERN_OK);
  if (load(dev, &w, 80, 48) != TERN_OK) tern_test_fail(t, "load: %s", tern_last_error(dev));
  rec r1 = acts(&w, 3, &x1);
  TERN_CHECK(t, tern_bitlinear(dev, w.w, x1, 3, y) == TERN_OK);
  TERN_CHECK(t, tern_device_set_capture(dev, p2) == TERN_OK);
  TERN_CHECK(t, exists(p1) && !exists(tmp1) && !exists(p2) && exists(tmp2));
  rec r2 = acts(&w, 1, &x2);
  TERN_CHECK(t, tern_bitlinear(dev, w.w, x2, 1, y) == TERN_OK);
  tern_weights_free(w.w);                     /* before tern_close; its trits stay for the checks below */
  TERN_CHECK(t, !exists(p2) && exists(tmp2)); /* freeing the weights does not end it: closing does */
  tern_close(dev);
  TERN_CHECK(t, exists(p2) && !exists(tmp2));
  if (!t->failed) check_file(t, p1, &r1, 1);
  if (!t->failed) check_file(t, p2, &r2, 1);
  free(r1.x), free(r2.x), free(x1), free(x2), free(w.trits);
  cleanup(p1);
  cleanup(p2);
}

/* A path that cannot be created: the call fails naming it, no file appears, the device works on. */
static void case_unwritable(tern_test_ctx *t, tern_device *dev) {
  char path[300], tmp[310];
  make_paths(path, tmp, "no-such-dir/cap.bin");
  TERN_CHECK(t, tern_device_set_capture(dev, path) == TERN_ERR_ARG);
  check_message(t, tern_last_error(dev), path, strerror(ENOENT));
  TERN_CHECK(t, !exists(path) && !exists(tmp));
  tensor w;
  float *x, y[16];
  if (load(dev, &w, 16, 16) != TERN_OK) tern_test_fail(t, "load: %s", tern_last_error(dev));
  rec r = acts(&w, 1, &x);
  TERN_CHECK(t, tern_bitlinear(dev, w.w, x, 1, y) == TERN_OK);
  TERN_CHECK(t, tern_device_set_capture(NULL, path) == TERN_ERR_ARG);
  TERN_CHECK(t, tern_device_set_capture(NULL, NULL) == TERN_ERR_ARG);
  free(r.x), free(x);
  unload(&w);
}

/* A write that fails (the file size limit: EFBIG) fails the call that wrote, naming the path and
 * the reason; the capture ends, its .tmp is removed and later calls run uncaptured. */
static void case_write_error(tern_test_ctx *t, tern_device *dev, const char *name) {
  char path[300], tmp[310];
  make_paths(path, tmp, "big.bin");
  struct rlimit old, lim;
  if (getrlimit(RLIMIT_FSIZE, &old) != 0 || (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < 65536)) {
    tern_test_skip(t, name, "cannot lower RLIMIT_FSIZE here");
    return;
  }
  tern_test_begin(t, name);
  tensor w;
  float *x, y[64];
  TERN_CHECK(t, tern_device_set_capture(dev, path) == TERN_OK);
  if (load(dev, &w, 128, 64) != TERN_OK) tern_test_fail(t, "load: %s", tern_last_error(dev));
  rec r = acts(&w, 1, &x);
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN); /* a write past the limit then fails with EFBIG */
  lim = old;
  lim.rlim_cur = 4096; /* the record's 8192 weight bytes do not fit */
  fflush(stdout);
  tern_status st = TERN_ERR_DEVICE;
  if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
    st = tern_bitlinear(dev, w.w, x, 1, y);
    setrlimit(RLIMIT_FSIZE, &old);
  } else {
    tern_test_fail(t, "setrlimit: %s", strerror(errno));
  }
  signal(SIGXFSZ, prev);
  TERN_CHECK(t, st == TERN_ERR_ARG);
  check_message(t, tern_last_error(dev), path, strerror(EFBIG));
  TERN_CHECK(t, !exists(path) && !exists(tmp));
  TERN_CHECK(t, tern_bitlinear(dev, w.w, x, 1, y) == TERN_OK); /* uncaptured now */
  TERN_CHECK(t, tern_device_set_capture(dev, NULL) == TERN_OK && !exists(path) && !exists(tmp));
  free(r.x), free(x);
  unload(&w);
  tern_test_end(t);
}

int main(int argc, char **argv) {
  const char *uri = "cpu";
  seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--device")) uri = argv[i + 1];
    if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[i + 1], NULL, 0);
  }
  rng = seed;
  printf("test_capture: device %s, seed %" PRIu64 " (--seed S replays it)\n", uri, seed);
  const char *tmpdir = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/tern-capture-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
  if (!mkdtemp(dir)) {
    printf("FAIL capture/setup: mkdtemp %s: %s\n", dir, strerror(errno));
    return 1;
  }
  tern_test_ctx t = {0};
  tern_device *dev = NULL;
  char why[512] = "", name[160];
  if (tern_open_err(uri, &dev, why, sizeof why) != TERN_OK) {
    printf("FAIL capture/open: %s: %s\n", uri, why);
    rmdir(dir);
    return 1;
  }
  const char *dn = tern_device_uri(dev);
  snprintf(name, sizeof name, "capture[%s]/records-equal-the-calls", dn);
  tern_test_begin(&t, name);
  case_records(&t, dev);
  tern_test_end(&t);
  snprintf(name, sizeof name, "capture[%s]/new-path-and-close-end-it", dn);
  tern_test_begin(&t, name);
  case_restart_and_close(&t, uri);
  tern_test_end(&t);
  snprintf(name, sizeof name, "capture[%s]/unwritable-path-named", dn);
  tern_test_begin(&t, name);
  case_unwritable(&t, dev);
  tern_test_end(&t);
  snprintf(name, sizeof name, "capture[%s]/write-error-removes-tmp", dn);
  case_write_error(&t, dev, name);
  tern_close(dev);
  if (rmdir(dir) != 0) printf("FAIL capture[%s]/no-files-left: %s: %s\n", dn, dir, strerror(errno)), t.n_fail++;
  return tern_test_exit(&t);
}
