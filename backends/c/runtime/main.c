/* A tiny runner for a ternc-compiled model: token ids in, greedy tokens and tokens/s out.
 *
 *   ./ternc-run --tokens 1,2,3 [--max-tokens 32] [--threads N] [--weights weights.bin] [--ctx N] [--batch N]
 *               [--logits FILE] [--trace FILE] [--trace-steps K] [--stop ID] [--no-verify] [--mmap] [--json]
 *
 * --logits writes the prompt's logits (f32, [prompt tokens, vocab], little-endian); --trace writes every op's
 * results for the first K steps (the prefill is step 0) in the format ternc validate reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

typedef struct {
  FILE *f;
  uint32_t step;
  uint32_t steps;
} trace_sink;

static void trace_record(void *user, const char *name, int dtype, int rank, const int64_t *shape, const void *data) {
  trace_sink *s = (trace_sink *)user;
  if (s->step >= s->steps) return;
  static const int elem[] = {4, 2, 2, 1, 4};
  uint64_t count = 1;
  for (int i = 0; i < rank; i++) count *= (uint64_t)shape[i];
  uint32_t head[4] = {(uint32_t)strlen(name), s->step, (uint32_t)dtype, (uint32_t)rank};
  uint64_t bytes = count * (uint64_t)elem[dtype];
  fwrite(head, sizeof head, 1, s->f);
  fwrite(name, 1, head[0], s->f);
  fwrite(shape, sizeof(int64_t), (size_t)rank, s->f);
  fwrite(&bytes, sizeof bytes, 1, s->f);
  fwrite(data, 1, (size_t)bytes, s->f);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int usage(const char *msg) {
  fprintf(stderr, "ternc-run: %s\nusage: ternc-run --tokens 1,2,3 [--max-tokens N] [--threads N] [--weights FILE] [--ctx N] [--batch N] [--logits FILE] [--trace FILE] [--trace-steps K] [--stop ID] [--no-verify] [--mmap] [--json]\n", msg);
  return 2;
}

static int parse_int(const char *text, long lo, long hi, long *out) {
  char *end;
  long v = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < lo || v > hi) return 0;
  *out = v;
  return 1;
}

int main(int argc, char **argv) {
  const char *weights = "weights.bin", *tokens_text = NULL, *logits_path = NULL, *trace_path = NULL;
  long max_tokens = 32, threads = 0, ctx = 0, batch = 0, trace_steps = 1, stop = -1;
  int verify = 1, json = 0, use_mmap = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    long *num = NULL;
    long lo = 0, hi = 1L << 30;
    if (!strcmp(a, "--no-verify")) verify = 0;
    else if (!strcmp(a, "--json")) json = 1;
    else if (!strcmp(a, "--mmap")) use_mmap = 1;
    else if (!v) return usage("missing value after an option");
    else if (!strcmp(a, "--weights")) weights = v, i++;
    else if (!strcmp(a, "--tokens")) tokens_text = v, i++;
    else if (!strcmp(a, "--logits")) logits_path = v, i++;
    else if (!strcmp(a, "--trace")) trace_path = v, i++;
    else if (!strcmp(a, "--max-tokens")) num = &max_tokens;
    else if (!strcmp(a, "--threads")) num = &threads;
    else if (!strcmp(a, "--ctx")) num = &ctx;
    else if (!strcmp(a, "--batch")) num = &batch;
    else if (!strcmp(a, "--trace-steps")) num = &trace_steps;
    else if (!strcmp(a, "--stop")) num = &stop, lo = -1;
    else return usage("unknown option");
    if (num) {
      if (!parse_int(v, lo, hi, num)) return usage("expected a whole number after an option");
      i++;
    }
  }
  if (!tokens_text) return usage("give the prompt as --tokens 1,2,3");
  int32_t cap = 16;
  int32_t n = 0;
  int32_t *seq = (int32_t *)malloc((size_t)cap * sizeof(int32_t));
  for (const char *p = tokens_text; seq && *p;) {
    char *end;
    long id = strtol(p, &end, 10);
    if (end == p || id < 0 || id > 0x7fffffff) return usage("--tokens: expected token ids such as 1,2,3");
    if (n == cap) seq = (int32_t *)realloc(seq, (size_t)(cap *= 2) * sizeof(int32_t));
    if (seq) seq[n++] = (int32_t)id;
    p = *end == ',' ? end + 1 : end;
    if (*end && *end != ',') return usage("--tokens: expected token ids such as 1,2,3");
  }
  if (!seq || n == 0) return usage("--tokens: no tokens");
  trace_sink sink = {NULL, 0, (uint32_t)trace_steps};
  ternc_params params = ternc_default_params();
  params.n_threads = (int)threads;
  params.n_ctx = (int32_t)(ctx ? ctx : 0);
  params.n_batch = (int32_t)batch;
  params.verify_checksum = verify;
  params.use_mmap = use_mmap;
  if (trace_path) {
    sink.f = fopen(trace_path, "wb");
    if (!sink.f) return fprintf(stderr, "ternc-run: cannot write %s\n", trace_path), 1;
    params.trace = trace_record;
    params.trace_user = &sink;
  }
  ternc_model *m;
  char err[512];
  if (ternc_model_open(&m, weights, &params, err, sizeof err) != TERNC_OK) return fprintf(stderr, "ternc-run: %s\n", err), 1;
  const int32_t vocab = ternc_model_vocab();
  float *prompt_logits = logits_path ? (float *)malloc((size_t)n * (size_t)vocab * sizeof(float)) : NULL;
  int32_t *generated = (int32_t *)malloc((size_t)(max_tokens + 1) * sizeof(int32_t));
  if (!generated || (logits_path && !prompt_logits)) return fprintf(stderr, "ternc-run: out of memory\n"), 1;
  double t0 = now_seconds();
  if (ternc_model_eval(m, seq, n, prompt_logits) != TERNC_OK) return fprintf(stderr, "ternc-run: %s\n", ternc_model_error(m)), 1;
  double prefill = now_seconds() - t0;
  sink.step = 1;
  long produced = 0;
  t0 = now_seconds();
  int32_t next = ternc_argmax(ternc_model_logits(m), vocab);
  while (produced < max_tokens) {
    generated[produced++] = next;
    if (next == stop || produced == max_tokens) break;
    if (ternc_model_eval(m, &next, 1, NULL) != TERNC_OK) return fprintf(stderr, "ternc-run: %s\n", ternc_model_error(m)), 1;
    sink.step++;
    next = ternc_argmax(ternc_model_logits(m), vocab);
  }
  double decode = now_seconds() - t0;
  if (logits_path) {
    FILE *f = fopen(logits_path, "wb");
    if (!f || fwrite(prompt_logits, sizeof(float), (size_t)n * (size_t)vocab, f) != (size_t)n * (size_t)vocab || fclose(f) != 0) return fprintf(stderr, "ternc-run: cannot write %s\n", logits_path), 1;
  }
  if (sink.f && fclose(sink.f) != 0) return fprintf(stderr, "ternc-run: cannot write %s\n", trace_path), 1;
  double decode_rate = produced > 1 && decode > 0 ? (double)(produced - 1) / decode : 0.0;
  if (json) {
    printf("{\"prompt\": %d, \"generated\": [", (int)n);
    for (long i = 0; i < produced; i++) printf("%s%d", i ? ", " : "", (int)generated[i]);
    printf("], \"prefillSeconds\": %.6f, \"decodeSeconds\": %.6f, \"threads\": %d, \"isa\": \"%s\"}\n", prefill, decode, ternc_model_n_threads(m), ternc_model_isa());
  } else {
    printf("generated:");
    for (long i = 0; i < produced; i++) printf(" %d", (int)generated[i]);
    printf("\n");
    fprintf(stderr, "prefill %d tokens in %.3f s (%.1f tokens/s), decode %ld in %.3f s (%.1f tokens/s) [%s, %d threads]\n", (int)n, prefill, prefill > 0 ? n / prefill : 0.0, produced, decode, decode_rate, ternc_model_isa(), ternc_model_n_threads(m));
  }
  ternc_model_free(m);
  free(seq);
  free(generated);
  free(prompt_logits);
  return 0;
}
