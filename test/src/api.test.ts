// The library API a build pipeline uses: load a model, lower it, run it, cost it, without the CLI.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildBitnetGraph, type ConstDecl, constTensor, DEFAULT_PIPELINES, generate, loadModel, modelStats, runPipeline, type Tensor, timingTable } from "../../src/index.js";
import { ROOT } from "../helpers/cli.js";

describe("library API", () => {
  it("loads the bundled model, lowers it with the default pipeline and generates the same tokens", () => {
    const model = loadModel(join(ROOT, "examples/tiny-bitnet.gguf"));
    const weights = model.weights();
    const prompt = model.tokenizer!.encode("The model");
    const l0 = buildBitnetGraph(model.hparams, weights, { kvCache: true });
    const lowered = buildBitnetGraph(model.hparams, weights, { kvCache: true });
    const loadConst = (c: ConstDecl): Tensor => constTensor(c, undefined);
    const records = runPipeline(lowered, DEFAULT_PIPELINES.interp!, { loadConst });
    expect(records.map((r) => r.pass)).toEqual([...DEFAULT_PIPELINES.interp!]);
    // The --time-passes table, a row per pass and a total.
    const table = timingTable(records).trimEnd().split("\n");
    expect(table).toHaveLength(records.length + 2);
    expect(table[1]).toMatch(/^absmean-quantize\s+\d+\.\d{2}\s+\d+\.\d%\s+(changed|-)$/);
    expect(generate(lowered, prompt, 4).generated).toEqual(generate(l0, prompt, 4).generated);
    const stats = modelStats(l0, lowered, 64, loadConst);
    expect(stats.total.after.adds).toBeLessThan(stats.total.before.adds);
  });
});
