/* SPDX-License-Identifier: Apache-2.0 */
/* The seeded random generator of tern (splitmix64): small, with no global state, the same
 * sequence on every platform. The rtl device's memory model and CSR bus delays draw from it
 * (so a seed= reproduces a run), and the tests and benches build their random cases on it. */
#ifndef TERN_RNG_H
#define TERN_RNG_H

#include <stdint.h>

/* The next 64 random bits of the stream in *state (any seed is a valid state). */
static inline uint64_t tern_rand_next(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform integer in [lo, hi] (hi - lo < 2^32). */
static inline int64_t tern_rand_range(uint64_t *state, int64_t lo, int64_t hi) {
  uint64_t span = (uint64_t)(hi - lo) + 1u;
  return lo + (int64_t)(tern_rand_next(state) % span);
}

#endif /* TERN_RNG_H */
