/* ternc C runtime: the kernels a compiled model calls and the thread pool that runs them.
 *
 * Every kernel computes exactly what the ternc interpreter computes for its op (see `ternc ops`):
 * integer parts are exact; float parts keep the interpreter's operation order, so SIMD code only
 * vectorizes across independent outputs (never reassociates a sum) and the build disables FMA
 * contraction. Transcendentals go through double precision and round to float, as the interpreter does.
 *
 * The ISA is chosen at compile time: AVX2 (x86-64; plus AVX-512 VNNI dot products when the build targets them),
 * NEON (AArch64, with the dot-product extension when __ARM_FEATURE_DOTPROD is set), or portable C with
 * -DTERNC_PORTABLE (or on any other target).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if !defined(TERNC_PORTABLE) && defined(__AVX2__) && defined(__F16C__)
#define TC_AVX2 1
#include <immintrin.h>
#elif !defined(TERNC_PORTABLE) && defined(__aarch64__) && defined(__ARM_NEON)
#define TC_NEON 1
#include <arm_neon.h>
#endif

#if defined(TC_AVX2) && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__)
#define TC_AVX512 1 /* AVX2 kernels plus 512-bit VNNI dot products for the i2 form */
#endif

#if defined(TC_AVX512)
#define TC_ISA "avx512-vnni"
#elif defined(TC_AVX2)
#define TC_ISA "avx2"
#elif defined(TC_NEON) && defined(__ARM_FEATURE_DOTPROD)
#define TC_ISA "neon-dotprod"
#elif defined(TC_NEON)
#define TC_ISA "neon"
#else
#define TC_ISA "portable"
#endif

#define TC_UNUSED(x) (void)(x)
/* Every model.c carries the whole runtime; a model uses the kernels its ops need. */
#define TC_MAYBE_UNUSED __attribute__((unused))
/* For kernels called with constant shape arguments, so each call site is specialized. */
#define TC_INLINE static inline __attribute__((always_inline)) TC_MAYBE_UNUSED

static TC_MAYBE_UNUSED void *tc_alloc(size_t bytes) {
  void *p = NULL;
  if (bytes == 0) bytes = TC_ALIGN;
  if (posix_memalign(&p, TC_ALIGN, (bytes + TC_ALIGN - 1) / TC_ALIGN * TC_ALIGN) != 0) return NULL;
  memset(p, 0, bytes);
  return p;
}

/* ---------------------------------------------------------------- thread pool ---------------------- */

/* A task gets [begin, end) of the work items. Workers spin briefly between ops (a decode step runs a few
 * hundred parallel ops, too many to pay a futex wake each), then sleep on a condition variable. */
typedef void (*tc_task_fn)(void *ctx, int64_t begin, int64_t end, int thread);

typedef struct tc_pool {
  int n;              /* threads including the caller */
  pthread_t *threads;
  atomic_int gen;     /* bumped once per parallel op */
  atomic_int done;    /* workers finished with the current op */
  atomic_int sleepers;
  atomic_int stop;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  tc_task_fn fn;
  void *ctx;
  int64_t total, grain;
} tc_pool;

typedef struct {
  tc_pool *pool;
  int index;
} tc_worker_arg;

static inline TC_MAYBE_UNUSED void tc_cpu_relax(void) {
#if defined(TC_AVX2) || defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static TC_MAYBE_UNUSED void tc_share(int64_t total, int64_t grain, int parts, int index, int64_t *begin, int64_t *end) {
  int64_t units = (total + grain - 1) / grain;
  int64_t b = units * index / parts, e = units * (index + 1) / parts;
  *begin = b * grain < total ? b * grain : total;
  *end = e * grain < total ? e * grain : total;
}

static TC_MAYBE_UNUSED void *tc_worker(void *argp) {
  tc_worker_arg *arg = (tc_worker_arg *)argp;
  tc_pool *p = arg->pool;
  int seen = 0;
  for (;;) {
    int spins = 0;
    while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop)) {
      if (++spins < (1 << 14)) {
        tc_cpu_relax();
        continue;
      }
      pthread_mutex_lock(&p->mu);
      atomic_fetch_add(&p->sleepers, 1);
      while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->cv, &p->mu);
      atomic_fetch_sub(&p->sleepers, 1);
      pthread_mutex_unlock(&p->mu);
    }
    if (atomic_load(&p->stop)) break;
    seen = atomic_load(&p->gen);
    int64_t b, e;
    tc_share(p->total, p->grain, p->n, arg->index, &b, &e);
    if (b < e) p->fn(p->ctx, b, e, arg->index);
    atomic_fetch_add(&p->done, 1);
  }
  free(arg);
  return NULL;
}

static TC_MAYBE_UNUSED tc_pool *tc_pool_create(int n) {
  tc_pool *p = (tc_pool *)calloc(1, sizeof(tc_pool));
  if (!p) return NULL;
  p->n = n < 1 ? 1 : n;
  atomic_init(&p->gen, 0);
  atomic_init(&p->done, 0);
  atomic_init(&p->sleepers, 0);
  atomic_init(&p->stop, 0);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  p->threads = (pthread_t *)calloc((size_t)p->n, sizeof(pthread_t));
  if (!p->threads) {
    free(p);
    return NULL;
  }
  for (int i = 1; i < p->n; i++) {
    tc_worker_arg *a = (tc_worker_arg *)malloc(sizeof(tc_worker_arg));
    if (a) {
      a->pool = p;
      a->index = i;
    }
    if (!a || pthread_create(&p->threads[i], NULL, tc_worker, a) != 0) {
      free(a);
      p->n = i; /* run with the threads we got */
      break;
    }
  }
  return p;
}

static TC_MAYBE_UNUSED void tc_pool_free(tc_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  atomic_store(&p->stop, 1);
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 1; i < p->n; i++) pthread_join(p->threads[i], NULL);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p->threads);
  free(p);
}

/* Runs fn over [0, total) split into grain-aligned shares, one per thread; returns when all are done. */
static TC_MAYBE_UNUSED void tc_parallel(tc_pool *p, int64_t total, int64_t grain, tc_task_fn fn, void *ctx) {
  if (total <= 0) return;
  if (grain < 1) grain = 1;
  if (!p || p->n == 1 || total <= grain) {
    fn(ctx, 0, total, 0);
    return;
  }
  p->fn = fn;
  p->ctx = ctx;
  p->total = total;
  p->grain = grain;
  atomic_store(&p->done, 0);
  atomic_fetch_add(&p->gen, 1);
  if (atomic_load(&p->sleepers) > 0) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  int64_t b, e;
  tc_share(total, grain, p->n, 0, &b, &e);
  if (b < e) fn(ctx, b, e, 0);
  while (atomic_load(&p->done) < p->n - 1) tc_cpu_relax();
}

/* ---------------------------------------------------------------- numbers -------------------------- */

static inline TC_MAYBE_UNUSED float tc_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0) {
    if (man == 0) bits = sign;
    else { /* subnormal: normalize */
      int e = -1;
      do {
        e++;
        man <<= 1;
      } while (!(man & 0x400));
      bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
    }
  } else if (exp == 31) bits = sign | 0x7f800000u | (man << 13);
  else bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static inline TC_MAYBE_UNUSED float tc_bf16_to_f32(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

/* round half to even: rintf in the default rounding mode */
static inline TC_MAYBE_UNUSED int32_t tc_clamp_round(float v, int32_t lo, int32_t hi) {
  float r = rintf(v);
  if (r < (float)lo) return lo;
  if (r > (float)hi) return hi;
  return (int32_t)r;
}

static inline TC_MAYBE_UNUSED float tc_silu(float x) { return x / (1.0f + (float)exp(-(double)x)); }
static inline TC_MAYBE_UNUSED float tc_relu2(float x) {
  float r = x > 0.0f ? x : 0.0f;
  return r * r;
}

/* ---------------------------------------------------------------- float ops ------------------------ */

enum { TC_F32 = 0, TC_F16 = 1, TC_BF16 = 2, TC_Q8R = 3 };

/* A float matrix [rows, cols] stored either row by row or, for the matmul kernels, as blocks of 8 rows
 * interleaved by column (element (r, c) at (r/8)*8*cols + c*8 + r%8) so 8 outputs load as one vector.
 * TC_Q8R holds block-quantized weights (Q8_0, Q6_K) exactly as int8 codes and f32 multipliers, value =
 * f32(m * q), for blocks of 16 rows: each is a run of records, one per `group` columns: 16 multipliers (one per
 * row), then group x 16 codes (column by column), so an 8-row block is half of each record and two neighbouring
 * blocks load as one. Always interleaved. */
typedef struct {
  const void *data;
  int type;        /* TC_F32, TC_F16, TC_BF16, TC_Q8R */
  int interleaved; /* 8-row blocks */
  int64_t rows, cols;
  int64_t group;   /* TC_Q8R: columns per record (32 for Q8_0, 16 for Q6_K) */
} tc_fmat;

/* TC_Q8R: the record of columns [j*group, (j+1)*group) of 16-row block rb16. */
static inline TC_MAYBE_UNUSED const uint8_t *tc_q8r_record(const tc_fmat *m, int64_t rb16, int64_t j) {
  const int64_t rec = 64 + 16 * m->group;
  return (const uint8_t *)m->data + (rb16 * (m->cols / m->group) + j) * rec;
}

/* The 8 multipliers of 8-row block blk in column group j, and its 8 codes of column c of that group. */
static inline TC_MAYBE_UNUSED const float *tc_q8r_mults(const tc_fmat *m, int64_t blk, int64_t j) {
  return (const float *)(tc_q8r_record(m, blk / 2, j) + 32 * (blk & 1));
}
static inline TC_MAYBE_UNUSED const int8_t *tc_q8r_codes(const tc_fmat *m, int64_t blk, int64_t j, int64_t c) {
  return (const int8_t *)(tc_q8r_record(m, blk / 2, j) + 64 + 16 * c + 8 * (blk & 1));
}

static inline TC_MAYBE_UNUSED float tc_fmat_get(const tc_fmat *m, int64_t r, int64_t c) {
  if (m->type == TC_Q8R) {
    const uint8_t *rec = tc_q8r_record(m, r / 16, c / m->group);
    float mult;
    memcpy(&mult, rec + 4 * (r % 16), sizeof mult);
    return mult * (float)(int8_t)rec[64 + (c % m->group) * 16 + r % 16];
  }
  int64_t i = m->interleaved ? (r / 8) * 8 * m->cols + c * 8 + r % 8 : r * m->cols + c;
  switch (m->type) {
  case TC_F16: return tc_f16_to_f32(((const uint16_t *)m->data)[i]);
  case TC_BF16: return tc_bf16_to_f32(((const uint16_t *)m->data)[i]);
  default: return ((const float *)m->data)[i];
  }
}

/* y[t, :] = table[ids[t], :]; returns the index of the first bad id plus one, or 0. */
static TC_MAYBE_UNUSED int64_t tc_embedding(const tc_fmat *table, const int32_t *ids, int64_t T, float *y) {
  for (int64_t t = 0; t < T; t++) {
    if (ids[t] < 0 || ids[t] >= table->rows) return t + 1;
    for (int64_t c = 0; c < table->cols; c++) y[t * table->cols + c] = tc_fmat_get(table, ids[t], c);
  }
  return 0;
}

static TC_MAYBE_UNUSED void tc_rmsnorm(const float *x, const float *g, int64_t T, int64_t d, float eps, float *y) {
  for (int64_t t = 0; t < T; t++) {
    const float *xr = x + t * d;
    float sum = 0.0f;
    for (int64_t i = 0; i < d; i++) sum = sum + xr[i] * xr[i];
    float mean = sum / (float)d;
    float r = 1.0f / (float)sqrt((double)(mean + eps));
    for (int64_t i = 0; i < d; i++) y[t * d + i] = (xr[i] * r) * g[i];
  }
}

static TC_MAYBE_UNUSED void tc_softmax_row(float *v, int64_t n) {
  float m = -INFINITY;
  for (int64_t i = 0; i < n; i++) m = v[i] > m ? v[i] : m;
  float sum = 0.0f;
  for (int64_t i = 0; i < n; i++) {
    v[i] = (float)exp((double)(v[i] - m));
    sum = sum + v[i];
  }
  for (int64_t i = 0; i < n; i++) v[i] = v[i] / sum;
}

/* Per-token absmax quantization (act_quant). */
static TC_MAYBE_UNUSED void tc_act_quant(const float *x, int64_t T, int64_t k, int8_t *xq, float *scale) {
  for (int64_t t = 0; t < T; t++) {
    const float *xr = x + t * k;
    float m = 0.0f;
    for (int64_t i = 0; i < k; i++) {
      float a = fabsf(xr[i]);
      m = a > m ? a : m;
    }
    if (m < 1e-5f) m = 1e-5f;
    float q = 127.0f / m;
    for (int64_t i = 0; i < k; i++) xq[t * k + i] = (int8_t)tc_clamp_round(xr[i] * q, -128, 127);
    scale[t] = m / 127.0f;
  }
}

/* Rotary embedding; inv[i] = f32(base^(-2i/rot)) is precomputed per op. */
static TC_MAYBE_UNUSED void tc_rope(const float *x, const int32_t *pos, int64_t T, int64_t width, int64_t hd, int64_t rot, int neox, const float *inv, float *y) {
  int64_t half = rot / 2;
  if (y != x) memcpy(y, x, (size_t)(T * width) * sizeof(float));
  for (int64_t t = 0; t < T; t++) {
    for (int64_t i = 0; i < half; i++) {
      float a = (float)pos[t] * inv[i];
      float c = (float)cos((double)a), s = (float)sin((double)a);
      for (int64_t h = 0; h * hd < width; h++) {
        int64_t b = t * width + h * hd;
        int64_t i0 = b + (neox ? i : 2 * i), i1 = b + (neox ? i + half : 2 * i + 1);
        float x0 = x[i0], x1 = x[i1];
        y[i0] = x0 * c - x1 * s;
        y[i1] = x0 * s + x1 * c;
      }
    }
  }
}

/* ---- matmul with a float weight (e.g. the LM head), w interleaved by 8 rows: y[t, o] = sum_i x[t, i] w[o, i]
 * in index order per output, so the 8 lanes of a vector are 8 independent sums. One sum is a chain of
 * dependent adds, so a tile keeps NB row blocks x NT tokens (up to 8 chains) in flight to hide the add
 * latency; the order within each sum is unchanged. */
typedef struct {
  const float *x;
  const tc_fmat *w;
  float *y;
  int64_t T, ystride;
} tc_matmul_ctx;

enum { TC_MM_CHAINS = 8 };

/* Called with constant nb, nt and type so each call site becomes one unrolled, register-resident kernel. */
TC_INLINE void tc_matmul_tile(const tc_matmul_ctx *c, int64_t blk, int nb, int64_t t0, int nt, int type) {
  const int64_t K = c->w->cols, N = c->w->rows, G = type == TC_Q8R ? c->w->group : K;
  const float *x = c->x + t0 * K;
  float acc[TC_MM_CHAINS][8];
#if defined(TC_AVX2)
  __m256 a[TC_MM_CHAINS], mult[TC_MM_CHAINS];
  for (int j = 0; j < nb * nt; j++) a[j] = _mm256_setzero_ps();
  for (int64_t j0 = 0; j0 < K; j0 += G) {
    if (type == TC_Q8R)
      for (int b = 0; b < nb; b++) mult[b] = _mm256_loadu_ps(tc_q8r_mults(c->w, blk + b, j0 / G));
    for (int64_t i = j0; i < j0 + G; i++) {
      __m256 w[TC_MM_CHAINS];
      for (int b = 0; b < nb; b++) {
        int64_t at = ((blk + b) * K + i) * 8;
        if (type == TC_F16) w[b] = _mm256_cvtph_ps(_mm_load_si128((const __m128i *)((const uint16_t *)c->w->data + at)));
        else if (type == TC_BF16) w[b] = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_load_si128((const __m128i *)((const uint16_t *)c->w->data + at))), 16));
        else if (type == TC_Q8R) {
          const int8_t *codes = tc_q8r_codes(c->w, blk + b, j0 / G, i - j0);
          w[b] = _mm256_mul_ps(mult[b], _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)codes))));
        } else w[b] = _mm256_load_ps((const float *)c->w->data + at);
      }
      for (int t = 0; t < nt; t++) {
        __m256 xv = _mm256_set1_ps(x[t * K + i]);
        for (int b = 0; b < nb; b++) a[b * nt + t] = _mm256_add_ps(a[b * nt + t], _mm256_mul_ps(xv, w[b]));
      }
    }
  }
  for (int j = 0; j < nb * nt; j++) _mm256_storeu_ps(acc[j], a[j]);
#elif defined(TC_NEON)
  float32x4_t a[TC_MM_CHAINS][2], mult[TC_MM_CHAINS][2];
  for (int j = 0; j < nb * nt; j++) a[j][0] = a[j][1] = vdupq_n_f32(0.0f);
  for (int64_t j0 = 0; j0 < K; j0 += G) {
    if (type == TC_Q8R)
      for (int b = 0; b < nb; b++) {
        const float *m = tc_q8r_mults(c->w, blk + b, j0 / G);
        mult[b][0] = vld1q_f32(m);
        mult[b][1] = vld1q_f32(m + 4);
      }
    for (int64_t i = j0; i < j0 + G; i++) {
      float32x4_t w[TC_MM_CHAINS][2];
      for (int b = 0; b < nb; b++) {
        int64_t at = ((blk + b) * K + i) * 8;
        if (type == TC_F16) {
          float16x8_t h = vreinterpretq_f16_u16(vld1q_u16((const uint16_t *)c->w->data + at));
          w[b][0] = vcvt_f32_f16(vget_low_f16(h));
          w[b][1] = vcvt_f32_f16(vget_high_f16(h));
        } else if (type == TC_BF16) {
          uint16x8_t h = vld1q_u16((const uint16_t *)c->w->data + at);
          w[b][0] = vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(h), 16));
          w[b][1] = vreinterpretq_f32_u32(vshll_n_u16(vget_high_u16(h), 16));
        } else if (type == TC_Q8R) {
          int16x8_t q = vmovl_s8(vld1_s8(tc_q8r_codes(c->w, blk + b, j0 / G, i - j0)));
          w[b][0] = vmulq_f32(mult[b][0], vcvtq_f32_s32(vmovl_s16(vget_low_s16(q))));
          w[b][1] = vmulq_f32(mult[b][1], vcvtq_f32_s32(vmovl_s16(vget_high_s16(q))));
        } else {
          w[b][0] = vld1q_f32((const float *)c->w->data + at);
          w[b][1] = vld1q_f32((const float *)c->w->data + at + 4);
        }
      }
      for (int t = 0; t < nt; t++) {
        float32x4_t xv = vdupq_n_f32(x[t * K + i]);
        for (int b = 0; b < nb; b++) {
          a[b * nt + t][0] = vaddq_f32(a[b * nt + t][0], vmulq_f32(xv, w[b][0]));
          a[b * nt + t][1] = vaddq_f32(a[b * nt + t][1], vmulq_f32(xv, w[b][1]));
        }
      }
    }
  }
  for (int j = 0; j < nb * nt; j++) {
    vst1q_f32(acc[j], a[j][0]);
    vst1q_f32(acc[j] + 4, a[j][1]);
  }
#else
  TC_UNUSED(type), TC_UNUSED(G);
  for (int j = 0; j < nb * nt; j++)
    for (int r = 0; r < 8; r++) acc[j][r] = 0.0f;
  for (int64_t i = 0; i < K; i++)
    for (int b = 0; b < nb; b++) {
      float w[8];
      for (int r = 0; r < 8; r++) w[r] = tc_fmat_get(c->w, (blk + b) * 8 + r, i);
      for (int t = 0; t < nt; t++)
        for (int r = 0; r < 8; r++) acc[b * nt + t][r] = acc[b * nt + t][r] + x[t * K + i] * w[r];
    }
#endif
  for (int b = 0; b < nb; b++)
    for (int t = 0; t < nt; t++)
      for (int64_t r = 0; r < 8 && (blk + b) * 8 + r < N; r++) c->y[(t0 + t) * c->ystride + (blk + b) * 8 + r] = acc[b * nt + t][r];
}

#if defined(TC_AVX512)
/* AVX-512: two 8-row blocks side by side in one 16-lane vector; the lanes are still independent outputs, each
 * summed in index order. Returns column i of blocks blk and blk + 1 (mult: their Q8R multipliers). */
TC_INLINE __m512 tc_matmul_w16(const tc_matmul_ctx *c, int64_t blk, int64_t i, int64_t j0, int type, __m512 mult) {
  const int64_t K = c->w->cols, a0 = (blk * K + i) * 8, a1 = ((blk + 1) * K + i) * 8;
  if (type == TC_F16 || type == TC_BF16) {
    const uint16_t *d = (const uint16_t *)c->w->data;
    __m256i h = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_load_si128((const __m128i *)(d + a0))), _mm_load_si128((const __m128i *)(d + a1)), 1);
    return type == TC_F16 ? _mm512_cvtph_ps(h) : _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  if (type == TC_Q8R) /* blk is even: both blocks' codes of column i are 16 bytes of one record */
    return _mm512_mul_ps(mult, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)tc_q8r_codes(c->w, blk, j0 / c->w->group, i - j0)))));
  const float *f = (const float *)c->w->data;
  return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(_mm256_load_ps(f + a0))), _mm256_castps_pd(_mm256_load_ps(f + a1)), 1));
}

/* np pairs of 8-row blocks from blk (even), for nt tokens from t0 (np * nt <= 8 sums in flight). */
TC_INLINE void tc_matmul_pairs512(const tc_matmul_ctx *c, int64_t blk, int np, int64_t t0, int nt, int type) {
  const int64_t K = c->w->cols, N = c->w->rows, G = type == TC_Q8R ? c->w->group : K;
  const float *x = c->x + t0 * K;
  __m512 a[TC_MM_CHAINS], mult[TC_MM_CHAINS];
  for (int j = 0; j < np * nt; j++) a[j] = _mm512_setzero_ps();
  for (int p = 0; p < np; p++) mult[p] = _mm512_setzero_ps();
  for (int64_t j0 = 0; j0 < K; j0 += G) {
    if (type == TC_Q8R)
      for (int p = 0; p < np; p++) mult[p] = _mm512_loadu_ps(tc_q8r_mults(c->w, blk + 2 * p, j0 / G));
    for (int64_t i = j0; i < j0 + G; i++) {
      __m512 w[TC_MM_CHAINS];
      for (int p = 0; p < np; p++) w[p] = tc_matmul_w16(c, blk + 2 * p, i, j0, type, mult[p]);
      for (int t = 0; t < nt; t++) {
        __m512 xv = _mm512_set1_ps(x[t * K + i]);
        for (int p = 0; p < np; p++) a[p * nt + t] = _mm512_add_ps(a[p * nt + t], _mm512_mul_ps(xv, w[p]));
      }
    }
  }
  float acc[16];
  for (int p = 0; p < np; p++)
    for (int t = 0; t < nt; t++) {
      _mm512_storeu_ps(acc, a[p * nt + t]);
      for (int64_t r = 0; r < 16 && (blk + 2 * p) * 8 + r < N; r++) c->y[(t0 + t) * c->ystride + (blk + 2 * p) * 8 + r] = acc[r];
    }
}
#endif

/* Row blocks [b, e) for nt tokens from t0 (nt is 4 or 1): tiles of 2 blocks x 4 tokens or 8 blocks x 1 token
 * (with AVX-512: 2 or 4 pairs of blocks), then single blocks. */
TC_INLINE void tc_matmul_span(const tc_matmul_ctx *c, int64_t b, int64_t e, int64_t t0, int nt, int type) {
  const int nb = nt == 4 ? 2 : 8;
  int64_t blk = b;
#if defined(TC_AVX512)
  const int np = nt == 4 ? 2 : 4; /* 8 sums in flight */
  if (blk & 1) tc_matmul_tile(c, blk++, 1, t0, nt, type);
  for (; blk + 2 * np <= e; blk += 2 * np) tc_matmul_pairs512(c, blk, np, t0, nt, type);
#endif
  for (; blk + nb <= e; blk += nb) tc_matmul_tile(c, blk, nb, t0, nt, type);
  for (; blk < e; blk++) tc_matmul_tile(c, blk, 1, t0, nt, type);
}

/* Row blocks [b, e) for every token, 4 tokens at a time while 4 remain. */
TC_INLINE void tc_matmul_blocks(const tc_matmul_ctx *c, int64_t b, int64_t e, int type) {
  int64_t t0 = 0;
  for (; t0 + 4 <= c->T; t0 += 4) tc_matmul_span(c, b, e, t0, 4, type);
  for (; t0 < c->T; t0++) tc_matmul_span(c, b, e, t0, 1, type);
}

static TC_MAYBE_UNUSED void tc_matmul_task(void *ctxp, int64_t b, int64_t e, int thread) {
  const tc_matmul_ctx *c = (const tc_matmul_ctx *)ctxp;
  TC_UNUSED(thread);
  switch (c->w->type) {
  case TC_F16: tc_matmul_blocks(c, b, e, TC_F16); break;
  case TC_Q8R: tc_matmul_blocks(c, b, e, TC_Q8R); break;
  case TC_BF16: tc_matmul_blocks(c, b, e, TC_BF16); break;
  default: tc_matmul_blocks(c, b, e, TC_F32); break;
  }
}

static TC_MAYBE_UNUSED void tc_matmul(tc_pool *pool, const float *x, int64_t T, const tc_fmat *w, float *y) {
  tc_matmul_ctx c = {x, w, y, T, w->rows};
  tc_parallel(pool, (w->rows + 7) / 8, 16, tc_matmul_task, &c);
}

/* ---- attention: the K cache is stored transposed per kv head ([kv_heads*head_dim][cap]) so the scores of
 * consecutive keys are independent lanes; V rows are [cap][kv_heads*head_dim]. */
typedef struct {
  const float *q, *kt, *v;
  float *y, *scratch; /* scratch: threads * cap floats */
  int64_t T, S, cap, heads, kv_heads, hd;
  float scale;
} tc_attn_ctx;

static TC_MAYBE_UNUSED void tc_attention_task(void *ctxp, int64_t b, int64_t e, int thread) {
  const tc_attn_ctx *c = (const tc_attn_ctx *)ctxp;
  const int64_t qw = c->heads * c->hd, kw = c->kv_heads * c->hd, group = c->heads / c->kv_heads;
  float *p = c->scratch + (int64_t)thread * c->cap;
  for (int64_t item = b; item < e; item++) {
    int64_t r = item / c->heads, h = item % c->heads, kvh = h / group;
    int64_t visible = c->S - c->T + r + 1;
    const float *qr = c->q + r * qw + h * c->hd;
    for (int64_t j = 0; j < visible; j++) p[j] = 0.0f;
    for (int64_t d = 0; d < c->hd; d++) {
      const float *kr = c->kt + (kvh * c->hd + d) * c->cap;
      float qd = qr[d];
      for (int64_t j = 0; j < visible; j++) p[j] = p[j] + qd * kr[j];
    }
    for (int64_t j = 0; j < visible; j++) p[j] = p[j] * c->scale;
    tc_softmax_row(p, visible);
    float *out = c->y + r * qw + h * c->hd;
    for (int64_t d = 0; d < c->hd; d++) out[d] = 0.0f;
    for (int64_t j = 0; j < visible; j++) {
      const float *vr = c->v + j * kw + kvh * c->hd;
      float pj = p[j];
      for (int64_t d = 0; d < c->hd; d++) out[d] = out[d] + pj * vr[d];
    }
  }
}

/* ---------------------------------------------------------------- ternary products ----------------- */

/* Weight layouts (rows padded to whole blocks, padding weights 0, activations padded with zeros):
 *  i2:  blocks of 128 weights in 32 bytes; byte j holds the codes (w + 1) of weights j, j+32, j+64, j+96
 *       in bits 0-1, 2-3, 4-5, 6-7.
 *  tq1: blocks of 160 weights in 32 bytes; byte j holds weights j, j+32, ..., j+128 as base-3 digits
 *       (codes w + 1, the first most significant), stored as ceil(v * 256 / 243) so digit n is
 *       ((uint8)(q * 3^n) * 3) >> 8 (TQ1_0's trick: multiplies and shifts instead of divisions).
 * A product is sum(code * x) - sum(x), exact in int32. */
enum { TC_I2 = 0, TC_TQ1 = 1 };

static inline TC_MAYBE_UNUSED int tc_block_of(int format) { return format == TC_I2 ? TC_I2_BLOCK : TC_TQ1_BLOCK; }

static inline TC_MAYBE_UNUSED int tc_code_at(const uint8_t *row, int format, int64_t i) {
  if (format == TC_I2) {
    const uint8_t *blk = row + (i / 128) * 32;
    int64_t j = i % 128;
    return (blk[j % 32] >> (2 * (j / 32))) & 3;
  }
  static const uint8_t pow3[5] = {1, 3, 9, 27, 81};
  const uint8_t *blk = row + (i / 160) * 32;
  int64_t j = i % 160;
  uint8_t m = (uint8_t)(blk[j % 32] * pow3[j / 32]);
  return ((uint16_t)m * 3) >> 8;
}

#if defined(TC_AVX2)
static inline TC_MAYBE_UNUSED int32_t tc_hsum_epi32(__m256i v) {
  __m128i r = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  r = _mm_hadd_epi32(r, r);
  r = _mm_hadd_epi32(r, r);
  return _mm_cvtsi128_si32(r);
}
#endif

/* sum(code * x) over blocks [b0, b1) of one row (x already offset to the row's start). On x86 only the tq1
 * form comes here: i2 has the tiled kernel below. */
static TC_MAYBE_UNUSED int32_t tc_dot_codes(const uint8_t *row, int format, const int8_t *x, int64_t b0, int64_t b1) {
#if defined(TC_AVX2)
  TC_UNUSED(format);
  __m256i acc = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1), hi = _mm256_set1_epi16((short)0xff00), three = _mm256_set1_epi16(3);
  for (int64_t b = b0; b < b1; b++) {
    __m256i q = _mm256_load_si256((const __m256i *)(row + b * 32));
    __m256i qodd = _mm256_and_si256(q, hi);
    const int8_t *xb = x + b * 160;
    __m256i s = _mm256_setzero_si256();
    static const short p3[5] = {1, 3, 9, 27, 81};
    for (int n = 0; n < 5; n++) {
      __m256i p = _mm256_set1_epi16(p3[n]);
      __m256i me = _mm256_slli_epi16(_mm256_mullo_epi16(q, p), 8);
      __m256i mo = _mm256_mullo_epi16(qodd, p);
      __m256i d = _mm256_or_si256(_mm256_mulhi_epu16(me, three), _mm256_slli_epi16(_mm256_mulhi_epu16(mo, three), 8));
      s = _mm256_add_epi16(s, _mm256_maddubs_epi16(d, _mm256_loadu_si256((const __m256i *)(xb + 32 * n))));
    }
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(s, ones));
  }
  return tc_hsum_epi32(acc);
#elif defined(TC_NEON)
  int32x4_t acc = vdupq_n_s32(0);
  const uint8x16_t m3 = vdupq_n_u8(3);
  for (int64_t b = b0; b < b1; b++) {
    const uint8_t *wb = row + b * 32;
    uint8x16_t v[2] = {vld1q_u8(wb), vld1q_u8(wb + 16)};
    int planes = format == TC_I2 ? 4 : 5;
    const int8_t *xb = x + b * (format == TC_I2 ? 128 : 160);
    for (int n = 0; n < planes; n++) {
      for (int h = 0; h < 2; h++) {
        uint8x16_t d;
        if (format == TC_I2) d = vandq_u8(vshlq_u8(v[h], vdupq_n_s8((int8_t)(-2 * n))), m3);
        else {
          static const uint8_t p3[5] = {1, 3, 9, 27, 81};
          uint8x16_t m = vmulq_u8(v[h], vdupq_n_u8(p3[n]));
          /* (m * 3) >> 8 via a widening multiply */
          uint16x8_t lo = vmull_u8(vget_low_u8(m), vdup_n_u8(3)), hi = vmull_u8(vget_high_u8(m), vdup_n_u8(3));
          d = vcombine_u8(vshrn_n_u16(lo, 8), vshrn_n_u16(hi, 8));
        }
        int8x16_t xv = vld1q_s8(xb + 32 * n + 16 * h);
#if defined(__ARM_FEATURE_DOTPROD)
        acc = vdotq_s32(acc, vreinterpretq_s8_u8(d), xv);
#else
        int16x8_t p = vmull_s8(vget_low_s8(vreinterpretq_s8_u8(d)), vget_low_s8(xv));
        p = vmlal_s8(p, vget_high_s8(vreinterpretq_s8_u8(d)), vget_high_s8(xv));
        acc = vpadalq_s16(acc, p);
#endif
      }
    }
  }
  return vaddvq_s32(acc);
#else
  int32_t s = 0;
  const int64_t bs = tc_block_of(format);
  for (int64_t i = b0 * bs; i < b1 * bs; i++) s += tc_code_at(row, format, i) * x[i];
  return s;
#endif
}

typedef struct {
  const uint8_t *w;   /* packed rows */
  const int8_t *x;    /* activations, rows of kpad (zero padded) */
  const int32_t *xsum; /* per token and group: sum of x */
  int32_t *acc;
  int64_t T, n, k, kpad, row_bytes, groups, group_blocks, gsize;
  int format;
} tc_packed_ctx;

#if defined(TC_AVX2)
/* ---- i2 on x86, tiled: R rows x NT tokens per pass over a group's blocks, so one activation load serves R rows
 * and one unpacked weight plane serves NT tokens. AVX-512 VNNI reads two blocks per 64-byte vector (the
 * activations are staged to match, see tc_stage_i2_pairs) and accumulates code * x straight into int32 with
 * vpdpbusd; AVX2 uses maddubs (code 0..2 times int8: no int16 saturation) and one madd per block. */
#if defined(TC_AVX512)
typedef __m512i tc_iv;
#define TC_I2_STEP 2 /* blocks per vector */
#define tc_iv_zero() _mm512_setzero_si512()
#define tc_iv_plane(v, n) _mm512_and_si512(_mm512_srli_epi16((v), 2 * (n)), _mm512_set1_epi8(3))
static inline tc_iv tc_iv_dot4(tc_iv acc, const tc_iv p[4], const tc_iv *x) {
  acc = _mm512_dpbusd_epi32(acc, p[0], x[0]);
  acc = _mm512_dpbusd_epi32(acc, p[1], x[1]);
  acc = _mm512_dpbusd_epi32(acc, p[2], x[2]);
  return _mm512_dpbusd_epi32(acc, p[3], x[3]);
}
#define tc_iv_hsum(v) _mm512_reduce_add_epi32(v)
#else
typedef __m256i tc_iv;
#define TC_I2_STEP 1
#define tc_iv_zero() _mm256_setzero_si256()
#define tc_iv_plane(v, n) _mm256_and_si256(_mm256_srli_epi16((v), 2 * (n)), _mm256_set1_epi8(3))
static inline tc_iv tc_iv_dot4(tc_iv acc, const tc_iv p[4], const tc_iv *x) {
  __m256i s = _mm256_add_epi16(_mm256_maddubs_epi16(p[0], x[0]), _mm256_maddubs_epi16(p[1], x[1]));
  s = _mm256_add_epi16(s, _mm256_add_epi16(_mm256_maddubs_epi16(p[2], x[2]), _mm256_maddubs_epi16(p[3], x[3])));
  return _mm256_add_epi32(acc, _mm256_madd_epi16(s, _mm256_set1_epi16(1)));
}
#define tc_iv_hsum(v) tc_hsum_epi32(v)
#endif

/* Loads TC_I2_STEP blocks of weights (or activation planes); `half` loads one 32-byte block, zero-extended. */
TC_INLINE tc_iv tc_iv_load(const void *p, int half) {
#if defined(TC_AVX512)
  return half ? _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)p)) : _mm512_loadu_si512(p);
#else
  TC_UNUSED(half);
  return _mm256_loadu_si256((const __m256i *)p);
#endif
}

/* One step (TC_I2_STEP blocks from block b, or the group's odd last block when half) of an R x NT tile. */
TC_INLINE void tc_i2_step(const tc_packed_ctx *c, tc_iv *acc, int64_t o0, int R, int64_t t0, int NT, int64_t b, int half) {
  const int vb = half ? 32 : 32 * TC_I2_STEP; /* bytes of one activation plane in this step */
  tc_iv xv[4][4];
  for (int t = 0; t < NT; t++)
    for (int n = 0; n < 4; n++) xv[t][n] = tc_iv_load(c->x + (t0 + t) * c->kpad + b * 128 + n * vb, half);
  for (int r = 0; r < R; r++) {
    const uint8_t *wr = c->w + (o0 + r) * c->row_bytes + b * 32;
    /* Decode reads R short rows side by side, a pattern the hardware prefetchers follow late: ask for the
     * weights 8 KB ahead (measured best of 2, 4 and 8 KB on the large shape). */
    _mm_prefetch((const char *)(wr + 8192), _MM_HINT_T0);
    tc_iv v = tc_iv_load(wr, half), p[4];
    for (int n = 0; n < 4; n++) p[n] = tc_iv_plane(v, n);
    for (int t = 0; t < NT; t++) acc[r * NT + t] = tc_iv_dot4(acc[r * NT + t], p, xv[t]);
  }
}

TC_INLINE void tc_i2_tile(const tc_packed_ctx *c, int64_t o0, int R, int64_t t0, int NT, int64_t g) {
  const int64_t gb = c->group_blocks, b0 = g * gb, whole = gb / TC_I2_STEP * TC_I2_STEP;
  tc_iv acc[8];
  for (int j = 0; j < R * NT; j++) acc[j] = tc_iv_zero();
  for (int64_t b = b0; b < b0 + whole; b += TC_I2_STEP) tc_i2_step(c, acc, o0, R, t0, NT, b, 0);
  if (whole < gb) tc_i2_step(c, acc, o0, R, t0, NT, b0 + whole, 1);
  for (int r = 0; r < R; r++)
    for (int t = 0; t < NT; t++)
      c->acc[((t0 + t) * c->n + o0 + r) * c->groups + g] = tc_iv_hsum(acc[r * NT + t]) - c->xsum[(t0 + t) * c->groups + g];
}

/* Rows [b, e) in chunks of 32 (their weights stay in cache across the token tiles): tiles of 2 rows x 4 tokens
 * while 4 tokens remain, then 8 rows x 1 token. */
static TC_MAYBE_UNUSED void tc_i2_task(void *ctxp, int64_t b, int64_t e, int thread) {
  const tc_packed_ctx *c = (const tc_packed_ctx *)ctxp;
  TC_UNUSED(thread);
  for (int64_t oc = b; oc < e; oc += 32) {
    const int64_t oe = oc + 32 < e ? oc + 32 : e;
    for (int64_t g = 0; g < c->groups; g++) {
      int64_t t0 = 0, o;
      for (; t0 + 4 <= c->T; t0 += 4) {
        for (o = oc; o + 2 <= oe; o += 2) tc_i2_tile(c, o, 2, t0, 4, g);
        for (; o < oe; o++) tc_i2_tile(c, o, 1, t0, 4, g);
      }
      for (; t0 < c->T; t0++) {
        for (o = oc; o + 8 <= oe; o += 8) tc_i2_tile(c, o, 8, t0, 1, g);
        for (; o < oe; o++) tc_i2_tile(c, o, 1, t0, 1, g);
      }
    }
  }
}

/* AVX-512 reads the four planes of two consecutive blocks of a group as one vector, so within each group the
 * activations of block pairs (2j, 2j+1) are staged plane by plane: [plane 0 of 2j | plane 0 of 2j+1 | plane 1
 * of 2j | ...]. A group's odd last block stays as it is. */
static TC_MAYBE_UNUSED void tc_stage_i2_pairs(int8_t *xrow, int64_t blocks, int64_t gb) {
#if defined(TC_AVX512)
  int8_t tmp[256];
  for (int64_t g0 = 0; g0 < blocks; g0 += gb)
    for (int64_t b = g0; b + 1 < g0 + gb; b += 2) {
      memcpy(tmp, xrow + b * 128, 256);
      for (int h = 0; h < 2; h++)
        for (int n = 0; n < 4; n++) memcpy(xrow + b * 128 + n * 64 + h * 32, tmp + h * 128 + n * 32, 32);
    }
#else
  TC_UNUSED(xrow), TC_UNUSED(blocks), TC_UNUSED(gb);
#endif
}
#endif

static TC_MAYBE_UNUSED void tc_packed_task(void *ctxp, int64_t b, int64_t e, int thread) {
  TC_UNUSED(thread);
  const tc_packed_ctx *c = (const tc_packed_ctx *)ctxp;
  for (int64_t o = b; o < e; o++) {
    const uint8_t *row = c->w + o * c->row_bytes;
    for (int64_t t = 0; t < c->T; t++) {
      const int8_t *x = c->x + t * c->kpad;
      for (int64_t g = 0; g < c->groups; g++) {
        int32_t s = tc_dot_codes(row, c->format, x, g * c->group_blocks, (g + 1) * c->group_blocks);
        c->acc[(t * c->n + o) * c->groups + g] = s - c->xsum[t * c->groups + g];
      }
    }
  }
}

/* Grouped products whose groups do not fall on block boundaries: one weight at a time. */
static TC_MAYBE_UNUSED void tc_packed_unaligned_task(void *ctxp, int64_t b, int64_t e, int thread) {
  const tc_packed_ctx *c = (const tc_packed_ctx *)ctxp;
  const int64_t gsize = c->gsize;
  TC_UNUSED(thread);
  for (int64_t o = b; o < e; o++) {
    const uint8_t *row = c->w + o * c->row_bytes;
    for (int64_t t = 0; t < c->T; t++)
      for (int64_t g = 0; g < c->groups; g++) {
        int32_t s = 0;
        for (int64_t i = g * gsize; i < (g + 1) * gsize; i++) s += (tc_code_at(row, c->format, i) - 1) * c->x[t * c->k + i];
        c->acc[(t * c->n + o) * c->groups + g] = s;
      }
  }
}

/* acc[t, o(, g)] = sum_i w[o, i] * x[t, i]; scratch holds T*kpad bytes + T*groups int32. */
static TC_MAYBE_UNUSED void tc_ternary_packed(tc_pool *pool, const int8_t *x, int64_t T, int64_t k, const uint8_t *w, int64_t n, int format, int64_t group, int32_t *acc, void *scratch) {
  const int64_t bs = tc_block_of(format), blocks = (k + bs - 1) / bs, kpad = blocks * bs;
  const int64_t groups = group > 0 ? k / group : 1;
  tc_packed_ctx c = {w, NULL, NULL, acc, T, n, k, kpad, blocks * 32, groups, 0, group > 0 ? group : k, format};
  if (group > 0 && group % bs != 0) {
    c.x = x;
    tc_parallel(pool, n, 8, tc_packed_unaligned_task, &c);
    return;
  }
  int8_t *xp = (int8_t *)scratch;
  int32_t *xsum = (int32_t *)(xp + T * kpad);
  for (int64_t t = 0; t < T; t++) {
    memcpy(xp + t * kpad, x + t * k, (size_t)k);
    memset(xp + t * kpad + k, 0, (size_t)(kpad - k));
    for (int64_t g = 0; g < groups; g++) {
      int64_t from = g * (group > 0 ? group : k), to = group > 0 ? from + group : k;
      int32_t s = 0;
      for (int64_t i = from; i < to; i++) s += x[t * k + i];
      xsum[t * groups + g] = s;
    }
  }
  c.x = xp;
  c.xsum = xsum;
  c.group_blocks = group > 0 ? group / bs : blocks;
#if defined(TC_AVX2)
  if (format == TC_I2) {
    for (int64_t t = 0; t < T; t++) tc_stage_i2_pairs(xp + t * kpad, blocks, c.group_blocks);
    tc_parallel(pool, n, 8, tc_i2_task, &c);
    return;
  }
#endif
  tc_parallel(pool, n, 8, tc_packed_task, &c);
}

/* Unquantized activations: f32 sums of +-x in index order (exact as the interpreter). */
static TC_MAYBE_UNUSED void tc_ternary_packed_f32(const float *x, int64_t T, int64_t k, const uint8_t *w, int64_t n, int format, int64_t group, float *acc) {
  const int64_t bs = tc_block_of(format), row_bytes = (k + bs - 1) / bs * 32, groups = group > 0 ? k / group : 1, gs = group > 0 ? group : k;
  for (int64_t t = 0; t < T; t++)
    for (int64_t o = 0; o < n; o++)
      for (int64_t g = 0; g < groups; g++) {
        float s = 0.0f;
        for (int64_t i = g * gs; i < (g + 1) * gs; i++) {
          int code = tc_code_at(w + o * row_bytes, format, i);
          if (code == 2) s = s + x[t * k + i];
          else if (code == 0) s = s - x[t * k + i];
        }
        acc[(t * n + o) * groups + g] = s;
      }
}

/* ---- lookup tables: table[t, j, v] = sum_i d_i(v) x[t, j*g+i] for v in [0, (3^g+1)/2); the weight holds one
 * signed pattern per (row, group) as int16. */
static TC_MAYBE_UNUSED void tc_lut_build(const int8_t *x, int64_t T, int64_t k, int g, int32_t *table) {
  const int64_t groups = (k + g - 1) / g;
  int entries = 1;
  for (int i = 0; i < g; i++) entries *= 3;
  entries = (entries + 1) / 2;
  for (int64_t t = 0; t < T; t++)
    for (int64_t j = 0; j < groups; j++) {
      int32_t *tb = table + (t * groups + j) * entries;
      for (int v = 0; v < entries; v++) {
        int32_t s = 0, rest = v;
        for (int i = 0; i < g; i++) {
          int r = ((rest % 3) + 3) % 3;
          if (r == 2) r = -1;
          rest = (rest - r) / 3;
          int64_t idx = j * g + i;
          if (idx < k) s += r * x[t * k + idx];
        }
        tb[v] = s;
      }
    }
}

typedef struct {
  const int32_t *table;
  const int16_t *pat;
  int32_t *acc;
  int64_t T, n, groups, entries;
} tc_lut_ctx;

static TC_MAYBE_UNUSED void tc_lut_task(void *ctxp, int64_t b, int64_t e, int thread) {
  TC_UNUSED(thread);
  const tc_lut_ctx *c = (const tc_lut_ctx *)ctxp;
  for (int64_t t = 0; t < c->T; t++) {
    const int32_t *tb = c->table + t * c->groups * c->entries;
    for (int64_t o = b; o < e; o++) {
      const int16_t *p = c->pat + o * c->groups;
      int32_t s = 0;
      for (int64_t j = 0; j < c->groups; j++) {
        int32_t v = p[j], neg = v >> 31;
        int32_t entry = tb[j * c->entries + ((v ^ neg) - neg)];
        s += (entry ^ neg) - neg;
      }
      c->acc[t * c->n + o] = s;
    }
  }
}

static TC_MAYBE_UNUSED void tc_lut_matmul(tc_pool *pool, const int32_t *table, int64_t T, int64_t groups, int64_t entries, const int16_t *pat, int64_t n, int32_t *acc) {
  tc_lut_ctx c = {table, pat, acc, T, n, groups, entries};
  tc_parallel(pool, n, 16, tc_lut_task, &c);
}

/* ---- an explicit add/sub network (small constant layers); regs is scratch of k + m int32. */
static TC_MAYBE_UNUSED void tc_addsub_network(const int8_t *x, int64_t T, int64_t k, const int32_t *program, int64_t m, const int32_t *outputs, int64_t n, int32_t *acc, int32_t *regs) {
  for (int64_t t = 0; t < T; t++) {
    for (int64_t i = 0; i < k; i++) regs[i] = x[t * k + i];
    for (int64_t j = 0; j < m; j++) {
      int32_t a = regs[program[3 * j]], b = regs[program[3 * j + 1]];
      regs[k + j] = program[3 * j + 2] == 0 ? a + b : a - b;
    }
    for (int64_t o = 0; o < n; o++) acc[t * n + o] = outputs[2 * o] < 0 ? 0 : outputs[2 * o + 1] * regs[outputs[2 * o]];
  }
}

/* ---- dequant: y = f32(f32(acc) * ws) * xs, grouped sums in order of g; fused multiplies the scales first. */
static TC_MAYBE_UNUSED void tc_dequant(const int32_t *acc, const float *facc, const float *ws, int64_t ws_len, const float *xs, int64_t T, int64_t n, int64_t groups, int fused, float *y) {
  const int per_tensor = ws_len == 1 && groups == 1;
  for (int64_t t = 0; t < T; t++) {
    if (fused) {
      const float token = per_tensor ? ws[0] * xs[t] : 0.0f;
      for (int64_t o = 0; o < n; o++) y[t * n + o] = (float)acc[t * n + o] * (per_tensor ? token : ws[o] * xs[t]);
      continue;
    }
    for (int64_t o = 0; o < n; o++) {
      const int64_t base = (t * n + o) * groups, wb = per_tensor ? 0 : o * groups;
      float v = (acc ? (float)acc[base] : facc[base]) * ws[wb];
      for (int64_t g = 1; g < groups; g++) v = v + (acc ? (float)acc[base + g] : facc[base + g]) * ws[wb + g];
      y[t * n + o] = xs ? v * xs[t] : v;
    }
  }
}

static TC_MAYBE_UNUSED void tc_dequant_fixed(const int32_t *acc, const int32_t *mult, int64_t mult_len, const int32_t *shift, int64_t shift_len, const float *xs, int64_t T, int64_t n, int frac, float *y) {
  for (int64_t t = 0; t < T; t++)
    for (int64_t o = 0; o < n; o++) {
      int64_t p = (int64_t)acc[t * n + o] * mult[mult_len == 1 ? 0 : o];
      double q = rint(ldexp((double)p, -(shift[shift_len == 1 ? 0 : o] - frac)));
      y[t * n + o] = (float)ldexp(q, -frac) * xs[t];
    }
}

/* ---------------------------------------------------------------- weights file --------------------- */

static TC_MAYBE_UNUSED uint64_t tc_read_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}
