/* SPDX-License-Identifier: Apache-2.0 */
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
// the model gets the same limits (tern_devmodel_new_cfg). With SMALL = 1 (the small profile of
// spec/tern.toml, which needs T_MAX = 1 and QUEUE_DEPTH = 1) the RTL is the small device
// (tern_device SMALL: one job slot, the CSR queue bypassed): the engine
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
#ifndef TB_SMALL
#define TB_SMALL TERN_SMALL
#endif
// The wide profile: the device's weight port (WPORT_BYTES; 0 none). The weights then come
// through DeviceSim's second memory model, T5 is the one format and W_ADDR is aligned to it.
#ifndef TB_WPORT_BYTES
#define TB_WPORT_BYTES 0
#endif

// The weights in the array (tern_device WMEM_WORDS; 0 none): the device's own memory of
// WMEM_WORDS T5 beats, which W_ADDR addresses. The bench keeps its image in the bytes
// [0, kWmemBytes) of both memories: only jobs' weights are placed there (Placer::place_w), and
// DevBench::put loads whatever it writes there into the RTL's through wm_* too; the model reads
// the same bytes (tern_devmodel_set_wmem).
#ifndef TB_WMEM_WORDS
#define TB_WMEM_WORDS 0
#endif

static const tern_geom kGeom = {TB_ROWS, TB_LANES};
static const uint32_t kT5Beat = TB_ROWS * TB_LANES / 5;  // bytes of a T5 beat
// (with a weight port too, the memory is a ring the port's stream fills: W_ADDR in memory, as
// without it, and the bench is the weight port's)
static const uint64_t kWmemBytes = TB_WPORT_BYTES ? 0 : (uint64_t)TB_WMEM_WORDS * kT5Beat;
static const uint32_t kWAlign =  // W_ADDR's alignment
    TB_WPORT_BYTES  ? TB_WPORT_BYTES
    : TB_WMEM_WORDS ? kT5Beat
                    : TERN_ADDR_ALIGN;
// The device with a weight port or memory registers its engine's resets (tern_device): rst_ni
// is held 2 cycles at least there.
static const int kResetMin = (TB_WPORT_BYTES || TB_WMEM_WORDS) ? 2 : 1;
static const uint32_t kFormats = (TB_WPORT_BYTES || TB_WMEM_WORDS) ? 1u << TERN_FMT_T5 : TERN_FORMATS_MASK;
static const tern_devmodel_cfg kCfg = {TB_T_MAX, TB_QUEUE_DEPTH, TB_ACT_BUF_BEATS, kFormats, kWAlign};
static const uint32_t kTMax = TB_T_MAX, kQueueDepth = TB_QUEUE_DEPTH, kActBuf = TB_ACT_BUF_BEATS;
static const bool kSmall = TB_SMALL != 0;  // tern_device's SMALL (its profile)
static const size_t kMemBytes = 1u << 20;
static const uint32_t kUnreachable = 0xFFFFFF80u;  // aligned (to 128), beyond any memory of the bench
// Descriptors the engine may hold popped: the planner's and two job slots', or with the small
// device the planner's alone (it is the one job slot).
static const uint32_t kEngineSlots = kSmall ? 1 : 3;
// Jobs of a random batch: up to the queue's depth; a one-deep queue gets more (each doorbell
// once the engine has taken the descriptor before it), so that jobs still queue behind others.
static const uint32_t kBatchMax = kQueueDepth > 1 ? kQueueDepth : kQueueDepth + kEngineSlots + 1;
static const int kSlverr = 2;

inline size_t round8(size_t v) { return (v + 7) / 8 * 8; }
// Bytes the device reads for a weight stream of v bytes: whole beats of its weight port.
inline size_t round_w(size_t v) { return (v + kWAlign - 1) / kWAlign * kWAlign; }

inline uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

inline uint32_t make_cfg(uint32_t fmt, uint32_t tokens) {
  return fmt << TERN_REG_JOB_CFG_FMT_LSB | tokens << TERN_REG_JOB_CFG_TOKENS_LSB;
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
    return tb_format("K=%u N=%u %s T=%u w=0x%x a=0x%x o=0x%x%s%s", k, n,
                     fmt < 2 ? tern_format_name((tern_format)fmt) : "fmt?", tokens, w, a, o, what.empty() ? "" : " ",
                     what.c_str());
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
      : t_(t),
        seed_(seed),
        verbose_(pa.has("verbose")),
        rtl_mem_(mem_bytes),
        model_mem_(mem_bytes),
        sim_(rtl_mem_.data(), mem_bytes, AxiMemConfig(), seed ^ 0x1234567ull, &pa) {
    uint64_t r = fill_seed;
    for (size_t i = 0; i < mem_bytes; i += 8) {
      uint64_t v = tern_rand_next(&r);
      std::memcpy(&rtl_mem_[i], &v, std::min<size_t>(8, mem_bytes - i));
    }
    std::memcpy(model_mem_.data(), rtl_mem_.data(), mem_bytes);
    new_model();
    sim_.configure_mem(mem_cfg_);
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
    sim_.configure_mem(c);
  }
  const AxiMemConfig &mem_cfg() const { return mem_cfg_; }

  // Both memories at once (inputs of jobs).
  void put(uint64_t addr, const void *src, size_t n) {
    if (addr > rtl_mem_.size() || n > rtl_mem_.size() - addr) return;  // (the parts beyond are for bus errors)
    std::memcpy(&rtl_mem_[addr], src, n);
    std::memcpy(&model_mem_[addr], src, n);
    if (addr < kWmemBytes)  // the weight memory's image: the RTL's own copy too
      sim_.wmem_load(rtl_mem_.data(), addr, std::min<uint64_t>(addr + n, kWmemBytes), TB_ROWS, TB_LANES / 5);
  }

  // ---- CSR access on both sides ----
  uint32_t rd(uint32_t off) {
    uint32_t v = 0;
    int r = sim_.reg_read(off, &v);
    if (r < 0)
      fail(tb_format("CSR read of 0x%03x did not complete (AXI4-Lite hang)", off));
    else if (r != 0)
      fail(tb_format("CSR read of 0x%03x answered RRESP %d", off, r));
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
    if (r < 0)
      fail(tb_format("CSR write of 0x%03x did not complete (AXI4-Lite hang)", off));
    else if (r != m)
      fail(tb_format("CSR write of 0x%03x = 0x%08x: BRESP %d, model %d", off, rtl_v, r, m));
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
  bool queue(Job j, uint64_t *rng);

  // Before a doorbell when the model's queue is full (a batch longer than the queue): wait
  // until the RTL's queue has room (the engine took descriptors), then let the model run the
  // jobs the engine took, so that both accept the doorbell. Waiting also keeps JOB_* writes
  // away from a one-deep queue's waiting descriptor (tern_csr BYPASS holds them).
  bool make_room(uint64_t *rng);

  // A write to both sides that the RTL may hold for up to `timeout` cycles.
  void wr_wait(uint32_t off, uint32_t v, uint64_t timeout) {
    const int r = sim_.reg_write(off, v, 0xF, timeout);
    const int m = tern_devmodel_write(dm_, off, v) ? kSlverr : 0;
    if (r < 0)
      fail(tb_format("CSR write of 0x%03x did not complete in %" PRIu64 " cycles", off, timeout));
    else if (r != m)
      fail(tb_format("CSR write of 0x%03x = 0x%08x: BRESP %d, model %d", off, v, r, m));
  }

  // Run the model up to n jobs ended (in doorbell order), noting each one's outcome.
  void model_run_to(uint32_t n);

  // Check the memory of jobs the RTL has ended (and the model has run).
  void check_done_jobs(uint32_t rtl_done) {
    const uint32_t upto = std::min(rtl_done, model_done_);
    for (; checked_ < upto && !failed(); checked_++) check_job(checked_);
  }

  // One snapshot of the job-related registers; returns JOBS_DONE (UINT32_MAX on failure).
  uint32_t snapshot();

  // CYCLES read at `when`: at least the cycle model's figure of the last successful job, and
  // unchanged until the next one.
  void check_cycles(uint32_t rtl, const std::string &when);

  void protocol_check() {
    if (!sim_.mem_violation().empty())
      fail("AXI4 memory port: " + sim_.mem_violation());
    else if (!sim_.lite_violation().empty())
      fail("AXI4-Lite: " + sim_.lite_violation());
  }

  // Cycles a batch of the jobs from index `from` may take before the device counts as hung.
  uint64_t budget(size_t from) const;

  // Wait until every queued job has ended, checking along the way.
  bool wait_all(uint64_t *rng);

  // The device is idle: compare everything, then clear IRQ_STATUS on both sides.
  void quiescent(bool w1c = true);

  // Whole memories equal, except bytes of allowed regions (results of failed or abandoned
  // jobs), which are copied from the RTL's memory to the model's.
  void compare_memory();

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
    sim_.clear_error_ranges();
    new_model();
    std::memcpy(model_mem_.data(), rtl_mem_.data(), rtl_mem_.size());
    allowed_.clear();
  }

  void allow_results(const Job &j) {
    const uint64_t stride = tern_devmodel_res_stride(j.n);
    for (uint32_t t = 0; t < j.tokens; t++) allowed_.push_back({j.o + t * stride, j.o + t * stride + 4ull * j.n});
  }

  // Independent result of a job from its trits: plain dot products.
  static std::vector<int32_t> dot(const std::vector<int8_t> &w, const uint8_t *mem, const Job &j);

 private:
  // A fresh model over the model's memory, and the bookkeeping of an empty queue.
  void new_model();

  // The job's error code, from a fresh model that runs it alone (over the model's memory).
  uint32_t probe(const Job &j);

  // Job idx's results: bytewise against the model's, then against a plain dot product of its
  // trits (or of its stream unpacked) when it has them.
  void check_job(uint32_t idx);

  bool allowed(size_t a) const {
    for (const auto &r : allowed_)
      if (a >= r.lo && a < r.hi) return true;
    return false;
  }
  // Which job's region byte a belongs to (for a failure message).
  std::string where(size_t a) const;

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

// Non-overlapping 8-aligned regions of a batch. With a weight memory (kWmemBytes > 0) the
// weights go to [0, kWmemBytes) and everything else above it.
class Placer {
 public:
  // linear: one region after the other from the start (the bench's big jobs), else random.
  Placer(size_t mem, uint64_t *rng, bool linear = false)
      : mem_(mem), rng_(rng), linear_(linear), next_(std::min<size_t>(kWmemBytes, mem)) {}
  // A free region of `bytes` at a multiple of align (8 or more, a power of two dividing the
  // memory's size); false if none was found.
  bool place(size_t bytes, uint32_t *addr, bool at_end = false, size_t align = 8) {
    return place_in(std::min<size_t>(kWmemBytes, mem_), mem_, &next_, bytes, addr, at_end, align);
  }
  // A job's weights (bytes a multiple of kWAlign): in the weight memory, or as place() at kWAlign.
  bool place_w(size_t bytes, uint32_t *addr, bool at_end = false) {
    if (!kWmemBytes) return place(bytes, addr, at_end, kWAlign);
    return place_in(0, std::min<size_t>(kWmemBytes, mem_), &next_w_, bytes, addr, at_end, kWAlign);
  }
  void reserve(uint64_t lo, uint64_t hi) { used_.push_back({lo, hi}); }

 private:
  bool place_in(size_t lo, size_t hi, size_t *next, size_t bytes, uint32_t *addr, bool at_end, size_t align) {
    bytes = std::max<size_t>(align, (bytes + align - 1) / align * align);
    if (linear_) {
      *next = (*next + align - 1) / align * align;
      if (*next > hi || bytes > hi - *next) return false;
      *addr = (uint32_t)*next;
      *next += bytes;
      return true;
    }
    if (bytes > hi - lo) return false;
    for (int tries = 0; tries < 200; tries++) {
      uint64_t a = at_end && tries == 0
                       ? hi - bytes
                       : lo + (uint64_t)tern_rand_range(rng_, 0, (int64_t)((hi - lo - bytes) / align)) * align;
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

  size_t mem_;
  uint64_t *rng_;
  bool linear_;
  size_t next_ = 0, next_w_ = 0;
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
// random_good_job until one is placed (exits after 10000 tries).
void place_random_good_job(DevBench &b, Placer &pl, Job &j, uint64_t *rng);
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
