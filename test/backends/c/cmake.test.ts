// A compiled model in a CMake project through ternc_model.cmake, configured without a build type (CMake's default):
// the model's sources still compile optimised, and an application linking it runs the model and reads its
// vocabulary and special tokens (the same as the manifest's and the tokenizer's).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { loadModel } from "../../../src/frontend/loadModel.js";
import { compileModel } from "../../../src/targets/compile.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-c-cmake-"));
const GGUF = join(import.meta.dirname, "../../../examples/tiny-bitnet.gguf");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const APP = `#include <stdio.h>
#include "model.h"
int main(int argc, char **argv) {
  ternc_params params = ternc_default_params();
  ternc_model *m;
  char err[256];
  if (ternc_model_open(&m, argv[1], &params, err, sizeof err) != TERNC_OK) return fprintf(stderr, "%s\\n", err), 1;
  const int32_t tokens[] = {1, 2, 3};
  if (ternc_model_eval(m, tokens, 3, NULL) != TERNC_OK) return fprintf(stderr, "%s\\n", ternc_model_error(m)), 1;
  printf("next %d vocab %d bos %d eos %d\\n", (int)ternc_argmax(ternc_model_logits(m), ternc_model_vocab()), (int)ternc_model_vocab(), (int)ternc_model_bos(), (int)ternc_model_eos());
  ternc_model_free(m);
  return argc > 2;
}
`;

it("builds optimised without a build type and the linked application runs the model", () => {
  const model = join(dir, "model");
  compileModel(GGUF, model, { target: "c" });
  const project = join(dir, "app");
  mkdirSync(project);
  writeFileSync(join(project, "app.c"), APP);
  writeFileSync(join(project, "CMakeLists.txt"), `cmake_minimum_required(VERSION 3.16)\nproject(app C)\ninclude(${model}/ternc_model.cmake)\nadd_executable(app app.c)\ntarget_link_libraries(app PRIVATE ternc_model)\n`);
  const build = join(dir, "build");
  const configure = spawnSync("cmake", ["-S", project, "-B", build, "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"], { encoding: "utf8" });
  expect(configure.status, configure.stderr).toBe(0);
  const commands = JSON.parse(readFileSync(join(build, "compile_commands.json"), "utf8")) as Array<{ file: string; command: string }>;
  const kernels = commands.find((c) => c.file.endsWith("kernels.c"))!;
  expect(kernels.command).toMatch(/ -O3 /);
  expect(kernels.command).toContain("-ffp-contract=off");
  const make = spawnSync("cmake", ["--build", build, "-j", "2"], { encoding: "utf8" });
  expect(make.status, make.stderr + make.stdout).toBe(0);
  const run = spawnSync(join(build, "app"), [join(model, "weights.bin")], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  const tokenizer = loadModel(GGUF).tokenizer!;
  expect(tokenizer.eosId).toBeDefined();
  const manifest = JSON.parse(readFileSync(join(model, "manifest.json"), "utf8")) as { tokens: { vocab: number; bos?: number; eos?: number; tokenizer?: string } };
  expect(manifest.tokens).toEqual({ vocab: 303, ...(tokenizer.bosId !== undefined ? { bos: tokenizer.bosId } : {}), eos: tokenizer.eosId, tokenizer: "tokenizer.json" });
  expect(run.stdout).toMatch(new RegExp(`^next \\d+ vocab 303 bos ${tokenizer.bosId ?? -1} eos ${tokenizer.eosId}\n$`));
  expect(run.status).toBe(0);
});
