// The main job (`npm run example`): the bundled model compiled, validated and run on a target, and the table row
// that says so. Every registered target runs in `npm run example` itself; here the C target stands for them (the
// WGSL and Verilog validations of the same model run in their own test files).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleTable, runExample } from "../../scripts/example.js";
import { getTarget } from "../../src/targets/registry.js";

describe("npm run example", () => {
  it("validates and runs the bundled model, and its table row matches the interpreter's text", { timeout: 180_000 }, async () => {
    const lines: string[] = [];
    const rows = await runExample(mkdtempSync(join(tmpdir(), "ternc-example-")), (l) => lines.push(l), [getTarget("c")]);
    expect(rows.map((r) => r.target)).toEqual(["interpreter", "c"]);
    const [ref, c] = rows as [(typeof rows)[0], (typeof rows)[0]];
    expect(c.ok).toBe(true);
    expect(c.validation).toMatch(/^PASS \(\d+ tensors, all bit-exact; same 16 tokens\)$/);
    expect(c.text).toBe(ref.text);
    expect(Number(c.files)).toBeGreaterThan(10);
    expect(c.speed).toMatch(/^\d+$/);
    expect(c.engine).toMatch(/^C, /);
    expect(lines.some((l) => l.startsWith("c: compiling"))).toBe(true);
    const table = exampleTable(rows).split("\n");
    expect(table[0]).toBe("| target | files | size | validation | decode tokens/s | ran on | generated text | build |");
    expect(table).toHaveLength(5);
  });
});
