// Scalar numerics: round half to even, half-precision conversions, shortest float text.
import { describe, expect, it } from "vitest";
import { bf16BitsToF32, f16BitsToF32, f32, f32ToBf16Bits, f32ToF16Bits, roundHalfEven, shortestFloatText } from "../../ir/index.js";

describe("roundHalfEven", () => {
  it("rounds ties to the even neighbour, unlike Math.round", () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, -0, -2, -2]);
    expect(Math.round(2.5)).toBe(3);
    expect(Math.round(-2.5)).toBe(-2);
  });
  it("rounds non-ties to nearest", () => {
    expect([0.49, 0.51, -0.51, 126.6, -127.4, -0.2].map(roundHalfEven)).toEqual([0, 1, -1, 127, -127, -0]);
  });
});

describe("half precision", () => {
  it("f16 round-to-nearest-even, overflow, subnormals", () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // rounds up to infinity
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16Bits(2 ** -25)).toBe(0x0000); // a tie, to even (zero)
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1+2^-10: even
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie: to even mantissa 2
    expect(f16BitsToF32(0x3555)).toBeCloseTo(0.33325, 5);
    expect(f16BitsToF32(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(f16BitsToF32(0x7e00))).toBe(true);
  });
  it("every f16 bit pattern survives a decode/encode round trip", () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = f16BitsToF32(h);
      if (Number.isNaN(v)) continue;
      expect(f32ToF16Bits(v)).toBe(h);
    }
  });
  it("bf16 rounds to nearest even", () => {
    expect(f32ToBf16Bits(1)).toBe(0x3f80);
    expect(bf16BitsToF32(f32ToBf16Bits(1 + 2 ** -8))).toBe(1); // tie to even
    expect(bf16BitsToF32(f32ToBf16Bits(1 + 3 * 2 ** -8))).toBe(1 + 2 ** -6);
  });
});

describe("shortestFloatText", () => {
  it("prints the shortest text that reads back to the same f32", () => {
    expect(shortestFloatText(f32(0.1), f32)).toBe("0.1");
    expect(shortestFloatText(1, f32)).toBe("1.0");
    expect(shortestFloatText(f32(1e-5), f32)).toBe("0.00001");
    expect(shortestFloatText(f32(1e-7), f32)).toBe("1e-7");
    expect(shortestFloatText(-0, f32)).toBe("-0.0");
    expect(shortestFloatText(f32(3.4028234663852886e38), f32)).toBe("3.4028235e38");
    for (const x of [f32(Math.PI), f32(-1 / 3), f32(123456.789), f32(7e-45)]) {
      expect(f32(Number(shortestFloatText(x, f32)))).toBe(x);
    }
  });
});
