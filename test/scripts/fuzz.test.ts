// The mutation fuzzer in the suite: a fixed seed, a few thousand inputs over the GGUF, safetensors/Hugging Face and
// .tir readers and the commands that read them; no internal error, hang or out-of-memory. `npm run fuzz -- --seconds N`
// runs it for longer with a fresh seed.
import { describe, expect, it } from "vitest";
import { fuzz } from "../../scripts/fuzz/driver.js";
import { mutateBytes, mutateText } from "../../scripts/fuzz/mutate.js";
import { Rng } from "../../src/util/random.js";

describe("npm run fuzz", () => {
  it("mutations are a pure function of the seed", () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 255);
    expect(mutateBytes(data, new Rng(5))).toEqual(mutateBytes(data, new Rng(5)));
    expect(mutateText("graph @g { %x = add(%a, %b) : f32[4] }", new Rng(6))).toBe(mutateText("graph @g { %x = add(%a, %b) : f32[4] }", new Rng(6)));
  });

  it("2,000 seeded inputs: no internal error, hang or out-of-memory", async () => {
    const report = await fuzz({ inputs: 2000, seed: 20261130, hangMs: 30_000, heapMb: 1024 });
    const lines = report.failures.map((f) => `input ${f.index} (${f.kind}): ternc ${f.args.join(" ")}: ${f.detail.split("\n")[0]} (kept in ${f.kept})`);
    expect(lines).toEqual([]);
    expect(report.inputs).toBe(2000);
  }, 600_000);
});
