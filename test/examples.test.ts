// The bundled examples are what `npm run make-examples` generates (so they cannot drift) and verify.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTir } from "../ir/index.js";
import { exampleFiles } from "../src/examples.js";
import { ROOT } from "./helpers/cli.js";

describe("examples/", () => {
  const generated = exampleFiles();
  for (const [name, text] of Object.entries(generated)) {
    it(`${name} is up to date (regenerate with npm run make-examples)`, () => {
      expect(readFileSync(join(ROOT, "examples", name), "utf8")).toBe(text);
    });
  }
  it("every .tir example parses and verifies, and none is orphaned", () => {
    for (const f of readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".tir"))) {
      expect(Object.keys(generated)).toContain(f);
      expect(() => loadTir(readFileSync(join(ROOT, "examples", f), "utf8"), f)).not.toThrow();
    }
  });
  it("the example is a real BitNet block: ternary weights, bitlinear, attention with GQA, squared ReLU", () => {
    const g = loadTir(generated["bitnet_block.tir"]!);
    const ops = g.ops().map((n) => n.op);
    expect(ops.filter((o) => o === "bitlinear")).toHaveLength(7);
    expect(ops).toEqual(expect.arrayContaining(["embedding", "rmsnorm", "rope", "attention", "relu2", "mul", "add", "matmul"]));
    expect(g.consts().filter((c) => c.type.dtype === "ternary")).toHaveLength(7);
  });
});
