// SPDX-License-Identifier: Apache-2.0
// Transport "rtl": the HAL of driver/src/hal.h over the Verilated device top rtl/tern_device.v,
// run in-process (vdevice/device_sim.h: the model, an AXI4 memory model and an AXI4-Lite
// master). Device memory is a host buffer that both the memory model and mem_read/mem_write
// use; wait_irq clocks the device until irq_o. The driver core (device.c) programs it exactly
// as it programs the C device model, so results must be bit-identical.
//
// Options (URI "rtl:name=value,..." or environment TERN_RTL_<NAME>; the URI wins):
//   latency=N        read and write latency of the memory model in cycles (default 1)
//   read_latency=N   write_latency=N     each alone
//   throttle=P       probability (0, 1] that the memory is ready/valid in a cycle, every channel
//   lite_delay=N     random 0..N cycle delays on the CSR bus's AW/W/AR VALID (default 0)
//   seed=N           seed of the throttles and CSR delays (default 1)
//   mem=SIZE         device memory in bytes, K/M/G suffixes (default 64M, at most 4G)
//   max_cycles=N     give up waiting for the interrupt after N cycles (default: timeout_ms of
//                    device time at 100 MHz; the wait also ends after timeout_ms of wall time)
//   slverr=LO-HI     the memory answers SLVERR to beats touching [LO, HI) (fault injection)
//   vcd=PATH         waveform of the whole run
//   stats=1          print cycles and memory traffic to stderr when the device is closed
//   toggles=PATH     count the array's register bit flips every cycle (activations entering the
//                    lanes, decoded weight flags, accumulators): a CSV line per interrupt wait
//                    in PATH, the totals in tern_device_stats; off, it costs nothing
// A hang (no interrupt within the budget) or an AXI protocol violation by the device leaves
// the device dead: that call and every later one fail with TERN_ERR_DEVICE and the reason.
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "Vtern_device___024root.h"
#include "device_sim.h"
#include "hal_rtl.h"
#include "tern_params.h"

#include "hal_opts.hpp"

namespace {

struct Options {
  unsigned read_latency = 1, write_latency = 1, lite_delay = 0;
  double throttle = 1.0;
  uint64_t seed = 1, mem = TERN_RTL_MEM_BYTES, max_cycles = 0;
  bool have_slverr = false;
  uint64_t slverr_lo = 0, slverr_hi = 0;
  std::string vcd;
  bool stats = false;
  std::string toggles;
};

// The toggles= counter: the array's registers (tern_toggle_signals.h, generated from the
// Verilated model's names) compared with their previous value after every clock edge.
// The rows keep the bits a sum of K_MAX products in [-128, 128] needs, signed (ACC_W in
// rtl/tern_mac_array.v): 24 for K_MAX = 65535.
static constexpr uint32_t acc_bits_for(uint64_t max_abs) {
  uint32_t b = 1;
  while ((1ull << (b - 1)) <= max_abs) b++;
  return b;
}
static constexpr uint32_t kAccBits = acc_bits_for(128ull * TERN_K_MAX);
static constexpr uint32_t kAccWords = TERN_T_MAX > 1 ? TERN_T_MAX + 1 : 1;
static_assert(kAccBits == 24, "the accumulator width of rtl/tern_mac_array.v for K_MAX = 65535");

struct Toggles {
  struct Sig {
    const uint8_t *p;
    size_t bytes;
    int group;
  };
  std::vector<Sig> sigs;
  std::vector<uint8_t> prev;
  uint64_t counts[3] = {0, 0, 0}, cycles = 0;
  // The accumulators: per row, T_MAX words of the accumulator RAM (when T_MAX > 1) and the
  // one-token register, each kAccBits wide (rtl/tern_mac_row.v).
  uint32_t bits[3] = {8 * TERN_LANES, 2 * TERN_ROWS *TERN_LANES, kAccBits *kAccWords *TERN_ROWS};
  FILE *out = nullptr;
  uint64_t mark_counts[3] = {0, 0, 0}, mark_cycles = 0, waits = 0;

  static void on_cycle(void *arg) {
    Toggles *t = static_cast<Toggles *>(arg);
    size_t at = 0;
    for (const Sig &s : t->sigs) {
      uint64_t n = 0;
      size_t i = 0;
      for (; i + 4 <= s.bytes; i += 4) {
        uint32_t a, b;
        std::memcpy(&a, s.p + i, 4);
        std::memcpy(&b, &t->prev[at + i], 4);
        n += (uint64_t)__builtin_popcount(a ^ b);
      }
      for (; i < s.bytes; i++) n += (uint64_t)__builtin_popcount((unsigned)(s.p[i] ^ t->prev[at + i]));
      std::memcpy(&t->prev[at], s.p, s.bytes);
      t->counts[s.group] += n;
      at += s.bytes;
    }
    t->cycles++;
  }
  // A CSV line for the cycles since the last one (one interrupt wait).
  void line(uint64_t now) {
    if (!out) return;
    std::fprintf(out, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", waits,
                 now - (cycles - mark_cycles), cycles - mark_cycles, counts[0] - mark_counts[0],
                 counts[1] - mark_counts[1], counts[2] - mark_counts[2]);
    for (int g = 0; g < 3; g++) mark_counts[g] = counts[g];
    mark_cycles = cycles;
    waits++;
  }
};

struct Rtl {
  uint8_t *mem = nullptr;
  size_t size = 0;
  DeviceSim *sim = nullptr;
  Options opt;
  std::string detail;  // why the last call failed ("" if it did not)
  std::string dead;    // non-empty once the device hung or broke a protocol
  uint64_t job_cycles = 0, waits = 0;
  Toggles *toggles = nullptr;  // toggles= given
};

const char *const kNames[] = {"latency", "read_latency", "write_latency", "throttle", "lite_delay", "seed",
                              "mem",     "max_cycles",   "slverr",        "vcd",      "stats",      "toggles"};

using tern_hal_opts::fmt;
using tern_hal_opts::parse_u64;

// One name=value; "" on success, else the message.
std::string set_option(Options &o, const std::string &name, const std::string &val, const char *from) {
  uint64_t u = 0;
  auto bad = [&](const char *what) { return fmt("rtl: %s=%s (%s): %s", name.c_str(), val.c_str(), from, what); };
  if (name == "latency" || name == "read_latency" || name == "write_latency" || name == "lite_delay") {
    if (!parse_u64(val, &u) || u > 100000) return bad("must be a whole number of cycles, 0..100000");
    if (name == "latency") o.read_latency = o.write_latency = (unsigned)u;
    if (name == "read_latency") o.read_latency = (unsigned)u;
    if (name == "write_latency") o.write_latency = (unsigned)u;
    if (name == "lite_delay") o.lite_delay = (unsigned)u;
  } else if (name == "throttle") {
    char *end = nullptr;
    double p = std::strtod(val.c_str(), &end);
    if (val.empty() || *end || !(p > 0.0 && p <= 1.0)) return bad("must be a probability in (0, 1]");
    o.throttle = p;
  } else if (name == "seed") {
    if (!parse_u64(val, &u)) return bad("must be a whole number");
    o.seed = u;
  } else if (name == "mem") {
    if (!parse_u64(val, &u, true) || u < 4096 || u > (1ull << 32) || u % 8)
      return bad("must be 4K..4G bytes, a multiple of 8 (suffixes K, M, G)");
    o.mem = u;
  } else if (name == "max_cycles") {
    if (!parse_u64(val, &u) || u == 0) return bad("must be a whole number of cycles >= 1");
    o.max_cycles = u;
  } else if (name == "slverr") {
    size_t dash = val.find('-');
    uint64_t lo = 0, hi = 0;
    if (dash == std::string::npos || !parse_u64(val.substr(0, dash), &lo) || !parse_u64(val.substr(dash + 1), &hi) ||
        hi <= lo)
      return bad("must be a byte range LO-HI with LO < HI (e.g. 0-0x1000)");
    o.have_slverr = true, o.slverr_lo = lo, o.slverr_hi = hi;
  } else if (name == "vcd") {
    if (val.empty()) return bad("needs a file name");
    o.vcd = val;
  } else if (name == "stats") {
    if (val != "0" && val != "1") return bad("must be 0 or 1");
    o.stats = val == "1";
  } else if (name == "toggles") {
    if (val.empty()) return bad("needs a file name");
    o.toggles = val;
  } else {
    std::string names;
    for (const char *n : kNames) names += names.empty() ? n : std::string(", ") + n;
    return fmt("rtl: unknown option '%s' (%s); options: %s", name.c_str(), from, names.c_str());
  }
  return "";
}

std::string parse_options(Options &o, const char *uri_opts) {
  for (const char *n : kNames) {  // environment first, the URI overrides it
    std::string env = "TERN_RTL_";
    for (const char *c = n; *c; c++) env += (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
    const char *v = std::getenv(env.c_str());
    if (v && *v) {
      std::string e = set_option(o, n, v, env.c_str());
      if (!e.empty()) return e;
    }
  }
  std::string s = uri_opts ? uri_opts : "";
  size_t pos = 0;
  while (pos < s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    std::string item = s.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos) return fmt("rtl: option '%s' needs a value (name=value)", item.c_str());
    std::string e = set_option(o, item.substr(0, eq), item.substr(eq + 1), "in the URI");
    if (!e.empty()) return e;
  }
  return "";
}

Rtl *ctx(void *c) { return static_cast<Rtl *>(c); }

// Start of every HAL call: a dead device refuses it.
bool alive(Rtl *r) {
  r->detail.clear();
  if (r->dead.empty()) return true;
  r->detail = r->dead;
  return false;
}

// A protocol violation seen by the memory model or the CSR master kills the device.
bool check_protocol(Rtl *r) {
  if (!r->sim->mem_violation().empty())
    r->dead = "AXI4 memory port protocol violation by the device: " + r->sim->mem_violation();
  else if (!r->sim->lite_violation().empty())
    r->dead = "AXI4-Lite protocol violation by the device: " + r->sim->lite_violation();
  if (r->dead.empty()) return true;
  r->detail = r->dead;
  return false;
}

tern_status rtl_reg_read(void *c, uint32_t off, uint32_t *v) {
  Rtl *r = ctx(c);
  *v = 0;
  if (!alive(r)) return TERN_ERR_DEVICE;
  int resp = r->sim->reg_read(off, v);
  if (!check_protocol(r)) return TERN_ERR_DEVICE;
  if (resp == 0) return TERN_OK;
  if (resp < 0) {
    r->dead = fmt("register read at 0x%03x: no response within %" PRIu64 " cycles (cycle %" PRIu64 ")", off,
                  (uint64_t)DeviceSim::kLiteTimeout, r->sim->cycles());
    r->detail = r->dead;
  } else {
    r->detail = fmt("register read at 0x%03x answered %s", off, resp == 2 ? "SLVERR" : "DECERR");
  }
  return TERN_ERR_DEVICE;
}

tern_status rtl_reg_write(void *c, uint32_t off, uint32_t v) {
  Rtl *r = ctx(c);
  if (!alive(r)) return TERN_ERR_DEVICE;
  int resp = r->sim->reg_write(off, v);
  if (!check_protocol(r)) return TERN_ERR_DEVICE;
  if (resp == 0) return TERN_OK;
  if (resp < 0) {
    r->dead = fmt("register write 0x%08x at 0x%03x: no response within %" PRIu64 " cycles (cycle %" PRIu64 ")", v, off,
                  (uint64_t)DeviceSim::kLiteTimeout, r->sim->cycles());
    r->detail = r->dead;
  } else {
    r->detail = fmt("register write 0x%08x at 0x%03x answered %s", v, off, resp == 2 ? "SLVERR" : "DECERR");
  }
  return TERN_ERR_DEVICE;
}

tern_status rtl_mem_write(void *c, uint64_t addr, const void *src, size_t len) {
  Rtl *r = ctx(c);
  if (!alive(r)) return TERN_ERR_DEVICE;
  if (addr > r->size || len > r->size - addr) {
    r->detail =
        fmt("memory write of %zu bytes at 0x%" PRIx64 " beyond the %zu bytes of device memory", len, addr, r->size);
    return TERN_ERR_DEVICE;
  }
  std::memcpy(r->mem + addr, src, len);
  return TERN_OK;
}

tern_status rtl_mem_read(void *c, uint64_t addr, void *dst, size_t len) {
  Rtl *r = ctx(c);
  if (!alive(r)) return TERN_ERR_DEVICE;
  if (addr > r->size || len > r->size - addr) {
    r->detail =
        fmt("memory read of %zu bytes at 0x%" PRIx64 " beyond the %zu bytes of device memory", len, addr, r->size);
    return TERN_ERR_DEVICE;
  }
  std::memcpy(dst, r->mem + addr, len);
  return TERN_OK;
}

tern_status rtl_wait_irq(void *c, uint32_t timeout_ms) {
  Rtl *r = ctx(c);
  if (!alive(r)) return TERN_ERR_DEVICE;
  const uint64_t budget = r->opt.max_cycles ? r->opt.max_cycles : (uint64_t)timeout_ms * 100000u;
  const uint64_t start = r->sim->cycles();
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t chunk = 1u << 16;
  uint64_t spent = 0;
  bool irq = r->sim->irq(), wall_out = false;
  while (!irq && spent < budget && !wall_out) {
    uint64_t n = budget - spent < chunk ? budget - spent : chunk;
    irq = r->sim->run_until_irq(n);
    spent = r->sim->cycles() - start;
    if (!r->sim->mem_violation().empty()) break;
    wall_out = std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(timeout_ms);
  }
  r->waits++;
  r->job_cycles += spent;
  if (r->toggles) r->toggles->line(r->sim->cycles());
  if (!check_protocol(r)) return TERN_ERR_DEVICE;
  if (irq) return TERN_OK;
  std::string why = wall_out ? fmt("%u ms of wall time (%" PRIu64 " cycles simulated)", timeout_ms, spent)
                    : r->opt.max_cycles
                        ? fmt("max_cycles=%" PRIu64 " cycles", budget)
                        : fmt("%u ms of device time (%" PRIu64 " cycles at 100 MHz)", timeout_ms, budget);
  r->dead = fmt("no interrupt within %s; device at cycle %" PRIu64 ", memory model: %s", why.c_str(), r->sim->cycles(),
                r->sim->mem().in_flight().c_str());
  r->detail = r->dead;
  return TERN_ERR_DEVICE;
}

const char *rtl_last_error(void *c) { return c ? ctx(c)->detail.c_str() : ""; }
uint64_t rtl_cycles(void *c) { return c && ctx(c)->sim ? ctx(c)->sim->cycles() : 0; }

int rtl_toggles(void *c, uint64_t counts[], uint32_t bits[], uint64_t *cycles) {
  const Toggles *t = c ? ctx(c)->toggles : nullptr;
  if (!t) return 0;
  for (int g = 0; g < 3; g++) counts[g] = t->counts[g], bits[g] = t->bits[g];
  *cycles = t->cycles;
  return 1;
}

void rtl_close(void *c) {
  Rtl *r = ctx(c);
  if (!r) return;
  if (r->opt.stats && r->sim) {
    const AxiMemStats &s = r->sim->mem().stats();
    std::fprintf(stderr,
                 "tern rtl: %" PRIu64 " cycles, %" PRIu64 " waiting for %" PRIu64 " interrupts; memory: %" PRIu64
                 " read bursts, %" PRIu64 " R beats, %" PRIu64 " W beats, %" PRIu64 " error responses\n",
                 r->sim->cycles(), r->job_cycles, r->waits, s.ar, s.r_beats, s.w_beats, s.r_err_beats + s.b_err);
  }
  if (r->toggles && r->toggles->out) {
    const Toggles &t = *r->toggles;
    static const char *const names[3] = {"activations", "weight flags", "accumulators"};
    std::fprintf(t.out, "# total: %" PRIu64 " cycles\n", t.cycles);
    for (int g = 0; g < 3; g++)
      std::fprintf(t.out, "# %s: %" PRIu64 " bit flips of %u bits: %.4f%% per cycle\n", names[g], t.counts[g],
                   t.bits[g],
                   t.cycles && t.bits[g] ? 100.0 * (double)t.counts[g] / ((double)t.cycles * t.bits[g]) : 0.0);
    std::fclose(t.out);
  }
  delete r->toggles;
  delete r->sim;
  std::free(r->mem);
  delete r;
}

}  // namespace

extern "C" tern_status tern_rtl_hal_open(tern_geom g, const char *options, tern_hal *hal, char *err, size_t err_size) {
  (void)g;  // the Verilated model has the geometry it was built with; the core checks PARAMS
  auto fail = [&](tern_status st, const std::string &m) {
    if (err && err_size) std::snprintf(err, err_size, "%s", m.c_str());
    return st;
  };
  Options o;
  std::string e = parse_options(o, options);
  if (!e.empty()) return fail(TERN_ERR_ARG, e);
  if (!o.vcd.empty()) {
    // Verilator's trace file opens without reporting a failure: try the path first, so a
    // waveform that cannot be written fails the open instead of silently writing nothing
    std::FILE *f = std::fopen(o.vcd.c_str(), "w");
    if (!f) return fail(TERN_ERR_ARG, fmt("rtl: vcd=%s: cannot write: %s", o.vcd.c_str(), std::strerror(errno)));
    std::fclose(f);
  }
  Rtl *r = new (std::nothrow) Rtl;
  if (!r) return fail(TERN_ERR_NOMEM, "rtl: out of memory");
  r->opt = o;
  r->size = (size_t)o.mem;
  r->mem = static_cast<uint8_t *>(std::calloc(1, r->size));  // untouched pages cost nothing
  if (!r->mem) {
    delete r;
    return fail(TERN_ERR_NOMEM, fmt("rtl: no host memory for %zu bytes of device memory", (size_t)o.mem));
  }
  AxiMemConfig mc;
  mc.read_latency = o.read_latency;
  mc.write_latency = o.write_latency;
  mc.p_arready = mc.p_rvalid = mc.p_awready = mc.p_wready = mc.p_bvalid = o.throttle;
  mc.max_burst = TERN_MAX_BURST;
  mc.seed = o.seed;
  try {
    r->sim = new DeviceSim(r->mem, r->size, mc, o.seed);
  } catch (const std::exception &ex) {
    std::free(r->mem);
    delete r;
    return fail(TERN_ERR_DEVICE, fmt("rtl: could not build the simulated device: %s", ex.what()));
  }
  if (o.have_slverr) r->sim->add_error_range(o.slverr_lo, o.slverr_hi, AxiMem::kSlverr);
  DeviceSim::LiteConfig lc;
  lc.max_delay = o.lite_delay;
  r->sim->set_lite(lc);
  if (!o.vcd.empty()) r->sim->open_vcd(o.vcd);
  if (!o.toggles.empty()) {
    Toggles *t = new (std::nothrow) Toggles;
    if (!t) {
      rtl_close(r);
      return fail(TERN_ERR_NOMEM, "rtl: out of memory");
    }
    r->toggles = t;
    Vtern_device___024root *root = r->sim->dut()->rootp;
    (void)root;
#define TERN_TOGGLE_SIGNAL(group, member) \
  t->sigs.push_back({reinterpret_cast<const uint8_t *>(&root->member), sizeof root->member, group});
#include "tern_toggle_signals.h"
#undef TERN_TOGGLE_SIGNAL
    int have[3] = {0, 0, 0};
    size_t total = 0;
    for (const Toggles::Sig &sg : t->sigs) have[sg.group]++, total += sg.bytes;
    if (!have[0] || !have[1] || have[2] != (int)(TERN_ROWS * (TERN_T_MAX > 1 ? 2 : 1))) {
      rtl_close(r);
      return fail(TERN_ERR_DEVICE,
                  "rtl: toggles=: this build did not find the array's registers in the Verilated model "
                  "(tern_toggle_signals.h: " +
                      std::to_string(have[0]) + " activation, " + std::to_string(have[1]) + " code, " +
                      std::to_string(have[2]) + " accumulator signals)");
    }
    t->prev.resize(total);
    size_t at = 0;
    for (const Toggles::Sig &sg : t->sigs) std::memcpy(&t->prev[at], sg.p, sg.bytes), at += sg.bytes;
    t->out = std::fopen(o.toggles.c_str(), "w");
    if (!t->out) {
      std::string e = fmt("rtl: toggles=%s: cannot write: %s", o.toggles.c_str(), std::strerror(errno));
      rtl_close(r);
      return fail(TERN_ERR_ARG, e);
    }
    std::fprintf(t->out,
                 "# tern rtl toggles: bit flips of the array's registers per interrupt wait (array %ux%u, T_MAX %u)\n"
                 "# groups: activations entering the lanes (%u bits), decoded weight flags (%u bits), accumulators "
                 "(%u bits)\nwait,first_cycle,cycles,act_toggles,code_toggles,acc_toggles\n",
                 (unsigned)TERN_ROWS, (unsigned)TERN_LANES, (unsigned)TERN_T_MAX, t->bits[0], t->bits[1], t->bits[2]);
    t->mark_cycles = 0;
    r->sim->set_cycle_hook(Toggles::on_cycle, t);
  }
  tern_hal h = {r,         r->size,        rtl_reg_read, rtl_reg_write, rtl_mem_write, rtl_mem_read, rtl_wait_irq,
                rtl_close, rtl_last_error, rtl_cycles,   rtl_toggles,   nullptr};
  *hal = h;
  return TERN_OK;
}

// The plugin's one exported symbol (transport.c loads tern-rtl.so and finds it by name).
extern "C" __attribute__((visibility("default")))
const tern_transport_plugin tern_transport_plugin_v1 = {TERN_HAL_ABI, "rtl", tern_rtl_hal_open};
