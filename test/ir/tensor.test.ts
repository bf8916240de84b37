// TernaryArray: the packed storage of ternary weights.
import { describe, expect, it } from "vitest";
import { TernaryArray } from "../../ir/index.js";

describe("TernaryArray", () => {
  const src = TernaryArray.from([1, -1, 0, 1, -1, 0, 1]);
  it.each([0, 4, 3, 6])("setFrom copies every value at offset %i (whole bytes or not)", (at) => {
    const dst = TernaryArray.from(new Array(16).fill(1));
    dst.setFrom(src, at);
    const want = new Array(16).fill(1);
    for (let i = 0; i < src.length; i++) want[at + i] = src.get(i);
    expect(Array.from({ length: 16 }, (_, i) => dst.get(i))).toEqual(want);
  });
  it("setFrom refuses what does not fit", () => {
    expect(() => new TernaryArray(8).setFrom(src, 2)).toThrow(/do not fit/);
  });
  it("firstInvalid finds a code 3 in whole bytes and in the tail", () => {
    for (const at of [0, 5, 13, 17]) {
      const t = new TernaryArray(18);
      expect(t.firstInvalid()).toBe(-1);
      t.codes[at >> 2] |= 3 << ((at & 3) * 2);
      expect(t.firstInvalid()).toBe(at);
    }
  });
});
