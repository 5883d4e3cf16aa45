/* SPDX-License-Identifier: Apache-2.0 */
/* A minimal test harness for C and C++ test programs.
 *
 * Each test case prints exactly one line, which tools/run_tests.sh counts:
 *   PASS <name>
 *   FAIL <name>: <what differed> [seed=<s>]
 *   SKIP <name>: <why>
 * and the program exits 1 if any case failed. Seeded cases print the seed so that
 * `<program> --seed <s>` (or the program's own replay flag) reproduces them. */
#ifndef TERN_TEST_H
#define TERN_TEST_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern_rng.h" /* tern_rand_next, tern_rand_range: the seeded generator */

typedef struct tern_test_ctx {
  const char *name; /* current case */
  int failed;       /* the current case failed */
  int n_pass, n_fail, n_skip;
  char detail[512];
} tern_test_ctx;

static inline void tern_test_begin(tern_test_ctx *t, const char *name) {
  t->name = name;
  t->failed = 0;
  t->detail[0] = 0;
}

/* Record a failure of the current case (the first detail is kept). */
static inline void tern_test_fail(tern_test_ctx *t, const char *fmt, ...) {
  if (!t->failed) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->detail, sizeof t->detail, fmt, ap);
    va_end(ap);
  }
  t->failed = 1;
}

static inline void tern_test_end(tern_test_ctx *t) {
  if (t->failed) {
    printf("FAIL %s: %s\n", t->name, t->detail);
    t->n_fail++;
  } else {
    printf("PASS %s\n", t->name);
    t->n_pass++;
  }
  fflush(stdout);
}

static inline void tern_test_skip(tern_test_ctx *t, const char *name, const char *why) {
  printf("SKIP %s: %s\n", name, why);
  t->n_skip++;
  fflush(stdout);
}

static inline int tern_test_exit(const tern_test_ctx *t) { return t->n_fail ? 1 : 0; }

/* The value of `--seed S` on a test program's command line (decimal or 0x hex), else dflt. */
static inline uint64_t tern_test_seed_arg(int argc, char **argv, uint64_t dflt) {
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--seed") == 0) return strtoull(argv[i + 1], NULL, 0);
  return dflt;
}

/* A test program's cases, run in order on one context by tern_test_run_cases. */
typedef void (*tern_test_case)(tern_test_ctx *t);
static inline void tern_test_run_cases(tern_test_ctx *t, const tern_test_case *cases, size_t n) {
  for (size_t i = 0; i < n; i++) cases[i](t);
}

/* Check a condition inside a case; on failure record file:line and the expression. */
#define TERN_CHECK(t, cond)                                                                 \
  do {                                                                                      \
    if (!(cond)) tern_test_fail((t), "%s:%d: check failed: %s", __FILE__, __LINE__, #cond); \
  } while (0)

#endif /* TERN_TEST_H */
