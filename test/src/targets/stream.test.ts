// Runs on compiled targets are asynchronous and stream their tokens: each token reaches onToken as the target
// chooses it (the runners print `token N` with --stream; Verilog's host tells it directly), in order, and the caller's
// event loop keeps turning while a runner works.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runOnTarget } from "../../../src/targets/run.js";
import { ROOT } from "../../helpers/cli.js";

const MODEL = join(ROOT, "examples/tiny-bitnet.gguf");
const request = { tokens: [301, 116, 265, 294], maxTokens: 6, sampling: { temperature: 30, topK: 40, topP: 1, minP: 0, repeatPenalty: 1.5, repeatLastN: 64, seed: 9 } };

describe("streaming from compiled targets", () => {
  it.each(["c", "wgsl", "verilog"])("%s: every token reaches onToken in order, the same as the result", async (target) => {
    const seen: Array<[number, number]> = [];
    const r = await runOnTarget(MODEL, { ...request, onToken: (t, i) => seen.push([t, i]) }, { target });
    expect(r.generated).toHaveLength(6);
    expect(seen).toEqual(r.generated.map((t, i) => [t, i]));
  }, 300_000);
  it("the event loop turns while a runner works (here the WGSL runner, about a second on SwiftShader)", async () => {
    await runOnTarget(MODEL, request, { target: "wgsl" }); // built into the cache first
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await runOnTarget(MODEL, { ...request, maxTokens: 16 }, { target: "wgsl" });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(3);
  }, 300_000);
  it("a runner's failure is a rejected promise carrying its message", async () => {
    await expect(runOnTarget(MODEL, { ...request, sampling: { ...request.sampling, minP: 2 } }, { target: "c" })).rejects.toThrow(/min-p 2: expected a number in \[0, 1\]/);
  }, 120_000);
});
