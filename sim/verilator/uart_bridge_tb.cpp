// SPDX-License-Identifier: Apache-2.0
// Verilator bench of rtl/tern_uart_bridge.v alone: a bit-level UART host (sim/verilator/
// uart_model.h) on its rx/tx pins, an AXI4-Lite register file on its CSR master and a memory
// model on its memory port, both with random ready/grant delays and protocol checks.
//
// Cases: every command and its answer; every NAK reason; a flipped bit (NAK, retry), a lost
// byte (no answer, the bridge resynchronises after its idle timeout, retry), garbage between
// frames, a UART framing error, a retried REG_WRITE/MEM_WRITE answered without executing again
// (DOORBELL counted), back-to-back frames, a host 3% off the baud rate, reset mid-frame, and
// seeded random traffic with faults on both directions checked against shadow copies of the
// register file and memory (every write executed exactly once).
//
//   +seed=S    seed (default: from time; printed on failure)   +ops=N  random operations (3000)
//   +case=NAME run one case (identify, registers, ..., random)   +vcd=FILE  waveform of it
//   +tcp=PORT  serve the bridge's UART on 127.0.0.1:PORT instead (0: any free port; the bench
//              prints "uart_bridge_tb: listening on 127.0.0.1:PORT"), one client, until it
//              disconnects. +flip=P / +drop=P: per-byte probability of a flipped bit / a lost
//              byte, both directions. +rows=R +lanes=L: the PARAMS register. +irq_delay=N:
//              cycles from a DOORBELL write to the interrupt. +max_seconds=N (default 600).
//
// The register file (CSR_AW = 12): ID 0x000, VERSION 0x004 and PARAMS 0x008 read-only (tern's
// values); DOORBELL 0x038 counts writes and raises the interrupt irq_delay cycles later;
// IRQ_STATUS 0x018 bit 0 is that interrupt (write 1 to clear); 0x800 reads the DOORBELL count,
// 0x804 the count of all writes; 0xF00 .. 0xFFF answer SLVERR; everything else is plain RAM.
//
// Bridge parameters come from the build (tests/test_uart_bridge.sh passes the same values to
// Verilator as -G and to this file as -D): TB_CPB, TB_IDLE_BITS, TB_MAX_DATA, TB_MEM_BYTES,
// TB_CLK_HZ.
// Output: one "PASS name" / "FAIL name: detail" line per case (tests/common/tern_test.h).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "Vtern_uart_bridge.h"
#include "tb.h"
#include "tern_params.h"
#include "tern_test.h"
#include "uart_model.h"

#ifndef TB_CPB
#define TB_CPB 8
#endif
#ifndef TB_IDLE_BITS
#define TB_IDLE_BITS 24
#endif
#ifndef TB_MAX_DATA
#define TB_MAX_DATA 256
#endif
#ifndef TB_MEM_BYTES
#define TB_MEM_BYTES 8192
#endif
#ifndef TB_CLK_HZ
#define TB_CLK_HZ 12000000
#endif

using uartm::Bytes;

namespace {

const int kCpb = TB_CPB;
const int kIdleClks = TB_CPB * TB_IDLE_BITS;
const uint32_t kMaxData = TB_MAX_DATA;
const uint32_t kMemBytes = TB_MEM_BYTES;
const uint32_t kCsrBytes = 4096;
const uint32_t kDoorbell = 0x038, kIrqStatus = 0x018, kDbgDoorbells = 0x800, kDbgWrites = 0x804;
const uint32_t kSlverrLo = 0xF00;

bool is_ro(uint32_t a) { return a == 0x000 || a == 0x004 || a == 0x008 || a == kDbgDoorbells || a == kDbgWrites; }

// ---- the register file on the AXI4-Lite master ------------------------------------------------
struct Regs {
  std::vector<uint32_t> r = std::vector<uint32_t>(kCsrBytes / 4, 0);
  uint64_t doorbells = 0, writes = 0, reads = 0;
  uint64_t irq_at = 0;  // cycle at which the interrupt rises (0: none pending)
  bool irq = false;
  uint32_t irq_delay = 300;
  Regs(uint32_t rows, uint32_t lanes) {
    r[0] = TERN_REG_ID_RESET;
    r[1] = TERN_REG_VERSION_RESET;
    r[2] = rows | lanes << 8 | (uint32_t)TERN_FORMATS_MASK << 16 | (uint32_t)TERN_T_MAX << 24;
  }
  bool read(uint32_t a, uint32_t *v) {
    reads++;
    if (a >= kSlverrLo) return false;
    if (a == kIrqStatus)
      *v = irq;
    else if (a == kDbgDoorbells)
      *v = (uint32_t)doorbells;
    else if (a == kDbgWrites)
      *v = (uint32_t)writes;
    else
      *v = r[a / 4];
    return true;
  }
  bool write(uint32_t a, uint32_t v, uint64_t now) {
    writes++;
    if (a >= kSlverrLo) return false;
    if (a == kDoorbell) {
      doorbells++;
      if (!irq_at && !irq) irq_at = now + irq_delay;
    } else if (a == kIrqStatus) {
      if (v & 1) irq = false;
    } else if (!is_ro(a)) {
      r[a / 4] = v;
    }
    return true;
  }
  void tick(uint64_t now) {
    if (irq_at && now >= irq_at) irq = true, irq_at = 0;
  }
};

// ---- the bench ---------------------------------------------------------------------------------
class Bench {
 public:
  Bench(const Plusargs &pa, tern_test_ctx *t, uint64_t seed, uint64_t salt)
      : regs_((uint32_t)pa.num("rows", TERN_ROWS), (uint32_t)pa.num("lanes", TERN_LANES)),
        mem_(kMemBytes),
        host_tx_(kCpb),
        host_rx_(kCpb),
        tb_(pa),
        t_(t),
        seed_(seed),
        rng_(seed ^ (salt * 0x9E3779B97F4A7C15ull)) {
    regs_.irq_delay = (uint32_t)pa.num("irq_delay", 300);
    for (auto &b : mem_) b = (uint8_t)tern_rand_next(&rng_);
    shadow_mem_ = mem_;
    shadow_regs_ = regs_.r;
    tb_.dut()->uart_rx_i = 1;
    tb_.reset();
  }

  Vtern_uart_bridge *dut() { return tb_.dut(); }
  uint64_t cycle() const { return tb_.cycle(); }
  uint64_t rand() { return tern_rand_next(&rng_); }
  double uniform() { return tb_uniform(&rng_); }
  bool failed() const { return t_->failed; }
  void fail(const std::string &why) {
    if (!t_->failed) tern_test_fail(t_, "%s (cycle %" PRIu64 ", seed=%" PRIu64 ")", why.c_str(), tb_.cycle(), seed_);
  }

  // bus timing
  double p_ready = 0.6, p_gnt = 0.6;
  int max_lat = 3;

  Regs regs_;
  std::vector<uint8_t> mem_;
  std::vector<uint8_t> shadow_mem_;
  std::vector<uint32_t> shadow_regs_;
  uint64_t mem_bytes_written = 0;
  uartm::Tx host_tx_;
  uartm::Rx host_rx_;

  // One clock: models drive inputs, the edge, then the models see the handshakes.
  void step() {
    auto *d = tb_.dut();
    regs_.tick(tb_.cycle());
    d->irq_i = regs_.irq;
    d->uart_rx_i = (uint8_t)host_tx_.tick();
    // AXI4-Lite slave: readies at random, responses after a random latency
    d->axil_awready_i = !have_aw_ && uniform() < p_ready;
    d->axil_wready_i = !have_w_ && uniform() < p_ready;
    d->axil_arready_i = !rvalid_ && uniform() < p_ready;
    d->axil_bvalid_i = bvalid_ && bwait_ == 0;
    d->axil_bresp_i = bresp_;
    d->axil_rvalid_i = rvalid_ && rwait_ == 0;
    d->axil_rdata_i = rdata_;
    d->axil_rresp_i = rresp_;
    // memory
    d->mem_gnt_i = d->mem_req_o && !mrd_pending_ && uniform() < p_gnt;
    d->mem_rvalid_i = mrd_pending_ && mrd_wait_ == 0;
    d->mem_rdata_i = mrd_data_;
    tb_.settle();
    check_stable();
    bool aw = d->axil_awvalid_o && d->axil_awready_i, w = d->axil_wvalid_o && d->axil_wready_i;
    bool b = d->axil_bvalid_i && d->axil_bready_o, ar = d->axil_arvalid_o && d->axil_arready_i;
    bool r = d->axil_rvalid_i && d->axil_rready_o;
    bool g = d->mem_req_o && d->mem_gnt_i, mr = d->mem_rvalid_i;
    uint32_t awaddr = d->axil_awaddr_o, wdata = d->axil_wdata_o, araddr = d->axil_araddr_o;
    unsigned wstrb = d->axil_wstrb_o;
    bool mwe = d->mem_we_o;
    uint32_t maddr = d->mem_addr_o;
    uint64_t mwdata = d->mem_wdata_o;
    unsigned mstrb = d->mem_wstrb_o;
    tb_.tick();
    host_rx_.tick(tb_.dut()->uart_tx_o);
    if (aw) have_aw_ = true, aw_addr_ = awaddr;
    if (w) {
      have_w_ = true, w_data_ = wdata;
      if (wstrb != 0xF) fail(tb_format("AXI4-Lite write with WSTRB 0x%x", wstrb));
    }
    if (b)
      bvalid_ = false, have_aw_ = have_w_ = false;
    else if (bvalid_ && bwait_)
      bwait_--;
    if (have_aw_ && have_w_ && !bvalid_) {
      bvalid_ = true;
      bwait_ = (int)(rand() % (unsigned)(max_lat + 1));
      bresp_ = regs_.write(aw_addr_, w_data_, tb_.cycle()) ? 0 : 2;
    }
    if (ar) {
      if (rvalid_) fail("AXI4-Lite read address accepted while a read is outstanding");
      uint32_t v = 0;
      bool ok = regs_.read(araddr, &v);
      rvalid_ = true, rwait_ = (int)(rand() % (unsigned)(max_lat + 1));
      rdata_ = ok ? v : 0xDEADBEEF;
      rresp_ = ok ? 0 : 2;
    } else if (r) {
      rvalid_ = false;
    } else if (rvalid_ && rwait_) {
      rwait_--;
    }
    if (mr)
      mrd_pending_ = false;
    else if (mrd_pending_ && mrd_wait_)
      mrd_wait_--;
    if (g) {
      if (maddr % 8 || maddr >= kMemBytes)
        fail(tb_format("memory request at 0x%x (window %u bytes)", maddr, kMemBytes));
      else if (mwe) {
        if (!mstrb) fail("memory write without strobes");
        for (int i = 0; i < 8; i++)
          if (mstrb >> i & 1) mem_[maddr + i] = (uint8_t)(mwdata >> (8 * i)), mem_bytes_written++;
      } else {
        mrd_pending_ = true;
        mrd_wait_ = (int)(rand() % (unsigned)max_lat);
        mrd_data_ = 0;
        for (int i = 0; i < 8; i++) mrd_data_ |= (uint64_t)mem_[maddr + i] << (8 * i);
      }
    }
  }

  void run(uint64_t n) {
    for (uint64_t i = 0; i < n && !failed(); i++) step();
  }

  // ---- the host ---------------------------------------------------------------------------
  struct Answer {
    enum Kind { OK, NAKED, NONE, BAD } kind = NONE;
    uint8_t cmd = 0, seq = 0;
    Bytes payload;
    uint8_t reason() const { return payload.size() >= 1 ? payload[0] : 0; }
  };

  // Answer-path faults: drop or flip the k-th byte of what the bridge sends.
  int ans_drop = -1, ans_flip = -1;

  uint64_t timeout_for(size_t req_bytes, size_t ans_bytes) const {
    return (uint64_t)(req_bytes + ans_bytes + 16) * 10 * (uint64_t)kCpb + (uint64_t)kIdleClks + 2000;
  }

  // Wait until an answer frame (or a bad one) has arrived, or timeout cycles have passed.
  // want_seq >= 0: skip intact frames with another SEQ (answers to garbage), as a host does.
  Answer await(uint64_t timeout, int want_seq = -1) {
    Answer a;
    uartm::Decoder::Frame f;
    uint64_t end = tb_.cycle() + timeout;
    int k = 0;
    while (tb_.cycle() < end && !failed()) {
      step();
      auto &q = host_rx_.bytes();
      while (!q.empty()) {
        auto by = q.front();
        q.pop_front();
        if (by.ferr) fail("framing error on the bridge's tx");
        int idx = k++;
        if (idx == ans_drop) continue;
        if (idx == ans_flip) by.data ^= (uint8_t)(1u << (rand() % 8));
        auto ev = dec_.push(by.data, &f);
        if (ev == uartm::Decoder::BAD) {
          a.kind = Answer::BAD;
          return a;
        }
        if (ev == uartm::Decoder::FRAME) {
          if (want_seq >= 0 && f.seq != want_seq) {
            stale_++;
            continue;
          }
          a.cmd = f.cmd, a.seq = f.seq, a.payload = f.payload;
          a.kind = f.cmd == uartm::NAK ? Answer::NAKED : Answer::OK;
          return a;
        }
      }
    }
    return a;
  }

  // Send bytes as they are and wait for one answer.
  Answer exchange(const Bytes &bytes, size_t ans_len, int want_seq = -1) {
    dec_.reset();
    host_rx_.bytes().clear();
    host_tx_.push(bytes);
    Answer a = await(timeout_for(bytes.size(), ans_len), want_seq);
    ans_drop = ans_flip = -1;
    return a;
  }

  // Wait for the line and the bridge to be quiet (after a test left a frame half-sent, or sent
  // garbage): the idle timeout, or a NAK the garbage may have caused (9 bytes).
  void settle_idle() {
    while (!host_tx_.idle() && !failed()) step();
    run((uint64_t)kIdleClks + 120 * kCpb);
    host_rx_.bytes().clear();
    dec_.reset();
  }

  // A request that must succeed on its first try with an ACK of ans_len bytes.
  Bytes must(uint8_t cmd, const Bytes &payload, size_t ans_len, const char *what) {
    uint8_t s = ++seq_;
    Answer a = exchange(uartm::frame(cmd, s, payload), ans_len, s);
    if (a.kind != Answer::OK)
      fail(tb_format("%s: %s", what,
                     a.kind == Answer::NAKED ? tb_format("NAK reason %u", a.reason()).c_str()
                     : a.kind == Answer::BAD ? "damaged answer"
                                             : "no answer"));
    else if (a.seq != s || a.cmd != (cmd | uartm::ACK) || a.payload.size() != ans_len)
      fail(tb_format("%s: answer CMD 0x%02x SEQ %u LEN %zu, expected CMD 0x%02x SEQ %u LEN %zu", what, a.cmd, a.seq,
                     a.payload.size(), cmd | uartm::ACK, s, ans_len));
    return a.payload;
  }
  // A request that must be NAKed with reason.
  void must_nak(const Bytes &fr, uint8_t reason, const char *what) {
    Answer a = exchange(fr, 2);
    if (a.kind != Answer::NAKED || a.reason() != reason || a.seq != fr[2] || a.payload.size() != 2 ||
        a.payload[1] != fr[1])
      fail(tb_format("%s: expected NAK reason %u for CMD 0x%02x SEQ %u, got kind %d CMD 0x%02x SEQ %u reason %u", what,
                     reason, fr[1], fr[2], (int)a.kind, a.cmd, a.seq, a.reason()));
  }
  uint8_t next_seq() { return ++seq_; }

  // Convenience requests (first try must succeed).
  uint32_t reg_read(uint32_t a) {
    Bytes p;
    uartm::put32(p, a);
    Bytes r = must(uartm::REG_READ, p, 4, "REG_READ");
    return r.size() == 4 ? uartm::get32(r.data()) : 0;
  }
  void reg_write(uint32_t a, uint32_t v) {
    Bytes p;
    uartm::put32(p, a);
    uartm::put32(p, v);
    must(uartm::REG_WRITE, p, 0, "REG_WRITE");
    if (!is_ro(a) && a < kSlverrLo && a != kDoorbell && a != kIrqStatus) shadow_regs_[a / 4] = v;
  }
  void mem_write(uint32_t a, const Bytes &data) {
    Bytes p;
    uartm::put32(p, a);
    p.insert(p.end(), data.begin(), data.end());
    must(uartm::MEM_WRITE, p, 0, "MEM_WRITE");
    for (size_t i = 0; i < data.size(); i++) shadow_mem_[a + i] = data[i];
  }
  Bytes mem_read(uint32_t a, uint32_t n) {
    Bytes p;
    uartm::put32(p, a);
    uartm::put16(p, n);
    return must(uartm::MEM_READ, p, n, "MEM_READ");
  }
  Bytes random_bytes(size_t n) {
    Bytes b(n);
    for (auto &x : b) x = (uint8_t)rand();
    return b;
  }
  void check_memory(const char *when) {
    for (size_t i = 0; i < mem_.size() && !failed(); i++)
      if (mem_[i] != shadow_mem_[i])
        fail(tb_format("%s: memory byte 0x%zx is 0x%02x, expected 0x%02x", when, i, mem_[i], shadow_mem_[i]));
  }

  // Reset the bridge (models keep their contents).
  void reset_dut() {
    tb_.reset();
    have_aw_ = have_w_ = bvalid_ = rvalid_ = mrd_pending_ = false;
  }

 private:
  // Outputs held while valid and not yet accepted must not change.
  void check_stable() {
    auto *d = tb_.dut();
    if (prev_aw_ && (!d->axil_awvalid_o || d->axil_awaddr_o != prev_awaddr_))
      fail("AWVALID/AWADDR changed before AWREADY");
    if (prev_w_ && (!d->axil_wvalid_o || d->axil_wdata_o != prev_wdata_)) fail("WVALID/WDATA changed before WREADY");
    if (prev_ar_ && (!d->axil_arvalid_o || d->axil_araddr_o != prev_araddr_))
      fail("ARVALID/ARADDR changed before ARREADY");
    if (prev_req_ && (!d->mem_req_o || d->mem_addr_o != prev_maddr_ || d->mem_we_o != prev_mwe_ ||
                      (d->mem_we_o && (d->mem_wdata_o != prev_mwdata_ || d->mem_wstrb_o != prev_mstrb_))))
      fail("memory request changed before its grant");
    if (d->mem_req_o && mrd_pending_) fail("memory request while a read is outstanding");
    prev_aw_ = d->axil_awvalid_o && !d->axil_awready_i;
    prev_w_ = d->axil_wvalid_o && !d->axil_wready_i;
    prev_ar_ = d->axil_arvalid_o && !d->axil_arready_i;
    prev_req_ = d->mem_req_o && !d->mem_gnt_i;
    prev_awaddr_ = d->axil_awaddr_o, prev_wdata_ = d->axil_wdata_o, prev_araddr_ = d->axil_araddr_o;
    prev_maddr_ = d->mem_addr_o, prev_mwe_ = d->mem_we_o, prev_mwdata_ = d->mem_wdata_o, prev_mstrb_ = d->mem_wstrb_o;
  }

  Testbench<Vtern_uart_bridge> tb_;
  tern_test_ctx *t_;
  uint64_t seed_, rng_;
  uartm::Decoder dec_;
  uint8_t seq_ = 0;
  uint64_t stale_ = 0;
  // AXI4-Lite slave state
  bool have_aw_ = false, have_w_ = false, bvalid_ = false, rvalid_ = false;
  uint32_t aw_addr_ = 0, w_data_ = 0, rdata_ = 0;
  int bwait_ = 0, rwait_ = 0;
  uint8_t bresp_ = 0, rresp_ = 0;
  // memory state
  bool mrd_pending_ = false;
  int mrd_wait_ = 0;
  uint64_t mrd_data_ = 0;
  // stability checks
  bool prev_aw_ = false, prev_w_ = false, prev_ar_ = false, prev_req_ = false, prev_mwe_ = false;
  uint32_t prev_awaddr_ = 0, prev_wdata_ = 0, prev_araddr_ = 0, prev_maddr_ = 0;
  uint64_t prev_mwdata_ = 0;
  unsigned prev_mstrb_ = 0;
};

Bytes addr_payload(uint32_t a) {
  Bytes p;
  uartm::put32(p, a);
  return p;
}
Bytes reg_write_payload(uint32_t a, uint32_t v) {
  Bytes p = addr_payload(a);
  uartm::put32(p, v);
  return p;
}
Bytes mem_read_payload(uint32_t a, uint32_t n) {
  Bytes p = addr_payload(a);
  uartm::put16(p, n);
  return p;
}

// ---- cases -------------------------------------------------------------------------------------

void case_identify(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/identify");
  Bench b(pa, t, seed, 1);
  Bytes r = b.must(uartm::IDENTIFY, {}, 28, "IDENTIFY");
  if (!b.failed()) {
    uint32_t want[7] = {0x424E5254u,  1u | kMaxData << 16, b.regs_.r[0],       b.regs_.r[1],
                        b.regs_.r[2], kMemBytes,           (uint32_t)TB_CLK_HZ};
    const char *names[7] = {"magic", "protocol/max data", "ID", "VERSION", "PARAMS", "memory bytes", "clock"};
    for (int i = 0; i < 7; i++)
      if (uartm::get32(r.data() + 4 * i) != want[i])
        b.fail(tb_format("IDENTIFY %s: 0x%08x, expected 0x%08x", names[i], uartm::get32(r.data() + 4 * i), want[i]));
  }
  tern_test_end(t);
}

void case_registers(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/registers");
  Bench b(pa, t, seed, 2);
  if (b.reg_read(0x000) != TERN_REG_ID_RESET) b.fail("ID read back wrong");
  for (uint32_t a = 0x020; a < 0x040 && !b.failed(); a += 4) {
    if (a == kDoorbell) continue;
    uint32_t v = (uint32_t)b.rand();
    b.reg_write(a, v);
    uint32_t got = b.reg_read(a);
    if (got != v) b.fail(tb_format("register 0x%03x: read 0x%08x after writing 0x%08x", a, got, v));
  }
  b.reg_write(0xEFC, 0x12345678);
  if (b.reg_read(0xEFC) != 0x12345678) b.fail("last plain register (0xEFC) wrong");
  uint64_t writes = b.regs_.writes;
  // bus errors
  b.must_nak(uartm::frame(uartm::REG_READ, b.next_seq(), addr_payload(0xF00)), uartm::NAK_BUS, "REG_READ SLVERR");
  b.must_nak(uartm::frame(uartm::REG_WRITE, b.next_seq(), reg_write_payload(0xFFC, 1)), uartm::NAK_BUS,
             "REG_WRITE SLVERR");
  if (b.regs_.writes != writes + 1) b.fail("the SLVERR write did not reach the bus exactly once");
  // addresses the bridge refuses without a bus access
  uint64_t reads = b.regs_.reads;
  writes = b.regs_.writes;
  for (uint32_t a : {0x022u, 0x021u, 0x1000u, 0x10000u, 0x80000000u}) {
    b.must_nak(uartm::frame(uartm::REG_READ, b.next_seq(), addr_payload(a)), uartm::NAK_ADDR, "REG_READ bad address");
    b.must_nak(uartm::frame(uartm::REG_WRITE, b.next_seq(), reg_write_payload(a, 5)), uartm::NAK_ADDR,
               "REG_WRITE bad address");
  }
  if (b.regs_.reads != reads || b.regs_.writes != writes) b.fail("a refused address reached the bus");
  if (b.reg_read(0x024) != b.shadow_regs_[0x024 / 4]) b.fail("register changed by refused requests");
  tern_test_end(t);
}

void case_memory(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/memory");
  Bench b(pa, t, seed, 3);
  // every start offset within a word with short and long lengths, both ends of the window
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  for (uint32_t off = 0; off < 8; off++)
    for (uint32_t n : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u, 15u, 16u, 17u, kMaxData - 1, kMaxData})
      spans.push_back({0x100 + off, n});
  spans.push_back({0, kMaxData});
  spans.push_back({kMemBytes - kMaxData, kMaxData});
  spans.push_back({kMemBytes - 1, 1});
  spans.push_back({kMemBytes - 3, 3});
  for (auto &s : spans) {
    if (b.failed()) break;
    Bytes d = b.random_bytes(s.second);
    b.mem_write(s.first, d);
    b.check_memory("after MEM_WRITE");
    Bytes r = b.mem_read(s.first, s.second);
    if (r != d) b.fail(tb_format("MEM_READ 0x%x+%u differs from what was written", s.first, s.second));
    // a read across a wider span with random alignment
    uint32_t a = s.first >= 5 ? s.first - 5 : 0, n = std::min<uint32_t>(s.second + 10, kMemBytes - a);
    n = std::min(n, kMaxData);
    r = b.mem_read(a, n);
    if (Bytes(b.shadow_mem_.begin() + a, b.shadow_mem_.begin() + a + n) != r)
      b.fail(tb_format("MEM_READ 0x%x+%u differs from memory", a, n));
  }
  uint64_t written = b.mem_bytes_written;
  // refused: beyond the window, zero or too long
  auto wr = [&](uint32_t a, size_t n) {
    Bytes p = addr_payload(a);
    Bytes d = b.random_bytes(n);
    p.insert(p.end(), d.begin(), d.end());
    return uartm::frame(uartm::MEM_WRITE, b.next_seq(), p);
  };
  b.must_nak(wr(kMemBytes - 3, 4), uartm::NAK_ADDR, "MEM_WRITE past the end");
  b.must_nak(wr(kMemBytes, 1), uartm::NAK_ADDR, "MEM_WRITE at the end");
  b.must_nak(wr(0x40000000u + 8, 8), uartm::NAK_ADDR, "MEM_WRITE far out");
  b.must_nak(uartm::frame(uartm::MEM_READ, b.next_seq(), mem_read_payload(kMemBytes - kMaxData + 1, kMaxData)),
             uartm::NAK_ADDR, "MEM_READ past the end");
  b.must_nak(uartm::frame(uartm::MEM_READ, b.next_seq(), mem_read_payload(0xFFFFFFF8u, 8)), uartm::NAK_ADDR,
             "MEM_READ far out");
  b.must_nak(uartm::frame(uartm::MEM_READ, b.next_seq(), mem_read_payload(0, 0)), uartm::NAK_LEN, "MEM_READ 0 bytes");
  b.must_nak(uartm::frame(uartm::MEM_READ, b.next_seq(), mem_read_payload(0, kMaxData + 1)), uartm::NAK_LEN,
             "MEM_READ too long");
  b.must_nak(uartm::frame(uartm::MEM_WRITE, b.next_seq(), addr_payload(0)), uartm::NAK_LEN, "MEM_WRITE no data");
  if (b.mem_bytes_written != written) b.fail("a refused MEM_WRITE wrote memory");
  b.check_memory("after refused requests");
  tern_test_end(t);
}

void case_irq(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/irq");
  Bench b(pa, t, seed, 4);
  b.regs_.irq_delay = 20000;  // several polls
  Bytes r = b.must(uartm::IRQ, {}, 1, "IRQ");
  if (!b.failed() && r[0] != 0) b.fail("IRQ reports the line high before any doorbell");
  b.reg_write(kDoorbell, 1);
  int polls = 0;
  for (; polls < 100 && !b.failed(); polls++) {
    r = b.must(uartm::IRQ, {}, 1, "IRQ");
    if (!b.failed() && (r[0] & 0xFE)) b.fail("IRQ answer has bits other than bit 0");
    if (!b.failed() && r[0] == 1) break;
  }
  if (!b.failed() && (polls == 0 || polls == 100)) b.fail(tb_format("the interrupt was seen after %d polls", polls));
  b.reg_write(kIrqStatus, 1);
  r = b.must(uartm::IRQ, {}, 1, "IRQ");
  if (!b.failed() && r[0] != 0) b.fail("IRQ still high after the w1c write");
  tern_test_end(t);
}

void case_malformed(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/malformed");
  Bench b(pa, t, seed, 5);
  uint64_t writes = b.regs_.writes, reads = b.regs_.reads, mw = b.mem_bytes_written;
  for (uint8_t c : {0x00, 0x07, 0x42, 0x7F, 0x81, 0xFE})
    b.must_nak(uartm::frame(c, b.next_seq(), {}), uartm::NAK_CMD, "unknown command");
  b.must_nak(uartm::frame(0x10, b.next_seq(), b.random_bytes(9)), uartm::NAK_CMD, "unknown command with payload");
  // wrong LEN for each command
  b.must_nak(uartm::frame(uartm::IDENTIFY, b.next_seq(), {1}), uartm::NAK_LEN, "IDENTIFY with payload");
  b.must_nak(uartm::frame(uartm::IRQ, b.next_seq(), {1, 2}), uartm::NAK_LEN, "IRQ with payload");
  b.must_nak(uartm::frame(uartm::REG_READ, b.next_seq(), {0, 0, 0}), uartm::NAK_LEN, "REG_READ 3 bytes");
  b.must_nak(uartm::frame(uartm::REG_READ, b.next_seq(), {0, 0, 0, 0, 0}), uartm::NAK_LEN, "REG_READ 5 bytes");
  b.must_nak(uartm::frame(uartm::REG_WRITE, b.next_seq(), {0, 0, 0, 0, 1, 2, 3}), uartm::NAK_LEN, "REG_WRITE 7 bytes");
  b.must_nak(uartm::frame(uartm::REG_WRITE, b.next_seq(), {0x20, 0, 0, 0, 1, 2, 3, 4, 5}), uartm::NAK_LEN,
             "REG_WRITE 9 bytes");
  b.must_nak(uartm::frame(uartm::MEM_READ, b.next_seq(), {0, 0, 0, 0, 8}), uartm::NAK_LEN, "MEM_READ 5 bytes");
  b.must_nak(uartm::frame(uartm::MEM_WRITE, b.next_seq(), {0, 0, 0}), uartm::NAK_LEN, "MEM_WRITE 3 bytes");
  // LEN above the largest frame: NAKed right after the header
  for (uint32_t len : {kMaxData + 5, 0xFFFFu, 0x8000u}) {
    uint8_t s = b.next_seq();
    Bytes hdr = {uartm::SYNC, uartm::MEM_WRITE, s, (uint8_t)len, (uint8_t)(len >> 8)};
    b.must_nak(hdr, uartm::NAK_LEN, "LEN too large");
  }
  // a MEM_WRITE of exactly the largest size is fine
  {
    Bytes p = addr_payload(0x200);
    Bytes d = b.random_bytes(kMaxData);
    p.insert(p.end(), d.begin(), d.end());
    b.must(uartm::MEM_WRITE, p, 0, "MEM_WRITE of MAX_DATA");
    for (size_t i = 0; i < d.size(); i++) b.shadow_mem_[0x200 + i] = d[i];
    mw += kMaxData;
  }
  // bad CRC: NAKed with the SEQ, not executed
  {
    Bytes f = uartm::frame(uartm::REG_WRITE, b.next_seq(), reg_write_payload(0x20, 0xAAAA5555));
    f[f.size() - 1] ^= 0x01;
    b.must_nak(f, uartm::NAK_CRC, "bad CRC");
    f = uartm::frame(uartm::REG_WRITE, b.next_seq(), reg_write_payload(0x20, 0xAAAA5555));
    f[7] ^= 0x80;  // a payload bit
    b.must_nak(f, uartm::NAK_CRC, "flipped payload bit");
  }
  // a framing error (low stop bit) in a payload byte
  // (the line then returns high before the next start bit: the byte count is intact)
  for (size_t k = 1; k < 11 && !b.failed(); k++) {
    uint8_t s = b.next_seq();
    Bytes f = uartm::frame(uartm::REG_READ, s, addr_payload(0x20));
    for (size_t j = 0; j < f.size(); j++) {
      b.host_tx_.push(f[j], j == k ? uartm::Tx::FRAMING : uartm::Tx::NONE);
      if (j == k) b.host_tx_.gap(2 * kCpb);
    }
    Bench::Answer a = b.await(b.timeout_for(f.size(), 4));
    if ((a.kind != Bench::Answer::NAKED || a.seq != s || a.reason() != uartm::NAK_CRC))
      b.fail(tb_format("framing error in byte %zu: expected NAK reason %u, got kind %d reason %u", k, uartm::NAK_CRC,
                       (int)a.kind, a.reason()));
    if (a.kind == Bench::Answer::OK) b.fail("a request with a framing error was acknowledged");
    b.settle_idle();
  }
  // a framing error right before the next start bit: the receiver loses the byte boundaries
  // and the frame is abandoned or NAKed, never executed
  for (size_t k = 1; k < 11 && !b.failed(); k++) {
    Bytes f = uartm::frame(uartm::REG_READ, b.next_seq(), addr_payload(0x20));
    for (size_t j = 0; j < f.size(); j++) b.host_tx_.push(f[j], j == k ? uartm::Tx::FRAMING : uartm::Tx::NONE);
    Bench::Answer a = b.await(b.timeout_for(f.size(), 4));
    if (a.kind == Bench::Answer::OK) b.fail("a request with a framing error was acknowledged");
    b.settle_idle();
  }
  if (b.regs_.reads != reads) b.fail("a request with a framing error was executed");
  // a break (line low for 30 bit times) between frames, then a good request
  {
    for (int i = 0; i < 3; i++) b.host_tx_.push(0x00, uartm::Tx::FRAMING);
    b.settle_idle();
    reads = b.regs_.reads;
  }
  if (b.regs_.writes != writes || b.mem_bytes_written != mw) b.fail("a malformed request was executed");
  if (b.reg_read(0x000) != TERN_REG_ID_RESET) b.fail("the bridge does not answer after malformed frames");
  b.check_memory("after malformed frames");
  tern_test_end(t);
}

void case_crc_retry(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/crc_retry");
  Bench b(pa, t, seed, 6);
  for (int i = 0; i < 40 && !b.failed(); i++) {
    uint32_t a = 0x40 + 4 * (uint32_t)(b.rand() % 16), v = (uint32_t)b.rand();
    uint8_t s = b.next_seq();
    Bytes f = uartm::frame(uartm::REG_WRITE, s, reg_write_payload(a, v));
    uint64_t writes = b.regs_.writes;
    // flip one bit anywhere after the header (so the SEQ arrives intact): NAK
    Bytes bad = f;
    size_t k = 5 + b.rand() % (f.size() - 5);
    bad[k] ^= (uint8_t)(1u << (b.rand() % 8));
    b.must_nak(bad, uartm::NAK_CRC, "flipped bit");
    if (b.regs_.writes != writes) b.fail("a request with a bad CRC was executed");
    // the retry, same SEQ, succeeds and executes once
    Bench::Answer ans = b.exchange(f, 0);
    if (ans.kind != Bench::Answer::OK || ans.seq != s) b.fail("the retry after a NAK failed");
    if (b.regs_.writes != writes + 1) b.fail("the retried write was not executed exactly once");
    if (b.reg_read(a) != v) b.fail("register wrong after the retried write");
  }
  tern_test_end(t);
}

void case_lost_byte(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/lost_byte");
  Bench b(pa, t, seed, 7);
  for (int i = 0; i < 30 && !b.failed(); i++) {
    bool mem = i % 2;
    uint8_t s = b.next_seq();
    Bytes d = b.random_bytes(1 + b.rand() % 40);
    uint32_t a = (uint32_t)(b.rand() % (kMemBytes - 64));
    Bytes p = addr_payload(mem ? a : 0x60);
    if (mem)
      p.insert(p.end(), d.begin(), d.end());
    else
      uartm::put32(p, 0x1234 + (uint32_t)i);
    Bytes f = uartm::frame(mem ? uartm::MEM_WRITE : uartm::REG_WRITE, s, p);
    size_t k = 1 + b.rand() % (f.size() - 1);  // any byte but the SYNC
    uint64_t written = b.mem_bytes_written, writes = b.regs_.writes;
    for (size_t j = 0; j < f.size(); j++) b.host_tx_.push(f[j], j == k ? uartm::Tx::LOST : uartm::Tx::NONE);
    Bench::Answer ans = b.await(b.timeout_for(f.size(), 2));
    // a lost LEN byte can make the frame look longer or shorter: either no answer (the idle
    // timeout abandons it) or a NAK; never an ACK, never an execution
    if (ans.kind == Bench::Answer::OK) b.fail(tb_format("a frame missing byte %zu was acknowledged", k));
    b.settle_idle();
    if (b.mem_bytes_written != written || b.regs_.writes != writes) b.fail("a frame with a lost byte was executed");
    ans = b.exchange(f, 0);
    if (ans.kind != Bench::Answer::OK || ans.seq != s) b.fail("the retry after a lost byte failed");
    if (mem)
      for (size_t j = 0; j < d.size(); j++) b.shadow_mem_[a + j] = d[j];
  }
  b.check_memory("after lost bytes");
  tern_test_end(t);
}

void case_garbage(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/garbage");
  Bench b(pa, t, seed, 8);
  for (int i = 0; i < 40 && !b.failed(); i++) {
    // garbage without SYNC right before a frame: the frame is answered on the first try
    Bytes g = b.random_bytes(1 + b.rand() % 20);
    for (auto &x : g)
      if (x == uartm::SYNC) x = 0x5A;
    b.host_tx_.push(g);
    if (b.reg_read(0x004) != TERN_REG_VERSION_RESET) b.fail("garbage without SYNC disturbed a request");
    // garbage with SYNCs, then a pause of the idle timeout: also first try
    g = b.random_bytes(1 + b.rand() % 20);
    g[b.rand() % g.size()] = uartm::SYNC;
    b.host_tx_.push(g);
    b.settle_idle();
    if (b.reg_read(0x004) != TERN_REG_VERSION_RESET) b.fail("garbage with SYNC then a pause disturbed a request");
    b.settle_idle();
  }
  // garbage with SYNC and no pause: the request may be swallowed, a retry gets through
  int retries_needed = 0;
  for (int i = 0; i < 20 && !b.failed(); i++) {
    Bytes g = {uartm::SYNC, (uint8_t)b.rand(), (uint8_t)b.rand(), (uint8_t)(b.rand() % 16), 0};
    b.host_tx_.push(g);
    uint8_t s = b.next_seq();
    Bytes f = uartm::frame(uartm::REG_READ, s, addr_payload(0x000));
    int tries = 0;
    for (; tries < 4; tries++) {
      Bench::Answer a = b.exchange(f, 4);
      if (a.kind == Bench::Answer::OK && a.seq == s) break;
      b.settle_idle();
    }
    if (tries == 4) b.fail("no answer after garbage with SYNC in 4 tries");
    retries_needed += tries;
  }
  std::printf("uart/garbage: SYNC-led garbage cost %d retries in 20 requests\n", retries_needed);
  tern_test_end(t);
}

void case_idempotent(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/retry_idempotent");
  Bench b(pa, t, seed, 9);
  // DOORBELL whose ACK is lost: the retry is answered, the doorbell rings once
  for (int i = 0; i < 10 && !b.failed(); i++) {
    uint64_t bells = b.regs_.doorbells;
    uint8_t s = b.next_seq();
    Bytes f = uartm::frame(uartm::REG_WRITE, s, reg_write_payload(kDoorbell, 1));
    b.ans_drop = (int)(b.rand() % 7);
    Bench::Answer a = b.exchange(f, 0);
    if (a.kind == Bench::Answer::OK) b.fail("the ACK with a dropped byte was accepted");
    b.settle_idle();
    for (int r = 0; r < 3 && !b.failed(); r++) {  // several retries, all answered, none executed
      a = b.exchange(f, 0);
      if (a.kind != Bench::Answer::OK || a.seq != s || a.cmd != (uartm::REG_WRITE | uartm::ACK))
        b.fail("the retried DOORBELL was not acknowledged");
    }
    if (b.regs_.doorbells != bells + 1)
      b.fail(tb_format("DOORBELL rang %" PRIu64 " times for one request and 3 retries", b.regs_.doorbells - bells));
    b.run(b.regs_.irq_delay + 10);
    b.reg_write(kIrqStatus, 1);
  }
  // MEM_WRITE whose ACK is damaged; memory changed behind the bridge's back before the retry
  // must stay changed (the retry is not executed)
  for (int i = 0; i < 10 && !b.failed(); i++) {
    uint32_t a = 0x300 + 16 * (uint32_t)i;
    Bytes d = b.random_bytes(12);
    Bytes p = addr_payload(a);
    p.insert(p.end(), d.begin(), d.end());
    uint8_t s = b.next_seq();
    Bytes f = uartm::frame(uartm::MEM_WRITE, s, p);
    b.ans_flip = (int)(b.rand() % 7);
    Bench::Answer ans = b.exchange(f, 0);
    if (ans.kind == Bench::Answer::OK) b.fail("an answer with a flipped bit was accepted");
    b.settle_idle();
    for (size_t j = 0; j < d.size(); j++) b.mem_[a + j] = b.shadow_mem_[a + j] = (uint8_t)~d[j];
    ans = b.exchange(f, 0);
    if (ans.kind != Bench::Answer::OK || ans.seq != s) b.fail("the retried MEM_WRITE was not acknowledged");
    b.check_memory("a retried MEM_WRITE was executed again");
  }
  // a retried REG_WRITE that failed on the bus is answered with the same NAK, not executed
  {
    uint8_t s = b.next_seq();
    Bytes f = uartm::frame(uartm::REG_WRITE, s, reg_write_payload(0xF10, 7));
    uint64_t writes = b.regs_.writes;
    b.must_nak(f, uartm::NAK_BUS, "REG_WRITE SLVERR");
    b.must_nak(f, uartm::NAK_BUS, "retried REG_WRITE SLVERR");
    if (b.regs_.writes != writes + 1) b.fail("the retried failing write reached the bus again");
  }
  // the same SEQ and CMD after another request executed is a new request
  {
    uint8_t s = b.next_seq();
    uint64_t bells = b.regs_.doorbells;
    Bytes f = uartm::frame(uartm::REG_WRITE, s, reg_write_payload(kDoorbell, 1));
    if (b.exchange(f, 0).kind != Bench::Answer::OK) b.fail("DOORBELL failed");
    b.reg_read(0x000);
    if (b.exchange(f, 0).kind != Bench::Answer::OK) b.fail("DOORBELL failed");
    if (b.regs_.doorbells != bells + 2) b.fail("a request with a reused SEQ after another request was not executed");
    // IDENTIFY forgets the last request: the same frame again executes
    b.must(uartm::IDENTIFY, {}, 28, "IDENTIFY");
    if (b.exchange(f, 0).kind != Bench::Answer::OK) b.fail("DOORBELL failed");
    if (b.regs_.doorbells != bells + 3) b.fail("IDENTIFY did not clear the retry memory");
  }
  // reads are executed again (they have no side effects)
  {
    uint8_t s = b.next_seq();
    Bytes f = uartm::frame(uartm::REG_READ, s, addr_payload(0x024));
    uint64_t reads = b.regs_.reads;
    b.exchange(f, 4);
    b.exchange(f, 4);
    if (b.regs_.reads != reads + 2) b.fail("a retried REG_READ was not read again");
  }
  tern_test_end(t);
}

void case_back_to_back(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/back_to_back");
  Bench b(pa, t, seed, 10);
  b.p_ready = b.p_gnt = 1.0;
  b.max_lat = 1;
  // each request leaves the host the cycle its answer's last stop bit was sampled
  for (int i = 0; i < 60 && !b.failed(); i++) {
    uint32_t a = 0x100 + 4 * (uint32_t)(i % 32);
    b.reg_write(a, (uint32_t)i * 0x01010101u);
    if (b.reg_read(a) != (uint32_t)i * 0x01010101u) b.fail("back-to-back read wrong");
    Bytes d = b.random_bytes(1 + b.rand() % 24);
    uint32_t m = (uint32_t)(b.rand() % (kMemBytes - 32));
    b.mem_write(m, d);
    if (b.mem_read(m, (uint32_t)d.size()) != d) b.fail("back-to-back memory read wrong");
  }
  // two frames in one burst: the second arrives while the first is executed and answered,
  // is ignored (stop and wait), and gets through when sent again
  b.p_ready = b.p_gnt = 0.6;
  for (int i = 0; i < 10 && !b.failed(); i++) {
    uint8_t s1 = b.next_seq(), s2 = b.next_seq();
    Bytes f1 = uartm::frame(uartm::REG_WRITE, s1, reg_write_payload(0x0A0, 0x11 + (uint32_t)i));
    Bytes f2 = uartm::frame(uartm::REG_WRITE, s2, reg_write_payload(0x0A4, 0x22 + (uint32_t)i));
    Bytes both = f1;
    both.insert(both.end(), f2.begin(), f2.end());
    Bench::Answer a = b.exchange(both, 0);
    if (a.kind != Bench::Answer::OK || a.seq != s1) b.fail("first of two frames not answered");
    b.settle_idle();
    int tries = 0;
    while (tries < 3 && !b.failed()) {
      a = b.exchange(f2, 0);
      if (a.kind == Bench::Answer::OK && a.seq == s2) break;
      tries++;
      b.settle_idle();
    }
    if (tries == 3) b.fail("second frame never answered");
    if (b.reg_read(0x0A0) != 0x11 + (uint32_t)i || b.reg_read(0x0A4) != 0x22 + (uint32_t)i)
      b.fail("registers wrong after two frames in one burst");
  }
  tern_test_end(t);
}

void case_baud_tolerance(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/baud_tolerance");
  Bench b(pa, t, seed, 11);
  for (double err : {-0.03, 0.03, -0.015, 0.015}) {
    b.host_tx_.set_clks_per_bit(kCpb * (1.0 + err));
    for (int i = 0; i < 6 && !b.failed(); i++) {
      Bytes d = b.random_bytes(1 + b.rand() % 64);
      uint32_t m = (uint32_t)(b.rand() % (kMemBytes - 64));
      b.mem_write(m, d);
      if (b.mem_read(m, (uint32_t)d.size()) != d)
        b.fail(tb_format("memory wrong with the host %+.1f%% off", err * 100));
    }
  }
  tern_test_end(t);
}

void case_reset(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/reset_mid_frame");
  Bench b(pa, t, seed, 12);
  for (int i = 0; i < 8 && !b.failed(); i++) {
    Bytes p = addr_payload(0x400);
    Bytes d = b.random_bytes(100);
    p.insert(p.end(), d.begin(), d.end());
    Bytes f = uartm::frame(uartm::MEM_WRITE, b.next_seq(), p);
    b.host_tx_.push(f);
    b.run(b.rand() % (f.size() * 10 * kCpb));
    b.host_tx_.clear();
    b.reset_dut();
    b.settle_idle();
    b.check_memory("memory written by a frame cut by reset");
    if (b.reg_read(0x000) != TERN_REG_ID_RESET) b.fail("no answer after reset");
  }
  tern_test_end(t);
}

// Random traffic with faults in both directions; the host retries like the driver does.
void case_random(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "uart/random");
  Bench b(pa, t, seed, 13);
  uint64_t ops = pa.num("ops", 3000);
  uint64_t expect_writes = 0, expect_bytes = 0, tries_total = 0, faults = 0, naks_ok = 0;
  const double p_fault = 0.15;
  for (uint64_t op = 0; op < ops && !b.failed(); op++) {
    b.p_ready = 0.2 + 0.8 * b.uniform();
    b.p_gnt = 0.2 + 0.8 * b.uniform();
    int kind = (int)(b.rand() % 100);
    uint8_t cmd;
    Bytes p;
    size_t ans_len = 0;
    int expect_nak = 0;
    uint32_t a = 0, n = 0, v = 0;
    Bytes data;
    if (kind < 25) {  // REG_WRITE: plain registers, sometimes DOORBELL/IRQ_STATUS/SLVERR/refused
      cmd = uartm::REG_WRITE;
      int k = (int)(b.rand() % 20);
      a = k == 0   ? kDoorbell
          : k == 1 ? kIrqStatus
          : k == 2 ? 0xF00 + 4 * (uint32_t)(b.rand() % 64)
          : k == 3 ? (uint32_t)b.rand() | 1u
                   : 0x040 + 4 * (uint32_t)(b.rand() % 400);
      v = k == 1 ? 1 : (uint32_t)b.rand();
      p = reg_write_payload(a, v);
      expect_nak = k == 2 ? uartm::NAK_BUS : k == 3 ? uartm::NAK_ADDR : 0;
    } else if (kind < 45) {  // REG_READ
      cmd = uartm::REG_READ;
      int k = (int)(b.rand() % 20);
      a = k == 0   ? 0xF00 + 4 * (uint32_t)(b.rand() % 64)
          : k == 1 ? 0x1000 + 4 * (uint32_t)(b.rand() % 100)
                   : 0x040 + 4 * (uint32_t)(b.rand() % 400);
      p = addr_payload(a);
      ans_len = 4;
      expect_nak = k == 0 ? uartm::NAK_BUS : k == 1 ? uartm::NAK_ADDR : 0;
    } else if (kind < 70) {  // MEM_WRITE
      cmd = uartm::MEM_WRITE;
      n = 1 + (uint32_t)(b.rand() % (b.rand() % 3 ? 32 : kMaxData));
      a = (uint32_t)(b.rand() % (kMemBytes - n + 1));
      if (b.rand() % 25 == 0) a = kMemBytes - n + 1 + (uint32_t)(b.rand() % 8), expect_nak = uartm::NAK_ADDR;
      data = b.random_bytes(n);
      p = addr_payload(a);
      p.insert(p.end(), data.begin(), data.end());
    } else if (kind < 90) {  // MEM_READ
      cmd = uartm::MEM_READ;
      n = 1 + (uint32_t)(b.rand() % (b.rand() % 3 ? 32 : kMaxData));
      a = (uint32_t)(b.rand() % (kMemBytes - n + 1));
      if (b.rand() % 25 == 0) n = kMaxData + 1, expect_nak = uartm::NAK_LEN;
      p = mem_read_payload(a, n);
      ans_len = n;
    } else if (kind < 97) {
      cmd = uartm::IRQ;
      ans_len = 1;
    } else {
      cmd = uartm::IDENTIFY;
      ans_len = 28;
    }
    uint8_t s = b.next_seq();
    Bytes f = uartm::frame(cmd, s, p);
    bool irq_stable_before = !b.regs_.irq_at;
    bool irq_before = b.regs_.irq;
    Bench::Answer ans;
    int tries = 0;
    for (; tries < 16 && !b.failed(); tries++) {
      // faults: garbage before the frame, a flipped bit, a lost byte, a framing error, a
      // damaged answer
      if (b.uniform() < 0.1) {
        Bytes g = b.random_bytes(1 + b.rand() % 8);
        b.host_tx_.push(g);
        if (b.uniform() < 0.5) b.host_tx_.gap(kIdleClks + 12 * kCpb);
        faults++;
      }
      int fault = b.uniform() < p_fault ? (int)(1 + b.rand() % 4) : 0;
      size_t k = b.rand() % f.size();
      faults += fault != 0;
      for (size_t j = 0; j < f.size(); j++) {
        uint8_t by = f[j];
        uartm::Tx::Fault tf = uartm::Tx::NONE;
        if (j == k && fault == 1) by ^= (uint8_t)(1u << (b.rand() % 8));
        if (j == k && fault == 2) tf = uartm::Tx::LOST;
        if (j == k && fault == 3) tf = uartm::Tx::FRAMING;
        b.host_tx_.push(by, tf);
      }
      if (fault == 4) {
        if (b.rand() % 2)
          b.ans_drop = (int)(b.rand() % (ans_len + 7));
        else
          b.ans_flip = (int)(b.rand() % (ans_len + 7));
      }
      ans = b.await(b.timeout_for(f.size() + 20, ans_len + 8));
      b.ans_drop = b.ans_flip = -1;
      bool ours = ans.seq == s && (ans.kind == Bench::Answer::OK || ans.kind == Bench::Answer::NAKED);
      if (ours && ans.kind == Bench::Answer::OK) break;
      if (ours && ans.kind == Bench::Answer::NAKED && ans.reason() != uartm::NAK_CRC && ans.reason() != uartm::NAK_LEN)
        break;
      if (ours && ans.kind == Bench::Answer::NAKED && ans.reason() == expect_nak) break;  // NAK_LEN expected
      b.settle_idle();
    }
    b.settle_idle();
    tries_total += (uint64_t)tries;
    if (b.failed()) break;
    if (tries == 16) {
      b.fail(tb_format("op %" PRIu64 " (CMD 0x%02x) got no good answer in 16 tries", op, cmd));
      break;
    }
    if (expect_nak) {
      if (ans.kind != Bench::Answer::NAKED || ans.reason() != expect_nak)
        b.fail(tb_format("op %" PRIu64 " (CMD 0x%02x addr 0x%x n %u): expected NAK %d, got kind %d reason %u", op, cmd,
                         a, n, expect_nak, (int)ans.kind, ans.reason()));
      naks_ok++;
      if (cmd == uartm::REG_WRITE && expect_nak == uartm::NAK_BUS) expect_writes++;
      continue;
    }
    if (ans.kind != Bench::Answer::OK || ans.cmd != (cmd | uartm::ACK) || ans.payload.size() != ans_len) {
      b.fail(tb_format("op %" PRIu64 " (CMD 0x%02x addr 0x%x n %u): answer kind %d CMD 0x%02x LEN %zu reason %u", op,
                       cmd, a, n, (int)ans.kind, ans.cmd, ans.payload.size(), ans.reason()));
      break;
    }
    switch (cmd) {
      case uartm::REG_WRITE:
        expect_writes++;
        if (a != kDoorbell && a != kIrqStatus) b.shadow_regs_[a / 4] = v;
        break;
      case uartm::REG_READ: {
        uint32_t got = uartm::get32(ans.payload.data());
        if (a != kIrqStatus && got != b.shadow_regs_[a / 4])
          b.fail(tb_format("op %" PRIu64 ": REG_READ 0x%03x = 0x%08x, expected 0x%08x", op, a, got,
                           b.shadow_regs_[a / 4]));
        break;
      }
      case uartm::MEM_WRITE:
        expect_bytes += n;
        for (uint32_t j = 0; j < n; j++) b.shadow_mem_[a + j] = data[j];
        break;
      case uartm::MEM_READ:
        if (Bytes(b.shadow_mem_.begin() + a, b.shadow_mem_.begin() + a + n) != ans.payload)
          b.fail(tb_format("op %" PRIu64 ": MEM_READ 0x%x+%u differs from memory", op, a, n));
        break;
      case uartm::IRQ:
        if (irq_stable_before && !b.regs_.irq_at && irq_before == b.regs_.irq &&
            ans.payload[0] != (b.regs_.irq ? 1 : 0))
          b.fail(tb_format("op %" PRIu64 ": IRQ answered %u, the line is %d", op, ans.payload[0], b.regs_.irq));
        break;
      default:
        if (uartm::get32(ans.payload.data()) != 0x424E5254u) b.fail("IDENTIFY magic wrong");
        break;
    }
    if (b.regs_.irq) b.regs_.irq = false;  // keep doorbells ringing
  }
  if (!b.failed() && b.regs_.writes != expect_writes)
    b.fail(tb_format("%" PRIu64 " register writes on the bus for %" PRIu64 " write requests", b.regs_.writes,
                     expect_writes));
  if (!b.failed() && b.mem_bytes_written != expect_bytes)
    b.fail(tb_format("%" PRIu64 " memory bytes written for %" PRIu64 " requested", b.mem_bytes_written, expect_bytes));
  if (!b.failed()) b.check_memory("after random traffic");
  for (uint32_t i = 0x040 / 4; i < 0xF00 / 4 && !b.failed(); i++)
    if (b.regs_.r[i] != b.shadow_regs_[i]) b.fail(tb_format("register 0x%03x differs from its shadow", i * 4));
  std::printf("uart/random: %" PRIu64 " ops, %" PRIu64 " faults injected, %" PRIu64 " tries, %" PRIu64
              " expected NAKs, %" PRIu64 " cycles, seed %" PRIu64 "\n",
              ops, faults, tries_total + ops, naks_ok, b.cycle(), seed);
  tern_test_end(t);
}

// ---- TCP: the bridge's UART on a socket --------------------------------------------------------

int serve_tcp(const Plusargs &pa, uint64_t seed) {
  tern_test_ctx t = {};
  tern_test_begin(&t, "uart/tcp_serve");
  Bench b(pa, &t, seed, 99);
  double p_flip = pa.real("flip", 0.0), p_drop = pa.real("drop", 0.0);
  uint64_t max_s = pa.num("max_seconds", 600);
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa = {};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t)pa.num("tcp", 0));
  socklen_t sl = sizeof sa;
  if (ls < 0 || bind(ls, (sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 1) != 0 ||
      getsockname(ls, (sockaddr *)&sa, &sl) != 0) {
    std::printf("FAIL uart/tcp_serve: cannot listen on 127.0.0.1:%u\n", (unsigned)pa.num("tcp", 0));
    return 1;
  }
  std::printf("uart_bridge_tb: listening on 127.0.0.1:%u\n", ntohs(sa.sin_port));
  std::fflush(stdout);
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return (uint64_t)std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
  };
  pollfd pf = {ls, POLLIN, 0};
  if (poll(&pf, 1, (int)(max_s * 1000)) != 1) {
    std::printf("FAIL uart/tcp_serve: no client within %" PRIu64 " s\n", max_s);
    return 1;
  }
  int fd = accept(ls, nullptr, nullptr);
  close(ls);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  uint64_t in_bytes = 0, out_bytes = 0, flips = 0, drops = 0, last_activity = b.cycle();
  const uint64_t kQuiet = (uint64_t)std::max(4 * kIdleClks, 4000);
  bool open = true;
  std::vector<uint8_t> out;
  while (open && !b.failed() && elapsed() < max_s) {
    bool active = !b.host_tx_.idle() || b.host_rx_.busy() || b.regs_.irq_at || !b.dut()->uart_tx_o;
    if (active) last_activity = b.cycle();
    bool idle_long = b.cycle() - last_activity > kQuiet;
    // take bytes from the socket: check often while the board runs, block while it idles
    if (idle_long || b.cycle() % 256 == 0) {
      pollfd p = {fd, POLLIN, 0};
      int r = poll(&p, 1, idle_long ? 100 : 0);
      if (r > 0) {
        uint8_t buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          open = false;
          break;
        }
        for (ssize_t i = 0; i < n; i++) {
          in_bytes++;
          if (b.uniform() < p_drop) {
            b.host_tx_.push(buf[i], uartm::Tx::LOST);
            drops++;
          } else if (b.uniform() < p_flip) {
            b.host_tx_.push((uint8_t)(buf[i] ^ (1u << (b.rand() % 8))));
            flips++;
          } else {
            b.host_tx_.push(buf[i]);
          }
        }
        if (n > 0) last_activity = b.cycle();
      }
      if (idle_long) continue;
    }
    b.step();
    auto &q = b.host_rx_.bytes();
    while (!q.empty()) {
      uint8_t by = q.front().data;
      q.pop_front();
      if (b.uniform() < p_drop) {
        drops++;
        continue;
      }
      if (b.uniform() < p_flip) by ^= (uint8_t)(1u << (b.rand() % 8)), flips++;
      out.push_back(by);
    }
    if (!out.empty() && (b.host_rx_.bytes().empty())) {
      size_t off = 0;
      while (off < out.size()) {
        ssize_t w = send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
        if (w > 0)
          off += (size_t)w;
        else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
          pollfd p = {fd, POLLOUT, 0};
          poll(&p, 1, 100);
        } else {
          open = false;
          break;
        }
      }
      out_bytes += out.size();
      out.clear();
    }
  }
  close(fd);
  std::printf("uart/tcp_serve: %" PRIu64 " bytes in, %" PRIu64 " out, %" PRIu64 " flipped, %" PRIu64
              " dropped, %" PRIu64 " cycles, %" PRIu64 " doorbells, seed %" PRIu64 "\n",
              in_bytes, out_bytes, flips, drops, b.cycle(), b.regs_.doorbells, seed);
  if (open && !b.failed()) b.fail(tb_format("the client was still connected after %" PRIu64 " s", max_s));
  tern_test_end(&t);
  return tern_test_exit(&t);
}

}  // namespace

int main(int argc, char **argv) {
  Plusargs pa(argc, argv);
  Verilated::commandArgs(argc, argv);
  uint64_t seed =
      pa.has("seed") ? pa.num("seed", 0) : (uint64_t)std::chrono::system_clock::now().time_since_epoch().count();
  if (pa.has("tcp")) return serve_tcp(pa, seed);
  tern_test_ctx t = {};
  const struct {
    const char *name;
    void (*fn)(const Plusargs &, tern_test_ctx *, uint64_t);
  } cases[] = {{"identify", case_identify},
               {"registers", case_registers},
               {"memory", case_memory},
               {"irq", case_irq},
               {"malformed", case_malformed},
               {"crc_retry", case_crc_retry},
               {"lost_byte", case_lost_byte},
               {"garbage", case_garbage},
               {"retry_idempotent", case_idempotent},
               {"back_to_back", case_back_to_back},
               {"baud_tolerance", case_baud_tolerance},
               {"reset_mid_frame", case_reset},
               {"random", case_random}};
  std::string only = pa.str("case", "");
  for (auto &c : cases)
    if (only.empty() || only == c.name) c.fn(pa, &t, seed);
  return tern_test_exit(&t);
}
