/* The sampler: ternc's one definition of how the next token is chosen (ir/sampling.ts holds the reference and the
 * order of its steps), so that a seed gives the same tokens here as in the interpreter and every other backend.
 * Only double +, -, *, /, floor and ldexp are used, and the build passes -ffp-contract=off, so each value rounds as
 * in the reference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

typedef struct {
  double l;
  int32_t id;
} tc_candidate;

struct ternc_sampler {
  ternc_sampling o;
  int32_t vocab;
  uint32_t s[4];
  double inv_factorial[TC_SAMPLER_EXP_TERMS + 1];
  double *l;
  double *w;
  tc_candidate *cand;
  unsigned char *seen;
  int32_t *recent; /* a ring of the last repeat_last_n tokens */
  int32_t n_recent, next_recent;
};

ternc_sampling ternc_default_sampling(void) {
  ternc_sampling o = TC_SAMPLING_DEFAULTS;
  return o;
}

/* e^x for x <= 0: x = k ln2 + r, e^r by its Taylor series, times 2^k; 0 below e^TC_SAMPLER_EXP_MIN. */
static double tc_sampler_exp(const ternc_sampler *s, double x) {
  if (!(x >= TC_SAMPLER_EXP_MIN)) return 0.0;
  const double k = floor(x * TC_SAMPLER_LOG2E + 0.5);
  const double r = x - k * TC_SAMPLER_LN2_HI - k * TC_SAMPLER_LN2_LO;
  double p = s->inv_factorial[TC_SAMPLER_EXP_TERMS];
  for (int i = TC_SAMPLER_EXP_TERMS - 1; i >= 0; i--) p = p * r + s->inv_factorial[i];
  return ldexp(p, (int)k);
}

static uint32_t tc_rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

/* xoshiro128** */
static uint32_t tc_next_u32(ternc_sampler *s) {
  uint32_t *q = s->s;
  const uint32_t result = tc_rotl(q[1] * 5u, 7) * 9u;
  const uint32_t t = q[1] << 9;
  q[2] ^= q[0];
  q[3] ^= q[1];
  q[1] ^= q[2];
  q[0] ^= q[3];
  q[2] ^= t;
  q[3] = tc_rotl(q[3], 11);
  return result;
}

static double tc_uniform(ternc_sampler *s) {
  const double a = (double)(tc_next_u32(s) >> 5);
  const double b = (double)(tc_next_u32(s) >> 6);
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

/* Larger logit first, the smaller id on ties: a total order, so the result does not depend on the sort. */
static int tc_before(const tc_candidate *a, const tc_candidate *b) { return a->l > b->l || (a->l == b->l && a->id < b->id); }

static int tc_compare(const void *pa, const void *pb) {
  const tc_candidate *a = (const tc_candidate *)pa, *b = (const tc_candidate *)pb;
  return tc_before(a, b) ? -1 : tc_before(b, a) ? 1 : 0;
}

int ternc_sampler_new(ternc_sampler **out, const ternc_sampling *o, int32_t vocab, char *err, size_t err_size) {
  *out = NULL;
  /* The reference's checks and messages (samplingProblem in ternc's ir/sampling.ts). */
  char bad[160] = "";
  if (!(isfinite(o->temperature) && o->temperature >= 0)) snprintf(bad, sizeof bad, "temperature %g: expected a number >= 0", o->temperature);
  else if (o->top_k < 0 || o->top_k > TC_SAMPLING_COUNT_MAX) snprintf(bad, sizeof bad, "top-k %d: expected a whole number from 0 to %d", (int)o->top_k, TC_SAMPLING_COUNT_MAX);
  else if (!(o->top_p > 0 && o->top_p <= 1)) snprintf(bad, sizeof bad, "top-p %g: expected a number in (0, 1]", o->top_p);
  else if (!(o->min_p >= 0 && o->min_p <= 1)) snprintf(bad, sizeof bad, "min-p %g: expected a number in [0, 1]", o->min_p);
  else if (!(isfinite(o->repeat_penalty) && o->repeat_penalty > 0)) snprintf(bad, sizeof bad, "repeat-penalty %g: expected a number > 0", o->repeat_penalty);
  else if (o->repeat_last_n < 0 || o->repeat_last_n > TC_SAMPLING_COUNT_MAX) snprintf(bad, sizeof bad, "repeat-last-n %d: expected a whole number from 0 to %d", (int)o->repeat_last_n, TC_SAMPLING_COUNT_MAX);
  else if (vocab < 1) snprintf(bad, sizeof bad, "the vocabulary is empty");
  if (bad[0]) {
    if (err && err_size) snprintf(err, err_size, "%s", bad);
    return TERNC_ERR_INPUT;
  }
  ternc_sampler *s = (ternc_sampler *)calloc(1, sizeof *s);
  if (s) {
    s->l = (double *)malloc((size_t)vocab * sizeof(double));
    s->w = (double *)malloc((size_t)vocab * sizeof(double));
    s->cand = (tc_candidate *)malloc((size_t)vocab * sizeof(tc_candidate));
    s->seen = (unsigned char *)calloc((size_t)vocab, 1);
    s->recent = (int32_t *)malloc((size_t)(o->repeat_last_n ? o->repeat_last_n : 1) * sizeof(int32_t));
  }
  if (!s || !s->l || !s->w || !s->cand || !s->seen || !s->recent) {
    ternc_sampler_free(s);
    if (err && err_size) snprintf(err, err_size, "out of memory for a sampler of %d tokens and a window of %d", (int)vocab, (int)o->repeat_last_n);
    return TERNC_ERR_MEMORY;
  }
  s->o = *o;
  s->vocab = vocab;
  s->inv_factorial[0] = 1.0;
  for (int i = 1; i <= TC_SAMPLER_EXP_TERMS; i++) s->inv_factorial[i] = s->inv_factorial[i - 1] / (double)i;
  /* splitmix32 */
  uint32_t z = o->seed;
  for (int i = 0; i < 4; i++) {
    z += 0x9e3779b9u;
    uint32_t t = z;
    t = (t ^ (t >> 16)) * 0x85ebca6bu;
    t = (t ^ (t >> 13)) * 0xc2b2ae35u;
    s->s[i] = t ^ (t >> 16);
  }
  *out = s;
  return TERNC_OK;
}

void ternc_sampler_accept(ternc_sampler *s, int32_t token) {
  const int32_t n = s->o.repeat_last_n;
  if (n == 0) return;
  s->recent[s->next_recent] = token;
  s->next_recent = (s->next_recent + 1) % n;
  if (s->n_recent < n) s->n_recent++;
}

int32_t ternc_sampler_sample(ternc_sampler *s, const float *logits) {
  const int32_t n = s->vocab;
  const ternc_sampling *o = &s->o;
  double *l = s->l;
  for (int32_t i = 0; i < n; i++) l[i] = (double)logits[i];
  if (o->repeat_penalty != 1.0) {
    for (int32_t j = 0; j < s->n_recent; j++) {
      const int32_t t = s->recent[j];
      if (t < 0 || t >= n || s->seen[t]) continue;
      s->seen[t] = 1;
      l[t] = l[t] > 0 ? l[t] / o->repeat_penalty : l[t] * o->repeat_penalty;
    }
    for (int32_t j = 0; j < s->n_recent; j++)
      if (s->recent[j] >= 0 && s->recent[j] < n) s->seen[s->recent[j]] = 0;
  }
  if (!(o->temperature > 0)) {
    int32_t best = 0;
    for (int32_t i = 1; i < n; i++)
      if (l[i] > l[best]) best = i;
    return best;
  }
  for (int32_t i = 0; i < n; i++)
    if (isnan(l[i])) l[i] = -INFINITY;
  tc_candidate *c = s->cand;
  int32_t k = o->top_k > 0 && o->top_k < n ? o->top_k : n;
  if (k == n) {
    for (int32_t i = 0; i < n; i++) c[i] = (tc_candidate){l[i], i};
    qsort(c, (size_t)n, sizeof *c, tc_compare);
  } else {
    /* Insertion into a sorted list of k. */
    int32_t have = 0;
    for (int32_t i = 0; i < n; i++) {
      const tc_candidate x = {l[i], i};
      if (have == k && !tc_before(&x, &c[k - 1])) continue;
      int32_t at = have == k ? k - 1 : have;
      while (at > 0 && tc_before(&x, &c[at - 1])) {
        c[at] = c[at - 1];
        at--;
      }
      c[at] = x;
      if (have < k) have++;
    }
  }
  const double lmax = c[0].l;
  if (!isfinite(lmax)) return c[0].id;
  double *e = s->w;
  for (int32_t i = 0; i < k; i++) e[i] = tc_sampler_exp(s, c[i].l - lmax);
  int32_t keep = k;
  if (o->top_p < 1) {
    double sum = 0;
    for (int32_t i = 0; i < keep; i++) sum += e[i];
    const double target = o->top_p * sum;
    double run = 0;
    for (int32_t i = 0; i < keep; i++) {
      run += e[i];
      if (run >= target) {
        keep = i + 1;
        break;
      }
    }
  }
  if (o->min_p > 0) {
    int32_t i = 1;
    while (i < keep && e[i] >= o->min_p) i++;
    keep = i;
  }
  double total = 0;
  for (int32_t i = 0; i < keep; i++) total += e[i] = tc_sampler_exp(s, (c[i].l - lmax) / o->temperature);
  const double target = tc_uniform(s) * total;
  double run = 0;
  for (int32_t i = 0; i < keep; i++) {
    run += e[i];
    if (run > target) return c[i].id;
  }
  return c[keep - 1].id;
}

void ternc_sampler_free(ternc_sampler *s) {
  if (!s) return;
  free(s->l);
  free(s->w);
  free(s->cand);
  free(s->seen);
  free(s->recent);
  free(s);
}
