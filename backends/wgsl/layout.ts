// The WGSL kernels' weight layout for ternary products, shared by the blob writer and the shaders that read it.
import type { TernaryArray } from "../../ir/index.js";

/**
 * A ternary matrix [n, k] as 2-bit codes (w + 1), 16 per little-endian u32, each row starting a new word. Within a
 * word, weight 4p + b sits in byte b at bits 2p: (word >> 2p) & 0x03030303 is then the codes of weights 4p..4p+3
 * as four bytes, in the order of an int8 activation word packed by pack4xI8 (see ternaryCodeShift).
 */
export function packTernaryWords(w: TernaryArray, n: number, k: number): Uint8Array {
  const words = Math.ceil(k / 16);
  const out = new Uint32Array(n * words);
  for (let o = 0; o < n; o++)
    for (let i = 0; i < k; i++) out[o * words + (i >> 4)]! |= (w.get(o * k + i) + 1) << ternaryCodeShift(i & 15);
  return new Uint8Array(out.buffer);
}

/** The bit position of weight j (0..15) within its word. */
export function ternaryCodeShift(j: number): number {
  return 8 * (j % 4) + 2 * Math.floor(j / 4);
}
