// SPDX-License-Identifier: Apache-2.0
// Verilator bench of rtl/tern_mac_array.v against the C golden model (cmodel/).
//
// Every job is checked bit-exactly against tern_matvec() on the same packed stream, and its
// cycle count against the cycle model (tern_job_cycles): equal when no interface stalls,
// and within [model, model + stalled cycles] otherwise (docs/array.md).
//
//   +suite=random|directed|demo|bench   what to run (default: random, then directed)
//   +jobs=N          random jobs (default 2000)      +seed=S   seed (default: from time)
//   +job=J           replay only random job J of seed S (with +vcd=FILE for a waveform)
//   +trace=FILE      write the RTL's result trace;   +trace_model=FILE  the C model's
//   +vcd=FILE        waveform (benches built with --trace)
//   +clock_mhz=F     extra clock for the demo's time figure
//   +suite=workload  model-like traffic for the gate-level energy study (fpga/scripts/gate_energy.py),
//                    every job checked as above: +capture=FILE replays a model run's BitLinear calls
//                    (tern run --capture FILE), else 2B4T-shaped random jobs (trits at 1/3 zeros,
//                    per-token absmax int8 activations of Gaussians); +max_jobs=N (default 64);
//                    the int8 bench's weights: +wdist=gauss (Gaussians, per-row absmax int8, the
//                    default) or +wdist=trits (the same trits as int8 values); +cov=FILE writes
//                    the toggle counters of a --coverage-toggle build
// Output: one "PASS name" / "FAIL name: detail" line per case (tests/common/tern_test.h).
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "Vtern_mac_array.h"
#if VM_COVERAGE
#include "verilated_cov.h"
#endif
#include "tb.h"
#include "tern_cycle.h"
#include "tern_geom.h"
#include "tern_int8.h"
#include "tern_mac.h"
#include "tern_pack.h"
#include "tern_quant.h"
#include "tern_test.h"
#include "tern_trace.h"
#include "tern_boards.h"
#include "tern_workloads.h"

#ifndef TB_K_MAX
#define TB_K_MAX TERN_K_MAX
#endif
#ifndef TB_T_MAX
#define TB_T_MAX TERN_T_MAX
#endif

static const tern_geom kGeom = {TB_ROWS, TB_LANES};

// TB_INT8: the bench of the int8 x int8 baseline (tern_mac_array with MAC_KIND = 1): one signed
// byte per weight slot, checked against tern_int8_matmul; its only format is 0 (T2's code).
// TB_FREE_RUN: tern_mac_array with FREE_RUN = 1 (the wide profile's array): no global enable,
// results through a queue and the rows' own copies of their inputs (S2): two cycles after the
// cycle model's figure at full speed.
#ifndef TB_FREE_RUN
#define TB_FREE_RUN 0
#endif
// TB_WMEM_WORDS > 0: tern_mac_array with WMEM_WORDS (FREE_RUN, T5 alone): each row's weights in
// a block RAM of its own. The bench loads each job's beats through wm_* at a random word (in
// one job in two over junk), writes junk to other words while the job runs, and expects two
// cycles more than FREE_RUN (the codes' way from the word through the tiles).
#ifndef TB_WMEM_WORDS
#define TB_WMEM_WORDS 0
#endif
static const bool kWmem = TB_WMEM_WORDS > 0;
// TB_WM_BEAT: the weight memory's write port takes a whole beat (every row's slice) a write
#ifndef TB_WM_BEAT
#define TB_WM_BEAT 0
#endif
static const uint64_t kQueueCycles = TB_FREE_RUN ? 2 + (kWmem ? 2 : 0) : 0;
// The formats the array serves: T2 becomes T5 where it serves T5 alone.
static tern_format served(tern_format f) { return kWmem ? TERN_T5 : f; }
static const size_t kWby = TB_LANES / 5 ? TB_LANES / 5 : 1;     // bytes of a row's slice of a T5 beat
static const size_t kWmd = TB_WM_BEAT ? TB_ROWS * kWby : kWby;  // bytes of a write
#ifndef TB_INT8
#define TB_INT8 0
#endif

// The stream's sizes, by format (the int8 baseline has one).
static size_t beat_bytes(tern_format f) { return TB_INT8 ? tern_int8_beat_bytes(kGeom) : tern_beat_bytes(kGeom, f); }
static size_t stream_bytes(tern_format f, uint32_t k, uint32_t n) {
  return TB_INT8 ? tern_int8_stream_bytes(kGeom, k, n) : tern_stream_bytes(kGeom, f, k, n);
}

namespace {

struct Job {
  uint32_t k = 0, n = 0, tokens = 1;
  tern_format fmt = TERN_T2;
  std::vector<uint8_t> stream;  // groups * beats * beat_bytes
  std::vector<int8_t> x;        // tokens rows of beats * L lanes; lanes past K hold garbage
  std::vector<int32_t> expect;  // result beats in order: group-major, then token; R rows each
                                // (rows >= N are 0)
  std::string kind;
};

// Per-cycle probabilities that a source offers a beat and that the sink takes one.
struct Flow {
  double p_w = 1, p_a = 1, p_r = 1;
  bool full_speed() const { return p_w >= 1 && p_a >= 1 && p_r >= 1; }
};

struct Outcome {
  bool ok = true;
  std::string why;
  uint64_t cycles = 0;        // start cycle .. last result handshake, inclusive
  uint64_t stall_cycles = 0;  // cycles an interface withheld a beat the job needed
  std::vector<int32_t> got;
};

// The expected results, from the golden model, padded to whole groups.
void compute_expect(Job &j) {
  const uint32_t groups = tern_groups(kGeom, j.n), R = kGeom.rows;
  const size_t row = (size_t)tern_beats_per_group(kGeom, j.k) * kGeom.lanes;
  std::vector<int8_t> xk((size_t)j.tokens * j.k);
  for (uint32_t t = 0; t < j.tokens; t++) std::memcpy(&xk[(size_t)t * j.k], &j.x[t * row], j.k);
  std::vector<int32_t> acc((size_t)j.tokens * j.n);
  tern_status st = TB_INT8 ? tern_int8_matmul(kGeom, j.stream.data(), j.k, j.n, j.tokens, xk.data(), acc.data())
                           : tern_matmul(kGeom, j.fmt, j.stream.data(), j.k, j.n, j.tokens, xk.data(), acc.data());
  if (st != TERN_OK) {
    std::fprintf(stderr, "tern_matmul: %s\n", tern_strerror(st));
    std::exit(2);
  }
  j.expect.assign((size_t)groups * j.tokens * R, 0);
  for (uint32_t t = 0; t < j.tokens; t++)
    for (uint32_t i = 0; i < j.n; i++)
      j.expect[((size_t)(i / R) * j.tokens + t) * R + i % R] = acc[(size_t)t * j.n + i];
}

// Extra tokens for a job: random activation rows after the first (garbage past K).
void add_tokens(Job &j, uint32_t tokens, uint64_t *rng) {
  const size_t row = (size_t)tern_beats_per_group(kGeom, j.k) * kGeom.lanes;
  j.tokens = tokens;
  j.x.resize(row * tokens);
  for (size_t i = row; i < j.x.size(); i++) j.x[i] = (int8_t)(tern_rand_next(rng) & 0xFF);
  compute_expect(j);
}

// Job with weights w[n][k] packed canonically, then padding slots overwritten with random
// codes, which the array must mask.
Job job_from_trits(const std::vector<int8_t> &w, uint32_t k, uint32_t n, tern_format fmt,
                   const std::vector<int8_t> &x_k, uint64_t *rng, const char *kind) {
  Job j;
  j.k = k;
  j.n = n;
  j.fmt = fmt;
  j.kind = kind;
  const uint32_t beats = tern_beats_per_group(kGeom, k), groups = tern_groups(kGeom, n);
  const size_t bb = beat_bytes(fmt);
  j.stream.assign(stream_bytes(fmt, k, n), 0);
  if ((TB_INT8 ? tern_int8_pack(kGeom, w.data(), k, n, j.stream.data())
               : tern_pack(kGeom, fmt, w.data(), k, n, j.stream.data())) != TERN_OK) {
    std::fprintf(stderr, "tern_pack failed\n");
    std::exit(2);
  }
  const uint32_t L = kGeom.lanes, R = kGeom.rows;
  for (uint32_t g = 0; g < groups; g++)
    for (uint32_t s = 0; s < beats; s++) {
      uint8_t *beat = &j.stream[((size_t)g * beats + s) * bb];
      for (uint32_t i = 0; i < R * L; i++) {
        uint32_t row = g * R + i / L, col = s * L + i % L;
        if (row < n && col < k) continue;
        if (TB_INT8) {
          beat[i] = (uint8_t)tern_rand_next(rng);
        } else if (fmt == TERN_T2) {
          uint8_t code = (uint8_t)(tern_rand_next(rng) & 3);
          beat[i / 4] = (uint8_t)((beat[i / 4] & ~(3u << (2 * (i % 4)))) | (code << (2 * (i % 4))));
        } else {
          int8_t d[5];
          tern_t5_decode(beat[i / 5], d);
          d[i % 5] = (int8_t)((int)(tern_rand_next(rng) % 3) - 1);
          beat[i / 5] = tern_t5_encode(d);
        }
      }
    }
  j.x.assign((size_t)beats * L, 0);
  for (size_t i = 0; i < j.x.size(); i++) j.x[i] = i < k ? x_k[i] : (int8_t)(tern_rand_next(rng) & 0xFF);
  compute_expect(j);
  // Cross-check the golden model itself against a plain multiply-accumulate.
  for (uint32_t r = 0; r < n; r++) {
    int64_t dot = 0;
    for (uint32_t c = 0; c < k; c++) dot += (int64_t)w[(size_t)r * k + c] * x_k[c];
    if (dot != j.expect[r]) {
      std::fprintf(stderr, "golden model disagrees with a plain dot product at row %u\n", r);
      std::exit(2);
    }
  }
  return j;
}

// Job whose stream is raw random bytes: every T2 code (3 included) and every T5 byte value.
Job job_from_raw(uint32_t k, uint32_t n, tern_format fmt, uint64_t *rng) {
  Job j;
  j.k = k;
  j.n = n;
  j.fmt = fmt;
  j.kind = "raw";
  j.stream.resize(stream_bytes(fmt, k, n));
  for (auto &b : j.stream) b = (uint8_t)tern_rand_next(rng);
  if (!TB_INT8 && fmt == TERN_T2 && kGeom.rows * kGeom.lanes % 4) {
    // Bits past the last slot of a T2 beat are padding the array never reads; keep them 0.
    const size_t bb = beat_bytes(fmt);
    const unsigned used = 2 * kGeom.rows * kGeom.lanes % 8;
    for (size_t b = bb - 1; b < j.stream.size(); b += bb) j.stream[b] &= (uint8_t)((1u << used) - 1);
  }
  j.x.resize((size_t)tern_beats_per_group(kGeom, k) * kGeom.lanes);
  for (auto &v : j.x) v = (int8_t)(tern_rand_next(rng) & 0xFF);
  compute_expect(j);
  return j;
}

int8_t random_act(uint64_t *rng) {
  uint64_t r = tern_rand_next(rng);
  switch (r % 8) {
    case 0: return -128;
    case 1: return 127;
    case 2: return 0;
    default: return (int8_t)(r >> 8);
  }
}

std::vector<int8_t> random_trits(size_t count, uint64_t *rng) {
  std::vector<int8_t> w(count);
  unsigned mode = (unsigned)(tern_rand_next(rng) % 6);
  for (auto &v : w) {
    uint64_t r = tern_rand_next(rng);
    switch (mode) {
      case 0: v = 1; break;
      case 1: v = -1; break;
      case 2: v = (r % 8) ? 0 : (int8_t)((r >> 8) % 2 ? 1 : -1); break;  // sparse
      default: v = (int8_t)((int)(r % 3) - 1); break;
    }
  }
  return w;
}

// The array takes the job as the device's planner gives it: B, G and the lanes and rows of a
// last beat and a last group, minus one (docs/array.md).
template <class D>
static void set_job(D *d, uint32_t k, uint32_t n, uint32_t fmt, uint32_t tokens) {
  d->cfg_beats_i = tern_beats_per_group(kGeom, k);
  d->cfg_groups_i = tern_groups(kGeom, n);
  d->cfg_klast_i = (k - 1) % kGeom.lanes;
  d->cfg_nlast_i = (n - 1) % kGeom.rows;
  d->cfg_fmt_i = fmt;
  d->cfg_tokens_i = tokens;
}

class ArrayBench {
 public:
  explicit ArrayBench(const Plusargs &pa) : tb_(pa) {
    std::string t = pa.str("trace", ""), tm = pa.str("trace_model", "");
    if (!t.empty()) trace_rtl_ = std::fopen(t.c_str(), "w");
    if (!tm.empty()) trace_model_ = std::fopen(tm.c_str(), "w");
    auto *d = tb_.dut();
    d->start_i = 0;
    d->w_valid_i = 0;
    d->a_valid_i = 0;
    d->r_ready_i = 0;
    tb_.reset();
  }
  ~ArrayBench() {
    if (trace_rtl_) std::fclose(trace_rtl_);
    if (trace_model_) std::fclose(trace_model_);
  }
  Testbench<Vtern_mac_array> &tb() { return tb_; }

  // WMEM: the job's beats from word base on, row by row; one job in two first writes junk to
  // each slice, which the beat then overwrites.
  void load(const Job &j, uint32_t base, uint64_t *rng) {
    auto *d = tb_.dut();
    const size_t bb = beat_bytes(j.fmt);
    const uint32_t beats = (uint32_t)(j.stream.size() / bb);
    const bool junk_first = tern_rand_next(rng) & 1;
    auto put = [&](uint32_t row, uint32_t word, const uint8_t *src) {
      d->wm_we_i = 1;
      d->wm_row_i = row;
      d->wm_word_i = word;
      tb_put_bytes(d->wm_data_i, src, kWmd);
      tb_.tick();
    };
    std::vector<uint8_t> junk(kWmd);
    const uint32_t writes = TB_WM_BEAT ? 1 : kGeom.rows;  // per word
    for (uint32_t w = 0; w < beats; w++)
      for (uint32_t r = 0; r < writes; r++) {
        if (junk_first) {
          for (auto &b : junk) b = (uint8_t)tern_rand_next(rng);
          put(r, base + w, junk.data());
        }
        put(r, base + w, &j.stream[(size_t)w * bb + (size_t)r * kWby]);
      }
    d->wm_we_i = 0;
  }

  void idle(unsigned cycles) {
    auto *d = tb_.dut();
    d->start_i = 0;
    d->wm_we_i = 0;
    d->w_valid_i = 0;
    d->a_valid_i = 0;
    d->r_ready_i = 0;
    for (unsigned i = 0; i < cycles; i++) tb_.tick();
  }

  // Pulse start with a configuration the array must refuse; expect one err_o pulse and no job.
  bool refused_start(uint32_t k, uint32_t n, uint32_t fmt, uint32_t tokens, std::string *why) {
    auto *d = tb_.dut();
    set_job(d, k, n, fmt, tokens);
    d->start_i = 1;
    d->w_valid_i = 1;
    d->a_valid_i = 1;
    d->r_ready_i = 1;
    unsigned err_cycles = 0;
    for (int c = 0; c < 6; c++) {
      tb_.settle();
      if (d->err_o) err_cycles++;
      if (d->busy_o || d->w_ready_o || d->a_ready_o || d->r_valid_o) {
        *why = tb_format("start k=%u n=%u fmt=%u: array became busy or took a beat", k, n, fmt);
        return false;
      }
      tb_.tick();
      d->start_i = 0;
    }
    idle(1);
    if (err_cycles != 1) {
      *why = tb_format("start k=%u n=%u fmt=%u: err_o high for %u cycles, expected 1", k, n, fmt, err_cycles);
      return false;
    }
    return true;
  }

  // Run one job. reset_at >= 0 pulls rst_ni low in that cycle of the job (the job is then
  // abandoned and the array must be idle and empty).
  Outcome run(const Job &j, const Flow &fl, uint64_t flow_seed, uint32_t job_id, int64_t reset_at = -1) {
    Outcome o;
    auto *d = tb_.dut();
    const uint32_t bpg = tern_beats_per_group(kGeom, j.k), T = j.tokens;
    const uint32_t beats = bpg * tern_groups(kGeom, j.n);  // weight beats
    const uint32_t abeats = beats * T;                     // activation beats
    const uint32_t groups = tern_groups(kGeom, j.n), nres = groups * T;
    const size_t bb = beat_bytes(j.fmt), row = (size_t)bpg * kGeom.lanes;
    const uint64_t model = tern_job_cycles_tokens(kGeom, j.k, j.n, T) + kQueueCycles;
    const uint64_t limit = 64 * model + 100000;
    uint64_t rng = flow_seed;
    std::vector<uint8_t> garbage(bb + kGeom.lanes + (TB_WM_BEAT ? bb : 0));  // (WM_BEAT: junk beats)
    for (auto &b : garbage) b = (uint8_t)tern_rand_next(&rng);

    uint32_t wbase = 0;
    if (kWmem) {  // the job's beats at a random word, then the writes' three cycles to land
      if (beats > TB_WMEM_WORDS) return fail(o, "the job's beats do not fit the weight memory");
      wbase = (uint32_t)(tern_rand_next(&rng) % (TB_WMEM_WORDS - beats + 1));
      load(j, wbase, &rng);
      idle(6);
    }
    tb_.settle();
    if (d->busy_o) return fail(o, "busy_o high before the start");
    set_job(d, j.k, j.n, (uint32_t)j.fmt, j.tokens);
    d->cfg_wbase_i = wbase;
    d->start_i = 1;
    d->w_valid_i = 0;
    d->a_valid_i = 0;
    d->r_ready_i = 0;
    tb_.settle();
    if (d->err_o) return fail(o, "err_o on a legal start");
    tb_.tick();
    d->start_i = 0;

    uint64_t c = 1;
    uint32_t wi = 0, ai = 0, results = 0;  // weight beats, activation beats, results moved
    bool w_hold = false, a_hold = false, r_pending = false;
    std::vector<uint8_t> r_prev(4 * kGeom.rows), r_now(4 * kGeom.rows);
    o.got.assign((size_t)nres * kGeom.rows, 0);
    while (results < nres) {
      if (c > limit)
        return fail(o, tb_format("timeout after %" PRIu64 " cycles, %u of %u activation beats taken, %u results", c, ai,
                                 abeats, results));
      if (reset_at >= 0 && (int64_t)c == reset_at) return do_reset(o, rng);
      // Sources: raise valid at random and hold it (with its data) until the beat moves. The
      // weight beat of step s goes with token 0 of that step's activation beats (FREE_RUN: with
      // the last token; the beat is held on w_data_i for the tokens before it).
      if (!w_hold && tb_uniform(&rng) < fl.p_w) w_hold = wi < beats || tb_uniform(&rng) < 0.5;
      if (!a_hold && tb_uniform(&rng) < fl.p_a) a_hold = ai < abeats || tb_uniform(&rng) < 0.5;
      d->w_valid_i = w_hold;
      d->a_valid_i = a_hold;
      if (wi < beats)
        tb_put_bytes(d->w_data_i, &j.stream[(size_t)wi * bb], bb);
      else  // a beat past the end of the job: must never be taken
        tb_put_bytes(d->w_data_i, garbage.data(), bb);
      if (ai < abeats)
        tb_put_bytes(d->a_data_i, (const uint8_t *)&j.x[(ai % T) * row + (size_t)(ai / T % bpg) * kGeom.lanes],
                     kGeom.lanes);
      else
        tb_put_bytes(d->a_data_i, garbage.data() + bb, kGeom.lanes);
      const bool r_rdy = tb_uniform(&rng) < fl.p_r;
      d->r_ready_i = r_rdy;
      // WMEM: garbage into words the job does not read, a row at a time (the job must not see it)
      d->wm_we_i = 0;
      if (kWmem && beats < TB_WMEM_WORDS && tern_rand_next(&rng) % 4 == 0) {
        uint32_t w = (uint32_t)(tern_rand_next(&rng) % (TB_WMEM_WORDS - beats));
        d->wm_we_i = 1;
        d->wm_row_i = (uint32_t)(tern_rand_next(&rng) % kGeom.rows);
        d->wm_word_i = w < wbase ? w : w + beats;
        tb_put_bytes(d->wm_data_i, garbage.data() + tern_rand_next(&rng) % (bb / 2), kWmd);
      }
      tb_.settle();

      const bool af = d->a_valid_i && d->a_ready_o;
      const bool token0 = ai % T == 0;
      const bool wtok = TB_FREE_RUN ? ai % T == T - 1 : token0;  // the token the weight beat moves with
      // (WMEM: the weight beat moves with its last token; w_ready_o never rises)
      if (kWmem && d->w_ready_o) return fail(o, tb_format("cycle %" PRIu64 ": w_ready_o with weights in the array", c));
      const bool wf = kWmem ? af && wtok && ai < abeats : d->w_valid_i && d->w_ready_o;
      if (wf && !af) return fail(o, tb_format("cycle %" PRIu64 ": a weight beat moved without activations", c));
      if (af && ai < abeats && wtok != wf)
        return fail(o, tb_format("cycle %" PRIu64 ": activation beat %u (token %u) moved %s a weight beat", c, ai,
                                 ai % T, wf ? "with" : "without"));
      if (wf && wi >= beats)
        return fail(o, tb_format("cycle %" PRIu64 ": took a weight beat beyond the job's %u", c, beats));
      if (af && ai >= abeats)
        return fail(o, tb_format("cycle %" PRIu64 ": took an activation beat beyond the job's %u", c, abeats));
      if (!d->busy_o) return fail(o, tb_format("cycle %" PRIu64 ": busy_o low during the job", c));
      if (d->err_o) return fail(o, tb_format("cycle %" PRIu64 ": err_o during a legal job", c));
      if (ai < abeats && !(a_hold && ((!token0 && !TB_FREE_RUN) || w_hold || kWmem))) o.stall_cycles++;
      if (d->r_valid_o && !r_rdy) o.stall_cycles++;
      if (d->r_valid_o) tb_get_bytes(d->r_data_o, r_now.data(), r_now.size());
      if (r_pending) {  // a result not taken must stay, unchanged
        if (!d->r_valid_o) return fail(o, tb_format("cycle %" PRIu64 ": r_valid_o dropped before the handshake", c));
        if (r_now != r_prev) return fail(o, tb_format("cycle %" PRIu64 ": r_data_o changed while stalled", c));
      }
      if (d->r_valid_o && r_rdy) {
        const bool last = results + 1 == nres;
        if ((bool)d->r_last_o != last)
          return fail(o, tb_format("result %u: r_last_o = %d, expected %d", results, (int)d->r_last_o, (int)last));
        for (uint32_t r = 0; r < kGeom.rows; r++) {
          uint32_t u = (uint32_t)r_now[4 * r] | (uint32_t)r_now[4 * r + 1] << 8 | (uint32_t)r_now[4 * r + 2] << 16 |
                       (uint32_t)r_now[4 * r + 3] << 24;
          o.got[(size_t)results * kGeom.rows + r] = (int32_t)u;
        }
        if (trace_rtl_)
          tern_trace_result(trace_rtl_, job_id, results, kGeom.rows, &o.got[(size_t)results * kGeom.rows]);
        results++;
        if (last) o.cycles = c + 1;
        r_pending = false;
      } else {
        r_pending = d->r_valid_o;
        r_prev = r_now;
      }
      tb_.tick();
      c++;
      if (wf) {
        wi++;
        w_hold = false;
      }
      if (af) {
        ai++;
        a_hold = false;
      }
    }
    if (trace_model_)
      for (uint32_t i = 0; i < nres; i++)
        tern_trace_result(trace_model_, job_id, i, kGeom.rows, &j.expect[(size_t)i * kGeom.rows]);
    d->w_valid_i = 0;
    d->a_valid_i = 0;
    d->r_ready_i = 0;
    d->wm_we_i = 0;
    tb_.settle();
    if (d->busy_o) return fail(o, "busy_o still high the cycle after the last result");
    if (d->r_valid_o) return fail(o, "r_valid_o high after the last result");
    if (wi != beats || ai != abeats)
      return fail(o, tb_format("job ended after %u of %u weight and %u of %u activation beats", wi, beats, ai, abeats));
    for (size_t i = 0; i < o.got.size(); i++)
      if (o.got[i] != j.expect[i])
        return fail(o, tb_format("first difference: group %zu token %zu row %zu: rtl %d, cmodel %d", i / kGeom.rows / T,
                                 i / kGeom.rows % T, i % kGeom.rows, o.got[i], j.expect[i]));
    if (fl.full_speed() && o.cycles != model)
      return fail(o, tb_format("cycles %" PRIu64 " != cycle model %" PRIu64, o.cycles, model));
    if (o.cycles < model || o.cycles > model + o.stall_cycles)
      return fail(o, tb_format("cycles %" PRIu64 " outside [model %" PRIu64 ", model + %" PRIu64 " stalls]", o.cycles,
                               model, o.stall_cycles));
    return o;
  }

 private:
  static Outcome &fail(Outcome &o, const std::string &why) {
    o.ok = false;
    o.why = why;
    return o;
  }
  Outcome &do_reset(Outcome &o, uint64_t &rng) {
    auto *d = tb_.dut();
    d->rst_ni = 0;
    int n = 1 + (int)(tern_rand_next(&rng) % 3);
    for (int i = 0; i < n; i++) tb_.tick();
    d->rst_ni = 1;
    d->w_valid_i = 1;  // offers must be ignored by an idle array
    d->a_valid_i = 1;
    d->r_ready_i = 1;
    tb_.settle();
    if (d->busy_o || d->r_valid_o || d->w_ready_o || d->a_ready_o)
      return fail(o, "after reset: busy_o, r_valid_o or a ready still high");
    d->w_valid_i = 0;
    d->a_valid_i = 0;
    o.cycles = 0;
    return o;
  }

  Testbench<Vtern_mac_array> tb_;
  FILE *trace_rtl_ = nullptr;
  FILE *trace_model_ = nullptr;
};

std::string geom_tag() { return tb_format("[%ux%u]", kGeom.rows, kGeom.lanes); }

Flow random_flow(uint64_t *rng) {
  Flow f;
  static const double ps[] = {1.0, 1.0, 0.9, 0.6, 0.3};
  if (tern_rand_next(rng) % 10 < 4) return f;  // 40% of jobs at full speed: exact cycle check
  f.p_w = ps[tern_rand_next(rng) % 5];
  f.p_a = ps[tern_rand_next(rng) % 5];
  f.p_r = ps[tern_rand_next(rng) % 5];
  if (tern_rand_next(rng) % 8 == 0) f.p_r = 0.05;  // a very slow consumer
  return f;
}

Job random_job(uint64_t seed) {
  uint64_t rng = seed;
  const uint32_t L = kGeom.lanes, R = kGeom.rows;
  tern_format fmt = (tern_rand_next(&rng) & 1) && !TB_INT8 ? TERN_T5 : TERN_T2;
  uint32_t k, n;
  uint64_t cls = tern_rand_next(&rng) % 100;
  if (cls < 70) {
    k = (uint32_t)tern_rand_range(&rng, 1, 4 * L + 3);
    n = (uint32_t)tern_rand_range(&rng, 1, 4 * R + 1);
  } else if (cls < 96) {
    k = (uint32_t)tern_rand_range(&rng, 1, 700);
    n = (uint32_t)tern_rand_range(&rng, 1, 6 * R + 1);
  } else {
    k = (uint32_t)tern_rand_range(&rng, 700, 4000);
    n = (uint32_t)tern_rand_range(&rng, 1, 2 * R + 1);
  }
  if (k > TB_K_MAX) k = TB_K_MAX;
  fmt = served(fmt);
  if (kWmem) {  // the job's beats fit the weight memory
    const uint32_t B = tern_beats_per_group(kGeom, k);
    if (B > TB_WMEM_WORDS) k = TB_WMEM_WORDS * L;
    const uint32_t gmax = TB_WMEM_WORDS / tern_beats_per_group(kGeom, k);
    if (tern_groups(kGeom, n) > gmax) n = gmax * R;
  }
  // Half the jobs serve several tokens per weight pass (prefill), up to T_MAX.
  uint32_t tokens = (tern_rand_next(&rng) & 1) ? (uint32_t)tern_rand_range(&rng, 1, TB_T_MAX) : 1;
  Job j;
  if (tern_rand_next(&rng) % 10 < 4) {
    j = job_from_raw(k, n, fmt, &rng);
  } else {
    std::vector<int8_t> w = random_trits((size_t)k * n, &rng), x(k);
    if (TB_INT8)
      for (auto &v : w) v = random_act(&rng);  // int8 weights, extremes often
    for (auto &v : x) v = random_act(&rng);
    j = job_from_trits(w, k, n, fmt, x, &rng, TB_INT8 ? "int8" : "trits");
  }
  if (tokens > 1) add_tokens(j, tokens, &rng);
  return j;
}

uint64_t job_seed(uint64_t seed, uint32_t j) {
  uint64_t s = seed ^ (0xA24BAED4963EE407ull * (j + 1));
  return tern_rand_next(&s);
}

void suite_random(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  const uint32_t jobs = (uint32_t)pa.num("jobs", 2000);
  const bool one = pa.has("job");
  const uint32_t first = one ? (uint32_t)pa.num("job", 0) : 0, end = one ? first + 1 : jobs;
  std::string name = "rtl/random" + geom_tag() + (one ? tb_format(" job %u", first) : tb_format(" %u jobs", jobs));
  tern_test_begin(t, name.c_str());
  ArrayBench bench(pa);
  uint64_t exact = 0, stalled = 0, cycles = 0, beats = 0;
  for (uint32_t j = first; j < end && !t->failed; j++) {
    Job job = random_job(job_seed(seed, j));
    uint64_t frng = job_seed(seed ^ 0x5555, j);
    Flow fl = random_flow(&frng);
    Outcome o = bench.run(job, fl, tern_rand_next(&frng), j);
    if (!o.ok) {
      tern_test_fail(t,
                     "job %u (K=%u N=%u T=%u %s %s, p_w=%.2f p_a=%.2f p_r=%.2f): %s [seed=%" PRIu64
                     "; replay: +seed=%" PRIu64 " +job=%u +vcd=job.vcd]",
                     j, job.k, job.n, job.tokens, tern_format_name(job.fmt), job.kind.c_str(), fl.p_w, fl.p_a, fl.p_r,
                     o.why.c_str(), seed, seed, j);
      break;
    }
    (fl.full_speed() ? exact : stalled)++;
    cycles += o.cycles;
    beats += (uint64_t)tern_groups(kGeom, job.n) * tern_beats_per_group(kGeom, job.k) * job.tokens;
    bench.idle((unsigned)(tern_rand_next(&frng) % 4));
  }
  if (!t->failed)
    std::fprintf(stderr,
                 "  random%s: %" PRIu64 " jobs with exact cycle match, %" PRIu64 " with stalls (bounded), %" PRIu64
                 " beats in %" PRIu64 " cycles\n",
                 geom_tag().c_str(), exact, stalled, beats, cycles);
  tern_test_end(t);
}

// ---- workload: traffic for the energy study -------------------------------------------------

// One BitLinear call: w[n][k] (trits, or int8 for the int8 bench) and x[tokens][k].
struct Call {
  uint32_t k = 0, n = 0, tokens = 0;
  std::vector<int8_t> w, x;
};

// A capture file of tern_device_set_capture: "TERNCAP1", then records of four little-endian
// uint32 (k, n, tokens, 0), n*k weights, tokens*k activations. Returns false with a reason.
bool read_capture(const std::string &path, std::vector<Call> *calls, size_t max_calls, std::string *why) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) return *why = "cannot open " + path, false;
  char magic[8];
  bool ok = std::fread(magic, 1, 8, f) == 8 && std::memcmp(magic, "TERNCAP1", 8) == 0;
  if (!ok) *why = path + ": not a tern capture (no TERNCAP1 magic)";
  while (ok && calls->size() < max_calls) {
    uint8_t h[16];
    size_t got = std::fread(h, 1, 16, f);
    if (got == 0) break;
    uint32_t v[4];
    for (int i = 0; i < 4; i++)
      v[i] = (uint32_t)h[4 * i] | h[4 * i + 1] << 8 | h[4 * i + 2] << 16 | (uint32_t)h[4 * i + 3] << 24;
    if (got != 16 || v[0] == 0 || v[0] > TB_K_MAX || v[1] == 0 || v[1] > TERN_N_MAX || v[2] == 0 || v[2] > 65536 ||
        v[3] != 0) {
      *why =
          tb_format("%s: record %zu: bad header (k=%u n=%u tokens=%u)", path.c_str(), calls->size(), v[0], v[1], v[2]);
      ok = false;
      break;
    }
    Call c;
    c.k = v[0], c.n = v[1], c.tokens = v[2];
    c.w.resize((size_t)c.n * c.k);
    c.x.resize((size_t)c.tokens * c.k);
    if (std::fread(c.w.data(), 1, c.w.size(), f) != c.w.size() ||
        std::fread(c.x.data(), 1, c.x.size(), f) != c.x.size()) {
      *why = tb_format("%s: record %zu: truncated", path.c_str(), calls->size());
      ok = false;
      break;
    }
    for (int8_t t : c.w)
      if (t < -1 || t > 1) {
        *why = tb_format("%s: record %zu: a weight is not a trit", path.c_str(), calls->size());
        ok = false;
        break;
      }
    if (ok) calls->push_back(std::move(c));
  }
  std::fclose(f);
  return ok;
}

// A standard normal sample (Box-Muller on the bench's generator).
double gauss(uint64_t *rng) {
  double u1 = ((double)(tern_rand_next(rng) >> 11) + 1.0) / 9007199254740993.0;
  double u2 = (double)(tern_rand_next(rng) >> 11) / 9007199254740992.0;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// Gaussians quantised to int8 by absmax over each run of `len` values (BitNet's per-token
// activation quantiser; an int8 model's per-row weight quantiser).
void absmax_int8(int8_t *v, size_t count, size_t len, uint64_t *rng) {
  std::vector<double> g(len);
  for (size_t base = 0; base < count; base += len) {
    double m = 1e-9;
    for (size_t i = 0; i < len; i++) m = std::max(m, std::fabs(g[i] = gauss(rng)));
    for (size_t i = 0; i < len && base + i < count; i++) v[base + i] = (int8_t)std::lround(g[i] * 127.0 / m);
  }
}

// An array job as the device runs one: canonical packing (zero padding slots), activation lanes
// past K zero, tokens t0 .. t0+T-1 of the call, rows r0 .. r0+n-1.
Job job_of_call(const Call &c, uint32_t r0, uint32_t n, uint32_t t0, uint32_t T, tern_format fmt) {
  Job j;
  j.k = c.k, j.n = n, j.tokens = T, j.fmt = fmt, j.kind = "workload";
  j.stream.assign(stream_bytes(fmt, c.k, n), 0);
  const int8_t *w = &c.w[(size_t)r0 * c.k];
  if ((TB_INT8 ? tern_int8_pack(kGeom, w, c.k, n, j.stream.data())
               : tern_pack(kGeom, fmt, w, c.k, n, j.stream.data())) != TERN_OK) {
    std::fprintf(stderr, "tern_pack failed\n");
    std::exit(2);
  }
  const size_t row = (size_t)tern_beats_per_group(kGeom, c.k) * kGeom.lanes;
  j.x.assign(row * T, 0);
  for (uint32_t t = 0; t < T; t++) std::memcpy(&j.x[t * row], &c.x[(size_t)(t0 + t) * c.k], c.k);
  compute_expect(j);
  return j;
}

void suite_workload(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  const std::string cap = pa.str("capture", ""), wdist = pa.str("wdist", "gauss");
  const uint32_t max_jobs = (uint32_t)pa.num("max_jobs", 64);
  std::string name = "rtl/workload" + geom_tag() + (cap.empty() ? " 2b4t-random" : " capture");
  tern_test_begin(t, name.c_str());
  uint64_t rng = seed;
  std::vector<Call> calls;
  std::string why;
  if (!cap.empty()) {
    if (!read_capture(cap, &calls, max_jobs, &why)) {
      tern_test_fail(t, "%s", why.c_str());
      tern_test_end(t);
      return;
    }
  } else {
    // 2B4T-shaped: the hidden size as K, a few groups of rows, one token.
    for (uint32_t i = 0; i < max_jobs; i++) {
      Call c;
      c.k = std::min<uint32_t>(TERN_W_2B4T_HIDDEN, TB_K_MAX), c.n = 4 * kGeom.rows, c.tokens = 1;
      c.w.resize((size_t)c.n * c.k);
      for (auto &v : c.w) v = (int8_t)((int)(tern_rand_next(&rng) % 3) - 1);
      c.x.resize(c.k);
      absmax_int8(c.x.data(), c.x.size(), c.k, &rng);
      calls.push_back(std::move(c));
    }
  }
  if (TB_INT8 && wdist != "gauss" && wdist != "trits") {
    tern_test_fail(t, "+wdist=%s: expected gauss or trits", wdist.c_str());
    tern_test_end(t);
    return;
  }
  if (TB_INT8 && wdist == "gauss")
    for (auto &c : calls) absmax_int8(c.w.data(), c.w.size(), c.k, &rng);
  ArrayBench bench(pa);
  uint64_t jobs = 0, macs = 0, cycles = 0;
  const tern_format fmt = TB_INT8 ? TERN_T2 : (tern_format)pa.num("fmt", TERN_T5);
  for (const Call &c : calls) {
    for (uint32_t r0 = 0; r0 < c.n && jobs < max_jobs && !t->failed; r0 += TERN_N_MAX)
      for (uint32_t t0 = 0; t0 < c.tokens && jobs < max_jobs && !t->failed; t0 += TB_T_MAX) {
        const uint32_t n = std::min(c.n - r0, TERN_N_MAX), T = std::min<uint32_t>(c.tokens - t0, TB_T_MAX);
        Job j = job_of_call(c, r0, n, t0, T, fmt);
        Outcome o = bench.run(j, Flow(), 1, (uint32_t)jobs);
        if (!o.ok) {
          tern_test_fail(t, "job %" PRIu64 " (K=%u N=%u T=%u): %s [seed=%" PRIu64 "]", jobs, j.k, j.n, T, o.why.c_str(),
                         seed);
          break;
        }
        jobs++, macs += (uint64_t)j.k * j.n * T, cycles += o.cycles;
      }
  }
  if (!t->failed)
    std::printf("workload: %" PRIu64 " jobs, %" PRIu64 " MACs, %" PRIu64 " cycles, %" PRIu64
                " bench cycles, seed %" PRIu64 "\n",
                jobs, macs, cycles, bench.tb().cycle(), seed);
#if VM_COVERAGE
  const std::string cov = pa.str("cov", "");
  if (!cov.empty()) bench.tb().context()->coveragep()->write(cov.c_str());
#endif
  tern_test_end(t);
}

// Run a list of jobs as one test case.
void run_case(tern_test_ctx *t, const Plusargs &pa, const std::string &name, std::vector<Job> jobs, Flow fl = Flow()) {
  std::string full = name + geom_tag();
  tern_test_begin(t, full.c_str());
  ArrayBench bench(pa);
  uint32_t id = 0;
  for (const Job &j : jobs) {
    Outcome o = bench.run(j, fl, 12345 + id, id);
    if (!o.ok) {
      tern_test_fail(t, "job %u (K=%u N=%u %s %s): %s", id, j.k, j.n, tern_format_name(j.fmt), j.kind.c_str(),
                     o.why.c_str());
      break;
    }
    id++;
  }
  tern_test_end(t);
}

void suite_directed(const Plusargs &pa, tern_test_ctx *t) {
  const uint32_t L = kGeom.lanes, R = kGeom.rows;
  // (WMEM: the largest K whose two groups of beats fit the weight memory)
  const uint32_t KMAX = kWmem ? std::min<uint32_t>(TB_K_MAX, TB_WMEM_WORDS / 2 * L) : TB_K_MAX;
  uint64_t rng = 42;
  const tern_format fmts[2] = {served(TERN_T2), TB_INT8 ? TERN_T2 : TERN_T5};  // int8: one format

  {  // Extreme accumulators at the largest K: +-127 K and +-128 K, in the one-token register
     // (T = 1) and, with T_MAX tokens, in the accumulator RAM (token 0 extreme, the others random).
    std::vector<Job> jobs;
    const int8_t ws[2] = {TB_INT8 ? (int8_t)127 : (int8_t)1, TB_INT8 ? (int8_t)-128 : (int8_t)-1};
    const int8_t xs[2] = {127, -128};
    for (tern_format f : fmts)
      for (int8_t wv : ws)
        for (int8_t xv : xs) {
          uint32_t n = R + 1;
          std::vector<int8_t> w((size_t)KMAX * n, wv), x(KMAX, xv);
          jobs.push_back(job_from_trits(w, KMAX, n, f, x, &rng, "extreme"));
          int64_t want = (int64_t)wv * xv * KMAX;
          if (jobs.back().expect[0] != want) {
            std::fprintf(stderr, "extreme job: golden model gives %d, expected %" PRId64 "\n", jobs.back().expect[0],
                         want);
            std::exit(2);
          }
          if (TB_T_MAX > 1) {
            Job jt = jobs.back();
            add_tokens(jt, TB_T_MAX, &rng);
            jt.kind = "extreme-prefill";
            jobs.push_back(jt);
          }
        }
    run_case(t, pa, "rtl/extremes_kmax", jobs);
  }
  {  // K around the lane count and N around the row count.
    std::vector<Job> jobs;
    const uint32_t ks[] = {1, L > 1 ? L - 1 : 1, L, L + 1, 2 * L - 1, 2 * L, 2 * L + 1};
    const uint32_t ns[] = {1, R > 1 ? R - 1 : 1, R, R + 1, 2 * R + 1};
    for (tern_format f : fmts)
      for (uint32_t k : ks)
        for (uint32_t n : ns) {
          std::vector<int8_t> w = random_trits((size_t)k * n, &rng), x(k);
          for (auto &v : x) v = random_act(&rng);
          jobs.push_back(job_from_trits(w, k, n, f, x, &rng, "edge"));
        }
    run_case(t, pa, "rtl/k_n_edges", jobs);
  }
  if (!TB_INT8) {  // Every T5 byte value 0..255 (canonical and the 13 aliases) in every byte position.
    std::vector<Job> jobs;
    const size_t bb = tern_beat_bytes(kGeom, TERN_T5);
    const uint32_t beats = (uint32_t)((256 + bb - 1) / bb) + 1;
    for (uint32_t off = 0; off < 3; off++) {
      Job j = job_from_raw(beats * L, R, TERN_T5, &rng);
      for (size_t i = 0; i < j.stream.size(); i++) j.stream[i] = (uint8_t)(i * (2 * off + 1) + off);
      compute_expect(j);
      j.kind = "t5-all-bytes";
      jobs.push_back(j);
    }
    run_case(t, pa, "rtl/t5_every_byte", jobs);
  }
  if (!TB_INT8 && !kWmem) {  // Every T2 code, 3 (reserved, counts as 0) included, in every slot position.
    std::vector<Job> jobs;
    const uint8_t pats[] = {0x00, 0x55, 0xAA, 0xFF, 0xE4, 0x1B};
    for (uint8_t p : pats) {
      Job j = job_from_raw(3 * L + 1, R + 1, TERN_T2, &rng);
      for (auto &b : j.stream) b = p;
      compute_expect(j);
      j.kind = tb_format("t2-pattern-%02x", p);
      jobs.push_back(j);
    }
    run_case(t, pa, "rtl/t2_every_code", jobs);
  }
  {  // Back-pressure: a consumer that takes one result in twenty cycles, and sparse sources.
    std::vector<Job> jobs;
    for (tern_format f : fmts) jobs.push_back(job_from_raw(5 * L + 3, 4 * R + 1, f, &rng));
    Flow slow;
    slow.p_r = 0.05;
    run_case(t, pa, "rtl/backpressure_slow_sink", jobs, slow);
    Flow sparse;
    sparse.p_w = 0.2;
    sparse.p_a = 0.35;
    run_case(t, pa, "rtl/backpressure_sparse_sources", jobs, sparse);
  }
  {  // Prefill weight reuse: every token count 1 .. T_MAX, extremes included, both formats.
    std::vector<Job> jobs;
    for (uint32_t tk = 1; tk <= TB_T_MAX; tk++)
      for (tern_format f : fmts) {
        Job j = job_from_raw((uint32_t)tern_rand_range(&rng, 1, 3 * L + 2),
                             (uint32_t)tern_rand_range(&rng, 1, 3 * R + 1), f, &rng);
        add_tokens(j, tk, &rng);
        j.kind = tb_format("prefill-T%u", tk);
        jobs.push_back(j);
      }
    run_case(t, pa, "rtl/prefill_every_token_count", jobs);
    Flow busy;
    busy.p_w = 0.5;
    busy.p_a = 0.7;
    busy.p_r = 0.4;
    run_case(t, pa, "rtl/prefill_with_stalls", jobs, busy);
  }
  {  // Reset in the middle of jobs, then a clean job.
    std::string name = "rtl/reset_mid_job" + geom_tag();
    tern_test_begin(t, name.c_str());
    ArrayBench bench(pa);
    for (int trial = 0; trial < 40 && !t->failed; trial++) {
      Job j = job_from_raw((uint32_t)tern_rand_range(&rng, 1, 3 * L), (uint32_t)tern_rand_range(&rng, 1, 3 * R),
                           fmts[trial & 1], &rng);
      Flow fl;
      if (trial % 3) fl.p_r = fl.p_w = 0.5;
      if (trial % 2) add_tokens(j, 1 + (uint32_t)trial % TB_T_MAX, &rng);
      uint64_t model = tern_job_cycles_tokens(kGeom, j.k, j.n, j.tokens);
      int64_t at = 1 + (int64_t)(tern_rand_next(&rng) % (model + 2));
      Outcome o = bench.run(j, fl, 99 + trial, trial, at);
      if (!o.ok) {
        tern_test_fail(t, "trial %d, reset in cycle %" PRId64 ": %s", trial, at, o.why.c_str());
        break;
      }
      Job after = job_from_raw(2 * L + 1, R + 1, fmts[(trial + 1) & 1], &rng);
      o = bench.run(after, Flow(), 7, 1000 + trial);
      if (!o.ok) tern_test_fail(t, "trial %d, job after reset in cycle %" PRId64 ": %s", trial, at, o.why.c_str());
    }
    tern_test_end(t);
  }
  {  // Illegal starts are refused with one err_o pulse; a job after them works.
    std::string name = "rtl/refused_starts" + geom_tag();
    tern_test_begin(t, name.c_str());
    ArrayBench bench(pa);
    std::string why;
    // (K = 0 and N = 0 are the planner's to refuse: the array takes B and G >= 1)
    // (a T5-only array refuses T2)
    const uint32_t bad[][4] = {
        {5, 5, 2, 1}, {5, 5, 3, 1}, {5, 5, 0, 0}, {5, 5, 1, TB_T_MAX + 1}, {5, 5, kWmem ? (uint32_t)TERN_T2 : 2u, 1}};
    // cfg_tokens_i is clog2(T_MAX + 1) bits wide: T_MAX + 1 cannot reach the array when that
    // is a power of two (T_MAX = 1, 3, 7, ...), and a wider value on the port would only test
    // the simulator (a gate-level netlist indexes its LUTs with it)
    const bool tokens_fit = ((TB_T_MAX + 1) & TB_T_MAX) != 0;
    for (auto &b : bad)
      if ((b[3] <= TB_T_MAX || tokens_fit) && !bench.refused_start(b[0], b[1], b[2], b[3], &why)) {
        tern_test_fail(t, "%s", why.c_str());
        break;
      }
    Job j = job_from_raw(L + 1, R + 1, fmts[1], &rng);
    Outcome o = bench.run(j, Flow(), 3, 0);
    if (!o.ok) tern_test_fail(t, "job after refused starts: %s", o.why.c_str());
    tern_test_end(t);
  }
}

// One BitLinear of BitNet b1.58 2B4T's shape through the RTL and the golden model.
int demo(const Plusargs &pa) {
  const uint32_t K = (uint32_t)pa.num("k", TERN_W_2B4T_HIDDEN), N = (uint32_t)pa.num("n", TERN_W_2B4T_FFN);
  const uint64_t seed = pa.num("seed", 2026);
  uint64_t rng = seed;
  std::vector<float> wf((size_t)K * N), xf(K);
  for (auto &v : wf) v = (float)(tb_uniform(&rng) * 2 - 1) * 0.05f;
  for (auto &v : xf) v = (float)(tb_uniform(&rng) * 2 - 1) * 3.0f;
  std::vector<int8_t> w((size_t)K * N), x(K);
  float w_scale = 0, absmax = 0;
  if (tern_quantize_weights(wf.data(), wf.size(), w.data(), &w_scale) != TERN_OK ||
      tern_quantize_acts(xf.data(), K, x.data(), &absmax) != TERN_OK) {
    std::fprintf(stderr, "quantisation failed\n");
    return 2;
  }
  size_t zeros = 0;
  for (int8_t v : w) zeros += v == 0;
  std::printf("tern demo: one BitLinear of BitNet b1.58 2B4T's FFN shape, K = %u -> N = %u, seed %" PRIu64 "\n", K, N,
              seed);
  std::printf("  weights: absmean-ternarised random floats, scale %.6g, %.1f%% zeros; activations: int8, absmax %.4g\n",
              w_scale, 100.0 * zeros / w.size(), absmax);
  std::printf("  array: %u rows x %u lanes = %u ternary MACs per cycle (rtl/tern_mac_array.v under Verilator)\n\n",
              kGeom.rows, kGeom.lanes, kGeom.rows * kGeom.lanes);
  int rc = 0;
  const double clocks[] = {36.0, 100.0, pa.real("clock_mhz", 0)};
  for (tern_format f : {TERN_T5, TERN_T2}) {
    Job j = job_from_trits(w, K, N, f, x, &rng, "demo");
    ArrayBench bench(pa);
    auto t0 = std::chrono::steady_clock::now();
    Outcome o = bench.run(j, Flow(), 1, 0);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<float> y_rtl(N), y_model(N);
    tern_epilogue(o.got.data(), N, absmax, w_scale, y_rtl.data());
    tern_epilogue(j.expect.data(), N, absmax, w_scale, y_model.data());
    bool floats_equal = std::memcmp(y_rtl.data(), y_model.data(), N * sizeof(float)) == 0;
    uint64_t model = tern_job_cycles(kGeom, K, N) + kQueueCycles;
    std::printf("  %s weights (%zu bytes, %.2f bits/weight):\n", tern_format_name(f), j.stream.size(),
                8.0 * j.stream.size() / ((double)K * N));
    std::printf("    int32 accumulators, RTL vs C model: %s\n",
                o.ok ? "all equal (bit-exact)" : ("DIFFER: " + o.why).c_str());
    std::printf("    fp32 outputs after the shared epilogue: %s (y[0] = %.6g)\n", floats_equal ? "identical" : "DIFFER",
                y_model[0]);
    std::printf("    cycles: %" PRIu64 " measured, %" PRIu64 " predicted by the cycle model\n", o.cycles, model);
    std::printf("    array utilisation: %.2f%% (useful MACs / (rows x lanes x cycles))\n",
                100.0 * K * (double)N / ((double)kGeom.rows * kGeom.lanes * o.cycles));
    for (double mhz : clocks)
      if (mhz > 0) std::printf("    at %.0f MHz: %.3f ms per token for this layer\n", mhz, o.cycles / (mhz * 1e3));
    std::printf("    simulation: %.2f s wall, %.2f M cycles/s\n\n", secs, o.cycles / secs / 1e6);
    if (!o.ok || !floats_equal || o.cycles != model) rc = 1;
  }
  // A whole 2B4T token: 30 layers of q, k, v, o, gate, up, down (cycle model, no stalls).
  const uint32_t proj_k[] = TERN_W_2B4T_PROJ_K, proj_n[] = TERN_W_2B4T_PROJ_N;
  uint64_t token = 0;
  for (uint32_t i = 0; i < TERN_W_2B4T_PROJ_COUNT; i++)
    token += TERN_W_2B4T_LAYERS * tern_job_cycles(kGeom, proj_k[i], proj_n[i]);
  const double ice_hz = (double)tern_board_spec_find("icebreaker")->clk_hz;
  const double ulx_hz = (double)tern_board_spec_find("ulx3s")->clk_hz;
  std::printf("  a whole 2B4T token (%u layers x %u BitLinears) is %" PRIu64
              " array cycles by the cycle model:\n"
              "  %.2f tok/s at %.0f MHz (iCEBreaker target clock), %.2f tok/s at %.0f MHz (ULX3S target clock),\n"
              "  with weights streamed at one beat per cycle and the host side not counted.\n",
              TERN_W_2B4T_LAYERS, TERN_W_2B4T_PROJ_COUNT, token, ice_hz / token, ice_hz / 1e6, ulx_hz / token,
              ulx_hz / 1e6);
  std::printf("demo: %s\n", rc ? "FAILED" : "bit-exact");
  return rc;
}

// Simulation speed and array utilisation for every 2B4T BitLinear shape.
int bench(const Plusargs &pa) {
  // The distinct (K, N) of a 2B4T layer in first-use order, named by their projections.
  struct Shape {
    std::string name;
    uint32_t k, n;
  };
  std::vector<Shape> shapes;
  const char *const proj_names[] = TERN_W_2B4T_PROJ_NAMES;
  const uint32_t proj_k[] = TERN_W_2B4T_PROJ_K, proj_n[] = TERN_W_2B4T_PROJ_N;
  for (uint32_t i = 0; i < TERN_W_2B4T_PROJ_COUNT; i++) {
    auto it = std::find_if(shapes.begin(), shapes.end(),
                           [&](const Shape &s) { return s.k == proj_k[i] && s.n == proj_n[i]; });
    if (it == shapes.end())
      shapes.push_back({proj_names[i], proj_k[i], proj_n[i]});
    else
      it->name += std::string(",") + proj_names[i];
  }
  for (auto &s : shapes) s.name += " " + std::to_string(s.k) + "->" + std::to_string(s.n);
  uint64_t rng = pa.num("seed", 7);
  std::printf("| shape | format | cycles | model | utilisation | sim Mcycles/s | weight bytes |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  int rc = 0;
  double min_util = 1.0;
  for (auto &s : shapes)
    for (tern_format f : {TERN_T2, TERN_T5}) {
      std::vector<int8_t> w = random_trits((size_t)s.k * s.n, &rng), x(s.k);
      for (auto &v : x) v = random_act(&rng);
      Job j = job_from_trits(w, s.k, s.n, f, x, &rng, "bench");
      ArrayBench b(pa);
      auto t0 = std::chrono::steady_clock::now();
      Outcome o = b.run(j, Flow(), 1, 0);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      double util = (double)s.k * s.n / ((double)kGeom.rows * kGeom.lanes * o.cycles);
      if (util < min_util) min_util = util;
      std::printf("| %s | %s | %" PRIu64 " | %" PRIu64 " | %.2f%% | %.2f | %zu |\n", s.name.c_str(),
                  tern_format_name(f), o.cycles, tern_job_cycles(kGeom, s.k, s.n), 100 * util, o.cycles / secs / 1e6,
                  j.stream.size());
      if (!o.ok) {
        std::printf("FAIL %s %s: %s\n", s.name.c_str(), tern_format_name(f), o.why.c_str());
        rc = 1;
      }
    }
  // Prefill: T_MAX tokens per weight pass, T5. The weight port moves one beat per T_MAX cycles.
  for (auto &s : shapes) {
    std::vector<int8_t> w = random_trits((size_t)s.k * s.n, &rng), x(s.k);
    for (auto &v : x) v = random_act(&rng);
    Job j = job_from_trits(w, s.k, s.n, TERN_T5, x, &rng, "bench");
    add_tokens(j, TB_T_MAX, &rng);
    ArrayBench b(pa);
    auto t0 = std::chrono::steady_clock::now();
    Outcome o = b.run(j, Flow(), 1, 0);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double util = (double)s.k * s.n * TB_T_MAX / ((double)kGeom.rows * kGeom.lanes * o.cycles);
    if (util < min_util) min_util = util;
    std::printf("| %s, %u tokens | T5 | %" PRIu64 " | %" PRIu64 " | %.2f%% | %.2f | %zu |\n", s.name.c_str(), TB_T_MAX,
                o.cycles, tern_job_cycles_tokens(kGeom, s.k, s.n, TB_T_MAX), 100 * util, o.cycles / secs / 1e6,
                j.stream.size());
    if (!o.ok) {
      std::printf("FAIL %s prefill: %s\n", s.name.c_str(), o.why.c_str());
      rc = 1;
    }
  }

  // The model alone: constant beats, no checking, to separate Verilator's speed from the bench's.
  {
    Testbench<Vtern_mac_array> tb(pa);
    auto *d = tb.dut();
    d->start_i = 0;
    tb.reset();
    const uint32_t K = TERN_W_2B4T_HIDDEN, N = TERN_W_2B4T_FFN;  // the 2B4T gate/up shape
    set_job(d, K, N, TERN_T5, 1);
    d->start_i = 1;
    tb.tick();
    d->start_i = 0;
    std::vector<uint8_t> beat(tern_beat_bytes(kGeom, TERN_T2) + kGeom.lanes, 0x5A);
    tb_put_bytes(d->w_data_i, beat.data(), tern_beat_bytes(kGeom, TERN_T2));
    tb_put_bytes(d->a_data_i, beat.data(), kGeom.lanes);
    d->w_valid_i = d->a_valid_i = d->r_ready_i = 1;
    const uint64_t n = tern_job_cycles(kGeom, K, N) - 1;
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < n; i++) tb.tick();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf(
        "\nVerilated model alone (constant beats, no checks): %.2f M cycles/s = %.0f M ternary MACs/s simulated\n",
        n / secs / 1e6, n * (double)kGeom.rows * kGeom.lanes / secs / 1e6);
  }
  std::printf("\nlowest utilisation %.2f%% (target >= 97%%), array %ux%u, Verilator %s\n", 100 * min_util, kGeom.rows,
              kGeom.lanes, Verilated::productVersion());
  return rc;
}

}  // namespace

int main(int argc, char **argv) {
  Plusargs pa(argc, argv);
  Verilated::commandArgs(argc, argv);
  std::string suite = pa.str("suite", "all");
  if (suite == "demo" || suite == "bench") {
    if (TB_INT8 || kWmem) {
      std::fprintf(stderr, "array_tb: +suite=%s streams both formats on w_data_i (this is the %s bench)\n",
                   suite.c_str(), TB_INT8 ? "int8 baseline's" : "weight memory's");
      return 2;
    }
    return suite == "demo" ? demo(pa) : bench(pa);
  }
  tern_test_ctx t = {};
  uint64_t seed =
      pa.has("seed") ? pa.num("seed", 0) : (uint64_t)std::chrono::system_clock::now().time_since_epoch().count();
  if (suite == "all" || suite == "random") suite_random(pa, &t, seed);
  if (suite == "all" || suite == "directed") suite_directed(pa, &t);
  if (suite == "workload") suite_workload(pa, &t, seed);
  return tern_test_exit(&t);
}
