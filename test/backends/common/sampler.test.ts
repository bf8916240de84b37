// ternc's sampler in every runtime: the reference (ir/sampling.ts), the WebGPU runtime's ternc_sampler.js (generated
// from it) and the C runtime's sampler.c draw the same tokens from the same logits, options and seed, bit for bit,
// over cases that reach every step (ties, NaN and infinities, each filter on and off, penalties, vocabularies of 1 to
// 3000).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sampler, samplerExp, SAMPLING_DEFAULTS, type SamplingOptions, samplingProblem } from "../../../ir/index.js";
import { configHeader } from "../../../backends/c/config.js";
import { Sampler as RuntimeSampler, SAMPLING_DEFAULTS as RUNTIME_DEFAULTS, samplerExp as runtimeExp } from "../../../backends/wgsl/runtime/ternc_sampler.js";
import { Rng } from "../../../src/util/random.js";

interface Case {
  options: SamplingOptions;
  history: number[];
  draws: number;
  logits: Float32Array;
}

function makeCases(count: number, seed: number): Case[] {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  for (let c = 0; c < count; c++) {
    const vocab = rng.pick([1, 2, 7, 50, 300, 3000]);
    const scale = rng.pick([0.01, 1, 10, 100]);
    const logits = new Float32Array(vocab);
    const ties = rng.next() < 0.3;
    for (let i = 0; i < vocab; i++) logits[i] = ties ? Math.round(rng.normal() * 2) / 2 : rng.normal() * scale;
    if (rng.next() < 0.15) for (let j = 0; j < 3; j++) logits[rng.int(0, vocab - 1)] = rng.pick([NaN, -Infinity, Infinity]);
    const options: SamplingOptions = {
      temperature: rng.pick([0, 0.1, 0.7, 1, 1.5, 30]),
      topK: rng.pick([0, 1, 5, 40, vocab + 3]),
      topP: rng.pick([1, 0.9, 0.5, 0.01]),
      minP: rng.pick([0, 0.05, 0.5, 1]),
      repeatPenalty: rng.pick([1, 1.1, 2, 0.5]),
      repeatLastN: rng.pick([0, 1, 64]),
      seed: rng.int(0, 0xffffffff),
    };
    const history = Array.from({ length: rng.int(0, 80) }, () => rng.int(0, vocab - 1));
    cases.push({ options, history, draws: rng.int(1, 12), logits });
  }
  return cases;
}

function drawAll(make: (o: SamplingOptions) => { accept(t: number): void; sample(l: ArrayLike<number>): number }, cases: Case[]): string[] {
  return cases.map((c) => {
    const s = make(c.options);
    for (const t of c.history) s.accept(t);
    const out: number[] = [];
    for (let d = 0; d < c.draws; d++) {
      const t = s.sample(c.logits);
      s.accept(t);
      out.push(t);
    }
    return out.join(" ");
  });
}

function caseText(cases: Case[]): string {
  const lines = [String(cases.length)];
  for (const c of cases) {
    const o = c.options;
    lines.push([o.temperature, o.topK, o.topP, o.minP, o.repeatPenalty, o.repeatLastN, o.seed, c.logits.length, c.history.length, c.draws].join(" "));
    lines.push(c.history.join(" "));
    lines.push(Array.from(new Uint32Array(c.logits.buffer), (b) => b.toString(16)).join(" "));
  }
  return `${lines.join("\n")}\n`;
}

const cases = makeCases(400, 2026);
const reference = drawAll((o) => new Sampler(o), cases);
let dir: string;
let harness: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ternc-sampler-"));
  const runtime = join(import.meta.dirname, "../../../backends/c/runtime");
  for (const f of ["model.h", "sampler.c"]) copyFileSync(join(runtime, f), join(dir, f));
  writeFileSync(join(dir, "ternc_config.h"), configHeader());
  harness = join(dir, "sampler_check");
  // The flags a C build uses, -march=native included: FMA contraction must stay off for the sums to agree.
  const cc = spawnSync("gcc", ["-std=c11", "-O3", "-march=native", "-ffp-contract=off", "-Wall", "-Wextra", "-Werror", "-I", dir, join(import.meta.dirname, "../../fixtures/c/sampler_check.c"), join(dir, "sampler.c"), "-o", harness, "-lm"], { encoding: "utf8" });
  expect(cc.status, cc.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the sampler in every runtime", () => {
  it("the cases reach every step: greedy and sampled, filters that keep one and many", () => {
    const distinct = reference.filter((r) => new Set(r.split(" ")).size > 1).length;
    expect(distinct).toBeGreaterThan(60);
    expect(cases.filter((c) => c.options.temperature === 0).length).toBeGreaterThan(30);
  });
  it("the WebGPU runtime's ternc_sampler.js, run as the runtime loads it, draws the reference's tokens", () => {
    expect(drawAll((o) => new RuntimeSampler(o), cases)).toEqual(reference);
    expect(RUNTIME_DEFAULTS).toEqual(SAMPLING_DEFAULTS);
    for (let x = -710; x <= 0; x += 0.37) expect(runtimeExp(x)).toBe(samplerExp(x));
  });
  it("the C runtime's sampler.c draws the reference's tokens", () => {
    const r = spawnSync(harness, [], { input: caseText(cases), encoding: "utf8", maxBuffer: 1 << 24 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual(reference);
  });
  it("the C sampler refuses the options the reference refuses, with the reference's message", () => {
    const bad = [{ temperature: -1 }, { topP: 0 }, { minP: 1.5 }, { repeatPenalty: 0 }, { topK: -1 }, { repeatLastN: 2 ** 30 + 1 }].map((o) => ({ options: { ...SAMPLING_DEFAULTS, ...o }, history: [], draws: 1, logits: new Float32Array([1, 2]) }));
    const r = spawnSync(harness, [], { input: caseText(bad), encoding: "utf8" });
    expect(r.stdout.trim().split("\n")).toEqual(bad.map((c) => `error ${samplingProblem(c.options)}`));
  });
});
