// Every file format of one generated model imports to the same graph, and the interpreter gives the
// same logits for each: GGUF (F32, TQ2_0, TQ1_0, I2_S) and Hugging Face (BF16 master weights, packed).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { interpret, printGraph, type Tensor, tensorFromValues, toNumbers, verifyOrThrow } from "../../../ir/index.js";
import { type BitnetHParams, buildBitnetGraph, type BitnetWeights } from "../../../src/frontend/bitnetGraph.js";
import { writeBitnetGguf } from "../../../src/frontend/gguf/writeModel.js";
import { writeBitnetHf } from "../../../src/frontend/huggingface/writeModel.js";
import { loadModel } from "../../../src/frontend/loadModel.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM, TINY_BITNET_LLAMA_FORM } from "../../../src/frontend/randomBitnet.js";
import { materializeWeights } from "../../helpers/weights.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-formats-"));
const ids = (v: number[]): Tensor => tensorFromValues("i32", [v.length], v);

function run(hp: BitnetHParams, w: BitnetWeights): { text: string; logits: number[] } {
  const g = buildBitnetGraph(hp, materializeWeights(w));
  verifyOrThrow(g);
  return { text: printGraph(g), logits: toNumbers(interpret(g, { tokens: ids([7, 0, 2, 9]), pos: ids([0, 1, 2, 3]) }).logits!) };
}

describe.each([
  ["bitnet-b1.58-2B-4T form", { ...TINY_BITNET_2B4T_FORM, hidden: 256, intermediate: 256, headDim: 64, layers: 2 }],
  ["LLaMA form", { ...TINY_BITNET_LLAMA_FORM, hidden: 256, intermediate: 256, headDim: 64, layers: 1 }],
] as Array<[string, BitnetHParams]>)("%s", (name, hp) => {
  const weights = randomBitnetWeights(hp, 21, { tiedHead: name.startsWith("LLaMA") ? false : undefined });
  const files: Array<[string, string]> = [];
  for (const t of ["F32", "TQ2_0", "TQ1_0", "I2_S"] as const) {
    const p = join(dir, `${hp.ffnActivation}-${t}.gguf`);
    writeBitnetGguf(p, hp, weights, { linearType: t, embeddingType: "BF16", architecture: hp.subNorms ? "bitnet-25" : "llama" });
    files.push([`GGUF ${t}`, p]);
  }
  for (const [label, opts] of [["HF BF16 master", { weights: "bf16" }], ["HF packed", { weights: "packed" }], ["HF packed, 3 shards", { weights: "packed", shards: 3 }]] as const) {
    const p = join(dir, `${hp.ffnActivation}-${label.replace(/\W+/g, "_")}`);
    writeBitnetHf(p, hp, weights, opts);
    files.push([label, p]);
  }
  // GGUF's llama arch pairs RoPE dims differently from HF (its converter permutes q/k); compare within each.
  const groups = hp.subNorms ? [files] : [files.filter(([l]) => l.startsWith("GGUF")), files.filter(([l]) => l.startsWith("HF"))];
  for (const group of groups) {
    it(`${group.map(([l]) => l).join(", ")}: one graph, one set of logits`, () => {
      const results = group.map(([label, path]) => {
        const m = loadModel(path);
        return { label, ...run(m.hparams, m.weights()) };
      });
      for (const r of results.slice(1)) {
        expect(r.text, r.label).toBe(results[0]!.text);
        expect(r.logits, r.label).toEqual(results[0]!.logits);
      }
    });
  }
  it("the imported graph computes what the original weights compute", () => {
    const m = loadModel(files.find(([l]) => l === "GGUF TQ2_0")![1]);
    expect(run(m.hparams, m.weights()).logits).toEqual(run({ ...hp, ropeDims: hp.headDim, ropeStyle: m.hparams.ropeStyle }, weights).logits);
  });
});
