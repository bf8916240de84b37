// integer-head: which matmuls it rewrites, and the error of the integer head against the exact f32 head on GGUF models
// with a Q6_K (tied) and a Q8_0 (untied) head, the figures the README's "integer head" section quotes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Graph, generateTokens } from "../../../ir/index.js";
import { loadModelGraph } from "../../../src/loadModelGraph.js";
import { runPipeline } from "../../../src/passes/manager.js";
import { writeGgufModel } from "../../helpers/cModels.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-integer-head-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The largest logit error as a share of the largest logit, and the rows whose top-1 token agrees. */
function headError(path: string): { relative: number; top1: number; rows: number; notes: string[]; ops: string[] } {
  const prompt = Array.from({ length: 24 }, (_, i) => (i * 37 + 5) % 90);
  const exact = loadModelGraph(path);
  const integer = loadModelGraph(path);
  const records = runPipeline(integer.graph, ["integer-head"], { loadConst: integer.loadConst });
  const logits = (g: Graph): Float32Array => generateTokens(g, prompt, 1).promptLogits.data as Float32Array;
  const a = logits(exact.graph);
  const b = logits(integer.graph);
  const vocab = a.length / prompt.length;
  const argmax = (l: Float32Array, r: number): number => {
    let best = 0;
    for (let i = 1; i < vocab; i++) if (l[r * vocab + i]! > l[r * vocab + best]!) best = i;
    return best;
  };
  let top1 = 0;
  for (let r = 0; r < prompt.length; r++) if (argmax(a, r) === argmax(b, r)) top1++;
  const scale = Math.max(...Array.from(a, Math.abs));
  const worst = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
  return { relative: worst / scale, top1, rows: prompt.length, notes: records.flatMap((r) => r.notes), ops: integer.graph.ops().map((n) => n.op) };
}

describe.each([
  ["Q6_K tied embedding and head", { embeddingType: "Q6_K", tiedHead: true }],
  ["Q8_0 untied head", { embeddingType: "Q8_0", tiedHead: false }],
] as const)("%s", (_label, opts) => {
  const r = headError(writeGgufModel(dir, opts.embeddingType, 21, opts));
  it("the head becomes matmul_q8 and the pass says so", () => {
    expect(r.ops.filter((op) => op === "matmul")).toEqual([]);
    expect(r.ops.filter((op) => op === "matmul_q8")).toHaveLength(1);
    expect(r.notes.join("\n")).toMatch(/matmul_q8: the input quantized to int8 per block of (256|32)/);
  });
  it("keeps the logits within 1% of the largest, the top-1 token on every row", () => {
    expect(r.relative).toBeGreaterThan(0);
    expect(r.relative).toBeLessThan(1e-2);
    expect(r.top1).toBe(r.rows);
  });
});

it("leaves a float head alone", () => {
  const loaded = loadModelGraph(join(import.meta.dirname, "../../../examples/tiny-bitnet.gguf"));
  expect(runPipeline(loaded.graph, ["integer-head"], { loadConst: loaded.loadConst })[0]!.changed).toBe(false);
  expect(loaded.graph.ops().some((n) => n.op === "matmul")).toBe(true);
});
