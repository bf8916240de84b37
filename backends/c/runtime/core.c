/* The model object and the helpers the generated forward function calls (placed after the generated sizes). */

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
  void *buf[TC_N_BUFFERS];
  float *cache[TC_N_CACHES];
  void *scratch;
  float *attn_scratch;
  float *trace_buf;
  int32_t *pos;
  const float *logits;
  ternc_trace_fn trace;
  void *trace_user;
  char error[256];
};

static TC_MAYBE_UNUSED int tc_fail(ternc_model *m, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static TC_MAYBE_UNUSED int tc_fail(ternc_model *m, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->error, sizeof m->error, fmt, ap);
  va_end(ap);
  return code;
}

/* y = for each of `outer` blocks: the bytes [start, start + size) of a `stride`-byte row, `inner` elements wide. */
static TC_MAYBE_UNUSED void tc_copy_ranges(const uint8_t *x, uint8_t *y, int64_t outer, int64_t stride, int64_t start, int64_t size, int64_t inner) {
  for (int64_t o = 0; o < outer; o++) memcpy(y + o * size * inner, x + (o * stride + start) * inner, (size_t)(size * inner));
}

static TC_MAYBE_UNUSED void tc_concat(const uint8_t *a, const uint8_t *b, uint8_t *y, int64_t outer, int64_t ia, int64_t ib) {
  for (int64_t o = 0; o < outer; o++) {
    memcpy(y + o * (ia + ib), a + o * ia, (size_t)ia);
    memcpy(y + o * (ia + ib) + ia, b + o * ib, (size_t)ib);
  }
}

/* x [rows, width] -> y [width, rows] */
static TC_MAYBE_UNUSED void tc_transpose(const float *x, int64_t rows, int64_t width, float *y) {
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < width; c++) y[c * rows + r] = x[r * width + c];
}

/* Appends T rows to cache i at row P (transposed caches store one row per feature). */
static TC_MAYBE_UNUSED int tc_cache_append(ternc_model *m, int i, const float *rows, int64_t P, int64_t T) {
  const int64_t w = TC_CACHE_WIDTH[i], cap = m->n_ctx;
  if (P + T > cap) return 1;
  if (TC_CACHE_TRANSPOSED[i]) {
    for (int64_t t = 0; t < T; t++)
      for (int64_t c = 0; c < w; c++) m->cache[i][c * cap + P + t] = rows[t * w + c];
  } else memcpy(m->cache[i] + P * w, rows, (size_t)(T * w) * sizeof(float));
  return 0;
}

/* Traces a cache's first S rows in the interpreter's layout ([S, width]). */
static TC_MAYBE_UNUSED void tc_trace_cache(ternc_model *m, const char *name, int i, int64_t S) {
  const int64_t w = TC_CACHE_WIDTH[i], cap = m->n_ctx, shape[2] = {S, w};
  const float *rows = m->cache[i];
  if (TC_CACHE_TRANSPOSED[i]) {
    for (int64_t s = 0; s < S; s++)
      for (int64_t c = 0; c < w; c++) m->trace_buf[s * w + c] = m->cache[i][c * cap + s];
    rows = m->trace_buf;
  }
  m->trace(m->trace_user, name, TERNC_F32, 2, shape, rows);
}
