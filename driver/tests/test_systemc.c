/* SPDX-License-Identifier: Apache-2.0 */
/* The systemc transport's own tests (the usual driver suite, test_bitlinear, runs on it too):
 * options and their errors, one device per process, results bit-identical to the C device
 * model, the statistics file (bytes and energy per memory), the memory presets and options
 * changing the timing as they should, cycle counts never below the array's ideal, the wait
 * budget, and the skew knob. Without the plugin (tern-systemc.so) it checks the message instead.
 *   test_systemc [--seed S] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern.h"
#include "tern_cycle.h"
#include "tern_test.h"

static int8_t *random_trits(uint32_t k, uint32_t n, uint64_t *rng) {
  int8_t *w = malloc((size_t)k * n);
  for (size_t i = 0; w && i < (size_t)k * n; i++) w[i] = (int8_t)((int)(tern_rand_next(rng) % 3) - 1);
  return w;
}

static int8_t *random_xq(uint32_t k, uint32_t tokens, uint64_t *rng) {
  int8_t *x = malloc((size_t)k * tokens);
  for (size_t i = 0; x && i < (size_t)k * tokens; i++) x[i] = (int8_t)((int)(tern_rand_next(rng) % 255) - 127);
  return x;
}

static tern_status load(tern_device *dev, const int8_t *trits, uint32_t k, uint32_t n, tern_format fmt,
                        tern_weights **w) {
  tern_tensor_src src = {TERN_LAYOUT_TRITS, trits, (size_t)k * n, k, n, 1.0f};
  return tern_weights_load(dev, &src, fmt, w);
}

/* Device cycles of one integer call of a K x N job (T tokens) on dev; 0 on failure. */
static uint64_t job_cycles(tern_device *dev, uint32_t k, uint32_t n, uint32_t tokens, tern_format fmt, uint64_t seed) {
  uint64_t rng = seed;
  int8_t *trits = random_trits(k, n, &rng), *xq = random_xq(k, tokens, &rng);
  int32_t *acc = malloc(sizeof(int32_t) * n * tokens);
  tern_weights *w = NULL;
  uint64_t c = 0;
  if (trits && xq && acc && load(dev, trits, k, n, fmt, &w) == TERN_OK) {
    tern_device_stats s0, s1;
    tern_device_get_stats(dev, &s0);
    if (tern_bitlinear_int(dev, w, xq, tokens, acc) == TERN_OK) {
      tern_device_get_stats(dev, &s1);
      c = s1.device_cycles - s0.device_cycles;
    }
  }
  tern_weights_free(w);
  free(trits), free(xq), free(acc);
  return c;
}

static uint64_t cycles_with(const char *uri, uint32_t k, uint32_t n, uint32_t tokens, tern_format fmt) {
  tern_device *dev = NULL;
  if (tern_open(uri, &dev) != TERN_OK) return 0;
  const uint64_t c = job_cycles(dev, k, n, tokens, fmt, 7);
  tern_close(dev);
  return c;
}

/* The value of `name` in a statistics file (-1 if absent). */
static double stat_value(const char *path, const char *name) {
  FILE *f = fopen(path, "r");
  char line[256], key[128];
  double v = -1, x;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "%127s %lf", key, &x) == 2 && !strcmp(key, name)) v = x;
  if (f) fclose(f);
  return v;
}

int main(int argc, char **argv) {
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2)
    if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[i + 1], NULL, 0);
  tern_test_ctx t = {0};
  char err[512] = "";
  tern_device *dev = NULL;
  tern_status st = tern_open_err("systemc", &dev, err, sizeof err);
  if (st != TERN_OK && strstr(err, "this device is not built")) {
    tern_test_begin(&t, "systemc/not_built_says_how");
    TERN_CHECK(&t, st == TERN_ERR_DEVICE && dev == NULL);
    TERN_CHECK(&t, strstr(err, "tern-systemc.so") && strstr(err, "make -C driver systemc"));
    tern_test_end(&t);
    return tern_test_exit(&t);
  }
  tern_test_begin(&t, "systemc/open");
  if (st != TERN_OK) tern_test_fail(&t, "%s: %s", tern_strerror(st), err);
  tern_test_end(&t);
  if (st != TERN_OK) return tern_test_exit(&t);

  tern_test_begin(&t, "systemc/one_device_per_process");
  {
    tern_device *other = NULL;
    st = tern_open_err("systemc", &other, err, sizeof err);
    TERN_CHECK(&t, st == TERN_ERR_DEVICE && other == NULL && strstr(err, "already open"));
    TERN_CHECK(&t, tern_open("cmodel", &other) == TERN_OK); /* other devices are not affected */
    tern_close(other);
  }
  tern_test_end(&t);

  /* Random jobs on systemc and cmodel at once: bit-identical accumulators. */
  tern_test_begin(&t, "systemc/identical_to_cmodel");
  {
    tern_device *cm = NULL;
    uint64_t rng = seed;
    TERN_CHECK(&t, tern_open("cmodel", &cm) == TERN_OK);
    for (int it = 0; it < 60 && cm && !t.failed; it++) {
      const uint32_t k = (uint32_t)tern_rand_range(&rng, 1, 700), n = (uint32_t)tern_rand_range(&rng, 1, 90);
      const uint32_t tokens = (uint32_t)tern_rand_range(&rng, 1, 2 * TERN_T_MAX + 2);
      const tern_format fmt = it & 1 ? TERN_T5 : TERN_T2;
      int8_t *trits = random_trits(k, n, &rng), *xq = random_xq(k, tokens, &rng);
      int32_t *a = malloc(sizeof(int32_t) * n * tokens), *b = malloc(sizeof(int32_t) * n * tokens);
      tern_weights *w1 = NULL, *w2 = NULL;
      if (load(dev, trits, k, n, fmt, &w1) != TERN_OK || load(cm, trits, k, n, fmt, &w2) != TERN_OK)
        tern_test_fail(&t, "load K=%u N=%u: %s", k, n, tern_last_error(dev));
      else if (tern_bitlinear_int(dev, w1, xq, tokens, a) != TERN_OK)
        tern_test_fail(&t, "K=%u N=%u T=%u: %s", k, n, tokens, tern_last_error(dev));
      else if (tern_bitlinear_int(cm, w2, xq, tokens, b) != TERN_OK || memcmp(a, b, sizeof(int32_t) * n * tokens))
        tern_test_fail(&t, "K=%u N=%u T=%u %s: results differ from cmodel [seed=%" PRIu64 "]", k, n, tokens,
                       tern_format_name(fmt), seed);
      tern_weights_free(w1), tern_weights_free(w2);
      free(trits), free(xq), free(a), free(b);
    }
    tern_close(cm);
  }
  tern_test_end(&t);

  /* Cycles: never below the array's ideal; device stats has_cycles. */
  tern_test_begin(&t, "systemc/cycles_at_least_the_array_ideal");
  {
    static const uint32_t shapes[][3] = {{1, 1, 1}, {256, 256, 1}, {256, 512, 8}, {777, 41, 3}, {2560, 64, 1}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0] && !t.failed; i++) {
      const uint64_t c = job_cycles(dev, shapes[i][0], shapes[i][1], shapes[i][2], TERN_T5, seed);
      const uint64_t ideal = tern_job_cycles_tokens(tern_device_geom(dev), shapes[i][0], shapes[i][1], shapes[i][2]);
      if (c < ideal)
        tern_test_fail(&t, "K=%u N=%u T=%u: %" PRIu64 " cycles < ideal %" PRIu64, shapes[i][0], shapes[i][1],
                       shapes[i][2], c, ideal);
    }
    tern_device_stats s;
    tern_device_get_stats(dev, &s);
    TERN_CHECK(&t, s.has_cycles && s.device_cycles > 0);
  }
  tern_test_end(&t);
  tern_close(dev);

  tern_test_begin(&t, "systemc/reopen_after_close");
  st = tern_open_err("systemc", &dev, err, sizeof err);
  TERN_CHECK(&t, st == TERN_OK);
  if (st == TERN_OK) {
    TERN_CHECK(&t, job_cycles(dev, 64, 8, 1, TERN_T2, seed) > 0);
    tern_close(dev);
  }
  tern_test_end(&t);

  tern_test_begin(&t, "systemc/option_errors");
  {
    static const struct {
      const char *uri, *want;
    } bad[] = {
        {"systemc:mem=ddr5", "memories: sram, ddr4, hbm"},
        {"systemc:latncy=5", "unknown option 'latncy'"},
        {"systemc:bw=0", "bandwidth in GB/s"},
        {"systemc:size=100", "4K..4G"},
        {"systemc:clock_mhz=x", "clock in MHz"},
        {"systemc:host_timed=2", "0 or 1"},
        {"systemc:stats", "needs a value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      tern_device *d = NULL;
      st = tern_open_err(bad[i].uri, &d, err, sizeof err);
      if (st != TERN_ERR_ARG || d || !strstr(err, bad[i].want))
        tern_test_fail(&t, "%s: %s '%s' (wanted TERN_ERR_ARG and '%s')", bad[i].uri, tern_strerror(st), err,
                       bad[i].want);
      tern_close(d);
    }
  }
  tern_test_end(&t);

  /* The statistics file: bytes per memory add up, energy = bytes x pJ/byte. */
  tern_test_begin(&t, "systemc/stats_file");
  {
    const char *path = "test_systemc_stats.txt";
    remove(path);
    char uri[256];
    snprintf(uri, sizeof uri, "systemc:mem=ddr4,stats=%s", path);
    const uint64_t c = cycles_with(uri, 512, 256, 8, TERN_T5);
    const double wbytes = (double)tern_stream_bytes(tern_geom_default(), TERN_T5, 512, 256);
    const double rd = stat_value(path, "memory.device_read_bytes"), wr = stat_value(path, "memory.device_write_bytes");
    const double all = stat_value(path, "memory.read_bytes") + stat_value(path, "memory.write_bytes");
    const double pj = stat_value(path, "memory.energy_pj");
    TERN_CHECK(&t, c > 0);
    TERN_CHECK(&t, rd == wbytes + 512.0 * 8 && wr == 256.0 * 4 * 8);
    TERN_CHECK(&t,
               all >= rd + wr + wbytes && pj > 0 && (pj - all * 162.5) < 1e-6 * pj && (all * 162.5 - pj) < 1e-6 * pj);
    TERN_CHECK(&t, stat_value(path, "device.jobs") == 1 && stat_value(path, "cycles") >= (double)c);
    if (t.failed)
      tern_test_fail(&t, "device read %.0f (want %.0f), written %.0f, all %.0f, %.1f pJ", rd, wbytes + 4096, wr, all,
                     pj);
    remove(path);
  }
  tern_test_end(&t);

  /* The memory and the interconnect set the timing. */
  tern_test_begin(&t, "systemc/memory_sets_the_timing");
  {
    const uint64_t sram = cycles_with("systemc", 256, 256, 1, TERN_T5);
    const uint64_t ddr4 = cycles_with("systemc:mem=ddr4", 256, 256, 1, TERN_T5);
    const uint64_t slow = cycles_with("systemc:bw=0.4", 256, 256, 1, TERN_T5);        /* 4 B a cycle */
    const uint64_t narrow = cycles_with("systemc:bus_bytes=2", 256, 256, 1, TERN_T5); /* a 16-bit bus */
    const uint64_t fast = cycles_with("systemc:clock_mhz=10", 256, 256, 1, TERN_T5);  /* latency: 1 cycle */
    const uint64_t far = cycles_with("systemc:latency=2000", 256, 256, 1, TERN_T5);   /* 200 cycles */
    const uint64_t ideal = tern_job_cycles_tokens(tern_geom_default(), 256, 256, 1);
    const int ok = sram > ideal && sram < ideal * 11 / 10 && ddr4 > sram &&
                   ddr4 < sram * 12 / 10 &&                              /* latency 6 cycles: a few cycles more */
                   slow > sram * 18 / 10 && slow < sram * 22 / 10 &&     /* half the bandwidth: twice the time */
                   narrow > sram * 36 / 10 && narrow < sram * 44 / 10 && /* a quarter of the bus */
                   fast == sram && far > sram * 2; /* 4 outstanding bursts cannot cover 200 cycles */
    if (!ok)
      tern_test_fail(&t,
                     "cycles: ideal %" PRIu64 ", sram %" PRIu64 ", ddr4 %" PRIu64 ", bw=0.4 %" PRIu64
                     ", bus_bytes=2 %" PRIu64 ", clock_mhz=10 %" PRIu64 ", latency=2000 %" PRIu64,
                     ideal, sram, ddr4, slow, narrow, fast, far);
  }
  tern_test_end(&t);

  tern_test_begin(&t, "systemc/skew_stretches_jobs");
  {
    const uint64_t a = cycles_with("systemc", 512, 256, 4, TERN_T2),
                   b = cycles_with("systemc:skew=0.05", 512, 256, 4, TERN_T2);
    TERN_CHECK(&t, a > 0 && b > a * 104 / 100 && b < a * 106 / 100);
    if (t.failed) tern_test_fail(&t, "%" PRIu64 " cycles, with skew=0.05 %" PRIu64, a, b);
  }
  tern_test_end(&t);

  tern_test_begin(&t, "systemc/wait_budget");
  {
    tern_device *d = NULL;
    TERN_CHECK(&t, tern_open("systemc:max_cycles=20", &d) == TERN_OK);
    if (d) {
      uint64_t rng = seed;
      int8_t *trits = random_trits(256, 64, &rng), *xq = random_xq(256, 1, &rng);
      int32_t acc[64];
      tern_weights *w = NULL;
      TERN_CHECK(&t, load(d, trits, 256, 64, TERN_T5, &w) == TERN_OK);
      TERN_CHECK(&t, tern_bitlinear_int(d, w, xq, 1, acc) == TERN_ERR_DEVICE);
      TERN_CHECK(&t, strstr(tern_last_error(d), "no interrupt within 20 cycles (max_cycles)") != NULL);
      if (t.failed) tern_test_fail(&t, "%s", tern_last_error(d));
      tern_weights_free(w);
      free(trits), free(xq);
      tern_close(d);
    }
  }
  tern_test_end(&t);
  return tern_test_exit(&t);
}
