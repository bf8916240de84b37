// End to end: every kernel of the C backend, on both architectures and odd shapes, with 1 and 2 threads,
// compiled warning-free, run, and judged by the interpreter (ternc validate: prefill and decode traced op by
// op, integer results bit-exact, logits within tolerance, 32 identical greedy tokens).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CIsa, CKernel } from "../../../backends/c/options.js";
import { ROOT } from "../../helpers/cli.js";
import { expectModelPass } from "../../helpers/validation.js";
import { ODD_2B4T, ODD_LLAMA, writeGgufModel, writeGroupedGguf, writeHfLlama, writeTirModel, validateOnC } from "../../helpers/cModels.js";
import { loadModelGraph } from "../../../src/loadModelGraph.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-c-validate-"));
const MODELS: Record<string, string> = {
  "example GGUF (2B4T form, TQ2_0, F16 tied head)": join(ROOT, "examples/tiny-bitnet.gguf"),
  "HF folder (LLaMA form, packed, BF16 head)": writeHfLlama(dir, 5),
  "odd 2B4T form (.tir)": writeTirModel(dir, "odd-2b4t", ODD_2B4T, 7),
  "odd LLaMA form (.tir, F32 untied head)": writeTirModel(dir, "odd-llama", ODD_LLAMA, 8, { tiedHead: false }),
};

async function expectPass(model: string, kernel: CKernel, isa: CIsa, threads: number, integer = true): Promise<void> {
  const r = await validateOnC(model, { kernel, isa, threads, steps: 32, promptLength: 7, seed: 3 });
  expectModelPass(r, integer);
  if (kernel !== "auto") expect(new Set(Object.values(r.kernels))).toEqual(new Set([kernel === "lut" ? "lut4" : kernel]));
  expect(r.facts.threads).toBe(threads);
}

describe.each(Object.entries(MODELS))("%s", (_, model) => {
  it.each([
    ["auto", 2],
    ["i2", 1],
    ["tq1", 2],
    ["lut", 1],
  ] as Array<[CKernel, number]>)("kernel %s, %i thread(s), native ISA", (kernel, threads) => expectPass(model, kernel, "native", threads));
});

describe("portable C kernels", () => {
  it("i2 on the example model, 2 threads", () => expectPass(MODELS["example GGUF (2B4T form, TQ2_0, F16 tied head)"]!, "i2", "portable", 2));
  it("tq1 on odd LLaMA shapes, 1 thread", () => expectPass(MODELS["odd LLaMA form (.tir, F32 untied head)"]!, "tq1", "portable", 1));
});

describe("unquantized activations (f32 ternary sums in index order)", () => {
  it("validates with i2 and tq1", async () => {
    const model = writeTirModel(dir, "odd-2b4t-f32", ODD_2B4T, 9, { actQuant: "none" });
    await expectPass(model, "i2", "native", 2, false);
    await expectPass(model, "tq1", "portable", 1, false);
  });
});

describe("block-quantized embedding and head, read in their stored form", () => {
  const q6Tied = writeGgufModel(dir, "q6k-tied", 13, { embeddingType: "Q6_K", tiedHead: true });
  const q8Untied = writeGgufModel(dir, "q8-untied", 14, { embeddingType: "Q8_0", tiedHead: false });
  it("the GGUF frontend keeps Q6_K and Q8_0 tables as q6_k and q8_0 constants", () => {
    const dtypes = (path: string) => new Set(loadModelGraph(path).graph.consts().map((c) => c.type.dtype));
    expect(dtypes(q6Tied)).toContain("q6_k");
    expect(dtypes(q8Untied)).toContain("q8_0");
  });
  it.each([
    ["Q6_K tied", "native", 2],
    ["Q8_0 untied", "native", 1],
    ["Q6_K tied", "portable", 2],
  ] as Array<[string, CIsa, number]>)("%s, %s kernels, %i thread(s)", (which, isa, threads) => expectPass(which.startsWith("Q6_K") ? q6Tied : q8Untied, "i2", isa, threads));
});

describe("ternary weights with their own scale per block (grouped products)", () => {
  const path = writeGroupedGguf(dir, "grouped", 16);
  it("the graph has a grouped product", () => {
    expect(loadModelGraph(path).graph.ops().some((n) => n.attrs.group === 256)).toBe(true);
  });
  it.each([
    ["native", 2],
    [process.arch === "x64" ? "avx2" : "portable", 1],
    ["portable", 2],
  ] as Array<[CIsa, number]>)("%s kernels, %i thread(s)", (isa, threads) => expectPass(path, "i2", isa, threads));
});
