/* The kernels that are the same on every ISA (the ISA files hold the rest; see ternc_runtime.h). */
#include "ternc_runtime.h"

/* y[t, :] = table[ids[t], :]; returns the index of the first bad id plus one, or 0. */
int64_t tc_embedding(const tc_fmat *table, const int32_t *ids, int64_t T, float *y) {
  for (int64_t t = 0; t < T; t++) {
    if (ids[t] < 0 || ids[t] >= table->rows) return t + 1;
    for (int64_t c = 0; c < table->cols; c++) y[t * table->cols + c] = tc_fmat_get(table, ids[t], c);
  }
  return 0;
}

/* Row-wise kernels (each row of a [T, width] value on its own) run on the pool in ranges of rows; a range holds at
 * least TC_EW_GRAIN elements, so a decode step's single row stays on the calling thread. */
static void tc_parallel_rows(tc_pool *pool, int64_t T, int64_t width, tc_task_fn rows, void *args) {
  tc_parallel(pool, T, width >= TC_EW_GRAIN ? 1 : TC_EW_GRAIN / (width > 0 ? width : 1), rows, args);
}

typedef struct {
  const float *x, *g;
  int64_t d;
  float eps;
  float *y;
} tc_rmsnorm_args;

static void tc_rmsnorm_rows(void *args, int64_t t0, int64_t t1, int thread) {
  const tc_rmsnorm_args *a = (const tc_rmsnorm_args *)args;
  TC_UNUSED(thread);
  const int64_t d = a->d;
  for (int64_t t = t0; t < t1; t++) {
    const float *xr = a->x + t * d;
    float sum = 0.0f;
    for (int64_t i = 0; i < d; i++) sum = sum + xr[i] * xr[i];
    float mean = sum / (float)d;
    float r = 1.0f / (float)sqrt((double)(mean + a->eps));
    for (int64_t i = 0; i < d; i++) a->y[t * d + i] = (xr[i] * r) * a->g[i];
  }
}

void tc_rmsnorm(tc_pool *pool, const float *x, const float *g, int64_t T, int64_t d, float eps, float *y) {
  tc_rmsnorm_args a = {x, g, d, eps, y};
  tc_parallel_rows(pool, T, d, tc_rmsnorm_rows, &a);
}

void tc_softmax_row(float *v, int64_t n) {
  float m = -INFINITY;
  for (int64_t i = 0; i < n; i++) m = v[i] > m ? v[i] : m;
  float sum = 0.0f;
  for (int64_t i = 0; i < n; i++) {
    v[i] = tc_expf(v[i] - m);
    sum = sum + v[i];
  }
  for (int64_t i = 0; i < n; i++) v[i] = v[i] / sum;
}

typedef struct {
  const float *x;
  int64_t k;
  int8_t *xq;
  float *scale;
} tc_act_quant_args;

static void tc_act_quant_rows(void *args, int64_t t0, int64_t t1, int thread) {
  const tc_act_quant_args *a = (const tc_act_quant_args *)args;
  TC_UNUSED(thread);
  const int64_t k = a->k;
  for (int64_t t = t0; t < t1; t++) {
    const float *xr = a->x + t * k;
    float m = 0.0f;
    for (int64_t i = 0; i < k; i++) {
      float v = fabsf(xr[i]);
      m = v > m ? v : m;
    }
    if (m < 1e-5f) m = 1e-5f;
    float q = 127.0f / m;
    for (int64_t i = 0; i < k; i++) a->xq[t * k + i] = (int8_t)tc_clamp_round(xr[i] * q, -128, 127);
    a->scale[t] = m / 127.0f;
  }
}

/* Per-token absmax quantization (act_quant). */
void tc_act_quant(tc_pool *pool, const float *x, int64_t T, int64_t k, int8_t *xq, float *scale) {
  tc_act_quant_args a = {x, k, xq, scale};
  tc_parallel_rows(pool, T, k, tc_act_quant_rows, &a);
}

int ternc_block_fixed_row(const float *x, int64_t k, int bits, int32_t *mantissas, int64_t *floor_out, int *shift) {
  const int64_t limit = ((int64_t)1 << (bits - 1)) - 1;
  float a = 1e-5f;
  for (int64_t i = 0; i < k; i++) {
    if (!isfinite(x[i])) return 0;
    float v = fabsf(x[i]);
    a = v > a ? v : a;
  }
  int e;
  (void)frexp((double)a, &e); /* a = f 2^e, f in [0.5, 1): floor(log2 a) = e - 1 */
  const int sh = bits - 2 - (e - 1);
  const double fl = rint(ldexp((double)1e-5f, sh));
  for (int64_t i = 0; i < k; i++) {
    const double v = rint(ldexp((double)x[i], sh));
    mantissas[i] = (int32_t)(v > (double)limit ? limit : v < -(double)limit ? -limit : (int64_t)v);
  }
  *floor_out = fl > (double)limit ? limit : (int64_t)fl;
  *shift = sh;
  return 1;
}

float ternc_act_fixed_scale(int64_t absmax, int shift) { return (float)(ldexp((double)absmax, -shift) / 127.0); }

/* act_quant_fixed (see ternc's ir/ops/quant.ts): block fixed point of `bits` bits, integer absmax (floored at 1e-5
 * in the same fixed point), one integer division per token for the reciprocal, then round half to even; every step
 * exact, so it equals the interpreter. */
void tc_act_quant_fixed(const float *x, int64_t T, int64_t k, int bits, int8_t *xq, float *scale, int32_t *mant) {
  const int recip_bits = bits + 8;
  for (int64_t t = 0; t < T; t++) {
    int8_t *qr = xq + t * k;
    int64_t m;
    int sh;
    if (!ternc_block_fixed_row(x + t * k, k, bits, mant, &m, &sh)) {
      memset(qr, 0, (size_t)k);
      scale[t] = NAN;
      continue;
    }
    for (int64_t i = 0; i < k; i++) {
      const int64_t ax = mant[i] < 0 ? -(int64_t)mant[i] : mant[i];
      m = ax > m ? ax : m;
    }
    const int64_t r = (((int64_t)127 << (recip_bits + 1)) / m + 1) >> 1;
    for (int64_t i = 0; i < k; i++) {
      double q = rint(ldexp((double)((int64_t)mant[i] * r), -recip_bits)); /* exact: |mant * r| < 2^41 */
      qr[i] = (int8_t)(q > 127.0 ? 127 : q < -128.0 ? -128 : q);
    }
    scale[t] = ternc_act_fixed_scale(m, sh);
  }
}

/* Rotary embedding; inv[i] = f32(base^(-2i/rot)) is precomputed per op. */
typedef struct {
  const float *x;
  const int32_t *pos;
  int64_t width, hd, rot;
  int neox;
  const float *inv;
  float *y;
} tc_rope_args;

static void tc_rope_rows(void *args, int64_t t0, int64_t t1, int thread) {
  const tc_rope_args *a = (const tc_rope_args *)args;
  TC_UNUSED(thread);
  const int64_t half = a->rot / 2, width = a->width, hd = a->hd;
  const float *x = a->x;
  float *y = a->y;
  if (y != x) memcpy(y + t0 * width, x + t0 * width, (size_t)((t1 - t0) * width) * sizeof(float));
  for (int64_t t = t0; t < t1; t++) {
    for (int64_t i = 0; i < half; i++) {
      float ang = (float)a->pos[t] * a->inv[i];
      float c = (float)cos((double)ang), s = (float)sin((double)ang);
      for (int64_t h = 0; h * hd < width; h++) {
        int64_t b = t * width + h * hd;
        int64_t i0 = b + (a->neox ? i : 2 * i), i1 = b + (a->neox ? i + half : 2 * i + 1);
        float x0 = x[i0], x1 = x[i1];
        y[i0] = x0 * c - x1 * s;
        y[i1] = x0 * s + x1 * c;
      }
    }
  }
}

void tc_rope(tc_pool *pool, const float *x, const int32_t *pos, int64_t T, int64_t width, int64_t hd, int64_t rot, int neox, const float *inv, float *y) {
  tc_rope_args a = {x, pos, width, hd, rot, neox, inv, y};
  tc_parallel_rows(pool, T, width, tc_rope_rows, &a);
}

void tc_matmul(tc_pool *pool, const float *x, int64_t T, const tc_fmat *w, float *y) {
  tc_matmul_ctx c = {x, w, y, T, w->rows};
  tc_parallel(pool, (w->rows + 7) / 8, 16, tc_isa_matmul_task, &c);
}

/* One block's integer sum, weight code by weight code: the portable form, and the reference of the ISA kernels. */
static int32_t tc_q8_isum_ref(int type, const uint8_t *blk, const int8_t *xb) {
  int32_t s = 0;
  if (type == TC_Q8_0) {
    for (int i = 0; i < 32; i++) s += (int8_t)blk[2 + i] * xb[i];
    return s;
  }
  for (int j = 0; j < TC_Q6_K_BLOCK / TC_BLOCK_SUB; j++) {
    int32_t d = 0;
    for (int i = 0; i < TC_BLOCK_SUB; i++) d += tc_q6k_code(blk, TC_BLOCK_SUB * j + i) * xb[TC_BLOCK_SUB * j + i];
    s += (int8_t)blk[192 + j] * d;
  }
  return s;
}

static void tc_q8_task_ref(void *ctxp, int64_t b, int64_t e, int thread) {
  const tc_q8_ctx *c = (const tc_q8_ctx *)ctxp;
  const int type = c->w->type;
  const int64_t K = c->w->cols, G = tc_qblock_elems(type), nb = K / G, bytes = tc_qblock_bytes(type);
  TC_UNUSED(thread);
  for (int64_t t = 0; t < c->T; t++)
    for (int64_t o = b; o < e; o++) {
      float acc = 0.0f;
      for (int64_t j = 0; j < nb; j++) {
        const uint8_t *blk = (const uint8_t *)c->w->data + (o * nb + j) * bytes;
        acc = acc + (tc_qblock_d(type, blk) * c->xs[t * nb + j]) * (float)tc_q8_isum_ref(type, blk, c->xq + t * K + j * G);
      }
      c->y[t * c->ystride + o] = acc;
    }
}

static void *tc_align64(void *p) { return (void *)(((uintptr_t)p + 63) & ~(uintptr_t)63); }

void tc_matmul_q8(tc_pool *pool, const float *x, int64_t T, const tc_fmat *w, float *y, void *scratch) {
  const int64_t K = w->cols, G = tc_qblock_elems(w->type);
  int8_t *xq = (int8_t *)tc_align64(scratch);
  float *xs = (float *)tc_align64(xq + T * K);
  int16_t *bsum = (int16_t *)tc_align64(xs + T * (K / G));
  tc_act_quant(pool, x, T * (K / G), G, xq, xs); /* act_quant's rows are the blocks */
  for (int64_t s = 0; s < T * K / TC_BLOCK_SUB; s++) {
    int32_t v = 0;
    for (int i = 0; i < TC_BLOCK_SUB; i++) v += xq[s * TC_BLOCK_SUB + i];
    bsum[s] = (int16_t)v;
  }
  tc_q8_ctx c = {w, xq, xs, bsum, y, T, w->rows};
  tc_task_fn fn = tc_isa_matmul_q8_kernel(&c);
  tc_parallel(pool, w->rows, 64, fn ? fn : tc_q8_task_ref, &c);
}

void tc_attention_task(void *ctxp, int64_t b, int64_t e, int thread) {
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

static void tc_packed_task(void *ctxp, int64_t b, int64_t e, int thread) {
  TC_UNUSED(thread);
  const tc_packed_ctx *c = (const tc_packed_ctx *)ctxp;
  for (int64_t o = b; o < e; o++) {
    const uint8_t *row = c->w + o * c->row_bytes;
    for (int64_t t = 0; t < c->T; t++) {
      const int8_t *x = c->x + t * c->kpad;
      for (int64_t g = 0; g < c->groups; g++) {
        int32_t s = tc_isa_dot_codes(row, c->format, x, g * c->group_blocks, (g + 1) * c->group_blocks);
        c->acc[(t * c->n + o) * c->groups + g] = s - c->xsum[t * c->groups + g];
      }
    }
  }
}

/* Grouped products whose groups do not fall on block boundaries: one weight at a time. */
static void tc_packed_unaligned_task(void *ctxp, int64_t b, int64_t e, int thread) {
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
void tc_ternary_packed(tc_pool *pool, const int8_t *x, int64_t T, int64_t k, const uint8_t *w, int64_t n, int format, int64_t group, int32_t *acc, void *scratch) {
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
  tc_task_fn isa = tc_isa_packed_kernel(&c);
  tc_parallel(pool, n, 8, isa ? isa : tc_packed_task, &c);
}

/* Unquantized activations: f32 sums of +-x in index order (exact as the interpreter). */
void tc_ternary_packed_f32(const float *x, int64_t T, int64_t k, const uint8_t *w, int64_t n, int format, int64_t group, float *acc) {
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
void tc_lut_build(const int8_t *x, int64_t T, int64_t k, int g, int32_t *table) {
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

static void tc_lut_task(void *ctxp, int64_t b, int64_t e, int thread) {
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

void tc_lut_matmul(tc_pool *pool, const int32_t *table, int64_t T, int64_t groups, int64_t entries, const int16_t *pat, int64_t n, int32_t *acc) {
  tc_lut_ctx c = {table, pat, acc, T, n, groups, entries};
  tc_parallel(pool, n, 16, tc_lut_task, &c);
}

/* ---- an explicit add/sub network (small constant layers); regs is scratch of k + m int32. */
void tc_addsub_network(const int8_t *x, int64_t T, int64_t k, const int32_t *program, int64_t m, const int32_t *outputs, int64_t n, int32_t *acc, int32_t *regs) {
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
typedef struct {
  const int32_t *acc;
  const float *facc, *ws;
  int64_t ws_len;
  const float *xs;
  int64_t n, groups;
  int fused;
  float *y;
} tc_dequant_args;

static void tc_dequant_rows(void *args, int64_t t0, int64_t t1, int thread) {
  const tc_dequant_args *a = (const tc_dequant_args *)args;
  TC_UNUSED(thread);
  const int64_t n = a->n, groups = a->groups;
  const int32_t *acc = a->acc;
  const float *facc = a->facc, *ws = a->ws, *xs = a->xs;
  float *y = a->y;
  const int per_tensor = a->ws_len == 1 && groups == 1;
  for (int64_t t = t0; t < t1; t++) {
    if (a->fused) {
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

void tc_dequant(tc_pool *pool, const int32_t *acc, const float *facc, const float *ws, int64_t ws_len, const float *xs, int64_t T, int64_t n, int64_t groups, int fused, float *y) {
  tc_dequant_args a = {acc, facc, ws, ws_len, xs, n, groups, fused, y};
  tc_parallel_rows(pool, T, n * groups, tc_dequant_rows, &a);
}

void tc_dequant_fixed(const int32_t *acc, const int32_t *mult, int64_t mult_len, const int32_t *shift, int64_t shift_len, const float *xs, int64_t T, int64_t n, int frac, float *y) {
  for (int64_t t = 0; t < T; t++)
    for (int64_t o = 0; o < n; o++) {
      int64_t p = (int64_t)acc[t * n + o] * mult[mult_len == 1 ? 0 : o];
      double q = rint(ldexp((double)p, -(shift[shift_len == 1 ? 0 : o] - frac)));
      y[t * n + o] = (float)ldexp(q, -frac) * xs[t];
    }
}
