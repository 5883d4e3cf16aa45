/* SPDX-License-Identifier: Apache-2.0 */
/* Sampling (tern_sample.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tern_sample.h"

uint64_t tern_splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double tern_rand_unit(uint64_t *state) { return (double)(tern_splitmix64(state) >> 11) * (1.0 / 9007199254740992.0); }

tern_sampler_params tern_sampler_params_default(void) {
  tern_sampler_params p = {0.0f, 40, 0.95f, 0};
  return p;
}

tern_status tern_sampler_init(tern_sampler *s, const tern_sampler_params *p, size_t n_vocab) {
  if (!s) return TERN_ERR_ARG;
  memset(s, 0, sizeof *s);
  if (!p || n_vocab == 0 || n_vocab > 0x7fffffff || isnan(p->temp) || isnan(p->top_p) || p->top_p < 0.0f)
    return TERN_ERR_ARG;
  s->p = *p;
  s->rng = p->seed;
  s->cap = n_vocab;
  s->idx = malloc(sizeof(int32_t) * n_vocab);
  s->prob = malloc(sizeof(double) * n_vocab);
  if (!s->idx || !s->prob) {
    tern_sampler_free(s);
    return TERN_ERR_NOMEM;
  }
  return TERN_OK;
}

void tern_sampler_free(tern_sampler *s) {
  if (!s) return;
  free(s->idx);
  free(s->prob);
  s->idx = NULL, s->prob = NULL, s->cap = 0;
}

void tern_sampler_reseed(tern_sampler *s, uint64_t seed) {
  if (s) s->rng = seed;
}

/* a is better than b: larger logit, then lower id; NaN is worst. */
static int better(const float *lg, int32_t a, int32_t b) {
  const float x = lg[a], y = lg[b];
  if (isnan(x)) return 0;
  if (isnan(y)) return 1;
  if (x != y) return x > y;
  return a < b;
}

int32_t tern_argmax(const float *logits, size_t n) {
  if (!logits || n == 0) return -1;
  int32_t best = 0;
  for (size_t i = 1; i < n; i++)
    if (better(logits, (int32_t)i, best)) best = (int32_t)i;
  return best;
}

/* Sift-down for a min-heap (by "better") of candidate ids: the root is the worst kept. */
static void heap_down(const float *lg, int32_t *h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, w = i;
    if (l < n && better(lg, h[w], h[l])) w = l;
    if (r < n && better(lg, h[w], h[r])) w = r;
    if (w == i) return;
    int32_t t = h[i];
    h[i] = h[w], h[w] = t;
    i = w;
  }
}

/* Insertion into a sorted prefix would be O(k^2); sort with a heap instead (deterministic). */
static void heap_sort_best_first(const float *lg, int32_t *h, size_t n) {
  /* h is a min-heap by "better" (root = worst): pop the worst to the end repeatedly, which
   * leaves h sorted best first. */
  for (size_t end = n; end > 1; end--) {
    int32_t t = h[0];
    h[0] = h[end - 1], h[end - 1] = t;
    heap_down(lg, h, end - 1, 0);
  }
}

int32_t tern_sample(tern_sampler *s, const float *logits, size_t n) {
  if (!s || !logits || n == 0 || n > s->cap) return -1;
  if (!(s->p.temp > 0.0f)) return tern_argmax(logits, n);
  size_t k = s->p.top_k ? s->p.top_k : n;
  if (k > n) k = n;
  /* the k best candidates, by a min-heap of size k */
  int32_t *h = s->idx;
  for (size_t i = 0; i < k; i++) h[i] = (int32_t)i;
  for (size_t i = k / 2; i-- > 0;) heap_down(logits, h, k, i);
  for (size_t i = k; i < n; i++)
    if (better(logits, (int32_t)i, h[0])) {
      h[0] = (int32_t)i;
      heap_down(logits, h, k, 0);
    }
  heap_sort_best_first(logits, h, k);
  /* softmax at temperature temp over the candidates, in double */
  const double mx = logits[h[0]];
  if (isnan(mx)) return h[0];
  double sum = 0.0;
  for (size_t i = 0; i < k; i++) {
    const float l = logits[h[i]];
    s->prob[i] = isnan(l) ? 0.0 : exp(((double)l - mx) / (double)s->p.temp);
    sum += s->prob[i];
  }
  /* top-p: the smallest prefix reaching top_p of the mass */
  size_t keep = k;
  if (s->p.top_p < 1.0f) {
    double acc = 0.0;
    for (size_t i = 0; i < k; i++) {
      acc += s->prob[i] / sum;
      if (acc >= (double)s->p.top_p) {
        keep = i + 1;
        break;
      }
    }
    sum = 0.0;
    for (size_t i = 0; i < keep; i++) sum += s->prob[i];
  }
  const double r = tern_rand_unit(&s->rng) * sum;
  double acc = 0.0;
  for (size_t i = 0; i < keep; i++) {
    acc += s->prob[i];
    if (r < acc) return h[i];
  }
  return h[keep - 1];
}
