/* x86-64 kernels: AVX2 and F16C, plus AVX-512 (F, BW, VL, VNNI) when the build targets it. */
#include "ternc_runtime.h"

#if defined(TC_AVX2)
#include <immintrin.h>

#include "isa_matmul.h"

/* ---------------------------------------------------------------- float matmul --------------------- */

/* A tile reads its nb blocks of 8 rows as nb streams side by side, which the hardware prefetchers follow late: ask
 * for each block's next line 2 KB ahead into L2 as a line begins (F32, F16, BF16). The head of bitnet_b1_58-large
 * (F16) on one AMD EPYC (Zen 4) thread: 22 GB/s without, 29-31 so; into L1 instead, or 8 KB ahead, did worse. */
TC_INLINE void tc_matmul_prefetch(const tc_matmul_ctx *c, int64_t blk, int nb, int64_t i, int type) {
  if (type == TC_Q8R) return;
  const int64_t bytes = type == TC_F32 ? 32 : 16; /* a column of a block */
  if ((i * bytes) % 64) return;
  for (int b = 0; b < nb; b++) _mm_prefetch((const char *)c->w->data + ((blk + b) * c->w->cols + i) * bytes + 2048, _MM_HINT_T1);
}

/* nb row blocks x nt tokens from (blk, t0): nb * nt independent sums in flight. */
TC_INLINE void tc_matmul_tile(const tc_matmul_ctx *c, int64_t blk, int nb, int64_t t0, int nt, int type) {
  const int64_t K = c->w->cols, G = type == TC_Q8R ? c->w->group : K;
  const float *x = c->x + t0 * K;
  float acc[TC_MM_CHAINS][8];
  __m256 a[TC_MM_CHAINS], mult[TC_MM_CHAINS];
  for (int j = 0; j < nb * nt; j++) a[j] = _mm256_setzero_ps();
  for (int64_t j0 = 0; j0 < K; j0 += G) {
    if (type == TC_Q8R)
      for (int b = 0; b < nb; b++) mult[b] = _mm256_loadu_ps(tc_q8r_mults(c->w, blk + b, j0 / G));
    for (int64_t i = j0; i < j0 + G; i++) {
      __m256 w[TC_MM_CHAINS];
      tc_matmul_prefetch(c, blk, nb, i, type);
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
  tc_matmul_store(c, blk, nb, t0, nt, acc);
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
      tc_matmul_prefetch(c, blk, 2 * np, i, type);
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

/* Pairs of blocks first (2 or 4 pairs: 8 sums in flight), from an even block. */
TC_INLINE int64_t tc_matmul_wide(const tc_matmul_ctx *c, int64_t b, int64_t e, int64_t t0, int nt, int type) {
  const int np = nt == 4 ? 2 : 4;
  int64_t blk = b;
  if (blk & 1) tc_matmul_tile(c, blk++, 1, t0, nt, type);
  for (; blk + 2 * np <= e; blk += 2 * np) tc_matmul_pairs512(c, blk, np, t0, nt, type);
  return blk;
}
#else
/* No wider tiles on this ISA: every block goes to tc_matmul_tile. */
TC_INLINE int64_t tc_matmul_wide(const tc_matmul_ctx *c, int64_t b, int64_t e, int64_t t0, int nt, int type) {
  TC_UNUSED(c), TC_UNUSED(e), TC_UNUSED(t0), TC_UNUSED(nt), TC_UNUSED(type);
  return b;
}
#endif

/* ---------------------------------------------------------------- ternary products ----------------- */

static inline int32_t tc_hsum_epi32(__m256i v) {
  __m128i r = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  r = _mm_hadd_epi32(r, r);
  r = _mm_hadd_epi32(r, r);
  return _mm_cvtsi128_si32(r);
}

/* Only the tq1 form comes here: i2 has the tiled kernel below. */
int32_t tc_isa_dot_codes(const uint8_t *row, int format, const int8_t *x, int64_t b0, int64_t b1) {
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
}

/* ---- i2 on x86, tiled: R rows x NT tokens per pass over a group's blocks, so one activation load serves R rows
 * and one unpacked weight plane serves NT tokens. maddubs (code 0..2 times int8: no int16 saturation) and one madd
 * per block on AVX2; with AVX-512 VNNI, vpdpbusd accumulates code * x straight into int32. The VNNI form stays at
 * 256 bits: on AMD EPYC (Zen 4) the 512-bit form streamed the 2B-4T shapes' weights at 21-23 GB/s on one thread and
 * this one at 26-28 (512-bit loads stream slower there, and both widths run the same ALU work), and it keeps the
 * AVX2 form's weight and activation layout. */
#if defined(TC_AVX512)
/* 32 registers: the accumulators of 8 rows, the activations and the planes all fit */
#define TC_I2_DECODE_ROWS 8
#define TC_I2_PREFILL_ROWS 2 /* rows of a prefill tile (x 4 tokens) */
/* A second prefetch stream into L2 (see tc_i2_step): these kernels and the integer head wait on memory, not on
 * their arithmetic, and streamed 15-40% (i2) and 5% (head) faster with it (AMD EPYC, Zen 4, one thread). */
#define TC_L2_STREAM 1
static inline __m256i tc_i2_dot4(__m256i acc, const __m256i p[4], const __m256i *x) {
  acc = _mm256_dpbusd_epi32(acc, p[0], x[0]);
  acc = _mm256_dpbusd_epi32(acc, p[1], x[1]);
  acc = _mm256_dpbusd_epi32(acc, p[2], x[2]);
  return _mm256_dpbusd_epi32(acc, p[3], x[3]);
}
#else
/* 16 registers: 8 rows spill their accumulators to the stack; 4 rows decoded 5-25% faster streaming the 2B-4T
 * shapes' weights, and prefill tiles of 1 row x 4 tokens ran a few percent faster than 2 x 4 (AMD EPYC, Zen 3). */
#define TC_I2_DECODE_ROWS 4
#define TC_I2_PREFILL_ROWS 1
/* No L2 stream: the AVX2 kernels are bound by their arithmetic (maddubs), and on Zen 4 the extra prefetches made the
 * i2 tiles and the head 5-20% slower. */
#define TC_L2_STREAM 0
static inline __m256i tc_i2_dot4(__m256i acc, const __m256i p[4], const __m256i *x) {
  __m256i s = _mm256_add_epi16(_mm256_maddubs_epi16(p[0], x[0]), _mm256_maddubs_epi16(p[1], x[1]));
  s = _mm256_add_epi16(s, _mm256_add_epi16(_mm256_maddubs_epi16(p[2], x[2]), _mm256_maddubs_epi16(p[3], x[3])));
  return _mm256_add_epi32(acc, _mm256_madd_epi16(s, _mm256_set1_epi16(1)));
}
#endif

/* Asks for `bytes` bytes from `ahead` into L1 and, with TC_L2_STREAM, the same span 8 KB further into L2: one step of
 * the prefetch streams of the i2 tiles and the integer head (see tc_i2_step). */
TC_INLINE void tc_prefetch_stream(const char *ahead, int64_t bytes) {
  if (TC_L2_STREAM)
    for (int64_t l = 0; l < bytes; l += 64) _mm_prefetch(ahead + 8192 + l, _MM_HINT_T1);
  for (int64_t l = 0; l < bytes; l += 64) _mm_prefetch(ahead + l, _MM_HINT_T0);
}

/* One block (from block b) of an R x NT tile. */
TC_INLINE void tc_i2_step(const tc_packed_ctx *c, __m256i *acc, int64_t o0, int R, int64_t t0, int NT, int64_t b) {
  __m256i xv[4][4];
  for (int t = 0; t < NT; t++)
    for (int n = 0; n < 4; n++) xv[t][n] = _mm256_loadu_si256((const __m256i *)(c->x + (t0 + t) * c->kpad + b * 128 + n * 32));
  /* The tile's R rows are one contiguous region, which it reads as R short streams side by side, a pattern the
   * hardware prefetchers follow late (and prefetching each row ahead on its own did worse still). So ask for the
   * region ahead as one stream, in address order, R blocks a step: into L1 a region plus 4 KB ahead, so the rest of
   * this tile's rows and the next tile's region arrive before their steps read them, and (TC_L2_STREAM) into L2
   * 8 KB further. One AMD EPYC thread streaming these products: 9-11 GB/s with a prefetch per row 8 KB ahead of that
   * row, 14-16 (Zen 3) with one stream 8 KB ahead; with VNNI on Zen 4 17-23 GB/s with the L1 stream alone (18 on the
   * 1536-wide rows, 20 on the 6912-wide: a fixed 8 KB fell behind on those) and 25-29 with both, on rows 1536 to
   * 6912 wide. With several groups (a scale per block of weights) a tile reads one group's blocks of each row, and
   * the stream runs over rows that the tiles of the next group read. */
  tc_prefetch_stream((const char *)(c->w + o0 * c->row_bytes) + b * 32 * R + R * c->row_bytes + 4096, 32 * R);
  for (int r = 0; r < R; r++) {
    const __m256i v = _mm256_loadu_si256((const __m256i *)(c->w + (o0 + r) * c->row_bytes + b * 32));
    __m256i p[4];
    for (int n = 0; n < 4; n++) p[n] = _mm256_and_si256(_mm256_srli_epi16(v, 2 * n), _mm256_set1_epi8(3));
    for (int t = 0; t < NT; t++) acc[r * NT + t] = tc_i2_dot4(acc[r * NT + t], p, xv[t]);
  }
}

TC_INLINE void tc_i2_tile(const tc_packed_ctx *c, int64_t o0, int R, int64_t t0, int NT, int64_t g) {
  const int64_t b0 = g * c->group_blocks;
  __m256i acc[8];
  for (int j = 0; j < R * NT; j++) acc[j] = _mm256_setzero_si256();
  for (int64_t b = b0; b < b0 + c->group_blocks; b++) tc_i2_step(c, acc, o0, R, t0, NT, b);
  for (int r = 0; r < R; r++)
    for (int t = 0; t < NT; t++)
      c->acc[((t0 + t) * c->n + o0 + r) * c->groups + g] = tc_hsum_epi32(acc[r * NT + t]) - c->xsum[(t0 + t) * c->groups + g];
}

/* Rows [b, e) in chunks of 32 (their weights stay in cache across the token tiles): tiles of TC_I2_PREFILL_ROWS
 * rows x 4 tokens while 4 tokens remain, then TC_I2_DECODE_ROWS rows x 1 token. */
static void tc_i2_task(void *ctxp, int64_t b, int64_t e, int thread) {
  const tc_packed_ctx *c = (const tc_packed_ctx *)ctxp;
  TC_UNUSED(thread);
  for (int64_t oc = b; oc < e; oc += 32) {
    const int64_t oe = oc + 32 < e ? oc + 32 : e;
    for (int64_t g = 0; g < c->groups; g++) {
      int64_t t0 = 0, o;
      for (; t0 + 4 <= c->T; t0 += 4) {
        for (o = oc; o + TC_I2_PREFILL_ROWS <= oe; o += TC_I2_PREFILL_ROWS) tc_i2_tile(c, o, TC_I2_PREFILL_ROWS, t0, 4, g);
        for (; o < oe; o++) tc_i2_tile(c, o, 1, t0, 4, g);
      }
      for (; t0 < c->T; t0++) {
        for (o = oc; o + TC_I2_DECODE_ROWS <= oe; o += TC_I2_DECODE_ROWS) tc_i2_tile(c, o, TC_I2_DECODE_ROWS, t0, 1, g);
        for (; o < oe; o++) tc_i2_tile(c, o, 1, t0, 1, g);
      }
    }
  }
}

/* ---------------------------------------------------------------- the integer head (matmul_q8) -------- */

/* Q6_K: 256 codes u = q + 32 in 0..63 (so maddubs can take them as unsigned), their products with the int8 input
 * summed per sub-block of 16 and weighted by its int8 scale; the +32 comes back out through the input's sums of 16
 * (bs): isum = sum_j sc_j (sum u x) - 32 sum_j sc_j bs_j, exact in int32. */
#if defined(TC_AVX512)
/* 64 codes a vector. Within a half (128 codes) the low nibbles of ql's 64 bytes are codes 0-63 and their high
 * nibbles codes 64-127; qh's 32 bytes, in both 256-bit lanes, give bits 4-5 with a shift that differs between the
 * lanes (codes 0-31 shift left by 4, 32-63 by 2, 64-95 by 0, 96-127 right by 2). vpdpwssd weights maddubs's pair
 * sums by their sub-block's scale (a permute puts scale 4c + k in 128-bit lane k for codes 64c..64c+63) straight
 * into the int32 accumulator. On AMD EPYC (Zen 4) this ran the 2B-4T shape's head at 21-22 GB/s on one thread, the
 * AVX2 form below at 20 (and 30 against 24 GB/s from cache). */
static const uint16_t tc_q6k_scale_index[4][32] = {
#define TC_SCALE8(s) s, s, s, s, s, s, s, s
#define TC_CHUNK(c) {TC_SCALE8(4 * (c)), TC_SCALE8(4 * (c) + 1), TC_SCALE8(4 * (c) + 2), TC_SCALE8(4 * (c) + 3)}
    TC_CHUNK(0), TC_CHUNK(1), TC_CHUNK(2), TC_CHUNK(3),
#undef TC_CHUNK
#undef TC_SCALE8
};

TC_INLINE int32_t tc_q6k_isum(const uint8_t *blk, const int8_t *xb, const int16_t *bs) {
  const __m512i m4 = _mm512_set1_epi8(0x0f), m30 = _mm512_set1_epi8(0x30);
  const __m512i shl = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
  const __m512i shr = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
  const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(blk + 192)));
  const __m512i sc = _mm512_castsi256_si512(sc16);
  __m512i acc = _mm512_setzero_si512();
  for (int h = 0; h < 2; h++) {
    const __m512i l = _mm512_loadu_si512(blk + 64 * h);
    const __m512i hb = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h)));
    const __m512i ua = _mm512_or_si512(_mm512_and_si512(l, m4), _mm512_and_si512(_mm512_sllv_epi16(hb, shl), m30));
    const __m512i ub = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4), _mm512_and_si512(_mm512_srlv_epi16(hb, shr), m30));
    const __m512i pa = _mm512_maddubs_epi16(ua, _mm512_loadu_si512(xb + 128 * h));
    const __m512i pb = _mm512_maddubs_epi16(ub, _mm512_loadu_si512(xb + 128 * h + 64));
    acc = _mm512_dpwssd_epi32(acc, pa, _mm512_permutexvar_epi16(_mm512_loadu_si512(tc_q6k_scale_index[2 * h]), sc));
    acc = _mm512_dpwssd_epi32(acc, pb, _mm512_permutexvar_epi16(_mm512_loadu_si512(tc_q6k_scale_index[2 * h + 1]), sc));
  }
  const __m256i corr = _mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *)bs));
  return tc_hsum_epi32(_mm256_sub_epi32(_mm256_add_epi32(_mm512_castsi512_si256(acc), _mm512_extracti64x4_epi64(acc, 1)), _mm256_slli_epi32(corr, 5)));
}
#else
/* Byte shuffles that spread int16 sub-scales 2q and 2q + 1 of a 128-bit lane over 8 int16 lanes each (chunk q). */
#define TC_PICK(b) (b), (b) + 1
#define TC_PICK8(b) TC_PICK(b), TC_PICK(b), TC_PICK(b), TC_PICK(b), TC_PICK(b), TC_PICK(b), TC_PICK(b), TC_PICK(b)
static const uint8_t tc_q6k_pick[4][32] = {
    {TC_PICK8(0), TC_PICK8(2)},
    {TC_PICK8(4), TC_PICK8(6)},
    {TC_PICK8(8), TC_PICK8(10)},
    {TC_PICK8(12), TC_PICK8(14)},
};
#undef TC_PICK8
#undef TC_PICK

TC_INLINE int32_t tc_q6k_isum(const uint8_t *blk, const int8_t *xb, const int16_t *bs) {
  const __m256i m4 = _mm256_set1_epi8(0x0f), m30 = _mm256_set1_epi8(0x30);
  const __m128i sc8 = _mm_loadu_si128((const __m128i *)(blk + 192));
  const __m256i sc16 = _mm256_cvtepi8_epi16(sc8);
  /* sub-scales 0-7 (first half) and 8-15 (second half) in both 128-bit lanes */
  const __m256i halves[2] = {_mm256_permute2x128_si256(sc16, sc16, 0x00), _mm256_permute2x128_si256(sc16, sc16, 0x11)};
  __m256i acc = _mm256_setzero_si256();
  for (int h = 0; h < 2; h++) {
    const __m256i l0 = _mm256_loadu_si256((const __m256i *)(blk + 64 * h)), l1 = _mm256_loadu_si256((const __m256i *)(blk + 64 * h + 32));
    const __m256i hb = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h));
    __m256i u[4];
    u[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_and_si256(_mm256_slli_epi16(hb, 4), m30));
    u[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_and_si256(_mm256_slli_epi16(hb, 2), m30));
    u[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(hb, m30));
    u[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(hb, 2), m30));
    for (int q = 0; q < 4; q++) {
      /* elements 32q..32q+31 of the half: sub-blocks 8h + 2q and 8h + 2q + 1, one scale per 8 int16 lanes */
      const __m256i sc = _mm256_shuffle_epi8(halves[h], _mm256_loadu_si256((const __m256i *)tc_q6k_pick[q]));
      const __m256i p = _mm256_maddubs_epi16(u[q], _mm256_loadu_si256((const __m256i *)(xb + 128 * h + 32 * q)));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p, sc));
    }
  }
  const __m256i corr = _mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *)bs));
  return tc_hsum_epi32(_mm256_sub_epi32(acc, _mm256_slli_epi32(corr, 5)));
}
#endif

/* Q8_0: 32 signed codes times the input, as |q| (unsigned) times x with q's sign. */
TC_INLINE int32_t tc_q80_isum(const uint8_t *blk, const int8_t *xb) {
  const __m256i q = _mm256_loadu_si256((const __m256i *)(blk + 2)), x = _mm256_loadu_si256((const __m256i *)xb);
  return tc_hsum_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(q), _mm256_sign_epi8(x, q)), _mm256_set1_epi16(1)));
}

/* R rows of one token: R independent float chains, each over the blocks in order. */
TC_INLINE void tc_q8_rows(const tc_q8_ctx *c, int64_t o, int R, int64_t t, int q6k) {
  const int64_t K = c->w->cols, G = tc_qblock_elems(c->w->type), nb = K / G, bytes = tc_qblock_bytes(c->w->type);
  const int8_t *xq = c->xq + t * K;
  const float *xs = c->xs + t * nb;
  const int16_t *bs = c->bsum + t * (K / TC_BLOCK_SUB);
  float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int64_t j = 0; j < nb; j++) {
    /* The R rows are one contiguous region read as R streams side by side, which the hardware prefetchers follow
     * late: ask for the region 8 KB ahead as one stream into L1 and (TC_L2_STREAM) 8 KB further into L2, R blocks
     * a step (the head ran at 5 GB/s without a prefetch, 14 GB/s with one per row 16 KB ahead of it, 15 GB/s with
     * the L1 stream, streaming the 2B-4T shape's on one Zen 3 thread; on Zen 4 the L2 stream added about 5% to the
     * VNNI form, and a region plus 4 KB ahead, as the i2 tiles do, was a little slower). */
    tc_prefetch_stream((const char *)c->w->data + (o * nb + j * R) * bytes + 8192, R * bytes);
    for (int r = 0; r < R; r++) {
      const uint8_t *blk = (const uint8_t *)c->w->data + ((o + r) * nb + j) * bytes;
      const int32_t isum = q6k ? tc_q6k_isum(blk, xq + j * G, bs + j * (G / TC_BLOCK_SUB)) : tc_q80_isum(blk, xq + j * G);
      /* F16C's conversion: exact like tc_qblock_d's, without its branches (the head took 10-20% longer with those) */
      acc[r] = acc[r] + (_cvtsh_ss(tc_qblock_d_bits(q6k ? TC_Q6_K : TC_Q8_0, blk)) * xs[j]) * (float)isum;
    }
  }
  for (int r = 0; r < R; r++) c->y[t * c->ystride + o + r] = acc[r];
}

TC_INLINE void tc_q8_task(const tc_q8_ctx *c, int64_t b, int64_t e, int q6k) {
  for (int64_t t = 0; t < c->T; t++) {
    int64_t o = b;
    for (; o + 4 <= e; o += 4) tc_q8_rows(c, o, 4, t, q6k);
    for (; o < e; o++) tc_q8_rows(c, o, 1, t, q6k);
  }
}

static void tc_q6k_task(void *ctxp, int64_t b, int64_t e, int thread) {
  TC_UNUSED(thread);
  tc_q8_task((const tc_q8_ctx *)ctxp, b, e, 1);
}

static void tc_q80_task(void *ctxp, int64_t b, int64_t e, int thread) {
  TC_UNUSED(thread);
  tc_q8_task((const tc_q8_ctx *)ctxp, b, e, 0);
}

tc_task_fn tc_isa_matmul_q8_kernel(const tc_q8_ctx *c) { return c->w->type == TC_Q6_K ? tc_q6k_task : tc_q80_task; }

tc_task_fn tc_isa_packed_kernel(const tc_packed_ctx *c) {
  return c->format == TC_I2 ? tc_i2_task : NULL;
}
#endif
