// GGUF models: every weight type imports a generated model to the same graph and the same logits.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { interpret, type Tensor, tensorFromValues, toNumbers, verifyOrThrow } from "../../../../ir/index.js";
import { buildBitnetGraph, type BitnetHParams, type BitnetWeights, type WeightRef } from "../../../../src/frontend/bitnetGraph.js";
import { loadGgufModel } from "../../../../src/frontend/gguf/model.js";
import { writeBitnetGguf } from "../../../../src/frontend/gguf/writeModel.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM, TINY_BITNET_LLAMA_FORM } from "../../../../src/frontend/randomBitnet.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-gguf-"));
const ids = (v: number[]): Tensor => tensorFromValues("i32", [v.length], v);
const mat = (w: WeightRef): Tensor => ("load" in w ? w.load() : w);

function logits(hp: BitnetHParams, w: BitnetWeights): number[] {
  const g = buildBitnetGraph(hp, w);
  verifyOrThrow(g);
  return toNumbers(interpret(g, { tokens: ids([3, 1, 4, 1, 5]), pos: ids([0, 1, 2, 3, 4]) }).logits!);
}

/** A graph-level fingerprint of the weights: every tensor's type, shape and values. */
function fingerprint(w: BitnetWeights): string {
  const t = (x: WeightRef | undefined): string => (x ? `${mat(x).dtype}[${mat(x).shape}]:${toNumbers(mat(x)).join(",")}` : "-");
  return [t(w.tokenEmbd), t(w.outputNorm), t(w.output), ...w.blocks.flatMap((b) => [t(b.attnNorm), t(b.attnSubNorm), t(b.ffnNorm), t(b.ffnSubNorm), ...[b.q, b.k, b.v, b.o, b.gate, b.up, b.down].flatMap((l) => [t(l.weight), t(l.scale), String(l.group)])])].join("|");
}

describe.each([
  ["2B-4T form (bitnet-25)", { ...TINY_BITNET_2B4T_FORM, hidden: 256, intermediate: 512, heads: 4, kvHeads: 2, headDim: 64, layers: 2 }],
  ["LLaMA form (llama)", { ...TINY_BITNET_LLAMA_FORM, hidden: 256, intermediate: 256, heads: 4, kvHeads: 4, headDim: 64, layers: 1 }],
] as Array<[string, BitnetHParams]>)("%s", (_name, hp) => {
  const weights = randomBitnetWeights(hp, 5);
  const reference = logits(hp, weights);
  const expected = fingerprint(weights);
  for (const linearType of ["F32", "F16", "BF16", "TQ2_0", "TQ1_0", "I2_S"] as const) {
    it(`${linearType} weights import to the same graph and logits`, () => {
      const path = join(dir, `${hp.ffnActivation}-${linearType}.gguf`);
      writeBitnetGguf(path, hp, weights, { linearType });
      const model = loadGgufModel(path);
      expect(model.hparams).toEqual({ ...hp, ropeDims: hp.headDim, ropeStyle: hp.subNorms ? "neox" : "interleaved" });
      const loaded = model.weights();
      expect(fingerprint(loaded)).toBe(expected);
      expect(logits(model.hparams, loaded)).toEqual(hp.subNorms ? reference : logits(model.hparams, weights));
    });
  }
});
