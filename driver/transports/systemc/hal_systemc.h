/* SPDX-License-Identifier: Apache-2.0 */
/* Transport "systemc": the HAL (hal.h) over the SystemC model of a tern system
 * (tern_sc_system.h, docs/systemc.md): a host, an interconnect, a memory (DDR4, HBM or SRAM by
 * bandwidth, latency and energy per byte) and the tern device, connected with TLM-2.0 sockets.
 * The device's registers and results are the C device model's; its timing is calibrated
 * against the RTL. Built as the plugin tern-systemc.so (`make -C driver systemc`: this
 * directory's C++, linked with -lsystemc), which the driver loads when a program opens
 * "systemc" (transport.c).
 *
 * options: the part of the URI after "systemc:" ("" or NULL for none), comma-separated
 * name=value pairs; each name also has an environment variable TERN_SYSTEMC_<NAME>, which the
 * URI overrides (docs/systemc.md lists them: mem, bw, latency, energy, outstanding, size,
 * clock_mhz, bus_bytes, bus_latency, bus_energy, host_timed, max_cycles, stats, skew).
 * SystemC has one simulation kernel per process: one systemc device may be open at a time. */
#ifndef TERN_HAL_SYSTEMC_H
#define TERN_HAL_SYSTEMC_H

#include <stddef.h>

#include "hal.h"
#include "tern_geom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Build a simulated system for geometry g and fill in hal. On failure writes the reason to
 * err (a bad option: TERN_ERR_ARG; one already open: TERN_ERR_DEVICE). */
tern_status tern_systemc_hal_open(tern_geom g, const char *options, tern_hal *hal, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif
#endif /* TERN_HAL_SYSTEMC_H */
