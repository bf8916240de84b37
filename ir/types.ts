// Tensor types: an element type and a shape of (possibly symbolic) dims.
import { type Dim, dimEquals, formatDim, isStaticDim } from "./dims.js";
import type { DType } from "./dtype.js";

/** The type of an IR value: element type and shape. Rank 0 is a scalar. */
export interface TensorType {
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export function tensorType(dtype: DType, shape: readonly Dim[]): TensorType {
  return { dtype, shape: [...shape] };
}

/** `f32[T, 64]` */
export function formatType(t: TensorType): string {
  return `${t.dtype}[${t.shape.map(formatDim).join(", ")}]`;
}

export function typeEquals(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => dimEquals(d, b.shape[i]!));
}

/** True when every dim is a number. */
export function isStaticType(t: TensorType): boolean {
  return t.shape.every(isStaticDim);
}

/** Element count of a static shape. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
