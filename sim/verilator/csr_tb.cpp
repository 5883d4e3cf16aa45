// SPDX-License-Identifier: Apache-2.0
// Verilator bench of rtl/tern_csr.v in lock-step with the C register-level device model
// (cmodel/include/tern_devmodel.h, the reference for every register).
//
// The RTL and one tern_devmodel see the same AXI4-Lite reads and writes (random offsets,
// holes and misaligned ones included, random values and byte strobes, random VALID delays
// on AW/W/AR and random READY on B/R, so AW comes before W, after it or with it). Every read
// value, every RRESP/BRESP, irq_o and desc_valid_o (every cycle) are compared. The bench is
// also the job engine: when it pops a descriptor (desc_ready_i at random) it checks the
// descriptor against a shadow of what the model queued, runs that one job on the model
// (tern_devmodel_run(dm, 1)) at the same edge and pulses job_done_i / job_err_i /
// job_err_code_i / cycles_i with the model's outcome. The outcome is taken from a fresh probe
// model that runs the same descriptor alone (so its IRQ_STATUS.ERROR and STATUS.ERR are
// unambiguous) and cross-checked against the main model after its run.
//
// Events of one clock edge are applied to the model in the RTL's order (rtl/tern_csr.v):
// the read sampled at the AR handshake first, then the write (it takes effect at the edge
// after both AW and W were accepted; the bench checks that BVALID rises there), then the
// job engine's pop. The model has no job engine, so STATUS.BUSY read from the RTL is the
// model's BUSY or job_busy_i (driven at random). Byte strobes: the model has none; a write
// with WSTRB != 4'hf is given to it as the equivalent full write (rw registers merge the
// unselected bytes from their current value, IRQ_STATUS and DOORBELL see the data with the
// unselected bytes zeroed).
//
//   +seed=S      seed (default: from time)      +txns=N   random transactions (default 24000)
//   +vcd=FILE    waveform (benches built with --trace)
// Output: one "PASS name" / "FAIL name: detail" line per case (tests/common/tern_test.h).
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "Vtern_csr.h"
#include "tb.h"
#include "tern_devmodel.h"

#ifndef TB_AR_DECODE_REG
#define TB_AR_DECODE_REG 0  // the DUT's AR_DECODE_REG parameter (sim/Makefile AR_DECODE_REG=)
#endif
#include "tern_geom.h"
#include "tern_params.h"
#include "tern_test.h"

static const tern_geom kGeom = {TB_ROWS, TB_LANES};
static const size_t kMemBytes = 64 * 1024;
static const int kSlverr = 2;  // AXI RESP encoding
static const int kTimeout = 2000;

namespace {

const uint32_t kRegs[] = {TERN_REG_ID_OFFSET,         TERN_REG_VERSION_OFFSET,    TERN_REG_PARAMS_OFFSET,
                          TERN_REG_QUEUE_OFFSET,      TERN_REG_CTRL_OFFSET,       TERN_REG_STATUS_OFFSET,
                          TERN_REG_IRQ_STATUS_OFFSET, TERN_REG_JOBS_DONE_OFFSET,  TERN_REG_JOB_K_OFFSET,
                          TERN_REG_JOB_N_OFFSET,      TERN_REG_JOB_CFG_OFFSET,    TERN_REG_JOB_W_ADDR_OFFSET,
                          TERN_REG_JOB_A_ADDR_OFFSET, TERN_REG_JOB_O_ADDR_OFFSET, TERN_REG_DOORBELL_OFFSET,
                          TERN_REG_ACT_BUF_OFFSET,    TERN_REG_CYCLES_OFFSET};
const uint32_t kWritable[] = {TERN_REG_CTRL_OFFSET,       TERN_REG_IRQ_STATUS_OFFSET, TERN_REG_JOB_K_OFFSET,
                              TERN_REG_JOB_N_OFFSET,      TERN_REG_JOB_CFG_OFFSET,    TERN_REG_JOB_W_ADDR_OFFSET,
                              TERN_REG_JOB_A_ADDR_OFFSET, TERN_REG_JOB_O_ADDR_OFFSET, TERN_REG_DOORBELL_OFFSET};
const size_t kNumRegs = sizeof kRegs / sizeof kRegs[0];
const size_t kNumWritable = sizeof kWritable / sizeof kWritable[0];

bool is_rw(uint32_t a) {
  return a == TERN_REG_CTRL_OFFSET || (a >= TERN_REG_JOB_K_OFFSET && a <= TERN_REG_JOB_O_ADDR_OFFSET);
}

uint32_t strb_mask(unsigned strb) {
  uint32_t m = 0;
  for (int i = 0; i < 4; i++)
    if (strb >> i & 1) m |= 0xFFu << (8 * i);
  return m;
}

struct Desc {
  uint32_t k, n, cfg, w, a, o;
};

struct WrTxn {
  bool active = false;
  uint32_t addr = 0, data = 0;
  unsigned strb = 0xF;
  int aw_delay = 0, w_delay = 0;
  bool aw_acc = false, w_acc = false, exec = false;
  int exp_resp = 0;
  uint64_t start = 0;
};

struct RdTxn {
  bool active = false;
  uint32_t addr = 0;
  int ar_delay = 0;
  bool ar_acc = false;
  uint32_t exp_val = 0;
  int exp_resp = 0;
  uint32_t got_val = 0;
  int got_resp = 0;
  uint64_t start = 0;
};

enum PopMode { POP_RANDOM, POP_NEVER, POP_ON_EXEC };

// Things the random run must have hit for it to count.
struct Coverage {
  uint64_t aw_first = 0, w_first = 0, aw_w_together = 0;
  uint64_t push_pop_same_edge = 0, queue_full = 0, full_push_pop_same_edge = 0, w1c_vs_cause = 0;
  uint64_t jobs_ok = 0, jobs_failed = 0, rd_slverr = 0, wr_slverr = 0, rd_wr_same_edge = 0;
  uint64_t partial_strb = 0, irq_high_cycles = 0, busy_reads = 0;
};

class CsrBench {
 public:
  // seed: the run's (+seed=), printed on failure; salt: per case, so cases differ.
  CsrBench(const Plusargs &pa, tern_test_ctx *t, uint64_t seed, uint64_t salt)
      : tb_(pa), t_(t), seed_(seed), rng_(seed ^ (salt * 0x9E3779B97F4A7C15ull)), mem_(kMemBytes), scratch_(kMemBytes) {
    for (auto &b : mem_) b = (uint8_t)tern_rand_next(&rng_);
    reset();
  }
  ~CsrBench() { tern_devmodel_free(dm_); }

  Vtern_csr *dut() { return tb_.dut(); }
  tern_devmodel *model() { return dm_; }
  Coverage cov;
  PopMode pop_mode = POP_RANDOM;
  double p_pop = 0.2, p_bready = 0.7, p_rready = 0.7, p_busy = 0.1;
  int max_delay = 3;

  bool failed() const { return t_->failed != 0; }
  void fail(const std::string &why) {
    if (!t_->failed) tern_test_fail(t_, "%s (cycle %" PRIu64 ", seed=%" PRIu64 ")", why.c_str(), tb_.cycle(), seed_);
  }

  // Reset both sides: the RTL by rst_ni (with any transaction abandoned), the model anew.
  void reset() {
    auto *d = dut();
    d->axil_awvalid_i = d->axil_wvalid_i = d->axil_arvalid_i = 0;
    d->axil_bready_i = d->axil_rready_i = 0;
    d->desc_ready_i = d->job_busy_i = d->job_done_i = d->job_err_i = 0;
    d->job_err_code_i = 0;
    d->cycles_i = 0;
    tb_.reset();
    tern_devmodel_free(dm_);
    dm_ = tern_devmodel_new(kGeom, mem_.data(), mem_.size());
    if (!dm_) {
      std::fprintf(stderr, "tern_devmodel_new failed\n");
      std::exit(2);
    }
    shadow_.clear();
    wr_ = WrTxn();
    rd_ = RdTxn();
  }

  uint32_t model_reg(uint32_t off) {
    uint32_t v = 0;
    if (tern_devmodel_read(dm_, off, &v) != 0) fail(tb_format("model refused a read of 0x%03x", off));
    return v;
  }

  void start_write(uint32_t addr, uint32_t data, unsigned strb) {
    wr_ = WrTxn();
    wr_.active = true;
    wr_.addr = addr;
    wr_.data = data;
    wr_.strb = strb;
    wr_.aw_delay = rand_delay();
    wr_.w_delay = rand_delay();
    wr_.start = tb_.cycle();
  }
  void start_read(uint32_t addr) {
    rd_ = RdTxn();
    rd_.active = true;
    rd_.addr = addr;
    rd_.ar_delay = rand_delay();
    rd_.start = tb_.cycle();
  }
  bool write_busy() const { return wr_.active; }
  bool read_busy() const { return rd_.active; }

  // Blocking accesses for the directed cases; the lock-step checks run all the while.
  int write(uint32_t addr, uint32_t data, unsigned strb = 0xF) {
    start_write(addr, data, strb);
    while (wr_.active && !failed()) step();
    return last_bresp_;
  }
  uint32_t read(uint32_t addr, int *resp = nullptr) {
    start_read(addr);
    while (rd_.active && !failed()) step();
    if (resp) *resp = rd_.got_resp;
    return rd_.got_val;
  }
  void idle(int n) {
    for (int i = 0; i < n && !failed(); i++) step();
  }
  size_t shadow_level() const { return shadow_.size(); }

  // One clock cycle of both sides.
  void step() {
    auto *d = dut();
    // Inputs of this cycle.
    d->axil_awvalid_i = wr_.active && !wr_.aw_acc && wr_.aw_delay == 0;
    d->axil_wvalid_i = wr_.active && !wr_.w_acc && wr_.w_delay == 0;
    d->axil_awaddr_i = d->axil_awvalid_i ? wr_.addr : (uint32_t)tern_rand_next(&rng_) & 0xFFF;
    d->axil_wdata_i = d->axil_wvalid_i ? wr_.data : (uint32_t)tern_rand_next(&rng_);
    d->axil_wstrb_i = d->axil_wvalid_i ? wr_.strb : (unsigned)tern_rand_next(&rng_) & 0xF;
    d->axil_arvalid_i = rd_.active && !rd_.ar_acc && rd_.ar_delay == 0;
    d->axil_araddr_i = d->axil_arvalid_i ? rd_.addr : (uint32_t)tern_rand_next(&rng_) & 0xFFF;
    d->axil_bready_i = tb_uniform(&rng_) < p_bready;
    d->axil_rready_i = tb_uniform(&rng_) < p_rready;
    d->job_busy_i = tb_uniform(&rng_) < p_busy;
    d->job_done_i = d->job_err_i = 0;
    d->job_err_code_i = (uint32_t)tern_rand_next(&rng_) & 0xFF;  // must be ignored without a pulse
    d->cycles_i = (uint32_t)tern_rand_next(&rng_);
    tb_.settle();

    const bool aw_hs = d->axil_awvalid_i && d->axil_awready_o;
    const bool w_hs = d->axil_wvalid_i && d->axil_wready_o;
    const bool ar_hs = d->axil_arvalid_i && d->axil_arready_o;
    const bool b_hs = d->axil_bvalid_o && d->axil_bready_i;
    const bool r_hs = d->axil_rvalid_o && d->axil_rready_i;

    // Responses.
    if (b_hs) {
      if (!wr_.active || !wr_.exec) {
        fail("BVALID without a completed write");
      } else {
        if (d->axil_bresp_o != wr_.exp_resp)
          fail(tb_format("write 0x%03x = 0x%08x strb %x: BRESP %d, model %d", wr_.addr, wr_.data, wr_.strb,
                         d->axil_bresp_o, wr_.exp_resp));
        last_bresp_ = d->axil_bresp_o;
        wr_.active = false;
      }
    }
    if (r_hs) {
      if (!rd_.active || !rd_.ar_acc) {
        fail("RVALID without an accepted read");
      } else {
        rd_.got_val = d->axil_rdata_o;
        rd_.got_resp = d->axil_rresp_o;
        if (d->axil_rresp_o != rd_.exp_resp)
          fail(tb_format("read 0x%03x: RRESP %d, model %d", rd_.addr, d->axil_rresp_o, rd_.exp_resp));
        else if (rd_.exp_resp == 0 && d->axil_rdata_o != rd_.exp_val)
          fail(tb_format("read 0x%03x: RTL 0x%08x, model 0x%08x", rd_.addr, d->axil_rdata_o, rd_.exp_val));
        rd_.active = false;
      }
    }
    if (wr_.active && tb_.cycle() - wr_.start > kTimeout) fail(tb_format("write 0x%03x never completed", wr_.addr));
    if (rd_.active && tb_.cycle() - rd_.start > kTimeout) fail(tb_format("read 0x%03x never completed", rd_.addr));

    // The model, in the RTL's order of this edge: (1) the read sampled at AR.
    if (ar_hs) {
      uint32_t v = 0;
      int rc = tern_devmodel_read(dm_, rd_.addr, &v);
      if (rd_.addr == TERN_REG_STATUS_OFFSET && d->job_busy_i) {
        v |= TERN_REG_STATUS_BUSY_MASK;
        cov.busy_reads++;
      }
      rd_.ar_acc = true;
      rd_.exp_val = v;
      rd_.exp_resp = rc ? kSlverr : 0;
      if (rc) cov.rd_slverr++;
    }
    // (2) the write whose AW and W were both accepted at earlier edges.
    const bool exec = wr_.active && wr_.aw_acc && wr_.w_acc && !wr_.exec;
    const bool exec_w1c = exec && wr_.addr == TERN_REG_IRQ_STATUS_OFFSET && (wr_.data & strb_mask(wr_.strb) & 3);
    const bool exec_db = exec && wr_.addr == TERN_REG_DOORBELL_OFFSET && (wr_.data & strb_mask(wr_.strb) & 1);
    uint32_t level_before = model_reg(TERN_REG_QUEUE_OFFSET) >> TERN_REG_QUEUE_LEVEL_LSB & 0xFF;
    if (exec) {
      if (ar_hs) cov.rd_wr_same_edge++;
      if (wr_.strb != 0xF) cov.partial_strb++;
      wr_.exec = true;
      wr_.exp_resp = model_write(wr_.addr, wr_.data, wr_.strb) ? kSlverr : 0;
      if (wr_.exp_resp) cov.wr_slverr++;
      uint32_t level_after = model_reg(TERN_REG_QUEUE_OFFSET) >> TERN_REG_QUEUE_LEVEL_LSB & 0xFF;
      if (level_after == level_before + 1) {
        shadow_.push_back(Desc{model_reg(TERN_REG_JOB_K_OFFSET), model_reg(TERN_REG_JOB_N_OFFSET),
                               model_reg(TERN_REG_JOB_CFG_OFFSET), model_reg(TERN_REG_JOB_W_ADDR_OFFSET),
                               model_reg(TERN_REG_JOB_A_ADDR_OFFSET), model_reg(TERN_REG_JOB_O_ADDR_OFFSET)});
      } else if (exec_db) {
        cov.queue_full++;
      }
    }
    if (aw_hs && w_hs)
      cov.aw_w_together++;
    else if (aw_hs && wr_.w_acc)
      cov.w_first++;
    else if (w_hs && wr_.aw_acc)
      cov.aw_first++;
    if (aw_hs) wr_.aw_acc = true;
    if (w_hs) wr_.w_acc = true;
    // (3) the job engine.
    // (Random pops are made likelier at the edge of a W1C write, and of a doorbell unless the
    // phase is one that fills the queue, so that they collide more often.)
    const double p = (exec_w1c || (exec_db && p_pop >= 0.1)) && p_pop < 0.5 ? 0.5 : p_pop;
    bool ready = pop_mode == POP_RANDOM ? tb_uniform(&rng_) < p : pop_mode == POP_ON_EXEC ? exec : false;
    d->desc_ready_i = ready;
    if (ready && d->desc_valid_o) {
      if (exec_db) {
        if (level_before == TERN_QUEUE_DEPTH)
          cov.full_push_pop_same_edge++;
        else
          cov.push_pop_same_edge++;
      }
      if (exec_w1c) cov.w1c_vs_cause++;
      pop_job();
    }
    tb_.tick();

    // After the edge.
    if (exec && !d->axil_bvalid_o) fail("BVALID did not rise at the edge the write took effect");
    if ((bool)d->irq_o != (bool)tern_devmodel_irq(dm_))
      fail(tb_format("irq_o %d, model %d", d->irq_o, tern_devmodel_irq(dm_)));
    if (d->irq_o) cov.irq_high_cycles++;
    uint32_t lvl = model_reg(TERN_REG_QUEUE_OFFSET) >> TERN_REG_QUEUE_LEVEL_LSB & 0xFF;
    if ((bool)d->desc_valid_o != (lvl != 0)) fail(tb_format("desc_valid_o %d, model level %u", d->desc_valid_o, lvl));
    if (lvl != shadow_.size()) fail("shadow queue out of step with the model");
    if (wr_.active) {
      if (wr_.aw_delay) wr_.aw_delay--;
      if (wr_.w_delay) wr_.w_delay--;
    }
    if (rd_.active && rd_.ar_delay) rd_.ar_delay--;
  }

  // Random traffic: n transactions (reads and writes, overlapping at random).
  void random_traffic(uint64_t n) {
    uint64_t issued = 0;
    while (!failed() && (issued < n || wr_.active || rd_.active)) {
      if (issued < n && !wr_.active && tb_uniform(&rng_) < 0.5) {
        uint32_t a = random_wr_addr();
        unsigned strb = tb_uniform(&rng_) < 0.85 ? 0xF : (unsigned)(tern_rand_next(&rng_) & 0xF);
        start_write(a, random_value(a), strb);
        issued++;
      }
      if (issued < n && !rd_.active && tb_uniform(&rng_) < 0.5) {
        start_read(random_rd_addr());
        issued++;
      }
      step();
    }
  }

 private:
  int rand_delay() {
    if (max_delay == 0 || tb_uniform(&rng_) < 0.4) return 0;
    return (int)tern_rand_range(&rng_, 0, max_delay);
  }

  // A write as the model sees it (it has no byte strobes; see the header comment).
  int model_write(uint32_t addr, uint32_t data, unsigned strb) {
    const uint32_t m = strb_mask(strb);
    if (strb != 0xF && is_rw(addr)) {
      uint32_t old = 0;
      tern_devmodel_read(dm_, addr, &old);
      return tern_devmodel_write(dm_, addr, (old & ~m) | (data & m));
    }
    if (addr == TERN_REG_IRQ_STATUS_OFFSET || addr == TERN_REG_DOORBELL_OFFSET)
      return tern_devmodel_write(dm_, addr, data & m);
    return tern_devmodel_write(dm_, addr, data);
  }

  // Pop the RTL's queue head, check it, run it on the model and report it to the RTL.
  void pop_job() {
    auto *d = dut();
    if (shadow_.empty()) {
      fail("the RTL offered a descriptor while the model's queue is empty");
      return;
    }
    Desc e = shadow_.front();
    shadow_.pop_front();
    Desc g = {d->desc_k_o, d->desc_n_o, d->desc_cfg_o, d->desc_w_addr_o, d->desc_a_addr_o, d->desc_o_addr_o};
    if (g.k != e.k || g.n != e.n || g.cfg != e.cfg || g.w != e.w || g.a != e.a || g.o != e.o)
      fail(
          tb_format("popped descriptor {k %u n %u cfg 0x%x w 0x%x a 0x%x o 0x%x}, model queued "
                    "{k %u n %u cfg 0x%x w 0x%x a 0x%x o 0x%x}",
                    g.k, g.n, g.cfg, g.w, g.a, g.o, e.k, e.n, e.cfg, e.w, e.a, e.o));
    // The outcome, from a probe model that runs this descriptor alone.
    tern_devmodel *p = tern_devmodel_new(kGeom, scratch_.data(), scratch_.size());
    tern_devmodel_write(p, TERN_REG_JOB_K_OFFSET, e.k);
    tern_devmodel_write(p, TERN_REG_JOB_N_OFFSET, e.n);
    tern_devmodel_write(p, TERN_REG_JOB_CFG_OFFSET, e.cfg);
    tern_devmodel_write(p, TERN_REG_JOB_W_ADDR_OFFSET, e.w);
    tern_devmodel_write(p, TERN_REG_JOB_A_ADDR_OFFSET, e.a);
    tern_devmodel_write(p, TERN_REG_JOB_O_ADDR_OFFSET, e.o);
    tern_devmodel_write(p, TERN_REG_DOORBELL_OFFSET, 1);
    tern_devmodel_run(p, 1);
    uint32_t pirq = 0, pstatus = 0, pcycles = 0;
    tern_devmodel_read(p, TERN_REG_IRQ_STATUS_OFFSET, &pirq);
    tern_devmodel_read(p, TERN_REG_STATUS_OFFSET, &pstatus);
    tern_devmodel_read(p, TERN_REG_CYCLES_OFFSET, &pcycles);
    tern_devmodel_free(p);
    const bool bad = pirq & TERN_REG_IRQ_STATUS_ERROR_MASK;
    const uint32_t code = (pstatus & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB;
    if (tern_devmodel_run(dm_, 1) != 1) fail("the model ran no job");
    // Cross-check the probe against the main model.
    if (bad) {
      uint32_t st = model_reg(TERN_REG_STATUS_OFFSET);
      if ((st & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB != code ||
          !(model_reg(TERN_REG_IRQ_STATUS_OFFSET) & TERN_REG_IRQ_STATUS_ERROR_MASK))
        fail("probe and model disagree on a failed job");
      cov.jobs_failed++;
    } else {
      if (model_reg(TERN_REG_CYCLES_OFFSET) != pcycles) fail("probe and model disagree on CYCLES");
      cov.jobs_ok++;
    }
    d->job_done_i = 1;
    d->job_err_i = bad;
    d->job_err_code_i = bad ? code : (uint32_t)tern_rand_next(&rng_) & 0xFF;
    d->cycles_i = bad ? (uint32_t)tern_rand_next(&rng_) : pcycles;
  }

  uint32_t random_wr_addr() {
    double u = tb_uniform(&rng_);
    if (u < 0.10) return TERN_REG_DOORBELL_OFFSET;
    if (u < 0.70) return kWritable[tern_rand_next(&rng_) % kNumWritable];
    if (u < 0.80) return kRegs[tern_rand_next(&rng_) % kNumRegs];  // read-only ones included
    return random_bad_addr();
  }
  uint32_t random_rd_addr() {
    double u = tb_uniform(&rng_);
    if (u < 0.85) return kRegs[tern_rand_next(&rng_) % kNumRegs];  // DOORBELL included
    return random_bad_addr();
  }
  uint32_t random_bad_addr() {
    switch (tern_rand_next(&rng_) % 4) {
      case 0: return 0x040 + 4 * (uint32_t)tern_rand_range(&rng_, 1, 3);         // just past
      case 1: return (uint32_t)tern_rand_range(&rng_, 0x44 / 4, 0xFFC / 4) * 4;  // past the map
      case 2: return kRegs[tern_rand_next(&rng_) % kNumRegs] + (uint32_t)tern_rand_range(&rng_, 1, 3);
      default: return (uint32_t)tern_rand_next(&rng_) & 0xFFF;
    }
  }
  // Values that make jobs valid often enough that some succeed (small, aligned, in memory).
  uint32_t random_value(uint32_t a) {
    const uint32_t r = (uint32_t)tern_rand_next(&rng_);
    const bool nice = tb_uniform(&rng_) < 0.75;
    switch (a) {
      case TERN_REG_JOB_K_OFFSET:
      case TERN_REG_JOB_N_OFFSET:
        if (nice) return (uint32_t)tern_rand_range(&rng_, 1, 48);
        return (r & 1) ? 0 : (r & 2) ? 65536u + (r >> 16) : r;
      case TERN_REG_JOB_CFG_OFFSET: {
        if (!nice) return r;
        uint32_t fmt = tb_uniform(&rng_) < 0.9 ? (uint32_t)tern_rand_range(&rng_, 0, 1) : (r & 3);
        uint32_t tok = tb_uniform(&rng_) < 0.9 ? (uint32_t)tern_rand_range(&rng_, 1, TERN_T_MAX) : (r >> 8 & 0xFF);
        uint32_t junk = tb_uniform(&rng_) < 0.5 ? (r & 0xFFFF00FCu) : 0;  // bits the register drops
        return junk | tok << TERN_REG_JOB_CFG_TOKENS_LSB | fmt << TERN_REG_JOB_CFG_FMT_LSB;
      }
      case TERN_REG_JOB_W_ADDR_OFFSET:
      case TERN_REG_JOB_A_ADDR_OFFSET:
      case TERN_REG_JOB_O_ADDR_OFFSET:
        if (nice) return (uint32_t)tern_rand_range(&rng_, 0, kMemBytes / 2 / TERN_ADDR_ALIGN) * TERN_ADDR_ALIGN;
        return (r & 1) ? (r & 0xFFFF) : r;
      case TERN_REG_DOORBELL_OFFSET: return tb_uniform(&rng_) < 0.8 ? 1u : r;
      case TERN_REG_IRQ_STATUS_OFFSET: return tb_uniform(&rng_) < 0.7 ? (r & 3) : r;
      default: return r;
    }
  }

  Testbench<Vtern_csr> tb_;
  tern_test_ctx *t_;
  uint64_t seed_, rng_;
  std::vector<uint8_t> mem_, scratch_;
  tern_devmodel *dm_ = nullptr;
  std::deque<Desc> shadow_;
  WrTxn wr_;
  RdTxn rd_;
  int last_bresp_ = 0;
};

// Every register read back through AXI (the lock-step compares each with the model).
void read_all(CsrBench &b) {
  for (uint32_t a = 0; a <= 0x48 && !b.failed(); a += 4) b.read(a);
}

void case_reset_values(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "csr/reset_values");
  CsrBench b(pa, t, seed, 1);
  b.p_busy = 0;
  auto *d = b.dut();
  if (d->axil_bvalid_o || d->axil_rvalid_o || d->desc_valid_o || d->irq_o) b.fail("an output is active after reset");
  read_all(b);
  if (b.read(TERN_REG_ID_OFFSET) != 0x5445524eu) b.fail("ID is not 'TERN'");
  if (b.read(TERN_REG_VERSION_OFFSET) != 2) b.fail("VERSION is not 2");
  tern_test_end(t);
}

void case_lockstep_random(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "csr/lockstep_random");
  const uint64_t txns = pa.num("txns", 24000);
  CsrBench b(pa, t, seed, 2);
  uint64_t rng = seed ^ 0x5A5A5A5A5A5A5A5Aull;
  const int phases = 12;
  for (int ph = 0; ph < phases && !b.failed(); ph++) {
    // Vary the traffic: pop rate (queue full vs. empty), response back-pressure, delays.
    const double pops[] = {0.004, 0.1, 0.3, 0.8};
    b.p_pop = pops[ph % 4];  // every run has phases that fill the queue and ones that drain it
    b.p_bready = 0.3 + 0.7 * tb_uniform(&rng);
    b.p_rready = 0.3 + 0.7 * tb_uniform(&rng);
    b.p_busy = tb_uniform(&rng) < 0.5 ? 0.0 : 0.3;
    b.max_delay = (int)(tern_rand_next(&rng) % 4);
    b.random_traffic(txns / phases);
  }
  const Coverage &c = b.cov;
  std::printf("csr/lockstep_random: %" PRIu64 " transactions, seed %" PRIu64 ": AW first %" PRIu64 ", W first %" PRIu64
              ", AW+W together %" PRIu64 ", read+write same edge %" PRIu64 ", jobs ok %" PRIu64 " / failed %" PRIu64
              ", queue full %" PRIu64 ", push+pop same edge %" PRIu64 " (full %" PRIu64 "), W1C vs new cause %" PRIu64
              ", SLVERR reads %" PRIu64 " / writes %" PRIu64 ", partial strobes %" PRIu64
              ", STATUS reads with job_busy_i %" PRIu64 "\n",
              txns, seed, c.aw_first, c.w_first, c.aw_w_together, c.rd_wr_same_edge, c.jobs_ok, c.jobs_failed,
              c.queue_full, c.push_pop_same_edge, c.full_push_pop_same_edge, c.w1c_vs_cause, c.rd_slverr, c.wr_slverr,
              c.partial_strb, c.busy_reads);
  if (!b.failed() && txns >= 20000) {
    const uint64_t need[] = {c.aw_first,    c.w_first,      c.aw_w_together,      c.rd_wr_same_edge, c.jobs_ok,
                             c.jobs_failed, c.queue_full,   c.push_pop_same_edge, c.w1c_vs_cause,    c.rd_slverr,
                             c.wr_slverr,   c.partial_strb, c.irq_high_cycles,    c.busy_reads};
    for (uint64_t v : need)
      if (v == 0) b.fail("a coverage counter above is 0: the random traffic missed a situation");
  }
  tern_test_end(t);
}

void set_job(CsrBench &b, uint32_t k) {
  b.write(TERN_REG_JOB_K_OFFSET, k);
  b.write(TERN_REG_JOB_N_OFFSET, 3);
  b.write(TERN_REG_JOB_CFG_OFFSET, 1u << TERN_REG_JOB_CFG_TOKENS_LSB);
  b.write(TERN_REG_JOB_W_ADDR_OFFSET, 0x100);
  b.write(TERN_REG_JOB_A_ADDR_OFFSET, 0x2000);
  b.write(TERN_REG_JOB_O_ADDR_OFFSET, 0x3000);
}

uint32_t level_of(CsrBench &b) { return b.read(TERN_REG_QUEUE_OFFSET) >> TERN_REG_QUEUE_LEVEL_LSB & 0xFF; }
uint32_t err_of(CsrBench &b) { return b.read(TERN_REG_STATUS_OFFSET) >> TERN_REG_STATUS_ERR_LSB & 0xFF; }

void case_queue_full(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "csr/queue_full");
  CsrBench b(pa, t, seed, 3);
  b.p_busy = 0;
  b.pop_mode = POP_NEVER;
  b.write(TERN_REG_CTRL_OFFSET, 1);
  for (uint32_t i = 0; i < TERN_QUEUE_DEPTH; i++) {
    b.write(TERN_REG_JOB_K_OFFSET, 10 + i);
    b.write(TERN_REG_DOORBELL_OFFSET, 1);
    if (level_of(b) != i + 1) b.fail("QUEUE.LEVEL did not count a push");
  }
  if (err_of(b) != 0 || b.read(TERN_REG_IRQ_STATUS_OFFSET) != 0 || b.dut()->irq_o)
    b.fail("error before the queue was full");
  b.write(TERN_REG_JOB_K_OFFSET, 99);
  b.write(TERN_REG_DOORBELL_OFFSET, 1);  // full: dropped
  if (level_of(b) != TERN_QUEUE_DEPTH) b.fail("a push into a full queue changed QUEUE.LEVEL");
  if (err_of(b) != TERN_DEVERR_QUEUE_FULL) b.fail("STATUS.ERR is not QUEUE_FULL");
  if (b.read(TERN_REG_IRQ_STATUS_OFFSET) != TERN_REG_IRQ_STATUS_ERROR_MASK) b.fail("IRQ_STATUS is not ERROR alone");
  if (!b.dut()->irq_o) b.fail("irq_o low with IRQ_EN and ERROR set");
  // A doorbell while full, with a pop at the same edge: the push still finds the queue full.
  b.write(TERN_REG_IRQ_STATUS_OFFSET, TERN_REG_IRQ_STATUS_ERROR_MASK);
  b.pop_mode = POP_ON_EXEC;
  b.write(TERN_REG_DOORBELL_OFFSET, 1);
  b.pop_mode = POP_NEVER;
  if (level_of(b) != TERN_QUEUE_DEPTH - 1) b.fail("full queue, doorbell + pop: level is not DEPTH-1");
  if (!(b.read(TERN_REG_IRQ_STATUS_OFFSET) & TERN_REG_IRQ_STATUS_ERROR_MASK))
    b.fail("full queue, doorbell + pop: no ERROR");
  // The popped job (JOB_N = 0) failed at that edge too: its code wins over QUEUE_FULL.
  if (err_of(b) != TERN_DEVERR_BAD_N) b.fail("full queue, doorbell + failing pop: STATUS.ERR is not the job's BAD_N");
  // Not full: a push and a pop at the same edge both happen.
  b.write(TERN_REG_JOB_K_OFFSET, 77);
  b.pop_mode = POP_ON_EXEC;
  b.write(TERN_REG_DOORBELL_OFFSET, 1);
  b.pop_mode = POP_NEVER;
  if (level_of(b) != TERN_QUEUE_DEPTH - 1) b.fail("doorbell + pop: level changed");
  // Drain (the lock-step checks each descriptor against the model's queue).
  b.pop_mode = POP_RANDOM;
  b.p_pop = 1;
  b.idle(4);
  if (level_of(b) != 0 || b.dut()->desc_valid_o) b.fail("the queue did not drain");
  if (b.read(TERN_REG_STATUS_OFFSET) & TERN_REG_STATUS_BUSY_MASK) b.fail("BUSY with an empty queue and an idle engine");
  uint32_t done = b.read(TERN_REG_JOBS_DONE_OFFSET);
  if (done != TERN_QUEUE_DEPTH + 1) b.fail(tb_format("JOBS_DONE %u, expected %u", done, TERN_QUEUE_DEPTH + 1));
  read_all(b);
  tern_test_end(t);
}

void case_w1c_vs_cause(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "csr/w1c_vs_new_cause");
  CsrBench b(pa, t, seed, 4);
  b.p_busy = 0;
  b.pop_mode = POP_NEVER;
  set_job(b, 0);  // K = 0: the job fails with BAD_K
  b.write(TERN_REG_DOORBELL_OFFSET, 1);
  b.write(TERN_REG_DOORBELL_OFFSET, 1);
  b.pop_mode = POP_RANDOM;  // one job ends: DONE and ERROR set
  b.p_pop = 1;
  b.idle(1);
  b.pop_mode = POP_NEVER;
  if (b.read(TERN_REG_IRQ_STATUS_OFFSET) != 3) b.fail("IRQ_STATUS is not DONE|ERROR after a failed job");
  if (err_of(b) != TERN_DEVERR_BAD_K) b.fail("STATUS.ERR is not BAD_K");
  // W1C of both bits at the edge the second (failing) job ends: both stay set.
  b.pop_mode = POP_ON_EXEC;
  b.write(TERN_REG_IRQ_STATUS_OFFSET, 3);
  b.pop_mode = POP_NEVER;
  if (b.read(TERN_REG_IRQ_STATUS_OFFSET) != 3) b.fail("a W1C at the edge of a new cause cleared it");
  // Without a new cause the W1C clears, one bit at a time.
  b.write(TERN_REG_IRQ_STATUS_OFFSET, 1);
  if (b.read(TERN_REG_IRQ_STATUS_OFFSET) != 2) b.fail("W1C of DONE did not clear DONE alone");
  b.write(TERN_REG_IRQ_STATUS_OFFSET, 0xFFFFFFFFu, 0x2);  // byte 0 not selected: nothing cleared
  if (b.read(TERN_REG_IRQ_STATUS_OFFSET) != 2) b.fail("W1C with WSTRB[0] = 0 cleared a bit");
  b.write(TERN_REG_IRQ_STATUS_OFFSET, 2);
  if (b.read(TERN_REG_IRQ_STATUS_OFFSET) != 0) b.fail("W1C of ERROR did not clear it");
  if (b.read(TERN_REG_JOBS_DONE_OFFSET) != 2) b.fail("JOBS_DONE is not 2");
  tern_test_end(t);
}

void case_job_busy(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "csr/job_busy_input");
  CsrBench b(pa, t, seed, 5);
  b.pop_mode = POP_NEVER;
  b.p_busy = 1;
  if (!(b.read(TERN_REG_STATUS_OFFSET) & TERN_REG_STATUS_BUSY_MASK)) b.fail("STATUS.BUSY low with job_busy_i");
  b.p_busy = 0;
  if (b.read(TERN_REG_STATUS_OFFSET) & TERN_REG_STATUS_BUSY_MASK) b.fail("STATUS.BUSY high while idle");
  b.write(TERN_REG_DOORBELL_OFFSET, 1);
  if (!(b.read(TERN_REG_STATUS_OFFSET) & TERN_REG_STATUS_BUSY_MASK)) b.fail("STATUS.BUSY low with a queued job");
  tern_test_end(t);
}

void case_reset_clears(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  tern_test_begin(t, "csr/reset_clears");
  CsrBench b(pa, t, seed, 6);
  b.p_pop = 0.05;
  b.random_traffic(3000);
  // Make sure there is state to clear: IRQ_EN, a cause, queued jobs, JOB_* values.
  b.pop_mode = POP_NEVER;
  b.p_busy = 0;
  b.write(TERN_REG_CTRL_OFFSET, 1);
  set_job(b, 5);
  b.write(TERN_REG_DOORBELL_OFFSET, 1);
  for (uint32_t i = 0; i < TERN_QUEUE_DEPTH; i++) b.write(TERN_REG_DOORBELL_OFFSET, 1);  // last one: QUEUE_FULL
  if (!b.dut()->irq_o || !b.dut()->desc_valid_o) b.fail("no state to clear");
  // Leave a read response and a write response pending, then reset.
  b.p_rready = b.p_bready = 0;
  b.start_read(TERN_REG_JOB_K_OFFSET);
  b.start_write(TERN_REG_JOB_N_OFFSET, 1234, 0xF);
  b.idle(12);
  if (!b.dut()->axil_rvalid_o || !b.dut()->axil_bvalid_o) b.fail("responses not pending before the reset");
  if (!b.failed()) {
    b.reset();
    auto *d = b.dut();
    // AR_DECODE_REG: ARREADY rises only after a cycle of ARVALID
    if (d->axil_bvalid_o || d->axil_rvalid_o || d->desc_valid_o || d->irq_o || !d->axil_awready_o ||
        !d->axil_wready_o || (!d->axil_arready_o && !TB_AR_DECODE_REG))
      b.fail("the reset did not return the outputs to idle");
    b.p_rready = b.p_bready = 0.7;
    b.pop_mode = POP_RANDOM;
    read_all(b);
    b.random_traffic(500);
  }
  tern_test_end(t);
}

}  // namespace

int main(int argc, char **argv) {
  Plusargs pa(argc, argv);
  Verilated::commandArgs(argc, argv);
  tern_test_ctx t = {};
  uint64_t seed =
      pa.has("seed") ? pa.num("seed", 0) : (uint64_t)std::chrono::system_clock::now().time_since_epoch().count();
  case_reset_values(pa, &t, seed);
  case_queue_full(pa, &t, seed);
  case_w1c_vs_cause(pa, &t, seed);
  case_job_busy(pa, &t, seed);
  case_lockstep_random(pa, &t, seed);
  case_reset_clears(pa, &t, seed);
  return tern_test_exit(&t);
}
