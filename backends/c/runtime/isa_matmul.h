/* The float matmul's tiling, shared by the ISA files. An ISA file includes this, then defines tc_matmul_tile
 * (nb row blocks x nt tokens, declared below) and tc_matmul_wide (any wider tiles it has first; returns the first
 * block it left). The tiling calls them with constant nb, nt and type, so each call site becomes one unrolled,
 * register-resident kernel: that is why this is a header, not a source file of its own.
 *
 * The matmul (a float weight, e.g. the LM head), w interleaved by 8 rows: y[t, o] = sum_i x[t, i] w[o, i] in
 * index order per output, so the lanes of a vector are independent sums. One sum is a chain of dependent adds,
 * so a tile keeps up to TC_MM_CHAINS sums in flight to hide the add latency; the order within each sum is
 * unchanged. */
#ifndef TERNC_ISA_MATMUL_H
#define TERNC_ISA_MATMUL_H

#include "ternc_runtime.h"

TC_INLINE void tc_matmul_tile(const tc_matmul_ctx *c, int64_t blk, int nb, int64_t t0, int nt, int type);
TC_INLINE int64_t tc_matmul_wide(const tc_matmul_ctx *c, int64_t b, int64_t e, int64_t t0, int nt, int type);

/* Writes a tile's sums (acc[b * nt + t][r]: row r of block blk + b, token t0 + t), leaving out padding rows. */
TC_INLINE void tc_matmul_store(const tc_matmul_ctx *c, int64_t blk, int nb, int64_t t0, int nt, float acc[][8]) {
  for (int b = 0; b < nb; b++)
    for (int t = 0; t < nt; t++)
      for (int64_t r = 0; r < 8 && (blk + b) * 8 + r < c->w->rows; r++) c->y[(t0 + t) * c->ystride + (blk + b) * 8 + r] = acc[b * nt + t][r];
}

/* Row blocks [b, e) for nt tokens from t0 (nt is 4 or 1): the ISA's wide tiles, then tiles of 2 blocks x 4 tokens
 * or 8 blocks x 1 token, then single blocks. */
TC_INLINE void tc_matmul_span(const tc_matmul_ctx *c, int64_t b, int64_t e, int64_t t0, int nt, int type) {
  const int nb = nt == 4 ? 2 : 8;
  int64_t blk = tc_matmul_wide(c, b, e, t0, nt, type);
  for (; blk + nb <= e; blk += nb) tc_matmul_tile(c, blk, nb, t0, nt, type);
  for (; blk < e; blk++) tc_matmul_tile(c, blk, 1, t0, nt, type);
}

/* Row blocks [b, e) for every token, 4 tokens at a time while 4 remain. */
TC_INLINE void tc_matmul_blocks(const tc_matmul_ctx *c, int64_t b, int64_t e, int type) {
  int64_t t0 = 0;
  for (; t0 + 4 <= c->T; t0 += 4) tc_matmul_span(c, b, e, t0, 4, type);
  for (; t0 < c->T; t0++) tc_matmul_span(c, b, e, t0, 1, type);
}

void tc_isa_matmul_task(void *ctxp, int64_t b, int64_t e, int thread) {
  const tc_matmul_ctx *c = (const tc_matmul_ctx *)ctxp;
  TC_UNUSED(thread);
  switch (c->w->type) {
  case TC_F16: tc_matmul_blocks(c, b, e, TC_F16); break;
  case TC_Q8R: tc_matmul_blocks(c, b, e, TC_Q8R); break;
  case TC_BF16: tc_matmul_blocks(c, b, e, TC_BF16); break;
  default: tc_matmul_blocks(c, b, e, TC_F32); break;
  }
}

#endif
