/* SPDX-License-Identifier: Apache-2.0 */
/* The small hardware abstraction every register-level tern device sits behind: CSR access,
 * device-memory access and waiting for the interrupt (and, optionally, the transport's own
 * account of a failure). The driver core (device.c) programs the
 * device only through it, so the same core drives the C device model, the Verilated RTL or a
 * board; a transport implements these six functions (and, optionally, four more). */
#ifndef TERN_HAL_H
#define TERN_HAL_H

#include <stddef.h>
#include <stdint.h>

#include "tern_geom.h"
#include "tern_status.h"

typedef struct tern_hal {
  void *ctx;
  size_t mem_size; /* device memory the driver may use, from address 0 */
  tern_status (*reg_read)(void *ctx, uint32_t offset, uint32_t *value);
  tern_status (*reg_write)(void *ctx, uint32_t offset, uint32_t value);
  tern_status (*mem_write)(void *ctx, uint64_t addr, const void *src, size_t len);
  tern_status (*mem_read)(void *ctx, uint64_t addr, void *dst, size_t len);
  /* Return when the interrupt line is high (TERN_OK) or after timeout_ms (TERN_ERR_DEVICE). */
  tern_status (*wait_irq)(void *ctx, uint32_t timeout_ms);
  void (*close)(void *ctx);
  /* Optional (may be NULL): why the transport's last call failed ("" if it did not), e.g. a
   * hang or a protocol violation; the core appends it to the device's message. */
  const char *(*last_error)(void *ctx);
  /* Optional (may be NULL): clock cycles the device has run since the transport opened it
   * (rtl: simulated cycles; a board: a cycle counter). Device time for tern_device_stats. */
  uint64_t (*cycles)(void *ctx);
  /* Optional (may be NULL): the array's toggle counters since open, as the backend's toggles
   * (backend.h); returns 0 when the transport does not count them. */
  int (*toggles)(void *ctx, uint64_t counts[], uint32_t bits[], uint64_t *cycles);
  /* Optional (may be NULL): the device's clock in Hz, 0 if not known (a board: what IDENTIFY
   * reports). Without cycles, the core bounds a job's wall time by it (device.c). */
  uint32_t (*clock_hz)(void *ctx);
} tern_hal;

/* A transport built as a shared object (tern-<name>.so: rtl, systemc; transport.c loads it)
 * exports one symbol, TERN_TRANSPORT_PLUGIN_SYMBOL, a tern_transport_plugin. abi is
 * TERN_HAL_ABI when it was built: bump TERN_HAL_ABI whenever tern_hal or this struct changes,
 * so that a plugin built against the old layout is refused instead of called. */
#define TERN_HAL_ABI 1u
#define TERN_TRANSPORT_PLUGIN_SYMBOL "tern_transport_plugin_v1"
typedef struct tern_transport_plugin {
  uint32_t abi;     /* TERN_HAL_ABI */
  const char *name; /* the device it opens: "rtl", "systemc" */
  /* Build and reset a device for geometry g with the URI's options (the part after "name:",
   * "" for none) and fill in hal; on failure the reason in err (a bad option: TERN_ERR_ARG). */
  tern_status (*open)(tern_geom g, const char *options, tern_hal *hal, char *err, size_t err_size);
} tern_transport_plugin;

#endif /* TERN_HAL_H */
