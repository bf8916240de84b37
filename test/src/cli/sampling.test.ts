// Sampling from the command line: ternc run's flags in every backend (the same tokens for a seed), the seed a run
// reports, validate checking a target's sampler, the runners' own flags, and bad values.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, ternc } from "../../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-sampling-"));
const example = join(ROOT, "examples/tiny-bitnet.gguf");
const env = { ...process.env, TERNC_CACHE_DIR: join(dir, "cache") };
const hot = ["--temperature", "30", "--top-p", "1", "--min-p", "0", "--repeat-penalty", "1.3", "--seed", "11", "--max-tokens", "12"];

function run(args: string[]): { generated: number[]; sampling?: { seed: number }; [k: string]: unknown } {
  const r = spawnSync(process.execPath, [join(ROOT, "dist/src/cli/main.js"), "run", example, "--prompt", "the model", "--json", ...args], { encoding: "utf8", env });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

describe("ternc run with sampling", () => {
  let reference: number[];
  it("samples in the interpreter, reporting how", () => {
    const r = run(hot);
    reference = r.generated;
    expect(new Set(reference).size).toBeGreaterThan(4);
    expect(r.sampling).toEqual({ temperature: 30, topK: 40, topP: 1, minP: 0, repeatPenalty: 1.3, repeatLastN: 64, seed: 11 });
    expect(run(["--max-tokens", "12"]).sampling).toBeUndefined();
  });
  it.each(["c", "wgsl"])("gives the same tokens on the %s backend", (backend) => {
    expect(run([...hot, "--backend", backend]).generated).toEqual(reference);
  }, 300_000);
  it.each(["interp", "c"])("--stop IDS ends generation at any of them (%s)", (backend) => {
    const stop = reference[3]!;
    const cut = reference.slice(0, reference.indexOf(stop) + 1);
    const unused = [...Array(303).keys()].find((t) => !reference.includes(t))!;
    expect(run([...hot, "--backend", backend, "--stop", `${unused},${stop}`]).generated).toEqual(cut);
  }, 120_000);
  it("draws a seed when none is given and reports it, so the run can be repeated", () => {
    const first = run(["--temperature", "30", "--top-p", "1", "--min-p", "0"]);
    const seed = first.sampling!.seed;
    expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
    expect(run(["--temperature", "30", "--top-p", "1", "--min-p", "0", "--seed", String(seed), "--backend", "c"]).generated).toEqual(first.generated);
  }, 120_000);
  it.each([
    [["--temperature", "-1"], "--temperature -1: expected a number >= 0"],
    [["--temperature", "hot"], "--temperature 'hot': expected a number"],
    [["--top-p", "1.5"], "--top-p 1.5: expected a number in (0, 1]"],
    [["--top-k", "2.5"], "--top-k 2.5: expected a whole number from 0 to 1073741824"],
    [["--seed", "4294967296"], "--seed 4294967296: expected a whole number in [0, 4294967295]"],
    [["--repeat-penalty", "0"], "--repeat-penalty 0: expected a number > 0"],
  ])("refuses %j", (args, message) => {
    const r = ternc(["run", example, "--tokens", "1,2", ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ternc: error: ${message}\n`);
  });
});

describe("ternc validate with sampling", () => {
  it.each(["c", "verilog"])("checks the %s target's sampled tokens and its sampler on its own logits", (target) => {
    const r = spawnSync(process.execPath, [join(ROOT, "dist/src/cli/main.js"), "validate", example, "--target", target, "--steps", "6", "--temperature", "30", "--top-p", "1", "--min-p", "0", "--repeat-penalty", "1.5", "--seed", "4", "--json"], { encoding: "utf8", env });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.tokens.sampling.seed).toBe(4);
    expect(new Set(report.tokens.compiled).size).toBeGreaterThan(2);
    expect(report.sampler).toEqual({ checked: 2, ok: true });
  }, 300_000);
});

describe("the runners' sampling flags", () => {
  it("ternc-run lists them, samples as ternc does, and refuses bad values with exit 2", () => {
    const out = join(dir, "c");
    expect(ternc(["compile", example, "--target", "c", "-o", out]).code).toBe(0);
    expect(spawnSync("make", ["-C", out], { encoding: "utf8" }).status).toBe(0);
    const runner = (args: string[]): ReturnType<typeof spawnSync> => spawnSync(join(out, "ternc-run"), ["--weights", join(out, "weights.bin"), ...args], { encoding: "utf8" });
    expect(String(runner(["--help"]).stdout)).toContain("[--temperature T] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--repeat-last-n N] [--seed S]");
    const tokens = run([...hot, "--backend", "interp"]);
    const prompt = (run(["--max-tokens", "1"]) as unknown as { prompt: number[] }).prompt;
    const direct = runner(["--tokens", prompt.join(","), "--max-tokens", "12", "--temperature", "30", "--top-p", "1", "--min-p", "0", "--repeat-penalty", "1.3", "--seed", "11", "--json"]);
    expect(JSON.parse(String(direct.stdout)).generated).toEqual(tokens.generated);
    const bad = runner(["--tokens", "1", "--temperature", "x"]);
    expect(bad.status).toBe(2);
    expect(String(bad.stderr)).toContain("ternc-run: expected a number after --temperature");
    const range = runner(["--tokens", "1", "--min-p", "2"]);
    expect(range.status).toBe(1);
    expect(String(range.stderr)).toContain("ternc-run: min-p 2: expected a number in [0, 1]");
    const stops = runner(["--tokens", "1", "--stop", "1,x"]);
    expect(String(stops.stderr)).toContain("--stop: expected token ids such as 1,2,3");
  }, 300_000);
});
