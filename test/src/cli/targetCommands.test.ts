// The C target from the command line: compile (files, Makefile with gcc and clang, the runner, two models in one
// process), validate, run --backend c against the interpreter, and bad input.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseNpy } from "../../../src/io/npy.js";
import { ROOT, ternc } from "../../helpers/cli.js";
import { ODD_2B4T, writeTirModel } from "../../helpers/cModels.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-c-cli-"));
const example = join(ROOT, "examples/tiny-bitnet.gguf");
const env = { ...process.env, TERNC_CACHE_DIR: join(dir, "cache") };

function make(out: string, cc: string): ReturnType<typeof spawnSync> {
  return spawnSync("make", ["-C", out, "-B", `CC=${cc}`, "CFLAGS=-O2 -Wall -Wextra -Werror"], { encoding: "utf8" });
}

describe("ternc compile --target c", () => {
  const out = join(dir, "tiny-c");
  it("writes the library, the runner, build files and a manifest", () => {
    const r = ternc(["compile", example, "--target", "c", "-o", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ternary products: i2 x8");
    for (const f of ["model.h", "model.c", "ternc_runtime.h", "kernels.c", "api.c", "main.c", "Makefile", "ternc_model.cmake", "weights.bin", "manifest.json"]) expect(existsSync(join(out, f))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.target).toBe("c");
    expect(manifest.ternc).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.abi).toMatchObject({ kind: "model", vocab: 303 });
    for (const f of manifest.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.files.map((f: { name: string }) => f.name)).toContain("weights.bin");
    expect(manifest.details.weights.bytes).toBe(readFileSync(join(out, "weights.bin")).length);
    expect(manifest.details.weights.constants.every((c: { offset: number }) => c.offset % 64 === 0)).toBe(true);
    expect(readFileSync(join(out, "model.c"), "utf8")).not.toMatch(/ternc\/|TODO/);
  });

  it.each(["gcc", "clang"])("the generated Makefile builds warning-free with %s and the runner generates tokens", (cc) => {
    const b = make(out, cc);
    expect(b.stderr).toBe("");
    expect(b.status).toBe(0);
    const run = spawnSync(join(out, "ternc-run"), ["--weights", join(out, "weights.bin"), "--tokens", "1,2,3", "--max-tokens", "6", "--threads", "2"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^generated:( \d+){6}\n$/);
    expect(run.stderr).toMatch(/decode 6 in .* tokens\/s/);
  });

  it("holds no global state: two models in one process (linked with libternc_model.a) compute the same logits, interleaved", () => {
    writeFileSync(
      join(out, "two.c"),
      `#include <stdio.h>
#include <string.h>
#include "model.h"
int main(void) {
  ternc_params p = ternc_default_params();
  p.n_threads = 2;
  ternc_model *a, *b;
  char err[256];
  if (ternc_model_open(&a, "weights.bin", &p, err, sizeof err) || ternc_model_open(&b, "weights.bin", &p, err, sizeof err)) return puts(err), 1;
  int32_t ta[3] = {5, 6, 7}, tb[2] = {9, 1};
  if (ternc_model_eval(a, ta, 3, NULL) || ternc_model_eval(b, tb, 2, NULL)) return 2;
  ternc_model_reset(b);
  if (ternc_model_eval(b, ta, 1, NULL) || ternc_model_eval(b, ta + 1, 2, NULL)) return 3;
  int same = memcmp(ternc_model_logits(a), ternc_model_logits(b), sizeof(float) * (size_t)ternc_model_vocab()) == 0;
  printf("%s %d %d\\n", same ? "same" : "different", ternc_model_n_past(a), ternc_model_n_past(b));
  ternc_model_free(a);
  ternc_model_free(b);
  return 0;
}
`,
    );
    const cc = spawnSync("cc", ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-ffp-contract=off", "-march=native", "two.c", "libternc_model.a", "-o", "two", "-lm"], { cwd: out, encoding: "utf8" });
    expect(cc.stderr).toBe("");
    const r = spawnSync("./two", { cwd: out, encoding: "utf8" });
    expect(r.stdout).toBe("same 3 3\n");
  });

  it("the runner refuses a thread count it cannot serve and stops generating where the context ends, printing what it made", () => {
    const runner = join(out, "ternc-run");
    const threads = spawnSync(runner, ["--weights", join(out, "weights.bin"), "--tokens", "1", "--threads", "10000"], { encoding: "utf8", timeout: 20_000 });
    expect(threads.status).toBe(2);
    expect(threads.stderr).toContain("--threads: expected a whole number from 0 to 256");
    // 2^30 tokens asked of a 16-token context: 14 generated after a 3-token prompt, not 4 GiB allocated and nothing printed.
    const long = spawnSync(runner, ["--weights", join(out, "weights.bin"), "--tokens", "1,2,3", "--max-tokens", String(2 ** 30), "--context", "16"], { encoding: "utf8", timeout: 20_000 });
    expect(long.status).toBe(0);
    expect(long.stderr).toContain("the context (16 tokens) holds 14 tokens after this prompt: generating 14, not 1073741824");
    expect(long.stdout).toMatch(/^generated:( \d+){14}\n$/);
    const cli = ternc(["run", example, "--backend", "c", "--tokens", "1", "--threads", "10000"]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("--threads: 10000: at most 256");
  });

  it("rejects a damaged or foreign weight blob with a clear message", () => {
    const bad = join(dir, "damaged.bin");
    const bytes = readFileSync(join(out, "weights.bin"));
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(bad, bytes);
    const r = spawnSync(join(out, "ternc-run"), ["--weights", bad, "--tokens", "1"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("damaged.bin: weight blob is damaged: CRC-32 mismatch");
    writeFileSync(bad, bytes.subarray(0, 1000));
    const t = spawnSync(join(out, "ternc-run"), ["--weights", bad, "--tokens", "1"], { encoding: "utf8" });
    expect(t.status).toBe(1);
    expect(t.stderr).toContain("wrong size");
    const oob = spawnSync(join(out, "ternc-run"), ["--weights", join(out, "weights.bin"), "--tokens", "1,999"], { encoding: "utf8" });
    expect(oob.status).toBe(1);
    expect(oob.stderr).toContain("token 1 is 999, outside the vocabulary of 303");
  });

  it("fails cleanly on a truncated model and leaves no output behind", () => {
    const truncated = join(dir, "truncated.gguf");
    writeFileSync(truncated, readFileSync(example).subarray(0, 5000));
    const o = join(dir, "never");
    const r = ternc(["compile", truncated, "-o", o]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ternc: error: .*truncated\.gguf/);
    expect(existsSync(o)).toBe(false);
  });

  it("refuses to replace a folder that is not a C output", () => {
    const mine = join(dir, "mine");
    mkdirSync(mine);
    writeFileSync(join(mine, "notes.txt"), "keep me");
    const r = ternc(["compile", example, "-o", mine]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("refusing to replace it");
    expect(readFileSync(join(mine, "notes.txt"), "utf8")).toBe("keep me");
  });

  it("--json says what was written, for build pipelines", () => {
    const o = join(dir, "json-c");
    const r = ternc(["compile", example, "--target", "c", "-o", o, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { dir: string; target: string; files: string[]; pipeline: string[]; lossy: string[]; next: string[] };
    expect(j).toMatchObject({ dir: o, target: "c", lossy: [] });
    for (const f of j.files) expect(existsSync(join(o, f))).toBe(true);
    expect(j.files).toContain("manifest.json");
    expect(j.next.join("\n")).toContain(`make -C ${o}`);
  });

  it("a compile killed between moving the old output aside and renaming the new one in is repaired by the next run", () => {
    const out = join(dir, "killed");
    expect(ternc(["compile", example, "-o", out]).code).toBe(0);
    const dead = spawnSync("true").pid!;
    // The state such a kill leaves: the old output aside, the new one complete under its temporary name.
    renameSync(out, join(dir, `.killed.old-${dead}`));
    mkdirSync(join(dir, `.killed.tmp-${dead}`));
    writeFileSync(join(dir, `.killed.tmp-${dead}`, "model.c"), "half");
    // The next compile into the place puts the old output back (test/backends/common/tempFiles.test.ts), checks it
    // as any earlier output, replaces it, and removes the dead run's temporary.
    expect(ternc(["compile", example, "-o", out]).code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.includes("killed"))).toEqual(["killed"]);
    expect(readFileSync(join(out, "model.c"), "utf8")).not.toBe("half");
  });

  it("-o under a path whose part is a file: a user error, not an internal one", () => {
    const file = join(dir, "plain-file");
    writeFileSync(file, "x");
    const r = ternc(["compile", example, "-o", join(file, "out")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ternc: error: ${join(file, "out")}: cannot create its parent folder (a part of the path is a file)\n`);
  });

  it("replaces an earlier output and its build, but refuses one holding the user's files or a forged manifest", () => {
    const out = join(dir, "again");
    expect(ternc(["compile", example, "-o", out]).code).toBe(0);
    expect(spawnSync("make", ["-s", "-C", out], { encoding: "utf8" }).status).toBe(0);
    // Its objects, library and runner are the build's: compiling again replaces them.
    expect(ternc(["compile", example, "-o", out]).code).toBe(0);
    mkdirSync(join(out, "results"));
    writeFileSync(join(out, "results", "run1.txt"), "measured by hand");
    writeFileSync(join(out, "notes.md"), "mine");
    const r = ternc(["compile", example, "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${out}: exists and holds files an earlier ternc compile did not write (notes.md, results); refusing to replace it`);
    expect(readFileSync(join(out, "results", "run1.txt"), "utf8")).toBe("measured by hand");
    // A folder whose manifest.json merely looks like ternc's, beside the user's files.
    const forged = join(dir, "forged");
    mkdirSync(forged);
    writeFileSync(join(forged, "manifest.json"), JSON.stringify({ ternc: "0.1.0", target: "c", files: [] }));
    writeFileSync(join(forged, "thesis.tex"), "years of work");
    expect(ternc(["compile", example, "-o", forged]).code).toBe(1);
    expect(readFileSync(join(forged, "thesis.tex"), "utf8")).toBe("years of work");
  });
});

describe("--int8-head (opt-in, lossy)", () => {
  it("compile stores the tied F16 head as q8_0, says it is lossy, and the output is smaller", () => {
    const out = join(dir, "tiny-int8");
    const r = ternc(["compile", example, "--target", "c", "--int8-head", "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/quantize-head: %token_embd \(embedding and matmul\): f16 -> q8_0, LOSSY: largest weight error \S+ \(\d+\.\d+% of the largest \|w\|\)/);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.pipeline[0]).toBe("quantize-head");
    expect(manifest.lossy).toHaveLength(1);
    expect(ternc(["compile", example, "--target", "c", "-o", join(dir, "tiny-plain")]).code).toBe(0);
    const plain = JSON.parse(readFileSync(join(dir, "tiny-plain", "manifest.json"), "utf8"));
    expect(manifest.details.weights.bytes).toBeLessThan(plain.details.weights.bytes);
  });
  it("run --backend c --int8-head says the build it runs is lossy", () => {
    const r = ternc(["run", example, "--backend", "c", "--int8-head", "--tokens", "1,2", "--max-tokens", "2"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^LOSSY quantize-head: %token_embd/m);
  });
  it("validate compares the C output with the interpreter on the same (quantized) graph", () => {
    const r = ternc(["validate", example, "--int8-head", "--steps", "8"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("8 greedy steps identical");
  });
});

describe("ternc validate --target c", () => {
  it("passes on the example and reports the comparison", () => {
    const r = ternc(["validate", example, "--target", "c", "--kernel", "tq1", "--threads", "1"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS: .* on C, (avx2|avx512-vnni), 1 thread\(s\) \(kernels tq1\)/);
    expect(r.stdout).toContain("32 greedy steps identical");
  });
  it("passes on a model graph without a KV cache (the bundled .tir block: keys transposed per call)", () => {
    const r = ternc(["validate", join(ROOT, "examples/bitnet_block.tir"), "--steps", "4"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
  it("exits 1 on a graph that is not a model, naming the file", () => {
    const plain = join(dir, "plain.tir");
    writeFileSync(plain, "graph @g {\n  input %x : f32[T, 4]\n  %y = relu2(%x) : f32[T, 4]\n  output %y\n}\n");
    const r = ternc(["validate", plain]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ternc: error: .*plain\.tir: not a model graph/);
  });
});

describe("ternc run --backend c", () => {
  const model = writeTirModel(dir, "odd", ODD_2B4T, 3);
  it("gives the interpreter's tokens and logits", () => {
    const interp = ternc(["run", model, "--tokens", "4,8,15,16", "--max-tokens", "12", "--json", "--logits", join(dir, "i.npy")]);
    const c = spawnSync(process.execPath, [join(ROOT, "dist/src/cli/main.js"), "run", model, "--backend", "c", "--threads", "2", "--tokens", "4,8,15,16", "--max-tokens", "12", "--json", "--logits", join(dir, "c.npy")], { encoding: "utf8", env });
    expect(c.status).toBe(0);
    expect(JSON.parse(c.stdout).generated).toEqual(JSON.parse(interp.stdout).generated);
    const a = parseNpy(readFileSync(join(dir, "i.npy")), "i.npy");
    const b = parseNpy(readFileSync(join(dir, "c.npy")), "c.npy");
    expect(b.shape).toEqual(a.shape);
    // The interpreter runs the model as written; C runs it after fold-scales, which may round differently (1e-4).
    const scale = Math.max(...Array.from(a.values, Math.abs));
    Array.from(b.values).forEach((v, i) => expect(Math.abs(v - a.values[i]!)).toBeLessThanOrEqual(1e-4 * scale));
    // Second run: served from the cache folder, no recompilation.
    const again = spawnSync(process.execPath, [join(ROOT, "dist/src/cli/main.js"), "run", model, "--backend", "c", "--tokens", "4,8", "--max-tokens", "2"], { encoding: "utf8", env });
    expect(again.status).toBe(0);
    expect(again.stderr).not.toContain("compiling");
  });
  it("says which options need the C backend", () => {
    const r = ternc(["run", model, "--tokens", "1", "--threads", "2"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--threads: options of a compiled target; give --backend (c)");
  });
  it("copies of a model file compile into their own cache entries", () => {
    const copy = join(dir, "copy.tir");
    copyFileSync(model, copy); // it names the same blob beside it
    const r = spawnSync(process.execPath, [join(ROOT, "dist/src/cli/main.js"), "run", copy, "--backend", "c", "--tokens", "1", "--max-tokens", "1"], { encoding: "utf8", env });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("compiling");
  });
});
