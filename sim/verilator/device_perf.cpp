// SPDX-License-Identifier: Apache-2.0
// The device bench's perf suite (+suite=bench): throughput of the 2B4T BitLinear shapes on the
// RTL (results still checked against the model) and the whole model's tokens/s projected from it.
//
// +suite=bench (ideal memory unless +latency/+throttle/+reads say otherwise; results still
// checked against the model): the 2B4T BitLinear shapes q/o 2560x2560, k/v 2560x640, gate/up
// 2560x6912 (K x N) and down 6912x2560 alone at T=1 in T5 and T2 (+layer_only skips them), then
// one layer's 7 projections q,k,v,o,gate,up,down queued back to back at T=1 in T5 and T2 and
// at T=T_MAX in T5 (+no_prefill skips that one, ~14 M cycles). One line per figure:
//   BENCH name=<shape|layer|layer.<proj>> fmt= tokens= K= N= (or jobs=) lat= thr= reads=
//         cycles=<first doorbell .. last DONE seen> device_cycles=<CYCLES register>
//         ideal=<tern_job_cycles_tokens> weight_bytes=<R bytes read in the weight ranges>
//         weight_eff=<weight_bytes / (port bytes x cycles)> util=<ideal / cycles> sim_mcps=<M cycles/s>
// (layer.<proj> lines give util = ideal / device_cycles of each job inside the layer run.)
// The figures are tern_metrics' (driver/include/tern_metrics.h); the port is TERN_ADDR_ALIGN bytes.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "device_harness.h"
#include "tern_boards.h"
#include "tern_metrics.h"
#include "tern_workloads.h"

namespace {

// The 2B4T workload (spec/tern.toml [workloads.2b4t], tern_workloads.h) and the clocks it is
// projected at; the published bitnet-kv260 anchor (decode tok/s, the share of its port's beat
// rate its weight stream used, its clock, its port and that port's beat rate in B/s).
struct Shape {
  const char *name;
  uint32_t k, n;
};
const char *const k2b4tNames[] = TERN_W_2B4T_PROJ_NAMES;
const uint32_t k2b4tK[] = TERN_W_2B4T_PROJ_K, k2b4tN[] = TERN_W_2B4T_PROJ_N;
const std::vector<Shape> k2b4tShapes = [] {
  std::vector<Shape> v;
  for (unsigned i = 0; i < TERN_W_2B4T_PROJ_COUNT; i++) v.push_back({k2b4tNames[i], k2b4tK[i], k2b4tN[i]});
  return v;
}();
const double k2b4tLayers = TERN_W_2B4T_LAYERS;
struct ProjClock {
  double hz;
  const char *note;
};
const ProjClock kProjClocks[] = {
    {45.9e6, "the 2x20 array's measured iCE40 UP5K Fmax (docs/synthesis.md)"},
    {(double)tern_board_spec_find("ulx3s")->clk_hz, "the ULX3S board's design clock, met by its build (docs/fpga.md)"}};
const double kKv260TokS = 16.78, kKv260PortUsed = 0.796, kKv260ClockMhz = 250, kKv260PortBytesPerS = 16.0e9;
const char *const kKv260Port = "4x128";
// The device's memory port: one addr_align word a cycle.
// The port the weights come through: the 64-bit memory port, or the wide profile's weight port.
const double kPortBytes = TB_WPORT_BYTES ? (double)TB_WPORT_BYTES : TERN_METRICS_PORT_BYTES;
AxiMem &weight_port(DevBench &b) { return TB_WPORT_BYTES ? b.sim().wmem() : b.sim().mem(); }

// ---- bench: throughput of the 2B4T BitLinear shapes ----

// A device with its weights in the array (WMEM_WORDS): a 2B4T shape is far larger than that
// memory, so it runs as jobs of the rows whose weights fit it (as many whole row groups as
// fit), all reading one resident slice of random weights (loaded before the run, not timed)
// with the shape's activations, each writing its own rows. Checked against the model like
// every job; the time to load the slices through wm_* is printed apart.
bool wmem_slices(DevBench &b, Placer &pl, const Job &shape, uint64_t *rng, std::vector<Job> &jobs,
                 std::vector<int> &tags) {
  const uint32_t beats = (shape.k + kGeom.lanes - 1) / kGeom.lanes;
  const uint32_t groups = std::max(1u, (uint32_t)TB_WMEM_WORDS / beats);
  Job first = shape;
  first.n = std::min(shape.n, groups * kGeom.rows);
  if (!make_job(b, pl, first, rng, false)) {
    std::fprintf(stderr, "bench: no room for a slice of %s\n", shape.what.c_str());
    return false;
  }
  for (uint32_t done = 0; done < shape.n; done += first.n) {
    Job j = first;
    j.n = std::min(first.n, shape.n - done);
    if (done && !pl.place(j.obytes(), &j.o)) {
      std::fprintf(stderr, "bench: no room for the results of %s\n", shape.what.c_str());
      return false;
    }
    tags.push_back(weight_port(b).add_tag(0, 0));
    jobs.push_back(j);
  }
  return true;
}

struct RunFigures {
  uint64_t cycles = 0, ideal = 0, wbytes = 0;
  double secs = 0;
};

// Queue the jobs back to back (as fast as the queue takes them), wait for all, check all.
RunFigures bench_run(DevBench &b, std::vector<Job> &jobs, std::vector<int> &tags, uint64_t *rng) {
  RunFigures f;
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t c0 = b.sim().cycles();
  size_t next = 0;
  uint32_t done = 0;
  const uint32_t base = b.accepted();
  // Keep the queue full; the model pops (runs) what the engine popped, so that its queue
  // never overflows (its registers are compared only at the end).
  auto refill = [&]() {
    while (next < jobs.size() && !b.failed()) {
      const uint32_t lvl = b.rtl_level();
      if (lvl >= kQueueDepth) break;
      b.model_run_to(b.accepted() - lvl);
      b.queue(jobs[next++], nullptr);
    }
  };
  refill();
  uint64_t limit = b.budget(base) * 2;
  while (done < jobs.size() && !b.failed()) {
    if (!b.sim().run_until_irq(limit)) {
      b.fail(tb_format("device hung: %u of %zu bench jobs ended", done, jobs.size()));
      break;
    }
    const uint64_t at = b.sim().cycles();
    b.wr_rtl(TERN_REG_IRQ_STATUS_OFFSET, 1);  // (the model's IRQ_STATUS is cleared at the end)
    const uint32_t d = b.rd(TERN_REG_JOBS_DONE_OFFSET) - base;
    const uint32_t cyc = b.rd(TERN_REG_CYCLES_OFFSET);
    if (d > jobs.size()) {
      b.fail("JOBS_DONE beyond the jobs queued");
      break;
    }
    for (uint32_t i = done; i < d; i++) b.jobs()[base + i].done_cycle = at;
    if (d > done) {
      Job &last = b.jobs()[base + d - 1];
      last.rtl_cycles = cyc;
    }
    done = d;
    refill();
  }
  f.cycles = (done ? b.jobs()[base + done - 1].done_cycle : b.sim().cycles()) - c0;
  f.secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  b.model_run_to(b.accepted());
  b.check_done_jobs(b.accepted());
  b.wr_rtl(TERN_REG_IRQ_STATUS_OFFSET, 3);  // IRQ_STATUS of both to 0 before the idle compare
  b.model_wr(TERN_REG_IRQ_STATUS_OFFSET, 3);
  if (!b.failed()) b.quiescent();
  for (size_t i = 0; i < jobs.size(); i++) {
    f.ideal += tern_job_cycles_tokens(kGeom, jobs[i].k, jobs[i].n, jobs[i].tokens);
    f.wbytes += weight_port(b).tag_bytes(tags[i]);
  }
  (void)rng;
  return f;
}

}  // namespace

int suite_bench(const Plusargs &pa, uint64_t seed) {
  tern_test_ctx t = {};
  const Shape *shapes = k2b4tShapes.data();
  AxiMemConfig mc;
  mc.read_latency = (unsigned)pa.num("latency", 0);
  mc.write_latency = mc.read_latency;
  mc.p_arready = mc.p_rvalid = mc.p_awready = mc.p_wready = mc.p_bvalid = pa.real("throttle", 1.0);
  mc.max_reads = (unsigned)pa.num("reads", 8);
  mc.max_writes = 8;
  mc.w_buffer = 64;
  mc.max_burst = TB_MAX_BURST;
  mc.seed = seed;
  const std::string memtag = tb_format("lat=%u thr=%.2f reads=%u", mc.read_latency, mc.p_rvalid, mc.max_reads);
  const bool layer_only = pa.has("layer_only");
  int rc = 0;

  // Memory for a whole layer's weights (a copy per job where a shape's tokens are split to fit
  // the activation buffer), activations and results at T_MAX tokens, T2.
  size_t need = 0;
  for (const Shape &s : k2b4tShapes) {
    const uint32_t per = std::max(1u, tern_devmodel_tokens_per_job(kGeom, kActBuf, kTMax, s.k));
    need += (round_w(tern_stream_bytes(kGeom, TERN_T2, s.k, s.n)) + 64 + kWAlign) * ((kTMax + per - 1) / per) +
            tern_devmodel_act_stride(s.k) * kTMax + tern_devmodel_res_stride(s.n) * kTMax;
  }
  need = (need + 8191) / 4096 * 4096;

  struct RunSpec {
    std::string name;
    std::vector<int> shape_idx;
    uint32_t fmt, tokens;
  };
  std::vector<RunSpec> runs;
  if (!layer_only) {
    const int uniq[] = {0, 1, 4, 6};  // q/o, k/v, gate/up, down
    for (uint32_t fmt : {(uint32_t)TERN_FMT_T5, (uint32_t)TERN_FMT_T2})
      if (kFormats >> fmt & 1u)
        for (int s : uniq) runs.push_back({shapes[s].name, {s}, fmt, 1});
  }
  for (uint32_t fmt : {(uint32_t)TERN_FMT_T5, (uint32_t)TERN_FMT_T2})
    if (kFormats >> fmt & 1u) runs.push_back({"layer", {0, 1, 2, 3, 4, 5, 6}, fmt, 1});
  if (!pa.has("no_prefill") && kTMax > 1)
    runs.push_back({"layer", {0, 1, 2, 3, 4, 5, 6}, (uint32_t)TERN_FMT_T5, kTMax});

  std::printf(
      "device bench: array %ux%u, %s, T_MAX %u, QUEUE_DEPTH %u, ACT_BUF %u, RD_FIFO %u; weight-stream "
      "efficiency = weight bytes / (%g x cycles from the first doorbell to the last DONE), utilisation = "
      "cycle-model ideal / those cycles\n",
      kGeom.rows, kGeom.lanes, memtag.c_str(), kTMax, kQueueDepth, kActBuf, (unsigned)TB_RD_FIFO_WORDS, kPortBytes);
  DevBench b(pa, &t, seed, need, seed ^ 0xBE7C4ull);
  b.set_mem_cfg(mc);
  b.set_irq_en(true);
  // The targets of the device issue, checked with a memory that can deliver a beat per cycle:
  // weight-stream efficiency >= 95% at T=1 (every shape, T5 and T2), utilisation >= 90% at
  // T=T_MAX. With +latency, +throttle or +reads they are reported, not enforced.
  const bool ideal_port = !pa.has("latency") && !pa.has("throttle") && !pa.has("reads");
  double layer_cycles_t5 = 0, layer_cycles_t2 = 0, layer_cycles_prefill = 0, layer_wbytes_t5 = 0, layer_wbytes_t2 = 0;
  for (const RunSpec &r : runs) {
    const std::string name =
        tb_format("device/bench %s %s T=%u", r.name.c_str(), tern_format_name((tern_format)r.fmt), r.tokens);
    // A shape whose activations do not fit this device's buffer at these tokens runs as jobs of
    // as many tokens as fit, as the driver splits it (driver/src/device.c); one that does not fit
    // at one token is skipped.
    std::string nofit;
    auto per_job = [&](int si) { return tern_devmodel_tokens_per_job(kGeom, kActBuf, kTMax, shapes[si].k); };
    for (int si : r.shape_idx)
      if (per_job(si) == 0 && nofit.empty())
        nofit = tb_format("%s (K=%u) needs more than the %u activation-buffer entries", shapes[si].name, shapes[si].k,
                          kActBuf);
    if (kWmemBytes && r.shape_idx.size() > 1)
      nofit =
          tb_format("the slices of the layer's %zu projections do not fit the %" PRIu64 "-byte weight memory together",
                    r.shape_idx.size(), kWmemBytes);
    if (!nofit.empty()) {
      tern_test_skip(&t, name.c_str(), nofit.c_str());
      continue;
    }
    tern_test_begin(&t, name.c_str());
    uint64_t rng = seed ^ (uint64_t)r.shape_idx.size() * 77 ^ r.fmt * 1313 ^ r.tokens;
    Placer pl(b.mem_size(), &rng, true);
    std::vector<Job> jobs;
    std::vector<int> tags;
    weight_port(b).clear_tags();
    for (int si : r.shape_idx)
      for (uint32_t t0 = 0; t0 < r.tokens; t0 += (uint32_t)per_job(si)) {
        Job j;
        j.k = shapes[si].k, j.n = shapes[si].n, j.fmt = r.fmt;
        j.tokens = std::min(r.tokens - t0, (uint32_t)per_job(si));
        j.what = shapes[si].name;
        if (kWmemBytes) {  // the weights in the array's memory: the shape in slices of rows
          if (!wmem_slices(b, pl, j, &rng, jobs, tags)) return 2;
          continue;
        }
        if (!make_job(b, pl, j, &rng, false)) {
          std::fprintf(stderr, "bench: no room\n");
          return 2;
        }
        tags.push_back(weight_port(b).add_tag(j.w, j.w + round_w(j.wbytes())));
        jobs.push_back(j);
      }
    const uint32_t base = b.accepted();
    RunFigures f = bench_run(b, jobs, tags, &rng);
    const char *fmtn = tern_format_name((tern_format)r.fmt);
    if (!t.failed) {
      for (size_t i = 0; i < jobs.size() && r.shape_idx.size() > 1; i++) {
        const Job &j = b.jobs()[base + i];
        const uint64_t ideal = tern_job_cycles_tokens(kGeom, j.k, j.n, j.tokens);
        const uint64_t wb = weight_port(b).tag_bytes(tags[i]);
        std::printf("BENCH name=%s.%s fmt=%s tokens=%u K=%u N=%u %s device_cycles=%u ideal=%" PRIu64
                    " weight_bytes=%" PRIu64 " util=%.4f\n",
                    r.name.c_str(), j.what.c_str(), fmtn, j.tokens, j.k, j.n, memtag.c_str(), j.rtl_cycles, ideal, wb,
                    tern_metrics_utilisation((double)ideal, (double)j.rtl_cycles));
      }
      const Job &j0 = b.jobs()[base];
      const std::string shape =
          jobs.size() == 1 ? tb_format("K=%u N=%u", j0.k, j0.n) : tb_format("jobs=%zu", jobs.size());
      const std::string dev = jobs.size() == 1 ? tb_format(" device_cycles=%u", j0.rtl_cycles) : "";
      const double eff = tern_metrics_stream_efficiency((double)f.wbytes, kPortBytes, (double)f.cycles),
                   util = tern_metrics_utilisation((double)f.ideal, (double)f.cycles);
      std::printf("BENCH name=%s fmt=%s tokens=%u %s %s cycles=%" PRIu64 "%s ideal=%" PRIu64 " weight_bytes=%" PRIu64
                  " weight_eff=%.4f util=%.4f sim_mcps=%.2f\n",
                  r.name.c_str(), fmtn, r.tokens, shape.c_str(), memtag.c_str(), f.cycles, dev.c_str(), f.ideal,
                  f.wbytes, eff, util, (double)f.cycles / f.secs / 1e6);
      // The wide profile's activations come through the 64-bit port, a sixteenth of the weight
      // port: a lone job's first activation load (K / 8 cycles) is not hidden behind another
      // job's weights, so the target holds for queued jobs (the layer, as decoding runs).
      const bool lone_wide = TB_WPORT_BYTES != 0 && jobs.size() == 1;
      if (r.tokens == 1 && kWmemBytes) {  // no weight stream: the array's own utilisation
        if (util < 0.95) std::printf("NOTE utilisation %.4f < 0.95 at T=1 (weights resident in slices)\n", util);
      } else if (r.tokens == 1 && eff < 0.95) {
        if (lone_wide)
          std::printf(
              "NOTE weight-stream efficiency %.4f < 0.95 for a lone job (its activation load is not "
              "hidden; the device's own utilisation of it: %.4f)\n",
              eff, tern_metrics_utilisation((double)f.ideal, (double)b.jobs()[base].rtl_cycles));
        else if (ideal_port)
          tern_test_fail(&t, "weight-stream efficiency %.4f < 0.95 at T=1", eff);
        else
          std::printf("NOTE weight-stream efficiency %.4f < 0.95 with this memory\n", eff);
      }
      if (r.tokens == kTMax && kTMax > 1 && util < 0.90) {
        if (ideal_port)
          tern_test_fail(&t, "array utilisation %.4f < 0.90 at T=T_MAX", util);
        else
          std::printf("NOTE utilisation %.4f < 0.90 with this memory\n", util);
      }
      if (r.name == "layer" && r.tokens == 1 && r.fmt == TERN_FMT_T5)
        layer_cycles_t5 = (double)f.cycles, layer_wbytes_t5 = (double)f.wbytes;
      if (r.name == "layer" && r.tokens == 1 && r.fmt == TERN_FMT_T2)
        layer_cycles_t2 = (double)f.cycles, layer_wbytes_t2 = (double)f.wbytes;
      if (r.name == "layer" && r.tokens == kTMax && kTMax > 1) layer_cycles_prefill = (double)f.cycles;
      std::fflush(stdout);
    }
    const bool failed = t.failed;
    tern_test_end(&t);
    if (failed) {  // the figures after a failed run would mean nothing: stop here
      rc = 1;
      break;
    }
  }
  // The whole 2B4T model: k2b4tLayers layers of these seven projections per token, at the
  // stated clocks and this device's port; next to the memory roofline (ternary weight bytes per
  // token / port bandwidth) and the published bitnet-kv260 figures. The F16 embedding / lm_head
  // stays on the host and is not counted here.
  // (A device that serves T5 alone, the wide profile, gets its T5 figures only.)
  const bool have_t2 = layer_cycles_t2 > 0;
  // (a device with its weights in the array has no weight stream to project from)
  if (layer_cycles_t5 > 0 && (have_t2 || !(kFormats >> TERN_FMT_T2 & 1u)) && !kWmemBytes) {
    const tern_layer_run t5 = {layer_cycles_t5, layer_wbytes_t5, layer_cycles_prefill, (double)kTMax};
    const tern_layer_run t2 = {have_t2 ? layer_cycles_t2 : layer_cycles_t5, have_t2 ? layer_wbytes_t2 : layer_wbytes_t5,
                               0, 0};
    tern_model_projection p5, p2;
    tern_metrics_project(&t5, k2b4tLayers, kPortBytes, kProjClocks[0].hz, &p5);
    tern_metrics_project(&t2, k2b4tLayers, kPortBytes, kProjClocks[0].hz, &p2);
    std::printf("2B4T model (%g layers), port %g bit; ternary weight bytes per token: T5 %.1f MB", k2b4tLayers,
                8 * kPortBytes, p5.weight_bytes_per_token / 1e6);
    if (have_t2) std::printf(", T2 %.1f MB", p2.weight_bytes_per_token / 1e6);
    std::printf("\n");
    for (const ProjClock &c : kProjClocks) {
      tern_metrics_project(&t5, k2b4tLayers, kPortBytes, c.hz, &p5);
      tern_metrics_project(&t2, k2b4tLayers, kPortBytes, c.hz, &p2);
      std::printf("BENCH name=model clock_mhz=%.1f decode_tok_s_t5=%.3f roofline_tok_s_t5=%.3f", c.hz / 1e6,
                  p5.decode_tokens_per_s, p5.roofline_tokens_per_s);
      if (have_t2)
        std::printf(" decode_tok_s_t2=%.3f roofline_tok_s_t2=%.3f", p2.decode_tokens_per_s, p2.roofline_tokens_per_s);
      std::printf(" port_beat_rate_used_t5=%.4f", p5.stream_efficiency);
      if (have_t2) std::printf(" port_beat_rate_used_t2=%.4f", p2.stream_efficiency);
      if (layer_cycles_prefill > 0) std::printf(" prefill_tok_s_t5=%.3f", p5.prefill_tokens_per_s);
      std::printf("  (%s)\n", c.note);
    }
    std::printf(
        "BENCH name=anchor.bitnet-kv260 decode_tok_s=%.2f port_beat_rate_used=%.3f clock_mhz=%g port_bits=%s  "
        "(published, github.com/MerlijnW70/bitnet-kv260 docs/measurements.md)\n",
        kKv260TokS, kKv260PortUsed, kKv260ClockMhz, kKv260Port);
    std::printf(
        "Scaled to kv260's port (%.1f GB/s beat rate) with an array to match, this stream efficiency would "
        "give %.2f tok/s (roofline %.2f); kv260 measures %.2f tok/s (%.1f%% of its beat rate).\n",
        kKv260PortBytesPerS / 1e9,
        tern_metrics_roofline_tokens_per_s(kKv260PortBytesPerS * p5.stream_efficiency, p5.weight_bytes_per_token),
        tern_metrics_roofline_tokens_per_s(kKv260PortBytesPerS, p5.weight_bytes_per_token), kKv260TokS,
        100 * kKv260PortUsed);
  }
  return rc ? 1 : tern_test_exit(&t);
}
