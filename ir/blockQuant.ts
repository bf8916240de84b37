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

/** Elements per integer sub-scale in blockIntegerCodes (Q6_K's sub-blocks; Q8_0 has none, so its sub-scales are 1). */
export const BLOCK_SUB = 16;

const subScratch = new Int8Array(BLOCK_QUANT.q6_k.block / BLOCK_SUB);

/**
 * The multiplier and integer code of every element of the block at byte `o`, into m[0..block) and q[0..block):
 * value = f32(m * q) for both types. Q8_0: d (f16) then 32 int8 q, m = d. Q6_K: ql (128 bytes of low nibbles),
 * qh (64 bytes of high bit pairs), 16 int8 scales, d (f16); m = f32(d * scale[e / 16]), q in [-32, 31].
 * Backends that keep the codes and multipliers reproduce the values exactly.
 */
export function blockCodes(dtype: BlockQuantDType, b: Uint8Array, o: number, m: Float32Array, q: Int8Array): void {
  const d = blockIntegerCodes(dtype, b, o, q, subScratch);
  for (let e = 0; e < BLOCK_QUANT[dtype].block; e++) m[e] = f32(d * subScratch[e >> 4]!);
}

/**
 * The integer form of the block at byte `o`: returns d (its f16 scale as f32) and fills the codes q[0..block) and
 * the integer sub-scales sub[0..block/16), so that element e is d * sub[e/16] * q[e]. Q8_0: q the stored int8,
 * sub 1. Q6_K: q in [-32, 31], sub the 16 int8 scales. An integer dot product with these codes is exact; only d
 * is a float.
 */
export function blockIntegerCodes(dtype: BlockQuantDType, b: Uint8Array, o: number, q: Int8Array, sub: Int8Array): number {
  if (dtype === "q8_0") {
    for (let j = 0; j < 32; j++) q[j] = (b[o + 2 + j]! << 24) >> 24;
    sub.fill(1, 0, 32 / BLOCK_SUB);
    return f16At(b, o);
  }
  for (let half = 0; half < 2; half++) {
    const ql = o + half * 64;
    const qh = o + 128 + half * 32;
    const y = half * 128;
    for (let l = 0; l < 32; l++) {
      const h = b[qh + l]!;
      q[y + l] = ((b[ql + l]! & 0xf) | ((h & 3) << 4)) - 32;
      q[y + l + 32] = ((b[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4)) - 32;
      q[y + l + 64] = ((b[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32;
      q[y + l + 96] = ((b[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32;
    }
  }
  for (let j = 0; j < 16; j++) sub[j] = (b[o + 192 + j]! << 24) >> 24;
  return f16At(b, o + 208);
}

/** Decodes `count` elements (whole blocks) of block-quantized bytes to f32. */
export function decodeBlockQuant(dtype: BlockQuantDType, bytes: Uint8Array, count: number, out = new Float32Array(count)): Float32Array {
  const { block, bytes: per } = BLOCK_QUANT[dtype];
  const m = new Float32Array(block);
  const q = new Int8Array(block);
  for (let blk = 0; blk < count / block; blk++) {
    blockCodes(dtype, bytes, blk * per, m, q);
    for (let e = 0; e < block; e++) out[blk * block + e] = f32(m[e]! * q[e]!);
  }
  return out;
}

/**
 * Index of the first element of whole blocks that is not finite, or -1: only a block's f16 scale d can make its
 * values infinite or NaN (the codes and the int8 sub-scales are small integers).
 */
export function firstNonFiniteBlockValue(dtype: BlockQuantDType, bytes: Uint8Array, count: number): number {
  const { block, bytes: per } = BLOCK_QUANT[dtype];
  const at = dtype === "q8_0" ? 0 : 208;
  for (let blk = 0; blk < count / block; blk++) if (!Number.isFinite(f16At(bytes, blk * per + at))) return blk * block;
  return -1;
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
