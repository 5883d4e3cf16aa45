/* SPDX-License-Identifier: Apache-2.0 */
/* Sampling the next token from logits: greedy, temperature, top-k, top-p, with a seed.
 * No global state: a tern_sampler holds its own splitmix64 generator, so two samplers with the
 * same parameters and seed given the same logits draw the same tokens. */
#ifndef TERN_SAMPLE_H
#define TERN_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "tern_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_sampler_params {
  float temp;     /* <= 0: greedy (argmax, lowest id on ties) */
  uint32_t top_k; /* keep the k most likely tokens; 0 = all */
  float top_p;    /* keep the smallest set whose probability reaches top_p; >= 1 = all */
  uint64_t seed;
} tern_sampler_params;

typedef struct tern_sampler {
  tern_sampler_params p;
  uint64_t rng; /* splitmix64 state */
  size_t cap;   /* vocabulary size the buffers hold */
  int32_t *idx; /* candidate ids */
  double *prob; /* their probabilities */
} tern_sampler;

/* Defaults: greedy (temp 0), top_k 40, top_p 0.95, seed 0. */
tern_sampler_params tern_sampler_params_default(void);

/* TERN_ERR_ARG for n_vocab == 0 or a NaN/negative parameter, TERN_ERR_NOMEM. */
tern_status tern_sampler_init(tern_sampler *s, const tern_sampler_params *p, size_t n_vocab);
void tern_sampler_free(tern_sampler *s);

/* Restart the random sequence from seed. */
void tern_sampler_reseed(tern_sampler *s, uint64_t seed);

/* The index of the largest logit (the lowest on ties; NaNs are never chosen unless all are). */
int32_t tern_argmax(const float *logits, size_t n);

/* Draw a token from logits[0..n) (n <= the n_vocab of init). Returns -1 for n == 0. */
int32_t tern_sample(tern_sampler *s, const float *logits, size_t n);

/* The next value of a splitmix64 generator, and a uniform double in [0, 1) from it. */
uint64_t tern_splitmix64(uint64_t *state);
double tern_rand_unit(uint64_t *state);

#ifdef __cplusplus
}
#endif
#endif /* TERN_SAMPLE_H */
