/* SPDX-License-Identifier: Apache-2.0 */
// DeviceSim: rtl/tern_device.v under Verilator with its memory (AxiMem, axi_mem.h) and an
// AXI4-Lite master for the CSRs: the rtl transport runs the device with it, and the device
// bench (sim/verilator/device_tb.cpp) too. Needs the Verilated model Vtern_device
// (`--top-module tern_device`).
//
//   DeviceSim sim(mem, size, cfg, seed);  // device over mem[0..size) (the caller's bytes; size a
//                                         // multiple of 8), memory model cfg (AxiMemConfig),
//                                         // seed for the CSR bus's random delays. The device is
//                                         // reset by the constructor. Optional 5th argument:
//                                         // const Plusargs * for +vcd=FILE / +coverage=PFX.
//   int  sim.reg_read(off, &val)          // AXI4-Lite read at byte offset off: returns RRESP
//                                         // (0 OKAY, 2 SLVERR) or -1 if it did not complete
//                                         // within 1000 cycles (val is then 0)
//   int  sim.reg_write(off, val[, strb[, timeout]])  // AXI4-Lite write: returns BRESP (0, 2) or -1
//                                         // if it did not complete within timeout cycles (1000)
//   bool sim.irq()                        // irq_o now
//   void sim.step(n = 1)                  // n clock cycles, CSR bus idle (the device runs)
//   bool sim.run_until_irq(max_cycles)    // step until irq_o is 1: true, or false after max_cycles
//   uint64_t sim.cycles()                 // clock cycles since construction (reset ones included)
//   void sim.reset(n = 4)                 // rst_ni low for n cycles; the memory model drops
//                                         // every transaction in flight
//   AxiMem &sim.mem()                     // memory model: stats(), violation(), configure(),
//                                         // add_error_range(), add_tag()/tag_bytes(), idle()
//   AxiMem &sim.wmem()                    // the weight port's memory model (the same bytes; beats
//                                         // of TERN_VDEV_WPORT_BYTES, the device's WPORT_BYTES,
//                                         // defined when the model was Verilated with it; idle
//                                         // without). The calls below act on both models:
//   sim.configure_mem(cfg), sim.add_error_range(lo, hi, resp), sim.clear_error_ranges(),
//   sim.mem_idle(), sim.mem_violation() ("" or the first protocol fault of either port)
//   void sim.wmem_load(image, lo, hi, rows, slice)  // the weight memory (tern_device WMEM_WORDS):
//                                         // writes every row slice (slice bytes, rows a beat)
//                                         // of the beats that bytes [lo, hi) of the weight
//                                         // memory's image touch, one a cycle through wm_*
//   void sim.set_lite(LiteConfig)         // random VALID delays (0..max_delay cycles) on AW, W, AR
//                                         // and READY probability on B, R (default: none, 1.0)
//   const std::string &sim.lite_violation()  // "" or the first AXI4-Lite protocol fault seen
//                                         // (a response without a request, RVALID/BVALID dropped
//                                         // or RDATA/RRESP/BRESP changed before READY)
//   void sim.open_vcd(path)               // waveform from now on (bench built with --trace)
//   void sim.set_cycle_hook(fn, arg)      // fn(arg) after every clock edge (nullptr: none)
//   Vtern_device *sim.dut()               // the model, for direct peeking
//
// Each cycle: AxiMem::drive() -> device inputs -> eval -> device outputs -> AxiMem::commit()
// and the CSR handshakes -> clock edge (tb.h's Testbench::tick()).
#ifndef TERN_DEVICE_SIM_H
#define TERN_DEVICE_SIM_H

#include <cstdint>
#include <string>

#include "Vtern_device.h"
#include "axi_mem.h"
#include "verilated.h"
#include "vtb.h"
#include "tern_rng.h"

#ifndef TERN_VDEV_WPORT_BYTES
#define TERN_VDEV_WPORT_BYTES 0
#endif

class DeviceSim {
 public:
  static constexpr unsigned kWportBeat = TERN_VDEV_WPORT_BYTES ? TERN_VDEV_WPORT_BYTES : 8;
  struct LiteConfig {
    unsigned max_delay = 0;  // AW/W/AR VALID raised after 0..max_delay cycles (uniform)
    double p_ready = 1.0;    // BREADY/RREADY probability per cycle
  };
  static constexpr uint64_t kLiteTimeout = 1000;

  DeviceSim(uint8_t *mem, size_t size, const AxiMemConfig &cfg, uint64_t seed, const Plusargs *pa = nullptr)
      : tb_(pa ? *pa : no_args()),
        mem_(mem, size, cfg),
        wmem_(mem, size, wcfg(cfg), kWportBeat),
        rng_(seed ^ 0x6C69746542555321ull) {
    reset();
  }

  Vtern_device *dut() { return tb_.dut(); }
  AxiMem &mem() { return mem_; }
  const AxiMem &mem() const { return mem_; }
  AxiMem &wmem() { return wmem_; }
  const AxiMem &wmem() const { return wmem_; }
  void configure_mem(const AxiMemConfig &c) {
    mem_.configure(c);
    wmem_.configure(wcfg(c));
  }
  void add_error_range(uint64_t lo, uint64_t hi, uint8_t resp = AxiMem::kSlverr) {
    mem_.add_error_range(lo, hi, resp);
    wmem_.add_error_range(lo, hi, resp);
  }
  void clear_error_ranges() {
    mem_.clear_error_ranges();
    wmem_.clear_error_ranges();
  }
  bool mem_idle() const { return mem_.idle() && wmem_.idle(); }
  std::string mem_violation() const {
    if (!mem_.ok()) return mem_.violation();
    if (!wmem_.ok()) return "weight port: " + wmem_.violation();
    return "";
  }
  uint64_t cycles() const { return tb_.cycle(); }
  bool irq() { return tb_.dut()->irq_o; }
  void set_lite(const LiteConfig &c) { lite_ = c; }
  const LiteConfig &lite() const { return lite_; }
  const std::string &lite_violation() const { return lite_violation_; }
  void open_vcd(const std::string &path) { tb_.open_vcd(path); }
  // fn(arg) after every clock edge from now on (the driver's toggle counter); nullptr: none.
  void set_cycle_hook(void (*fn)(void *), void *arg) { hook_ = fn, hook_arg_ = arg; }

  void reset(int n = 4) {
    auto *d = tb_.dut();
    lite_idle();
    d->axi_arready_i = d->axi_rvalid_i = d->axi_awready_i = d->axi_wready_i = d->axi_bvalid_i = 0;
    d->axi_rdata_i = 0;
    d->axi_rresp_i = d->axi_bresp_i = 0;
    d->axi_rlast_i = 0;
    d->axiw_arready_i = d->axiw_rvalid_i = d->axiw_rlast_i = 0;
    d->axiw_rresp_i = 0;
    d->wm_we_i = 0;
    wports_ = AxiPorts();
    set_rdata(d->axiw_rdata_i, wports_);
    mem_.reset();
    wmem_.reset();
    // tb_.reset(n), checking that no AXI VALID is high after the first edge (except at power-on:
    // the model's first edge is not seen as one)
    const bool powered = tb_.cycle() > 0;
    d->rst_ni = 0;
    for (int i = 0; i < n; i++) {
      tb_.tick();
      if (powered && (d->axi_arvalid_o || d->axi_awvalid_o || d->axi_wvalid_o || d->axiw_arvalid_o)) reset_loud_ = true;
    }
    d->rst_ni = 1;
    d->eval();
    mem_.skip((uint64_t)n);
    wmem_.skip((uint64_t)n);
  }

  // An AXI VALID was high in reset after its first clock edge (AXI4 wants them low), ever.
  bool reset_loud() const { return reset_loud_; }

  void step(uint64_t n = 1) {
    lite_idle();
    for (uint64_t i = 0; i < n; i++) {
      pre_edge();
      lite_check_idle();
      tick();
    }
  }

  void wmem_load(const uint8_t *image, uint64_t lo, uint64_t hi, unsigned rows, unsigned slice) {
    auto *d = tb_.dut();
    const uint64_t beat = (uint64_t)rows * slice;
    if (hi <= lo || beat == 0) return;
    lite_idle();
    for (uint64_t w = lo / beat; w * beat < hi; w++)
      for (unsigned r = 0; r < rows; r++) {
        const uint64_t at = w * beat + (uint64_t)r * slice;
        if (at + slice <= lo || at >= hi) continue;
        d->wm_we_i = 1;
        d->wm_row_i = r;
        d->wm_word_i = (uint32_t)w;
        tb_put_bytes(d->wm_data_i, image + at, slice);
        pre_edge();
        lite_check_idle();
        tick();
      }
    d->wm_we_i = 0;
  }

  bool run_until_irq(uint64_t max_cycles) {
    lite_idle();
    for (uint64_t i = 0; i < max_cycles; i++) {
      if (tb_.dut()->irq_o) return true;
      pre_edge();
      lite_check_idle();
      tick();
    }
    return tb_.dut()->irq_o;
  }

  int reg_write(uint32_t off, uint32_t val, unsigned strb = 0xF, uint64_t timeout = kLiteTimeout) {
    auto *d = tb_.dut();
    unsigned aw_delay = delay(), w_delay = delay();
    bool aw_done = false, w_done = false;
    for (uint64_t n = 0; n < timeout; n++) {
      d->axil_awvalid_i = !aw_done && aw_delay == 0;
      d->axil_awaddr_i = d->axil_awvalid_i ? (off & 0xFFF) : junk() & 0xFFF;
      d->axil_wvalid_i = !w_done && w_delay == 0;
      d->axil_wdata_i = d->axil_wvalid_i ? val : (uint32_t)junk();
      d->axil_wstrb_i = d->axil_wvalid_i ? (strb & 0xF) : junk() & 0xF;
      d->axil_arvalid_i = 0;
      d->axil_araddr_i = junk() & 0xFFF;
      d->axil_bready_i = ready();
      d->axil_rready_i = ready();
      pre_edge();
      const bool aw_hs = d->axil_awvalid_i && d->axil_awready_o;
      const bool w_hs = d->axil_wvalid_i && d->axil_wready_o;
      const bool b_hs = d->axil_bvalid_o && d->axil_bready_i;
      if (d->axil_rvalid_o) lite_fault("RVALID without a read");
      if (d->axil_bvalid_o && (!aw_done || !w_done)) lite_fault("BVALID before the write's AW and W were accepted");
      check_b_stable();
      const int bresp = d->axil_bresp_o;
      tick();
      if (aw_hs) aw_done = true;
      if (w_hs) w_done = true;
      if (b_hs) {
        lite_idle();
        return bresp;
      }
      if (aw_delay) aw_delay--;
      if (w_delay) w_delay--;
    }
    lite_idle();
    return -1;
  }

  int reg_read(uint32_t off, uint32_t *val) {
    auto *d = tb_.dut();
    unsigned ar_delay = delay();
    bool ar_done = false;
    *val = 0;
    for (uint64_t n = 0; n < kLiteTimeout; n++) {
      d->axil_awvalid_i = d->axil_wvalid_i = 0;
      d->axil_awaddr_i = junk() & 0xFFF;
      d->axil_wdata_i = (uint32_t)junk();
      d->axil_arvalid_i = !ar_done && ar_delay == 0;
      d->axil_araddr_i = d->axil_arvalid_i ? (off & 0xFFF) : junk() & 0xFFF;
      d->axil_bready_i = ready();
      d->axil_rready_i = ready();
      pre_edge();
      const bool ar_hs = d->axil_arvalid_i && d->axil_arready_o;
      const bool r_hs = d->axil_rvalid_o && d->axil_rready_i;
      if (d->axil_bvalid_o) lite_fault("BVALID without a write");
      if (d->axil_rvalid_o && !ar_done) lite_fault("RVALID before the read's AR was accepted");
      check_r_stable();
      const uint32_t rdata = d->axil_rdata_o;
      const int rresp = d->axil_rresp_o;
      tick();
      if (ar_hs) ar_done = true;
      if (r_hs) {
        lite_idle();
        *val = rdata;
        return rresp;
      }
      if (ar_delay) ar_delay--;
    }
    lite_idle();
    return -1;
  }

 private:
  static const Plusargs &no_args() {
    static const Plusargs none(0, nullptr);
    return none;
  }

  void tick() {
    tb_.tick();
    if (hook_) hook_(hook_arg_);
  }

  // The weight port's model: its own throttling random numbers.
  static AxiMemConfig wcfg(AxiMemConfig c) {
    c.seed ^= 0x77706F7274ull;
    return c;
  }
  // R data of the weight port: 64 bits (no wide profile) or a VlWide of 32-bit words.
  static void set_rdata(uint64_t &dst, const AxiPorts &q) { dst = q.rdata; }
  template <std::size_t N>
  static void set_rdata(VlWide<N> &dst, const AxiPorts &q) {
    for (std::size_t i = 0; i < N; i++)
      dst[i] = (uint32_t)q.rwide[4 * i] | (uint32_t)q.rwide[4 * i + 1] << 8 | (uint32_t)q.rwide[4 * i + 2] << 16 |
               (uint32_t)q.rwide[4 * i + 3] << 24;
  }

  // Memory side of one cycle, up to (not including) the edge.
  void pre_edge() {
    auto *d = tb_.dut();
    AxiPorts &p = ports_, &q = wports_;
    mem_.drive(p);
    wmem_.drive(q);
    d->axiw_arready_i = q.arready;
    d->axiw_rvalid_i = q.rvalid;
    set_rdata(d->axiw_rdata_i, q);
    d->axiw_rresp_i = q.rresp;
    d->axiw_rlast_i = q.rlast;
    d->axi_arready_i = p.arready;
    d->axi_rvalid_i = p.rvalid;
    d->axi_rdata_i = p.rdata;
    d->axi_rresp_i = p.rresp;
    d->axi_rlast_i = p.rlast;
    d->axi_awready_i = p.awready;
    d->axi_wready_i = p.wready;
    d->axi_bvalid_i = p.bvalid;
    d->axi_bresp_i = p.bresp;
    tb_.settle();
    p.arvalid = d->axi_arvalid_o;
    if (p.arvalid) {
      p.araddr = d->axi_araddr_o;
      p.arlen = d->axi_arlen_o;
      p.arsize = d->axi_arsize_o;
      p.arburst = d->axi_arburst_o;
    }
    p.rready = d->axi_rready_o;
    p.awvalid = d->axi_awvalid_o;
    if (p.awvalid) {
      p.awaddr = d->axi_awaddr_o;
      p.awlen = d->axi_awlen_o;
      p.awsize = d->axi_awsize_o;
      p.awburst = d->axi_awburst_o;
    }
    p.wvalid = d->axi_wvalid_o;
    if (p.wvalid) {
      p.wdata = d->axi_wdata_o;
      p.wstrb = d->axi_wstrb_o;
      p.wlast = d->axi_wlast_o;
    }
    p.bready = d->axi_bready_o;
    mem_.commit(p);
    q.arvalid = d->axiw_arvalid_o;
    if (q.arvalid) {
      q.araddr = d->axiw_araddr_o;
      q.arlen = d->axiw_arlen_o;
      q.arsize = d->axiw_arsize_o;
      q.arburst = d->axiw_arburst_o;
    }
    q.rready = d->axiw_rready_o;
    wmem_.commit(q);
  }

  void lite_idle() {
    auto *d = tb_.dut();
    d->axil_awvalid_i = d->axil_wvalid_i = d->axil_arvalid_i = 0;
    d->axil_bready_i = d->axil_rready_i = 0;
    b_seen_ = r_seen_ = false;
  }
  // While no transaction is outstanding, the slave must not answer.
  void lite_check_idle() {
    auto *d = tb_.dut();
    if (d->axil_bvalid_o) lite_fault("BVALID without a write");
    if (d->axil_rvalid_o) lite_fault("RVALID without a read");
  }
  void check_b_stable() {
    auto *d = tb_.dut();
    if (b_seen_ && (!d->axil_bvalid_o || d->axil_bresp_o != b_resp_))
      lite_fault("BVALID or BRESP changed before BREADY");
    b_seen_ = d->axil_bvalid_o && !d->axil_bready_i;
    b_resp_ = d->axil_bresp_o;
  }
  void check_r_stable() {
    auto *d = tb_.dut();
    if (r_seen_ && (!d->axil_rvalid_o || d->axil_rdata_o != r_data_ || d->axil_rresp_o != r_resp_))
      lite_fault("RVALID, RDATA or RRESP changed before RREADY");
    r_seen_ = d->axil_rvalid_o && !d->axil_rready_i;
    r_data_ = d->axil_rdata_o;
    r_resp_ = d->axil_rresp_o;
  }
  void lite_fault(const char *what) {
    if (lite_violation_.empty()) lite_violation_ = tb_format("%s (cycle %llu)", what, (unsigned long long)tb_.cycle());
  }
  unsigned delay() {
    if (lite_.max_delay == 0) return 0;
    return (unsigned)(tern_rand_next(&rng_) % (lite_.max_delay + 1));
  }
  bool ready() { return lite_.p_ready >= 1.0 || tb_uniform(&rng_) < lite_.p_ready; }
  uint64_t junk() { return lite_.max_delay ? tern_rand_next(&rng_) : 0; }

  Testbench<Vtern_device> tb_;
  AxiMem mem_, wmem_;
  AxiPorts ports_, wports_;
  uint64_t rng_;
  LiteConfig lite_;
  std::string lite_violation_;
  void (*hook_)(void *) = nullptr;
  void *hook_arg_ = nullptr;
  bool b_seen_ = false, r_seen_ = false;
  bool reset_loud_ = false;
  uint8_t b_resp_ = 0, r_resp_ = 0;
  uint32_t r_data_ = 0;
};

#endif  // TERN_DEVICE_SIM_H
