/* SPDX-License-Identifier: Apache-2.0 */
// An AXI4 slave memory for a 64-bit master port (single ID, in-order responses), with
// latency, random throttling, error injection, strict protocol checks and statistics. A
// read-only port of wider beats (the device's weight port: 16 .. 128 bytes, a power of two)
// is the same model built with that beat: AxiMem(mem, size, cfg, beat); its R data is then
// AxiPorts::rwide (beat bytes, little endian) and its size check is log2(beat).
//
// It has no Verilator dependency: a harness copies the DUT's master outputs into an AxiPorts
// struct and the slave outputs back, around two calls per clock cycle that match how tb.h
// steps a clock (inputs set -> settle() -> sample handshakes -> tick()):
//
//   mem.drive(p);          // 1. slave outputs for the coming edge, from state only
//                          //    (p.arready, p.rvalid/rdata/rresp/rlast, p.awready, p.wready,
//                          //    p.bvalid/bresp); copy them to the DUT's inputs
//   tb.settle();           // 2. the DUT's combinational outputs for these inputs
//                          // 3. copy the DUT's master outputs into p (ar*, rready, aw*, w*, bready)
//   mem.commit(p);         // 4. the handshakes (valid && ready) of this edge take effect
//   tb.tick();             // 5. the edge
//
// The memory is the caller's: byte address a is mem[a], a < size; it owns nothing. Keep
// size a multiple of 8 so that "an 8-byte beat touching an address >= size" and "an access
// beyond the memory" (the C device model's rule, byte-exact) mean the same thing.
//
// Behaviour (AxiMemConfig):
//   - AR is accepted while fewer than max_reads bursts are outstanding (accepted, not fully
//     answered), on a cycle where the arready throttle says yes. The first R beat of a burst is
//     offered read_latency cycles after its AR handshake (at least 1: the cycle after); the
//     following beats back to back, each subject to the rvalid throttle. Once offered, RVALID
//     and its payload stay until RREADY (as AXI requires of a slave).
//   - AW is accepted while fewer than max_writes bursts are outstanding (AW accepted, B not
//     yet taken). W beats are accepted ahead of their AW (up to w_buffer of them). A burst's B
//     is offered write_latency cycles (at least 1) after its last W beat and its AW were both
//     accepted; BVALID then stays until BREADY.
//   - Throttles are per-cycle probabilities (1.0 = every cycle; then no random number is drawn)
//     from a splitmix64 state seeded by cfg.seed.
//   - Errors: a beat touching any address >= size answers DECERR (reads give 0, writes are
//     dropped); a beat overlapping a range of add_error_range(lo, hi, resp) answers resp the
//     same way (reads 0, writes dropped). A write burst's BRESP is the worst of its beats'.
//   - Protocol checks (the first violation is kept in violation(); the model carries on): a
//     burst crossing a 4 KB boundary, more than max_burst beats, size != 3 (8 bytes), burst
//     type != INCR, address not 8-aligned, WLAST not exactly on a burst's last beat, and a
//     VALID (AR, AW, W) dropped, or its payload changed, before its handshake.
//   - reset() drops every transaction in flight (a device reset); statistics, error ranges,
//     tags and the violation are kept (clear_stats(), clear_error_ranges(), clear_tags()).
#ifndef TERN_AXI_MEM_H
#define TERN_AXI_MEM_H

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "tern_rng.h"

// The port values of one cycle. Master -> slave fields are copied in from the DUT before
// commit(); slave -> master fields are written by drive().
struct AxiPorts {
  // master -> slave
  uint32_t araddr = 0;
  uint8_t arlen = 0, arsize = 0, arburst = 0;
  bool arvalid = false;
  bool rready = false;
  uint32_t awaddr = 0;
  uint8_t awlen = 0, awsize = 0, awburst = 0;
  bool awvalid = false;
  uint64_t wdata = 0;
  uint8_t wstrb = 0;
  bool wlast = false, wvalid = false;
  bool bready = false;
  // slave -> master
  bool arready = false;
  uint64_t rdata = 0;
  uint8_t rwide[128] = {};  // R data of a port with beats wider than 8 bytes
  uint8_t rresp = 0;
  bool rlast = false, rvalid = false;
  bool awready = false, wready = false;
  uint8_t bresp = 0;
  bool bvalid = false;
};

struct AxiMemConfig {
  unsigned read_latency = 1;   // cycles from an AR handshake to its first R beat (0 acts as 1)
  unsigned write_latency = 1;  // cycles from a burst's last W (with its AW) to BVALID (0 acts as 1)
  double p_arready = 1.0, p_rvalid = 1.0, p_awready = 1.0, p_wready = 1.0, p_bvalid = 1.0;
  unsigned max_reads = 4;    // read bursts outstanding (AR queue)
  unsigned max_writes = 4;   // write bursts outstanding (AW accepted, B not yet taken)
  unsigned w_buffer = 64;    // W beats accepted ahead of their AW
  unsigned max_burst = 256;  // longest legal burst in beats (protocol check)
  uint64_t seed = 1;         // throttling random numbers
};

struct AxiMemStats {
  uint64_t ar = 0, aw = 0;                                // address handshakes
  uint64_t r_beats = 0, w_beats = 0;                      // data handshakes
  uint64_t b = 0;                                         // write responses taken
  uint64_t r_err_beats = 0, b_err = 0;                    // R beats / B responses that were not OKAY
  uint64_t w_bytes = 0;                                   // bytes written to memory (strobed, not dropped)
  uint64_t w_before_aw = 0;                               // W beats accepted before their burst's AW
  uint64_t r_cycles = 0;                                  // cycles in which an R beat was transferred
  uint64_t first_r_cycle = UINT64_MAX, last_r_cycle = 0;  // of R beats (cycle())
  uint64_t first_w_cycle = UINT64_MAX, last_w_cycle = 0;  // of W beats
};

class AxiMem {
 public:
  static constexpr uint8_t kOkay = 0, kSlverr = 2, kDecerr = 3;

  AxiMem(uint8_t *mem, size_t size, const AxiMemConfig &cfg = AxiMemConfig(), unsigned beat = 8)
      : mem_(mem), size_(size), beat_(beat >= 8 && beat <= 128 && !(beat & (beat - 1)) ? beat : 8) {
    while ((1u << size_code_) < beat_) size_code_++;
    configure(cfg);
  }
  unsigned beat() const { return beat_; }

  // New latency / throttling / limits; in-flight transactions keep their schedule. The
  // random state is re-seeded from cfg.seed.
  void configure(const AxiMemConfig &cfg) {
    cfg_ = cfg;
    if (cfg_.max_reads == 0) cfg_.max_reads = 1;
    if (cfg_.max_writes == 0) cfg_.max_writes = 1;
    if (cfg_.w_buffer == 0) cfg_.w_buffer = 1;
    rng_ = cfg.seed;
    thr_arready_ = threshold(cfg.p_arready);
    thr_rvalid_ = threshold(cfg.p_rvalid);
    thr_awready_ = threshold(cfg.p_awready);
    thr_wready_ = threshold(cfg.p_wready);
    thr_bvalid_ = threshold(cfg.p_bvalid);
  }
  const AxiMemConfig &config() const { return cfg_; }

  // Beats overlapping [lo, hi) answer resp (kSlverr, kDecerr) and read 0 / are not written.
  void add_error_range(uint64_t lo, uint64_t hi, uint8_t resp = kSlverr) { errs_.push_back({lo, hi, resp}); }
  void clear_error_ranges() { errs_.clear(); }

  // Count the bytes of R beats that fall in [lo, hi); returns the tag's index for tag_bytes().
  int add_tag(uint64_t lo, uint64_t hi) {
    tags_.push_back({lo, hi, 0});
    return (int)tags_.size() - 1;
  }
  uint64_t tag_bytes(int tag) const { return tags_.at((size_t)tag).bytes; }
  void clear_tags() { tags_.clear(); }

  const AxiMemStats &stats() const { return st_; }
  void clear_stats() {
    st_ = AxiMemStats();
    for (auto &t : tags_) t.bytes = 0;
  }

  // "" while the master obeyed the protocol, else the first violation (with its cycle).
  const std::string &violation() const { return violation_; }
  bool ok() const { return violation_.empty(); }

  // Cycles committed so far (commit() and skip() count them).
  uint64_t cycle() const { return cycle_; }

  // Nothing in flight: no read or write burst, no buffered W beat, no response pending.
  bool idle() const { return reads_.empty() && writes_.empty() && wbuf_.empty() && bq_.empty(); }
  // What is in flight, for a hang report.
  std::string in_flight() const {
    char b[200];
    std::snprintf(
        b, sizeof b, "%zu read bursts (%s), %zu write bursts awaiting W, %zu W beats ahead of AW, %zu B pending",
        reads_.size(), r_held_ ? "R beat offered" : "no R beat offered", writes_.size(), wbuf_.size(), bq_.size());
    return b;
  }

  // Drop every transaction in flight (device reset); the slave outputs go idle.
  void reset() {
    reads_.clear();
    writes_.clear();
    wbuf_.clear();
    bq_.clear();
    r_held_ = b_held_ = false;
    ar_wait_ = aw_wait_ = w_wait_ = false;
  }

  // A cycle in which the harness did not call drive()/commit() (e.g. held in reset).
  void skip(uint64_t n = 1) { cycle_ += n; }

  // Phase 1: the slave outputs of this cycle (a function of state and the throttles only).
  void drive(AxiPorts &p) {
    p.arready = reads_.size() < cfg_.max_reads && chance(thr_arready_);
    if (!r_held_ && !reads_.empty() && reads_.front().ready <= cycle_ && chance(thr_rvalid_)) {
      const Burst &b = reads_.front();
      const uint64_t a = b.addr + (uint64_t)beat_ * b.done;
      r_resp_ = resp_of(a);
      if (beat_ == 8) {
        r_data_ = r_resp_ == kOkay ? load64(a) : 0;
      } else if (r_resp_ == kOkay) {
        std::memcpy(r_wide_, mem_ + a, beat_);
      } else {
        std::memset(r_wide_, 0, beat_);
      }
      r_last_ = b.done == b.len;
      r_held_ = true;
    }
    p.rvalid = r_held_;
    p.rdata = r_data_;
    if (beat_ > 8) std::memcpy(p.rwide, r_wide_, beat_);
    p.rresp = r_resp_;
    p.rlast = r_last_;
    p.awready = writes_.size() + bq_.size() < cfg_.max_writes && chance(thr_awready_);
    p.wready = wbuf_.size() < cfg_.w_buffer && chance(thr_wready_);
    if (!b_held_ && !bq_.empty() && bq_.front().ready <= cycle_ && chance(thr_bvalid_)) b_held_ = true;
    p.bvalid = b_held_;
    p.bresp = b_held_ ? bq_.front().resp : 0;
  }

  // Phase 2: the handshakes of this edge (p holds the master's outputs after settle()).
  void commit(const AxiPorts &p) {
    // VALID must stay, with its payload, until the handshake.
    if (ar_wait_ &&
        (!p.arvalid || p.araddr != ar_.addr || p.arlen != ar_.len || p.arsize != ar_.size || p.arburst != ar_.burst))
      violate(p.arvalid ? "AR payload changed before ARREADY" : "ARVALID dropped before ARREADY");
    if (aw_wait_ &&
        (!p.awvalid || p.awaddr != aw_.addr || p.awlen != aw_.len || p.awsize != aw_.size || p.awburst != aw_.burst))
      violate(p.awvalid ? "AW payload changed before AWREADY" : "AWVALID dropped before AWREADY");
    if (w_wait_ && (!p.wvalid || p.wdata != w_.data || p.wstrb != w_.strb || p.wlast != w_.last))
      violate(p.wvalid ? "W payload changed before WREADY" : "WVALID dropped before WREADY");

    if (p.arvalid && p.arready) {
      check_addr("AR", p.araddr, p.arlen, p.arsize, p.arburst);
      Burst b;
      b.addr = p.araddr;
      b.len = p.arlen;
      b.ready = cycle_ + (cfg_.read_latency ? cfg_.read_latency : 1);
      reads_.push_back(b);
      st_.ar++;
    }
    if (p.rvalid && p.rready) {
      Burst &b = reads_.front();
      const uint64_t a = b.addr + (uint64_t)beat_ * b.done;
      st_.r_beats++;
      st_.r_cycles++;
      if (st_.first_r_cycle == UINT64_MAX) st_.first_r_cycle = cycle_;
      st_.last_r_cycle = cycle_;
      if (r_resp_ != kOkay) st_.r_err_beats++;
      for (auto &t : tags_) {
        const uint64_t lo = a > t.lo ? a : t.lo, hi = a + beat_ < t.hi ? a + beat_ : t.hi;
        if (hi > lo) t.bytes += hi - lo;
      }
      if (b.done++ == b.len) reads_.pop_front();
      r_held_ = false;
    }
    if (p.awvalid && p.awready) {
      check_addr("AW", p.awaddr, p.awlen, p.awsize, p.awburst);
      Burst b;
      b.addr = p.awaddr;
      b.len = p.awlen;
      writes_.push_back(b);
      st_.aw++;
    }
    if (p.wvalid && p.wready) {
      if (writes_.empty()) st_.w_before_aw++;
      wbuf_.push_back({p.wdata, p.wstrb, p.wlast});
      st_.w_beats++;
      if (st_.first_w_cycle == UINT64_MAX) st_.first_w_cycle = cycle_;
      st_.last_w_cycle = cycle_;
    }
    while (!wbuf_.empty() && !writes_.empty()) write_beat();
    if (p.bvalid && p.bready) {
      if (bq_.front().resp != kOkay) st_.b_err++;
      bq_.pop_front();
      b_held_ = false;
      st_.b++;
    }

    ar_wait_ = p.arvalid && !p.arready;
    if (ar_wait_) ar_ = {p.araddr, p.arlen, p.arsize, p.arburst};
    aw_wait_ = p.awvalid && !p.awready;
    if (aw_wait_) aw_ = {p.awaddr, p.awlen, p.awsize, p.awburst};
    w_wait_ = p.wvalid && !p.wready;
    if (w_wait_) w_ = {p.wdata, p.wstrb, p.wlast};
    cycle_++;
  }

 private:
  struct Burst {
    uint64_t addr = 0;
    unsigned len = 0;    // AxLEN (beats - 1)
    unsigned done = 0;   // beats transferred / written
    uint8_t resp = 0;    // worst response so far (writes)
    uint64_t ready = 0;  // cycle from which the first R beat may be offered
  };
  struct WBeat {
    uint64_t data;
    uint8_t strb;
    bool last;
  };
  struct Addr {
    uint32_t addr;
    uint8_t len, size, burst;
  };
  struct Resp {
    uint8_t resp;
    uint64_t ready;
  };
  struct ErrRange {
    uint64_t lo, hi;
    uint8_t resp;
  };
  struct Tag {
    uint64_t lo, hi, bytes;
  };

  static uint64_t threshold(double p) {
    if (p >= 1.0) return UINT64_MAX;
    if (p <= 0.0) return 0;
    return (uint64_t)(p * 18446744073709551616.0);
  }
  bool chance(uint64_t thr) { return thr == UINT64_MAX || tern_rand_next(&rng_) < thr; }

  void violate(const std::string &what) {
    if (violation_.empty()) {
      char b[64];
      std::snprintf(b, sizeof b, " (memory cycle %llu)", (unsigned long long)cycle_);
      violation_ = what + b;
    }
  }

  void check_addr(const char *ch, uint32_t addr, unsigned len, unsigned size, unsigned burst) {
    char b[160];
    const char *why = nullptr;
    if (size != size_code_)
      why = "size is not the port's beat";
    else if (burst != 1)
      why = "burst type is not INCR";
    else if (addr % beat_)
      why = "address not aligned to the beat";
    else if (len + 1 > cfg_.max_burst)
      why = "burst longer than allowed";
    else if ((addr & 4095u) + beat_ * (len + 1) > 4096u)
      why = "burst crosses a 4 KB boundary";
    if (!why) return;
    std::snprintf(b, sizeof b, "%s burst addr 0x%08x len %u size %u burst %u: %s", ch, addr, len, size, burst, why);
    violate(b);
  }

  // Response of the beat at a.
  uint8_t resp_of(uint64_t a) const {
    if (a >= size_ || size_ - a < beat_) return kDecerr;
    for (const auto &e : errs_)
      if (a < e.hi && a + beat_ > e.lo) return e.resp;
    return kOkay;
  }

  uint64_t load64(uint64_t a) const {
    uint64_t v = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    std::memcpy(&v, mem_ + a, 8);
#else
    for (int i = 7; i >= 0; i--) v = v << 8 | mem_[a + i];
#endif
    return v;
  }

  // Match the oldest buffered W beat to the oldest write burst still taking data.
  void write_beat() {
    Burst &b = writes_.front();
    const WBeat w = wbuf_.front();
    wbuf_.pop_front();
    const uint64_t a = b.addr + 8ull * b.done;
    const bool last = b.done == b.len;
    if (w.last != last) {
      char m[120];
      std::snprintf(m, sizeof m, "WLAST %d on beat %u of a %u-beat burst at 0x%08llx", w.last, b.done, b.len + 1,
                    (unsigned long long)b.addr);
      violate(m);
    }
    const uint8_t r = resp_of(a);
    if (r == kOkay) {
      for (int i = 0; i < 8; i++)
        if (w.strb >> i & 1) {
          mem_[a + i] = (uint8_t)(w.data >> (8 * i));
          st_.w_bytes++;
        }
    }
    if (r > b.resp) b.resp = r;
    b.done++;
    if (last) {
      bq_.push_back({b.resp, cycle_ + (cfg_.write_latency ? cfg_.write_latency : 1)});
      writes_.pop_front();
    }
  }

  uint8_t *mem_;
  size_t size_;
  unsigned beat_ = 8, size_code_ = 0;  // beat bytes and AxSIZE
  uint8_t r_wide_[128] = {};
  AxiMemConfig cfg_;
  uint64_t rng_ = 1;
  uint64_t thr_arready_ = 0, thr_rvalid_ = 0, thr_awready_ = 0, thr_wready_ = 0, thr_bvalid_ = 0;
  std::vector<ErrRange> errs_;
  std::vector<Tag> tags_;
  std::deque<Burst> reads_, writes_;
  std::deque<WBeat> wbuf_;
  std::deque<Resp> bq_;
  bool r_held_ = false, b_held_ = false;
  uint64_t r_data_ = 0;
  uint8_t r_resp_ = 0;
  bool r_last_ = false;
  bool ar_wait_ = false, aw_wait_ = false, w_wait_ = false;
  Addr ar_{}, aw_{};
  WBeat w_{};
  AxiMemStats st_;
  std::string violation_;
  uint64_t cycle_ = 0;
};

#endif  // TERN_AXI_MEM_H
