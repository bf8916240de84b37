/* The Verilog build's client in its C host: an op hook (model.h) that computes the core's ops, the ternary products,
 * their requant and the activation quantizers, on the simulated RTL. It speaks the testbench's protocol over two FIFOs
 * (tb/tb_ternc.sv), as ternc's interpreter host does (backends/verilog/cosim.ts): a command's number and its hex
 * words in; one line per result, then `c CYCLES`, out. core_table.h (generated) lists the core's ops and the
 * environment variables `ternc run` sets: the FIFOs, the simulator's pid, and a file for each command's cycles. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model.h"

typedef struct {
  const char *result;  /* the product's result (i32 accumulators) */
  const char *requant; /* its dequant_fixed's result, computed from the core's requantized values; NULL: none */
  int frac_bits;
  int64_t k, n, lanes;
} core_layer;

typedef struct {
  const char *result; /* act_quant_fixed's codes */
  int command, bits, lanes;
} core_quant;

#include "core_table.h"

#define CONNECT_SECONDS 300

typedef struct {
  int connected;
  FILE *cmd, *out, *stats;
  int64_t *waiting[CORE_LAYERS + 1]; /* requantized values of layer i, [t, n], until its dequant_fixed */
  int64_t waiting_rows[CORE_LAYERS + 1];
  int32_t *mantissas;
  int64_t mantissas_size;
} core_client;

static core_client client;

static int fail(char *err, size_t n, const char *what, const char *detail) {
  snprintf(err, n, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
  return -1;
}

static const char *env_or_null(const char *name) {
  const char *v = getenv(name);
  return v && v[0] ? v : NULL;
}

/* Whether the simulator (a child of ternc, which may not have reaped it yet) still runs: not gone, not a zombie. */
static int simulator_running(const char *pid) {
  char path[64], stat[512];
  snprintf(path, sizeof path, "/proc/%ld/stat", atol(pid));
  FILE *f = fopen(path, "r");
  if (!f) return kill((pid_t)atol(pid), 0) == 0;
  const size_t got = fread(stat, 1, sizeof stat - 1, f);
  fclose(f);
  stat[got] = '\0';
  const char *paren = strrchr(stat, ')');
  return !(paren && paren[1] == ' ' && paren[2] == 'Z');
}

/* Opens the FIFOs the simulator serves: ours for reading first (without waiting), then the commands for writing, which
 * succeeds once the testbench has opened them; it opens its results before its commands, so both are then open. */
static int connect_core(char *err, size_t n) {
  const char *cmd = env_or_null(CORE_ENV_CMD), *out = env_or_null(CORE_ENV_OUT), *pid = env_or_null(CORE_ENV_PID);
  if (!cmd || !out) return fail(err, n, "no simulated core to talk to", "run this build with ternc run or ternc validate, which start the simulator (" CORE_ENV_CMD " and " CORE_ENV_OUT " are not set)");
  const int out_fd = open(out, O_RDONLY | O_NONBLOCK);
  if (out_fd < 0) return fail(err, n, out, strerror(errno));
  int cmd_fd = -1;
  const time_t deadline = time(NULL) + CONNECT_SECONDS;
  while ((cmd_fd = open(cmd, O_WRONLY | O_NONBLOCK)) < 0) {
    if (errno != ENXIO) return close(out_fd), fail(err, n, cmd, strerror(errno));
    if ((pid && !simulator_running(pid)) || time(NULL) > deadline) return close(out_fd), fail(err, n, "the simulator stopped before it took commands", NULL);
    const struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) & ~O_NONBLOCK);
  fcntl(cmd_fd, F_SETFL, fcntl(cmd_fd, F_GETFL) & ~O_NONBLOCK);
  client.out = fdopen(out_fd, "r");
  client.cmd = fdopen(cmd_fd, "w");
  if (!client.out || !client.cmd) return fail(err, n, "fdopen", strerror(errno));
  const char *stats = env_or_null(CORE_ENV_STATS);
  if (stats && !(client.stats = fopen(stats, "w"))) return fail(err, n, stats, strerror(errno));
  client.connected = 1;
  return 0;
}

/* Sends a finished command; false when the simulator no longer reads (SIGPIPE is ignored: EPIPE). */
static int send_command(char *err, size_t n) {
  if (fflush(client.cmd) != 0) return fail(err, n, "the simulator stopped taking commands", strerror(errno)), 0;
  return 1;
}

/* Reads the answer to a command: `rows` lines of two integers, then `c CYCLES`; logs the cycles as `L i` (core_layers[i])
 * or `Q i` (core_quants[i]). */
static int read_answer(int64_t rows, int64_t *first, int64_t *second, char kind, int index, char *err, size_t n) {
  char line[128];
  for (int64_t r = 0;; r++) {
    if (!fgets(line, sizeof line, client.out)) return fail(err, n, "the simulator stopped while computing", feof(client.out) ? "end of its results" : strerror(errno));
    if (line[0] == 'c' && line[1] == ' ') {
      if (r != rows) {
        snprintf(err, n, "the simulated core returned %lld results for %%%s, not %lld", (long long)r, kind == 'L' ? core_layers[index].result : core_quants[index].result, (long long)rows);
        return -1;
      }
      if (client.stats) fprintf(client.stats, "%c%d %s", kind, index, line + 2);
      return 0;
    }
    char *end;
    long long a = strtoll(line, &end, 10), b = strtoll(end, &end, 10);
    if (r >= rows || (*end != '\n' && *end != '\0')) return fail(err, n, "the simulator answered a line that is not a result", line);
    first[r] = a;
    second[r] = b;
  }
}

/* A hex word without leading zeros, as the testbench reads it with %h. */
static void put_hex(const uint32_t *limbs, int count) {
  int top = count - 1;
  while (top > 0 && limbs[top] == 0) top--;
  fprintf(client.cmd, "%x", limbs[top]);
  for (int i = top - 1; i >= 0; i--) fprintf(client.cmd, "%08x", limbs[i]);
  fputc('\n', client.cmd);
}

static int product(int index, const ternc_tensor *x, ternc_tensor *acc, char *err, size_t n) {
  const core_layer *l = &core_layers[index];
  const int64_t t = x->shape[0], k = x->shape[1], folds = (k + l->lanes - 1) / l->lanes;
  if (k != l->k || acc->shape[1] != l->n) return fail(err, n, "the product's shape is not the core's", l->result);
  const int8_t *codes = (const int8_t *)x->data;
  int32_t *y = (int32_t *)acc->data;
  int64_t *a = (int64_t *)malloc((size_t)(2 * l->n) * sizeof(int64_t)); /* a token's accumulators, then its requantized values */
  int64_t *q = l->requant ? (int64_t *)realloc(client.waiting[index], (size_t)(t * l->n) * sizeof(int64_t)) : NULL;
  if (!a || (l->requant && !q)) return free(a), fail(err, n, "out of memory", NULL);
  if (q) client.waiting[index] = q;
  int rc = 0;
  for (int64_t r = 0; r < t && rc == 0; r++) {
    fprintf(client.cmd, "%d\n", index);
    /* One word a fold: lane S - 1 first, two hex digits a lane, zeros past k. */
    for (int64_t f = 0; f < folds; f++) {
      for (int64_t s = l->lanes - 1; s >= 0; s--) {
        const int64_t i = f * l->lanes + s;
        fprintf(client.cmd, "%02x", i < k ? (unsigned)(uint8_t)codes[r * k + i] : 0u);
      }
      fputc('\n', client.cmd);
    }
    int64_t *qr = q ? q + r * l->n : a + l->n; /* without a requant they are not needed */
    rc = send_command(err, n) ? read_answer(l->n, a, qr, 'L', index, err, n) : -1;
    for (int64_t o = 0; rc == 0 && o < l->n; o++) y[r * l->n + o] = (int32_t)a[o];
  }
  if (q) client.waiting_rows[index] = rc == 0 ? t : 0;
  free(a);
  return rc == 0 ? 1 : -1;
}

static int act_quant(int index, const ternc_tensor *x, ternc_tensor *codes, ternc_tensor *scale, char *err, size_t n) {
  const core_quant *u = &core_quants[index];
  const int64_t t = x->shape[0], k = x->shape[1];
  const int words = (int)((u->lanes * u->bits + 31) / 32);
  if (k > client.mantissas_size) {
    int32_t *m = (int32_t *)realloc(client.mantissas, (size_t)k * sizeof(int32_t));
    if (!m) return fail(err, n, "out of memory", NULL);
    client.mantissas = m;
    client.mantissas_size = k;
  }
  int64_t *c = (int64_t *)malloc((size_t)k * sizeof(int64_t)), *absmax = (int64_t *)malloc((size_t)k * sizeof(int64_t));
  uint32_t *limbs = (uint32_t *)malloc((size_t)words * sizeof(uint32_t));
  int rc = c && absmax && limbs ? 0 : fail(err, n, "out of memory", NULL);
  for (int64_t r = 0; r < t && rc == 0; r++) {
    const float *xr = (const float *)x->data + r * k;
    int8_t *qr = (int8_t *)codes->data + r * k;
    int64_t floor_m;
    int shift;
    if (!ternc_block_fixed_row(xr, k, u->bits, client.mantissas, &floor_m, &shift)) {
      memset(qr, 0, (size_t)k); /* no fixed-point form: the op's zero codes and NaN scale, without the core */
      ((float *)scale->data)[r] = NAN;
      continue;
    }
    fprintf(client.cmd, "%d\n%lld\n%0*llx\n", u->command, (long long)(k + 1), (u->bits + 3) / 4, (unsigned long long)floor_m);
    /* L mantissas a word, lane l at bits B l (lane 0 lowest); the last word padded with zeros. */
    for (int64_t w = 0; w * u->lanes < k; w++) {
      memset(limbs, 0, (size_t)words * sizeof(uint32_t));
      for (int l = 0; l < u->lanes && w * u->lanes + l < k; l++) {
        const uint64_t v = (uint64_t)(uint32_t)client.mantissas[w * u->lanes + l] & ((1ull << u->bits) - 1);
        const int bit = l * u->bits;
        limbs[bit / 32] |= (uint32_t)(v << (bit % 32));
        if (bit % 32 + u->bits > 32) limbs[bit / 32 + 1] |= (uint32_t)(v >> (32 - bit % 32));
      }
      put_hex(limbs, words);
    }
    rc = send_command(err, n) ? read_answer(k, c, absmax, 'Q', index, err, n) : -1;
    for (int64_t i = 0; rc == 0 && i < k; i++) qr[i] = (int8_t)c[i];
    if (rc == 0) ((float *)scale->data)[r] = ternc_act_fixed_scale(absmax[0], shift);
  }
  free(c);
  free(absmax);
  free(limbs);
  return rc == 0 ? 1 : -1;
}

/* dequant_fixed from the core's requantized values: y = f32(f32(q 2^-frac) x_scale), as the interpreter host. */
static int dequant(int index, const ternc_tensor *acc, const ternc_tensor *xs, ternc_tensor *y, char *err, size_t n) {
  const core_layer *l = &core_layers[index];
  const int64_t t = acc->shape[0];
  if (client.waiting_rows[index] != t) return fail(err, n, "no requantized values from the core for this dequant", l->requant);
  const double unit = ldexp(1.0, -l->frac_bits);
  const float *scale = (const float *)xs->data;
  float *out = (float *)y->data;
  for (int64_t r = 0; r < t; r++)
    for (int64_t o = 0; o < l->n; o++) {
      const float v = (float)((double)client.waiting[index][r * l->n + o] * unit);
      out[r * l->n + o] = v * scale[r];
    }
  client.waiting_rows[index] = 0;
  return 1;
}

static int core_hook(void *user, const ternc_op_call *call, char *err, size_t n) {
  (void)user;
  const char *result = call->result;
  const ternc_tensor *in = call->in;
  ternc_tensor *out = call->out;
  const int n_in = call->n_in, n_out = call->n_out;
  for (int i = 0; i < CORE_LAYERS; i++) {
    if (strcmp(result, core_layers[i].result) == 0 && n_in >= 1) return client.connected || connect_core(err, n) == 0 ? product(i, &in[0], &out[0], err, n) : -1;
    if (core_layers[i].requant && strcmp(result, core_layers[i].requant) == 0 && n_in == 4) return dequant(i, &in[0], &in[3], &out[0], err, n);
  }
  for (int i = 0; i < CORE_QUANTS; i++)
    if (strcmp(result, core_quants[i].result) == 0 && n_out == 2) return client.connected || connect_core(err, n) == 0 ? act_quant(i, &in[0], &out[0], &out[1], err, n) : -1;
  snprintf(err, n, "%s (%s) is not an op of the core", result, call->op);
  return -1;
}

/* Stops the simulator (command -1) and closes the files when the runner exits. */
static void disconnect(void) {
  if (client.cmd) {
    fputs("-1\n", client.cmd);
    fclose(client.cmd);
  }
  if (client.out) fclose(client.out);
  if (client.stats) fclose(client.stats);
  for (int i = 0; i < CORE_LAYERS; i++) free(client.waiting[i]);
  free(client.mantissas);
  memset(&client, 0, sizeof client);
}

int ternc_core_attach(ternc_model *m, char *err, size_t err_size) {
  signal(SIGPIPE, SIG_IGN);
  if (atexit(disconnect) != 0) return fail(err, err_size, "atexit failed", NULL);
  ternc_model_set_op_hook(m, core_hook, NULL);
  return 0;
}
