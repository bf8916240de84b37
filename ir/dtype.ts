// Element types of IR tensors and their storage sizes.

/**
 * Element types. `ternary` holds weights in {-1, 0, +1}; it is stored packed (2 bits per value)
 * and only weights have it.
 */
export type DType = "f32" | "f16" | "bf16" | "i8" | "i32" | "ternary";

export const DTYPES: readonly DType[] = ["f32", "f16", "bf16", "i8", "i32", "ternary"];

export function isDType(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s);
}

/** True for the floating-point element types. */
export function isFloatDType(d: DType): boolean {
  return d === "f32" || d === "f16" || d === "bf16";
}

/**
 * Bytes needed to store `count` elements in the external-blob layout: packed 4 trits per byte for
 * ternary, little-endian otherwise.
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
  }
}
