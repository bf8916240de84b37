/* A BitNet model compiled by ternc: load its weights, feed tokens, read logits.
 *
 * Typical use:
 *
 *   ternc_params p = ternc_default_params();
 *   p.n_threads = 4;
 *   ternc_model *m;
 *   char err[256];
 *   if (ternc_model_open(&m, "weights.bin", &p, err, sizeof err) != TERNC_OK) { fputs(err, stderr); ... }
 *   ternc_model_eval(m, prompt, n_prompt, NULL);          // prefill: appends to the KV cache
 *   int32_t next = ternc_argmax(ternc_model_logits(m), ternc_model_vocab());   // greedy, or sample:
 *   ternc_sampling so = ternc_default_sampling();         // temperature 0.8, top-k 40, top-p 0.95, min-p 0.05
 *   so.seed = 42;
 *   ternc_sampler *s;
 *   ternc_sampler_new(&s, &so, ternc_model_vocab(), err, sizeof err);
 *   for (i = 0; i < n_prompt; i++) ternc_sampler_accept(s, prompt[i]);  // the repetition penalty's window
 *   next = ternc_sampler_sample(s, ternc_model_logits(m));
 *   ternc_sampler_accept(s, next);
 *   ternc_model_eval(m, &next, 1, NULL);                  // one decode step
 *   ternc_sampler_free(s);
 *   ternc_model_free(m);
 *
 * The model keeps no global state: any number of models (or instances of one model) may live in a process.
 * One model must not be used from two threads at once; it runs its own thread pool inside each call.
 */
#ifndef TERNC_MODEL_H
#define TERNC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "ternc_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Return codes (the same in every model's header: defined once per translation unit). */
#ifndef TERNC_RETURN_CODES
#define TERNC_RETURN_CODES
enum {
  TERNC_OK = 0,
  TERNC_ERR_IO = 1,      /* the weight file cannot be read or mapped */
  TERNC_ERR_FORMAT = 2,  /* the weight blob is not the one this model.c was generated with, or is damaged */
  TERNC_ERR_MEMORY = 3,  /* an allocation failed */
  TERNC_ERR_INPUT = 4,   /* a token id outside the vocabulary, or a bad argument */
  TERNC_ERR_CONTEXT = 5, /* the tokens do not fit in the context */
  TERNC_ERR_HOOK = 6     /* an op hook failed, or none computed an op the build leaves to one */
};
#endif

/* Element types passed to a trace callback and of graph inputs/outputs: TERNC_F32, TERNC_F16, TERNC_BF16, TERNC_I8,
 * TERNC_I32 (ternc_config.h). */

/** Called after each op with each result (for validation against the ternc interpreter). */
typedef void (*ternc_trace_fn)(void *user, const char *name, int dtype, int rank, const int64_t *shape, const void *data);

typedef struct ternc_params {
  int n_threads;          /* threads for the kernels, including the caller, at most TERNC_MAX_THREADS; 0: all online
                             cores (at most TERNC_MAX_THREADS) */
  int32_t n_ctx;          /* context length (KV cache rows); 0: the model's default */
  int32_t n_batch;        /* most tokens per forward pass; longer inputs run in chunks; 0: 64 */
  int verify_checksum;    /* check the blob's CRC-32 when opening (reads every byte once) */
  int use_mmap;           /* ternc_model_open: map the file (shares the page cache, no copy) instead of reading it
                             into huge-page memory (the default: faster decode, one private copy) */
  ternc_trace_fn trace;   /* optional; tracing computes the logits of every token */
  void *trace_user;
} ternc_params;

typedef struct ternc_model ternc_model;

/** Defaults: all cores, the model's context, batches of 64, checksum verified, weights read (not mapped), no trace. */
ternc_params ternc_default_params(void);

/** Loads `path` (weights.bin; read into memory, or mapped with use_mmap) and creates a model; on failure writes
 *  a message to err. */
int ternc_model_open(ternc_model **out, const char *path, const ternc_params *params, char *err, size_t err_size);

/** Creates a model over a weight blob in memory (64-byte aligned, kept alive by the caller until free). */
int ternc_model_open_blob(ternc_model **out, const void *blob, size_t size, const ternc_params *params, char *err, size_t err_size);

/**
 * Runs `n` tokens after the ones already in the context (prefill or decode: the same call). With `logits_out`
 * non-NULL, the logits of every token are written there (n * vocab floats); otherwise only the last token's are
 * kept (ternc_model_logits). On error the context is unchanged and ternc_model_error says why. A model compiled
 * without a KV cache keeps the tokens instead and runs the whole sequence again at each call.
 */
int ternc_model_eval(ternc_model *m, const int32_t *tokens, int32_t n, float *logits_out);

/** Logits of the last token evaluated (vocab floats), valid until the next eval. */
const float *ternc_model_logits(const ternc_model *m);

/** Tokens in the context so far. */
int32_t ternc_model_n_past(const ternc_model *m);

/** Context length (as opened). */
int32_t ternc_model_n_ctx(const ternc_model *m);

/** Threads the model runs with. */
int ternc_model_n_threads(const ternc_model *m);

/** Forgets the context (the KV cache), keeping the weights and buffers. */
void ternc_model_reset(ternc_model *m);

/** The message of the last failed call on this model. */
const char *ternc_model_error(const ternc_model *m);

void ternc_model_free(ternc_model *m);

/** Vocabulary size (logits per token). */
int32_t ternc_model_vocab(void);

/** The beginning- and end-of-sequence token ids the model's tokenizer names, or -1 (generation stops at eos). */
int32_t ternc_model_bos(void);
int32_t ternc_model_eos(void);

/* Profiling: ternc_model_profile_start (re)starts timing every op of each eval by its kind (wall time: an op that
 * runs on the thread pool counts once); ternc_model_profile_kind gives kind i's name (NULL past the last) and, in
 * *seconds, its time since the start. */
int ternc_model_profile_start(ternc_model *m);
int ternc_model_profile_kinds(void);
const char *ternc_model_profile_kind(const ternc_model *m, int i, double *seconds);

/** Which kernels were compiled in: "avx512-vnni", "avx2", "neon-dotprod", "neon" or "portable". */
const char *ternc_model_isa(void);

/* ---- Builds of a plain graph (no token interface): named inputs in, named outputs out, one call. ---- */

/** A graph input or output: its element type and shape; dim d is shape[d] + per_t[d] * T, T bound per call. */
typedef struct ternc_io {
  const char *name;
  int dtype;
  int rank;
  int64_t shape[8];
  int64_t per_t[8];
} ternc_io;

/** Inputs or (outputs != 0) outputs of the graph: their number, and each one's description. 0 in a model build. */
int ternc_graph_n_io(int outputs);
const ternc_io *ternc_graph_io(int outputs, int i);

/**
 * Runs the graph once with T bound to `T` (at most the n_batch the model was opened with): inputs[i] holds input i
 * (row-major, its element type), outputs[i] receives output i. Returns TERNC_ERR_INPUT in a model build.
 */
int ternc_graph_eval(ternc_model *m, int64_t T, const void *const *inputs, void *const *outputs);

/* ---- Op hooks: the program computes chosen ops itself (an accelerator, a simulated core). ---- */

/** Element type of an operand the hook cannot read: a weight in a kernel's own layout, or one the build leaves out. */
#define TERNC_OPAQUE (-1)

/** An operand or result of an op offered to a hook: element type (TERNC_F32 ... or TERNC_OPAQUE), shape, row-major
 *  data (NULL for a weight the build leaves out). */
typedef struct ternc_tensor {
  int dtype;
  int rank;
  int64_t shape[8];
  void *data;
} ternc_tensor;

/** An op offered to a hook. */
typedef struct ternc_op_call {
  const char *op;     /* the op's name in the IR: "ternary_matmul_packed", "rmsnorm", ... */
  const char *result; /* its first result's name in the IR */
  const char *attrs;  /* its attributes as a JSON object, defaults included: {"eps":0.000001} */
  int n_in, n_out;
  const ternc_tensor *in; /* its operands, in the op's order */
  ternc_tensor *out;      /* its results, allocated, for the hook to fill */
} ternc_op_call;

/**
 * Offered each op the build was compiled to offer (the C target's --op-hooks, or a build that leaves ops to a hook),
 * before its kernel, on the thread that called eval. Returns 1 when it computed the results, 0 to let the kernel run
 * (an op the build has no kernel for then fails the eval), or a negative value on failure, with a message in err:
 * the eval then fails with TERNC_ERR_HOOK and ternc_model_error names the op and gives the message.
 */
typedef int (*ternc_op_hook)(void *user, const ternc_op_call *call, char *err, size_t err_size);

/** Installs (or, with NULL, removes) the model's op hook. */
void ternc_model_set_op_hook(ternc_model *m, ternc_op_hook hook, void *user);

/**
 * act_quant_fixed's exact first step for one token of k values (ternc's ir/ops/quant.ts, blockFixedRow): the values
 * as mantissas of `bits` bits at 2^-*shift, and the absmax floor (1e-5) in the same fixed point. Returns 0, writing
 * nothing, when x holds a NaN or an infinity (the op then gives zero codes and a NaN scale).
 */
int ternc_block_fixed_row(const float *x, int64_t k, int bits, int32_t *mantissas, int64_t *floor_out, int *shift);

/** act_quant_fixed's scale from the token's absmax mantissa (at least the floor) and its shift: f32(M 2^-shift / 127). */
float ternc_act_fixed_scale(int64_t absmax, int shift);

/** Index of the largest value (the first on ties), as the interpreter's greedy decoding. */
int32_t ternc_argmax(const float *v, int32_t n);

/* ---- Sampling: ternc's sampler, the same in every ternc backend (a seed gives the same tokens everywhere). ---- */

/** How the next token is chosen; the steps and their order are llama.cpp's (see sampler.c). */
typedef struct ternc_sampling {
  double temperature;    /* 0: greedy (argmax; no random number is drawn) */
  int32_t top_k;         /* keep the k most likely; 0: all */
  double top_p;          /* keep the most likely whose probabilities add up to p; 1: all */
  double min_p;          /* drop those less likely than min_p times the most likely; 0: none */
  double repeat_penalty; /* divides a positive logit (multiplies a negative one) of each recent token; 1: off */
  int32_t repeat_last_n; /* how many of the latest accepted tokens the penalty looks at */
  uint32_t seed;         /* the random stream's seed */
} ternc_sampling;

/** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no repetition penalty (64 tokens), seed 0. */
ternc_sampling ternc_default_sampling(void);

typedef struct ternc_sampler ternc_sampler;

/** A sampler for logits of `vocab` tokens; TERNC_ERR_INPUT (an option out of range) or TERNC_ERR_MEMORY, with err. */
int ternc_sampler_new(ternc_sampler **out, const ternc_sampling *options, int32_t vocab, char *err, size_t err_size);

/** Tells the sampler a token of the prompt or the output (the repetition penalty looks at the latest ones). */
void ternc_sampler_accept(ternc_sampler *s, int32_t token);

/** The next token from `vocab` logits (not accepted yet: pass it to ternc_sampler_accept). */
int32_t ternc_sampler_sample(ternc_sampler *s, const float *logits);

void ternc_sampler_free(ternc_sampler *s);

#ifdef __cplusplus
}
#endif

#endif
