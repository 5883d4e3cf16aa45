// SPDX-License-Identifier: Apache-2.0
// Transport "systemc": the HAL of driver/src/hal.h over the SystemC model of a tern system
// (tern_sc_system.h): each HAL call is a request the model's host runs, through the
// interconnect, on the device's registers or the memory. The driver core (device.c) programs it
// exactly as it programs the C device model, so results are bit-identical; cycles() reports the
// device clock cycles simulated since the device was opened.
//
// Options (URI "systemc:name=value,..." or environment TERN_SYSTEMC_<NAME>; the URI wins):
//   mem=sram|ddr4|hbm  memory preset (default sram): bandwidth, latency, energy, outstanding
//   bw=GBS latency=NS energy=PJ outstanding=N    override the preset's figures
//   size=SIZE          device memory in bytes, K/M/G suffixes (default 64M, at most 4G)
//   clock_mhz=F        device clock (default 100)
//   bus_bytes=B        interconnect bytes per device cycle each way (default 8: the 64-bit port)
//   bus_latency=N      interconnect cycles each way on the memory path (default 0)
//   bus_energy=PJ      interconnect energy per byte (default 0)
//   host_timed=0|1     host copies to device memory take bus and memory time (default 0)
//   max_cycles=N       give up waiting for the interrupt after N cycles (default: the driver's
//                      timeout as device time)
//   stats=FILE         write the statistics (cycles, bytes and energy per memory) at close; - is stderr
//   trace=FILE         one line per job: the cycles of its phases (doorbell, plan, fetch, ..., irq)
//   skew=P             test only: stretch every job's modelled duration by 1 + P
// SystemC has one simulation kernel per process, so one systemc device may be open at a time;
// each open starts a new simulation (time 0). The kernel of a closed device is left allocated:
// SystemC cannot free one safely.
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "hal_systemc.h"
#include "tern_sc_system.h"

// libsystemc's main() calls sc_main, so libsystemc.so needs one to load (the driver loads this
// plugin with RTLD_NOW); the application has its own main(), so this one is never called. The
// plugin's second exported symbol, for that reason only (weak: a SystemC application's wins).
__attribute__((weak, visibility("default"))) int sc_main(int, char **) {
  std::fprintf(stderr, "tern: sc_main is not used by the systemc device\n");
  return 1;
}

#include "hal_opts.hpp"

namespace {

using tern_sc::Request;
using tern_sc::SystemParams;

// The one piece of process state: SystemC has a single simulation kernel per process.
std::atomic<bool> g_open{false};

struct Options {
  SystemParams sys;
  uint64_t max_cycles = 0;
  std::string stats, trace;
};

struct Sc {
  tern_sc::System *sys = nullptr;
  Options opt;
  std::string detail;  // why the last call failed ("" if it did not)
  uint64_t start = 0;  // cycle at open
};

const char *const kNames[] = {"mem",        "bw",         "latency",   "energy",      "outstanding",
                              "size",       "clock_mhz",  "bus_bytes", "bus_latency", "bus_energy",
                              "host_timed", "max_cycles", "stats",     "trace",       "skew"};

using tern_hal_opts::fmt;
using tern_hal_opts::parse_u64;

bool parse_real(const std::string &s, double lo, double hi, double *v) {
  char *end = nullptr;
  const double x = std::strtod(s.c_str(), &end);
  if (s.empty() || *end || !std::isfinite(x) || x < lo || x > hi) return false;
  *v = x;
  return true;
}

// One name=value (the mem preset is applied before the others, see parse_options).
std::string set_option(Options &o, const std::string &name, const std::string &val, const char *from) {
  uint64_t u = 0;
  double d = 0;
  auto bad = [&](const char *what) { return fmt("systemc: %s=%s (%s): %s", name.c_str(), val.c_str(), from, what); };
  tern_sc::MemoryParams &m = o.sys.mem;
  if (name == "mem") {
    if (!tern_sc::memory_preset(val, &m)) return bad((std::string("memories: ") + tern_sc::kMemoryPresets).c_str());
  } else if (name == "bw") {
    if (!parse_real(val, 1e-3, 1e6, &d)) return bad("must be a bandwidth in GB/s, 0.001 .. 1e6");
    m.bw_gbs = d;
  } else if (name == "latency") {
    if (!parse_real(val, 0, 1e6, &d)) return bad("must be a latency in ns, 0 .. 1e6");
    m.latency_ns = d;
  } else if (name == "energy") {
    if (!parse_real(val, 0, 1e6, &d)) return bad("must be an energy in pJ per byte, 0 .. 1e6");
    m.pj_per_byte = d;
  } else if (name == "outstanding") {
    if (!parse_u64(val, &u) || u < 1 || u > 1024) return bad("must be a number of requests, 1 .. 1024");
    m.outstanding = (unsigned)u;
  } else if (name == "size") {
    if (!parse_u64(val, &u, true) || u < 4096 || u > (1ull << 32) || u % 8)
      return bad("must be 4K..4G bytes, a multiple of 8 (suffixes K, M, G)");
    m.size = u;
  } else if (name == "clock_mhz") {
    if (!parse_real(val, 1e-3, 1e5, &d)) return bad("must be a clock in MHz, 0.001 .. 100000");
    o.sys.clock_mhz = d;
  } else if (name == "bus_bytes") {
    if (!parse_real(val, 1e-3, 4096, &d)) return bad("must be bytes per cycle, 0.001 .. 4096");
    o.sys.bus.bytes_per_cycle = d;
  } else if (name == "bus_latency") {
    if (!parse_u64(val, &u) || u > 100000) return bad("must be a whole number of cycles, 0 .. 100000");
    o.sys.bus.latency_cycles = (unsigned)u;
  } else if (name == "bus_energy") {
    if (!parse_real(val, 0, 1e6, &d)) return bad("must be an energy in pJ per byte, 0 .. 1e6");
    o.sys.bus.pj_per_byte = d;
  } else if (name == "host_timed") {
    if (val != "0" && val != "1") return bad("must be 0 or 1");
    o.sys.host_timed = val == "1";
  } else if (name == "max_cycles") {
    if (!parse_u64(val, &u) || u == 0) return bad("must be a whole number of cycles >= 1");
    o.max_cycles = u;
  } else if (name == "stats") {
    if (val.empty()) return bad("needs a file name (- for stderr)");
    o.stats = val;
  } else if (name == "trace") {
    if (val.empty()) return bad("needs a file name (- for stderr)");
    o.trace = val;
  } else if (name == "skew") {
    if (!parse_real(val, 0, 10, &d)) return bad("must be a fraction, 0 .. 10");
    o.sys.skew = d;
  } else {
    std::string names;
    for (const char *n : kNames) names += names.empty() ? n : std::string(", ") + n;
    return fmt("systemc: unknown option '%s' (%s); options: %s", name.c_str(), from, names.c_str());
  }
  return "";
}

std::string parse_options(Options &o, const char *uri_opts) {
  struct Item {
    std::string name, val, from;
  };
  std::vector<Item> items;
  for (const char *n : kNames) {  // environment first, the URI overrides it
    std::string env = "TERN_SYSTEMC_";
    for (const char *c = n; *c; c++) env += (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
    const char *v = std::getenv(env.c_str());
    if (v && *v) items.push_back({n, v, env});
  }
  const std::string s = uri_opts ? uri_opts : "";
  size_t pos = 0;
  while (pos < s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    const std::string item = s.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) return fmt("systemc: option '%s' needs a value (name=value)", item.c_str());
    items.push_back({item.substr(0, eq), item.substr(eq + 1), "in the URI"});
  }
  // the preset first, so bw=, latency=, ... change it whatever their order
  for (int pass = 0; pass < 2; pass++)
    for (const Item &it : items)
      if ((it.name == "mem") == (pass == 0)) {
        std::string e = set_option(o, it.name, it.val, it.from.c_str());
        if (!e.empty()) return e;
      }
  return "";
}

Sc *ctx(void *c) { return static_cast<Sc *>(c); }

tern_status run(Sc *s, Request &r) {
  s->detail.clear();
  if (!s->sys->call(r) || !r.ok) {
    s->detail = r.error;
    return TERN_ERR_DEVICE;
  }
  return TERN_OK;
}

tern_status sc_reg_read(void *c, uint32_t off, uint32_t *v) {
  Request r;
  r.kind = Request::kRegRead;
  r.offset = off;
  const tern_status st = run(ctx(c), r);
  *v = st == TERN_OK ? r.value : 0;
  return st;
}

tern_status sc_reg_write(void *c, uint32_t off, uint32_t v) {
  Request r;
  r.kind = Request::kRegWrite;
  r.offset = off;
  r.value = v;
  return run(ctx(c), r);
}

tern_status sc_mem(void *c, Request::Kind kind, uint64_t addr, void *buf, size_t len) {
  Sc *s = ctx(c);
  const uint64_t size = s->opt.sys.mem.size;
  if (addr > size || len > size - addr) {
    s->detail = fmt("memory %s of %zu bytes at 0x%" PRIx64 " beyond the %" PRIu64 " bytes of device memory",
                    kind == Request::kMemRead ? "read" : "write", len, addr, size);
    return TERN_ERR_DEVICE;
  }
  Request r;
  r.kind = kind;
  r.addr = addr;
  r.buf = buf;
  r.len = len;
  return run(s, r);
}

tern_status sc_mem_write(void *c, uint64_t addr, const void *src, size_t len) {
  return sc_mem(c, Request::kMemWrite, addr, const_cast<void *>(src), len);
}
tern_status sc_mem_read(void *c, uint64_t addr, void *dst, size_t len) {
  return sc_mem(c, Request::kMemRead, addr, dst, len);
}

tern_status sc_wait_irq(void *c, uint32_t timeout_ms) {
  Sc *s = ctx(c);
  Request r;
  r.kind = Request::kWaitIrq;
  // the driver's timeout as device time (an event-driven model spends no wall time waiting)
  r.budget_cycles =
      s->opt.max_cycles ? s->opt.max_cycles : (uint64_t)std::ceil(timeout_ms * 1e-3 * s->opt.sys.clock_mhz * 1e6);
  const tern_status st = run(s, r);
  if (st == TERN_OK || !r.done) return st;
  s->detail = fmt("no interrupt within %" PRIu64 " cycles%s; device at cycle %" PRIu64, r.budget_cycles,
                  s->opt.max_cycles ? " (max_cycles)" : " (the driver's timeout)", s->sys->cycles() - s->start);
  return TERN_ERR_DEVICE;
}

const char *sc_last_error(void *c) { return c ? ctx(c)->detail.c_str() : ""; }
uint64_t sc_cycles(void *c) { return c && ctx(c)->sys ? ctx(c)->sys->cycles() - ctx(c)->start : 0; }

// Free everything of a device; its simulation kernel is left behind (SystemC frees no kernel
// safely) and the next open starts a fresh one.
void release(Sc *s) {
  delete s->sys;
  if (s->opt.sys.trace && s->opt.sys.trace != stderr) std::fclose(s->opt.sys.trace);
  delete s;
  sc_core::sc_curr_simcontext = nullptr;
  sc_core::sc_default_global_context = nullptr;
  g_open = false;
}

void sc_close(void *c) {
  Sc *s = ctx(c);
  if (!s) return;
  if (!s->opt.stats.empty() && s->sys) {
    std::FILE *f = s->opt.stats == "-" ? stderr : std::fopen(s->opt.stats.c_str(), "w");
    if (f) {
      s->sys->write_stats(f);
      if (f != stderr) std::fclose(f);
    } else {
      std::fprintf(stderr, "tern systemc: cannot write the statistics to %s: %s\n", s->opt.stats.c_str(),
                   std::strerror(errno));
    }
  }
  release(s);
}

}  // namespace

extern "C" tern_status tern_systemc_hal_open(tern_geom g, const char *options, tern_hal *hal, char *err,
                                             size_t err_size) {
  auto fail = [&](tern_status st, const std::string &m) {
    if (err && err_size) std::snprintf(err, err_size, "%s", m.c_str());
    return st;
  };
  Options o;
  o.sys.geom = g;
  std::string e = parse_options(o, options);
  if (!e.empty()) return fail(TERN_ERR_ARG, e);
  bool expected = false;
  if (!g_open.compare_exchange_strong(expected, true))
    return fail(TERN_ERR_DEVICE,
                "systemc: a systemc device is already open in this process (SystemC has one "
                "simulation kernel per process); close it first");
  Sc *s = new (std::nothrow) Sc;
  if (!s) {
    g_open = false;
    return fail(TERN_ERR_NOMEM, "systemc: out of memory");
  }
  s->opt = o;
  if (!o.trace.empty()) {
    s->opt.sys.trace = o.trace == "-" ? stderr : std::fopen(o.trace.c_str(), "w");
    if (!s->opt.sys.trace) {
      const std::string m = fmt("systemc: trace=%s: %s", o.trace.c_str(), std::strerror(errno));
      release(s);
      return fail(TERN_ERR_ARG, m);
    }
  }
  sc_core::sc_curr_simcontext = nullptr;  // a fresh kernel for this device
  sc_core::sc_default_global_context = nullptr;
  try {
    s->sys = new tern_sc::System(s->opt.sys);
  } catch (const std::exception &ex) {
    release(s);
    return fail(TERN_ERR_DEVICE, fmt("systemc: could not build the simulated system: %s", ex.what()));
  }
  if (!s->sys->ok()) {
    release(s);
    return fail(TERN_ERR_NOMEM, fmt("systemc: no host memory for %" PRIu64 " bytes of device memory", o.sys.mem.size));
  }
  s->start = s->sys->cycles();
  tern_hal h{};  // fields set by name: optional ones this transport lacks stay NULL
  h.ctx = s;
  h.mem_size = (size_t)o.sys.mem.size;
  h.reg_read = sc_reg_read;
  h.reg_write = sc_reg_write;
  h.mem_write = sc_mem_write;
  h.mem_read = sc_mem_read;
  h.wait_irq = sc_wait_irq;
  h.close = sc_close;
  h.last_error = sc_last_error;
  h.cycles = sc_cycles;
  *hal = h;
  return TERN_OK;
}

// The plugin's exported symbol (transport.c loads tern-systemc.so and finds it by name).
extern "C" __attribute__((visibility("default")))
const tern_transport_plugin tern_transport_plugin_v1 = {TERN_HAL_ABI, "systemc", tern_systemc_hal_open};
