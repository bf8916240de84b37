// Hostile input to the generated C runtime, under AddressSanitizer, UndefinedBehaviorSanitizer and the leak checker:
// the C API and ternc-run refuse bad token ids, too many tokens, weights of the wrong size, layout or checksum, bad
// thread counts and malformed graph inputs with their error code and message, and never crash, read out of bounds
// or leave memory behind.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cTarget } from "../../../backends/c/index.js";
import { encodeTrace, resolveOptions } from "../../../backends/common/index.js";
import { loadTir, tensorFromValues } from "../../../ir/index.js";
import { compileModel, emitToFolder } from "../../../src/targets/compile.js";
import { lowerForTarget } from "../../../src/targets/lower.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-c-hostile-"));
const example = join(import.meta.dirname, "../../../examples/tiny-bitnet.gguf");
const model = join(dir, "model");
const other = join(dir, "other");
const graph = join(dir, "graph");
const SANITIZE = "-fsanitize=address,undefined";
const CFLAGS = `-O1 -g -fno-omit-frame-pointer ${SANITIZE} -fno-sanitize-recover=all -Wall -Wextra -Werror`;
// A huge n_ctx must come back as TERNC_ERR_MEMORY, as it does without the sanitizer, rather than abort in its allocator.
const env = { ...process.env, ASAN_OPTIONS: "allocator_may_return_null=1:detect_leaks=1" };

function make(out: string): void {
  const r = spawnSync("make", ["-s", "-C", out, `CFLAGS=${CFLAGS}`, `LDFLAGS=${SANITIZE}`], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
}

function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", env, cwd: dir });
  // Any report of a sanitizer (its ERROR lines; a refused huge allocation only warns) fails the case, whatever the exit code.
  expect(r.stderr).not.toMatch(/ERROR: \w*Sanitizer|runtime error:/);
  return r;
}

beforeAll(() => {
  compileModel(example, model, { target: "c" });
  compileModel(example, other, { target: "c", options: { kernel: "tq1" } });
  // A plain graph builds the way the single-op suite builds one.
  const g = loadTir("graph @g {\n  input %x : f32[T, 4]\n  %y = silu(%x)\n  output %y\n}\n");
  const options = resolveOptions(cTarget, {});
  const noConst = (): never => {
    throw new Error("no constants");
  };
  const lowered = lowerForTarget(g, cTarget, options, noConst, [{ pass: "plan-memory" }]);
  emitToFolder(g, graph, { target: cTarget, options, loadConst: noConst, lowered, source: "g.tir", sourceHash: "-", defaultContext: 1 });
  make(model);
  make(graph);
  const cc = spawnSync("gcc", [...CFLAGS.split(" "), "-I", model, join(import.meta.dirname, "../../fixtures/c/api_attack.c"), join(model, "libternc_model.a"), "-o", join(dir, "api_attack"), SANITIZE, "-lm", "-pthread"], { encoding: "utf8" });
  expect(cc.status, cc.stderr).toBe(0);
  writeFileSync(join(dir, "truncated.bin"), readFileSync(join(model, "weights.bin")).subarray(0, 5000));
  const damaged = readFileSync(join(model, "weights.bin"));
  damaged[damaged.length - 5]! ^= 0x20;
  writeFileSync(join(dir, "damaged.bin"), damaged);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the C API", () => {
  it("returns its error code for every hostile call", () => {
    const r = run(join(dir, "api_attack"), [join(model, "weights.bin"), join(other, "weights.bin")]);
    expect(r.status).toBe(0);
    const codes = Object.fromEntries(r.stdout.trim().split("\n").map((l) => l.split(" ") as [string, string]));
    const [OK, IO, FORMAT, MEMORY, INPUT, CONTEXT] = ["0", "1", "2", "3", "4", "5"];
    expect(codes).toEqual({
      "open-null-path": INPUT,
      "open-missing-file": IO,
      "open-folder": IO,
      "blob-null": INPUT,
      "blob-empty": FORMAT,
      "blob-header-only": FORMAT,
      "blob-truncated": FORMAT,
      "blob-other-compile": FORMAT,
      "blob-damaged": FORMAT,
      "blob-oversized": FORMAT,
      "threads-negative": INPUT,
      "threads-huge": INPUT,
      "ctx-negative": INPUT,
      "ctx-huge": MEMORY,
      "batch-negative": INPUT,
      "eval-null-model": INPUT,
      "eval-null-tokens": INPUT,
      "eval-negative-count": INPUT,
      "eval-token-negative": INPUT,
      "eval-token-vocab": INPUT,
      "eval-token-int32-max": INPUT,
      "eval-over-context": CONTEXT,
      "eval-count-int32-max": CONTEXT,
      "n-past-after-refusals": "0",
      "eval-fills-context": OK,
      "eval-one-past-context": CONTEXT,
      "graph-eval-in-model-build": INPUT,
      "profile-kind-negative": "1",
      "profile-kind-past-end": "1",
      "graph-io-past-end": "1",
      "eval-after-reset": OK,
    });
  });
});

describe("ternc-run", () => {
  const runner = (): string => join(model, "ternc-run");
  const weights = (): string => join(model, "weights.bin");
  // [arguments, exit code, what stderr says]: 1 for a run that fails, 2 for a command line that is wrong.
  const cases: Array<[string, () => string[], number, string]> = [
    ["a token outside the vocabulary", () => ["--weights", weights(), "--tokens", "1,999"], 1, "token 1 is 999, outside the vocabulary of 303"],
    ["a negative token", () => ["--weights", weights(), "--tokens", "-1"], 2, "--tokens: expected token ids such as 1,2,3"],
    ["a token past 32 bits", () => ["--weights", weights(), "--tokens", "99999999999999999999"], 2, "--tokens: expected token ids"],
    ["a token that is not a number", () => ["--weights", weights(), "--tokens", "1,x"], 2, "--tokens: expected token ids"],
    ["no tokens", () => ["--weights", weights(), "--tokens", ""], 2, "--tokens: no tokens"],
    ["a prompt longer than the context", () => ["--weights", weights(), "--tokens", "1,2,3", "--context", "2"], 1, "3 tokens after 0 do not fit in the context of 2"],
    ["threads past the limit", () => ["--weights", weights(), "--tokens", "1", "--threads", "10000"], 2, "--threads: expected a whole number from 0 to 256"],
    ["negative threads", () => ["--weights", weights(), "--tokens", "1", "--threads", "-1"], 2, "--threads: expected a whole number"],
    ["a context of 2^31 (under --ctx, the older name of --context)", () => ["--weights", weights(), "--tokens", "1", "--ctx", "2147483648"], 2, "--ctx: expected a whole number"],
    ["a truncated weight file", () => ["--weights", join(dir, "truncated.bin"), "--tokens", "1"], 1, "weight blob has the wrong size"],
    ["another compile's weights", () => ["--weights", join(other, "weights.bin"), "--tokens", "1"], 1, "weight blob"],
    ["damaged weights", () => ["--weights", join(dir, "damaged.bin"), "--tokens", "1"], 1, "weight blob is damaged: CRC-32 mismatch"],
    ["a folder as the weights", () => ["--weights", dir, "--tokens", "1"], 1, "cannot read the weights"],
    ["missing weights", () => ["--weights", join(dir, "none.bin"), "--tokens", "1"], 1, "cannot open the weights"],
    ["an unknown option", () => ["--weights", weights(), "--tokens", "1", "--bogus"], 2, "unknown option --bogus"],
    ["an option without its value", () => ["--weights", weights(), "--tokens", "1", "--threads"], 2, "missing the value of --threads"],
    ["logits to a folder that does not exist", () => ["--weights", weights(), "--tokens", "1", "--max-tokens", "2", "--logits", join(dir, "no", "l.bin")], 1, "cannot write"],
  ];
  for (const [label, args, status, message] of cases) {
    it(label, () => {
      const r = run(runner(), args());
      expect(r.stderr).toContain(message);
      expect(r.status).toBe(status);
    });
  }
  it("more tokens than the context holds: generates what fits and prints them", () => {
    const r = run(runner(), ["--weights", weights(), "--tokens", "1", "--max-tokens", "1073741824", "--context", "6"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split(" ")).toHaveLength(7);
    expect(r.stderr).toContain("generating 6, not 1073741824");
  });
});

describe("ternc-run on a graph build", () => {
  const x = (rows: number) => tensorFromValues("f32", [rows, 4], Array.from({ length: rows * 4 }, (_, i) => i / 3 - 1));
  const inputs = (name: string, bytes: Uint8Array): string => {
    const p = join(dir, `${name}.in`);
    writeFileSync(p, bytes);
    return p;
  };
  const go = (input: string) => run(join(graph, "ternc-run"), ["--weights", join(graph, "weights.bin"), "--inputs", input, "--outputs", join(dir, "out.bin")]);
  it("runs good inputs", () => expect(go(inputs("good", encodeTrace([{ name: "x", step: 0, tensor: x(3) }]))).status).toBe(0));
  const good = encodeTrace([{ name: "x", step: 0, tensor: x(2) }]);
  const cases: Array<[string, Uint8Array, string]> = [
    ["an input the graph does not have", encodeTrace([{ name: "z", step: 0, tensor: x(2) }]), "input %z is not an input of the graph"],
    ["an input given twice", encodeTrace([{ name: "x", step: 0, tensor: x(2) }, { name: "x", step: 0, tensor: x(2) }]), "input %x is given twice"],
    ["the wrong element type", encodeTrace([{ name: "x", step: 0, tensor: tensorFromValues("i32", [2, 4], new Array(8).fill(1)) }]), "input %x has the wrong element type or rank"],
    ["a dim other than the graph's", encodeTrace([{ name: "x", step: 0, tensor: tensorFromValues("f32", [2, 5], new Array(10).fill(1)) }]), "input %x has a dim other than the graph's"],
    ["a truncated record", good.subarray(0, good.length - 3), "a malformed record"],
    ["no inputs at all", new Uint8Array(0), "no value for input %x"],
  ];
  for (const [label, bytes, message] of cases) {
    it(label, () => {
      const r = go(inputs(label.replaceAll(" ", "-"), bytes));
      expect(r.stderr).toContain(message);
      expect(r.status).toBe(1);
    });
  }
});
