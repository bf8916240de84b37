// Block layouts decoded from hand-built bytes, following llama.cpp's and bitnet.cpp's reference code.
import { describe, expect, it } from "vitest";
import { f32ToF16Bits } from "../../../../ir/index.js";
import { decodeFloats, decodeTernary, encodeFloats, encodeTernary, GGML } from "../../../../src/frontend/gguf/ggmlTypes.js";

const f16le = (v: number): [number, number] => {
  const h = f32ToF16Bits(v);
  return [h & 0xff, h >> 8];
};
const trits = (b: Uint8Array, n: number, t = GGML.TQ2_0) => {
  const d = decodeTernary(t, b, n);
  return Array.from({ length: n }, (_, i) => d.trits.get(i));
};

describe("TQ2_0", () => {
  it("byte j of each 32-byte half holds elements j, j+32, j+64, j+96 of that half, 2 bits each from the bottom", () => {
    const b = new Uint8Array(66).fill(0x55); // code 1 everywhere: zeros
    b[0] = 0b10_01_00_10; // elements 0 (+1), 32 (-1), 64 (0), 96 (+1)
    b[32 + 5] = 0b00_01_01_01; // element 128+5+96 = 229 is -1
    b.set(f16le(0.5), 64);
    const v = trits(b, 256);
    expect([v[0], v[32], v[64], v[96], v[229]]).toEqual([1, -1, 0, 1, -1]);
    expect(v.filter((x) => x !== 0)).toHaveLength(4);
    expect(decodeTernary(GGML.TQ2_0, b, 256).scales[0]).toBe(0.5);
  });
  it("code 3 is reported as invalid", () => {
    const b = new Uint8Array(66).fill(0x55);
    b[3] = 0x57; // element 3 gets code 3
    expect(decodeTernary(GGML.TQ2_0, b, 256).invalidAt).toBe(3);
  });
});

describe("TQ1_0", () => {
  it("five trits per byte, most significant first, stored as ceil(q * 256 / 243)", () => {
    const b = new Uint8Array(54);
    // qs[0] holds elements 0, 32, 64, 96, 128 as digits (2, 0, 1, 1, 1) -> q = 2*81 + 0 + 9 + 3 + 1 = 175
    const enc = (q: number): number => Math.ceil((q * 256) / 243);
    b.fill(enc(121)); // 121 = digits 1,1,1,1,1: all zeros
    b[0] = enc(175);
    // qs[32] holds elements 160, 176, 192, 208, 224: digits (1, 1, 1, 1, 0) -> q = 81+27+9+3+0 = 120
    b[32] = enc(120);
    // qh[1] holds elements 241, 245, 249, 253 as the top four digits: (0, 1, 1, 2) then a 0 digit
    b[49] = enc((0 * 27 + 1 * 9 + 1 * 3 + 2) * 3);
    b.set(f16le(0.25), 52);
    const v = trits(b, 256, GGML.TQ1_0);
    expect([v[0], v[32], v[64], v[96], v[128]]).toEqual([1, -1, 0, 0, 0]);
    expect(v[224]).toBe(-1);
    expect([v[241], v[245], v[249], v[253]]).toEqual([-1, 0, 0, 1]);
    expect(v.filter((x) => x !== 0)).toHaveLength(5);
    expect(decodeTernary(GGML.TQ1_0, b, 256).scales[0]).toBe(0.25);
  });
});

describe("I2_S (bitnet.cpp, x86)", () => {
  it("blocks of 128 in 32 bytes, byte j holds elements j, j+32, j+64, j+96 from the top bits; one f32 scale after the codes", () => {
    const n = 256;
    const b = new Uint8Array(n / 4 + 32).fill(0x55);
    b[0] = 0b10_00_01_01; // elements 0 (+1), 32 (-1), 64 (0), 96 (0)
    b[32 + 31] = 0b01_01_01_00; // block 1: element 128 + 31 + 96 = 255 is -1
    new DataView(b.buffer).setFloat32(n / 4, 0.75, true);
    const d = decodeTernary(GGML.I2_S, b, n);
    const v = Array.from({ length: n }, (_, i) => d.trits.get(i));
    expect([v[0], v[32], v[64], v[96], v[255]]).toEqual([1, -1, 0, 0, -1]);
    expect(v.filter((x) => x !== 0)).toHaveLength(3);
    expect([...d.scales]).toEqual([0.75]);
  });
});

describe("Q8_0 and Q6_K", () => {
  it("Q8_0: an f16 scale, then 32 int8", () => {
    const b = new Uint8Array(34);
    b.set(f16le(0.5), 0);
    b[2] = 4;
    b[3] = 0xff; // -1
    b[33] = 0x80; // -128
    const v = decodeFloats(GGML.Q8_0, b, 32);
    expect([v[0], v[1], v[31]]).toEqual([2, -0.5, -64]);
  });
  it("Q6_K: 6-bit quants from ql (low 4 bits) and qh (high 2), 16 int8 sub-block scales, one f16 scale", () => {
    const b = new Uint8Array(210);
    // every q = 32 (value 0): ql nibbles 0, qh pairs 2 -> ql = 0, qh = 0b10101010
    b.fill(0xaa, 128, 192);
    for (let i = 0; i < 16; i++) b[192 + i] = i + 1; // sub-block scales 1..16
    b.set(f16le(0.5), 208);
    // element 0: q1 of l=0 -> ql[0] low nibble 5, qh[0] bits 0-1 = 3 -> q = 5 | 48 = 53 -> 21; scale sc[0] = 1
    b[0] = 0x05;
    b[128] = 0b10101011;
    // element 96 + 17 = 113: q4 of l=17 (is = 1) -> ql[49] high nibble, qh[17] bits 6-7; want q = 0 -> -32; sc[7] = 8
    b[49] = 0x00;
    b[128 + 17] = 0b00101010;
    const v = decodeFloats(GGML.Q6_K, b, 256);
    expect(v[0]).toBe(0.5 * 1 * 21);
    expect(v[113]).toBe(0.5 * 8 * -32);
    expect(v.filter((x) => x !== 0)).toHaveLength(2);
  });
  it("the encoders used by test models round-trip through the decoders", () => {
    const values = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i) * 3);
    for (const t of [GGML.Q8_0, GGML.Q6_K]) {
      const back = decodeFloats(t, encodeFloats(t, values), values.length);
      back.forEach((v, i) => expect(Math.abs(v - values[i]!)).toBeLessThan(t === GGML.Q8_0 ? 0.02 : 0.1));
    }
    const tv = Array.from({ length: 512 }, (_, i) => ((i * 7) % 3) - 1);
    for (const t of [GGML.TQ1_0, GGML.TQ2_0, GGML.I2_S]) {
      const d = decodeTernary(t, encodeTernary(t, tv, [0.5, 0.5]), 512);
      expect(Array.from({ length: 512 }, (_, i) => d.trits.get(i))).toEqual(tv);
    }
  });
});
