/* The helpers the generated forward function calls besides the kernels: errors, copies, KV-cache rows. */
#include <stdarg.h>

#include "ternc_runtime.h"

int tc_fail(ternc_model *m, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->error, sizeof m->error, fmt, ap);
  va_end(ap);
  return code;
}

int tc_offer(ternc_model *m, const ternc_op_call *call) {
  if (!m->hook) return 0;
  char err[200] = "";
  const int r = m->hook(m->hook_user, call, err, sizeof err);
  if (r < 0) return tc_fail(m, TERNC_ERR_HOOK, "%%%s (%s): the op hook failed: %s", call->result, call->op, err[0] ? err : "it gave no reason"), -1;
  return r > 0;
}

void tc_copy_ranges(const uint8_t *x, uint8_t *y, int64_t outer, int64_t stride, int64_t start, int64_t size, int64_t inner) {
  for (int64_t o = 0; o < outer; o++) memcpy(y + o * size * inner, x + (o * stride + start) * inner, (size_t)(size * inner));
}

void tc_concat(const uint8_t *a, const uint8_t *b, uint8_t *y, int64_t outer, int64_t ia, int64_t ib) {
  for (int64_t o = 0; o < outer; o++) {
    memcpy(y + o * (ia + ib), a + o * ia, (size_t)ia);
    memcpy(y + o * (ia + ib) + ia, b + o * ib, (size_t)ib);
  }
}

void tc_transpose(const float *x, int64_t rows, int64_t width, float *y) {
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < width; c++) y[c * rows + r] = x[r * width + c];
}

int tc_cache_append(ternc_model *m, int i, const float *rows, int64_t P, int64_t T) {
  const int64_t w = tc_desc.cache_width[i], cap = m->n_ctx;
  if (P + T > cap) return 1;
  if (tc_desc.cache_transposed[i]) {
    for (int64_t t = 0; t < T; t++)
      for (int64_t c = 0; c < w; c++) m->cache[i][c * cap + P + t] = rows[t * w + c];
  } else memcpy(m->cache[i] + P * w, rows, (size_t)(T * w) * sizeof(float));
  return 0;
}

void tc_trace_cache(ternc_model *m, const char *name, int i, int64_t S) {
  const int64_t w = tc_desc.cache_width[i], cap = m->n_ctx, shape[2] = {S, w};
  const float *rows = m->cache[i];
  if (tc_desc.cache_transposed[i]) {
    for (int64_t s = 0; s < S; s++)
      for (int64_t c = 0; c < w; c++) m->trace_buf[s * w + c] = m->cache[i][c * cap + s];
    rows = m->trace_buf;
  }
  m->trace(m->trace_user, name, TERNC_F32, 2, shape, rows);
}
