/* AArch64 NEON kernels, with the dot-product extension (vdotq_s32) when __ARM_FEATURE_DOTPROD is set. */
#include "ternc_runtime.h"

#if defined(TC_NEON)
#include <arm_neon.h>

#include "isa_matmul.h"

/* nb row blocks x nt tokens from (blk, t0): nb * nt independent sums in flight. */
TC_INLINE void tc_matmul_tile(const tc_matmul_ctx *c, int64_t blk, int nb, int64_t t0, int nt, int type) {
  const int64_t K = c->w->cols, G = type == TC_Q8R ? c->w->group : K;
  const float *x = c->x + t0 * K;
  float acc[TC_MM_CHAINS][8];
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
  tc_matmul_store(c, blk, nb, t0, nt, acc);
}

/* No wider tiles on this ISA: every block goes to tc_matmul_tile. */
TC_INLINE int64_t tc_matmul_wide(const tc_matmul_ctx *c, int64_t b, int64_t e, int64_t t0, int nt, int type) {
  TC_UNUSED(c), TC_UNUSED(e), TC_UNUSED(t0), TC_UNUSED(nt), TC_UNUSED(type);
  return b;
}

/* Both forms: i2 planes by shifts, tq1 digits by TQ1_0's multiply-and-shift. */
int32_t tc_isa_dot_codes(const uint8_t *row, int format, const int8_t *x, int64_t b0, int64_t b1) {
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
}

tc_task_fn tc_isa_packed_kernel(const tc_packed_ctx *c) {
  TC_UNUSED(c);
  return NULL;
}

/* No NEON form of the integer head yet: the block-by-block reference in kernels.c serves. */
tc_task_fn tc_isa_matmul_q8_kernel(const tc_q8_ctx *c) {
  TC_UNUSED(c);
  return NULL;
}
#endif
