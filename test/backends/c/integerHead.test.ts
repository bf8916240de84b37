// The C target's integer head (matmul_q8 on Q8_0/Q6_K blocks as stored): bit for bit the interpreter's on every x86
// kernel set this machine runs, the default for block-quantized heads (recorded in the manifest), and --head exact
// keeps the f32 head.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ConstDecl, constTensor } from "../../../ir/index.js";
import { compileModel } from "../../../src/targets/compile.js";
import { validateGraph } from "../../../src/targets/validate.js";
import { writeGgufModel } from "../../helpers/cModels.js";
import { singleOpCases } from "../../helpers/singleOpGraphs.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-c-integer-head-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(process.arch === "x64" ? ["avx2", "portable"] : ["portable"])("matmul_q8 with the %s kernels", (isa) => {
  it.each(singleOpCases(3, ["matmul_q8"]).map((c) => [c.name, c] as const))("%s: the same bits as the interpreter", (_, c) => {
    const r = validateGraph(c.graph, c.inputs, { target: "c", options: { isa, threads: 2 }, loadConst: (d: ConstDecl) => constTensor(d, undefined), source: c.name });
    expect(r.ok).toBe(true);
    expect(r.outputs.map((o) => o.maxAbs)).toEqual(r.outputs.map(() => 0));
  });
});

describe("the head of a Q6_K model", () => {
  const model = writeGgufModel(dir, "q6k", 31, { embeddingType: "Q6_K", tiedHead: true });
  const compiled = (head?: string) => {
    const out = join(dir, `out-${head ?? "default"}`);
    const c = compileModel(model, out, { target: "c", options: head ? { head } : {} });
    return { c, source: readFileSync(join(out, "model.c"), "utf8"), manifest: JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { pipeline: string[]; approximate: string[]; details: { weights: { constants: Array<{ name: string; layout: string; bytes: number }> } } } };
  };
  it("is integer by default: blocks as stored (210 bytes per 256 weights), the choice in the manifest", () => {
    const { c, source, manifest } = compiled();
    expect(source).toContain("tc_matmul_q8(");
    expect(manifest.pipeline[0]).toBe("integer-head");
    expect(manifest.approximate).toEqual(c.approximate);
    expect(manifest.approximate[0]).toMatch(/^integer-head: %logits = matmul\(%token_embd: q6_k \[93, 256\]\) -> matmul_q8/);
    expect(manifest.details.weights.constants.find((k) => k.name === "token_embd")).toMatchObject({ layout: "raw", bytes: 93 * 210 });
  });
  it("--head exact keeps the f32 matmul (codes and multipliers interleaved)", () => {
    const { source, manifest } = compiled("exact");
    expect(source).not.toContain("tc_matmul_q8(");
    expect(source).toContain("tc_matmul(");
    expect(manifest.pipeline).not.toContain("integer-head");
    expect(manifest.approximate).toEqual([]);
    expect(manifest.details.weights.constants.find((k) => k.name === "token_embd")!.layout).toBe("interleaved");
  });
});
