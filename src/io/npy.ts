// NumPy .npy files (format versions 1-3, little-endian, C order) to and from tensors.
import { type DType, f16BitsToF32, type Tensor, toNumbers } from "../../ir/index.js";

/** A decoded .npy array: its numpy dtype descriptor, shape, and values as numbers. */
export interface NpyArray {
  descr: string;
  shape: number[];
  values: ArrayLike<number>;
}

const READERS: Record<string, { size: number; read: (v: DataView, o: number) => number }> = {
  "<f4": { size: 4, read: (v, o) => v.getFloat32(o, true) },
  "<f8": { size: 8, read: (v, o) => v.getFloat64(o, true) },
  "<i4": { size: 4, read: (v, o) => v.getInt32(o, true) },
  "<i8": { size: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  "<i2": { size: 2, read: (v, o) => v.getInt16(o, true) },
  "|i1": { size: 1, read: (v, o) => v.getInt8(o) },
  "|u1": { size: 1, read: (v, o) => v.getUint8(o) },
  "<u4": { size: 4, read: (v, o) => v.getUint32(o, true) },
  "<f2": { size: 2, read: (v, o) => f16BitsToF32(v.getUint16(o, true)) },
};

/** Parses .npy bytes; `what` names the file in errors. Throws Error with a readable message. */
export function parseNpy(bytes: Uint8Array, what: string): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error(`${what}: not a .npy file (bad magic)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) throw new Error(`${what}: truncated .npy header`);
  const header = Buffer.from(bytes.subarray(start, start + headerLen)).toString("latin1");
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`${what}: malformed .npy header ${JSON.stringify(header.trim())}`);
  if (fortran === "True") throw new Error(`${what}: Fortran-order arrays are not supported (save with C order)`);
  const reader = READERS[descr];
  if (!reader) throw new Error(`${what}: unsupported .npy dtype '${descr}' (supported: ${Object.keys(READERS).join(", ")})`);
  const dims = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const shape = dims.map(Number);
  const bad = shape.findIndex((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad >= 0) throw new Error(`${what}: .npy header 'shape' dimension ${bad} is ${dims[bad]}: expected a whole number from 0 to 2^53`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  if (dataStart + count * reader.size > bytes.length) throw new Error(`${what}: truncated .npy data (${count} elements of ${descr} expected)`);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = reader.read(view, dataStart + i * reader.size);
  return { descr, shape, values };
}

const WRITERS: Record<DType, { descr: string; size: number; write: (v: DataView, o: number, x: number) => void }> = {
  f32: { descr: "<f4", size: 4, write: (v, o, x) => v.setFloat32(o, x, true) },
  // numpy has no bf16, and f16 data is widened too so every float output reads back as float32.
  f16: { descr: "<f4", size: 4, write: (v, o, x) => v.setFloat32(o, x, true) },
  bf16: { descr: "<f4", size: 4, write: (v, o, x) => v.setFloat32(o, x, true) },
  i32: { descr: "<i4", size: 4, write: (v, o, x) => v.setInt32(o, x, true) },
  i8: { descr: "|i1", size: 1, write: (v, o, x) => v.setInt8(o, x) },
  ternary: { descr: "|i1", size: 1, write: (v, o, x) => v.setInt8(o, x) },
  q8_0: { descr: "<f4", size: 4, write: (v, o, x) => v.setFloat32(o, x, true) },
  q6_k: { descr: "<f4", size: 4, write: (v, o, x) => v.setFloat32(o, x, true) },
};

/** Encodes a tensor as .npy (version 1.0). */
export function encodeNpy(t: Tensor): Uint8Array {
  const w = WRITERS[t.dtype];
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(", ")})`;
  let header = `{'descr': '${w.descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const values = toNumbers(t);
  const out = new Uint8Array(10 + header.length + values.length * w.size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(Buffer.from(header, "latin1"), 10);
  values.forEach((x, i) => w.write(view, 10 + header.length + i * w.size, x));
  return out;
}
