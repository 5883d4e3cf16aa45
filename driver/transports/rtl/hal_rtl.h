/* SPDX-License-Identifier: Apache-2.0 */
/* Transport "rtl": the HAL (hal.h) over the Verilated device top rtl/tern_device.v, run
 * in-process with an AXI4 memory model over a host buffer (device memory). Built as the plugin
 * tern-rtl.so (`make -C driver rtl`: hal_rtl.cpp, C++, and the Verilated model inside), which
 * the driver loads when a program opens "rtl" (transport.c).
 *
 * options: the part of the URI after "rtl:" ("" or NULL for none), comma-separated
 * name=value pairs; each name also has an environment variable TERN_RTL_<NAME>, which the URI
 * overrides (docs/programming.md lists them: latency, read_latency, write_latency, throttle,
 * seed, mem, max_cycles, vcd, slverr, stats, toggles). */
#ifndef TERN_HAL_RTL_H
#define TERN_HAL_RTL_H

#include <stddef.h>

#include "hal.h"
#include "tern_geom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Device memory of the rtl device unless the mem option says otherwise. */
#define TERN_RTL_MEM_BYTES ((size_t)64 << 20)

/* Build and reset a simulated device for geometry g and fill in hal. On failure writes the
 * reason to err (a bad option: TERN_ERR_ARG). */
tern_status tern_rtl_hal_open(tern_geom g, const char *options, tern_hal *hal, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif
#endif /* TERN_HAL_RTL_H */
