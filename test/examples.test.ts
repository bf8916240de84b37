// The bundled examples are what `npm run make-examples` generates (so they cannot drift), and they work.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTir } from "../ir/index.js";
import { exampleBytes } from "../src/examples.js";
import { loadModel } from "../src/frontend/loadModel.js";
import { cli, ROOT } from "./helpers/cli.js";

const EXAMPLES = join(ROOT, "examples");

describe("examples/", () => {
  const generated = exampleBytes();
  for (const [name, bytes] of Object.entries(generated)) {
    it(`${name} is up to date (regenerate with npm run make-examples)`, () => {
      expect(Buffer.compare(readFileSync(join(EXAMPLES, name)), Buffer.from(bytes))).toBe(0);
    });
  }
  it("no example is orphaned", () => {
    const models = readdirSync(EXAMPLES).filter((f) => f.endsWith(".tir") || f.endsWith(".gguf"));
    expect(models.sort()).toEqual(Object.keys(generated).sort());
  });
  it("the .tir example is a real BitNet block: ternary weights, bitlinear, attention with GQA, squared ReLU", () => {
    const g = loadTir(readFileSync(join(EXAMPLES, "bitnet_block.tir"), "utf8"));
    const ops = g.ops().map((n) => n.op);
    expect(ops.filter((o) => o === "bitlinear")).toHaveLength(7);
    expect(ops).toEqual(expect.arrayContaining(["embedding", "rmsnorm", "rope", "attention", "relu2", "mul", "add", "matmul"]));
    expect(g.consts().filter((c) => c.type.dtype === "ternary")).toHaveLength(7);
  });
  it("the GGUF example inspects and generates from a text prompt, as the README shows", async () => {
    const model = join(EXAMPLES, "tiny-bitnet.gguf");
    expect(loadModel(model).tokenizer?.kind).toBe("byte-level BPE");
    const inspect = await cli("inspect", model);
    expect(inspect.stdout).toContain("architecture:  bitnet-b1.58 (squared-ReLU FFN, with sub-norms)");
    const run = await cli("run", model, "--prompt", "The model reads", "--max-tokens", "8");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^prompt: {4}(\d+ )+\d+\ngenerated: (\d+ ){7}\d+\ntext: {6}".*"\n$/);
  });
});
