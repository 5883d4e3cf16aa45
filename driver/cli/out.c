/* SPDX-License-Identifier: Apache-2.0 */
/* The CLI's exit codes, its writes to stdout and its SIGBUS handler (issue 14: never hang, never
 * lie). Every byte tern prints goes through stdio; a failed write (a full disk, a closed stdout,
 * a reader that went away) must end the command with EXIT_OUTPUT and a message instead of exit 0
 * with the output lost. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* errno of the first failed write to stdout (0: none). The CLI is one thread. */
static int out_errno;

void out_init(void) {
  /* a reader that went away gives EPIPE from write(2), reported like any other write error,
   * instead of a silent death by SIGPIPE */
  signal(SIGPIPE, SIG_IGN);
  /* with fd 0, 1 or 2 closed the next open(2) (the model, a dump file) would get it and stdout
   * or stderr would write into that file: refuse a closed stdout, point a closed stdin or
   * stderr at /dev/null (open gives the lowest free descriptor: 0 before 2) */
  if (fcntl(1, F_GETFD) < 0 && errno == EBADF) {
    fail("cannot write to stdout: %s", strerror(EBADF));
    _exit(EXIT_OUTPUT);
  }
  for (int fd = 0; fd <= 2; fd += 2)
    if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
      int got = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
      if (got >= 0 && got != fd) close(got); /* not the lowest free: leave it closed */
    }
}

static int out_failed(void) {
  if (!out_errno) out_errno = errno ? errno : EIO;
  return 0;
}

int out_write(const void *data, size_t len) {
  if (out_errno) return 0;
  errno = 0;
  if (len && fwrite(data, 1, len, stdout) != len) return out_failed();
  return 1;
}

int out_flush(void) {
  if (out_errno) return 0;
  errno = 0;
  if (fflush(stdout) != 0 || ferror(stdout)) return out_failed();
  return 1;
}

int out_error(void) {
  fail("cannot write to stdout: %s", strerror(out_errno ? out_errno : EIO));
  return EXIT_OUTPUT;
}

int out_finish(int rc) {
  int ok = out_flush();
  errno = 0;
  if (fclose(stdout) != 0 && ok) ok = out_failed();
  if (!ok) {
    /* the first failure already said why when rc is not 0; say it once */
    if (rc == EXIT_OK) return out_error();
    return rc;
  }
  return rc;
}

int close_output(FILE *f, const char *path) {
  errno = 0;
  int bad = ferror(f);
  int e = errno;
  if (fclose(f) != 0 || bad) {
    char esc[600];
    tern_gguf_escape(path, strlen(path), esc, sizeof esc);
    fail("cannot write '%s': %s", esc, strerror(errno ? errno : e ? e : EIO));
    return 0;
  }
  return 1;
}

int exit_for_status(tern_status st) { return st == TERN_ERR_NONFINITE ? EXIT_NONFINITE : EXIT_FAIL; }

/* ---- SIGBUS on the memory-mapped model ------------------------------------------------------
 * A mapped file that shrinks under the process turns the next read of a lost page into SIGBUS.
 * The handler may only use async-signal-safe calls: write(2) of a message prepared before the
 * signal, and _exit(2). */
static char bus_msg[1200];
static size_t bus_len;

static void on_sigbus(int sig) {
  (void)sig;
  ssize_t r = write(2, bus_msg, bus_len);
  (void)r;
  _exit(EXIT_MODEL_CHANGED);
}

void sigbus_arm(const char *model_path) {
  char esc[900];
  tern_gguf_escape(model_path, strlen(model_path), esc, sizeof esc);
  int n = snprintf(bus_msg, sizeof bus_msg,
                   "%s: the model file '%s' changed while it was mapped (SIGBUS: a read of the mapping failed, "
                   "the file was probably truncated or rewritten); use --no-mmap to read the model into memory\n",
                   prog, esc);
  bus_len = n < 0 ? 0 : (size_t)n >= sizeof bus_msg ? sizeof bus_msg - 1 : (size_t)n;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigbus;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, NULL);
}
