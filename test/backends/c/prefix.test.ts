// --prefix: two compiled models in one program. Each build's C names sit under its prefix (alpha_model_open,
// alpha_tc_*), so both libraries link side by side; code written against ternc_* names keeps working, and each model
// generates what its own runner does.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { compileModel } from "../../../src/targets/compile.js";
import { ROOT } from "../../helpers/cli.js";
import { ODD_LLAMA, writeTirModel } from "../../helpers/cModels.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-c-prefix-"));
const alpha = join(dir, "alpha");
const beta = join(dir, "beta");

// alpha.c uses the ternc_* names through alpha's header; beta.c names beta's symbols directly.
const ALPHA_C = `#include "model.h"
int alpha_run(const char *weights, const int32_t *prompt, int32_t n, int32_t *out, int steps) {
  ternc_params p = ternc_default_params();
  ternc_model *m;
  if (ternc_model_open(&m, weights, &p, 0, 0) != TERNC_OK || ternc_model_eval(m, prompt, n, 0) != TERNC_OK) return 1;
  for (int i = 0; i < steps; i++) {
    out[i] = ternc_argmax(ternc_model_logits(m), ternc_model_vocab());
    if (i + 1 < steps && ternc_model_eval(m, &out[i], 1, 0) != TERNC_OK) return 1;
  }
  ternc_model_free(m);
  return 0;
}
`;
const BETA_C = `#include "model.h"
int beta_run(const char *weights, const int32_t *prompt, int32_t n, int32_t *out, int steps) {
  beta_params p = beta_default_params();
  beta_model *m;
  if (beta_model_open(&m, weights, &p, 0, 0) != TERNC_OK || beta_model_eval(m, prompt, n, 0) != TERNC_OK) return 1;
  for (int i = 0; i < steps; i++) {
    out[i] = beta_argmax(beta_model_logits(m), beta_model_vocab());
    if (i + 1 < steps && beta_model_eval(m, &out[i], 1, 0) != TERNC_OK) return 1;
  }
  beta_model_free(m);
  return 0;
}
`;
const MAIN_C = `#include <stdint.h>
#include <stdio.h>
int alpha_run(const char *, const int32_t *, int32_t, int32_t *, int);
int beta_run(const char *, const int32_t *, int32_t, int32_t *, int);
int main(int argc, char **argv) {
  const int32_t prompt[] = {5, 6, 7};
  int32_t a[8], b[8];
  if (argc != 3 || alpha_run(argv[1], prompt, 3, a, 8) || beta_run(argv[2], prompt, 3, b, 8)) return 1;
  printf("alpha:");
  for (int i = 0; i < 8; i++) printf(" %d", (int)a[i]);
  printf("\\nbeta:");
  for (int i = 0; i < 8; i++) printf(" %d", (int)b[i]);
  printf("\\n");
  return 0;
}
`;

const sh = (cmd: string, args: string[], cwd = dir): string => {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  expect(r.status, `${cmd} ${args.join(" ")}\n${r.stderr}`).toBe(0);
  return r.stdout;
};

beforeAll(() => {
  compileModel(join(ROOT, "examples/tiny-bitnet.gguf"), alpha, { target: "c", options: { prefix: "alpha" } });
  compileModel(writeTirModel(dir, "llama", ODD_LLAMA, 3), beta, { target: "c", options: { prefix: "beta", kernel: "tq1" } });
  for (const m of [alpha, beta]) sh("make", ["-s", "-C", m, "CFLAGS=-O2 -Wall -Wextra -Werror"]);
}, 300_000);

it("puts every global symbol of a build under its prefix", () => {
  for (const [m, prefix] of [[alpha, "alpha"], [beta, "beta"]] as const) {
    const symbols = sh("nm", ["-g", "--defined-only", join(m, "libternc_model.a")]).split("\n").map((l) => l.split(" ")[2]).filter(Boolean);
    expect(symbols.length).toBeGreaterThan(40);
    expect(symbols.filter((s) => !s!.startsWith(`${prefix}_`))).toEqual([]);
    expect(symbols).toContain(`${prefix}_model_open`);
    expect(readFileSync(join(m, "ternc_model.cmake"), "utf8")).toContain(`add_library(${prefix}_model STATIC`);
  }
});

it("links two models into one program, each generating what its own runner does", () => {
  writeFileSync(join(dir, "alpha.c"), ALPHA_C);
  writeFileSync(join(dir, "beta.c"), BETA_C);
  writeFileSync(join(dir, "main.c"), MAIN_C);
  sh("cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-c", "alpha.c", "-I", alpha]);
  sh("cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-c", "beta.c", "-I", beta]);
  sh("cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "main.c", "alpha.o", "beta.o", join(alpha, "libternc_model.a"), join(beta, "libternc_model.a"), "-o", "both", "-lm", "-pthread"]);
  const both = sh(join(dir, "both"), [join(alpha, "weights.bin"), join(beta, "weights.bin")]);
  const own = (m: string): string => sh(join(m, "ternc-run"), ["--weights", join(m, "weights.bin"), "--tokens", "5,6,7", "--max-tokens", "8"]).replace("generated: ", "").trim();
  expect(both).toBe(`alpha: ${own(alpha)}\nbeta: ${own(beta)}\n`);
});

// One source file for both: each prefixed build's own header (alpha_model.h, beta_model.h) is self-contained.
const ONE_FILE_C = `#include <stdio.h>
#include "alpha_model.h"
#include "beta_model.h"
int main(int argc, char **argv) {
  const int32_t prompt[] = {5, 6, 7};
  alpha_params pa = alpha_default_params();
  beta_params pb = beta_default_params();
  alpha_model *a;
  beta_model *b;
  if (argc != 3 || alpha_model_open(&a, argv[1], &pa, 0, 0) != TERNC_OK || beta_model_open(&b, argv[2], &pb, 0, 0) != TERNC_OK) return 1;
  if (alpha_model_eval(a, prompt, 3, 0) != TERNC_OK || beta_model_eval(b, prompt, 3, 0) != TERNC_OK) return 1;
  int32_t ta = alpha_argmax(alpha_model_logits(a), alpha_model_vocab()), tb = beta_argmax(beta_model_logits(b), beta_model_vocab());
  printf("%d %d %d\\n", (int)ta, (int)tb, TERNC_F32 + TERNC_MAX_THREADS);
  alpha_model_free(a);
  beta_model_free(b);
  return 0;
}
`;

it("puts both models' headers in one source file: each prefixed build has a self-contained NAME_model.h", () => {
  writeFileSync(join(dir, "one.c"), ONE_FILE_C);
  sh("cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "one.c", "-I", alpha, "-I", beta, join(alpha, "libternc_model.a"), join(beta, "libternc_model.a"), "-o", "one", "-lm", "-pthread"]);
  const first = (m: string): string => sh(join(m, "ternc-run"), ["--weights", join(m, "weights.bin"), "--tokens", "5,6,7", "--max-tokens", "1"]).replace("generated: ", "").trim();
  expect(sh(join(dir, "one"), [join(alpha, "weights.bin"), join(beta, "weights.bin")])).toBe(`${first(alpha)} ${first(beta)} 256\n`);
  const header = readFileSync(join(alpha, "alpha_model.h"), "utf8");
  // No include of the build, and no ternc_ name left (file names in comments stay as they are).
  expect(header).not.toMatch(/#include "|\bternc_[a-z][a-z0-9_]*\b(?!\.[a-z])/);
  expect(header).toContain("#ifndef ALPHA_MODEL_H");
});

it("refuses a prefix that is not a lower-case C name", () => {
  for (const bad of ["Alpha", "1x", "tcx", "ternc2", "a-b"]) {
    expect(() => compileModel(join(ROOT, "examples/tiny-bitnet.gguf"), join(dir, "bad"), { target: "c", options: { prefix: bad } }), bad).toThrow(/--prefix/);
  }
});
