// SPDX-License-Identifier: Apache-2.0
// Verilator bench of the device top, rtl/tern_device.v, in lock-step with the C device model:
// main and the plusargs. The harness and what it checks: device_harness.h (job construction in
// device_harness.cpp); the suites: device_suites.cpp; the perf bench: device_perf.cpp.
//
//   +suite=random|errors|reset|bench|all   (default all = random, errors, reset; bench is apart)
//   +seed=S        seed (default: from time); printed with a replay line on failure
//   +jobs=N        random jobs (default 600), queued 1 .. QUEUE_DEPTH at a time (a "batch"; with
//                  QUEUE_DEPTH 1, 1 .. 2 + the engine's slots, each doorbell once there is room)
//   +batch=B       replay only random batch B of seed S (with +vcd=FILE for its waveform)
//   +resets=N      reset-suite iterations (default 40)
//   +latency=L     fixed memory read/write latency (default: random per batch; bench: 0)
//   +throttle=P    fixed READY/VALID probability of every memory channel (default: random; bench: 1)
//   +reads=N       read bursts the memory accepts ahead (default: random; bench: 8)
//   +verbose       one line per job (CYCLES against the model's ideal, the ratio)
//   +vcd=FILE      waveform (benches built with --trace)
// Output: one "PASS name" / "FAIL name: detail" line per case (tests/common/tern_test.h).
#include <chrono>
#include <cstdio>
#include <string>

#include "device_harness.h"

int main(int argc, char **argv) {
  Plusargs pa(argc, argv);
  Verilated::commandArgs(argc, argv);
  const std::string suite = pa.str("suite", "all");
  const uint64_t seed =
      pa.has("seed") ? pa.num("seed", 0) : (uint64_t)std::chrono::system_clock::now().time_since_epoch().count();
  if (suite == "bench") return suite_bench(pa, pa.has("seed") ? seed : 7);
  tern_test_ctx t = {};
  if (suite == "all" || suite == "random" || suite == "errors" || suite == "reset") suite_params(pa, &t, seed);
  if (suite == "all" || suite == "random") suite_random(pa, &t, seed);
  if (suite == "all" || suite == "errors") suite_errors(pa, &t, seed);
  if (suite == "all" || suite == "reset") suite_reset(pa, &t, seed);
  if (suite != "all" && suite != "random" && suite != "errors" && suite != "reset") {
    std::fprintf(stderr, "unknown +suite=%s (random, errors, reset, bench, all)\n", suite.c_str());
    return 2;
  }
  return tern_test_exit(&t);
}
