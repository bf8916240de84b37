// Concrete tensors: typed, compact storage for constants and for the interpreter's values.
import { blockQuantElement, decodeBlockQuant } from "./blockQuant.js";
import type { DType } from "./dtype.js";
import { isBlockQuantDType, storageBytes } from "./dtype.js";
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from "./numeric.js";
import { elementCount } from "./types.js";

/**
 * Ternary values packed 4 per byte (2 bits each, code = value + 1, least significant bits first),
 * so a ternary weight takes a quarter of a byte in memory, not a JS number.
 */
export class TernaryArray {
  readonly length: number;
  readonly codes: Uint8Array;

  constructor(length: number, codes?: Uint8Array) {
    this.length = length;
    const bytes = Math.ceil(length / 4);
    if (codes && codes.length < bytes) throw new RangeError(`ternary data needs ${bytes} bytes, got ${codes.length}`);
    this.codes = codes ?? new Uint8Array(bytes);
  }

  static from(values: ArrayLike<number>): TernaryArray {
    const t = new TernaryArray(values.length);
    for (let i = 0; i < values.length; i++) t.set(i, values[i]!);
    return t;
  }

  /** The value at i: -1, 0 or +1. A stored code of 3 is invalid and reads as NaN. */
  get(i: number): number {
    const code = (this.codes[i >> 2]! >> ((i & 3) * 2)) & 3;
    return code === 3 ? NaN : code - 1;
  }

  set(i: number, v: number): void {
    if (v !== -1 && v !== 0 && v !== 1) throw new RangeError(`ternary value must be -1, 0 or 1, got ${v}`);
    const shift = (i & 3) * 2;
    const b = i >> 2;
    this.codes[b] = (this.codes[b]! & ~(3 << shift)) | ((v + 1) << shift);
  }

  /** Index of the first element whose 2-bit code is 3 (not a trit), or -1. */
  firstInvalid(): number {
    // A byte holds a code 3 exactly when some pair of bits is 11: b & (b >> 1) & 0b01010101.
    const whole = this.length >> 2;
    let b = 0;
    if (this.codes.byteOffset % 4 === 0) {
      const words = new Uint32Array(this.codes.buffer, this.codes.byteOffset, whole >> 2);
      let w = 0;
      while (w < words.length && (words[w]! & (words[w]! >>> 1) & 0x55555555) === 0) w++;
      b = w * 4;
    }
    while (b < whole && (this.codes[b]! & (this.codes[b]! >> 1) & 0x55) === 0) b++;
    for (let i = b * 4; i < this.length; i++) if (((this.codes[i >> 2]! >> ((i & 3) * 2)) & 3) === 3) return i;
    return -1;
  }

  /** Writes all of `src` at [at, at + src.length): whole bytes when `at` is a multiple of 4. */
  setFrom(src: TernaryArray, at: number): void {
    if (at + src.length > this.length) throw new RangeError(`${src.length} values at ${at} do not fit in ${this.length}`);
    let i = 0;
    if (at % 4 === 0) {
      const whole = src.length >> 2;
      this.codes.set(src.codes.subarray(0, whole), at >> 2);
      i = whole * 4;
    }
    for (; i < src.length; i++) this.set(at + i, src.get(i));
  }
}

/** Storage for each element type: f16/bf16 keep their raw 16-bit patterns, q8_0/q6_k their raw blocks. */
export type Storage = Float32Array | Uint16Array | Int8Array | Int32Array | TernaryArray | Uint8Array;

export interface StorageOf {
  f32: Float32Array;
  f16: Uint16Array;
  bf16: Uint16Array;
  i8: Int8Array;
  i32: Int32Array;
  ternary: TernaryArray;
  q8_0: Uint8Array;
  q6_k: Uint8Array;
}

/** A tensor with a concrete shape. */
export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: StorageOf[D];
}

export function allocStorage<D extends DType>(dtype: D, count: number): StorageOf[D] {
  const make: { [K in DType]: (n: number) => StorageOf[K] } = {
    f32: (n) => new Float32Array(n),
    f16: (n) => new Uint16Array(n),
    bf16: (n) => new Uint16Array(n),
    i8: (n) => new Int8Array(n),
    i32: (n) => new Int32Array(n),
    ternary: (n) => new TernaryArray(n),
    q8_0: (n) => new Uint8Array(storageBytes("q8_0", n)),
    q6_k: (n) => new Uint8Array(storageBytes("q6_k", n)),
  };
  return make[dtype](count);
}

export function zeros<D extends DType>(dtype: D, shape: readonly number[]): Tensor<D> {
  return { dtype, shape: [...shape], data: allocStorage(dtype, elementCount(shape)) };
}

/** Builds a tensor from plain numbers (rounded to the element type: f16/bf16 round to nearest even). */
export function tensorFromValues<D extends DType>(dtype: D, shape: readonly number[], values: ArrayLike<number>): Tensor<D> {
  const n = elementCount(shape);
  if (values.length !== n) throw new RangeError(`${n} values expected for shape [${shape.join(", ")}], got ${values.length}`);
  const t = zeros(dtype, shape);
  const d = t.data as Storage;
  for (let i = 0; i < n; i++) setElement(dtype, d, i, values[i]!);
  return t;
}

function setElement(dtype: DType, d: Storage, i: number, v: number): void {
  if (isBlockQuantDType(dtype)) throw new RangeError(`${dtype} tensors are made from their raw blocks (tensorFromBytes), not from values`);
  if (d instanceof TernaryArray) d.set(i, v);
  else if (dtype === "f16") d[i] = f32ToF16Bits(v);
  else if (dtype === "bf16") d[i] = f32ToBf16Bits(v);
  else d[i] = v;
}

export function elementCountOf(t: Tensor): number {
  return elementCount(t.shape);
}

/** Element i as a number (f16/bf16/q8_0/q6_k decoded). */
export function getElement(t: Tensor, i: number): number {
  const d = t.data as Storage;
  if (d instanceof TernaryArray) return d.get(i);
  if (isBlockQuantDType(t.dtype)) return blockQuantElement(t.dtype, d as Uint8Array, i);
  if (t.dtype === "f16") return f16BitsToF32(d[i]!);
  if (t.dtype === "bf16") return bf16BitsToF32(d[i]!);
  return d[i]!;
}

/** All elements as plain numbers. */
export function toNumbers(t: Tensor): number[] {
  if (isBlockQuantDType(t.dtype)) return Array.from(asF32(t));
  const n = elementCountOf(t);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = getElement(t, i);
  return out;
}

/** A float tensor's values as f32 (decoding f16/bf16/q8_0/q6_k); shares storage when already f32. */
export function asF32(t: Tensor): Float32Array {
  if (t.dtype === "f32") return t.data as Float32Array;
  if (isBlockQuantDType(t.dtype)) return decodeBlockQuant(t.dtype, t.data as Uint8Array, elementCountOf(t));
  const n = elementCountOf(t);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = getElement(t, i);
  return out;
}

/** Serialises to the external-blob layout: little-endian, ternary packed 4 per byte. */
export function tensorToBytes(t: Tensor): Uint8Array {
  const d = t.data as Storage;
  if (d instanceof TernaryArray) return d.codes.slice(0, storageBytes("ternary", d.length));
  const out = new Uint8Array(storageBytes(t.dtype, elementCountOf(t)));
  out.set(new Uint8Array(d.buffer, d.byteOffset, out.length));
  return out;
}

/** Reads a tensor from the external-blob layout (copying, so the result owns aligned storage). */
export function tensorFromBytes<D extends DType>(dtype: D, shape: readonly number[], bytes: Uint8Array): Tensor<D> {
  const n = elementCount(shape);
  const need = storageBytes(dtype, n);
  if (bytes.length < need) throw new RangeError(`${need} bytes needed for ${dtype}[${shape.join(", ")}], got ${bytes.length}`);
  const t = zeros(dtype, shape);
  const d = t.data as Storage;
  if (d instanceof TernaryArray) d.codes.set(bytes.subarray(0, need));
  else new Uint8Array(d.buffer, d.byteOffset, need).set(bytes.subarray(0, need));
  return t;
}
