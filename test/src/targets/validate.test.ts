// validate on a model graph without a KV cache (examples/bitnet_block.tir): each decode step runs the whole sequence
// again, in the interpreter and in the compiled output alike, so every integer tensor the target traces at every step
// equals the interpreter's; and a report with any end-to-end difference is a failure, whatever the logits say.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Sampler, tensorFromValues } from "../../../ir/index.js";
import { formatValidation, replaySampler, type ValidationReport, validateModel } from "../../../src/targets/validate.js";

const BLOCK = join(import.meta.dirname, "../../../examples/bitnet_block.tir");

describe.each(["c", "wgsl"])("a model without a KV cache on %s", (target) => {
  it("agrees end to end on every traced step", async () => {
    const r = await validateModel(BLOCK, { target, steps: 3, tracedSteps: 2 });
    expect(r.endToEndIntegerEqual.total).toBeGreaterThan(8);
    expect(r.endToEndIntegerEqual).toEqual({ equal: r.endToEndIntegerEqual.total, total: r.endToEndIntegerEqual.total });
    expect(r.ok).toBe(true);
  });
});

it("an end-to-end difference prints FAIL on its line", async () => {
  const r = await validateModel(BLOCK, { target: "c", steps: 2 });
  const broken: ValidationReport = { ...r, ok: false, endToEndIntegerEqual: { equal: 7, total: 8, firstDifferent: "%blk.0.q.xq at step 1" } };
  expect(formatValidation("m.tir", broken)).toMatch(/^FAIL: [\s\S]*run: {5}7\/8 integer tensors equal to the interpreter's own run \(first different: %blk\.0\.q\.xq at step 1\) FAIL$/m);
});

describe("replaySampler", () => {
  const sampling = { temperature: 30, topK: 0, topP: 1, minP: 0, repeatPenalty: 1, repeatLastN: 64, seed: 5 };
  const rows = [Float32Array.from([0.5, 0.1, 0.4, 0.2]), Float32Array.from([0.1, 0.9, 0.3, 0.3])];
  const trace = rows.map((row, step) => ({ name: "logits", step, tensor: tensorFromValues("f32", [1, 4], Array.from(row)) }));
  it("accepts the tokens ternc's sampler chooses from the traced logits", () => {
    const s = new Sampler(sampling);
    const chosen: number[] = [];
    for (const row of rows) {
      chosen.push(s.sample(row));
      s.accept(chosen.at(-1)!);
    }
    expect(replaySampler(sampling, [], chosen, trace)).toEqual({ checked: 2, ok: true });
  });
  it("names the first step where the target chose otherwise, and fails without traced logits", () => {
    const s = new Sampler(sampling);
    const first = s.sample(rows[0]!);
    const other = (first + 1) % 4;
    expect(replaySampler(sampling, [], [other, 0], trace)).toEqual({ checked: 2, ok: false, firstDifferent: `step 0: the target chose ${other}, ternc's sampler ${first} on the same logits` });
    expect(replaySampler(sampling, [], [first], [])).toEqual({ checked: 0, ok: false });
  });
});
