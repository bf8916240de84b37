// act_quant_fixed, the integer pipeline's activation quantizer: worked by hand, its edge cases, and its measured
// distance from act_quant's f32 arithmetic on seeded rows of several distributions.
import { describe, expect, it } from "vitest";
import { actQuantFixedRows, actQuantRows, blockFixedRow, f32 } from "../../../ir/index.js";
import { Rng } from "../../../src/util/random.js";

describe("act_quant_fixed, worked by hand", () => {
  it("normalises to 24-bit mantissas, divides once, rounds half to even", () => {
    // max|x| = 127 = 2^6.99: e = 22 - 6 = 16, so xi = x * 2^16 and M = 127 * 2^16; r = round(127 * 2^32 / M) =
    // 2^16, and xq = rne(xi * 2^16 / 2^32) = rne(x): ties to even as act_quant does.
    const x = Float32Array.of(0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 127);
    const block = blockFixedRow(x, 0, 8, 24)!;
    expect(block.shift).toBe(16);
    expect(block.mantissas[7]).toBe(127 * 2 ** 16);
    const { xq, scale } = actQuantFixedRows(x, 1, 8, 24);
    expect([...xq]).toEqual([0, 2, 2, 0, -2, -2, 4, 127]);
    expect(scale[0]).toBe(1);
  });

  it("is exact under powers of two (above the 1e-5 floor): x * 2^j gives the same codes and scale * 2^j", () => {
    const rng = new Rng(3);
    const x = Float32Array.from({ length: 64 }, () => rng.normal());
    const base = actQuantFixedRows(x, 1, 64, 24);
    for (const j of [-12, -7, 5, 40]) {
      const y = actQuantFixedRows(x.map((v) => v * 2 ** j), 1, 64, 24);
      expect(y.xq).toEqual(base.xq);
      expect(y.scale[0]).toBe(f32(base.scale[0]! * 2 ** j));
    }
  });

  it("floors the absmax at 1e-5 as act_quant does: tiny rows give small codes, zero rows zero codes", () => {
    const tiny = Float32Array.of(2e-6, -5e-6, 1e-7, 0);
    expect(actQuantFixedRows(tiny, 1, 4, 24).xq).toEqual(actQuantRows(tiny, 1, 4).xq);
    const zero = actQuantFixedRows(new Float32Array(5), 1, 5, 24);
    expect([...zero.xq]).toEqual([0, 0, 0, 0, 0]);
    expect(zero.scale[0]! / f32(f32(1e-5) / 127)).toBeCloseTo(1, 6);
  });

  it("a max|x| that is a power of two, and one just below it, land in the top octave of the mantissa", () => {
    for (const a of [4, f32(4 - 2 ** -21)]) {
      const block = blockFixedRow(Float32Array.of(a, -1), 0, 2, 24)!;
      expect(block.mantissas[0]).toBeGreaterThanOrEqual(2 ** 22);
      expect(block.mantissas[0]).toBeLessThan(2 ** 23);
    }
  });

  it("a NaN or infinity gives zero codes and a NaN scale for its token only", () => {
    const { xq, scale } = actQuantFixedRows(Float32Array.of(1, Number.NaN, 3, -2, Number.POSITIVE_INFINITY, 0, 4, 8, -8), 3, 3, 24);
    expect([...xq.subarray(0, 6)]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(scale[0]).toBeNaN();
    expect(scale[1]).toBeNaN();
    expect([...xq.subarray(6)]).toEqual([64, 127, -127]);
  });
});

describe("act_quant_fixed against act_quant's f32 arithmetic", () => {
  // Measured on 3 x 400 rows of 256 (2026-11-30): 1 code in ~2e5 differs, by one; scales agree to ~1e-7 relative.
  const distributions: Array<[string, (r: Rng) => number]> = [
    ["normal", (r) => r.normal()],
    ["heavy-tailed", (r) => r.normal() * Math.exp(2 * r.normal())],
    ["below the 1e-5 floor", (r) => r.normal() * 1e-6],
  ];
  for (const [label, draw] of distributions) {
    it(`${label}: codes differ by at most one, in fewer than 1 in 10^4; scales within 2^-20`, () => {
      const rng = new Rng(11);
      const [t, k] = [400, 256];
      const x = Float32Array.from({ length: t * k }, () => draw(rng));
      const fixed = actQuantFixedRows(x, t, k, 24);
      const float = actQuantRows(x, t, k);
      let differing = 0;
      let farthest = 0;
      for (let i = 0; i < t * k; i++) {
        farthest = Math.max(farthest, Math.abs(fixed.xq[i]! - float.xq[i]!));
        if (fixed.xq[i] !== float.xq[i]) differing++;
      }
      expect(farthest).toBeLessThanOrEqual(1);
      expect(differing / (t * k)).toBeLessThan(1e-4);
      expect(Math.max(...Array.from(fixed.scale, (v, r) => Math.abs(v / float.scale[r]! - 1)))).toBeLessThan(2 ** -20);
    });
  }

  it("12-bit mantissas are coarser but still within one code", () => {
    const rng = new Rng(12);
    const x = Float32Array.from({ length: 100 * 128 }, () => rng.normal());
    const fixed = actQuantFixedRows(x, 100, 128, 12);
    const float = actQuantRows(x, 100, 128);
    expect(Math.max(...Array.from(fixed.xq, (v, i) => Math.abs(v - float.xq[i]!)))).toBeLessThanOrEqual(1);
  });
});
