// The device bench's job construction: random good and bad jobs, their data in both memories,
// random memory timing, and running a batch through the lock-step harness (device_harness.h).
#include "device_harness.h"

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
  if (!pl.place(round8(j.wbytes()), &j.w, ends && tern_rand_next(rng) % 4 == 0) ||
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

// A descriptor that fails its checks (no memory traffic), with the code the model must give.
Job random_bad_job(uint64_t *rng) {
  Job j;
  j.k = (uint32_t)tern_rand_range(rng, 1, 300);
  j.n = (uint32_t)tern_rand_range(rng, 1, 100);
  j.fmt = (uint32_t)(tern_rand_next(rng) & 1);
  j.tokens = (uint32_t)tern_rand_range(rng, 1, kTMax);
  j.w = (uint32_t)tern_rand_range(rng, 0, 1000) * 8;
  j.a = (uint32_t)tern_rand_range(rng, 0, 1000) * 8;
  j.o = (uint32_t)tern_rand_range(rng, 0, 1000) * 8;
  switch (tern_rand_next(rng) % 8) {
    case 0: j.k = (tern_rand_next(rng) & 1) ? 0 : TERN_K_MAX + 1 + (uint32_t)(tern_rand_next(rng) % 1000); j.expect_code = TERN_DEVERR_BAD_K; break;
    case 1: j.n = (tern_rand_next(rng) & 1) ? 0 : TERN_N_MAX + 1; j.expect_code = TERN_DEVERR_BAD_N; break;
    case 2: j.fmt = 2 + (uint32_t)(tern_rand_next(rng) & 1); j.expect_code = TERN_DEVERR_BAD_FMT; break;
    case 3: j.tokens = (tern_rand_next(rng) & 1) || kTMax == 255 ? 0 : std::min(255u, kTMax + 1 + (uint32_t)(tern_rand_next(rng) % 200)); j.expect_code = TERN_DEVERR_BAD_TOKENS; break;
    case 4: j.w += 1 + (uint32_t)(tern_rand_next(rng) % 7); j.expect_code = TERN_DEVERR_MISALIGNED; break;
    case 5: j.a += 1 + (uint32_t)(tern_rand_next(rng) % 7); j.expect_code = TERN_DEVERR_MISALIGNED; break;
    case 6: j.o += 4; j.expect_code = TERN_DEVERR_MISALIGNED; break;
    default:
      j.tokens = kTMax;
      j.k = (uint32_t)std::min<uint64_t>(TERN_K_MAX, (uint64_t)kGeom.lanes * (kActBuf / kTMax) + 1 + tern_rand_next(rng) % 5000);
      j.expect_code = (uint64_t)kTMax * ((j.k + kGeom.lanes - 1) / kGeom.lanes) > kActBuf ? TERN_DEVERR_ACT_OVERFLOW : -1;
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
Job good(DevBench &b, Placer &pl, uint64_t *rng, uint32_t k, uint32_t n, uint32_t fmt, uint32_t tokens,
         bool trits) {
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
