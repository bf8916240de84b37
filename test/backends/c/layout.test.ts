// The C weight layouts: every packed code reads back as the kernels read it (tq1's multiply-and-shift digit
// extraction checked on all 243 byte values), lookup-table patterns, and 8-row interleaving.
import { describe, expect, it } from "vitest";
import { TernaryArray, tensorFromValues } from "../../../ir/index.js";
import { cBlockCode, cPackedRowBytes, interleaveRows8, lutPatterns, packCBlocks } from "../../../backends/c/layout.js";
import { cFloat } from "../../../backends/c/config.js";
import { Rng } from "../../../src/util/random.js";

function randomTrits(n: number, seed: number): TernaryArray {
  const rng = new Rng(seed);
  const t = new TernaryArray(n);
  for (let i = 0; i < n; i++) t.set(i, rng.trit());
  return t;
}

describe("packed blocks", () => {
  it.each([
    ["i2", 3, 300],
    ["tq1", 3, 300],
    ["i2", 2, 128],
    ["tq1", 1, 161],
  ] as const)("%s rows of %i x %i read back exactly, padding reads as 0", (format, n, k) => {
    const w = randomTrits(n * k, 4);
    const packed = packCBlocks(w, n, k, format);
    const rb = cPackedRowBytes(format, k);
    expect(packed.length).toBe(n * rb);
    for (let o = 0; o < n; o++) {
      const row = packed.subarray(o * rb, (o + 1) * rb);
      for (let i = 0; i < (rb / 32) * (format === "i2" ? 128 : 160); i++) expect(cBlockCode(row, format, i) - 1).toBe(i < k ? w.get(o * k + i) : 0);
    }
  });

  it("tq1 digit extraction recovers all five digits of every base-3 byte", () => {
    for (let v = 0; v < 243; v++) {
      const digits = [4, 3, 2, 1, 0].map((p) => Math.floor(v / 3 ** p) % 3);
      const q = Math.floor((v * 256 + 242) / 243);
      expect(q).toBeLessThan(256);
      for (let p = 0; p < 5; p++) expect((((q * 3 ** p) & 0xff) * 3) >> 8).toBe(digits[p]);
    }
  });
});

describe("lookup-table patterns", () => {
  it("hold sum_i w[j*g+i] 3^i per group, zero-padded past k", () => {
    const w = new TernaryArray(6);
    [1, -1, 0, 1, 1, -1].forEach((v, i) => w.set(i, v));
    expect([...lutPatterns(w, 1, 6, 4)]).toEqual([1 - 3 + 0 + 27, 1 - 3]);
  });
});

describe("8-row interleaving", () => {
  it("puts element (r, c) at (r/8)*8*cols + c*8 + r%8 and pads rows with zeros", () => {
    const t = tensorFromValues("f32", [9, 2], Array.from({ length: 18 }, (_, i) => i + 1));
    const out = new Float32Array(interleaveRows8(t).buffer);
    expect(out.length).toBe(16 * 2);
    expect(out[0 * 8 + 3]).toBe(7); // (3, 0)
    expect(out[1 * 8 + 3]).toBe(8); // (3, 1)
    expect(out[16 + 0]).toBe(17); // (8, 0)
    expect(out[16 + 1]).toBe(0); // padding row 9
  });
});

describe("float literals", () => {
  it("read back to the same f32", () => {
    for (const v of [0.1, 1e-5, 474.0431140511656, -3.5e-39, 1, 123456789]) expect(Math.fround(Number(cFloat(v).slice(0, -1)))).toBe(Math.fround(v));
    expect(cFloat(Infinity)).toBe("INFINITY");
  });
});
