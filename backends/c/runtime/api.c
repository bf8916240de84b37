/* The public API (model.h): opening a weight blob, buffers, and running tokens through the forward function. */
#include "ternc_runtime.h"

static uint32_t tc_crc32(const uint8_t *p, size_t n) {
  static uint32_t table[256];
  static atomic_int ready;
  if (!atomic_load(&ready)) { /* computing it twice from two threads writes the same values */
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    atomic_store(&ready, 1);
  }
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static uint64_t tc_read_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static uint32_t tc_u32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

ternc_params ternc_default_params(void) {
  ternc_params p;
  memset(&p, 0, sizeof p);
  p.verify_checksum = 1;
  return p;
}

static void tc_set_err(char *err, size_t size, const char *msg, const char *detail) {
  if (err && size) snprintf(err, size, "%s%s%s", msg, detail ? ": " : "", detail ? detail : "");
}

static int tc_check_blob(const uint8_t *blob, size_t size, int verify, char *err, size_t err_size) {
  char detail[160];
  if (size < TC_BLOB_HEADER_BYTES || memcmp(blob, TC_BLOB_MAGIC, 8) != 0) {
    tc_set_err(err, err_size, "not a ternc weight blob", "bad magic");
    return TERNC_ERR_FORMAT;
  }
  uint64_t total = tc_read_u64(blob + TC_BLOB_SIZE_OFFSET);
  if (total != size || size != tc_desc.blob_bytes) {
    snprintf(detail, sizeof detail, "%zu bytes, the header says %llu and this model.c expects %llu", size, (unsigned long long)total, (unsigned long long)tc_desc.blob_bytes);
    tc_set_err(err, err_size, "weight blob has the wrong size (truncated, or from another compile)", detail);
    return TERNC_ERR_FORMAT;
  }
  if (tc_u32(blob + TC_BLOB_LAYOUT_OFFSET) != tc_desc.layout_id) {
    snprintf(detail, sizeof detail, "layout %08x, this model.c was generated for %08x", tc_u32(blob + TC_BLOB_LAYOUT_OFFSET), tc_desc.layout_id);
    tc_set_err(err, err_size, "weight blob is from another compile", detail);
    return TERNC_ERR_FORMAT;
  }
  if (verify && tc_crc32(blob + TC_BLOB_HEADER_BYTES, size - TC_BLOB_HEADER_BYTES) != tc_u32(blob + TC_BLOB_CRC_OFFSET)) {
    tc_set_err(err, err_size, "weight blob is damaged", "CRC-32 mismatch");
    return TERNC_ERR_FORMAT;
  }
  return TERNC_OK;
}

static int tc_online_cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

static int tc_create(ternc_model **out, const uint8_t *blob, size_t size, void *owned, int mapped, const ternc_params *params, char *err, size_t err_size) {
  ternc_params p = params ? *params : ternc_default_params();
  *out = NULL;
  int rc = tc_check_blob(blob, size, p.verify_checksum, err, err_size);
  if (rc != TERNC_OK) return rc;
  if (p.n_ctx < 0 || p.n_batch < 0 || p.n_threads < 0 || p.n_threads > TERNC_MAX_THREADS) {
    tc_set_err(err, err_size, "bad parameters", "n_ctx and n_batch must be >= 0, n_threads from 0 to TERNC_MAX_THREADS");
    return TERNC_ERR_INPUT;
  }
  ternc_model *m = (ternc_model *)calloc(1, sizeof(ternc_model));
  if (!m) {
    tc_set_err(err, err_size, "out of memory", NULL);
    return TERNC_ERR_MEMORY;
  }
  m->blob = blob;
  m->blob_size = size;
  m->owned = owned;
  m->owned_size = size;
  m->owned_mapped = mapped;
  m->n_ctx = p.n_ctx ? p.n_ctx : tc_desc.default_context;
  m->n_batch = p.n_batch ? p.n_batch : 64;
  /* A model graph without a KV cache runs its whole sequence in one forward (ternc_model_eval). */
  if (!tc_desc.graph_abi && tc_desc.n_caches == 0) m->n_batch = m->n_ctx;
  if (m->n_batch > m->n_ctx) m->n_batch = m->n_ctx;
  m->n_threads = p.n_threads ? p.n_threads : tc_online_cores();
  if (m->n_threads > TERNC_MAX_THREADS) m->n_threads = TERNC_MAX_THREADS;
  m->trace = p.trace;
  m->trace_user = p.trace_user;
  const tc_model_desc *d = &tc_desc;
  int ok = (m->buf = (void **)calloc((size_t)d->n_buffers + 1, sizeof(void *))) != NULL;
  ok = ok && (m->cache = (float **)calloc((size_t)d->n_caches + 1, sizeof(float *))) != NULL;
  for (int i = 0; ok && i < d->n_buffers; i++) ok = (m->buf[i] = tc_alloc((size_t)(d->buffer_per_token[i] * m->n_batch + d->buffer_fixed[i]))) != NULL;
  int64_t widest = 1;
  for (int i = 0; ok && i < d->n_caches; i++) {
    ok = (m->cache[i] = (float *)tc_alloc((size_t)(d->cache_width[i] * m->n_ctx) * sizeof(float))) != NULL;
    if (d->cache_width[i] > widest) widest = d->cache_width[i];
  }
  ok = ok && (m->scratch = tc_alloc((size_t)(d->scratch_per_token * m->n_batch + d->scratch_fixed)));
  ok = ok && (m->attn_scratch = (float *)tc_alloc((size_t)m->n_threads * (size_t)(m->n_ctx > m->n_batch ? m->n_ctx : m->n_batch) * sizeof(float)));
  ok = ok && (m->pos = (int32_t *)tc_alloc((size_t)m->n_batch * sizeof(int32_t)));
  if (!d->graph_abi && d->n_caches == 0) ok = ok && (m->history = (int32_t *)tc_alloc((size_t)m->n_ctx * sizeof(int32_t)));
  if (ok && m->trace) ok = (m->trace_buf = (float *)tc_alloc((size_t)(widest * m->n_ctx) * sizeof(float))) != NULL;
  ok = ok && (m->pool = tc_pool_create(m->n_threads));
  if (!ok) {
    m->owned = NULL; /* the caller releases the weights */
    ternc_model_free(m);
    tc_set_err(err, err_size, "out of memory", "buffers for the context and batch");
    return TERNC_ERR_MEMORY;
  }
  m->n_threads = tc_pool_size(m->pool);
  *out = m;
  return TERNC_OK;
}

int ternc_model_open_blob(ternc_model **out, const void *blob, size_t size, const ternc_params *params, char *err, size_t err_size) {
  if (!out || !blob || ((uintptr_t)blob % TC_ALIGN) != 0) {
    tc_set_err(err, err_size, "bad arguments", "the blob must be non-NULL and 64-byte aligned");
    return TERNC_ERR_INPUT;
  }
  return tc_create(out, (const uint8_t *)blob, size, NULL, 0, params, err, err_size);
}

/* Reads the file into anonymous memory, 2 MB aligned and marked for transparent huge pages where the system
 * has them: decode walks every weight once per token, and 4 KB pages cost a TLB miss every 4 KB. */
static void *tc_read_file(int fd, size_t size, char *detail, size_t detail_size) {
  const size_t huge = (size_t)1 << 21, rounded = (size + huge - 1) / huge * huge;
  void *mem = NULL;
  if (posix_memalign(&mem, huge, rounded) != 0) {
    snprintf(detail, detail_size, "%zu bytes for the weights", size);
    return NULL;
  }
#if defined(MADV_HUGEPAGE)
  madvise(mem, rounded, MADV_HUGEPAGE);
#endif
  for (size_t done = 0; done < size;) {
    ssize_t got = pread(fd, (char *)mem + done, size - done < huge * 16 ? size - done : huge * 16, (off_t)done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      snprintf(detail, detail_size, "%s", got < 0 ? strerror(errno) : "the file shrank while reading");
      free(mem);
      return NULL;
    }
    done += (size_t)got;
  }
  return mem;
}

int ternc_model_open(ternc_model **out, const char *path, const ternc_params *params, char *err, size_t err_size) {
  char detail[512];
  if (!out || !path) {
    tc_set_err(err, err_size, "bad arguments", NULL);
    return TERNC_ERR_INPUT;
  }
  *out = NULL;
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    snprintf(detail, sizeof detail, "%s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    tc_set_err(err, err_size, "cannot open the weights", detail);
    return TERNC_ERR_IO;
  }
  size_t size = (size_t)st.st_size;
  const int use_mmap = params && params->use_mmap;
  void *mem;
  if (size == 0) {
    close(fd);
    snprintf(detail, sizeof detail, "%s: empty file", path);
    tc_set_err(err, err_size, "cannot read the weights", detail);
    return TERNC_ERR_FORMAT;
  }
  if (use_mmap) {
    mem = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mem == MAP_FAILED) {
      mem = NULL;
      snprintf(detail, sizeof detail, "%s: %s", path, strerror(errno));
    }
  } else {
    char why[256];
    mem = tc_read_file(fd, size, why, sizeof why);
    if (!mem) snprintf(detail, sizeof detail, "%s: %s", path, why);
  }
  close(fd);
  if (!mem) {
    tc_set_err(err, err_size, use_mmap ? "cannot map the weights" : "cannot read the weights", detail);
    return TERNC_ERR_IO;
  }
  int rc = tc_create(out, (const uint8_t *)mem, size, mem, use_mmap, params, err, err_size);
  if (rc != TERNC_OK) {
    if (use_mmap) munmap(mem, size);
    else free(mem);
    if (err && err_size) {
      snprintf(detail, sizeof detail, "%s", err);
      snprintf(err, err_size, "%s: %s", path, detail);
    }
  }
  return rc;
}

int ternc_model_eval(ternc_model *m, const int32_t *tokens, int32_t n, float *logits_out) {
  if (m && tc_desc.graph_abi) return tc_fail(m, TERNC_ERR_INPUT, "this is a build of a plain graph: call ternc_graph_eval");
  if (!m || (!tokens && n > 0) || n < 0) return m ? tc_fail(m, TERNC_ERR_INPUT, "bad arguments to ternc_model_eval") : TERNC_ERR_INPUT;
  if ((int64_t)m->n_past + n > m->n_ctx) return tc_fail(m, TERNC_ERR_CONTEXT, "%d tokens after %d do not fit in the context of %d", (int)n, (int)m->n_past, (int)m->n_ctx);
  const int32_t vocab = tc_desc.vocab;
  for (int32_t i = 0; i < n; i++)
    if (tokens[i] < 0 || tokens[i] >= vocab) return tc_fail(m, TERNC_ERR_INPUT, "token %d is %d, outside the vocabulary of %d", (int)i, (int)tokens[i], (int)vocab);
  const int32_t start = m->n_past;
  if (m->history) {
    /* No KV cache to carry the earlier tokens: keep them and run the whole sequence again, as the interpreter's
     * generation does; the logits of the new tokens are its last rows. */
    memcpy(m->history + start, tokens, (size_t)n * sizeof(int32_t));
    m->n_past = 0;
    m->all_logits = logits_out != NULL || m->trace != NULL;
    int rc = tc_desc.forward(m, m->history, start + n);
    if (rc != TERNC_OK) {
      m->n_past = start;
      return rc;
    }
    if (logits_out) memcpy(logits_out, m->logits + (size_t)start * (size_t)vocab, (size_t)n * (size_t)vocab * sizeof(float));
    m->logits += (size_t)(start + n - 1) * (size_t)vocab;
    m->n_past = start + n;
    return TERNC_OK;
  }
  for (int32_t done = 0; done < n;) {
    int32_t chunk = n - done < m->n_batch ? n - done : m->n_batch;
    m->all_logits = logits_out != NULL || m->trace != NULL;
    int rc = tc_desc.forward(m, tokens + done, chunk);
    if (rc != TERNC_OK) {
      m->n_past = start;
      return rc;
    }
    if (logits_out) memcpy(logits_out + (size_t)done * (size_t)vocab, m->logits, (size_t)chunk * (size_t)vocab * sizeof(float));
    m->logits += (size_t)(chunk - 1) * (size_t)vocab;
    m->n_past += chunk;
    done += chunk;
  }
  return TERNC_OK;
}

int ternc_graph_n_io(int outputs) { return outputs ? tc_desc.n_outputs : tc_desc.n_inputs; }

const ternc_io *ternc_graph_io(int outputs, int i) {
  if (i < 0 || i >= ternc_graph_n_io(outputs)) return NULL;
  return outputs ? &tc_desc.outputs[i] : &tc_desc.inputs[i];
}

int ternc_graph_eval(ternc_model *m, int64_t T, const void *const *inputs, void *const *outputs) {
  if (m && !tc_desc.graph_abi) return tc_fail(m, TERNC_ERR_INPUT, "this is a model build: call ternc_model_eval");
  if (!m || (!inputs && tc_desc.n_inputs > 0) || !outputs) return m ? tc_fail(m, TERNC_ERR_INPUT, "bad arguments to ternc_graph_eval") : TERNC_ERR_INPUT;
  if (T < 1 || T > m->n_batch) return tc_fail(m, TERNC_ERR_INPUT, "T = %lld is outside 1..%d (the n_batch the model was opened with)", (long long)T, (int)m->n_batch);
  for (int i = 0; i < tc_desc.n_inputs; i++)
    if (!inputs[i]) return tc_fail(m, TERNC_ERR_INPUT, "input %s is NULL", tc_desc.inputs[i].name);
  m->all_logits = 1;
  return tc_desc.forward_graph(m, T, (void *const *)(uintptr_t)inputs, outputs);
}

const float *ternc_model_logits(const ternc_model *m) { return m->logits; }
int32_t ternc_model_n_past(const ternc_model *m) { return m->n_past; }
int32_t ternc_model_n_ctx(const ternc_model *m) { return m->n_ctx; }
int ternc_model_n_threads(const ternc_model *m) { return m->n_threads; }
void ternc_model_reset(ternc_model *m) { m->n_past = 0; }
const char *ternc_model_error(const ternc_model *m) { return m->error; }
int32_t ternc_model_vocab(void) { return tc_desc.vocab; }
const char *ternc_model_isa(void) { return TC_ISA; }

int32_t ternc_model_bos(void) { return tc_desc.bos_id; }

int32_t ternc_model_eos(void) { return tc_desc.eos_id; }

int32_t ternc_argmax(const float *v, int32_t n) {
  int32_t best = 0;
  for (int32_t i = 1; i < n; i++)
    if (v[i] > v[best]) best = i;
  return best;
}

double tc_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int ternc_model_profile_start(ternc_model *m) {
  if (!m) return TERNC_ERR_INPUT;
  if (!m->profile && !(m->profile = calloc((size_t)(tc_desc.n_op_kinds > 0 ? tc_desc.n_op_kinds : 1), sizeof(double)))) return tc_fail(m, TERNC_ERR_MEMORY, "out of memory for the profile");
  for (int i = 0; i < tc_desc.n_op_kinds; i++) m->profile[i] = 0.0;
  return TERNC_OK;
}

int ternc_model_profile_kinds(void) { return tc_desc.n_op_kinds; }

const char *ternc_model_profile_kind(const ternc_model *m, int i, double *seconds) {
  if (i < 0 || i >= tc_desc.n_op_kinds) return NULL;
  if (seconds) *seconds = m && m->profile ? m->profile[i] : 0.0;
  return tc_desc.op_kinds[i];
}

void ternc_model_set_op_hook(ternc_model *m, ternc_op_hook hook, void *user) {
  m->hook = hook;
  m->hook_user = hook ? user : NULL;
}

void ternc_model_free(ternc_model *m) {
  if (!m) return;
  free(m->profile);
  tc_pool_free(m->pool);
  for (int i = 0; m->buf && i < tc_desc.n_buffers; i++) free(m->buf[i]);
  for (int i = 0; m->cache && i < tc_desc.n_caches; i++) free(m->cache[i]);
  free(m->buf);
  free(m->cache);
  free(m->scratch);
  free(m->attn_scratch);
  free(m->trace_buf);
  free(m->pos);
  free(m->history);
  if (m->owned && m->owned_mapped) munmap(m->owned, m->owned_size);
  else free(m->owned);
  free(m);
}
