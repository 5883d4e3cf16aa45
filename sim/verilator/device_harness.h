// The device bench's harness: rtl/tern_device.v in lock-step with the C device model, and the
// jobs it runs. Shared by the suites (device_suites.cpp), the perf bench (device_perf.cpp) and
// main (device_tb.cpp, which lists the plusargs). The model (cmodel/include/tern_devmodel.h) is
// the reference for every register and result byte.
//
// The RTL runs over one copy of memory through an AXI4 memory model (axi_mem.h: latency,
// throttling, error injection, protocol checks), driven through DeviceSim (device_sim.h); the
// model runs over a second copy that starts identical (random bytes everywhere, so padding that
// must stay untouched is checked). Every CSR write goes to both; the model runs a job when the
// RTL's JOBS_DONE says that job ended. The device's limits are those of spec/tern.toml unless
// the build says otherwise (sim/Makefile T_MAX= QUEUE_DEPTH= ACT_BUF= RD_FIFO= MAX_BURST=, i.e.
// -DTB_T_MAX ... for this bench and -GT_MAX ... for the RTL, as a board instantiates the device);
// the model gets the same limits (tern_devmodel_new_cfg). With T_MAX = 1 and QUEUE_DEPTH = 1 the
// RTL is the small device (tern_device SMALL: one job slot, the CSR queue bypassed): the engine
// then holds at most one descriptor, and the bench writes the next descriptor once the engine
// has taken the waiting one, except in the case that checks a JOB_* write is held meanwhile.
// Checked:
//   - each ended job: its result rows bytewise against the model's memory, row padding
//     included (BUS_ERROR jobs may leave partial results: those bytes are copied over, any
//     other difference fails); jobs packed from trits also against a plain dot product of
//     the trits (and some raw streams via tern_unpack), independently of tern_matmul;
//   - while jobs run (a snapshot JOBS_DONE, STATUS, IRQ_STATUS, CYCLES, QUEUE, JOBS_DONE that
//     saw no job end in between): STATUS, IRQ_STATUS and JOBS_DONE equal to the model's,
//     QUEUE.LEVEL within the model's level minus the descriptors the engine holds (at most
//     kEngineSlots), CYCLES >= tern_job_cycles_tokens() of the same job (the RTL measures, the
//     model gives the ideal) and stable until the next successful job;
//   - when the device is idle again: every register equal (CYCLES as above), irq_o, all of
//     memory, the memory model idle, no AXI4 or AXI4-Lite protocol violation;
//   - the device never hangs: every wait is bounded by a budget computed from the jobs.
#pragma once

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "axi_mem.h"
#include "device_sim.h"
#include "tb.h"
#include "tern_cycle.h"
#include "tern_devmodel.h"
#include "tern_geom.h"
#include "tern_mac.h"
#include "tern_pack.h"
#include "tern_params.h"
#include "tern_test.h"


// The device's limits the RTL is built with (-G) and the model configured with.
#ifndef TB_T_MAX
#define TB_T_MAX TERN_T_MAX
#endif
#ifndef TB_QUEUE_DEPTH
#define TB_QUEUE_DEPTH TERN_QUEUE_DEPTH
#endif
#ifndef TB_ACT_BUF_BEATS
#define TB_ACT_BUF_BEATS TERN_ACT_BUF_BEATS
#endif
#ifndef TB_RD_FIFO_WORDS
#define TB_RD_FIFO_WORDS TERN_RD_FIFO_WORDS
#endif
#ifndef TB_MAX_BURST
#define TB_MAX_BURST TERN_MAX_BURST
#endif

static const tern_geom kGeom = {TB_ROWS, TB_LANES};
static const tern_devmodel_cfg kCfg = {TB_T_MAX, TB_QUEUE_DEPTH, TB_ACT_BUF_BEATS, TERN_FORMATS_MASK};
static const uint32_t kTMax = TB_T_MAX, kQueueDepth = TB_QUEUE_DEPTH, kActBuf = TB_ACT_BUF_BEATS;
static const bool kSmall = TB_T_MAX == 1 && TB_QUEUE_DEPTH == 1;  // tern_device's SMALL
static const size_t kMemBytes = 1u << 20;
static const uint32_t kUnreachable = 0xFFFFFFF8u;  // aligned, beyond any memory of the bench
// Descriptors the engine may hold popped: the planner's and two job slots', or with the small
// device the planner's alone (it is the one job slot).
static const uint32_t kEngineSlots = kSmall ? 1 : 3;
// Jobs of a random batch: up to the queue's depth; a one-deep queue gets more (each doorbell
// once the engine has taken the descriptor before it), so that jobs still queue behind others.
static const uint32_t kBatchMax = kQueueDepth > 1 ? kQueueDepth : kQueueDepth + kEngineSlots + 1;
static const int kSlverr = 2;

inline size_t round8(size_t v) { return (v + 7) / 8 * 8; }

inline uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

inline uint32_t make_cfg(uint32_t fmt, uint32_t tokens) {
  return fmt << TERN_REG_JOB_CFG_FMT_LSB | tokens << TERN_REG_JOB_CFG_TOKENS_LSB;
}

inline const char *err_name(uint32_t code) {
  static const char *names[] = {"NONE",       "BAD_K",     "BAD_N",      "BAD_FMT",     "BAD_TOKENS",
                                "MISALIGNED", "BUS_ERROR", "QUEUE_FULL", "ACT_OVERFLOW"};
  return code < sizeof names / sizeof names[0] ? names[code] : "?";
}

struct Job {
  uint32_t k = 1, n = 1, fmt = TERN_FMT_T5, tokens = 1;
  uint32_t w = 0, a = 0, o = 0;
  uint32_t cfg_junk = 0;         // bits of JOB_CFG outside FMT/TOKENS (dropped by the register)
  bool model_bus_error = false;  // error injected into the RTL's memory: the model gets an
                                 // unreachable weight address so that it fails the same way
  int expect_code = -1;          // code the model must give (bench sanity), -1: any
  std::vector<int8_t> trits;     // W[n][k] when the stream was packed from trits
  bool unpack_check = false;     // raw stream: cross-check through tern_unpack
  std::string what;
  // Outcome.
  uint32_t code = 0;
  uint64_t ideal = 0;
  uint32_t rtl_cycles = 0;
  bool cycles_seen = false;
  uint64_t done_cycle = 0;  // bench suite: sim cycle its DONE was seen

  uint32_t cfg() const { return cfg_junk | make_cfg(fmt, tokens); }
  size_t wbytes() const { return tern_stream_bytes(kGeom, (tern_format)(fmt & 1), k, n); }
  size_t abytes() const { return tern_devmodel_act_stride(k) * tokens; }
  size_t obytes() const { return tern_devmodel_res_stride(n) * tokens; }
  std::string desc() const {
    return tb_format("K=%u N=%u %s T=%u w=0x%x a=0x%x o=0x%x%s%s", k, n, fmt < 2 ? tern_format_name((tern_format)fmt) : "fmt?",
                     tokens, w, a, o, what.empty() ? "" : " ", what.c_str());
  }
};

struct Region {
  uint64_t lo, hi;
};

// Memory-model settings of a batch, printed on failure.
inline std::string cfg_str(const AxiMemConfig &c) {
  return tb_format("mem lat %u/%u thr ar %.2f r %.2f aw %.2f w %.2f b %.2f reads %u writes %u wbuf %u", c.read_latency,
                   c.write_latency, c.p_arready, c.p_rvalid, c.p_awready, c.p_wready, c.p_bvalid, c.max_reads,
                   c.max_writes, c.w_buffer);
}

struct Totals {
  uint64_t jobs_ok = 0, jobs_failed = 0, independent = 0, cycles_checked = 0, snapshots = 0, consistent = 0;
  uint64_t batches = 0, queued_together = 0, sim_cycles = 0;
  uint32_t max_popped = 0;  // most descriptors seen held by the engine (model level - QUEUE.LEVEL)
  double ratio_sum = 0, ratio_max = 0;
  uint64_t ratio_n = 0;
};

class DevBench {
 public:
  DevBench(const Plusargs &pa, tern_test_ctx *t, uint64_t seed, size_t mem_bytes, uint64_t fill_seed)
      : t_(t), seed_(seed), verbose_(pa.has("verbose")), rtl_mem_(mem_bytes), model_mem_(mem_bytes),
        sim_(rtl_mem_.data(), mem_bytes, AxiMemConfig(), seed ^ 0x1234567ull, &pa) {
    uint64_t r = fill_seed;
    for (size_t i = 0; i < mem_bytes; i += 8) {
      uint64_t v = tern_rand_next(&r);
      std::memcpy(&rtl_mem_[i], &v, std::min<size_t>(8, mem_bytes - i));
    }
    std::memcpy(model_mem_.data(), rtl_mem_.data(), mem_bytes);
    new_model();
    sim_.mem().configure(mem_cfg_);
  }
  ~DevBench() { tern_devmodel_free(dm_); }

  DeviceSim &sim() { return sim_; }
  size_t mem_size() const { return rtl_mem_.size(); }
  uint8_t *rtl_mem() { return rtl_mem_.data(); }
  std::vector<Job> &jobs() { return jobs_; }
  Totals tot;
  std::string replay;  // replay hint appended to failures
  bool check_queue_level = true;

  bool failed() const { return t_->failed != 0; }
  void fail(const std::string &why) {
    if (!t_->failed)
      tern_test_fail(t_, "%s (cycle %" PRIu64 "; %s) [seed=%" PRIu64 "%s%s]", why.c_str(), sim_.cycles(),
                     cfg_str(mem_cfg_).c_str(), seed_, replay.empty() ? "" : "; replay: ", replay.c_str());
  }

  void set_mem_cfg(const AxiMemConfig &c) {
    mem_cfg_ = c;
    sim_.mem().configure(c);
  }
  const AxiMemConfig &mem_cfg() const { return mem_cfg_; }

  // Both memories at once (inputs of jobs).
  void put(uint64_t addr, const void *src, size_t n) {
    if (addr > rtl_mem_.size() || n > rtl_mem_.size() - addr) return;  // (the parts beyond are for bus errors)
    std::memcpy(&rtl_mem_[addr], src, n);
    std::memcpy(&model_mem_[addr], src, n);
  }

  // ---- CSR access on both sides ----
  uint32_t rd(uint32_t off) {
    uint32_t v = 0;
    int r = sim_.reg_read(off, &v);
    if (r < 0) fail(tb_format("CSR read of 0x%03x did not complete (AXI4-Lite hang)", off));
    else if (r != 0) fail(tb_format("CSR read of 0x%03x answered RRESP %d", off, r));
    return v;
  }
  uint32_t model_rd(uint32_t off) {
    uint32_t v = 0;
    tern_devmodel_read(dm_, off, &v);
    return v;
  }
  // A write to the RTL and the model; the responses must agree.
  void wr(uint32_t off, uint32_t v) { wr2(off, v, v); }
  void wr2(uint32_t off, uint32_t rtl_v, uint32_t model_v) {
    int r = sim_.reg_write(off, rtl_v);
    int m = tern_devmodel_write(dm_, off, model_v) ? kSlverr : 0;
    if (r < 0) fail(tb_format("CSR write of 0x%03x did not complete (AXI4-Lite hang)", off));
    else if (r != m) fail(tb_format("CSR write of 0x%03x = 0x%08x: BRESP %d, model %d", off, rtl_v, r, m));
  }
  void wr_rtl(uint32_t off, uint32_t v) {
    if (sim_.reg_write(off, v) != 0) fail(tb_format("CSR write of 0x%03x failed", off));
  }
  void model_wr(uint32_t off, uint32_t v) { tern_devmodel_write(dm_, off, v); }

  uint32_t rtl_level() { return rd(TERN_REG_QUEUE_OFFSET) >> TERN_REG_QUEUE_LEVEL_LSB & 0xFF; }
  uint32_t model_level() const { return accepted_ - model_done_; }
  uint32_t accepted() const { return accepted_; }
  uint32_t model_done() const { return model_done_; }

  void set_irq_en(bool on) {
    irq_en_ = on;
    wr(TERN_REG_CTRL_OFFSET, on ? 1u : 0u);
  }

  // Write a job's descriptor (registers that already hold the value are skipped at random)
  // and ring the doorbell. Returns false if the model found its queue full (QUEUE_FULL).
  bool queue(Job j, uint64_t *rng) {
    const uint32_t rtl_v[6] = {j.k, j.n, j.cfg(), j.w, j.a, j.o};
    const uint32_t offs[6] = {TERN_REG_JOB_K_OFFSET,      TERN_REG_JOB_N_OFFSET,      TERN_REG_JOB_CFG_OFFSET,
                              TERN_REG_JOB_W_ADDR_OFFSET, TERN_REG_JOB_A_ADDR_OFFSET, TERN_REG_JOB_O_ADDR_OFFSET};
    for (int i = 0; i < 6; i++)
      if (shadow_[i] != rtl_v[i] || (rng && (tern_rand_next(rng) & 1))) {
        wr(offs[i], rtl_v[i]);
        shadow_[i] = rtl_v[i];
      }
    if (j.model_bus_error) model_wr(TERN_REG_JOB_W_ADDR_OFFSET, kUnreachable);
    const bool full = model_level() == kQueueDepth;
    wr(TERN_REG_DOORBELL_OFFSET, 1);
    if (j.model_bus_error) model_wr(TERN_REG_JOB_W_ADDR_OFFSET, j.w);
    if (full) return false;
    jobs_.push_back(j);
    accepted_++;
    return true;
  }

  // Before a doorbell when the model's queue is full (a batch longer than the queue): wait
  // until the RTL's queue has room (the engine took descriptors), then let the model run the
  // jobs the engine took, so that both accept the doorbell. Waiting also keeps JOB_* writes
  // away from a one-deep queue's waiting descriptor (tern_csr BYPASS holds them).
  bool make_room(uint64_t *rng) {
    if (model_level() < kQueueDepth) return true;
    const uint64_t start = sim_.cycles(), limit = budget(checked_);
    for (;;) {
      const uint32_t lvl = rtl_level();
      if (failed()) return false;
      if (lvl < kQueueDepth) {
        if (model_level() < lvl) {
          fail(tb_format("QUEUE.LEVEL %u above the jobs not ended (%u)", lvl, model_level()));
          return false;
        }
        model_run_to(accepted_ - lvl);
        return !failed();
      }
      if (sim_.cycles() - start > limit) {
        fail(tb_format("the queue never had room: QUEUE.LEVEL %u after %" PRIu64 " cycles", lvl, sim_.cycles() - start));
        return false;
      }
      sim_.step(1 + (rng ? tern_rand_next(rng) % 64 : 16));
    }
  }

  // A write to both sides that the RTL may hold for up to `timeout` cycles.
  void wr_wait(uint32_t off, uint32_t v, uint64_t timeout) {
    const int r = sim_.reg_write(off, v, 0xF, timeout);
    const int m = tern_devmodel_write(dm_, off, v) ? kSlverr : 0;
    if (r < 0) fail(tb_format("CSR write of 0x%03x did not complete in %" PRIu64 " cycles", off, timeout));
    else if (r != m) fail(tb_format("CSR write of 0x%03x = 0x%08x: BRESP %d, model %d", off, v, r, m));
  }

  // Run the model up to n jobs ended (in doorbell order), noting each one's outcome.
  void model_run_to(uint32_t n) {
    while (model_done_ < n && model_done_ < accepted_ && !failed()) {
      Job &j = jobs_[model_done_];
      // The job's code: with no ERROR pending and a job meant to succeed, from the model's
      // IRQ_STATUS after the run; otherwise from a probe model that runs it alone.
      const bool cheap = j.expect_code == 0 && !(model_rd(TERN_REG_IRQ_STATUS_OFFSET) & TERN_REG_IRQ_STATUS_ERROR_MASK);
      if (!cheap) j.code = probe(j);
      if (tern_devmodel_run(dm_, 1) != 1) fail("the model ran no job");
      if (cheap)
        j.code = (model_rd(TERN_REG_IRQ_STATUS_OFFSET) & TERN_REG_IRQ_STATUS_ERROR_MASK)
                     ? (model_rd(TERN_REG_STATUS_OFFSET) & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB
                     : 0;
      if (j.expect_code >= 0 && (int)j.code != j.expect_code)
        fail(tb_format("bench: the model gives %s for job %u (%s), meant to give %s", err_name(j.code), model_done_,
                       j.desc().c_str(), err_name((uint32_t)j.expect_code)));
      if (j.code == TERN_DEVERR_NONE) {
        j.ideal = tern_job_cycles_tokens(kGeom, j.k, j.n, j.tokens);
        last_ok_ = (int)model_done_;
      }
      model_done_++;
    }
  }

  // Check the memory of jobs the RTL has ended (and the model has run).
  void check_done_jobs(uint32_t rtl_done) {
    const uint32_t upto = std::min(rtl_done, model_done_);
    for (; checked_ < upto && !failed(); checked_++) check_job(checked_);
  }

  // One snapshot of the job-related registers; returns JOBS_DONE (UINT32_MAX on failure).
  uint32_t snapshot() {
    tot.snapshots++;
    const uint32_t d0 = rd(TERN_REG_JOBS_DONE_OFFSET);
    const uint32_t status = rd(TERN_REG_STATUS_OFFSET);
    const uint32_t irqs = rd(TERN_REG_IRQ_STATUS_OFFSET);
    const uint32_t cycles = rd(TERN_REG_CYCLES_OFFSET);
    const uint32_t queue = rd(TERN_REG_QUEUE_OFFSET);
    const uint32_t d1 = rd(TERN_REG_JOBS_DONE_OFFSET);
    if (failed()) return UINT32_MAX;
    if (d1 < d0 || d1 - base_done_ > accepted_) {
      fail(tb_format("JOBS_DONE %u then %u with %u jobs queued since reset", d0, d1, accepted_));
      return UINT32_MAX;
    }
    const uint32_t n0 = d0 - base_done_, n1 = d1 - base_done_;
    model_run_to(n1);
    check_done_jobs(n1);
    protocol_check();
    if (failed()) return UINT32_MAX;
    if (n0 == n1 && model_done_ == n0) {
      tot.consistent++;
      const uint32_t m_status = model_rd(TERN_REG_STATUS_OFFSET), m_irq = model_rd(TERN_REG_IRQ_STATUS_OFFSET);
      const uint32_t m_queue = model_rd(TERN_REG_QUEUE_OFFSET);
      const uint32_t lvl = queue >> TERN_REG_QUEUE_LEVEL_LSB & 0xFF, mlvl = m_queue >> TERN_REG_QUEUE_LEVEL_LSB & 0xFF;
      if (status != m_status)
        fail(tb_format("after %u jobs: STATUS 0x%08x (ERR %s, BUSY %u), model 0x%08x (ERR %s, BUSY %u)", n0, status,
                       err_name(status >> 8 & 0xFF), status & 1, m_status, err_name(m_status >> 8 & 0xFF),
                       m_status & 1));
      else if (irqs != m_irq)
        fail(tb_format("after %u jobs: IRQ_STATUS 0x%x, model 0x%x", n0, irqs, m_irq));
      else if ((queue & TERN_REG_QUEUE_DEPTH_MASK) != (m_queue & TERN_REG_QUEUE_DEPTH_MASK))
        fail(tb_format("QUEUE.DEPTH %u, model %u", queue & 0xFF, m_queue & 0xFF));
      else if (check_queue_level && (lvl > mlvl || mlvl - lvl > kEngineSlots))
        fail(tb_format("after %u jobs: QUEUE.LEVEL %u, model %u (jobs not ended), engine holds at most %u", n0, lvl,
                       mlvl, kEngineSlots));
      else
        check_cycles(cycles, tb_format("after %u jobs", n0));
      if (mlvl >= lvl && mlvl - lvl > tot.max_popped) tot.max_popped = mlvl - lvl;
    }
    return n1;
  }

  void check_cycles(uint32_t rtl, const std::string &when) {
    if (last_ok_ < 0) {
      if (rtl != 0) fail(tb_format("%s: CYCLES %u with no successful job since reset", when.c_str(), rtl));
      return;
    }
    Job &j = jobs_[(size_t)last_ok_];
    if (!j.cycles_seen) {
      j.cycles_seen = true;
      j.rtl_cycles = rtl;
      tot.cycles_checked++;
      const double ratio = j.ideal ? (double)rtl / (double)j.ideal : 0;
      tot.ratio_sum += ratio;
      tot.ratio_n++;
      if (ratio > tot.ratio_max) tot.ratio_max = ratio;
      if (verbose_)
        std::printf("  job %d (%s): CYCLES %u, model ideal %" PRIu64 ", ratio %.3f\n", last_ok_, j.desc().c_str(), rtl,
                    j.ideal, ratio);
      if (rtl < j.ideal)
        fail(tb_format("%s: CYCLES %u of job %d (%s) below the cycle model's %" PRIu64, when.c_str(), rtl, last_ok_,
                       j.desc().c_str(), j.ideal));
    } else if (rtl != j.rtl_cycles) {
      fail(tb_format("%s: CYCLES changed from %u to %u with no new successful job", when.c_str(), j.rtl_cycles, rtl));
    }
  }

  void protocol_check() {
    if (!sim_.mem().ok()) fail("AXI4 memory port: " + sim_.mem().violation());
    else if (!sim_.lite_violation().empty()) fail("AXI4-Lite: " + sim_.lite_violation());
  }

  // Cycles a batch of the jobs from index `from` may take before the device counts as hung.
  uint64_t budget(size_t from) const {
    const AxiMemConfig &c = mem_cfg_;
    double pmin = std::min({c.p_arready, c.p_rvalid, c.p_awready, c.p_wready, c.p_bvalid, 1.0});
    if (pmin < 0.05) pmin = 0.05;
    uint64_t b = 20000;
    for (size_t i = from; i < jobs_.size(); i++) {
      const Job &j = jobs_[i];
      const bool sane = j.k >= 1 && j.k <= TERN_K_MAX && j.n >= 1 && j.n <= TERN_N_MAX && j.tokens <= kTMax;
      const uint64_t words = sane ? (round8(j.wbytes()) + j.abytes() + j.obytes()) / 8 + 16 : 16;
      const uint64_t lat = std::max(c.read_latency, c.write_latency) + 4;
      b += 4 * (tern_job_cycles_tokens(kGeom, std::max(1u, std::min(j.k, 65535u)), std::max(1u, std::min(j.n, 65535u)),
                                       std::max(1u, std::min(j.tokens, kTMax))) +
                (uint64_t)(words * 4 / pmin) + lat * words);
    }
    return b;
  }

  // Wait until every queued job has ended, checking along the way.
  bool wait_all(uint64_t *rng) {
    const uint64_t start = sim_.cycles(), limit = budget(checked_);
    for (;;) {
      const uint32_t n = snapshot();
      if (failed()) return false;
      if (n == accepted_) return true;
      if (sim_.cycles() - start > limit) {
        fail(tb_format("device hung: JOBS_DONE %u of %u jobs after %" PRIu64 " cycles (budget %" PRIu64
                       "); STATUS 0x%x QUEUE 0x%x; memory: %s; AR %" PRIu64 " R %" PRIu64 " AW %" PRIu64 " W %" PRIu64
                       " B %" PRIu64,
                       n, accepted_, sim_.cycles() - start, limit, rd(TERN_REG_STATUS_OFFSET),
                       rd(TERN_REG_QUEUE_OFFSET), sim_.mem().in_flight().c_str(), sim_.mem().stats().ar,
                       sim_.mem().stats().r_beats, sim_.mem().stats().aw, sim_.mem().stats().w_beats,
                       sim_.mem().stats().b));
        return false;
      }
      // Poll at a fraction of the running job's ideal duration.
      const Job &j = jobs_[std::min<size_t>(n, jobs_.size() - 1)];
      uint64_t est = j.ideal ? j.ideal : tern_job_cycles_tokens(kGeom, std::max(1u, std::min(j.k, 65535u)),
                                                                std::max(1u, std::min(j.n, 65535u)), 1);
      uint64_t cap = std::min<uint64_t>(3000, std::max<uint64_t>(8, est / 3));
      uint64_t wait = 1 + (rng ? tern_rand_next(rng) % cap : cap - 1);
      if (irq_en_ && !sim_.irq())
        sim_.run_until_irq(wait);
      else
        sim_.step(wait);
    }
  }

  // The device is idle: compare everything, then clear IRQ_STATUS on both sides.
  void quiescent(bool w1c = true) {
    if (failed()) return;
    sim_.step(3);
    model_run_to(accepted_);
    check_done_jobs(accepted_);
    for (uint32_t off = 0; off <= TERN_REG_CYCLES_OFFSET + 4 && !failed(); off += 4) {
      uint32_t v = 0, m = 0;
      const int r = sim_.reg_read(off, &v);
      const int mr = tern_devmodel_read(dm_, off, &m) ? kSlverr : 0;
      if (r != mr) {
        fail(tb_format("idle: read of 0x%03x answered RRESP %d, model %d", off, r, mr));
      } else if (r == 0 && off == TERN_REG_CYCLES_OFFSET) {
        check_cycles(v, "idle");
      } else if (r == 0 && v != m) {
        fail(tb_format("idle after %u jobs: register 0x%03x = 0x%08x, model 0x%08x", model_done_, off, v, m));
      }
    }
    if (failed()) return;
    if (sim_.irq() != (bool)tern_devmodel_irq(dm_)) fail(tb_format("idle: irq_o %d, model %d", sim_.irq(), tern_devmodel_irq(dm_)));
    if (!sim_.mem().idle()) fail("idle: the memory model still has transactions in flight: " + sim_.mem().in_flight());
    protocol_check();
    compare_memory();
    if (w1c && !failed()) {
      wr(TERN_REG_IRQ_STATUS_OFFSET, 3);
      sim_.step(2);
      if (sim_.irq() || tern_devmodel_irq(dm_)) fail("irq_o still high after IRQ_STATUS was cleared");
    }
  }

  // Whole memories equal, except bytes of allowed regions (results of failed or abandoned
  // jobs), which are copied from the RTL's memory to the model's.
  void compare_memory() {
    const uint8_t *r = rtl_mem_.data();
    uint8_t *m = model_mem_.data();
    const size_t size = rtl_mem_.size();
    size_t i = 0;
    while (i < size) {
      const size_t chunk = std::min<size_t>(4096, size - i);
      if (std::memcmp(r + i, m + i, chunk) == 0) {
        i += chunk;
        continue;
      }
      for (size_t e = i + chunk; i < e; i++) {
        if (r[i] == m[i]) continue;
        if (allowed(i)) {
          m[i] = r[i];
          continue;
        }
        fail(tb_format("memory byte 0x%zx: RTL 0x%02x, model 0x%02x (%s)", i, r[i], m[i], where(i).c_str()));
        return;
      }
    }
    allowed_.clear();
  }

  // Device reset (mid-job or not): the RTL by rst_ni, the model anew. The results of the
  // jobs not yet checked may be partly written.
  void reset(int cycles) {
    for (size_t j = checked_; j < jobs_.size(); j++) allow_results(jobs_[j]);
    sim_.reset(cycles);
    new_model();
  }

  // After a failure: get both sides back into step (reset, memories equal) for the next case.
  void recover() {
    sim_.reset(4);
    sim_.mem().clear_error_ranges();
    new_model();
    std::memcpy(model_mem_.data(), rtl_mem_.data(), rtl_mem_.size());
    allowed_.clear();
  }

  void allow_results(const Job &j) {
    const uint64_t stride = tern_devmodel_res_stride(j.n);
    for (uint32_t t = 0; t < j.tokens; t++) allowed_.push_back({j.o + t * stride, j.o + t * stride + 4ull * j.n});
  }

  // Independent result of a job from its trits: plain dot products.
  static std::vector<int32_t> dot(const std::vector<int8_t> &w, const uint8_t *mem, const Job &j) {
    std::vector<int32_t> out((size_t)j.tokens * j.n);
    const size_t astride = tern_devmodel_act_stride(j.k);
    for (uint32_t t = 0; t < j.tokens; t++) {
      const int8_t *x = (const int8_t *)(mem + j.a + t * astride);
      for (uint32_t i = 0; i < j.n; i++) {
        int64_t s = 0;
        const int8_t *wr_ = &w[(size_t)i * j.k];
        for (uint32_t kk = 0; kk < j.k; kk++) s += (int64_t)wr_[kk] * x[kk];
        out[(size_t)t * j.n + i] = (int32_t)s;
      }
    }
    return out;
  }

 private:
  void new_model() {
    tern_devmodel_free(dm_);
    dm_ = tern_devmodel_new_cfg(kGeom, kCfg, model_mem_.data(), model_mem_.size());
    if (!dm_) {
      std::fprintf(stderr, "tern_devmodel_new_cfg failed (T_MAX %u, QUEUE_DEPTH %u, ACT_BUF %u)\n", kCfg.t_max,
                   kCfg.queue_depth, kCfg.act_buf_beats);
      std::exit(2);
    }
    jobs_.clear();
    accepted_ = model_done_ = checked_ = 0;
    base_done_ = 0;
    last_ok_ = -1;
    irq_en_ = false;
    for (auto &s : shadow_) s = 0;
  }

  // The job's error code, from a fresh model that runs it alone (over the model's memory).
  uint32_t probe(const Job &j) {
    tern_devmodel *p = tern_devmodel_new_cfg(kGeom, kCfg, model_mem_.data(), model_mem_.size());
    tern_devmodel_write(p, TERN_REG_JOB_K_OFFSET, j.k);
    tern_devmodel_write(p, TERN_REG_JOB_N_OFFSET, j.n);
    tern_devmodel_write(p, TERN_REG_JOB_CFG_OFFSET, j.cfg());
    tern_devmodel_write(p, TERN_REG_JOB_W_ADDR_OFFSET, j.model_bus_error ? kUnreachable : j.w);
    tern_devmodel_write(p, TERN_REG_JOB_A_ADDR_OFFSET, j.a);
    tern_devmodel_write(p, TERN_REG_JOB_O_ADDR_OFFSET, j.o);
    tern_devmodel_write(p, TERN_REG_DOORBELL_OFFSET, 1);
    tern_devmodel_run(p, 1);
    uint32_t irq = 0, status = 0;
    tern_devmodel_read(p, TERN_REG_IRQ_STATUS_OFFSET, &irq);
    tern_devmodel_read(p, TERN_REG_STATUS_OFFSET, &status);
    tern_devmodel_free(p);
    return (irq & TERN_REG_IRQ_STATUS_ERROR_MASK) ? (status & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB : 0;
  }

  void check_job(uint32_t idx) {
    Job &j = jobs_[idx];
    if (j.code == TERN_DEVERR_BUS_ERROR) {
      allow_results(j);
      tot.jobs_failed++;
      return;
    }
    if (j.code != TERN_DEVERR_NONE) {  // no memory traffic: the final compare covers it
      tot.jobs_failed++;
      return;
    }
    tot.jobs_ok++;
    const size_t stride = tern_devmodel_res_stride(j.n);
    const uint8_t *r = &rtl_mem_[j.o], *m = &model_mem_[j.o];
    const size_t len = std::min(stride * j.tokens, rtl_mem_.size() - j.o);
    if (std::memcmp(r, m, len) != 0) {
      size_t off = 0;
      while (r[off] == m[off]) off++;
      const size_t t = off / stride, in = off % stride;
      if (in < 4ull * j.n) {
        const size_t row = in / 4;
        fail(tb_format("job %u (%s): token %zu output %zu: RTL %d, model %d", idx, j.desc().c_str(), t, row,
                       (int32_t)rd32(r + t * stride + 4 * row), (int32_t)rd32(m + t * stride + 4 * row)));
      } else {
        fail(tb_format("job %u (%s): token %zu row padding byte %zu written (0x%02x, was 0x%02x)", idx, j.desc().c_str(),
                       t, in - (size_t)4 * j.n, r[off], m[off]));
      }
      return;
    }
    std::vector<int8_t> w;
    if (!j.trits.empty()) {
      w = j.trits;
    } else if (j.unpack_check) {
      w.resize((size_t)j.k * j.n);
      if (tern_unpack(kGeom, (tern_format)j.fmt, &model_mem_[j.w], j.k, j.n, w.data(), nullptr) != TERN_OK) w.clear();
    }
    if (w.empty()) return;
    tot.independent++;
    std::vector<int32_t> e = dot(w, model_mem_.data(), j);
    for (uint32_t t = 0; t < j.tokens; t++)
      for (uint32_t i = 0; i < j.n; i++) {
        const int32_t got = (int32_t)rd32(r + t * stride + 4 * i);
        if (got != e[(size_t)t * j.n + i]) {
          fail(tb_format("job %u (%s): token %u output %u: RTL %d, plain dot product of the trits %d", idx,
                         j.desc().c_str(), t, i, got, e[(size_t)t * j.n + i]));
          return;
        }
      }
  }

  bool allowed(size_t a) const {
    for (const auto &r : allowed_)
      if (a >= r.lo && a < r.hi) return true;
    return false;
  }
  std::string where(size_t a) const {
    for (size_t i = 0; i < jobs_.size(); i++) {
      const Job &j = jobs_[i];
      if (a >= j.o && a < j.o + j.obytes()) return tb_format("result rows of job %zu, %s", i, j.desc().c_str());
      if (a >= j.a && a < j.a + j.abytes()) return tb_format("activations of job %zu", i);
      if (a >= j.w && a < j.w + round8(j.wbytes())) return tb_format("weights of job %zu", i);
    }
    return "outside every job's regions";
  }

  tern_test_ctx *t_;
  uint64_t seed_;
  bool verbose_;
  std::vector<uint8_t> rtl_mem_, model_mem_;
  DeviceSim sim_;
  tern_devmodel *dm_ = nullptr;
  AxiMemConfig mem_cfg_;
  std::vector<Job> jobs_;  // accepted since the last reset, in doorbell order
  uint32_t accepted_ = 0, model_done_ = 0, checked_ = 0, base_done_ = 0;
  int last_ok_ = -1;
  bool irq_en_ = false;
  uint32_t shadow_[6] = {0, 0, 0, 0, 0, 0};
  std::vector<Region> allowed_;
};

// ---- job construction ----

// Non-overlapping 8-aligned regions of a batch.
class Placer {
 public:
  // linear: one region after the other from address 0 (the bench's big jobs), else random.
  Placer(size_t mem, uint64_t *rng, bool linear = false) : mem_(mem), rng_(rng), linear_(linear) {}
  // A free region of `bytes`; false if none was found.
  bool place(size_t bytes, uint32_t *addr, bool at_end = false) {
    bytes = std::max<size_t>(8, round8(bytes));
    if (linear_) {
      if (bytes > mem_ - next_) return false;
      *addr = (uint32_t)next_;
      next_ += bytes;
      return true;
    }
    if (bytes > mem_) return false;
    for (int tries = 0; tries < 200; tries++) {
      uint64_t a = at_end && tries == 0 ? mem_ - bytes
                                        : (uint64_t)tern_rand_range(rng_, 0, (int64_t)((mem_ - bytes) / 8)) * 8;
      bool ok = true;
      for (const auto &r : used_)
        if (a < r.hi && a + bytes > r.lo) {
          ok = false;
          break;
        }
      if (!ok) continue;
      used_.push_back({a, a + bytes});
      *addr = (uint32_t)a;
      return true;
    }
    return false;
  }
  void reserve(uint64_t lo, uint64_t hi) { used_.push_back({lo, hi}); }

 private:
  size_t mem_;
  uint64_t *rng_;
  bool linear_;
  size_t next_ = 0;
  std::vector<Region> used_;
};

// ---- job construction (device_harness.cpp) ----

// A random activation byte, the extremes -128 and 127 more often than the rest.
int8_t random_act(uint64_t *rng);
// Fill a good job's weights and activations in both memories (placement already chosen).
// from_trits: pack random trits (the independent check uses them).
void fill_job(DevBench &b, Job &j, uint64_t *rng, bool from_trits);
// A good job of the given shape at fresh places in memory; false if it does not fit.
bool make_job(DevBench &b, Placer &pl, Job &j, uint64_t *rng, bool from_trits, bool ends = false);
// Cut a good job's tokens and K to what the activation bank holds.
void fit(uint32_t *k, uint32_t *tokens);
// Random shapes, edge cases (around multiples of the lanes and rows) more often.
uint32_t random_k(uint64_t *rng);
uint32_t random_n(uint64_t *rng);
// A random good job (shape, format, tokens, data), placed.
bool random_good_job(DevBench &b, Placer &pl, Job &j, uint64_t *rng);
// A descriptor that fails its checks (no memory traffic), with the code the model must give.
Job random_bad_job(uint64_t *rng);
// Random memory-model and AXI4-Lite timing (the plusargs +latency, +throttle, +reads win).
AxiMemConfig random_mem_cfg(const Plusargs &pa, uint64_t *rng);
void random_lite(DevBench &b, uint64_t *rng);
// Queue the batch (in order) and wait for it; then the idle checks.
void run_batch(DevBench &b, std::vector<Job> &batch, uint64_t *rng);
// The seed of batch (or case, or iteration) i of a run.
uint64_t batch_seed(uint64_t seed, uint64_t i);
// A good job of a given shape, placed at random (exits if memory has no room).
Job good(DevBench &b, Placer &pl, uint64_t *rng, uint32_t k, uint32_t n, uint32_t fmt, uint32_t tokens,
         bool trits = true);

// ---- the suites (device_suites.cpp) and the perf bench (device_perf.cpp) ----

// The RTL was built with the limits the model is configured with.
void suite_params(const Plusargs &pa, tern_test_ctx *t, uint64_t seed);
// Random batches of good and bad jobs under random memory timing.
void suite_random(const Plusargs &pa, tern_test_ctx *t, uint64_t seed);
// Every descriptor error, bus errors, QUEUE_FULL, and the one-deep queue's held writes.
void suite_errors(const Plusargs &pa, tern_test_ctx *t, uint64_t seed);
// Resets at random points of running batches.
void suite_reset(const Plusargs &pa, tern_test_ctx *t, uint64_t seed);
// Throughput of the 2B4T BitLinear shapes and the whole-model projection; returns the exit code.
int suite_bench(const Plusargs &pa, uint64_t seed);
