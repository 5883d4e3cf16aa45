/* SPDX-License-Identifier: Apache-2.0 */
/* The devices tern can open, in one table (transport.c): a URI's prefix ("rtl" in
 * "rtl:latency=3") names its transport. cpu is the host's own kernels; every other device is a
 * HAL (hal.h) that the driver core programs: cmodel and uart/uart-tcp are linked into
 * libtern.a, rtl and systemc are loaded at run time from tern-rtl.so / tern-systemc.so, so one
 * libtern and one tern binary open every device, and a machine without Verilator or SystemC
 * still builds and runs the rest (docs/architecture.md). */
#ifndef TERN_TRANSPORT_H
#define TERN_TRANSPORT_H

#include <stddef.h>

#include "hal.h"

typedef struct tern_transport {
  const char *prefix; /* "rtl" matches "rtl" and "rtl:options" */
  int needs_options;  /* 1: only "prefix:options" (uart:TTY), never the bare prefix */
  int host_threads;   /* 1: the options are threads=N (cpu, cmodel); else they are the transport's */
  const char *usage;  /* how the URI is written, for the list of devices: "uart:TTY" */
  const char *about;  /* one line: what the device is */
  /* Open the HAL: options is the part after "prefix:" ("" for none), uri the whole URI; *g is
   * the geometry to build for, and the one found (a board's). NULL for cpu: no HAL. */
  tern_status (*open)(const struct tern_transport *t, const char *uri, const char *options, tern_geom *g, tern_hal *hal,
                      char *err, size_t err_size);
  const char *build; /* plugins: how to build it ("make -C driver rtl (needs Verilator)"), else NULL */
} tern_transport;

/* The transport that handles uri (*options -> the part after "prefix:", "" for none), or NULL. */
const tern_transport *tern_transport_find(const char *uri, const char **options);

/* The devices, as "cpu, cmodel, rtl, ..." (their usage), into buf. */
void tern_transport_list(char *buf, size_t size);

/* Open the HAL of a device URI other than cpu (tests: the rtl transport's own suite). */
tern_status tern_transport_open_hal(const char *uri, tern_geom *g, tern_hal *hal, char *err, size_t err_size);

/* Load the transport plugin tern-<name>.so from the first of dirs[0..ndirs) that holds it,
 * check its ABI and name, and open it. Errors name the files looked for and t->build.
 * tern_transport_open_plugin searches $TERN_PLUGIN_DIR (if set) then the running
 * executable's directory. */
tern_status tern_transport_plugin_open_in(const tern_transport *t, const char *const dirs[], size_t ndirs, tern_geom g,
                                          const char *options, tern_hal *hal, char *err, size_t err_size);

#endif /* TERN_TRANSPORT_H */
