/* SPDX-License-Identifier: Apache-2.0 */
/* capture.h: the BitLinear capture file (format: tern.h, tern_device_set_capture). */
#define _POSIX_C_SOURCE 200809L
#include "capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"

struct tern_capture {
  FILE *f;
  char *path, *tmp; /* the final name and the one written while capturing */
};

const char *tern_capture_path(const tern_capture *c) { return c ? c->path : ""; }

/* The message of a failed file operation on c->tmp; errno as the operation left it. */
static tern_status io_error(const tern_capture *c, const char *what, int e, char *err, size_t es) {
  return tern_errf(err, es, TERN_ERR_ARG, "capture '%s': cannot %s '%s': %s", c->path, what, c->tmp, strerror(e));
}

static void release(tern_capture *c) {
  free(c->path);
  free(c->tmp);
  free(c);
}

tern_status tern_capture_open(const char *path, tern_capture **out, char *err, size_t es) {
  *out = NULL;
  if (!path || !*path) return tern_errf(err, es, TERN_ERR_ARG, "capture: empty path");
  tern_capture *c = calloc(1, sizeof *c);
  const size_t len = strlen(path);
  if (c) c->path = malloc(len + 1), c->tmp = malloc(len + 5);
  if (!c || !c->path || !c->tmp) {
    if (c) release(c);
    return tern_errf(err, es, TERN_ERR_NOMEM, "capture '%s': out of memory", path);
  }
  memcpy(c->path, path, len + 1);
  memcpy(c->tmp, path, len);
  memcpy(c->tmp + len, ".tmp", 5);
  /* an old capture under the final name would pass for this one's if the process died */
  if (unlink(path) != 0 && errno != ENOENT) {
    tern_status st = tern_errf(err, es, TERN_ERR_ARG, "capture '%s': cannot replace it: %s", path, strerror(errno));
    release(c);
    return st;
  }
  if (!(c->f = fopen(c->tmp, "wb"))) {
    tern_status st = io_error(c, "create", errno, err, es);
    release(c);
    return st;
  }
  if (fwrite("TERNCAP1", 1, 8, c->f) != 8 || fflush(c->f) != 0) {
    tern_status st = io_error(c, "write", errno, err, es);
    tern_capture_abort(c);
    return st;
  }
  *out = c;
  return TERN_OK;
}

static void put_u32le(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

tern_status tern_capture_record(tern_capture *c, const int8_t *w, uint32_t k, uint32_t n, const int8_t *x,
                                uint32_t tokens, char *err, size_t es) {
  uint8_t head[16];
  put_u32le(head, k);
  put_u32le(head + 4, n);
  put_u32le(head + 8, tokens);
  put_u32le(head + 12, 0); /* reserved */
  const size_t nw = (size_t)n * k, nx = (size_t)tokens * k;
  errno = 0;
  if (fwrite(head, 1, sizeof head, c->f) != sizeof head || fwrite(w, 1, nw, c->f) != nw || fwrite(x, 1, nx, c->f) != nx)
    return io_error(c, "write", errno ? errno : EIO, err, es);
  return TERN_OK;
}

tern_status tern_capture_flush(tern_capture *c, char *err, size_t es) {
  errno = 0;
  if (fflush(c->f) != 0 || ferror(c->f)) return io_error(c, "write", errno ? errno : EIO, err, es);
  return TERN_OK;
}

tern_status tern_capture_close(tern_capture *c, char *err, size_t es) {
  tern_status st = TERN_OK;
  errno = 0;
  /* fsync before the rename: after a power cut the final name holds the whole file or nothing */
  if (fflush(c->f) != 0 || ferror(c->f) || fsync(fileno(c->f)) != 0)
    st = io_error(c, "write", errno ? errno : EIO, err, es);
  if (fclose(c->f) != 0 && st == TERN_OK) st = io_error(c, "close", errno, err, es);
  if (st == TERN_OK && rename(c->tmp, c->path) != 0)
    st = tern_errf(err, es, TERN_ERR_ARG, "capture '%s': cannot rename '%s' to it: %s", c->path, c->tmp,
                   strerror(errno));
  if (st != TERN_OK) unlink(c->tmp);
  release(c);
  return st;
}

void tern_capture_abort(tern_capture *c) {
  if (!c) return;
  fclose(c->f);
  unlink(c->tmp);
  release(c);
}
