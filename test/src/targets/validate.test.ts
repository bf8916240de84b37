// validate on a model graph without a KV cache (examples/bitnet_block.tir): each decode step runs the whole sequence
// again, in the interpreter and in the compiled output alike, so every integer tensor the target traces at every step
// equals the interpreter's; and a report with any end-to-end difference is a failure, whatever the logits say.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatValidation, type ValidationReport, validateModel } from "../../../src/targets/validate.js";

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
