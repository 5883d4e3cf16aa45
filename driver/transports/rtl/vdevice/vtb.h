/* SPDX-License-Identifier: Apache-2.0 */
// The clock of a Verilated model: context, clock, synchronous reset, VCD tracing, plusargs
// (Testbench<Model>, Plusargs), printf into a std::string, and byte strings in and out of ports
// of any width (tb_put_bytes, tb_get_bytes). Part of the rtl transport's
// vdevice library (device_sim.h runs the device top with it); the benches in sim/verilator/
// build on it through sim/verilator/tb.h, which adds the bench-only helpers.
//
// Plusargs understood by every model run with it:
//   +vcd=FILE      dump a VCD of the whole run (or only of the replayed job, see the bench)
//   +coverage=PFX  (coverage builds) write PFX.<pid>.<n>.dat when each model is destroyed
#ifndef TERN_VTB_H
#define TERN_VTB_H

#include <verilated.h>
#if VM_TRACE
#include <verilated_vcd_c.h>
#endif

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include <unistd.h>

#include "tern_rng.h"

// printf into a std::string (messages of failing checks).
inline std::string tb_format(const char *f, ...) __attribute__((format(printf, 1, 2)));
inline std::string tb_format(const char *f, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

// Uniform double in [0, 1) from a splitmix64 state (tern_rng.h).
inline double tb_uniform(uint64_t *state) { return (double)(tern_rand_next(state) >> 11) * (1.0 / 9007199254740992.0); }

// Plusargs as a map: "+name=value" -> {name: value}, "+name" -> {name: ""}.
class Plusargs {
 public:
  Plusargs(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
      if (argv[i][0] != '+') continue;
      std::string a(argv[i] + 1);
      size_t eq = a.find('=');
      if (eq == std::string::npos)
        args_[a] = "";
      else
        args_[a.substr(0, eq)] = a.substr(eq + 1);
    }
  }
  bool has(const std::string &k) const { return args_.count(k) != 0; }
  std::string str(const std::string &k, const std::string &dflt) const {
    auto it = args_.find(k);
    return it == args_.end() ? dflt : it->second;
  }
  uint64_t num(const std::string &k, uint64_t dflt) const {
    auto it = args_.find(k);
    return it == args_.end() ? dflt : std::strtoull(it->second.c_str(), nullptr, 0);
  }
  double real(const std::string &k, double dflt) const {
    auto it = args_.find(k);
    return it == args_.end() ? dflt : std::strtod(it->second.c_str(), nullptr);
  }

 private:
  std::map<std::string, std::string> args_;
};

// Owns the context, the model and the VCD. The model must have clk_i and rst_ni.
template <class Model>
class Testbench {
 public:
  explicit Testbench(const Plusargs &pa) : ctx_(new VerilatedContext), cycle_(0) {
    ctx_->randReset(2);  // randomise initial state: reset must clear everything that matters
    dut_.reset(new Model(ctx_.get()));
    std::string vcd = pa.str("vcd", "");
    if (!vcd.empty()) open_vcd(vcd);
    coverage_prefix_ = pa.str("coverage", "");
  }
  ~Testbench() {
    close_vcd();
    dut_->final();
#if VM_COVERAGE
    // Counters live in the model, so they are written before it goes away.
    if (!coverage_prefix_.empty()) {
      static unsigned instance = 0;
      std::string path = coverage_prefix_ + "." + std::to_string(getpid()) + "." + std::to_string(instance++) + ".dat";
      ctx_->coveragep()->write(path.c_str());
    }
#endif
  }

  Model *dut() { return dut_.get(); }
  VerilatedContext *context() { return ctx_.get(); }
  uint64_t cycle() const { return cycle_; }

#if VM_TRACE
  void open_vcd(const std::string &path) {
    ctx_->traceEverOn(true);
    vcd_.reset(new VerilatedVcdC);
    dut_->trace(vcd_.get(), 99);
    vcd_->open(path.c_str());
  }
  void close_vcd() {
    if (vcd_) {
      vcd_->close();
      vcd_.reset();
    }
  }
#else
  void open_vcd(const std::string &) { std::fprintf(stderr, "this bench was built without --trace: no VCD\n"); }
  void close_vcd() {}
#endif

  // Settle combinational outputs for the inputs set so far (before sampling handshakes).
  void settle() { dut_->eval(); }

  // One full clock cycle: rising edge, then falling edge; inputs change after it.
  // (The previous tick left clk_i at 0 and evaluated; the rising-edge eval settles the new
  // inputs before the edge, so a separate eval is needed only to dump them.)
  void tick() {
#if VM_TRACE
    if (vcd_) {
      dut_->eval();
      vcd_->dump(10 * cycle_);
    }
#endif
    dut_->clk_i = 1;
    dut_->eval();
#if VM_TRACE
    if (vcd_) vcd_->dump(10 * cycle_ + 5);
#endif
    dut_->clk_i = 0;
    dut_->eval();
    cycle_++;
  }

  // Hold rst_ni low for n cycles (synchronous reset).
  void reset(int n = 2) {
    dut_->rst_ni = 0;
    for (int i = 0; i < n; i++) tick();
    dut_->rst_ni = 1;
    dut_->eval();
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> dut_;
#if VM_TRACE
  std::unique_ptr<VerilatedVcdC> vcd_;
#endif
  uint64_t cycle_;
  std::string coverage_prefix_;
};

// Ports of up to 64 bits are integers in Verilator; wider ones are VlWide<words>.
template <typename T>
inline void tb_put_bytes(T &port, const uint8_t *bytes, size_t nbytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < nbytes && i < 8; i++) v |= (uint64_t)bytes[i] << (8 * i);
  port = (T)v;
}
template <std::size_t W>
inline void tb_put_bytes(VlWide<W> &port, const uint8_t *bytes, size_t nbytes) {
  for (size_t w = 0; w < W; w++) port[w] = 0;
  for (size_t i = 0; i < nbytes && i < 4 * W; i++) port[i / 4] |= (uint32_t)bytes[i] << (8 * (i % 4));
}
template <typename T>
inline void tb_get_bytes(const T &port, uint8_t *bytes, size_t nbytes) {
  uint64_t v = (uint64_t)port;
  for (size_t i = 0; i < nbytes; i++) bytes[i] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}
template <std::size_t W>
inline void tb_get_bytes(const VlWide<W> &port, uint8_t *bytes, size_t nbytes) {
  for (size_t i = 0; i < nbytes; i++) bytes[i] = i < 4 * W ? (uint8_t)(port[i / 4] >> (8 * (i % 4))) : 0;
}

#endif  // TERN_VTB_H
