/* A tiny runner for a ternc-compiled model: token ids in, generated tokens and tokens/s out.
 *
 *   ./ternc-run --tokens 1,2,3 [--max-tokens 32] [--threads N] [--weights weights.bin] [--context N] [--batch N]
 *               [--logits FILE] [--trace FILE] [--trace-steps K] [--stop ID,ID...] [--no-verify] [--mmap] [--json]
 *               [--profile] [--stream] [--temperature T] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R]
 *               [--repeat-last-n N] [--seed S]
 *
 * Decoding is greedy unless --temperature > 0; then the other sampling options default to llama.cpp's (top-k 40,
 * top-p 0.95, min-p 0.05) and the tokens are those ternc's sampler gives in every backend for the same seed.
 *   ./ternc-run --inputs IN --outputs OUT [--threads N] [--weights weights.bin] [--trace FILE] [--json]
 *
 * --stream prints `token N` as each token is chosen (before the result). --logits writes the prompt's logits
 * (f32, [prompt tokens, vocab], little-endian); --trace writes every op's results for the first K steps (the prefill
 * is step 0) in ternc's trace format. A build of a plain graph reads its named inputs from IN and writes its outputs
 * to OUT, both in the trace format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

static const int elem_bytes[] = TERNC_DTYPE_BYTES;

#ifdef TERNC_RUNNER_ATTACH
/* A program built around this runner (make RUNNER_SOURCES=... RUNNER_ATTACH=fn; ternc's Verilog host) attaches its op
 * hook to the model the runner opens: 0 on success, else a message in err. */
int TERNC_RUNNER_ATTACH(ternc_model *m, char *err, size_t err_size);
#endif

static int open_model(ternc_model **m, const char *weights, const ternc_params *params, char *err, size_t err_size) {
  int rc = ternc_model_open(m, weights, params, err, err_size);
#ifdef TERNC_RUNNER_ATTACH
  if (rc == TERNC_OK && TERNC_RUNNER_ATTACH(*m, err, err_size) != 0) rc = TERNC_ERR_HOOK;
#endif
  return rc;
}

typedef struct {
  FILE *f;
  uint32_t step;
  uint32_t steps;
} trace_sink;

static void trace_record(void *user, const char *name, int dtype, int rank, const int64_t *shape, const void *data) {
  trace_sink *s = (trace_sink *)user;
  if (s->step >= s->steps) return;
  uint64_t count = 1;
  for (int i = 0; i < rank; i++) count *= (uint64_t)shape[i];
  uint32_t head[4] = {(uint32_t)strlen(name), s->step, (uint32_t)dtype, (uint32_t)rank};
  uint64_t bytes = count * (uint64_t)elem_bytes[dtype];
  fwrite(head, sizeof head, 1, s->f);
  fwrite(name, 1, head[0], s->f);
  fwrite(shape, sizeof(int64_t), (size_t)rank, s->f);
  fwrite(&bytes, sizeof bytes, 1, s->f);
  fwrite(data, 1, (size_t)bytes, s->f);
}

/* One record of a trace-format file (see backends/common/trace.ts). */
typedef struct {
  char name[256];
  uint32_t dtype, rank;
  int64_t shape[8];
  uint64_t bytes;
  void *data;
} io_record;

/* Reads the next record; 0 at the end of the file, -1 on a malformed one. */
static int read_record(FILE *f, io_record *r) {
  uint32_t head[4];
  size_t got = fread(head, sizeof head, 1, f);
  if (got != 1) return feof(f) ? 0 : -1;
  if (head[0] >= sizeof r->name || head[2] >= sizeof elem_bytes / sizeof elem_bytes[0] || head[3] > 8) return -1;
  r->dtype = head[2];
  r->rank = head[3];
  if (fread(r->name, 1, head[0], f) != head[0]) return -1;
  r->name[head[0]] = '\0';
  if (r->rank && fread(r->shape, sizeof(int64_t), r->rank, f) != r->rank) return -1;
  if (fread(&r->bytes, sizeof r->bytes, 1, f) != 1 || r->bytes > ((uint64_t)1 << 40)) return -1;
  r->data = malloc(r->bytes ? (size_t)r->bytes : 1);
  if (!r->data || (r->bytes && fread(r->data, 1, (size_t)r->bytes, f) != r->bytes)) return free(r->data), -1;
  return 1;
}

/* Graph builds: inputs from a trace-format file, T bound by their shapes, outputs to another such file. Every exit
 * goes through `done`, so nothing is left allocated or open whatever the input (the tests run this under
 * AddressSanitizer's leak checker). */
static int run_graph(const char *weights, const char *in_path, const char *out_path, ternc_params params, trace_sink *sink, int json) {
  const int n_in = ternc_graph_n_io(0), n_out = ternc_graph_n_io(1);
  if (n_out == 0) return fprintf(stderr, "ternc-run: this is a model build: give --tokens\n"), 1;
  if (n_in > 64 || n_out > 64) return fprintf(stderr, "ternc-run: more than 64 graph inputs or outputs\n"), 1;
  const void *inputs[64] = {0};
  void *outputs[64] = {0};
  ternc_model *m = NULL;
  trace_sink out = {NULL, 0, 1};
  int status = 1;
  FILE *f = fopen(in_path, "rb");
  if (!f) {
    fprintf(stderr, "ternc-run: cannot read %s\n", in_path);
    goto done;
  }
  int64_t T = 0;
  io_record r;
  int rc;
  while ((rc = read_record(f, &r)) == 1) {
    int i = 0;
    while (i < n_in && strcmp(ternc_graph_io(0, i)->name, r.name) != 0) i++;
    const ternc_io *io = i < n_in ? ternc_graph_io(0, i) : NULL;
    const char *bad = !io ? "is not an input of the graph" : inputs[i] ? "is given twice" : ((int)r.dtype != io->dtype || (int)r.rank != io->rank) ? "has the wrong element type or rank" : NULL;
    uint64_t count = 1;
    for (int d = 0; !bad && d < io->rank; d++) {
      if (io->per_t[d] != 0) {
        const int64_t extra = r.shape[d] - io->shape[d];
        if (extra % io->per_t[d] != 0 || extra / io->per_t[d] < 1 || (T && extra / io->per_t[d] != T)) bad = "has a dim that does not fit the T of the other inputs";
        else T = extra / io->per_t[d];
      } else if (r.shape[d] != io->shape[d]) bad = "has a dim other than the graph's";
      count *= (uint64_t)r.shape[d];
    }
    if (!bad && r.bytes != count * (uint64_t)elem_bytes[r.dtype]) bad = "has a byte count other than its shape's";
    if (bad) {
      fprintf(stderr, "ternc-run: %s: input %%%s %s\n", in_path, r.name, bad);
      free(r.data);
      goto done;
    }
    inputs[i] = r.data;
  }
  if (rc < 0) {
    fprintf(stderr, "ternc-run: %s: a malformed record\n", in_path);
    goto done;
  }
  for (int i = 0; i < n_in; i++)
    if (!inputs[i]) {
      fprintf(stderr, "ternc-run: %s: no value for input %%%s\n", in_path, ternc_graph_io(0, i)->name);
      goto done;
    }
  if (T < 1) T = 1;
  params.n_batch = (int32_t)T;
  params.n_ctx = (int32_t)T;
  char err[512];
  if (open_model(&m, weights, &params, err, sizeof err) != TERNC_OK) {
    fprintf(stderr, "ternc-run: %s\n", err);
    goto done;
  }
  for (int i = 0; i < n_out; i++) {
    const ternc_io *io = ternc_graph_io(1, i);
    uint64_t count = 1;
    for (int d = 0; d < io->rank; d++) count *= (uint64_t)(io->shape[d] + io->per_t[d] * T);
    const uint64_t bytes = count * (uint64_t)elem_bytes[io->dtype];
    if (!(outputs[i] = malloc(bytes ? (size_t)bytes : 1))) {
      fprintf(stderr, "ternc-run: out of memory\n");
      goto done;
    }
  }
  if (ternc_graph_eval(m, T, inputs, outputs) != TERNC_OK) {
    fprintf(stderr, "ternc-run: %s\n", ternc_model_error(m));
    goto done;
  }
  if (!(out.f = fopen(out_path, "wb"))) {
    fprintf(stderr, "ternc-run: cannot write %s\n", out_path);
    goto done;
  }
  for (int i = 0; i < n_out; i++) {
    const ternc_io *io = ternc_graph_io(1, i);
    int64_t shape[8];
    for (int d = 0; d < io->rank; d++) shape[d] = io->shape[d] + io->per_t[d] * T;
    trace_record(&out, io->name, io->dtype, io->rank, shape, outputs[i]);
  }
  status = 0;
  if (json) printf("{\"T\": %lld, \"threads\": %d, \"isa\": \"%s\"}\n", (long long)T, ternc_model_n_threads(m), ternc_model_isa());
done:
  if (f) fclose(f);
  if (out.f && fclose(out.f) != 0 && status == 0) status = (fprintf(stderr, "ternc-run: cannot write %s\n", out_path), 1);
  if (sink->f && fclose(sink->f) != 0 && status == 0) status = (fprintf(stderr, "ternc-run: cannot write the trace\n"), 1);
  sink->f = NULL;
  for (int i = 0; i < n_in; i++) free((void *)(uintptr_t)inputs[i]);
  for (int i = 0; i < n_out; i++) free(outputs[i]);
  ternc_model_free(m);
  return status;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char tc_usage[] =
    "usage: ternc-run --tokens 1,2,3 [--max-tokens N] [--threads N] [--weights FILE] [--context N] [--batch N] [--logits FILE] [--trace FILE] [--trace-steps K] [--stop ID,ID...] [--no-verify] [--mmap] [--json] [--profile] [--stream]\n"
    "                 [--temperature T] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--repeat-last-n N] [--seed S]\n"
    "       ternc-run --inputs IN --outputs OUT [--threads N] [--weights FILE] [--trace FILE] [--json]\n";

static int usage(const char *msg) {
  fprintf(stderr, "ternc-run: %s\n%s", msg, tc_usage);
  return 2;
}

static int usage_about(const char *what, const char *option) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s %.100s", what, option);
  return usage(msg);
}

static const char *const value_options[] = {"--weights", "--tokens", "--logits", "--trace", "--inputs", "--outputs", "--max-tokens", "--threads", "--context", "--ctx", "--batch", "--trace-steps", "--stop", "--temperature", "--top-k", "--top-p", "--min-p", "--repeat-penalty", "--repeat-last-n", "--seed"};

static int is_value_option(const char *a) {
  for (size_t i = 0; i < sizeof value_options / sizeof value_options[0]; i++)
    if (!strcmp(a, value_options[i])) return 1;
  return 0;
}

static int parse_int(const char *text, long lo, long hi, long *out) {
  char *end;
  long v = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < lo || v > hi) return 0;
  *out = v;
  return 1;
}

/* A number written the way strtod reads it, nothing after it. */
static int parse_double(const char *text, double *out) {
  char *end;
  double v = strtod(text, &end);
  if (*text == '\0' || *end != '\0') return 0;
  *out = v;
  return 1;
}

typedef struct {
  long max_tokens;
  int json, profile, stream;
  const char *logits_path, *trace_path, *stop_text;
  ternc_sampling sampling;
} run_options;

/* Parses "1,2,3" (token ids, after the flag `flag`) into a new array; 0 and a message on anything else. */
static int32_t *parse_tokens(const char *flag, const char *text, int32_t *count, char *why, size_t why_size) {
  int32_t cap = 16, n = 0;
  int32_t *seq = (int32_t *)malloc((size_t)cap * sizeof(int32_t));
  snprintf(why, why_size, "%s: expected token ids such as 1,2,3", flag);
  for (const char *p = text; seq && *p;) {
    char *end;
    long id = strtol(p, &end, 10);
    if (end == p || id < 0 || id > 0x7fffffff || (*end && *end != ',')) return free(seq), NULL;
    if (n == cap) {
      int32_t *grown = (int32_t *)realloc(seq, (size_t)(cap *= 2) * sizeof(int32_t));
      if (!grown) return free(seq), snprintf(why, why_size, "out of memory"), NULL;
      seq = grown;
    }
    seq[n++] = (int32_t)id;
    p = *end == ',' ? end + 1 : end;
  }
  if (!seq || n == 0) return free(seq), snprintf(why, why_size, seq ? "%s: no tokens" : "out of memory", flag), NULL;
  *count = n;
  return seq;
}

static int is_stop(const int32_t *stops, int32_t n_stops, int32_t token) {
  for (int32_t i = 0; i < n_stops; i++)
    if (stops[i] == token) return 1;
  return 0;
}

/* The prompt, then decoding (greedy or sampled). A failure after some tokens were generated still prints them.
 * Every exit goes through `done`. */
static int run_tokens(const char *weights, const char *tokens_text, ternc_params params, trace_sink *sink, run_options o) {
  int32_t n = 0, n_stops = 0;
  char why[160];
  int32_t *seq = parse_tokens("--tokens", tokens_text, &n, why, sizeof why);
  int32_t *stops = seq && o.stop_text ? parse_tokens("--stop", o.stop_text, &n_stops, why, sizeof why) : NULL;
  if (!seq || (o.stop_text && !stops)) {
    if (sink->f) fclose(sink->f);
    free(seq);
    return usage(why);
  }
  ternc_model *m = NULL;
  ternc_sampler *sampler = NULL;
  float *prompt_logits = NULL;
  int32_t *generated = NULL;
  long produced = 0;
  int status = 1;
  double prefill = 0, decode = 0;
  char err[512];
  if (open_model(&m, weights, &params, err, sizeof err) != TERNC_OK) {
    fprintf(stderr, "ternc-run: %s\n", err);
    goto done;
  }
  const int32_t vocab = ternc_model_vocab();
  if (ternc_sampler_new(&sampler, &o.sampling, vocab, err, sizeof err) != TERNC_OK) {
    fprintf(stderr, "ternc-run: %s\n", err);
    goto done;
  }
  for (int32_t i = 0; i < n; i++) ternc_sampler_accept(sampler, seq[i]);
  /* The last token generated is never evaluated, so the context holds the prompt and room - 1 more. */
  const long room = (long)ternc_model_n_ctx(m) - n + 1;
  if (room >= 1 && o.max_tokens > room) {
    fprintf(stderr, "ternc-run: the context (%d tokens) holds %ld tokens after this prompt: generating %ld, not %ld (--context N for more)\n", (int)ternc_model_n_ctx(m), room, room, o.max_tokens);
    o.max_tokens = room;
  }
  prompt_logits = o.logits_path ? (float *)malloc((size_t)n * (size_t)vocab * sizeof(float)) : NULL;
  generated = (int32_t *)malloc((size_t)(o.max_tokens + 1) * sizeof(int32_t));
  if (!generated || (o.logits_path && !prompt_logits)) {
    fprintf(stderr, "ternc-run: out of memory\n");
    goto done;
  }
  double t0 = now_seconds();
  if (ternc_model_eval(m, seq, n, prompt_logits) != TERNC_OK) {
    fprintf(stderr, "ternc-run: %s\n", ternc_model_error(m));
    goto done;
  }
  prefill = now_seconds() - t0;
  sink->step = 1;
  /* The profile covers the decode steps only. */
  if (o.profile && ternc_model_profile_start(m) != TERNC_OK) {
    fprintf(stderr, "ternc-run: %s\n", ternc_model_error(m));
    goto done;
  }
  status = 0;
  int decode_failed = 0;
  t0 = now_seconds();
  int32_t next = ternc_sampler_sample(sampler, ternc_model_logits(m));
  ternc_sampler_accept(sampler, next);
  while (produced < o.max_tokens) {
    generated[produced++] = next;
    /* --stream: each token as it is chosen, for a caller that shows them as they come. */
    if (o.stream) printf("token %d\n", (int)next), fflush(stdout);
    if (is_stop(stops, n_stops, next) || produced == o.max_tokens) break;
    if (ternc_model_eval(m, &next, 1, NULL) != TERNC_OK) {
      status = 1;
      decode_failed = 1;
      break;
    }
    sink->step++;
    next = ternc_sampler_sample(sampler, ternc_model_logits(m));
    ternc_sampler_accept(sampler, next);
  }
  decode = now_seconds() - t0;
  if (o.logits_path) {
    FILE *f = fopen(o.logits_path, "wb");
    const size_t count = (size_t)n * (size_t)vocab;
    int written = f && fwrite(prompt_logits, sizeof(float), count, f) == count;
    if (f && fclose(f) != 0) written = 0;
    if (!written) {
      fprintf(stderr, "ternc-run: cannot write %s\n", o.logits_path);
      status = 1;
    }
  }
  double decode_rate = produced > 1 && decode > 0 ? (double)(produced - 1) / decode : 0.0;
  if (o.json) {
    printf("{\"prompt\": %d, \"generated\": [", (int)n);
    for (long i = 0; i < produced; i++) printf("%s%d", i ? ", " : "", (int)generated[i]);
    printf("], \"prefillSeconds\": %.6f, \"decodeSeconds\": %.6f, \"threads\": %d, \"isa\": \"%s\"", prefill, decode, ternc_model_n_threads(m), ternc_model_isa());
    if (o.profile) {
      printf(", \"profile\": {");
      double sec;
      for (int i = 0; ternc_model_profile_kind(m, i, &sec); i++) printf("%s\"%s\": %.6f", i ? ", " : "", ternc_model_profile_kind(m, i, NULL), sec);
      printf("}");
    }
    printf("}\n");
  } else {
    printf("generated:");
    for (long i = 0; i < produced; i++) printf(" %d", (int)generated[i]);
    printf("\n");
    fprintf(stderr, "prefill %d tokens in %.3f s (%.1f tokens/s), decode %ld in %.3f s (%.1f tokens/s) [%s, %d threads]\n", (int)n, prefill, prefill > 0 ? n / prefill : 0.0, produced, decode, decode_rate, ternc_model_isa(), ternc_model_n_threads(m));
    if (o.profile) {
      double sec;
      fprintf(stderr, "decode time by op kind:\n");
      for (int i = 0; ternc_model_profile_kind(m, i, &sec); i++) fprintf(stderr, "  %-24s %8.3f s  %5.1f%%\n", ternc_model_profile_kind(m, i, NULL), sec, decode > 0 ? 100.0 * sec / decode : 0.0);
    }
  }
  if (decode_failed) fprintf(stderr, "ternc-run: after %ld tokens: %s\n", produced, ternc_model_error(m));
done:
  if (sink->f && fclose(sink->f) != 0 && status == 0) status = (fprintf(stderr, "ternc-run: cannot write %s\n", o.trace_path), 1);
  sink->f = NULL;
  ternc_model_free(m);
  ternc_sampler_free(sampler);
  free(seq);
  free(stops);
  free(generated);
  free(prompt_logits);
  return status;
}

int main(int argc, char **argv) {
  const char *weights = "weights.bin", *tokens_text = NULL, *logits_path = NULL, *trace_path = NULL, *inputs_path = NULL, *outputs_path = NULL;
  const char *stop_text = NULL;
  /* Greedy unless --temperature says otherwise; the rest are the sampler's defaults. */
  ternc_sampling sampling = ternc_default_sampling();
  sampling.temperature = 0;
  long max_tokens = 32, threads = 0, ctx = 0, batch = 0, trace_steps = 1, top_k = sampling.top_k, repeat_last_n = sampling.repeat_last_n, seed = 0;
  int verify = 1, json = 0, use_mmap = 0, profile = 0, stream = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    long *num = NULL;
    long lo = 0, hi = 1L << 30;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return fputs(tc_usage, stdout) == EOF;
    if (!strcmp(a, "--no-verify")) verify = 0;
    else if (!strcmp(a, "--json")) json = 1;
    else if (!strcmp(a, "--mmap")) use_mmap = 1;
    else if (!strcmp(a, "--profile")) profile = 1;
    else if (!strcmp(a, "--stream")) stream = 1;
    else if (!is_value_option(a)) return usage_about("unknown option", a);
    else if (!v) return usage_about("missing the value of", a);
    else if (!strcmp(a, "--weights")) weights = v, i++;
    else if (!strcmp(a, "--tokens")) tokens_text = v, i++;
    else if (!strcmp(a, "--logits")) logits_path = v, i++;
    else if (!strcmp(a, "--trace")) trace_path = v, i++;
    else if (!strcmp(a, "--inputs")) inputs_path = v, i++;
    else if (!strcmp(a, "--outputs")) outputs_path = v, i++;
    else if (!strcmp(a, "--max-tokens")) num = &max_tokens;
    else if (!strcmp(a, "--threads")) num = &threads, hi = TERNC_MAX_THREADS;
    /* --context as in `ternc run` and `compile`; --ctx, its older name, still works. */
    else if (!strcmp(a, "--context") || !strcmp(a, "--ctx")) num = &ctx;
    else if (!strcmp(a, "--batch")) num = &batch;
    else if (!strcmp(a, "--trace-steps")) num = &trace_steps;
    else if (!strcmp(a, "--stop")) stop_text = v, i++;
    else if (!strcmp(a, "--top-k")) num = &top_k;
    else if (!strcmp(a, "--repeat-last-n")) num = &repeat_last_n;
    else if (!strcmp(a, "--seed")) num = &seed, hi = 4294967295L;
    else {
      double *real = !strcmp(a, "--temperature") ? &sampling.temperature : !strcmp(a, "--top-p") ? &sampling.top_p : !strcmp(a, "--min-p") ? &sampling.min_p : &sampling.repeat_penalty;
      if (!parse_double(v, real)) return usage_about("expected a number after", a);
      i++;
    }
    if (num) {
      if (!parse_int(v, lo, hi, num)) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s: expected a whole number from %ld to %ld", a, lo, hi);
        return usage(msg);
      }
      i++;
    }
  }
  if (!tokens_text && !inputs_path) return usage("give the prompt as --tokens 1,2,3 (or a graph's --inputs and --outputs)");
  if (inputs_path && !outputs_path) return usage("--inputs needs --outputs");
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
  if (inputs_path) return run_graph(weights, inputs_path, outputs_path, params, &sink, json);
  sampling.top_k = (int32_t)top_k;
  sampling.repeat_last_n = (int32_t)repeat_last_n;
  sampling.seed = (uint32_t)seed;
  return run_tokens(weights, tokens_text, params, &sink, (run_options){max_tokens, json, profile, stream, logits_path, trace_path, stop_text, sampling});
}
