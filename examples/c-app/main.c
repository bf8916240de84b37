/* Greedy generation with a ternc-compiled model: token ids in (the arguments, or the model's BOS), 16 tokens out.
 * The weights are the ones compiled with this build (TERNC_WEIGHTS), or the file named by $TERNC_WEIGHTS. */
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

#define MAX_PROMPT 256
#define GENERATE 16

int main(int argc, char **argv) {
  int32_t prompt[MAX_PROMPT];
  int32_t n = 0;
  for (int i = 1; i < argc && n < MAX_PROMPT; i++) prompt[n++] = (int32_t)atol(argv[i]);
  if (n == 0) {
    if (ternc_model_bos() < 0) return fprintf(stderr, "usage: generate TOKEN_ID... (this model has no BOS token)\n"), 2;
    prompt[n++] = ternc_model_bos();
  }
  const char *weights = getenv("TERNC_WEIGHTS") ? getenv("TERNC_WEIGHTS") : TERNC_WEIGHTS;
  ternc_params params = ternc_default_params();
  ternc_model *m;
  char err[256];
  if (ternc_model_open(&m, weights, &params, err, sizeof err) != TERNC_OK) return fprintf(stderr, "generate: %s\n", err), 1;
  int status = 0;
  if (ternc_model_eval(m, prompt, n, NULL) != TERNC_OK) {
    fprintf(stderr, "generate: %s\n", ternc_model_error(m));
    status = 1;
  }
  printf("generated:");
  for (int i = 0; status == 0 && i < GENERATE; i++) {
    int32_t next = ternc_argmax(ternc_model_logits(m), ternc_model_vocab());
    printf(" %d", (int)next);
    if (next == ternc_model_eos() || i + 1 == GENERATE) break;
    if (ternc_model_eval(m, &next, 1, NULL) != TERNC_OK) {
      fprintf(stderr, "generate: %s\n", ternc_model_error(m));
      status = 1;
    }
  }
  printf("\n");
  ternc_model_free(m);
  return status;
}
