// Element types of IR tensors and their storage sizes.
import { BLOCK_QUANT, type BlockQuantDType } from "./blockQuant.js";

/**
 * Element types. `ternary` holds weights in {-1, 0, +1}; it is stored packed (2 bits per value)
 * and only weights have it. `q8_0` and `q6_k` are llama.cpp's block-quantized floats (blocks of 32 and 256
 * along the last dimension); only embedding tables and matmul weights have them, and readers decode them to f32.
 */
export type DType = "f32" | "f16" | "bf16" | "i8" | "i32" | "ternary" | BlockQuantDType;

export const DTYPES: readonly DType[] = ["f32", "f16", "bf16", "i8", "i32", "ternary", "q8_0", "q6_k"];

export function isDType(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s);
}

/** True for the block-quantized float types (q8_0, q6_k). */
export function isBlockQuantDType(d: DType): d is BlockQuantDType {
  return d === "q8_0" || d === "q6_k";
}

/** True for the floating-point element types (not the block-quantized ones). */
export function isFloatDType(d: DType): boolean {
  return d === "f32" || d === "f16" || d === "bf16";
}

/**
 * Bytes needed to store `count` elements in the external-blob layout: packed 4 trits per byte for
 * ternary, whole blocks for q8_0/q6_k, little-endian otherwise.
 */
export function storageBytes(d: DType, count: number): number {
  switch (d) {
    case "f32":
    case "i32":
      return count * 4;
    case "f16":
    case "bf16":
      return count * 2;
    case "i8":
      return count;
    case "ternary":
      return Math.ceil(count / 4);
    case "q8_0":
    case "q6_k":
      return Math.ceil(count / BLOCK_QUANT[d].block) * BLOCK_QUANT[d].bytes;
  }
}
