// SPDX-License-Identifier: Apache-2.0
// The device bench's lock-step harness (DevBench's longer methods) and its job construction:
// random good and bad jobs, their data in both memories, random memory timing, running a batch.
#include "device_harness.h"

// ---- the lock-step harness (DevBench) ----

bool DevBench::queue(Job j, uint64_t *rng) {
  const uint32_t rtl_v[6] = {j.k, j.n, j.cfg(), j.w, j.a, j.o};
  const uint32_t offs[6] = {TERN_REG_JOB_K_OFFSET,      TERN_REG_JOB_N_OFFSET,      TERN_REG_JOB_CFG_OFFSET,
                            TERN_REG_JOB_W_ADDR_OFFSET, TERN_REG_JOB_A_ADDR_OFFSET, TERN_REG_JOB_O_ADDR_OFFSET};
  for (int i = 0; i < 6; i++)
    if (shadow_[i] != rtl_v[i] || (rng && (tern_rand_next(rng) & 1))) {
      wr(offs[i], rtl_v[i]);
      shadow_[i] = rtl_v[i];
    }
  // (with a weight memory the model's weights are no bus access: its activations fail instead)
  const uint32_t spoil_off = kWmemBytes ? TERN_REG_JOB_A_ADDR_OFFSET : TERN_REG_JOB_W_ADDR_OFFSET;
  if (j.model_bus_error) model_wr(spoil_off, kUnreachable);
  const bool full = model_level() == kQueueDepth;
  wr(TERN_REG_DOORBELL_OFFSET, 1);
  if (j.model_bus_error) model_wr(spoil_off, kWmemBytes ? j.a : j.w);
  if (full) return false;
  jobs_.push_back(j);
  accepted_++;
  return true;
}

bool DevBench::make_room(uint64_t *rng) {
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

void DevBench::model_run_to(uint32_t n) {
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
      fail(tb_format("bench: the model gives %s for job %u (%s), meant to give %s", tern_deverr_name(j.code),
                     model_done_, j.desc().c_str(), tern_deverr_name((uint32_t)j.expect_code)));
    if (j.code == TERN_DEVERR_NONE) {
      j.ideal = tern_job_cycles_tokens(kGeom, j.k, j.n, j.tokens);
      last_ok_ = (int)model_done_;
    }
    model_done_++;
  }
}

uint32_t DevBench::snapshot() {
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
                     tern_deverr_name(status >> 8 & 0xFF), status & 1, m_status, tern_deverr_name(m_status >> 8 & 0xFF),
                     m_status & 1));
    else if (irqs != m_irq)
      fail(tb_format("after %u jobs: IRQ_STATUS 0x%x, model 0x%x", n0, irqs, m_irq));
    else if ((queue & TERN_REG_QUEUE_DEPTH_MASK) != (m_queue & TERN_REG_QUEUE_DEPTH_MASK))
      fail(tb_format("QUEUE.DEPTH %u, model %u", queue & 0xFF, m_queue & 0xFF));
    else if (check_queue_level && (lvl > mlvl || mlvl - lvl > kEngineSlots))
      fail(tb_format("after %u jobs: QUEUE.LEVEL %u, model %u (jobs not ended), engine holds at most %u", n0, lvl, mlvl,
                     kEngineSlots));
    else
      check_cycles(cycles, tb_format("after %u jobs", n0));
    if (mlvl >= lvl && mlvl - lvl > tot.max_popped) tot.max_popped = mlvl - lvl;
  }
  return n1;
}

void DevBench::check_cycles(uint32_t rtl, const std::string &when) {
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

uint64_t DevBench::budget(size_t from) const {
  const AxiMemConfig &c = mem_cfg_;
  double pmin = std::min({c.p_arready, c.p_rvalid, c.p_awready, c.p_wready, c.p_bvalid, 1.0});
  if (pmin < 0.05) pmin = 0.05;
  uint64_t b = 20000;
  for (size_t i = from; i < jobs_.size(); i++) {
    const Job &j = jobs_[i];
    const bool sane = j.k >= 1 && j.k <= TERN_K_MAX && j.n >= 1 && j.n <= TERN_N_MAX && j.tokens <= kTMax;
    const uint64_t words = sane ? (round_w(j.wbytes()) + j.abytes() + j.obytes()) / 8 + 16 : 16;
    const uint64_t lat = std::max(c.read_latency, c.write_latency) + 4;
    b += 4 * (tern_job_cycles_tokens(kGeom, std::max(1u, std::min(j.k, 65535u)), std::max(1u, std::min(j.n, 65535u)),
                                     std::max(1u, std::min(j.tokens, kTMax))) +
              (uint64_t)(words * 4 / pmin) + lat * words);
  }
  return b;
}

bool DevBench::wait_all(uint64_t *rng) {
  const uint64_t start = sim_.cycles(), limit = budget(checked_);
  for (;;) {
    const uint32_t n = snapshot();
    if (failed()) return false;
    if (n == accepted_) return true;
    if (sim_.cycles() - start > limit) {
      fail(tb_format(
          "device hung: JOBS_DONE %u of %u jobs after %" PRIu64 " cycles (budget %" PRIu64
          "); STATUS 0x%x QUEUE 0x%x; memory: %s; AR %" PRIu64 " R %" PRIu64 " AW %" PRIu64 " W %" PRIu64 " B %" PRIu64,
          n, accepted_, sim_.cycles() - start, limit, rd(TERN_REG_STATUS_OFFSET), rd(TERN_REG_QUEUE_OFFSET),
          (sim_.mem().in_flight() + "; weight port: " + sim_.wmem().in_flight()).c_str(), sim_.mem().stats().ar,
          sim_.mem().stats().r_beats, sim_.mem().stats().aw, sim_.mem().stats().w_beats, sim_.mem().stats().b));
      return false;
    }
    // Poll at a fraction of the running job's ideal duration.
    const Job &j = jobs_[std::min<size_t>(n, jobs_.size() - 1)];
    uint64_t est = j.ideal ? j.ideal
                           : tern_job_cycles_tokens(kGeom, std::max(1u, std::min(j.k, 65535u)),
                                                    std::max(1u, std::min(j.n, 65535u)), 1);
    uint64_t cap = std::min<uint64_t>(3000, std::max<uint64_t>(8, est / 3));
    uint64_t wait = 1 + (rng ? tern_rand_next(rng) % cap : cap - 1);
    if (irq_en_ && !sim_.irq())
      sim_.run_until_irq(wait);
    else
      sim_.step(wait);
  }
}

void DevBench::quiescent(bool w1c) {
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
  if (sim_.irq() != (bool)tern_devmodel_irq(dm_))
    fail(tb_format("idle: irq_o %d, model %d", sim_.irq(), tern_devmodel_irq(dm_)));
  if (!sim_.mem_idle())
    fail("idle: the memory model still has transactions in flight: " + sim_.mem().in_flight() +
         "; weight port: " + sim_.wmem().in_flight());
  protocol_check();
  compare_memory();
  if (w1c && !failed()) {
    wr(TERN_REG_IRQ_STATUS_OFFSET, 3);
    sim_.step(2);
    if (sim_.irq() || tern_devmodel_irq(dm_)) fail("irq_o still high after IRQ_STATUS was cleared");
  }
}

void DevBench::compare_memory() {
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

std::vector<int32_t> DevBench::dot(const std::vector<int8_t> &w, const uint8_t *mem, const Job &j) {
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

void DevBench::new_model() {
  tern_devmodel_free(dm_);
  dm_ = tern_devmodel_new_cfg(kGeom, kCfg, model_mem_.data(), model_mem_.size());
  if (!dm_) {
    std::fprintf(stderr, "tern_devmodel_new_cfg failed (T_MAX %u, QUEUE_DEPTH %u, ACT_BUF %u)\n", kCfg.t_max,
                 kCfg.queue_depth, kCfg.act_buf_beats);
    std::exit(2);
  }
  if (kWmemBytes) tern_devmodel_set_wmem(dm_, model_mem_.data(), kWmemBytes);
  jobs_.clear();
  accepted_ = model_done_ = checked_ = 0;
  base_done_ = 0;
  last_ok_ = -1;
  irq_en_ = false;
  for (auto &s : shadow_) s = 0;
}

uint32_t DevBench::probe(const Job &j) {
  tern_devmodel *p = tern_devmodel_new_cfg(kGeom, kCfg, model_mem_.data(), model_mem_.size());
  tern_devmodel_write(p, TERN_REG_JOB_K_OFFSET, j.k);
  tern_devmodel_write(p, TERN_REG_JOB_N_OFFSET, j.n);
  tern_devmodel_write(p, TERN_REG_JOB_CFG_OFFSET, j.cfg());
  if (kWmemBytes) tern_devmodel_set_wmem(p, model_mem_.data(), kWmemBytes);
  tern_devmodel_write(p, TERN_REG_JOB_W_ADDR_OFFSET, j.model_bus_error && !kWmemBytes ? kUnreachable : j.w);
  tern_devmodel_write(p, TERN_REG_JOB_A_ADDR_OFFSET, j.model_bus_error && kWmemBytes ? kUnreachable : j.a);
  tern_devmodel_write(p, TERN_REG_JOB_O_ADDR_OFFSET, j.o);
  tern_devmodel_write(p, TERN_REG_DOORBELL_OFFSET, 1);
  tern_devmodel_run(p, 1);
  uint32_t irq = 0, status = 0;
  tern_devmodel_read(p, TERN_REG_IRQ_STATUS_OFFSET, &irq);
  tern_devmodel_read(p, TERN_REG_STATUS_OFFSET, &status);
  tern_devmodel_free(p);
  return (irq & TERN_REG_IRQ_STATUS_ERROR_MASK) ? (status & TERN_REG_STATUS_ERR_MASK) >> TERN_REG_STATUS_ERR_LSB : 0;
}

void DevBench::check_job(uint32_t idx) {
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

std::string DevBench::where(size_t a) const {
  for (size_t i = 0; i < jobs_.size(); i++) {
    const Job &j = jobs_[i];
    if (a >= j.o && a < j.o + j.obytes()) return tb_format("result rows of job %zu, %s", i, j.desc().c_str());
    if (a >= j.a && a < j.a + j.abytes()) return tb_format("activations of job %zu", i);
    if (a >= j.w && a < j.w + round_w(j.wbytes())) return tb_format("weights of job %zu", i);
  }
  return "outside every job's regions";
}

// ---- job construction ----

int8_t random_act(uint64_t *rng) {
  const uint64_t r = tern_rand_next(rng);
  switch (r % 16) {
    case 0: return -128;
    case 1: return 127;
    default: return (int8_t)(r >> 8);
  }
}

// Fill a good job's weights and activations in both memories (placement already chosen).
// from_trits: pack random trits (the independent check uses them).
void fill_job(DevBench &b, Job &j, uint64_t *rng, bool from_trits) {
  const size_t wb = j.wbytes();
  std::vector<uint8_t> stream(round8(wb));
  if (from_trits) {
    j.trits.resize((size_t)j.k * j.n);
    const int zero_pct = (int)(tern_rand_next(rng) % 80);
    for (auto &v : j.trits) {
      const uint64_t r = tern_rand_next(rng);
      v = (int)(r % 100) < zero_pct ? 0 : ((r >> 8) & 1) ? 1 : -1;
    }
    if (tern_pack(kGeom, (tern_format)j.fmt, j.trits.data(), j.k, j.n, stream.data()) != TERN_OK) {
      std::fprintf(stderr, "tern_pack failed\n");
      std::exit(2);
    }
    for (size_t i = wb; i < stream.size(); i++) stream[i] = (uint8_t)tern_rand_next(rng);
  } else {
    for (size_t i = 0; i < stream.size(); i += 8) {
      uint64_t v = tern_rand_next(rng);
      std::memcpy(&stream[i], &v, 8);
    }
    j.unpack_check = j.fmt == TERN_FMT_T5 ? tern_rand_next(rng) % 8 == 0 : false;
  }
  b.put(j.w, stream.data(), std::min<size_t>(stream.size(), b.mem_size() > j.w ? b.mem_size() - j.w : 0));
  const size_t astride = tern_devmodel_act_stride(j.k);
  std::vector<int8_t> x(j.k);
  for (uint32_t t = 0; t < j.tokens; t++) {
    for (auto &v : x) v = random_act(rng);
    b.put((uint64_t)j.a + t * astride, x.data(), j.k);  // row padding keeps the random fill
  }
}

// A good job of the given shape at fresh places in memory; false if it does not fit.
bool make_job(DevBench &b, Placer &pl, Job &j, uint64_t *rng, bool from_trits, bool ends) {
  if (!(kFormats >> (j.fmt & 3) & 1u)) j.fmt = TERN_FMT_T5;  // a good job: a format the device serves
  if (!pl.place_w(round_w(j.wbytes()), &j.w, ends && tern_rand_next(rng) % 4 == 0) ||
      !pl.place(j.abytes(), &j.a, ends && tern_rand_next(rng) % 4 == 0) ||
      !pl.place(j.obytes(), &j.o, ends && tern_rand_next(rng) % 4 == 0))
    return false;
  fill_job(b, j, rng, from_trits);
  j.expect_code = TERN_DEVERR_NONE;
  return true;
}

// A good job fits the activation bank: tokens * ceil(K / lanes) beats (a small buffer, narrow
// arrays, long K). Tokens are cut to T_MAX, K to a full bank, then tokens to what fits.
void fit(uint32_t *k, uint32_t *tokens) {
  *tokens = std::max(1u, std::min(*tokens, kTMax));
  if ((*k + kGeom.lanes - 1) / kGeom.lanes > kActBuf) *k = kGeom.lanes * kActBuf;
  const uint32_t beats = (*k + kGeom.lanes - 1) / kGeom.lanes;
  if ((uint64_t)beats * *tokens > kActBuf) *tokens = kActBuf / beats;
}

uint32_t random_k(uint64_t *rng) {
  const uint32_t L = kGeom.lanes;
  const uint64_t r = tern_rand_next(rng) % 100;
  if (r < 8) return (uint32_t)tern_rand_range(rng, 1, 2 * L + 1);
  if (r < 16) return L * (uint32_t)tern_rand_range(rng, 1, 12) + (uint32_t)tern_rand_range(rng, -1, 1);
  if (r < 93) return (uint32_t)tern_rand_range(rng, 1, 300);
  return (uint32_t)tern_rand_range(rng, 301, 2600);
}
uint32_t random_n(uint64_t *rng) {
  const uint64_t r = tern_rand_next(rng) % 100;
  if (r < 10) return (uint32_t)tern_rand_range(rng, 1, 2 * kGeom.rows + 1);
  return (uint32_t)tern_rand_range(rng, 1, 100);
}

// A random good job (shape, format, tokens, data), placed.
bool random_good_job(DevBench &b, Placer &pl, Job &j, uint64_t *rng) {
  j = Job();
  j.k = std::max(1u, random_k(rng));
  j.n = random_n(rng);
  j.fmt = (uint32_t)(tern_rand_next(rng) & 1);
  j.tokens = (tern_rand_next(rng) & 1) ? (uint32_t)tern_rand_range(rng, 1, kTMax) : 1;
  fit(&j.k, &j.tokens);
  if (tern_rand_next(rng) % 10 == 0) j.cfg_junk = (uint32_t)tern_rand_next(rng) & 0xFFFF00FCu;
  return make_job(b, pl, j, rng, tern_rand_next(rng) % 10 < 4, true);
}

// random_good_job until one fits (a full weight memory refuses the big ones); a bench that
// finds no room in 10000 tries stops with an error rather than spin.
void place_random_good_job(DevBench &b, Placer &pl, Job &j, uint64_t *rng) {
  for (int tries = 0; tries < 10000; tries++)
    if (random_good_job(b, pl, j, rng)) return;
  std::fprintf(stderr, "bench: no room for a random job in 10000 tries\n");
  std::exit(2);
}

// A descriptor that fails its checks (no memory traffic), with the code the model must give.
Job random_bad_job(uint64_t *rng) {
  Job j;
  j.k = (uint32_t)tern_rand_range(rng, 1, 300);
  j.n = (uint32_t)tern_rand_range(rng, 1, 100);
  j.fmt = (uint32_t)(tern_rand_next(rng) & 1);
  if (!(kFormats >> j.fmt & 1u)) j.fmt = TERN_FMT_T5;  // only the case below makes a bad format
  j.tokens = (uint32_t)tern_rand_range(rng, 1, kTMax);
  j.w = (uint32_t)tern_rand_range(rng, 0, 1000) * kWAlign;
  j.a = (uint32_t)tern_rand_range(rng, 0, 1000) * 8;
  j.o = (uint32_t)tern_rand_range(rng, 0, 1000) * 8;
  switch (tern_rand_next(rng) % 8) {
    case 0:
      j.k = (tern_rand_next(rng) & 1) ? 0 : TERN_K_MAX + 1 + (uint32_t)(tern_rand_next(rng) % 1000);
      j.expect_code = TERN_DEVERR_BAD_K;
      break;
    case 1:
      j.n = (tern_rand_next(rng) & 1) ? 0 : TERN_N_MAX + 1;
      j.expect_code = TERN_DEVERR_BAD_N;
      break;
    case 2:
      j.fmt = 2 + (uint32_t)(tern_rand_next(rng) & 1);
      j.expect_code = TERN_DEVERR_BAD_FMT;
      break;
    case 3:
      j.tokens = (tern_rand_next(rng) & 1) || kTMax == 255
                     ? 0
                     : std::min(255u, kTMax + 1 + (uint32_t)(tern_rand_next(rng) % 200));
      j.expect_code = TERN_DEVERR_BAD_TOKENS;
      break;
    case 4:
      j.w += 1 + (uint32_t)(tern_rand_next(rng) % 7);
      j.expect_code = TERN_DEVERR_MISALIGNED;
      break;
    case 5:
      j.a += 1 + (uint32_t)(tern_rand_next(rng) % 7);
      j.expect_code = TERN_DEVERR_MISALIGNED;
      break;
    case 6:
      j.o += 4;
      j.expect_code = TERN_DEVERR_MISALIGNED;
      break;
    default:
      j.tokens = kTMax;
      j.k = (uint32_t)std::min<uint64_t>(TERN_K_MAX,
                                         (uint64_t)kGeom.lanes * (kActBuf / kTMax) + 1 + tern_rand_next(rng) % 5000);
      j.expect_code =
          (uint64_t)kTMax * ((j.k + kGeom.lanes - 1) / kGeom.lanes) > kActBuf ? TERN_DEVERR_ACT_OVERFLOW : -1;
      break;
  }
  j.what = "bad";
  return j;
}

AxiMemConfig random_mem_cfg(const Plusargs &pa, uint64_t *rng) {
  AxiMemConfig c;
  const double thr[] = {1.0, 1.0, 1.0, 0.9, 0.7, 0.5, 0.25};
  auto pick = [&]() { return thr[tern_rand_next(rng) % (sizeof thr / sizeof thr[0])]; };
  const uint64_t r = tern_rand_next(rng) % 4;
  c.read_latency = r == 0 ? 1 : r == 1 ? (unsigned)tern_rand_range(rng, 0, 6) : (unsigned)tern_rand_range(rng, 0, 40);
  c.write_latency = (unsigned)tern_rand_range(rng, 0, tern_rand_next(rng) & 1 ? 6 : 40);
  c.p_arready = pick();
  c.p_rvalid = pick();
  c.p_awready = pick();
  c.p_wready = pick();
  c.p_bvalid = pick();
  c.max_reads = (unsigned)tern_rand_range(rng, 1, 8);
  c.max_writes = (unsigned)tern_rand_range(rng, 1, 8);
  c.w_buffer = (unsigned)tern_rand_range(rng, 1, 32);
  c.max_burst = TB_MAX_BURST;
  c.seed = tern_rand_next(rng);
  if (pa.has("latency")) c.read_latency = c.write_latency = (unsigned)pa.num("latency", 0);
  if (pa.has("throttle")) c.p_arready = c.p_rvalid = c.p_awready = c.p_wready = c.p_bvalid = pa.real("throttle", 1.0);
  if (pa.has("reads")) c.max_reads = (unsigned)pa.num("reads", 8);
  return c;
}

void random_lite(DevBench &b, uint64_t *rng) {
  DeviceSim::LiteConfig lc;
  lc.max_delay = (unsigned)(tern_rand_next(rng) % 4);
  lc.p_ready = tern_rand_next(rng) & 1 ? 1.0 : 0.3 + 0.7 * tb_uniform(rng);
  b.sim().set_lite(lc);
}

// Queue the batch (in order) and wait for it; then the idle checks.
void run_batch(DevBench &b, std::vector<Job> &batch, uint64_t *rng) {
  b.tot.batches++;
  if (batch.size() > 1) b.tot.queued_together++;
  for (auto &j : batch) {
    if (b.failed() || !b.make_room(rng)) return;
    if (!b.queue(j, rng)) b.fail("bench: the model's queue was full");
    if (rng && tern_rand_next(rng) % 4 == 0) b.sim().step(tern_rand_next(rng) % 50);
  }
  if (b.wait_all(rng)) b.quiescent();
}

uint64_t batch_seed(uint64_t seed, uint64_t i) {
  uint64_t s = seed ^ (0xA24BAED4963EE407ull * (i + 1));
  return tern_rand_next(&s);
}

// A good job of a given shape, placed at random.
Job good(DevBench &b, Placer &pl, uint64_t *rng, uint32_t k, uint32_t n, uint32_t fmt, uint32_t tokens, bool trits) {
  Job j;
  fit(&k, &tokens);
  j.k = k;
  j.n = n;
  j.fmt = fmt;
  j.tokens = tokens;
  if (!make_job(b, pl, j, rng, trits)) {
    std::fprintf(stderr, "bench: no room for a job of K=%u N=%u\n", k, n);
    std::exit(2);
  }
  j.what = "good";
  return j;
}
