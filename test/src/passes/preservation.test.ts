// Every pass preserves meaning: on seeded random models of both architectures (float master weights and
// ternary weights, with and without a KV cache), the interpreter gives the same bits before and after
// each pass of the pipeline, and the IR after each pass prints, parses back and verifies.
import { describe, expect, it } from "vitest";
import { type ConstDecl, type Graph, interpret, loadTir, printGraph, type Tensor, tensorFromValues } from "../../../ir/index.js";
import { type BitnetHParams, buildBitnetGraph } from "../../../src/frontend/bitnetGraph.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM, TINY_BITNET_LLAMA_FORM } from "../../../src/frontend/randomBitnet.js";
import { runPipeline } from "../../../src/passes/manager.js";
import { DEFAULT_PIPELINES, passNames } from "../../../src/passes/registry.js";

const loadConst = (c: ConstDecl): Tensor => {
  if (c.data.kind !== "inline") throw new Error("test graphs are inline");
  return c.data.tensor;
};
const ids = (v: number[]): Tensor => tensorFromValues("i32", [v.length], v);

function inputsFor(g: Graph, hp: BitnetHParams): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = { tokens: ids([3, 9, 1]), pos: ids([2, 3, 4]) };
  for (const i of g.inputs()) if (i.name.includes("_cache.")) inputs[i.name] = tensorFromValues("f32", [2, hp.kvHeads * hp.headDim], Array.from({ length: 2 * hp.kvHeads * hp.headDim }, (_, k) => Math.sin(k)));
  return inputs;
}

function outputs(g: Graph, hp: BitnetHParams): Record<string, Float32Array | Int32Array> {
  return Object.fromEntries(Object.entries(interpret(g, inputsFor(g, hp))).map(([k, t]) => [k, t.data as Float32Array]));
}

const CASES: Array<[string, BitnetHParams, "float" | "ternary", boolean]> = [
  ["2B-4T form, float master weights", { ...TINY_BITNET_2B4T_FORM, layers: 2 }, "float", false],
  ["2B-4T form, ternary weights, KV cache", { ...TINY_BITNET_2B4T_FORM, layers: 2 }, "ternary", true],
  ["LLaMA form, float master weights, KV cache", { ...TINY_BITNET_LLAMA_FORM, layers: 2 }, "float", true],
  ["LLaMA form, ternary weights", { ...TINY_BITNET_LLAMA_FORM, layers: 1 }, "ternary", false],
];

describe.each(CASES)("%s", (_label, hp, weights, kvCache) => {
  it("every pass of the default pipeline keeps the outputs bit for bit", () => {
    for (let seed = 1; seed <= 2; seed++) {
      const g = buildBitnetGraph(hp, randomBitnetWeights(hp, seed, { weights }), { kvCache });
      const reference = outputs(g, hp);
      for (const pass of DEFAULT_PIPELINES.interp!) {
        runPipeline(g, [pass], { loadConst }, { verifyEach: true });
        expect(outputs(g, hp), `after ${pass}, seed ${seed}`).toEqual(reference);
        const reparsed = loadTir(printGraph(g), `after-${pass}.tir`);
        expect(printGraph(reparsed)).toBe(printGraph(g));
      }
    }
  });
});

describe("each pass alone", () => {
  const hp = { ...TINY_BITNET_2B4T_FORM, layers: 1 };
  for (const pass of passNames()) {
    it(`${pass} keeps the outputs when it is the only pass`, () => {
      const g = buildBitnetGraph(hp, randomBitnetWeights(hp, 3, { weights: pass === "expand-bitlinear" ? "ternary" : "float" }), { kvCache: true });
      const reference = outputs(g, hp);
      runPipeline(g, [pass], { loadConst }, { verifyEach: true });
      expect(outputs(g, hp)).toEqual(reference);
    });
  }
});

