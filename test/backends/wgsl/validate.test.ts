// End to end on real WebGPU: the WGSL build of both architectures, odd shapes, grouped scales, F16/BF16/F32/Q8_0/Q6_K
// heads and unquantized activations, run by Dawn (on SwiftShader where the machine has no GPU) and judged by the
// interpreter (ternc validate: prefill and decode traced op by op, integer results bit-exact, floats within the
// target's tolerance, logits, 32 identical greedy tokens). On SwiftShader, an IEEE device that does not fuse, the
// floats are bit-exact too: softmax and silu use ternc's f32 exp, and every sum runs in the interpreter's order.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadModelGraph } from "../../../src/loadModelGraph.js";
import { validateModel } from "../../../src/targets/validate.js";
import { ROOT } from "../../helpers/cli.js";
import { expectModelPass } from "../../helpers/validation.js";
import { ODD_2B4T, ODD_LLAMA, writeGgufModel, writeGroupedGguf, writeHfLlama, writeTirModel } from "../../helpers/cModels.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-wgsl-validate-"));

async function expectPass(model: string, integer = true, promptLength = 7, options: Record<string, boolean> = {}, tokens?: number[]): Promise<void> {
  const r = await validateModel(model, { target: "wgsl", steps: 32, promptLength, seed: 3, options, ...(tokens ? { tokens } : {}) });
  expect(r.facts.dot4).toBe(options.portableDot4 ? "portable" : "dot4I8Packed");
  expectModelPass(r, integer);
  expect(new Set(Object.values(r.kernels))).toEqual(new Set(["i2"]));
  if (r.engine.includes("SwiftShader")) {
    expect(r.maxFloatError).toBe(0);
    expect(r.logits.maxAbs).toBe(0);
  }
}

describe("ternc validate --target wgsl", () => {
  it("the example GGUF (2B4T form, TQ2_0, F16 tied head)", () => expectPass(join(ROOT, "examples/tiny-bitnet.gguf")));
  it("the example GGUF on a 28-token prompt whose attention once rounded an int8 activation the other way (GPU exp)", () =>
    expectPass(join(ROOT, "examples/tiny-bitnet.gguf"), true, 0, {}, [301, 91, 73, 78, 83, 84, 93, 32, 265, 108, 108, 111, 259, 104, 260, 101, 32, 91, 47, 73, 78, 83, 84, 93, 254, 254, 254, 171]));
  it("a Hugging Face folder (LLaMA form, packed weights, BF16 untied head)", () => expectPass(writeHfLlama(dir, 5)));
  it("odd 2B4T shapes (hidden 40, 5 heads on 1 KV head, vocab 53)", () => expectPass(writeTirModel(dir, "odd-2b4t", ODD_2B4T, 7)));
  it("odd LLaMA shapes with an F32 untied head, and a prompt of one token", () => expectPass(writeTirModel(dir, "odd-llama", ODD_LLAMA, 8, { tiedHead: false }), true, 1));
  it("unquantized activations (f32 ternary sums in index order)", () => expectPass(writeTirModel(dir, "odd-2b4t-f32", ODD_2B4T, 9, { actQuant: "none" }), false));
  it("a Q6_K tied embedding and head, read in its stored blocks", () => expectPass(writeGgufModel(dir, "q6k-tied", 13, { embeddingType: "Q6_K", tiedHead: true })));
  it("a Q8_0 untied embedding and head, read in its stored blocks", () => expectPass(writeGgufModel(dir, "q8-untied", 14, { embeddingType: "Q8_0", tiedHead: false })));
  it("int8 dot products computed byte by byte (a browser without dot4I8Packed), odd 2B4T shapes", () => expectPass(writeTirModel(dir, "odd-2b4t-p", ODD_2B4T, 10), true, 7, { portableDot4: true }));
  it("ternary weights with their own scale per block (grouped products)", async () => {
    const path = writeGroupedGguf(dir, "grouped", 16);
    expect(loadModelGraph(path).graph.ops().some((n) => n.attrs.group === 256)).toBe(true);
    await expectPass(path);
  });
});
