// The whole BitNet model in the interpreter: prefill equals token-by-token decode through the KV cache,
// for both architectures, and the L1 expansion of the model agrees bit for bit with L0.
import { describe, expect, it } from "vitest";
import { interpret, loadTir, printGraph, type Tensor, tensorFromValues, toNumbers, verifyOrThrow, zeros } from "../../../ir/index.js";
import { type BitnetHParams, buildBitnetGraph } from "../../../src/frontend/bitnetGraph.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM, TINY_BITNET_LLAMA_FORM } from "../../../src/frontend/randomBitnet.js";
import { expandBitlinear } from "../../../src/passes/expandBitlinear.js";

const ids = (v: number[]): Tensor => tensorFromValues("i32", [v.length], v);

const ARCHS: Array<[string, BitnetHParams]> = [
  ["bitnet-b1.58-2B-4T form (relu2, sub-norms, GQA)", { ...TINY_BITNET_2B4T_FORM, layers: 2 }],
  ["LLaMA form (SiLU, no sub-norms)", { ...TINY_BITNET_LLAMA_FORM, layers: 2 }],
];

describe.each(ARCHS)("%s", (_name, hp) => {
  const weights = randomBitnetWeights(hp, 11);
  const tokens = [5, 17, 3, 42, 8, 1];
  const kvWidth = hp.kvHeads * hp.headDim;

  it("prefill and incremental decode give the same logits", () => {
    const prefillGraph = buildBitnetGraph(hp, weights);
    verifyOrThrow(prefillGraph);
    const prefill = toNumbers(interpret(prefillGraph, { tokens: ids(tokens), pos: ids(tokens.map((_, i) => i)) }).logits!);

    const step = buildBitnetGraph(hp, weights, { kvCache: true });
    verifyOrThrow(step);
    const cache: Record<string, Tensor> = {};
    for (let l = 0; l < hp.layers; l++) {
      cache[`k_cache.${l}`] = zeros("f32", [0, kvWidth]);
      cache[`v_cache.${l}`] = zeros("f32", [0, kvWidth]);
    }
    const decoded: number[] = [];
    tokens.forEach((tok, i) => {
      const out = interpret(step, { tokens: ids([tok]), pos: ids([i]), ...cache });
      decoded.push(...toNumbers(out.logits!));
      for (let l = 0; l < hp.layers; l++) {
        cache[`k_cache.${l}`] = out[`k_cache.${l}.next`]!;
        cache[`v_cache.${l}`] = out[`v_cache.${l}.next`]!;
      }
    });
    expect(cache["k_cache.0"]!.shape).toEqual([tokens.length, kvWidth]);
    expect(decoded.length).toBe(prefill.length);
    const maxAbs = Math.max(...prefill.map(Math.abs));
    decoded.forEach((v, i) => expect(Math.abs(v - prefill[i]!)).toBeLessThanOrEqual(1e-4 * maxAbs));
  });

  it("a decode step after a prefill of the cache matches too (T > 1 with P > 0)", () => {
    const step = buildBitnetGraph(hp, weights, { kvCache: true });
    const empty: Record<string, Tensor> = {};
    for (let l = 0; l < hp.layers; l++) {
      empty[`k_cache.${l}`] = zeros("f32", [0, kvWidth]);
      empty[`v_cache.${l}`] = zeros("f32", [0, kvWidth]);
    }
    const first = interpret(step, { tokens: ids(tokens.slice(0, 4)), pos: ids([0, 1, 2, 3]), ...empty });
    const cache: Record<string, Tensor> = {};
    for (let l = 0; l < hp.layers; l++) {
      cache[`k_cache.${l}`] = first[`k_cache.${l}.next`]!;
      cache[`v_cache.${l}`] = first[`v_cache.${l}.next`]!;
    }
    const rest = toNumbers(interpret(step, { tokens: ids(tokens.slice(4)), pos: ids([4, 5]), ...cache }).logits!);
    const full = toNumbers(interpret(step, { tokens: ids(tokens), pos: ids([0, 1, 2, 3, 4, 5]), ...empty }).logits!);
    const tail = full.slice(4 * hp.vocab);
    const maxAbs = Math.max(...tail.map(Math.abs));
    rest.forEach((v, i) => expect(Math.abs(v - tail[i]!)).toBeLessThanOrEqual(1e-4 * maxAbs));
  });

  it("the model expanded to L1 gives bit-identical logits, and its text round-trips", () => {
    const g = buildBitnetGraph(hp, weights);
    const inputs = { tokens: ids(tokens), pos: ids(tokens.map((_, i) => i)) };
    const l0 = interpret(g, inputs).logits!;
    expect(expandBitlinear(g)).toBe(7 * hp.layers);
    verifyOrThrow(g);
    const text = printGraph(g);
    expect(text).not.toContain("bitlinear");
    const l1 = interpret(loadTir(text), inputs).logits!;
    expect(l1.data).toEqual(l0.data);
  });
});
