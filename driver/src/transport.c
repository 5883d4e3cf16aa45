/* SPDX-License-Identifier: Apache-2.0 */
/* The table of devices (transport.h) and the loader of the transports built as shared objects.
 * A plugin is loaded again at every open (dlopen counts references; the loaded object is
 * shared) and never unloaded: SystemC cannot free its simulation kernel, and a Verilated
 * model's runtime keeps process-wide state, so unloading either is not safe. */
#define _GNU_SOURCE /* readlink */
#include "transport.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "hal_uart.h"

/* Device memory of the cmodel device (host RAM, allocated lazily by the OS). */
#define TERN_CMODEL_MEM_BYTES ((size_t)1 << 30)

static tern_status open_cmodel(const tern_transport *t, const char *uri, const char *options, tern_geom *g,
                               tern_hal *hal, char *err, size_t err_size) {
  (void)t, (void)uri, (void)options;
  tern_status st = tern_cmodel_hal_open(*g, TERN_CMODEL_MEM_BYTES, hal);
  if (st != TERN_OK && err && err_size) snprintf(err, err_size, "cmodel: %s", tern_strerror(st));
  return st;
}

/* "uart:/dev/ttyUSB1?baud=..." or "uart-tcp:HOST:PORT": a board behind the UART bridge; the
 * weights are packed for the board's array (its bitstream sizes it), unless ?array= insists. */
static tern_status open_uart(const tern_transport *t, const char *uri, const char *options, tern_geom *g, tern_hal *hal,
                             char *err, size_t err_size) {
  (void)t, (void)options;
  return tern_uart_hal_open_geom(uri, NULL, g, hal, err, err_size);
}

/* The directory of the running executable, into buf ("" if unknown). */
static void exe_dir(char *buf, size_t size) {
  ssize_t n = readlink("/proc/self/exe", buf, size - 1);
  if (n <= 0) n = 0;
  buf[n] = 0;
  char *slash = strrchr(buf, '/');
  if (slash) *slash = 0;
}

static tern_status open_plugin(const tern_transport *t, const char *uri, const char *options, tern_geom *g,
                               tern_hal *hal, char *err, size_t err_size) {
  (void)uri;
  char self[4096];
  exe_dir(self, sizeof self);
  const char *env = getenv("TERN_PLUGIN_DIR");
  const char *dirs[2];
  size_t n = 0;
  if (env && *env) dirs[n++] = env;
  if (self[0]) dirs[n++] = self;
  return tern_transport_plugin_open_in(t, dirs, n, *g, options, hal, err, err_size);
}

tern_status tern_transport_plugin_open_in(const tern_transport *t, const char *const dirs[], size_t ndirs, tern_geom g,
                                          const char *options, tern_hal *hal, char *err, size_t err_size) {
  char path[4200], where[1024] = "";
  char dummy[1];
  if (!err || !err_size) err = dummy, err_size = sizeof dummy;
  const char *env = getenv("TERN_PLUGIN_DIR");
  for (size_t i = 0; i < ndirs; i++) {
    snprintf(path, sizeof path, "%s/tern-%s.so", dirs[i], t->prefix);
    size_t used = strlen(where);
    const int from_env = env && dirs[i] == env;
    snprintf(where + used, sizeof where - used, "%s%s%s%s", i ? " or " : "", from_env ? "$TERN_PLUGIN_DIR (" : "",
             dirs[i], from_env ? ")" : "");
    if (access(path, F_OK) != 0) continue;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char *why = dlerror();
      snprintf(err, err_size, "%s: cannot load %s: %s", t->prefix, path, why ? why : "unknown reason");
      return TERN_ERR_DEVICE;
    }
    const tern_transport_plugin *p = (const tern_transport_plugin *)dlsym(h, TERN_TRANSPORT_PLUGIN_SYMBOL);
    if (!p) {
      snprintf(err, err_size, "%s: %s is not a tern transport plugin (no %s)", t->prefix, path,
               TERN_TRANSPORT_PLUGIN_SYMBOL);
      return TERN_ERR_DEVICE;
    }
    if (p->abi != TERN_HAL_ABI) {
      snprintf(err, err_size, "%s: %s was built for HAL ABI %u, this driver has %u: rebuild it with %s", t->prefix,
               path, (unsigned)p->abi, (unsigned)TERN_HAL_ABI, t->build);
      return TERN_ERR_DEVICE;
    }
    if (!p->name || strcmp(p->name, t->prefix) != 0 || !p->open) {
      snprintf(err, err_size, "%s: %s opens device '%s', not '%s'", t->prefix, path, p->name ? p->name : "(none)",
               t->prefix);
      return TERN_ERR_DEVICE;
    }
    return p->open(g, options, hal, err, err_size);
  }
  snprintf(err, err_size, "%s: this device is not built: no tern-%s.so in %s; build it with %s", t->prefix, t->prefix,
           ndirs ? where : "(no directory to look in)", t->build);
  return TERN_ERR_DEVICE;
}

static const tern_transport transports[] = {
    {"cpu", 0, 1, "cpu", "the host's own kernels (threads=N)", NULL, NULL},
    {"cmodel", 0, 1, "cmodel", "the C device model, bit- and register-exact (threads=N)", open_cmodel, NULL},
    {"rtl", 0, 0, "rtl", "the Verilated rtl/tern_device.v (plugin tern-rtl.so)", open_plugin,
     "`make -C driver rtl` (needs Verilator)"},
    {"systemc", 0, 0, "systemc", "the SystemC/TLM-2.0 system model (plugin tern-systemc.so)", open_plugin,
     "`make -C driver systemc` (needs libsystemc-dev)"},
    {"uart", 1, 0, "uart:TTY", "a board behind the UART bridge on a serial port", open_uart, NULL},
    {"uart-tcp", 1, 0, "uart-tcp:HOST:PORT", "a board (or its simulation) behind the UART bridge over TCP", open_uart,
     NULL},
};

const tern_transport *tern_transport_find(const char *uri, const char **options) {
  for (size_t i = 0; uri && i < sizeof transports / sizeof transports[0]; i++) {
    const tern_transport *t = &transports[i];
    size_t l = strlen(t->prefix);
    if (strncmp(uri, t->prefix, l) != 0 || (uri[l] != 0 && uri[l] != ':') || (t->needs_options && uri[l] != ':'))
      continue;
    if (options) *options = uri[l] ? uri + l + 1 : "";
    return t;
  }
  return NULL;
}

void tern_transport_list(char *buf, size_t size) {
  size_t used = 0;
  if (size) buf[0] = 0;
  for (size_t i = 0; i < sizeof transports / sizeof transports[0] && used < size; i++) {
    int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", transports[i].usage);
    if (n < 0) break;
    used += (size_t)n;
  }
}

tern_status tern_transport_open_hal(const char *uri, tern_geom *g, tern_hal *hal, char *err, size_t err_size) {
  const char *options = "";
  const tern_transport *t = tern_transport_find(uri, &options);
  if (!t || !t->open) {
    if (err && err_size) snprintf(err, err_size, "'%s' is not a HAL device", uri ? uri : "(null)");
    return TERN_ERR_ARG;
  }
  return t->open(t, uri, options, g, hal, err, err_size);
}
