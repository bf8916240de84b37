// The WGSL kernels' weight layout for ternary products, shared by the blob writer and the shaders that read it.
import type { TernaryArray } from "../../ir/index.js";

/** Weights per chunk: four u32 words of 16 codes, read as one vec4<u32>. */
export const TERNARY_CHUNK = 64;

/** Chunks of one row of k weights (the last one padded). */
export const ternaryChunks = (k: number): number => Math.ceil(k / TERNARY_CHUNK);

/** The u32 index of word q (0..3) of chunk c of row o, in a matrix of n rows. */
export const ternaryWordIndex = (c: number, o: number, q: number, n: number): number => (c * n + o) * 4 + q;

/**
 * A ternary matrix [n, k] as 2-bit codes (w + 1), 16 per little-endian u32, in chunks of four words (64 weights)
 * stored chunk-major: chunk c of row o at vec4 index c * n + o, so the invocations of consecutive rows read
 * consecutive 16-byte vectors (coalesced on a GPU, one load per 64 weights). Within a word, weight 4p + b sits in
 * byte b at bits 2p: (word >> 2p) & 0x03030303 is then the codes of weights 4p..4p+3 as four bytes, in the order of
 * an int8 activation word (see ternaryCodeShift). Padding codes are 0.
 */
export function packTernaryWords(w: TernaryArray, n: number, k: number): Uint8Array {
  const out = new Uint32Array(n * ternaryChunks(k) * 4);
  for (let o = 0; o < n; o++)
    for (let i = 0; i < k; i++) {
      const word = i >> 4;
      out[ternaryWordIndex(word >> 2, o, word & 3, n)]! |= (w.get(o * k + i) + 1) << ternaryCodeShift(i & 15);
    }
  return new Uint8Array(out.buffer);
}

/** The bit position of weight j (0..15) within its word. */
export function ternaryCodeShift(j: number): number {
  return 8 * (j % 4) + 2 * Math.floor(j / 4);
}
