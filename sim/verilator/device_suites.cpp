// SPDX-License-Identifier: Apache-2.0
// The device bench's functional suites (params, random, errors, reset), each a set of PASS/FAIL
// cases over the lock-step harness of device_harness.h.
#include "device_harness.h"

// ---- suites ----

// The RTL was built with the limits the model is configured with (-G and -D from one make).
void suite_params(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  const std::string name = tb_format("device/params %ux%u T_MAX %u QUEUE_DEPTH %u ACT_BUF %u%s", kGeom.rows,
                                     kGeom.lanes, kTMax, kQueueDepth, kActBuf, kSmall ? " (small device)" : "");
  tern_test_begin(t, name.c_str());
  DevBench b(pa, t, seed, 4096, seed);
  const uint32_t params = b.rd(TERN_REG_PARAMS_OFFSET), queue = b.rd(TERN_REG_QUEUE_OFFSET),
                 act = b.rd(TERN_REG_ACT_BUF_OFFSET);
  const uint32_t want = kGeom.rows << TERN_REG_PARAMS_ROWS_LSB | kGeom.lanes << TERN_REG_PARAMS_LANES_LSB |
                        kFormats << TERN_REG_PARAMS_FORMATS_LSB | kTMax << TERN_REG_PARAMS_T_MAX_LSB;
  if (!b.failed() && params != want) b.fail(tb_format("PARAMS 0x%08x, the bench was built for 0x%08x", params, want));
  if (!b.failed() && queue != kQueueDepth << TERN_REG_QUEUE_DEPTH_LSB)
    b.fail(tb_format("QUEUE 0x%08x after reset, the bench was built for depth %u", queue, kQueueDepth));
  if (!b.failed() && act != kActBuf) b.fail(tb_format("ACT_BUF %u, the bench was built for %u", act, kActBuf));
  if (!b.failed()) b.quiescent();  // and every register as the model's
  tern_test_end(t);
}

void suite_random(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  const uint64_t jobs = pa.num("jobs", 600);
  const bool one = pa.has("batch");
  const uint64_t only = pa.num("batch", 0);
  std::string name =
      one ? tb_format("device/random batch %" PRIu64, only) : tb_format("device/random %" PRIu64 " jobs", jobs);
  tern_test_begin(t, name.c_str());
  DevBench b(pa, t, seed, kMemBytes, seed ^ 0xF111F111ull);
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t done = 0;
  for (uint64_t bi = 0; (one ? bi <= only : done < jobs) && !b.failed(); bi++) {
    uint64_t rng = batch_seed(seed, bi);
    const size_t n = (size_t)tern_rand_range(&rng, 1, kBatchMax);
    const AxiMemConfig mc = random_mem_cfg(pa, &rng);
    const bool irq_en = tern_rand_next(&rng) % 10 != 0;
    std::vector<Job> batch(n);
    Placer pl(b.mem_size(), &rng);
    for (auto &j : batch) {
      if (tern_rand_next(&rng) % 20 == 0)
        j = random_bad_job(&rng);
      else
        place_random_good_job(b, pl, j, &rng);
    }
    done += n;
    if (one && bi != only) continue;  // replay: skip the batches before it (their data only)
    b.replay = tb_format("device_tb +suite=random +seed=%" PRIu64 " +batch=%" PRIu64 " +vcd=batch.vcd", seed, bi);
    b.set_mem_cfg(mc);
    random_lite(b, &rng);
    const bool rewrite = tern_rand_next(&rng) % 8 == 0;
    if (rewrite || irq_en != (bool)(b.model_rd(TERN_REG_CTRL_OFFSET) & 1)) b.set_irq_en(irq_en);
    run_batch(b, batch, &rng);
    if (b.failed()) {
      std::string jl;
      for (size_t i = 0; i < batch.size(); i++) jl += tb_format("\n    job %zu: %s", i, batch[i].desc().c_str());
      std::fprintf(stderr, "  batch %" PRIu64 " (%s):%s\n", bi, cfg_str(mc).c_str(), jl.c_str());
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const Totals &c = b.tot;
  std::fprintf(stderr,
               "  device/random: %" PRIu64 " batches (%" PRIu64 " with several jobs queued), %" PRIu64
               " jobs ok, %" PRIu64 " failed as meant, %" PRIu64 " checked independently, CYCLES of %" PRIu64
               " jobs (mean %.3f, max %.3f x the cycle model), %" PRIu64 " snapshots (%" PRIu64 " consistent); %" PRIu64
               " cycles in %.1f s (%.2f M cycles/s); engine held up to %u descriptors; memory: %" PRIu64
               " W beats before their AW, %" PRIu64 " AR\n",
               c.batches, c.queued_together, c.jobs_ok, c.jobs_failed, c.independent, c.cycles_checked,
               c.ratio_n ? c.ratio_sum / (double)c.ratio_n : 0.0, c.ratio_max, c.snapshots, c.consistent,
               b.sim().cycles(), secs, (double)b.sim().cycles() / secs / 1e6, c.max_popped,
               b.sim().mem().stats().w_before_aw, b.sim().mem().stats().ar);
  if (!b.failed() && !one && (c.jobs_ok == 0 || c.independent == 0 || c.cycles_checked == 0 || c.queued_together == 0))
    b.fail("the random run missed a situation (a counter above is 0)");
  tern_test_end(t);
}

void suite_errors(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  uint64_t rng0 = seed ^ 0xE22025ull;
  DevBench b(pa, t, seed, kMemBytes, seed ^ 0xE1E1E1ull);
  b.replay = tb_format("device_tb +suite=errors +seed=%" PRIu64, seed);
  const size_t M = b.mem_size();
  const uint32_t L = kGeom.lanes, TM = kTMax;
  const auto t0 = std::chrono::steady_clock::now();

  // name, and a function that builds the batches (each queued together) from a fresh placer.
  struct Case {
    std::string name;
    std::function<std::vector<std::vector<Job>>(Placer &, uint64_t *)> build;
    bool no_traffic_first = false;  // first batch alone must cause no memory traffic
  };
  std::vector<Case> cases;
  auto bad_desc = [&](const char *name, int code, std::function<void(Job &)> spoil) {
    cases.push_back(
        {name,
         [&b, spoil, code](Placer &pl, uint64_t *rng) {
           Job j = good(b, pl, rng, (uint32_t)tern_rand_range(rng, 1, 200), (uint32_t)tern_rand_range(rng, 1, 40),
                        (uint32_t)(tern_rand_next(rng) & 1), (uint32_t)tern_rand_range(rng, 1, kTMax));
           spoil(j);
           j.expect_code = code;
           j.what = "bad";
           Job g = good(b, pl, rng, (uint32_t)tern_rand_range(rng, 1, 200), (uint32_t)tern_rand_range(rng, 1, 40),
                        (uint32_t)(tern_rand_next(rng) & 1), (uint32_t)tern_rand_range(rng, 1, kTMax));
           Job g2 = good(b, pl, rng, (uint32_t)tern_rand_range(rng, 1, 200), (uint32_t)tern_rand_range(rng, 1, 40),
                         (uint32_t)(tern_rand_next(rng) & 1), (uint32_t)tern_rand_range(rng, 1, kTMax));
           return std::vector<std::vector<Job>>{{j}, {g}, {j, g2}};
         },
         true});
  };
  bad_desc("device/errors/BAD_K K=0", TERN_DEVERR_BAD_K, [](Job &j) { j.k = 0; });
  bad_desc("device/errors/BAD_K K=K_MAX+1", TERN_DEVERR_BAD_K, [](Job &j) { j.k = TERN_K_MAX + 1; });
  bad_desc("device/errors/BAD_K K=0xffffffff", TERN_DEVERR_BAD_K, [](Job &j) { j.k = 0xFFFFFFFFu; });
  bad_desc("device/errors/BAD_N N=0", TERN_DEVERR_BAD_N, [](Job &j) { j.n = 0; });
  bad_desc("device/errors/BAD_N N=N_MAX+1", TERN_DEVERR_BAD_N, [](Job &j) { j.n = TERN_N_MAX + 1; });
  bad_desc("device/errors/BAD_FMT fmt=2", TERN_DEVERR_BAD_FMT, [](Job &j) { j.fmt = 2; });
  bad_desc("device/errors/BAD_FMT fmt=3", TERN_DEVERR_BAD_FMT, [](Job &j) { j.fmt = 3; });
  bad_desc("device/errors/BAD_TOKENS T=0", TERN_DEVERR_BAD_TOKENS, [](Job &j) { j.tokens = 0; });
  if (kTMax < 255)
    bad_desc("device/errors/BAD_TOKENS T=T_MAX+1", TERN_DEVERR_BAD_TOKENS, [](Job &j) { j.tokens = kTMax + 1; });
  bad_desc("device/errors/BAD_TOKENS T=255", TERN_DEVERR_BAD_TOKENS, [](Job &j) { j.tokens = 255; });
  bad_desc("device/errors/MISALIGNED W_ADDR", TERN_DEVERR_MISALIGNED, [](Job &j) { j.w += 4; });
  bad_desc("device/errors/MISALIGNED A_ADDR", TERN_DEVERR_MISALIGNED, [](Job &j) { j.a += 1; });
  bad_desc("device/errors/MISALIGNED O_ADDR", TERN_DEVERR_MISALIGNED, [](Job &j) { j.o += 2; });
  // The activation buffer one lane past full at T_MAX, and K_MAX at 2 tokens (1 if T_MAX is 1).
  const uint64_t k_full = (uint64_t)L * (kActBuf / TM);
  if (k_full + 1 <= TERN_K_MAX)
    bad_desc("device/errors/ACT_OVERFLOW T=T_MAX", TERN_DEVERR_ACT_OVERFLOW, [L, TM](Job &j) {
      j.tokens = TM;
      j.k = L * (kActBuf / TM) + 1;
    });
  const uint32_t t_kmax = std::min(2u, TM);
  if ((uint64_t)t_kmax * ((TERN_K_MAX + L - 1) / L) > kActBuf)
    bad_desc(t_kmax == 2 ? "device/errors/ACT_OVERFLOW K=K_MAX T=2" : "device/errors/ACT_OVERFLOW K=K_MAX T=1",
             TERN_DEVERR_ACT_OVERFLOW, [t_kmax](Job &j) {
               j.tokens = t_kmax;
               j.k = TERN_K_MAX;
             });
  // TOKENS x ceil(K / L) past the buffer by as little as T_MAX allows (each factor fits alone).
  {
    uint32_t best_t = 0, best_b = 0;
    for (uint32_t tt = 2; tt <= TM; tt++) {
      const uint32_t bb = (kActBuf + 1 + tt - 1) / tt;
      if ((uint64_t)L * bb <= TERN_K_MAX && (!best_t || (uint64_t)tt * bb < (uint64_t)best_t * best_b))
        best_t = tt, best_b = bb;
    }
    if (best_t) {
      const std::string name =
          tb_format("device/errors/ACT_OVERFLOW by %u: T=%u x %u beats", best_t * best_b - kActBuf, best_t, best_b);
      bad_desc(name.c_str(), TERN_DEVERR_ACT_OVERFLOW, [best_t, best_b, L](Job &j) {
        j.tokens = best_t;
        j.k = L * best_b;
      });
    }
  }
  bad_desc("device/errors/precedence BAD_K over everything", TERN_DEVERR_BAD_K,
           [](Job &j) { j.k = 0, j.n = 0, j.fmt = 3, j.tokens = 0, j.w += 1; });
  bad_desc("device/errors/precedence BAD_FMT over BAD_TOKENS, MISALIGNED", TERN_DEVERR_BAD_FMT,
           [](Job &j) { j.fmt = 2, j.tokens = 0, j.o += 4; });
  bad_desc("device/errors/precedence MISALIGNED over ACT_OVERFLOW, BUS_ERROR", TERN_DEVERR_MISALIGNED,
           [](Job &j) { j.tokens = kTMax, j.k = 60000, j.w = kUnreachable + 4; });

  // The activation buffer exactly full: fine.
  cases.push_back({"device/errors/ACT_BUF exactly full is fine", [&](Placer &pl, uint64_t *rng) {
                     Job j = good(b, pl, rng, L * (kActBuf / TM), 3, TERN_FMT_T5, TM, false);
                     return std::vector<std::vector<Job>>{{j}};
                   }});
  // Regions that end exactly at the end of memory: fine.
  cases.push_back({"device/errors/regions ending at the end of memory are fine", [&](Placer &pl, uint64_t *rng) {
                     Job j;
                     j.k = 77, j.n = 31, j.fmt = (kFormats >> TERN_FMT_T2 & 1u) ? TERN_FMT_T2 : TERN_FMT_T5;
                     j.tokens = 3;
                     fit(&j.k, &j.tokens);
                     if (kWmemBytes) {  // the weights end at the end of the weight memory
                       j.w = (uint32_t)(kWmemBytes - round_w(j.wbytes()));
                       pl.reserve(j.w, kWmemBytes);
                       j.a = (uint32_t)(M - j.abytes());
                     } else {
                       j.w = (uint32_t)(M - round_w(j.wbytes()));  // weights end at the end (of a beat)
                       j.a = (uint32_t)(j.w - j.abytes());
                     }
                     j.o = (uint32_t)(j.a - j.obytes());
                     pl.reserve(j.o, M);
                     fill_job(b, j, rng, true);
                     j.expect_code = 0;
                     Job k2;
                     k2.k = 41, k2.n = 6, k2.fmt = TERN_FMT_T5, k2.tokens = 2;
                     fit(&k2.k, &k2.tokens);
                     k2.o = (uint32_t)(M - k2.obytes());  // the last result byte is the last byte of memory
                     pl.place_w(round_w(k2.wbytes()), &k2.w);
                     pl.place(k2.abytes(), &k2.a);
                     fill_job(b, k2, rng, true);
                     k2.expect_code = 0;
                     return std::vector<std::vector<Job>>{{j}, {k2}};
                   }});

  // Bus errors. The RTL may write part of the results; the memory compare allows that.
  // (code: W_RANGE for weights past the device's own weight memory)
  auto bus_case = [&](const char *name, std::function<void(Job &, Placer &, uint64_t *)> spoil, bool inject,
                      uint32_t code = TERN_DEVERR_BUS_ERROR) {
    cases.push_back({name, [&b, spoil, inject, code](Placer &pl, uint64_t *rng) {
                       pl.reserve(b.mem_size() - 131072, b.mem_size());  // where the spoiled regions go
                       Job g0 = good(b, pl, rng, 150, 9, TERN_FMT_T5, 1);
                       Job j = good(b, pl, rng, 300, 60, (uint32_t)(tern_rand_next(rng) & 1), 2);
                       spoil(j, pl, rng);
                       j.expect_code = (int)code;
                       j.model_bus_error = inject;
                       j.what = code == TERN_DEVERR_BUS_ERROR ? "bus error" : "weights out of range";
                       Job g1 = good(b, pl, rng, 123, 17, (uint32_t)(tern_rand_next(rng) & 1), 3);
                       Job g2 = good(b, pl, rng, 64, 5, TERN_FMT_T2, 1);
                       return std::vector<std::vector<Job>>{{j}, {g0}, {g0, j, g1}, {g2}};
                     }});
  };
  if (kWmemBytes) {  // the weights in the device's own memory: W_RANGE, before any traffic
    bus_case(
        "device/errors/W_RANGE weights: last beat past the weight memory",
        [](Job &j, Placer &, uint64_t *) { j.w = (uint32_t)(kWmemBytes - round_w(j.wbytes()) + kWAlign); }, false,
        TERN_DEVERR_W_RANGE);
    bus_case(
        "device/errors/W_RANGE weights far past the weight memory",
        [](Job &j, Placer &, uint64_t *) { j.w = 0x80000000u; }, false, TERN_DEVERR_W_RANGE);
    bus_case(
        "device/errors/W_RANGE weights at the top of the address space",
        [](Job &j, Placer &, uint64_t *) { j.w = kUnreachable; }, false, TERN_DEVERR_W_RANGE);
  } else {
    bus_case(
        "device/errors/BUS_ERROR weights: last beat beyond memory",
        [M](Job &j, Placer &, uint64_t *) { j.w = (uint32_t)(M - round_w(j.wbytes()) + kWAlign); }, false);
    bus_case(
        "device/errors/BUS_ERROR weights far beyond memory", [](Job &j, Placer &, uint64_t *) { j.w = 0x80000000u; },
        false);
    bus_case(
        "device/errors/BUS_ERROR weights at the top of the address space",
        [](Job &j, Placer &, uint64_t *) { j.w = kUnreachable; }, false);
  }
  bus_case(
      "device/errors/BUS_ERROR activations beyond memory",
      [M](Job &j, Placer &, uint64_t *) { j.a = (uint32_t)(M - j.abytes() + 8); }, false);
  bus_case(
      "device/errors/BUS_ERROR results beyond memory", [M](Job &j, Placer &, uint64_t *) { j.o = (uint32_t)(M - 8); },
      false);
  bus_case(
      "device/errors/BUS_ERROR results: last row beyond memory",
      [M](Job &j, Placer &, uint64_t *) { j.o = (uint32_t)(M - j.obytes() + 8); }, false);

  // Injected error responses (the model is given an unreachable weight address instead).
  struct Inject {
    const char *name;
    int where;  // 0 weights, 1 activations, 2 results
    uint8_t resp;
  } injects[] = {{"device/errors/BUS_ERROR SLVERR mid weight stream, good job queued behind", 0, AxiMem::kSlverr},
                 {"device/errors/BUS_ERROR DECERR mid weight stream", 0, AxiMem::kDecerr},
                 {"device/errors/BUS_ERROR SLVERR on the last weight beat", 3, AxiMem::kSlverr},
                 {"device/errors/BUS_ERROR SLVERR on an activation read", 1, AxiMem::kSlverr},
                 {"device/errors/BUS_ERROR SLVERR on a result write", 2, AxiMem::kSlverr}};
  for (const Inject &in : injects) {
    if (kWmemBytes && (in.where == 0 || in.where == 3)) continue;  // no weight stream on the bus
    const int where = in.where;
    const uint8_t resp = in.resp;
    cases.push_back({in.name, [&b, where, resp](Placer &pl, uint64_t *rng) {
                       Job j = good(b, pl, rng, 900, 64, (uint32_t)(tern_rand_next(rng) & 1), 2);
                       j.expect_code = TERN_DEVERR_BUS_ERROR;
                       j.model_bus_error = true;
                       j.what = "injected error";
                       uint64_t lo;
                       if (where == 0)
                         lo = j.w + round8(j.wbytes() / 2);
                       else if (where == 3)
                         lo = j.w + round8(j.wbytes()) - 8;
                       else if (where == 1)
                         lo = j.a + round8(j.abytes() / 2);
                       else
                         lo = j.o + round8(j.obytes() / 2);
                       b.sim().add_error_range(lo, lo + 8, resp);
                       Job g = good(b, pl, rng, 500, 40, (uint32_t)(tern_rand_next(rng) & 1), 2);
                       return std::vector<std::vector<Job>>{{j, g}};
                     }});
  }

  const AxiMemConfig base = random_mem_cfg(pa, &rng0);
  for (size_t ci = 0; ci < cases.size(); ci++) {
    Case &c = cases[ci];
    tern_test_begin(t, c.name.c_str());
    uint64_t rng = batch_seed(seed ^ 0xE5, ci);
    AxiMemConfig mc = pa.has("latency") || pa.has("throttle") ? base : random_mem_cfg(pa, &rng);
    b.set_mem_cfg(mc);
    random_lite(b, &rng);
    b.set_irq_en(true);
    Placer pl(M, &rng);
    auto batches = c.build(pl, &rng);
    for (size_t bi = 0; bi < batches.size() && !b.failed(); bi++) {
      const AxiMemStats before = b.sim().mem().stats();
      run_batch(b, batches[bi], &rng);
      const AxiMemStats &after = b.sim().mem().stats();
      if (!b.failed() && bi == 0 && c.no_traffic_first &&
          (after.ar != before.ar || after.aw != before.aw || after.w_beats != before.w_beats))
        b.fail(tb_format("a job that fails its descriptor checks made memory traffic (AR %" PRIu64 ", AW %" PRIu64 ")",
                         after.ar - before.ar, after.aw - before.aw));
    }
    b.sim().clear_error_ranges();
    const bool bad = b.failed();
    tern_test_end(t);
    if (bad) b.recover();
  }

  // QUEUE_FULL: a long job runs while doorbells fill the queue; one more is refused.
  tern_test_begin(t, "device/errors/QUEUE_FULL");
  {
    uint64_t rng = seed ^ 0x9F9F;
    b.set_mem_cfg(random_mem_cfg(pa, &rng));
    b.sim().set_lite(DeviceSim::LiteConfig());
    b.set_irq_en(true);
    Placer pl(M, &rng);
    Job longj = good(b, pl, &rng, 2560, 64, TERN_FMT_T5, 4, false);
    Job small = good(b, pl, &rng, 57, 9, TERN_FMT_T2, 2);  // the same descriptor every time
    b.check_queue_level = false;                           // the model is made to run what the engine popped
    const uint32_t acc0 = b.accepted();
    if (!b.queue(longj, &rng)) b.fail("bench: model queue full");
    b.make_room(&rng);        // (a one-deep queue: once the engine has taken the long job)
    b.queue(small, nullptr);  // JOB_* now hold the small job: later doorbells write nothing else
    bool refused = false;
    for (uint32_t i = 0; i < kQueueDepth + kEngineSlots + 2 && !b.failed(); i++) {
      // Let the engine take what it takes (its planner needs up to ~100 cycles a descriptor:
      // the level must not fall between its read and the doorbell), then let the model pop as
      // many (it runs them early; the RTL's results are compared when the RTL ends them).
      b.sim().step(200);
      const uint32_t lvl = b.rtl_level();
      if (b.model_level() < lvl) {
        b.fail(tb_format("QUEUE.LEVEL %u above the jobs not ended (%u)", lvl, b.model_level()));
        break;
      }
      b.model_run_to(b.accepted() - lvl);
      const bool accepted = b.queue(small, nullptr);
      if (lvl == kQueueDepth) {
        if (accepted) b.fail("bench: the model accepted a doorbell into a full queue");
        refused = true;
        break;
      }
      if (!accepted) b.fail("bench: the model refused a doorbell");
    }
    if (!b.failed() && !refused) b.fail(tb_format("QUEUE.LEVEL never reached %u while a long job ran", kQueueDepth));
    if (refused)
      std::fprintf(
          stderr,
          "  device/errors/QUEUE_FULL: the doorbell after %u accepted ones was refused (%u held by the engine)\n",
          b.accepted() - acc0, b.accepted() - acc0 - kQueueDepth);
    if (!b.failed()) {
      const uint32_t st = b.rd(TERN_REG_STATUS_OFFSET);
      if ((st >> TERN_REG_STATUS_ERR_LSB & 0xFF) != TERN_DEVERR_QUEUE_FULL)
        b.fail(tb_format("STATUS 0x%x after a doorbell into a full queue, expected ERR QUEUE_FULL", st));
      if (!(b.rd(TERN_REG_IRQ_STATUS_OFFSET) & TERN_REG_IRQ_STATUS_ERROR_MASK))
        b.fail("no IRQ_STATUS.ERROR after QUEUE_FULL");
    }
    if (!b.failed() && b.wait_all(&rng)) b.quiescent();
    b.check_queue_level = true;
    // The device goes on normally.
    std::vector<Job> after = {good(b, pl, &rng, 200, 30, TERN_FMT_T2, 2)};
    if (!b.failed()) run_batch(b, after, &rng);
  }
  {
    const bool bad = b.failed();
    tern_test_end(t);
    if (bad) b.recover();
  }

  // A one-deep queue has no storage: the waiting descriptor is the JOB_* registers themselves
  // (tern_csr BYPASS), so a JOB_* write while it waits is held (no B response) until the engine
  // takes it. The model has a real queue: the jobs must not see a difference, only the time.
  if (kQueueDepth == 1) {
    tern_test_begin(t, "device/errors/QUEUE_DEPTH 1: a JOB_* write waits for the descriptor in JOB_*");
    uint64_t rng = seed ^ 0xB1A55ull;
    b.set_mem_cfg(random_mem_cfg(pa, &rng));
    b.sim().set_lite(DeviceSim::LiteConfig());
    b.set_irq_en(true);
    const uint32_t offs[6] = {TERN_REG_JOB_K_OFFSET,      TERN_REG_JOB_N_OFFSET,      TERN_REG_JOB_CFG_OFFSET,
                              TERN_REG_JOB_W_ADDR_OFFSET, TERN_REG_JOB_A_ADDR_OFFSET, TERN_REG_JOB_O_ADDR_OFFSET};
    uint64_t held_min = UINT64_MAX, held_max = 0;
    for (int r = 0; r < 6 && !b.failed(); r++) {  // each JOB_* register in turn
      Placer pl(M, &rng);
      const uint32_t jobs0 = b.accepted();
      Job longj = good(b, pl, &rng, 2560, 64, TERN_FMT_T5, 4, false);
      b.queue(longj, &rng);
      // Fill the engine until a descriptor waits in the CSR block.
      uint32_t lvl = 0;
      for (uint32_t i = 0; i < kEngineSlots + 1 && lvl == 0 && !b.failed(); i++) {
        Job w = good(b, pl, &rng, 40 + 17 * i, 5 + 3 * i, i & 1, 1);
        b.make_room(&rng);
        b.queue(w, &rng);
        b.sim().step(200);  // (the planner's time)
        lvl = b.rtl_level();
      }
      Job next = good(b, pl, &rng, 91 + r, 7 + r, (uint32_t)r & 1, 1);
      const uint32_t nv[6] = {next.k, next.n, next.cfg(), next.w, next.a, next.o};
      const uint32_t done0 = b.rd(TERN_REG_JOBS_DONE_OFFSET);
      if (!b.failed() && lvl != 1) b.fail(tb_format("QUEUE.LEVEL %u with the engine full, expected 1", lvl));
      if (!b.failed() && done0 != jobs0) b.fail("bench: the long job ended before the held write (make it longer)");
      if (!b.failed()) {
        const uint64_t c0 = b.sim().cycles();
        b.wr_wait(offs[r], nv[r], b.budget(0));  // held until the engine takes the descriptor
        const uint64_t held = b.sim().cycles() - c0;
        const uint32_t lvl1 = b.rtl_level(), done1 = b.rd(TERN_REG_JOBS_DONE_OFFSET);
        if (!b.failed() && lvl1 != 0)
          b.fail(tb_format("the write of 0x%03x completed with QUEUE.LEVEL %u", offs[r], lvl1));
        if (!b.failed() && (done1 == done0 || held < 50))
          b.fail(tb_format("the write of 0x%03x completed after %" PRIu64 " cycles, JOBS_DONE %u (was %u): not held "
                           "while the descriptor waited",
                           offs[r], held, done1, done0));
        held_min = std::min(held_min, held), held_max = std::max(held_max, held);
      }
      // The waiting job ran with its own descriptor (results compared), then `next`.
      if (!b.failed() && b.make_room(&rng)) b.queue(next, &rng);
      if (!b.failed() && b.wait_all(&rng)) b.quiescent();
      if (!b.failed() && b.accepted() - jobs0 < 3) b.fail("bench: fewer jobs than meant");
    }
    if (!b.failed())
      std::fprintf(stderr, "  device/errors/QUEUE_DEPTH 1: each JOB_* write held %" PRIu64 " .. %" PRIu64 " cycles\n",
                   held_min, held_max);
    const bool bad = b.failed();
    tern_test_end(t);
    if (bad) b.recover();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "  device/errors: %zu cases, %" PRIu64 " cycles in %.1f s\n",
               cases.size() + 1 + (kQueueDepth == 1), b.sim().cycles(), secs);
}

void suite_reset(const Plusargs &pa, tern_test_ctx *t, uint64_t seed) {
  const uint64_t n = pa.num("resets", 40);
  const std::string name = tb_format("device/reset %" PRIu64 " resets mid-job", n);
  tern_test_begin(t, name.c_str());
  DevBench b(pa, t, seed, kMemBytes, seed ^ 0x5E5E7ull);
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t mid_r = 0, mid_w = 0;
  for (uint64_t it = 0; it < n && !b.failed(); it++) {
    uint64_t rng = batch_seed(seed ^ 0x7E5E7, it);
    b.replay = tb_format("device_tb +suite=reset +seed=%" PRIu64 " (iteration %" PRIu64 ")", seed, it);
    b.set_mem_cfg(random_mem_cfg(pa, &rng));
    random_lite(b, &rng);
    b.set_irq_en(tern_rand_next(&rng) & 1);
    Placer pl(b.mem_size(), &rng);
    const size_t nj = (size_t)tern_rand_range(&rng, 1, kBatchMax);
    std::vector<Job> batch(nj);
    for (auto &j : batch) place_random_good_job(b, pl, j, &rng);
    uint64_t est = 0;
    for (auto &j : batch) est += tern_job_cycles_tokens(kGeom, j.k, j.n, j.tokens) + j.wbytes() / 8;
    // When: soon after the doorbells, at a random cycle of the batch, or while a write
    // (or a read burst) is under way.
    const uint64_t mode = tern_rand_next(&rng) % 8;
    const uint64_t when = mode == 0 ? tern_rand_next(&rng) % 30 : tern_rand_next(&rng) % (est + 50);
    const size_t before = tern_rand_next(&rng) % 4 == 0 ? tern_rand_next(&rng) % nj : nj;  // doorbells before reset
    for (size_t i = 0; i < before && !b.failed(); i++)
      if (b.make_room(&rng)) b.queue(batch[i], &rng);
    if (mode >= 5) {
      auto *dd = b.sim().dut();
      const uint64_t skip = tern_rand_next(&rng) % (est / 2 + 1), extra = tern_rand_next(&rng) % 4;
      b.sim().step(skip);
      for (uint64_t c = 0; c < est + 1000; c++) {
        if (mode == 5 ? (bool)dd->axi_rvalid_i : (dd->axi_wvalid_o || dd->axi_awvalid_o)) break;
        b.sim().step(1);
      }
      b.sim().step(extra);
    } else {
      b.sim().step(when);
    }
    if (!b.sim().mem_idle()) {
      if (b.sim().dut()->axi_rvalid_i || b.sim().dut()->axi_arvalid_o) mid_r++;
      if (b.sim().dut()->axi_wvalid_o || b.sim().dut()->axi_awvalid_o) mid_w++;
    }
    b.reset((int)tern_rand_range(&rng, kResetMin, 5));
    auto *d = b.sim().dut();
    if (b.sim().reset_loud()) b.fail("an AXI VALID was high in reset after its first clock edge");
    if (d->axi_arvalid_o || d->axi_awvalid_o || d->axi_wvalid_o || d->axiw_arvalid_o || d->irq_o || d->axil_bvalid_o ||
        d->axil_rvalid_o)
      b.fail("an output is active right after the reset");
    const uint64_t ar = b.sim().mem().stats().ar, aw = b.sim().mem().stats().aw, w = b.sim().mem().stats().w_beats,
                   war = b.sim().wmem().stats().ar;
    b.sim().step(40);
    if (b.sim().mem().stats().ar != ar || b.sim().mem().stats().aw != aw || b.sim().mem().stats().w_beats != w ||
        b.sim().wmem().stats().ar != war)
      b.fail("memory traffic after a reset with no job queued");
    if (b.rd(TERN_REG_ID_OFFSET) != TERN_REG_ID_RESET) b.fail("ID wrong after reset");
    b.quiescent(false);  // every register as a fresh model's, memory (aborted results allowed)
    // A good job (or two) after the reset.
    Placer pl2(b.mem_size(), &rng);
    std::vector<Job> next((size_t)tern_rand_range(&rng, 1, 2));
    for (auto &j : next) place_random_good_job(b, pl2, j, &rng);
    b.set_irq_en(true);
    if (!b.failed()) run_batch(b, next, &rng);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr,
               "  device/reset: %" PRIu64 " resets, %" PRIu64 " with reads and %" PRIu64
               " with writes in flight; %" PRIu64 " cycles in %.1f s\n",
               n, mid_r, mid_w, b.sim().cycles(), secs);
  tern_test_end(t);
}
