// The folding cost model, the cycle model and report.json's projections.
import { describe, expect, it } from "vitest";
import { accumulatorBits, chooseFolding, cyclesPerToken } from "../../../backends/verilog/fold.js";
import { actQuantCyclesPerToken } from "../../../backends/verilog/actQuant.js";
import { verilogReport } from "../../../backends/verilog/report.js";

describe("folding and cycles", () => {
  it("counts one command, the activation beats, every product cycle and the pipeline", () => {
    expect(cyclesPerToken(256, 256, { rows: 1, lanes: 64 })).toBe(1 + 4 + 256 * 4 + 3);
    expect(cyclesPerToken(37, 11, { rows: 3, lanes: 5 })).toBe(1 + 8 + 4 * 8 + 3);
  });

  it("picks the folding with the least padding at 64 weights a cycle, the wider lane on ties", () => {
    expect(chooseFolding(256, 256)).toEqual({ rows: 1, lanes: 64 });
    // 40 inputs: 64 lanes pad 24 (1 fold), 8 lanes pad none (5 folds of 8 rows): 8 x 8 is cheaper.
    const f = chooseFolding(40, 200);
    expect(cyclesPerToken(40, 200, f)).toBeLessThanOrEqual(Math.min(...[8, 16, 32, 64].map((s) => cyclesPerToken(40, 200, { lanes: s, rows: 64 / s }))));
    expect(chooseFolding(100, 10, { lanes: 5 })).toEqual({ lanes: 5, rows: 12 });
    expect(chooseFolding(100, 10, { rows: 3, lanes: 7 })).toEqual({ rows: 3, lanes: 7 });
  });

  it("sizes accumulators for |sum| <= 128 k, at least 10 bits", () => {
    expect(accumulatorBits(1)).toBe(10);
    expect(accumulatorBits(256)).toBe(17);
    expect(accumulatorBits(6912)).toBe(Math.ceil(Math.log2(128 * 6912 + 1)) + 1);
  });
});

describe("report.json", () => {
  it("projects the 2B-4T shape at >= 90% of what the memory allows, and the compiled layers from their cycles", () => {
    const r = verilogReport(
      [{ index: 0, kind: "mvu", result: "acc", weight: "w", k: 256, n: 256, fold: { rows: 1, lanes: 64 }, accBits: 17, cyclesPerToken: 1032 }],
      [{ command: 1, unit: 0, result: "xq", scale: "xs", k: 256, bits: 24, lanes: 8, cyclesPerToken: actQuantCyclesPerToken(256, 8) }],
      { clockMhz: 200, memGbps: 19.2, quantLanes: 8 },
    );
    const model = r.model as Record<string, number>;
    // The quantizer's cycles count (command, floor, 256 in 8 a beat, division, 32 beats out, pipeline): it runs
    // before the product.
    expect(model.activationQuantCyclesPerToken).toBe(1 + 1 + 32 + 18 + 32 + 3);
    expect(actQuantCyclesPerToken(257, 8)).toBe(1 + 1 + 33 + 18 + 33 + 3);
    expect(actQuantCyclesPerToken(256, 1)).toBe(1 + 1 + 256 + 18 + 256 + 3);
    expect(model.cyclesPerToken).toBe(1032 + model.activationQuantCyclesPerToken!);
    expect(model.tokensPerSecondOnChip).toBeCloseTo(200e6 / model.cyclesPerToken!);
    expect(model.weightBytesPerToken).toBe((256 * 256) / 4);
    const big = r["bitnet-b1.58-2B-4T"] as Record<string, number>;
    expect(big.products).toBe(30 * 7);
    expect(big.weightBytesPerToken).toBe(((2560 * 2560 * 2 + 640 * 2560 * 2 + 6912 * 2560 * 3) * 30) / 4);
    expect(big.shareOfMemoryBound).toBeGreaterThanOrEqual(0.9);
    expect(big.tokensPerSecondMemoryBound).toBeCloseTo(19.2e9 / big.weightBytesPerToken!);
    expect(r.multipliersInTernaryDatapath).toBe(0);
  });
});
