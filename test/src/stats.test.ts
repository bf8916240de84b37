// ternc stats: the paper's numbers for a user's own model.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BITNET_2B4T_SHAPE, writeLargeBitnetGguf } from "../../scripts/lib/largeModel.js";
import type { ModelStats } from "../../src/stats.js";
import { cli, ROOT } from "../helpers/cli.js";

describe("ternc stats", () => {
  const dir = mkdtempSync(join(tmpdir(), "ternc-stats-"));
  const oneLayer = join(dir, "2b4t-one-layer.gguf");
  // One block of bitnet-b1.58-2B-4T's exact shape (hidden 2560, FFN 6912, 20 heads, 5 KV heads).
  writeLargeBitnetGguf(oneLayer, { ...BITNET_2B4T_SHAPE, layers: 1, vocab: 256 });

  it("shows plain and lookup-table additions for the 2560 x 6912 FFN layers; the table needs fewer", async () => {
    const r = await cli("stats", oneLayer);
    expect(r.code, r.stderr).toBe(0);
    const line = (shape: string): [number, number] => {
      const m = new RegExp(`^  ${shape} +x\\d+ +plain +([\\d,]+) +lookup table +([\\d,]+)`, "m").exec(r.stdout)!;
      return [Number(m[1]!.replaceAll(",", "")), Number(m[2]!.replaceAll(",", ""))];
    };
    for (const shape of ["2560 x 6912", "6912 x 2560"]) {
      const [plain, lut] = line(shape);
      expect(lut).toBeLessThan(plain / 2);
    }
  });
  it("--json: the paper's claims in numbers: no multiply left in the ternary products, ~8x smaller weights, 71.4x less energy", async () => {
    const r = await cli("stats", oneLayer, "--json", "--context", "512");
    const s = JSON.parse(r.stdout) as ModelStats;
    const block = s.layers.find((l) => l.layer === "blk.0")!;
    // Multiplies left in the block are the non-linear parts (norms, RoPE, attention, quantization), not the products.
    const weights = s.ternaryWeights;
    expect(block.before.muls - block.after.muls).toBeGreaterThan(0.99 * weights);
    expect(block.after.adds).toBeLessThan(0.6 * block.before.adds);
    expect(s.weightBytes.f16 / s.weightBytes.twoBit).toBeGreaterThan(7.9);
    expect(s.energy["7nm"].perWeightRatio).toBeCloseTo(71.43, 1);
    expect(s.energy["7nm"].ratio).toBeGreaterThan(s.energy["7nm"].perWeightRatio);
    expect(s.kvBytesPerToken).toBe(2 * 5 * 128 * 4);
    expect(s.layers.map((l) => l.layer)).toEqual(["embedding", "blk.0", "head"]);
  });
  it("works on the bundled model and on an imported .tir", async () => {
    const tir = join(dir, "tiny.tir");
    expect((await cli("import", join(ROOT, "examples/tiny-bitnet.gguf"), "-o", tir)).code).toBe(0);
    const a = JSON.parse((await cli("stats", join(ROOT, "examples/tiny-bitnet.gguf"), "--json")).stdout) as ModelStats;
    const b = JSON.parse((await cli("stats", tir, "--json")).stdout) as ModelStats;
    expect(b.total).toEqual(a.total);
    expect((await cli("stats", tir, "--context", "x")).stderr).toContain("--context 'x': expected a whole number >= 0");
  });
});
