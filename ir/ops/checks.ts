// Small helpers shared by the ops' shape rules, so their messages read the same everywhere.
import { type Dim, dimEquals, formatDim } from "../dims.js";
import { BLOCK_QUANT } from "../blockQuant.js";
import { type DType, isBlockQuantDType } from "../dtype.js";
import { formatType, type TensorType } from "../types.js";
import { OpError } from "./opdef.js";

export function required(t: TensorType | undefined, what: string): TensorType {
  if (!t) throw new OpError(`missing operand '${what}'`);
  return t;
}

export function expectDType(t: TensorType, allowed: readonly DType[], what: string): void {
  if (!allowed.includes(t.dtype)) {
    const list = allowed.length === 1 ? allowed[0] : `one of ${allowed.join(", ")}`;
    throw new OpError(`operand '${what}' must have element type ${list}, got ${formatType(t)}`);
  }
}

/** Float element types a weight matrix or table may be stored in (the block-quantized ones decode to f32). */
export const STORED_FLOAT_DTYPES: readonly DType[] = ["f32", "f16", "bf16", "q8_0", "q6_k"];

/** A block-quantized matrix's rows must hold whole blocks. */
export function expectWholeBlocks(t: TensorType, what: string): void {
  if (isBlockQuantDType(t.dtype)) expectMultiple(t.shape[t.shape.length - 1]!, BLOCK_QUANT[t.dtype].block, `operand '${what}': ${t.dtype} rows are whole blocks`);
}

export function expectRank(t: TensorType, rank: number, what: string, shapeHint: string): void {
  if (t.shape.length !== rank) throw new OpError(`operand '${what}' must be ${shapeHint} (rank ${rank}), got ${formatType(t)}`);
}

export function expectMinRank(t: TensorType, rank: number, what: string): void {
  if (t.shape.length < rank) throw new OpError(`operand '${what}' must have rank >= ${rank}, got ${formatType(t)}`);
}

export function expectDimEq(a: Dim, b: Dim, message: string): void {
  if (!dimEquals(a, b)) throw new OpError(`${message} (${formatDim(a)} vs ${formatDim(b)})`);
}

/** Checks a static dim is divisible, when it is static; symbolic dims are checked at run time. */
export function expectMultiple(d: Dim, of: number, message: string): void {
  if (typeof d === "number" && d % of !== 0) throw new OpError(`${message}: ${d} is not a multiple of ${of}`);
}

export function expectDimValue(d: Dim, value: number, message: string): void {
  if (typeof d === "number" && d !== value) throw new OpError(`${message}: expected ${value}, got ${d}`);
  if (typeof d !== "number") throw new OpError(`${message}: expected ${value}, got symbolic ${formatDim(d)}`);
}
