/* Portable C kernels: built with -DTERNC_PORTABLE, or on a target with neither AVX2 nor NEON. */
#include "ternc_runtime.h"

#if !defined(TC_AVX2) && !defined(TC_NEON)
#include "isa_matmul.h"

/* nb row blocks x nt tokens from (blk, t0): nb * nt independent sums in flight. */
TC_INLINE void tc_matmul_tile(const tc_matmul_ctx *c, int64_t blk, int nb, int64_t t0, int nt, int type) {
  const int64_t K = c->w->cols, G = type == TC_Q8R ? c->w->group : K;
  const float *x = c->x + t0 * K;
  float acc[TC_MM_CHAINS][8];
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
  tc_matmul_store(c, blk, nb, t0, nt, acc);
}

/* No wider tiles on this ISA: every block goes to tc_matmul_tile. */
TC_INLINE int64_t tc_matmul_wide(const tc_matmul_ctx *c, int64_t b, int64_t e, int64_t t0, int nt, int type) {
  TC_UNUSED(c), TC_UNUSED(e), TC_UNUSED(t0), TC_UNUSED(nt), TC_UNUSED(type);
  return b;
}

/* One weight at a time. */
int32_t tc_isa_dot_codes(const uint8_t *row, int format, const int8_t *x, int64_t b0, int64_t b1) {
  int32_t s = 0;
  const int64_t bs = tc_block_of(format);
  for (int64_t i = b0 * bs; i < b1 * bs; i++) s += tc_code_at(row, format, i) * x[i];
  return s;
}

tc_task_fn tc_isa_packed_kernel(const tc_packed_ctx *c) {
  TC_UNUSED(c);
  return NULL;
}

/* The block-by-block reference in kernels.c serves. */
tc_task_fn tc_isa_matmul_q8_kernel(const tc_q8_ctx *c) {
  TC_UNUSED(c);
  return NULL;
}
#endif
