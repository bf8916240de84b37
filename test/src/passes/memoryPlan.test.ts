// plan-memory: values live at the same time never share a buffer, buffers are reused, sizes add up.
import { describe, expect, it } from "vitest";
import { type ConstDecl, loadTir, printGraph, type Tensor } from "../../../ir/index.js";
import { buildBitnetGraph } from "../../../src/frontend/bitnetGraph.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM } from "../../../src/frontend/randomBitnet.js";
import { runPipeline } from "../../../src/passes/manager.js";
import { planMemory } from "../../../src/passes/memoryPlan.js";
import { DEFAULT_PIPELINES } from "../../../src/passes/registry.js";

const loadConst = (c: ConstDecl): Tensor => (c.data as { tensor: Tensor }).tensor;

describe("plan-memory", () => {
  const hp = { ...TINY_BITNET_2B4T_FORM, layers: 2 };
  const g = buildBitnetGraph(hp, randomBitnetWeights(hp, 1), { kvCache: true });
  runPipeline(g, DEFAULT_PIPELINES.interp!, { loadConst }, { verifyEach: true });
  const bindings = new Map([["T", 1], ["P", 0]]);
  const plan = planMemory(g, bindings);

  it("never gives one buffer to two values that are live at the same time", () => {
    const order = g.topologicalOrder()!;
    const def = new Map<string, number>();
    const last = new Map<string, number>();
    order.forEach((n, i) => {
      n.results.forEach((r) => def.set(r, i));
      n.operands.forEach((v) => last.set(v, i));
    });
    const outputs = new Set(g.outputs.map((o) => o.name));
    const values = [...plan.buffers.keys()];
    for (const a of values) {
      for (const b of values) {
        if (a >= b || plan.buffers.get(a) !== plan.buffers.get(b)) continue;
        const endA = outputs.has(a) ? Infinity : (last.get(a) ?? def.get(a)!);
        const endB = outputs.has(b) ? Infinity : (last.get(b) ?? def.get(b)!);
        const overlap = def.get(a)! <= endB && def.get(b)! <= endA;
        expect(overlap, `%${a} and %${b} share buffer ${plan.buffers.get(a)}`).toBe(false);
      }
    }
  });
  it("reuses buffers: far fewer buffers than values, peak below the sum of all values", () => {
    expect(plan.bufferBytes.length).toBeLessThan(plan.buffers.size / 3);
    expect(plan.peakBytes).toBeLessThan(plan.bufferBytes.reduce((a, b) => a + b, 0));
    expect(plan.kvBytesPerToken).toBe(2 * hp.layers * hp.kvHeads * hp.headDim * 4);
  });
  it("its annotations print and parse back (dotted attributes are discardable)", () => {
    const text = printGraph(g);
    expect(text).toMatch(/\{plan\.buffer = \d+\}/);
    expect(printGraph(loadTir(text))).toBe(text);
  });
});
