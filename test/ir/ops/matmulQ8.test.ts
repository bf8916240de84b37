// matmul_q8 (the integer head): its definition checked where the arithmetic is exact, and its error against the
// exact f32 head bounded on random data.
import { describe, expect, it } from "vitest";
import { BLOCK_QUANT, type BlockQuantDType, decodeBlockQuant, f32ToF16Bits, interpret, loadTir, tensorFromBytes, tensorFromValues } from "../../../ir/index.js";
import { matmulQ8 } from "../../../ir/ops/linear.js";
import { Rng } from "../../../src/util/random.js";

/** Blocks of `dtype` with scale d and codes/sub-scales drawn from `rand` (q6_k codes in [-32, 31]). */
function blocks(dtype: BlockQuantDType, count: number, d: number, rand: () => number): Uint8Array {
  const { bytes } = BLOCK_QUANT[dtype];
  const out = new Uint8Array(count * bytes);
  const view = new DataView(out.buffer);
  for (let b = 0; b < count; b++) {
    const o = b * bytes;
    for (let i = 0; i < bytes; i++) out[o + i] = Math.floor(rand() * 256);
    if (dtype === "q8_0") {
      view.setUint16(o, f32ToF16Bits(d), true);
      for (let i = 0; i < 32; i++) if (out[o + 2 + i] === 0x80) out[o + 2 + i] = 0x81; // codes in [-127, 127], as ggml writes them
    } else {
      for (let j = 0; j < 16; j++) view.setInt8(o + 192 + j, Math.floor(rand() * 255) - 127);
      view.setUint16(o + 208, f32ToF16Bits(d), true);
    }
  }
  return out;
}

function exactHead(x: Float32Array, w: Uint8Array, dtype: BlockQuantDType, tokens: number, k: number, n: number): Float32Array {
  const text = `graph @h {\n  input %x : f32[${tokens}, ${k}]\n  input %w : ${dtype}[${n}, ${k}]\n  %y = matmul(%x, %w)\n  output %y\n}\n`;
  return interpret(loadTir(text), { x: tensorFromValues("f32", [tokens, k], Array.from(x)), w: tensorFromBytes(dtype, [n, k], w) }).y!.data as Float32Array;
}

describe.each([
  ["q8_0", 96, 0.5],
  ["q6_k", 512, 0.125],
] as const)("matmul_q8 on %s", (dtype, k, d) => {
  const n = 5;
  const tokens = 3;
  const block = BLOCK_QUANT[dtype].block;
  const rng = new Rng(dtype === "q8_0" ? 11 : 12);
  const rand = (): number => rng.next();
  const w = blocks(dtype, (n * k) / block, d, rand);

  it("equals the exact head where every step is exact: integer inputs whose blocks peak at 127", () => {
    // Then act_quant's scale is 1 and its codes are x itself, d * sub * q * x is exact, and the sums stay below 2^24.
    const x = new Float32Array(tokens * k).map(() => Math.floor(rand() * 255) - 127);
    for (let b = 0; b < (tokens * k) / block; b++) x[b * block + Math.floor(rand() * block)] = rand() < 0.5 ? 127 : -127;
    const y = matmulQ8(x, w, dtype, tokens, k, n);
    expect(Array.from(y)).toEqual(Array.from(exactHead(x, w, dtype, tokens, k, n)));
  });

  it("a block of zeros adds nothing (no NaN from the 1e-5 floor): the same as the product without that block", () => {
    const x = new Float32Array(tokens * k).map(() => rand() * 2 - 1);
    for (let t = 0; t < tokens; t++) x.fill(0, t * k, t * k + block);
    const per = BLOCK_QUANT[dtype].bytes;
    const rowBytes = (k / block) * per;
    const wRest = new Uint8Array(n * (rowBytes - per));
    for (let o = 0; o < n; o++) wRest.set(w.subarray(o * rowBytes + per, (o + 1) * rowBytes), o * (rowBytes - per));
    const xRest = new Float32Array(tokens * (k - block));
    for (let t = 0; t < tokens; t++) xRest.set(x.subarray(t * k + block, (t + 1) * k), t * (k - block));
    expect(Array.from(matmulQ8(x, w, dtype, tokens, k, n))).toEqual(Array.from(matmulQ8(xRest, wRest, dtype, tokens, k - block, n)));
  });

  it("stays within the input's rounding of the exact head on random data", () => {
    const x = new Float32Array(tokens * k).map(() => (rand() * 2 - 1) * (rand() < 0.1 ? 8 : 1));
    const y = matmulQ8(x, w, dtype, tokens, k, n);
    const exact = exactHead(x, w, dtype, tokens, k, n);
    // Each input moves by at most half a step, max|x of its block| / 254: bound the sum by that times sum |w|.
    const values = decodeBlockQuant(dtype, w, n * k);
    for (let t = 0; t < tokens; t++)
      for (let o = 0; o < n; o++) {
        let bound = 0;
        for (let b = 0; b < k / block; b++) {
          let m = 0;
          for (let i = 0; i < block; i++) m = Math.max(m, Math.abs(x[t * k + b * block + i]!));
          for (let i = 0; i < block; i++) bound += (Math.abs(values[o * k + b * block + i]!) * m) / 254;
        }
        expect(Math.abs(y[t * n + o]! - exact[t * n + o]!)).toBeLessThanOrEqual(bound * 1.001 + 1e-4);
        expect(y[t * n + o]).not.toBe(exact[t * n + o]);
      }
  });
});

it("matmul_q8 refuses a float weight", () => {
  const text = "graph @h {\n  input %x : f32[1, 32]\n  input %w : f16[4, 32]\n  %y = matmul_q8(%x, %w)\n  output %y\n}\n";
  expect(() => loadTir(text)).toThrow(/operand 'w'.*q8_0|q6_k/);
});

