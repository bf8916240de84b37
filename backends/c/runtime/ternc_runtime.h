/* ternc C runtime, internal interface: what the runtime's sources (pool.c, kernels.c, core.c, api.c and the ISA
 * files) and the generated model.c share. Not part of the public API (model.h).
 *
 * Every kernel computes exactly what the ternc interpreter computes for its op (see `ternc ops`):
 * integer parts are exact; float parts keep the interpreter's operation order, so SIMD code only
 * vectorizes across independent outputs (never reassociates a sum) and the build disables FMA
 * contraction. Transcendentals go through double precision and round to float, as the interpreter does.
 *
 * The ISA is chosen at compile time, and each has its kernels in one file: isa_x86.c (AVX2, plus AVX-512 VNNI
 * when the build targets it), isa_neon.c (AArch64, with the dot-product extension when __ARM_FEATURE_DOTPROD is
 * set) and isa_portable.c (-DTERNC_PORTABLE, or any other target). Exactly one of them has a body in a build.
 */
#ifndef TERNC_RUNTIME_H
#define TERNC_RUNTIME_H

/* Before any system header: madvise(MADV_HUGEPAGE) for the weights (api.c). */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

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
#include <time.h>
#include <unistd.h>

#include "model.h"

/* Only the ISA files include the intrinsics headers (they are most of a runtime file's compile time). */
#if !defined(TERNC_PORTABLE) && defined(__AVX2__) && defined(__F16C__)
#define TC_AVX2 1
#elif !defined(TERNC_PORTABLE) && defined(__aarch64__) && defined(__ARM_NEON)
#define TC_NEON 1
#endif

#if defined(TC_AVX2) && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__)
#define TC_AVX512 1 /* AVX2 kernels plus VNNI dot products (the i2 form, the Q6_K head) and 512-bit float matmul tiles */
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
#define TC_MAYBE_UNUSED __attribute__((unused))
/* For kernels called with constant shape arguments, so each call site is specialized. */
#define TC_INLINE static inline __attribute__((always_inline)) TC_MAYBE_UNUSED

/* ---------------------------------------------------------------- memory and threads --------------- */

/** Zeroed memory aligned to TC_ALIGN (free with free()); NULL when out of memory. */
void *tc_alloc(size_t bytes);

/* A task gets [begin, end) of the work items; `thread` indexes per-thread scratch. */
typedef void (*tc_task_fn)(void *ctx, int64_t begin, int64_t end, int thread);

typedef struct tc_pool tc_pool;

/** A pool of n threads including the caller (fewer if the system refuses some); NULL when out of memory. */
tc_pool *tc_pool_create(int n);
int tc_pool_size(const tc_pool *p);
void tc_pool_free(tc_pool *p);
/** Runs fn over [0, total) split into grain-aligned shares, one per thread; returns when all are done. */
void tc_parallel(tc_pool *p, int64_t total, int64_t grain, tc_task_fn fn, void *ctx);

/** An elementwise op's task (generated into model.c): its operands, its result, and the token counts its dims use. */
typedef struct {
  const float *const *in;
  float *y;
  int64_t T, P;
} tc_ew_ctx;
/* Elements below which an elementwise op, or a row-wise kernel's range of rows (rmsnorm, act_quant, dequant, rope),
 * stays on the calling thread: waking the pool costs about as much as a few thousand elements. */
#define TC_EW_GRAIN 4096

/* ---------------------------------------------------------------- numbers -------------------------- */

static inline float tc_f16_to_f32(uint16_t h) {
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

static inline float tc_bf16_to_f32(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

/* round half to even: rintf in the default rounding mode */
static inline int32_t tc_clamp_round(float v, int32_t lo, int32_t hi) {
  float r = rintf(v);
  if (r < (float)lo) return lo;
  if (r > (float)hi) return hi;
  return (int32_t)r;
}

/* ternc's f32 exp (EXP_F32 in ternc's ir/numeric.ts): float operations only, each rounded (the build passes
 * -ffp-contract=off), so it gives the interpreter's bits, as the WGSL shaders do; libm's exp differs in the last bit. */
static inline float tc_expf(float x) {
  static const float c[] = TC_EXPF_COEFFICIENTS;
  const int n = (int)(sizeof c / sizeof c[0]);
  /* Without branches or floorf, so that loops over it (silu, softmax) vectorize (with trapping math on, GCC keeps
   * a branch around any float op that only one side of a ?: computes): the polynomial runs on x clamped to
   * [MIN, MAX] (NaN to MIN), which leaves every x in that range as it was, and the special cases are picked last;
   * v lies within (-126, 128) there, so adding and taking away 1.5 * 2^23 rounds it to an integer exactly, and the
   * floor is that, less one where it rounded up (a float-to-int conversion also kept GCC from vectorizing). */
  const float xc = !(x >= TC_EXPF_MIN) ? TC_EXPF_MIN : x > TC_EXPF_MAX ? TC_EXPF_MAX : x;
  const float v = xc * TC_EXPF_LOG2E + 0.5f, t = (v + 12582912.0f) - 12582912.0f;
  const float k = t > v ? t - 1.0f : t;
  const float r = (xc - k * TC_EXPF_LN2_HI) - k * TC_EXPF_LN2_LO;
  float p = c[n - 1];
  for (int i = n - 2; i >= 0; i--) p = p * r + c[i];
  const uint32_t bits = (uint32_t)((int32_t)k + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  const float e = p * scale, y = x > TC_EXPF_MAX ? INFINITY : !(x >= TC_EXPF_MIN) ? 0.0f : e;
  return x != x ? x : y;
}

static inline float tc_silu(float x) { return x / (1.0f + tc_expf(-x)); }
static inline float tc_relu2(float x) {
  float r = x > 0.0f ? x : 0.0f;
  return r * r;
}

/* ---------------------------------------------------------------- float ops ------------------------ */

enum { TC_F32 = 0, TC_F16 = 1, TC_BF16 = 2, TC_Q8R = 3, TC_Q8_0 = 4, TC_Q6_K = 5 };

/* A float matrix [rows, cols] stored either row by row or, for the matmul kernels, as blocks of 8 rows
 * interleaved by column (element (r, c) at (r/8)*8*cols + c*8 + r%8) so 8 outputs load as one vector.
 * TC_Q8R holds block-quantized weights (Q8_0, Q6_K) exactly as int8 codes and f32 multipliers, value =
 * f32(m * q), for blocks of 16 rows: each is a run of records, one per `group` columns: 16 multipliers (one per
 * row), then group x 16 codes (column by column), so an 8-row block is half of each record and two neighbouring
 * blocks load as one. Always interleaved. */
typedef struct {
  const void *data;
  int type;        /* TC_F32, TC_F16, TC_BF16, TC_Q8R; TC_Q8_0, TC_Q6_K: blocks as GGUF stores them, row by row */
  int interleaved; /* 8-row blocks */
  int64_t rows, cols;
  int64_t group;   /* TC_Q8R: columns per record (32 for Q8_0, 16 for Q6_K) */
} tc_fmat;

/* TC_Q8R: the record of columns [j*group, (j+1)*group) of 16-row block rb16. */
static inline const uint8_t *tc_q8r_record(const tc_fmat *m, int64_t rb16, int64_t j) {
  const int64_t rec = 64 + 16 * m->group;
  return (const uint8_t *)m->data + (rb16 * (m->cols / m->group) + j) * rec;
}

/* The 8 multipliers of 8-row block blk in column group j, and its 8 codes of column c of that group. */
static inline const float *tc_q8r_mults(const tc_fmat *m, int64_t blk, int64_t j) {
  return (const float *)(tc_q8r_record(m, blk / 2, j) + 32 * (blk & 1));
}
static inline const int8_t *tc_q8r_codes(const tc_fmat *m, int64_t blk, int64_t j, int64_t c) {
  return (const int8_t *)(tc_q8r_record(m, blk / 2, j) + 64 + 16 * c + 8 * (blk & 1));
}

/* Q8_0 and Q6_K blocks as ggml lays them out (ternc's ir/blockQuant.ts): Q8_0 is d (f16) then 32 int8 codes;
 * Q6_K is ql[128] (low nibbles), qh[64] (high bit pairs), 16 int8 sub-scales, d (f16), with code e - 32 of
 * half e/128, element l = e%128 in the nibble (l/32 >= 2) of ql[64 half + l%64] and bits 2(l/32) of
 * qh[32 half + l%32]. Value = f32(f32(d * sub) * q), sub = 1 for Q8_0. */
enum { TC_Q8_0_BYTES = 34, TC_Q6_K_BYTES = 210, TC_Q6_K_BLOCK = 256, TC_BLOCK_SUB = 16 };

static inline int tc_q6k_code(const uint8_t *blk, int64_t e) {
  const int64_t half = e / 128, l = e % 128;
  const int lo = (blk[64 * half + l % 64] >> (l >= 64 ? 4 : 0)) & 0xf;
  const int hi = (blk[128 + 32 * half + l % 32] >> (2 * (l / 32))) & 3;
  return (lo | hi << 4) - 32;
}

static inline uint16_t tc_u16_at(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Elements and bytes of one TC_Q8_0 / TC_Q6_K block, and the block's scale d. */
static inline int64_t tc_qblock_elems(int type) { return type == TC_Q6_K ? TC_Q6_K_BLOCK : 32; }
static inline int64_t tc_qblock_bytes(int type) { return type == TC_Q6_K ? TC_Q6_K_BYTES : TC_Q8_0_BYTES; }
static inline uint16_t tc_qblock_d_bits(int type, const uint8_t *blk) { return tc_u16_at(blk + (type == TC_Q6_K ? 208 : 0)); }
static inline float tc_qblock_d(int type, const uint8_t *blk) { return tc_f16_to_f32(tc_qblock_d_bits(type, blk)); }

/* The block of a TC_Q8_0 / TC_Q6_K matrix that holds (r, c), and c's place in it. */
static inline const uint8_t *tc_qblock(const tc_fmat *m, int64_t r, int64_t c, int64_t *e) {
  const int64_t block = tc_qblock_elems(m->type);
  *e = c % block;
  return (const uint8_t *)m->data + (r * (m->cols / block) + c / block) * tc_qblock_bytes(m->type);
}

static inline float tc_fmat_get(const tc_fmat *m, int64_t r, int64_t c) {
  if (m->type == TC_Q8_0 || m->type == TC_Q6_K) {
    int64_t e;
    const uint8_t *blk = tc_qblock(m, r, c, &e);
    if (m->type == TC_Q8_0) return tc_qblock_d(TC_Q8_0, blk) * (float)(int8_t)blk[2 + e];
    const float mult = tc_qblock_d(TC_Q6_K, blk) * (float)(int8_t)blk[192 + e / TC_BLOCK_SUB];
    return mult * (float)tc_q6k_code(blk, e);
  }
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

/* ---------------------------------------------------------------- ternary products ----------------- */

/* Weight layouts (rows padded to whole blocks, padding weights 0, activations padded with zeros):
 *  i2:  blocks of 128 weights in 32 bytes; byte j holds the codes (w + 1) of weights j, j+32, j+64, j+96
 *       in bits 0-1, 2-3, 4-5, 6-7.
 *  tq1: blocks of 160 weights in 32 bytes; byte j holds weights j, j+32, ..., j+128 as base-3 digits
 *       (codes w + 1, the first most significant), stored as ceil(v * 256 / 243) so digit n is
 *       ((uint8)(q * 3^n) * 3) >> 8 (TQ1_0's trick: multiplies and shifts instead of divisions).
 * A product is sum(code * x) - sum(x), exact in int32. */
enum { TC_I2 = 0, TC_TQ1 = 1 };

static inline int tc_block_of(int format) { return format == TC_I2 ? TC_I2_BLOCK : TC_TQ1_BLOCK; }

static inline int tc_code_at(const uint8_t *row, int format, int64_t i) {
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

/* ---------------------------------------------------------------- kernel contexts ------------------ */

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

/* ---- matmul_q8 (the integer head): x quantized per weight block (xq, xs), q6_k's sums of 16 codes (bsum);
 * rows [b, e) of y = sum over blocks in order of f32(f32(d * xs) * f32(isum)). */
typedef struct {
  const tc_fmat *w;    /* TC_Q8_0 or TC_Q6_K */
  const int8_t *xq;    /* T x cols */
  const float *xs;     /* T x blocks */
  const int16_t *bsum; /* T x cols / 16 */
  float *y;
  int64_t T, ystride;
} tc_q8_ctx;

/* ---- attention: the K cache is stored transposed per kv head ([kv_heads*head_dim][cap]) so the scores of
 * consecutive keys are independent lanes; V rows are [cap][kv_heads*head_dim]. */
typedef struct {
  const float *q, *kt, *v;
  float *y, *scratch; /* scratch: threads * cap floats */
  int64_t T, S, cap, heads, kv_heads, hd;
  float scale;
} tc_attn_ctx;

typedef struct {
  const uint8_t *w;   /* packed rows */
  const int8_t *x;    /* activations, rows of kpad (zero padded) */
  const int32_t *xsum; /* per token and group: sum of x */
  int32_t *acc;
  int64_t T, n, k, kpad, row_bytes, groups, group_blocks, gsize;
  int format;
} tc_packed_ctx;

/* ---------------------------------------------------------------- kernels (kernels.c) -------------- */

/** y[t, :] = table[ids[t], :]; returns the index of the first bad id plus one, or 0. */
int64_t tc_embedding(const tc_fmat *table, const int32_t *ids, int64_t T, float *y);
void tc_rmsnorm(tc_pool *pool, const float *x, const float *g, int64_t T, int64_t d, float eps, float *y);
void tc_softmax_row(float *v, int64_t n);
/** Per-token absmax quantization (act_quant). */
void tc_act_quant(tc_pool *pool, const float *x, int64_t T, int64_t k, int8_t *xq, float *scale);
/** act_quant_fixed: per-token absmax quantization in exact integer arithmetic; mant holds k int32 of scratch. */
void tc_act_quant_fixed(const float *x, int64_t T, int64_t k, int bits, int8_t *xq, float *scale, int32_t *mant);
/** Rotary embedding; inv[i] = f32(base^(-2i/rot)) is precomputed per op. */
void tc_rope(tc_pool *pool, const float *x, const int32_t *pos, int64_t T, int64_t width, int64_t hd, int64_t rot, int neox, const float *inv, float *y);
/** y[t, o] = sum_i x[t, i] w[o, i] (w interleaved by 8 rows), each sum in index order. */
void tc_matmul(tc_pool *pool, const float *x, int64_t T, const tc_fmat *w, float *y);
/** matmul_q8: y[t, o] on a TC_Q8_0 / TC_Q6_K weight in integer arithmetic (see ternc's ops: matmul_q8); scratch as
 *  the op table sizes it (T * (cols + 4 * blocks + 2 * cols / 16) bytes, each part 64-byte aligned). */
void tc_matmul_q8(tc_pool *pool, const float *x, int64_t T, const tc_fmat *w, float *y, void *scratch);
/** Items [b, e) of heads x query rows of a tc_attn_ctx. */
void tc_attention_task(void *ctxp, int64_t b, int64_t e, int thread);
/** acc[t, o(, g)] = sum_i w[o, i] * x[t, i] on int8 activations; scratch: T * kpad bytes, then T * groups int32
 *  (kpad: k rounded up to whole blocks); see packedScratchPerToken in backends/c/config.ts. */
void tc_ternary_packed(tc_pool *pool, const int8_t *x, int64_t T, int64_t k, const uint8_t *w, int64_t n, int format, int64_t group, int32_t *acc, void *scratch);
/** The same on unquantized activations: f32 sums of +-x in index order (exact as the interpreter). */
void tc_ternary_packed_f32(const float *x, int64_t T, int64_t k, const uint8_t *w, int64_t n, int format, int64_t group, float *acc);
/** table[t, j, v] = sum_i d_i(v) x[t, j*g+i] for v in [0, (3^g+1)/2). */
void tc_lut_build(const int8_t *x, int64_t T, int64_t k, int g, int32_t *table);
/** acc[t, o] = sum_j of table entries picked by the signed int16 pattern of (row o, group j). */
void tc_lut_matmul(tc_pool *pool, const int32_t *table, int64_t T, int64_t groups, int64_t entries, const int16_t *pat, int64_t n, int32_t *acc);
/** An explicit add/sub network; regs is scratch of k + m int32 (see addSubScratchBytes in config.ts). */
void tc_addsub_network(const int8_t *x, int64_t T, int64_t k, const int32_t *program, int64_t m, const int32_t *outputs, int64_t n, int32_t *acc, int32_t *regs);
/** y = f32(f32(acc) * ws) * xs, grouped sums in order of g; fused multiplies the scales first. */
void tc_dequant(tc_pool *pool, const int32_t *acc, const float *facc, const float *ws, int64_t ws_len, const float *xs, int64_t T, int64_t n, int64_t groups, int fused, float *y);
void tc_dequant_fixed(const int32_t *acc, const int32_t *mult, int64_t mult_len, const int32_t *shift, int64_t shift_len, const float *xs, int64_t T, int64_t n, int frac, float *y);

/* ---------------------------------------------------------------- the ISA file's kernels ----------- */

/** Row blocks [b, e) of a tc_matmul_ctx, every token. */
void tc_isa_matmul_task(void *ctxp, int64_t b, int64_t e, int thread);
/** The ISA's task for rows [b, e) of a tc_q8_ctx, or NULL where the portable one serves. */
tc_task_fn tc_isa_matmul_q8_kernel(const tc_q8_ctx *c);
/** sum(code * x) over blocks [b0, b1) of one packed row (x already offset to the row's start). */
int32_t tc_isa_dot_codes(const uint8_t *row, int format, const int8_t *x, int64_t b0, int64_t b1);
/** A faster task for this block-aligned product (rows [b, e)); NULL when the ISA has none and the row-by-row
 *  kernel over tc_isa_dot_codes runs. */
tc_task_fn tc_isa_packed_kernel(const tc_packed_ctx *c);

/* ---------------------------------------------------------------- the model (core.c, api.c) -------- */

/** What the generated model.c tells the runtime about its model (defined there as tc_desc). */
typedef struct tc_model_desc {
  int graph_abi; /* 1: a plain graph (ternc_graph_eval); 0: a model (ternc_model_eval) */
  int32_t vocab, default_context;
  int32_t bos_id, eos_id; /* the tokenizer's special tokens, -1 where it names none (or the model has no tokenizer) */
  uint64_t blob_bytes;
  uint32_t layout_id;
  int n_buffers; /* buffer i holds per_token[i] * n_batch + fixed[i] bytes */
  const int64_t *buffer_per_token, *buffer_fixed;
  int n_caches; /* KV caches: width floats per row, n_ctx rows; transposed ones store one row per feature */
  const int64_t *cache_width;
  const int *cache_transposed;
  int64_t scratch_per_token, scratch_fixed;
  int n_op_kinds; /* the op kinds the forward function times while profiling */
  const char *const *op_kinds;
  int n_inputs, n_outputs; /* a plain graph's named inputs and outputs */
  const ternc_io *inputs, *outputs;
  int (*forward)(ternc_model *m, const int32_t *tokens, int64_t T);
  int (*forward_graph)(ternc_model *m, int64_t T, void *const *in, void *const *out);
} tc_model_desc;

extern const tc_model_desc tc_desc;

struct ternc_model {
  const uint8_t *blob;
  size_t blob_size;
  void *owned; /* the weights when ternc_model_open loaded them (read into memory, or mapped), else NULL */
  size_t owned_size;
  int owned_mapped;
  tc_pool *pool;
  int n_threads;
  int32_t n_ctx, n_batch, n_past;
  int all_logits;
  void **buf;    /* tc_desc.n_buffers */
  float **cache; /* tc_desc.n_caches */
  void *scratch;
  float *attn_scratch;
  float *trace_buf;
  int32_t *pos;
  int32_t *history; /* a model without a KV cache: the tokens so far (n_ctx), run again at every eval */
  const float *logits;
  double *profile; /* seconds per op kind (tc_desc.op_kinds) while profiling, else NULL */
  ternc_trace_fn trace;
  void *trace_user;
  ternc_op_hook hook; /* ternc_model_set_op_hook */
  void *hook_user;
  char error[256];
};

/** Seconds on a monotonic clock. */
double tc_now(void);
/** Records the message of a failed call (ternc_model_error) and returns code. */
int tc_fail(ternc_model *m, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/** Offers an op to the model's hook: 1 when the hook computed it, 0 when the kernel is to run, -1 when the hook
 *  failed (the model's error says why). */
int tc_offer(ternc_model *m, const ternc_op_call *call);
/** y = for each of `outer` blocks: the bytes [start, start + size) of a `stride`-byte row, `inner` elements wide. */
void tc_copy_ranges(const uint8_t *x, uint8_t *y, int64_t outer, int64_t stride, int64_t start, int64_t size, int64_t inner);
void tc_concat(const uint8_t *a, const uint8_t *b, uint8_t *y, int64_t outer, int64_t ia, int64_t ib);
/** x [rows, width] -> y [width, rows] */
void tc_transpose(const float *x, int64_t rows, int64_t width, float *y);
/** Appends T rows to cache i at row P; 1 when they do not fit. */
int tc_cache_append(ternc_model *m, int i, const float *rows, int64_t P, int64_t T);
/** Traces a cache's first S rows in the interpreter's layout ([S, width]). */
void tc_trace_cache(ternc_model *m, const char *name, int i, int64_t S);

#endif
