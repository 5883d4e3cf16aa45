/* SPDX-License-Identifier: Apache-2.0 */
/* A small fork-join thread pool: persistent workers that run one parallel-for at a time.
 * No global state: each tern_device owns one (tern_device_pool). */
#ifndef TERN_POOL_H
#define TERN_POOL_H

#include <stddef.h>

typedef struct tern_pool tern_pool;
struct tern_device;

/* A pool of threads in all, the caller counting as thread 0 (threads - 1 workers are
 * started). 0 = the number of online CPUs; 1 = everything runs in the caller. NULL when out
 * of memory or when no thread could be started. */
tern_pool *tern_pool_new(unsigned threads);
void tern_pool_free(tern_pool *p);
unsigned tern_pool_threads(const tern_pool *p);

/* Run fn(arg, begin, end, thread) over [0, n) split into contiguous chunks, one per thread
 * (when n < threads only n chunks; n == 0 calls nothing); returns when all are done. thread
 * is the chunk's index in [0, threads): each index runs exactly once and at most one at a
 * time, so per-thread scratch indexed by it is safe. Chunk 0 runs on the caller; the others
 * are claimed by whichever thread is free first (the caller too, so an unscheduled worker
 * never stalls the job). Not reentrant: one tern_pool_for at a time per pool,
 * and fn must not call tern_pool_for on the same pool. p == NULL runs fn(arg, 0, n, 0) inline. */
void tern_pool_for(tern_pool *p, size_t n, void (*fn)(void *arg, size_t begin, size_t end, unsigned thread), void *arg);

/* The same split into min(chunks, n) contiguous chunks (chunks <= TERN_POOL_MAX_CHUNKS), claimed
 * one at a time by whichever thread is free: fn's last argument is then the chunk index (each
 * runs exactly once; chunk 0 on the caller). More chunks than threads balance the load when
 * a thread is slowed down (a busy machine). tern_pool_for is this with chunks = threads. */
#define TERN_POOL_MAX_CHUNKS 2047u
void tern_pool_for_chunks(tern_pool *p, size_t n, unsigned chunks,
                          void (*fn)(void *arg, size_t begin, size_t end, unsigned thread), void *arg);

/* The pool of a device (threads from the URI option "threads=N" of cpu and cmodel, else the
 * environment variable TERN_THREADS, else all online CPUs). */
tern_pool *tern_device_pool(struct tern_device *dev);

/* The thread count asked for by the environment: TERN_THREADS when set to 1..1024, else 0. */
unsigned tern_pool_env_threads(void);

#endif /* TERN_POOL_H */
