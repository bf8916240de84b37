// print -> parse -> print is the identity: on hand-written files and on 200 seeded random graphs.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTir, parseTir, printGraph } from "../../../ir/index.js";
import { randomGraph } from "../../helpers/randomGraph.js";

const FIXTURES = join(import.meta.dirname, "../../fixtures/tir");

function roundTrip(text: string, file: string): { first: string; second: string } {
  const first = printGraph(loadTir(text, file));
  const second = printGraph(loadTir(first, `${file} (printed)`));
  return { first, second };
}

describe("textual IR round trip", () => {
  for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith(".tir"))) {
    it(`hand-written ${name}`, () => {
      const { first, second } = roundTrip(readFileSync(join(FIXTURES, name), "utf8"), name);
      expect(second).toBe(first);
    });
  }

  it("the bundled example", () => {
    const text = readFileSync(join(import.meta.dirname, "../../../examples/bitnet_block.tir"), "utf8");
    const { first, second } = roundTrip(text, "bitnet_block.tir");
    expect(second).toBe(first);
    // The example is itself printed by ternc, so its graph text is already normal.
    expect(text.slice(text.indexOf("graph @"))).toBe(first);
  });

  it("200 seeded random graphs", () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 200; seed++) {
      const g = randomGraph(seed);
      const text = printGraph(g);
      const again = printGraph(loadTir(text, `random-${seed}.tir`));
      expect(again, `seed ${seed}`).toBe(text);
      for (const m of text.matchAll(/= ([a-z_0-9]+)\(/g)) seen.add(m[1]!);
    }
    // The generator really covers the op set, so the property is tested on all of it.
    expect([...seen].sort()).toEqual(
      ["act_quant", "add", "attention", "bitlinear", "concat", "dequant", "embedding", "matmul", "mul", "relu2", "rmsnorm", "rope", "silu", "softmax", "ternary_matmul"].sort(),
    );
  });

  it("keeps exact values through text: f16/bf16 rounding, -0, extremes", () => {
    const g = loadTir(readFileSync(join(FIXTURES, "types_and_consts.tir"), "utf8"));
    const text = printGraph(g);
    // The shortest text that rounds back to the same f16/bf16 value: 65504 is the nearest f16 to 6.55e4.
    expect(text).toContain("f16[3, 2] = dense<[0.1, -2.5, 6.55e4, 6e-8, 1.0, 0.0]>");
    expect(text).toContain("bf16[3, 2] = dense<[3.14, -1e30, 0.0078, 1.0, 2.0, -0.0]>");
    expect(text).toContain('blob<"weights.bin", offset = 4096>');
  });

  it("ops come out in a stable topological order whatever the order written", () => {
    const shuffled = `graph @g {
      %z = add(%y, %y)
      output %z
      %y = silu(%x)
      input %x : f32[2]
    }`;
    const text = printGraph(loadTir(shuffled));
    expect(text).toBe(`graph @g {\n  input %x : f32[2]\n  %y = silu(%x) : f32[2]\n  %z = add(%y, %y) : f32[2]\n  output %z\n}\n`);
    expect(printGraph(parseTir(text))).toBe(text);
  });
});
