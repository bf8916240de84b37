// Block-quantized float storage (llama.cpp's Q8_0 and Q6_K, as ggml-quants.c lays them out): the IR keeps an
// embedding table or LM head in these blocks, and every reader decodes them to the same f32 values ggml's
// dequantize_row_* computes.
import { clamp, f16BitsToF32, f32, f32ToF16Bits, roundHalfEven } from "./numeric.js";

/** Block-quantized element types: `block` elements in `bytes` bytes. */
export const BLOCK_QUANT = {
  q8_0: { block: 32, bytes: 34 },
  q6_k: { block: 256, bytes: 210 },
} as const;

export type BlockQuantDType = keyof typeof BLOCK_QUANT;

function f16At(b: Uint8Array, o: number): number {
  return f16BitsToF32(b[o]! | (b[o + 1]! << 8));
}

/**
 * The multiplier and 6-bit code of every element of the Q6_K block at byte `o`: ql (128 bytes of low nibbles), qh
 * (64 bytes of high bit pairs), 16 int8 scales, d (f16). Element e = f32(f32(d * scale[e / 16]) * q[e]), q in
 * [-32, 31]. Calls `put(e, multiplier, q)`.
 */
function forEachQ6_K(b: Uint8Array, o: number, put: (e: number, m: number, q: number) => void): void {
  const d = f16At(b, o + 208);
  for (let half = 0; half < 2; half++) {
    const ql = o + half * 64;
    const qh = o + 128 + half * 32;
    const sc = o + 192 + half * 8;
    const y = half * 128;
    for (let l = 0; l < 32; l++) {
      const is = l >> 4;
      const h = b[qh + l]!;
      const scale = (k: number): number => f32(d * ((b[sc + is + k]! << 24) >> 24));
      put(y + l, scale(0), ((b[ql + l]! & 0xf) | ((h & 3) << 4)) - 32);
      put(y + l + 32, scale(2), ((b[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4)) - 32);
      put(y + l + 64, scale(4), ((b[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32);
      put(y + l + 96, scale(6), ((b[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32);
    }
  }
}

/**
 * The multiplier and integer code of every element of the block at byte `o`: value = f32(m * q) for both types
 * (Q8_0: d (f16) then 32 int8 q, m = d; Q6_K: m = f32(d * scale)). Backends that keep the codes and multipliers
 * reproduce the values exactly.
 */
export function forEachBlockCode(dtype: BlockQuantDType, b: Uint8Array, o: number, put: (e: number, m: number, q: number) => void): void {
  if (dtype === "q6_k") forEachQ6_K(b, o, put);
  else {
    const d = f16At(b, o);
    for (let j = 0; j < 32; j++) put(j, d, (b[o + 2 + j]! << 24) >> 24);
  }
}

/** Decodes `count` elements (whole blocks) of block-quantized bytes to f32. */
export function decodeBlockQuant(dtype: BlockQuantDType, bytes: Uint8Array, count: number, out = new Float32Array(count)): Float32Array {
  const { block, bytes: per } = BLOCK_QUANT[dtype];
  for (let blk = 0; blk < count / block; blk++) {
    const base = blk * block;
    forEachBlockCode(dtype, bytes, blk * per, (e, m, q) => (out[base + e] = f32(m * q)));
  }
  return out;
}

/** Element i of block-quantized bytes, decoded alone. */
export function blockQuantElement(dtype: BlockQuantDType, bytes: Uint8Array, i: number): number {
  const { block, bytes: per } = BLOCK_QUANT[dtype];
  const blk = Math.floor(i / block);
  const one = new Float32Array(block);
  decodeBlockQuant(dtype, bytes.subarray(blk * per, (blk + 1) * per), block, one);
  return one[i - blk * block]!;
}

/**
 * Quantizes f32 values (whole blocks of 32) to Q8_0: per block d = f16(max|x| / 127) and q = clamp(rne(x / d),
 * -127, 127), the stored d being the one the codes are rounded against.
 */
export function encodeQ8_0(values: Float32Array): Uint8Array {
  const out = new Uint8Array((values.length / 32) * 34);
  const view = new DataView(out.buffer);
  for (let blk = 0; blk < values.length / 32; blk++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(values[blk * 32 + j]!));
    const dBits = f32ToF16Bits(amax / 127);
    const d = f16BitsToF32(dBits);
    view.setUint16(blk * 34, dBits, true);
    for (let j = 0; j < 32; j++) view.setInt8(blk * 34 + 2 + j, d ? clamp(roundHalfEven(values[blk * 32 + j]! / d), -127, 127) : 0);
  }
  return out;
}
