/* SPDX-License-Identifier: Apache-2.0 */
/* The interface every tern device backend implements: keep a packed weight stream, and turn
 * int8 activations into int32 accumulators. The core (tern.c) owns quantisation, the
 * epilogue, conversions and error messages; backends are small. */
#ifndef TERN_BACKEND_H
#define TERN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "tern.h"

struct tern_pool;

/* One integer matmul of a batch: acc[t][n] for xq[t][k] with the weights behind handle. */
typedef struct tern_matmul_item {
  void *handle;
  const int8_t *xq;
  uint32_t tokens;
  int32_t *acc;
} tern_matmul_item;

typedef struct tern_backend_ops {
  const char *name;
  /* Create the backend's state for geometry g; NULL on failure. pool is the device's thread
   * pool (owned by the device, outlives the state; never NULL). NULL for backends whose state
   * comes from elsewhere (the HAL device core: tern_hal_device_open). */
  void *(*open)(tern_geom g, struct tern_pool *pool);
  void (*close)(void *state);
  /* Take a packed stream (tern_stream_bytes bytes) of a k x n tensor; returns a handle or NULL.
   * May be NULL when upload_trits is given. */
  void *(*upload)(void *state, tern_format fmt, const uint8_t *stream, uint32_t k, uint32_t n);
  void (*release)(void *state, void *handle);
  /* acc[t][n] for xq[t][k]. */
  tern_status (*matmul)(void *state, void *handle, const int8_t *xq, uint32_t tokens, int32_t *acc);
  /* Several matmuls as one submission (every job queued before waiting), or NULL: the core
   * then calls matmul for each. */
  tern_status (*matmul_batch)(void *state, const struct tern_matmul_item *items, size_t count);
  /* Take a k x n tensor as checked trits (W[n][k], -1/0/+1) to hold in format fmt, or NULL:
   * the core then packs the device stream and calls upload. For a backend whose own layout is
   * not the device stream (cpu), this skips a pack and an unpack at load. */
  void *(*upload_trits)(void *state, tern_format fmt, const int8_t *w, uint32_t k, uint32_t n);
  /* Device clock cycles since open into *cycles, returning 1; 0 when the backend has no
   * device clock (cpu, the untimed C model). May be NULL (no clock). */
  int (*cycles)(void *state, uint64_t *cycles);
  /* The array's toggle counters since open (tern_device_stats: counts[TERN_TOGGLE_*] bit flips,
   * bits[] watched, over *cycles sampled cycles), returning 1; 0 when the backend does not count
   * them (only rtl with its toggles= option does). May be NULL. */
  int (*toggles)(void *state, uint64_t counts[], uint32_t bits[], uint64_t *cycles);
} tern_backend_ops;

extern const tern_backend_ops tern_backend_cpu;

/* The HAL of the C device model with mem_size bytes of device memory (driver/transports/cmodel/hal_cmodel.c). */
struct tern_hal;
tern_status tern_cmodel_hal_open(tern_geom g, size_t mem_size, struct tern_hal *hal);

#endif /* TERN_BACKEND_H */
