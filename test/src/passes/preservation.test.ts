// Every pass preserves meaning: on seeded random models of both architectures (float master weights and
// ternary weights, with and without a KV cache), the interpreter gives the same bits before and after
// each pass of the pipeline, and the IR after each pass prints, parses back and verifies.
import { describe, expect, it } from "vitest";
import { type ConstDecl, type Graph, interpret, loadTir, printGraph, type Tensor, tensorFromValues } from "../../../ir/index.js";
import { type BitnetHParams, buildBitnetGraph } from "../../../src/frontend/bitnetGraph.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM, TINY_BITNET_LLAMA_FORM } from "../../../src/frontend/randomBitnet.js";
import { runPipeline } from "../../../src/passes/manager.js";
import { DEFAULT_PIPELINES, getPass, passNames } from "../../../src/passes/registry.js";

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

/** The stated tolerance of passes exact only in real arithmetic: 1e-4 of the largest value, same top-1 tokens. */
const RELATIVE_TOLERANCE = 1e-4;

function expectPreserved(after: Record<string, Float32Array | Int32Array>, before: Record<string, Float32Array | Int32Array>, pass: string, what: string, vocab: number): void {
  if (getPass(pass)!.exact) {
    expect(after, `after ${pass}, ${what}`).toEqual(before);
    return;
  }
  for (const [name, b] of Object.entries(before)) {
    const a = after[name]!;
    const scale = Math.max(...Array.from(b, Math.abs), 1e-30);
    const worst = Math.max(...Array.from(b, (v, i) => Math.abs(v - a[i]!)));
    expect(worst / scale, `after ${pass}, ${what}: %${name} relative error`).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
  }
  const argmax = (l: Float32Array | Int32Array, row: number): number => {
    let best = 0;
    for (let i = 1; i < vocab; i++) if (l[row * vocab + i]! > l[row * vocab + best]!) best = i;
    return best;
  };
  for (let row = 0; row < before.logits!.length / vocab; row++) expect(argmax(after.logits!, row), `after ${pass}, ${what}: top-1 token at ${row}`).toBe(argmax(before.logits!, row));
}

const CASES: Array<[string, BitnetHParams, "float" | "ternary", boolean]> = [
  ["2B-4T form, float master weights", { ...TINY_BITNET_2B4T_FORM, layers: 2 }, "float", false],
  ["2B-4T form, ternary weights, KV cache", { ...TINY_BITNET_2B4T_FORM, layers: 2 }, "ternary", true],
  ["LLaMA form, float master weights, KV cache", { ...TINY_BITNET_LLAMA_FORM, layers: 2 }, "float", true],
  ["LLaMA form, ternary weights", { ...TINY_BITNET_LLAMA_FORM, layers: 1 }, "ternary", false],
];

describe.each(CASES)("%s", (_label, hp, weights, kvCache) => {
  it("every pass of the default pipeline keeps the outputs (bit for bit, or within the stated tolerance)", () => {
    for (let seed = 1; seed <= 3; seed++) {
      const g = buildBitnetGraph(hp, randomBitnetWeights(hp, seed, { weights }), { kvCache });
      for (const pass of DEFAULT_PIPELINES.interp!) {
        const before = outputs(g, hp);
        runPipeline(g, [pass], { loadConst }, { verifyEach: true });
        expectPreserved(outputs(g, hp), before, pass, `seed ${seed}`, hp.vocab);
        const reparsed = loadTir(printGraph(g), `after-${pass}.tir`);
        expect(printGraph(reparsed)).toBe(printGraph(g));
      }
    }
  });
});

/** Lossy passes (opt-in) change the weights: the logits must stay within this share of the largest. */
const LOSSY_TOLERANCE = 1e-2;

describe("each pass alone", () => {
  const hp = { ...TINY_BITNET_2B4T_FORM, layers: 1 };
  for (const pass of passNames().filter((p) => !getPass(p)!.lossy)) {
    it(`${pass} keeps the outputs when it is the only pass`, () => {
      const g = buildBitnetGraph(hp, randomBitnetWeights(hp, 3, { weights: pass === "expand-bitlinear" ? "ternary" : "float" }), { kvCache: true });
      const before = outputs(g, hp);
      runPipeline(g, [pass], { loadConst }, { verifyEach: true });
      expectPreserved(outputs(g, hp), before, pass, "alone", hp.vocab);
    });
  }
});


describe("lossy passes", () => {
  it("are in no default pipeline", () => {
    for (const list of Object.values(DEFAULT_PIPELINES)) expect(list.filter((p) => getPass(p.split("{")[0]!)?.lossy)).toEqual([]);
  });
  it(`quantize-head keeps the logits within ${LOSSY_TOLERANCE} of the largest`, () => {
    const hp = { ...TINY_BITNET_2B4T_FORM, layers: 1 };
    const g = buildBitnetGraph(hp, randomBitnetWeights(hp, 3), { kvCache: true });
    const before = outputs(g, hp).logits!;
    runPipeline(g, ["quantize-head"], { loadConst }, { verifyEach: true });
    const after = outputs(g, hp).logits!;
    expect(after).not.toEqual(before);
    const scale = Math.max(...Array.from(before, Math.abs));
    expect(Math.max(...Array.from(before, (v, i) => Math.abs(v - after[i]!))) / scale).toBeLessThan(LOSSY_TOLERANCE);
  });
});

describe("fold-scales{integer=true}: the integer pipeline", () => {
  for (const [label, hp] of [["2B-4T form", { ...TINY_BITNET_2B4T_FORM, layers: 2 }], ["LLaMA form", { ...TINY_BITNET_LLAMA_FORM, layers: 2 }]] as const) {
    it(`${label}: fixed-point weight scales stay within the stated tolerance`, () => {
      const g = buildBitnetGraph(hp, randomBitnetWeights(hp, 5), { kvCache: true });
      runPipeline(g, ["expand-bitlinear", "cse"], { loadConst }, { verifyEach: true });
      const before = outputs(g, hp);
      const records = runPipeline(g, ["fold-scales{integer=true}", "dce"], { loadConst }, { verifyEach: true });
      expect(g.ops().filter((n) => n.op === "dequant" || n.op === "act_quant")).toEqual([]);
      expect(g.ops().filter((n) => n.op === "act_quant_fixed").length).toBe(4 * hp.layers);
      expect(records[0]!.notes.some((l) => l.includes("15-bit multiplier and shift"))).toBe(true);
      expect(records[0]!.notes.some((l) => l.includes("act_quant as act_quant_fixed"))).toBe(true);
      expectPreserved(outputs(g, hp), before, "fold-scales", label, hp.vocab);
    });

    it(`${label}: act_quant_fixed's own share of the error (against f32 act_quant in the same integer graph)`, () => {
      const g = buildBitnetGraph(hp, randomBitnetWeights(hp, 5), { kvCache: true });
      runPipeline(g, ["expand-bitlinear", "cse", "fold-scales{integer=true}", "dce"], { loadConst }, { verifyEach: true });
      const codes = (graph: Graph): Int8Array[] => {
        const seen: Int8Array[] = [];
        interpret(graph, inputsFor(graph, hp), { onValue: (_, t) => t.dtype === "i8" && seen.push(t.data as Int8Array) });
        return seen;
      };
      const fixed = { logits: outputs(g, hp).logits!, codes: codes(g) };
      for (const n of g.ops()) if (n.op === "act_quant_fixed") g.replaceOp(n, [{ op: "act_quant", operands: n.operands, results: n.results, loc: n.loc }]);
      const float = { logits: outputs(g, hp).logits!, codes: codes(g) };
      // The codes agree but where x * 127 / max|x| lies within ~2^-10 of a rounding boundary, and then by one.
      const total = fixed.codes.reduce((s, c) => s + c.length, 0);
      let differing = 0;
      fixed.codes.forEach((c, j) => c.forEach((v, i) => {
        expect(Math.abs(v - float.codes[j]![i]!)).toBeLessThanOrEqual(1);
        if (v !== float.codes[j]![i]) differing++;
      }));
      expect(differing / total).toBeLessThan(1e-3);
      const scale = Math.max(...Array.from(float.logits, Math.abs));
      expect(Math.max(...Array.from(float.logits, (v, i) => Math.abs(v - fixed.logits[i]!))) / scale).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
    });
  }
});
