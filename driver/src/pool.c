/* SPDX-License-Identifier: Apache-2.0 */
/* The fork-join thread pool (pool.h).
 *
 * A job is split into min(threads, n) contiguous chunks; chunk i runs as fn(arg, b_i, e_i, i).
 * The caller runs chunk 0 itself, then helps: every thread, the caller included, claims the
 * remaining chunks one at a time from a shared counter. So a worker that the OS has not
 * scheduled (a busy machine) costs nothing but parallelism: the caller then runs its chunk
 * and never waits for a thread that claimed nothing.
 *
 * The job word packs (generation, chunk count, next chunk): a claim is a compare-and-swap on
 * it, so a late worker holding an old generation can never claim a chunk of a newer job.
 * Workers spin a little on the word (a decode step issues many short jobs back to back),
 * then sleep on a condition variable; the caller wakes sleepers only when there are any. */
#define _POSIX_C_SOURCE 200809L
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define POOL_RELAX() _mm_pause()
#else
#define POOL_RELAX() ((void)0)
#endif

/* Spin iterations before sleeping (some tens of microseconds). */
#define POOL_SPIN 20000
#define POOL_MAX_THREADS 1024
_Static_assert(TERN_POOL_MAX_CHUNKS <= 0x7FF, "chunk fields are 11 bits");
/* job word: next chunk in bits 0..10, chunk count in bits 11..21, generation above */
#define W_NEXT(w) ((unsigned)((w)&0x7FF))
#define W_COUNT(w) ((unsigned)(((w) >> 11) & 0x7FF))
#define W_GEN(w) ((w) >> 22)
#define W_MAKE(gen, count, next) (((uint64_t)(gen) << 22) | ((uint64_t)(count) << 11) | (uint64_t)(next))

typedef void (*pool_fn)(void *arg, size_t begin, size_t end, unsigned thread);

struct tern_pool {
  unsigned threads;
  pthread_t *tids;
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_done;
  _Atomic uint64_t job; /* generation, chunk count, next chunk */
  atomic_uint done;     /* chunks finished in the current job */
  atomic_uint sleepers; /* workers waiting on cv_work */
  atomic_int caller_waiting;
  atomic_int stop;
  /* the current job: written before its generation is published, read only by a thread
   * that has claimed one of its chunks (so the job cannot end under it) */
  pool_fn fn;
  void *arg;
  size_t n;
};

static void run_chunk(struct tern_pool *p, unsigned count, unsigned i) {
  const size_t q = p->n / count, r = p->n % count;
  const size_t b = q * i + (i < r ? i : r), e = b + q + (i < r ? 1 : 0);
  p->fn(p->arg, b, e, i);
}

/* Claim and run chunks of generation gen until none is left; returns how many ran. */
static unsigned help(struct tern_pool *p, uint64_t gen) {
  unsigned ran = 0;
  uint64_t w = atomic_load_explicit(&p->job, memory_order_acquire);
  for (;;) {
    if (W_GEN(w) != gen || W_NEXT(w) >= W_COUNT(w)) return ran;
    if (!atomic_compare_exchange_weak_explicit(&p->job, &w, w + 1, memory_order_acq_rel, memory_order_acquire))
      continue;
    const unsigned count = W_COUNT(w);
    run_chunk(p, count, W_NEXT(w));
    ran++;
    if (atomic_fetch_add(&p->done, 1) + 1 == count && atomic_load(&p->caller_waiting)) {
      pthread_mutex_lock(&p->mu);
      pthread_cond_broadcast(&p->cv_done);
      pthread_mutex_unlock(&p->mu);
    }
    w = atomic_load_explicit(&p->job, memory_order_acquire);
  }
}

static void *worker_main(void *varg) {
  struct tern_pool *p = varg;
  uint64_t seen = W_GEN(atomic_load(&p->job));
  for (;;) {
    uint64_t g = W_GEN(atomic_load_explicit(&p->job, memory_order_acquire));
    for (int s = 0; g == seen && s < POOL_SPIN; s++) {
      POOL_RELAX();
      g = W_GEN(atomic_load_explicit(&p->job, memory_order_acquire));
    }
    if (g == seen) {
      pthread_mutex_lock(&p->mu);
      atomic_fetch_add(&p->sleepers, 1);
      while ((g = W_GEN(atomic_load(&p->job))) == seen && !atomic_load(&p->stop))
        pthread_cond_wait(&p->cv_work, &p->mu);
      atomic_fetch_sub(&p->sleepers, 1);
      pthread_mutex_unlock(&p->mu);
    }
    if (atomic_load(&p->stop)) return NULL;
    seen = g;
    help(p, g);
  }
}

unsigned tern_pool_env_threads(void) {
  const char *s = getenv("TERN_THREADS");
  if (!s || !*s) return 0;
  char *end;
  long v = strtol(s, &end, 10);
  if (*end || v < 1 || v > POOL_MAX_THREADS) return 0;
  return (unsigned)v;
}

tern_pool *tern_pool_new(unsigned threads) {
  if (threads == 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    threads = c < 1 ? 1 : c > POOL_MAX_THREADS ? POOL_MAX_THREADS : (unsigned)c;
  }
  if (threads > POOL_MAX_THREADS) threads = POOL_MAX_THREADS;
  tern_pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->threads = threads;
  if (threads == 1) return p;
  p->tids = calloc(threads, sizeof *p->tids);
  if (!p->tids) goto fail_mem;
  if (pthread_mutex_init(&p->mu, NULL)) goto fail_mem;
  if (pthread_cond_init(&p->cv_work, NULL)) goto fail_mu;
  if (pthread_cond_init(&p->cv_done, NULL)) goto fail_cv;
  atomic_init(&p->job, W_MAKE(0, 0, 0));
  atomic_init(&p->done, 0);
  atomic_init(&p->sleepers, 0);
  atomic_init(&p->caller_waiting, 0);
  atomic_init(&p->stop, 0);
  unsigned started = 1;
  for (; started < threads; started++)
    if (pthread_create(&p->tids[started], NULL, worker_main, p)) break;
  if (started < threads) {
    p->threads = started; /* tern_pool_free joins the ones that did start */
    tern_pool_free(p);
    return NULL;
  }
  return p;
fail_cv:
  pthread_cond_destroy(&p->cv_work);
fail_mu:
  pthread_mutex_destroy(&p->mu);
fail_mem:
  free(p->tids);
  free(p);
  return NULL;
}

void tern_pool_free(tern_pool *p) {
  if (!p) return;
  if (p->tids) {
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 1; i < p->threads; i++) pthread_join(p->tids[i], NULL);
    pthread_cond_destroy(&p->cv_done);
    pthread_cond_destroy(&p->cv_work);
    pthread_mutex_destroy(&p->mu);
  }
  free(p->tids);
  free(p);
}

unsigned tern_pool_threads(const tern_pool *p) { return p ? p->threads : 1; }

void tern_pool_for(tern_pool *p, size_t n, pool_fn fn, void *arg) {
  tern_pool_for_chunks(p, n, p ? p->threads : 1, fn, arg);
}

void tern_pool_for_chunks(tern_pool *p, size_t n, unsigned chunks, pool_fn fn, void *arg) {
  if (n == 0 || !fn) return;
  if (!p || p->threads == 1 || n == 1 || chunks <= 1) {
    fn(arg, 0, n, 0);
    return;
  }
  if (chunks > TERN_POOL_MAX_CHUNKS) chunks = TERN_POOL_MAX_CHUNKS;
  const unsigned count = n < chunks ? (unsigned)n : chunks;
  p->fn = fn;
  p->arg = arg;
  p->n = n;
  atomic_store_explicit(&p->done, 0, memory_order_relaxed);
  const uint64_t gen = W_GEN(atomic_load(&p->job)) + 1;
  /* chunk 0 is the caller's: publish with next = 1 */
  atomic_store(&p->job, W_MAKE(gen, count, 1));
  if (atomic_load(&p->sleepers)) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
  }
  run_chunk(p, count, 0);
  atomic_fetch_add_explicit(&p->done, 1, memory_order_acq_rel);
  help(p, gen);
  for (int s = 0; atomic_load_explicit(&p->done, memory_order_acquire) < count && s < POOL_SPIN; s++) POOL_RELAX();
  if (atomic_load_explicit(&p->done, memory_order_acquire) < count) {
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->caller_waiting, 1);
    while (atomic_load(&p->done) < count) pthread_cond_wait(&p->cv_done, &p->mu);
    atomic_store(&p->caller_waiting, 0);
    pthread_mutex_unlock(&p->mu);
  }
}
