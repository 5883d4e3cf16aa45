// SPDX-License-Identifier: Apache-2.0
// Verilator bench of the wide profile's weight memory, rtl/tern_wmem.v (Verilated as the top):
// an AXI4 read master and the 64-bit write port, at random and in directed corners, against a
// shadow copy of the memory (a byte array). Only the ports and the contract below are checked,
// never the RTL's structure, which may change under the bench.
//
//   +seed=S  +cycles=N (the random phase, default 1000000)  +vcd=FILE (a build with TRACE=1)
//   +suite=NAME[,NAME...] only those cases (fill corners strobes throughput reset random; default all)
// The build sets the geometry (sim/Makefile BYTES= WORDS=: -GBYTES/-GWORDS to the RTL and
// -DTB_BYTES/-DTB_WORDS here); by default the wide profile's, 512 words of 128 bytes.
//
// The contract:
// - write port: at a clock edge with we_i high, the bytes of wdata_i whose wstrb_i bits are set
//   go to word waddr_i[log2(BYTES) +: log2(WORDS)] (higher address bits and bits [2:0] ignored),
//   lane (waddr_i mod BYTES) / 8; the other bytes keep their value;
// - reads: an AR (BYTES-aligned, arlen 0..255) is taken when ARREADY; bursts are answered in
//   order; beat i is word araddr / BYTES + i: OKAY with the shadow's bytes, or DECERR (2'b11) with
//   zero data for a word at or beyond WORDS; RLAST exactly on the last beat; R payload stable
//   while RVALID waits for RREADY; no beat without an accepted AR; every burst completes (a
//   watchdog on cycles with RREADY high and nothing moving, and a budget per phase); after a
//   reset no RVALID until a new AR, and the memory keeps its contents (a RAM is not reset);
// - throughput: with RREADY high and bursts queued back to back, one beat every cycle from the
//   first beat to the last, across bursts;
// - a read sees every write made before its AR. The bench writes only words that no burst in
//   flight (accepted, or presented on AR) covers: the RAM is read some cycles after the AR and
//   the bench cannot see when.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <string>
#include <vector>

#include "Vtern_wmem.h"
#include "tb.h"
#include "tern_test.h"

#ifndef TB_BYTES
#define TB_BYTES 128
#endif
#ifndef TB_WORDS
#define TB_WORDS 512
#endif

namespace {

constexpr uint32_t kBytes = TB_BYTES, kWords = TB_WORDS, kLanes = kBytes / 8;
constexpr bool pow2(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }
constexpr int log2u(uint32_t v) { return v <= 1 ? 0 : 1 + log2u(v / 2); }
static_assert(pow2(kBytes) && kBytes >= 8 && kBytes <= 128, "BYTES: a power of two, 8 .. 128");
static_assert(pow2(kWords) && kWords >= 4, "WORDS: a power of two, 4 or more");
constexpr int kBL2 = log2u(kBytes);
static_assert(kBL2 + log2u(kWords) <= 32, "the memory must fit the 32-bit address space");
// Word indices an araddr can name. Bursts stay below the top (AXI forbids wrapping the address
// space, and a 4 KB page rule the memory does not need would forbid it anyway).
constexpr uint64_t kAddrWords = (uint64_t)1 << (32 - kBL2);
constexpr int kHang = 100;  // cycles with RREADY high, work outstanding and nothing moving
constexpr uint8_t kOkay = 0, kDecerr = 3;

struct Burst {
  uint64_t word;  // araddr / BYTES
  uint32_t len;   // arlen
  uint32_t beat;  // the next beat expected
};
struct Write {
  uint32_t addr;
  uint64_t data;
  uint8_t strb;
};

class Bench {
 public:
  // stream: each case draws its own sequence from the seed
  Bench(const Plusargs &pa, tern_test_ctx *t, uint64_t seed, uint64_t stream)
      : tb_(pa), t_(t), seed_(seed), rng_(seed ^ (stream * 0xD1B54A32D192ED03ull)) {
    shadow_.assign((size_t)kWords * kBytes, 0);
    beat_.assign(kBytes, 0);
    held_data_.assign(kBytes, 0);
    want_.assign(kBytes, 0);
    auto *d = tb_.dut();
    d->axi_arvalid_i = d->axi_rready_i = d->we_i = 0;
    tb_.reset(3);
  }
  uint64_t rnd() { return tern_rand_next(&rng_); }
  double uni() { return tb_uniform(&rng_); }
  bool failed() const { return t_->failed; }
  void fail(const std::string &why) {
    if (!t_->failed)
      tern_test_fail(t_, "%s (cycle %" PRIu64 ", BYTES=%u WORDS=%u, seed=%" PRIu64 ")", why.c_str(), tb_.cycle(),
                     kBytes, kWords, seed_);
  }
  bool idle() const { return ar_.empty() && r_.empty(); }
  uint64_t cycle() const { return tb_.cycle(); }

  // traffic ---------------------------------------------------------------------------------------
  void read(uint64_t word, uint32_t len) { ar_.push_back({word, len, 0}); }
  // a random burst: lengths short and long, addresses in, across the end of and beyond the memory
  void random_read() {
    const double l = uni(), a = uni();
    uint32_t len = l < 0.3    ? (uint32_t)(rnd() % 4)
                   : l < 0.6  ? (uint32_t)(rnd() % 16)
                   : l < 0.8  ? (uint32_t)(rnd() % 256)
                   : l < 0.85 ? 255
                              : (uint32_t)(rnd() % 64);
    uint64_t word;
    if (a < 0.8) {  // mostly kept inside, so that a small memory is not read mostly as DECERR
      word = rnd() % kWords;
      if (uni() < 0.85 && word + len >= kWords) len = (uint32_t)(kWords - 1 - word);
    } else if (a < 0.9) {  // straddling WORDS: the first beat in, the last beyond
      if (len == 0) len = 1 + (uint32_t)(rnd() % 255);
      word = kWords - 1 - rnd() % (len < kWords ? len : kWords);
    } else if (a < 0.97) {
      word = kWords + rnd() % 64;
    } else {  // far beyond, anywhere the address space allows
      word = kWords + rnd() % (kAddrWords - kWords - 256);
    }
    read(word, len);
  }
  // a write of one lane: junk in bits [2:0], and now and then in the bits above the memory
  Write random_write(uint32_t word) {
    Write w{word * kBytes + 8 * (uint32_t)(rnd() % kLanes), rnd(), 0};
    w.addr |= (uint32_t)(rnd() & 7);
    if (uni() < 0.1 && kBL2 + log2u(kWords) < 32) w.addr |= (uint32_t)(rnd() << (kBL2 + log2u(kWords)));
    const double s = uni();
    w.strb = s < 0.1 ? 0xFF : s < 0.15 ? 0x00 : s < 0.3 ? (uint8_t)(1u << (rnd() % 8)) : (uint8_t)rnd();
    return w;
  }
  // a burst in flight (accepted, or on AR now) covers the word
  bool covered(uint32_t word) const {
    for (const Burst &b : r_)
      if (b.word <= word && word <= b.word + b.len) return true;
    if (ar_on_ && ar_.front().word <= word && word <= ar_.front().word + ar_.front().len) return true;
    return false;
  }
  // a directed write, in the next cycle
  void write(uint32_t addr, uint64_t data, uint8_t strb) {
    w_pending_ = true;
    w_ = {addr, data, strb};
    step();
  }

  // RREADY: long stalls now and then, else a coin of p_rready
  bool next_rready() {
    if (stall_left_ > 0) {
      stall_left_--;
      return false;
    }
    if (p_stall > 0 && uni() < p_stall) {
      stall_left_ = 1 + (int)(rnd() % max_stall);
      stall_cycles_ += (uint64_t)stall_left_ + 1;
      return false;
    }
    return p_rready >= 1.0 || uni() < p_rready;
  }

  // one clock -------------------------------------------------------------------------------------
  void step() {
    auto *d = tb_.dut();
    // AXI: once ARVALID is high it stays, with its address, until ARREADY
    if (!ar_on_ && !ar_.empty() && (p_arvalid >= 1.0 || uni() < p_arvalid)) ar_on_ = true;
    d->axi_arvalid_i = ar_on_;
    if (ar_on_) {
      d->axi_araddr_i = (uint32_t)(ar_.front().word * kBytes);
      d->axi_arlen_i = (uint8_t)ar_.front().len;
    } else {  // junk the slave must ignore
      d->axi_araddr_i = (uint32_t)rnd();
      d->axi_arlen_i = (uint8_t)rnd();
    }
    const bool rready = next_rready();
    d->axi_rready_i = rready;
    if (!w_pending_ && p_write > 0 && uni() < p_write) {
      for (int tries = 0; tries < 4 && !w_pending_; tries++) {
        const uint32_t word = (uint32_t)(rnd() % kWords);
        if (!covered(word)) w_pending_ = true, w_ = random_write(word);
      }
    }
    d->we_i = w_pending_;
    d->waddr_i = w_pending_ ? w_.addr : (uint32_t)rnd();
    d->wdata_i = w_pending_ ? w_.data : rnd();
    d->wstrb_i = w_pending_ ? w_.strb : (uint8_t)rnd();
    tb_.settle();

    bool progress = check_r(rready);
    if (ar_on_ && d->axi_arready_o) {
      r_.push_back(ar_.front());
      ar_.pop_front();
      ar_on_ = false;
      progress = true;
      if (ar_cycle_ == UINT64_MAX) ar_cycle_ = tb_.cycle();
    }
    if (w_pending_) {  // the write takes effect at this edge
      const uint32_t word = (w_.addr >> kBL2) & (kWords - 1), lane = (w_.addr >> 3) & (kLanes - 1);
      for (int i = 0; i < 8; i++)
        if (w_.strb >> i & 1) shadow_[(size_t)word * kBytes + 8 * lane + i] = (uint8_t)(w_.data >> (8 * i));
      w_pending_ = false;
      writes_++;
    }
    if (progress || !(rready && (ar_on_ || !r_.empty()))) {
      stuck_ = 0;
    } else if (++stuck_ > kHang) {
      fail(
          tb_format("hang: %d cycles with RREADY high and no AR or R handshake (%zu bursts accepted and open, "
                    "%zu waiting)",
                    kHang, r_.size(), ar_.size()));
    }
    tb_.tick();
  }

  // The R channel this cycle: returns whether a beat was taken.
  bool check_r(bool rready) {
    auto *d = tb_.dut();
    if (!d->axi_rvalid_o) {
      if (held_) fail("RVALID dropped before RREADY took the beat");
      held_ = false;
      return false;
    }
    tb_get_bytes(d->axi_rdata_o, beat_.data(), kBytes);
    const uint8_t resp = d->axi_rresp_o;
    const bool last = d->axi_rlast_o;
    if (held_ && (beat_ != held_data_ || resp != held_resp_ || last != held_last_))
      fail("R payload changed while RVALID waited for RREADY");
    held_ = !rready;
    held_data_ = beat_, held_resp_ = resp, held_last_ = last;
    if (r_.empty()) {
      fail("RVALID with no accepted AR outstanding");
      return false;
    }
    Burst &b = r_.front();
    const uint64_t word = b.word + b.beat;
    const bool oob = word >= kWords, want_last = b.beat == b.len;
    if (oob)
      std::fill(want_.begin(), want_.end(), 0);
    else
      std::memcpy(want_.data(), &shadow_[(size_t)word * kBytes], kBytes);
    const uint8_t want_resp = oob ? kDecerr : kOkay;
    if (resp != want_resp || last != want_last || beat_ != want_) {
      size_t i = 0;
      while (i + 1 < kBytes && beat_[i] == want_[i]) i++;
      fail(tb_format("burst at word %" PRIu64 " arlen %u, beat %u (word %" PRIu64
                     "): RRESP %u RLAST %u, byte %zu 0x%02x; expected RRESP %u RLAST %u, byte %zu 0x%02x%s",
                     b.word, b.len, b.beat, word, resp, last, i, beat_[i], want_resp, want_last, i, want_[i],
                     beat_ == want_ ? " (data equal)" : ""));
    }
    if (!rready) return false;
    beats_++;
    decerr_beats_ += oob;
    if (first_beat_ == UINT64_MAX) first_beat_ = tb_.cycle();
    last_beat_ = tb_.cycle();
    if (++b.beat > b.len) r_.pop_front(), bursts_++;
    return true;
  }

  // reset for n cycles (AXI: ARVALID low meanwhile); what was in flight is gone, the RAM stays
  void reset(int n) {
    auto *d = tb_.dut();
    d->axi_arvalid_i = 0;
    d->we_i = 0;
    d->axi_rready_i = uni() < 0.5;
    tb_.reset(n);
    ar_.clear();
    r_.clear();
    ar_on_ = held_ = false;
    stall_left_ = 0;
    stuck_ = 0;
  }

  // run until every queued burst has completed, or fail after a budget
  void drain(uint64_t budget) {
    const uint64_t start = tb_.cycle();
    while (!idle() && !failed()) {
      step();
      if (tb_.cycle() - start > budget) {
        fail(tb_format("hang: %zu bursts still open after %" PRIu64 " cycles", ar_.size() + r_.size(), budget));
        return;
      }
    }
  }
  void run(uint64_t n) {
    for (uint64_t i = 0; i < n && !failed(); i++) step();
  }
  // all the traffic at full speed (no stalls, no writes)
  void full_speed() {
    p_rready = p_arvalid = 1.0;
    p_stall = p_write = 0;
  }
  // every byte through the write port (random data, all strobes), ARVALID low throughout
  void fill() {
    for (uint32_t w = 0; w < kWords && !failed(); w++)
      for (uint32_t l = 0; l < kLanes; l++) write(w * kBytes + 8 * l, rnd(), 0xFF);
  }
  // every word read back, in bursts of up to 256 beats
  void readback() {
    const double pw = p_write;
    p_write = 0;
    for (uint32_t w = 0; w < kWords; w += 256) read(w, (kWords - w < 256 ? kWords - w : 256) - 1);
    drain(400 * (uint64_t)kWords + 100000);
    p_write = pw;
  }
  // measure from the next handshakes on
  void mark() { ar_cycle_ = first_beat_ = last_beat_ = UINT64_MAX; }

  double p_rready = 1.0, p_stall = 0, p_arvalid = 1.0, p_write = 0;
  uint32_t max_stall = 300;
  uint64_t beats_ = 0, decerr_beats_ = 0, bursts_ = 0, writes_ = 0, stall_cycles_ = 0;
  uint64_t ar_cycle_ = UINT64_MAX, first_beat_ = UINT64_MAX, last_beat_ = UINT64_MAX;
  std::deque<Burst> ar_, r_;  // waiting for AR; accepted, oldest first
  bool held_ = false;         // last cycle's beat waits for RREADY

 private:
  Testbench<Vtern_wmem> tb_;
  tern_test_ctx *t_;
  uint64_t seed_, rng_;
  std::vector<uint8_t> shadow_, beat_, held_data_, want_;
  bool ar_on_ = false, w_pending_ = false, held_last_ = false;
  uint8_t held_resp_ = 0;
  Write w_{};
  int stall_left_ = 0, stuck_ = 0;
};

// The memory loaded through the write port (no RVALID meanwhile: no AR was given since the
// reset) and read back whole, at full speed and under back-pressure.
void case_fill(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "wmem/fill");
  Bench b(pa, t, seed, 1);
  b.fill();
  b.full_speed();
  b.readback();
  b.p_rready = 0.3;
  b.readback();
  std::printf("wmem/fill: %" PRIu64 " writes, %" PRIu64 " beats read back, %" PRIu64 " cycles\n", b.writes_, b.beats_,
              b.cycle());
  tern_test_end(t);
}

// Directed bursts: arlen 0 and 255, the first and the last word, bursts straddling WORDS, wholly
// beyond it and at the top of the address space; at full speed, then under back-pressure.
void case_corners(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "wmem/corners");
  Bench b(pa, t, seed, 2);
  b.fill();
  const Burst bursts[] = {
      {0, 0, 0},
      {kWords - 1, 0, 0},
      {0, 255, 0},
      {kWords - 1, 255, 0},
      {kWords - 3, 5, 0},
      {kWords - 1, 1, 0},
      {kWords, 0, 0},
      {kWords, 255, 0},
      {kWords / 2, 0, 0},
      {kWords / 2, 255, 0},
      {kWords + 1, 17, 0},
      {kAddrWords - 256, 255, 0},
      {kAddrWords - 1, 0, 0},
  };
  for (int pass = 0; pass < 3 && !b.failed(); pass++) {
    b.full_speed();
    if (pass == 1) b.p_rready = 0.4, b.p_arvalid = 0.5;
    if (pass == 2) b.p_rready = 0.9, b.p_stall = 0.02, b.max_stall = 40;
    for (const Burst &x : bursts) {
      b.read(x.word, x.len);
      if (pass == 0) b.drain(2000);  // one at a time, then all queued back to back
    }
    b.drain(20000);
  }
  b.full_speed();
  b.readback();
  std::printf("wmem/corners: %" PRIu64 " bursts, %" PRIu64 " beats (%" PRIu64 " DECERR)\n", b.bursts_, b.beats_,
              b.decerr_beats_);
  tern_test_end(t);
}

// The write port: strobes 0x00, 0xFF and each single byte, on the first and last lane of the
// first, a middle and the last word; every lane of one word; bits [2:0] and the bits above the
// memory ignored. Each write is read back by an AR in the very next cycle.
void case_strobes(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "wmem/strobes");
  Bench b(pa, t, seed, 3);
  b.fill();
  b.full_speed();
  auto check = [&](uint32_t word) {
    b.read(word, 0);
    b.drain(200);
  };
  const uint32_t words[] = {0, kWords / 2 + 1, kWords - 1}, lanes[] = {0, kLanes - 1};
  for (uint32_t w : words) {
    for (uint32_t l : lanes) {
      const uint32_t addr = w * kBytes + 8 * l;
      b.write(addr, b.rnd(), 0x00), check(w);
      b.write(addr, b.rnd(), 0xFF), check(w);
      for (int i = 0; i < 8; i++) b.write(addr, b.rnd(), (uint8_t)(1u << i)), check(w);
      b.write(addr, b.rnd(), 0x5A), check(w);
    }
  }
  const uint32_t w = kWords / 4;
  for (uint32_t l = 0; l < kLanes; l++) b.write(w * kBytes + 8 * l, b.rnd(), 0xFF);
  check(w);
  for (uint32_t l = 0; l < kLanes; l++) b.write(w * kBytes + 8 * l, b.rnd(), (uint8_t)b.rnd());
  check(w);
  for (uint32_t l = 0; l < kLanes; l++) b.write(w * kBytes + 8 * l + (l & 7), b.rnd(), 0xFF);  // junk in [2:0]
  check(w);
  if (kBL2 + log2u(kWords) < 32) {  // the bits above the memory: the word they alias
    const uint32_t span = kWords * kBytes;
    b.write(span + (kWords - 1) * kBytes, b.rnd(), 0xFF), check(kWords - 1);
    b.write(0x80000000u | (3 * span) | 8 * (kLanes - 1), b.rnd(), 0x0F), check(0);
  }
  b.readback();
  std::printf("wmem/strobes: %" PRIu64 " writes, %" PRIu64 " beats\n", b.writes_, b.beats_);
  tern_test_end(t);
}

// Full speed: RREADY high and ARVALID always high, bursts queued back to back: from the first
// beat to the last exactly beats - 1 cycles, across burst boundaries.
void case_throughput(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "wmem/throughput");
  Bench b(pa, t, seed, 4);
  b.fill();
  b.full_speed();
  struct Shape {
    uint32_t bursts, len;
  };
  const Shape shapes[] = {{8, 15}, {1, 255}, {2, 255}, {16, 0}, {32, 3}};
  std::string bad;
  for (const Shape &s : shapes) {
    if (b.failed()) break;
    b.run(8);  // idle: nothing queued
    b.mark();
    for (uint32_t i = 0; i < s.bursts; i++) b.read((uint64_t)i * (s.len + 1) % kWords, s.len);
    b.drain(100000);
    const uint64_t beats = (uint64_t)s.bursts * (s.len + 1), span = b.last_beat_ - b.first_beat_;
    std::printf("wmem/throughput: %u x %u-beat bursts: %" PRIu64 " beats in %" PRIu64
                " cycles from the first to the last (one a cycle: %" PRIu64 "), the first %" PRIu64
                " cycles after its AR\n",
                s.bursts, s.len + 1, beats, span, beats - 1, b.first_beat_ - b.ar_cycle_);
    if (span != beats - 1)
      bad += tb_format("%s%u x %u-beat bursts took %" PRIu64 " cycles from the first beat to the last, not %" PRIu64,
                       bad.empty() ? "" : "; ", s.bursts, s.len + 1, span, beats - 1);
  }
  if (!bad.empty()) b.fail("not one beat a cycle with RREADY high: " + bad);
  tern_test_end(t);
}

// Reset in the middle of bursts (streaming, or with a beat held by RREADY low): then no RVALID
// without a new AR, and clean random traffic after it over the unchanged memory.
void case_reset(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "wmem/reset");
  Bench b(pa, t, seed, 5);
  b.fill();
  int mid = 0, held = 0;
  const int n = 16;
  for (int k = 0; k < n && !b.failed(); k++) {
    b.full_speed();
    b.p_rready = k % 2 ? 0.5 : 1.0;
    b.p_write = 0.1;
    b.read(b.rnd() % kWords, 255);
    for (int i = 0; i < 3; i++) b.random_read();
    const uint64_t until = 1 + b.rnd() % 200;
    for (uint64_t c = 0; c < until && !b.failed(); c++) b.step();
    if (k % 4 == 3) {  // until a beat is held by RREADY low
      b.p_rready = 0.3;
      for (int c = 0; c < 1000 && !b.held_ && !b.idle() && !b.failed(); c++) b.step();
    }
    mid += !b.r_.empty() && b.r_.front().beat > 0;
    held += b.held_;
    b.reset(1 + (int)(b.rnd() % 3));
    b.p_write = 0;
    b.p_rready = 0.5;
    b.run(40);  // nothing queued: a beat now is one nobody asked for
    b.p_rready = 0.8;
    b.p_write = 0.2;
    for (int c = 0; c < 1500 && !b.failed(); c++) {
      if (b.ar_.size() < 3 && b.uni() < 0.2) b.random_read();
      b.step();
    }
    b.drain(200000);
  }
  b.full_speed();
  b.readback();
  std::printf("wmem/reset: %d resets (%d in the middle of a burst, %d with a beat held), %" PRIu64
              " bursts after them\n",
              n, mid, held, b.bursts_);
  if (!b.failed() && mid < n / 2) b.fail(tb_format("only %d of %d resets came in the middle of a burst", mid, n));
  tern_test_end(t);
}

// Random: bursts of 1..256 beats in, across and beyond the memory, random ARVALID timing,
// RREADY from always high to long stalls, strobed writes to words no burst in flight covers;
// in phases of random length. The memory is read back whole at the end.
void case_random(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "wmem/random");
  Bench b(pa, t, seed, 6);
  b.fill();
  const uint64_t cycles = pa.num("cycles", 1000000);
  const double rr[] = {1.0, 0.95, 0.6, 0.2}, av[] = {1.0, 0.7, 0.1}, pw[] = {0.0, 0.05, 0.3, 0.9};
  const double pn[] = {1.0, 0.3, 0.02};
  double p_new = 0.3;
  uint64_t phase_end = 0, phases = 0;
  for (uint64_t c = 0; c < cycles && !b.failed(); c++) {
    if (c == phase_end) {
      phase_end = c + 500 + b.rnd() % 5000;
      phases++;
      b.p_rready = rr[b.rnd() % 4];
      b.p_stall = b.rnd() % 3 == 0 ? 0.002 : 0;
      b.max_stall = b.rnd() % 2 ? 300 : 20;
      b.p_arvalid = av[b.rnd() % 3];
      b.p_write = pw[b.rnd() % 4];
      p_new = pn[b.rnd() % 3];
    }
    if (b.ar_.size() < 4 && b.uni() < p_new) b.random_read();
    b.step();
  }
  b.drain(2000000);
  b.full_speed();
  b.readback();
  std::printf("wmem/random: %" PRIu64 " bursts, %" PRIu64 " beats (%" PRIu64 " DECERR), %" PRIu64 " writes, %" PRIu64
              " phases, %" PRIu64 " stall cycles, %" PRIu64 " cycles, seed %" PRIu64 "\n",
              b.bursts_, b.beats_, b.decerr_beats_, b.writes_, phases, b.stall_cycles_, b.cycle(), seed);
  if (!b.failed() && (b.bursts_ < 200 || b.decerr_beats_ == 0 || b.writes_ < 1000))
    b.fail("too little traffic to mean anything");
  tern_test_end(t);
}

}  // namespace

int main(int argc, char **argv) {
  Plusargs pa(argc, argv);
  Verilated::commandArgs(argc, argv);
  const uint64_t seed = pa.has("seed") ? pa.num("seed", 0) : (uint64_t)time(nullptr);
  std::printf("wmem_tb: BYTES=%u WORDS=%u, seed %" PRIu64 " (replay: +seed=%" PRIu64 ")\n", kBytes, kWords, seed, seed);
  tern_test_ctx t = {};
  struct Case {
    const char *name;
    void (*run)(const Plusargs &, tern_test_ctx *, uint64_t);
  };
  const Case cases[] = {{"fill", case_fill},       {"corners", case_corners},
                        {"strobes", case_strobes}, {"throughput", case_throughput},
                        {"reset", case_reset},     {"random", case_random}};
  const std::string suite = "," + pa.str("suite", "all") + ",";
  int ran = 0;
  for (const Case &c : cases) {
    if (suite != ",all," && suite.find(std::string(",") + c.name + ",") == std::string::npos) continue;
    c.run(pa, &t, seed);
    ran++;
  }
  if (ran == 0) {
    std::fprintf(stderr, "wmem_tb: +suite=%s names no case\n", pa.str("suite", "").c_str());
    return 2;
  }
  return tern_test_exit(&t);
}
