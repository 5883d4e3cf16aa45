// SPDX-License-Identifier: Apache-2.0
// Verilator bench of a board's memory path (rtl/tern_board_memctl.v with rtl/tern_board_mem.v,
// top sim/rtl/memctl_tb_top.v): an AXI4 master playing the device and a bridge master
// playing the UART bridge, both at random against a shadow copy of the RAM.
//
//   +seed=S  +cycles=N (random phase, default 200000)  +vcd=FILE
// The build sets the RAM's read pipeline (-GOUT_REGS=n and -DTB_OUT_REGS=n): 0 is the small
// boards' hold-in-the-RAM mode, more is the queue mode (rtl/tern_board_memctl.v).
//
// Checks: every read beat's data (against the shadow; not defined for SLVERR beats), RRESP (SLVERR exactly for bursts
// at or above the RAM), RLAST on exactly the last beat of each burst, R payload stable while RREADY is low, no beat or
// write response nobody asked for, write strobes (bytes outside them unchanged), out-of-range writes changing nothing,
// bridge reads answered 1 + OUT_REGS cycles after their grant with the data at their grant (for a word with a device
// write accepted and not yet answered on B, the word before or after that write: AXI orders the write for others only
// from its response, and the controller's write buffer may hold it while the bridge reads), and every request finishing
// (no hang). Random RREADY/BREADY back-pressure, bursts of 1..16 beats up to 4 KB boundaries, back-to-back bursts. The
// device reads a region nobody writes during the random phase (its RAM read happens up to three cycles before the beat,
// which the bench cannot see); the device writes and the bridge writes go to regions of their own, read back at the
// end.
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <vector>

#include "Vmemctl_tb_top.h"
#include "tb.h"
#include "tern_test.h"

#ifndef TB_OUT_REGS
#define TB_OUT_REGS 0
#endif
#ifndef TB_REQ_REG
#define TB_REQ_REG 0
#endif
// cycles from a bridge grant to its read data
#define TB_BR_LAT (TB_OUT_REGS + (TB_OUT_REGS == 0 ? TB_REQ_REG : 0))

namespace {

// The RAM's size (-GWORDS=n and -DTB_WORDS=n; 1024 unless the build says otherwise: larger
// sizes exercise the banks of a piped tern_board_mem). The regions scale with it.
#ifndef TB_WORDS
#define TB_WORDS 1024
#endif
const uint32_t kWords = TB_WORDS, kBytes = kWords * 8;
const uint32_t kRegR = 0, kRegW = kBytes / 2, kRegX = kBytes / 4 * 3;  // device reads, device writes, bridge writes

struct Burst {
  uint32_t addr, len;
  bool oob;
  uint32_t beat;
};

class Bench {
 public:
  Bench(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) : tb_(pa), t_(t), seed_(seed), rng_(seed) {
    shadow_.assign(kBytes, 0);
    auto *d = tb_.dut();
    d->axi_arvalid_i = d->axi_rready_i = d->axi_awvalid_i = d->axi_wvalid_i = d->axi_bready_i = 0;
    d->br_req_i = 0;
    tb_.reset(3);
  }
  uint64_t rnd() { return tern_rand_next(&rng_); }
  double uni() { return tb_uniform(&rng_); }
  bool failed() const { return t_->failed; }
  void fail(const std::string &why) {
    if (!t_->failed) tern_test_fail(t_, "%s (cycle %" PRIu64 ", seed=%" PRIu64 ")", why.c_str(), tb_.cycle(), seed_);
  }
  bool idle() const {
    return ar_.empty() && r_.empty() && !w_valid_ && b_.empty() && br_state_ == 0 && br_todo_.empty();
  }

  // traffic generators -------------------------------------------------------------------------
  void queue_read(bool oob) {
    uint32_t len = (uint32_t)(rnd() % 16), addr;
    if (oob) {  // at or above the RAM, the burst inside one 4 KB page
      addr = ((rnd() & 1) ? kBytes : 0x80000000u) + 4096 * (uint32_t)(rnd() % 4) + 8 * (uint32_t)(rnd() % (512 - 16));
    } else {
      uint32_t w = (uint32_t)(rnd() % (kRegW / 8));
      uint32_t page_left = 512 - w % 512;
      if (len + 1 > page_left) len = page_left - 1;
      if (w + len >= kRegW / 8) len = kRegW / 8 - 1 - w;
      addr = kRegR + 8 * w;
    }
    ar_.push_back({addr, len, oob, 0});
  }
  void queue_write(bool oob) {
    w_valid_ = true;
    w_addr_ = oob ? kBytes + 8 * (uint32_t)(rnd() % 64) : kRegW + 8 * (uint32_t)(rnd() % ((kRegX - kRegW) / 8));
    w_data_ = rnd();
    w_strb_ = (uint8_t)(rnd() % 256);
    w_oob_ = oob;
  }
  struct BrOp {
    bool we;
    uint32_t addr;
    uint64_t data;
    uint8_t strb;
  };
  void queue_bridge(bool we, uint32_t addr, uint64_t data = 0, uint8_t strb = 0xFF) {
    br_todo_.push_back({we, addr, data, strb});
  }

  // one clock ------------------------------------------------------------------------------------
  void step() {
    auto *d = tb_.dut();
    d->axi_arvalid_i = !ar_.empty();
    if (!ar_.empty()) d->axi_araddr_i = ar_.front().addr, d->axi_arlen_i = (uint8_t)ar_.front().len;
    d->axi_rready_i = uni() < p_rready;
    d->axi_awvalid_i = d->axi_wvalid_i = w_valid_;
    d->axi_awaddr_i = w_addr_;
    d->axi_wdata_i = w_data_;
    d->axi_wstrb_i = w_strb_;
    d->axi_bready_i = uni() < p_bready;
    if (br_state_ == 0 && !br_todo_.empty() && uni() < p_br) {
      br_cur_ = br_todo_.front();
      br_todo_.pop_front();
      br_state_ = 1;
    }
    d->br_req_i = br_state_ == 1;
    d->br_we_i = br_cur_.we;
    d->br_addr_i = br_cur_.addr;
    d->br_wdata_i = br_cur_.data;
    d->br_wstrb_i = br_cur_.strb;
    tb_.settle();

    // bridge read data (granted 1 + TB_OUT_REGS cycles ago)
    if (br_state_ == 2 && ++br_wait_ <= TB_BR_LAT) {
      if (d->br_rvalid_o) fail("a bridge read's data came early");
    } else if (br_state_ == 2) {
      if (!d->br_rvalid_o) {
        fail("a bridge read's data did not come 1 + OUT_REGS cycles after its grant");
      } else if (d->br_rdata_o == br_before_ && br_before_ != br_expect_) {
        br_before_seen_++;
      } else if (d->br_rdata_o != br_expect_) {
        fail(tb_format("bridge read of 0x%x: 0x%016" PRIx64 ", expected 0x%016" PRIx64, br_cur_.addr,
                       (uint64_t)d->br_rdata_o, br_expect_));
      }
      br_reads_++;
      br_state_ = 0;
    } else if (d->br_rvalid_o) {
      fail("br_rvalid_o with no bridge read waiting");
    }
    // R channel
    if (d->axi_rvalid_o) {
      if (r_.empty()) {
        fail("a read beat nobody asked for");
      } else {
        Burst &b = r_.front();
        uint64_t want = 0;
        if (!b.oob)
          for (int i = 0; i < 8; i++) want |= (uint64_t)shadow_[b.addr + 8 * b.beat + i] << (8 * i);
        const bool last = b.beat == b.len;
        if (held_ && (d->axi_rdata_o != held_data_ || d->axi_rlast_o != held_last_ || d->axi_rresp_o != held_resp_))
          fail("R payload changed while RREADY was low");
        if ((!b.oob && d->axi_rdata_o != want) || d->axi_rresp_o != (b.oob ? 2 : 0) || d->axi_rlast_o != last)
          fail(tb_format("burst at 0x%x len %u beat %u: data 0x%016" PRIx64 " resp %u last %u; expected 0x%016" PRIx64
                         " resp %u last %u",
                         b.addr, b.len, b.beat, (uint64_t)d->axi_rdata_o, d->axi_rresp_o, d->axi_rlast_o, want,
                         b.oob ? 2 : 0, last));
        held_ = !d->axi_rready_i;
        held_data_ = d->axi_rdata_o, held_last_ = d->axi_rlast_o, held_resp_ = d->axi_rresp_o;
        if (d->axi_rready_i) {
          beats_++;
          if (++b.beat > b.len) r_.pop_front(), bursts_++;
        }
      }
    } else {
      if (held_) fail("RVALID dropped before RREADY");
      held_ = false;
    }
    // AR
    if (d->axi_arvalid_i && d->axi_arready_o) {
      r_.push_back(ar_.front());
      ar_.pop_front();
    }
    // B
    if (d->axi_bvalid_o && d->axi_bready_i) {
      if (b_.empty())
        fail("a write response nobody asked for");
      else if (d->axi_bresp_o != (b_.front() ? 2 : 0))
        fail(tb_format("BRESP %u, expected %u", d->axi_bresp_o, b_.front() ? 2 : 0));
      if (!b_.empty()) b_.pop_front();
      w_open_ = false;
    }
    // AW + W (the controller takes both together)
    if (w_valid_ && (d->axi_awready_o || d->axi_wready_o)) {
      if (!(d->axi_awready_o && d->axi_wready_o)) fail("AWREADY and WREADY differ");
      if (!w_oob_) {
        w_open_ = true, w_open_addr_ = w_addr_, w_open_before_ = word(w_addr_);
        for (int i = 0; i < 8; i++)
          if (w_strb_ >> i & 1) shadow_[w_addr_ + i] = (uint8_t)(w_data_ >> (8 * i));
      }
      b_.push_back(w_oob_);
      w_valid_ = false;
      writes_++;
    }
    // bridge grant
    if (br_state_ == 1 && d->br_gnt_o) {
      if (br_cur_.we) {
        for (int i = 0; i < 8; i++)
          if (br_cur_.strb >> i & 1) shadow_[br_cur_.addr + i] = (uint8_t)(br_cur_.data >> (8 * i));
        br_state_ = 0;
      } else {
        br_expect_ = word(br_cur_.addr);
        br_before_ = (w_open_ && w_open_addr_ == br_cur_.addr) ? w_open_before_ : br_expect_;
        br_state_ = 2;
        br_wait_ = 0;
      }
    } else if (br_state_ == 1 && !d->br_req_i) {
      fail("bridge request lost");
    }
    tb_.tick();
  }

  uint64_t word(uint32_t addr) const {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)shadow_[addr + i] << (8 * i);
    return v;
  }

  // write the whole RAM through the bridge, as the driver does through the UART
  void load() {
    for (uint32_t a = 0; a < kBytes; a += 8) queue_bridge(true, a, rnd());
    p_br = 1.0;
    drain(20 * kWords);
  }

  // run until everything queued is done, or fail after a budget
  void drain(uint64_t budget) {
    const uint64_t start = tb_.cycle();
    while (!idle() && !failed()) {
      step();
      if (tb_.cycle() - start > budget) {
        fail(tb_format("hang: %zu bursts, %zu responses, %zu bridge ops outstanding", ar_.size() + r_.size(), b_.size(),
                       br_todo_.size() + (br_state_ ? 1 : 0)));
        return;
      }
    }
  }

  double p_rready = 0.7, p_bready = 0.7, p_br = 0.3;
  uint64_t beats_ = 0, bursts_ = 0, writes_ = 0, br_reads_ = 0;
  uint64_t br_before_seen_ = 0;  // bridge reads that saw a word before its open device write
  std::vector<uint8_t> shadow_;
  std::deque<Burst> ar_, r_;
  std::deque<bool> b_;
  std::deque<BrOp> br_todo_;
  Testbench<Vmemctl_tb_top> tb_;

 private:
  tern_test_ctx *t_;
  uint64_t seed_, rng_;
  bool w_valid_ = false, w_oob_ = false;
  uint32_t w_addr_ = 0;
  uint64_t w_data_ = 0;
  uint8_t w_strb_ = 0;
  int br_state_ = 0;  // 0 idle, 1 requesting, 2 read granted (data 1 + TB_OUT_REGS cycles later)
  int br_wait_ = 0;
  BrOp br_cur_{};
  uint64_t br_expect_ = 0, br_before_ = 0;
  bool w_open_ = false;  // a device write accepted, its response not yet taken
  uint32_t w_open_addr_ = 0;
  uint64_t w_open_before_ = 0;
  bool held_ = false, held_last_ = false;
  uint64_t held_data_ = 0;
  uint8_t held_resp_ = 0;
};

void case_random(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "memctl/random");
  Bench b(pa, t, seed);
  b.load();
  const uint64_t cycles = pa.num("cycles", 200000);
  for (uint64_t c = 0; c < cycles && !b.failed(); c++) {
    // phases of back-pressure: none, some, heavy
    if (c % 20000 == 0) {
      const double p[3] = {1.0, 0.7, 0.15};
      b.p_rready = p[(c / 20000) % 3];
      b.p_bready = p[(c / 20000 + 1) % 3];
      b.p_br = (c / 20000) % 2 ? 0.05 : 0.5;
    }
    if (b.ar_.size() < 3 && b.uni() < 0.3) b.queue_read(b.uni() < 0.05);
    if (b.idle() || b.uni() < 0.02) {
      if (b.uni() < 0.5) b.queue_write(b.uni() < 0.05);
    }
    if (b.br_todo_.size() < 2 && b.uni() < 0.01) {
      uint32_t w = (uint32_t)(b.rnd() % (kWords - kRegX / 8));
      if (b.uni() < 0.5)
        b.queue_bridge(true, kRegX + 8 * w, b.rnd(), (uint8_t)(b.rnd() % 256));
      else
        b.queue_bridge(false, (uint32_t)(8 * (b.rnd() % kWords)));
    }
    b.step();
  }
  b.drain(100000);
  // read back every word through the bridge (device-written and bridge-written regions included)
  b.p_br = 1.0;
  for (uint32_t a = 0; a < kBytes && !b.failed(); a += 8) b.queue_bridge(false, a);
  b.drain(20 * kWords);
  std::printf("memctl/random: %" PRIu64 " read beats in %" PRIu64 " bursts, %" PRIu64 " device writes, %" PRIu64
              " bridge reads (%" PRIu64 " before an open device write), %" PRIu64 " cycles, seed %" PRIu64 "\n",
              b.beats_, b.bursts_, b.writes_, b.br_reads_, b.br_before_seen_, b.tb_.cycle(), seed);
  if (!b.failed() && (b.bursts_ < 100 || b.writes_ < 100)) b.fail("too little traffic to mean anything");
  tern_test_end(t);
}

// Full speed: back-to-back bursts with RREADY always high stream one beat per cycle (with the
// RAM's read held in its output register, OUT_REGS = 0: one beat every two cycles).
void case_streaming(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "memctl/streaming");
  Bench b(pa, t, seed);
  b.load();
  b.p_rready = 1.0;
  for (uint32_t a = 0; a < 4096; a += 8 * 16) b.ar_.push_back({a, 15, false, 0});
  const uint64_t start = b.tb_.cycle();
  b.drain(10000);
  const uint64_t cycles = b.tb_.cycle() - start, beats = 4096 / 8;
  // latency: address slot, then one RAM cycle, then the queue: a few cycles beyond one per beat
  // hold mode: one beat every 2 + REQ_REG cycles
  const uint64_t gaps = TB_OUT_REGS == 0 ? (1 + TB_REQ_REG) * beats + beats / 16 : 0;
  if (!b.failed() && cycles > beats + gaps + 6 + TB_BR_LAT)
    b.fail(tb_format("%" PRIu64 " beats took %" PRIu64 " cycles (expected one per cycle, plus a few)", beats, cycles));
  std::printf("memctl/streaming: %" PRIu64 " beats in %" PRIu64 " cycles\n", beats, cycles);
  tern_test_end(t);
}

}  // namespace

int main(int argc, char **argv) {
  Plusargs pa(argc, argv);
  Verilated::commandArgs(argc, argv);
  uint64_t seed = pa.has("seed") ? pa.num("seed", 0) : (uint64_t)time(nullptr);
  tern_test_ctx t = {};
  case_streaming(pa, &t, seed);
  case_random(pa, &t, seed);
  return tern_test_exit(&t);
}
