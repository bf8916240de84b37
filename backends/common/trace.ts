// The trace format: every op result a backend computed, written by its runtime and read by validation.
//
// A trace is a sequence of records, little-endian, with no header:
//   u32 name length, u32 step (0 = the prefill, s = the s-th decode step), u32 dtype (index in TRACE_DTYPES),
//   u32 rank, the name (UTF-8), rank x i64 dims, u64 data bytes, the data (row-major).
// A graph run's inputs and outputs use the same records (step 0).
import { storageBytes, type Tensor, tensorFromBytes, tensorToBytes } from "../../ir/index.js";

/** Element types of traced values; a record stores the index. */
export const TRACE_DTYPES = ["f32", "f16", "bf16", "i8", "i32"] as const;
export type TraceDType = (typeof TRACE_DTYPES)[number];

/** Bytes of the fixed part of a record, before the name. */
export const TRACE_RECORD_HEADER_BYTES = 16;

/** A traced value: step 0 is the prefill (or a graph run), step s the s-th decode. */
export interface TraceRecord {
  name: string;
  step: number;
  tensor: Tensor;
}

/** A trace file's records; throws naming the offset if the file is cut short or malformed. */
export function decodeTrace(buf: Uint8Array, what = "trace"): TraceRecord[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: TraceRecord[] = [];
  let at = 0;
  const need = (n: number): void => {
    if (at + n > buf.length) throw new Error(`${what}: record at byte ${at} is cut short`);
  };
  while (at < buf.length) {
    need(TRACE_RECORD_HEADER_BYTES);
    const nameLen = view.getUint32(at, true);
    const step = view.getUint32(at + 4, true);
    const dtype = TRACE_DTYPES[view.getUint32(at + 8, true)];
    const rank = view.getUint32(at + 12, true);
    if (!dtype || rank > 8) throw new Error(`${what}: bad record at byte ${at}`);
    at += TRACE_RECORD_HEADER_BYTES;
    need(nameLen + 8 * rank + 8);
    const name = new TextDecoder().decode(buf.subarray(at, at + nameLen));
    at += nameLen;
    const shape: number[] = [];
    for (let i = 0; i < rank; i++) shape.push(Number(view.getBigInt64(at + 8 * i, true)));
    at += 8 * rank;
    const bytes = Number(view.getBigUint64(at, true));
    at += 8;
    need(bytes);
    if (bytes !== storageBytes(dtype, shape.reduce((a, b) => a * b, 1))) throw new Error(`${what}: %${name} has ${bytes} bytes for shape [${shape.join(", ")}]`);
    out.push({ name, step, tensor: tensorFromBytes(dtype, shape, buf.subarray(at, at + bytes)) });
    at += bytes;
  }
  return out;
}

/** Records in the trace format (a graph run's inputs, or a test's expected trace). */
export function encodeTrace(records: readonly TraceRecord[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const r of records) {
    const dtype = TRACE_DTYPES.indexOf(r.tensor.dtype as TraceDType);
    if (dtype < 0) throw new Error(`internal: a ${r.tensor.dtype} value cannot be traced`);
    const name = new TextEncoder().encode(r.name);
    const data = tensorToBytes(r.tensor);
    const head = new DataView(new ArrayBuffer(TRACE_RECORD_HEADER_BYTES + name.length + 8 * r.tensor.shape.length + 8));
    head.setUint32(0, name.length, true);
    head.setUint32(4, r.step, true);
    head.setUint32(8, dtype, true);
    head.setUint32(12, r.tensor.shape.length, true);
    new Uint8Array(head.buffer).set(name, TRACE_RECORD_HEADER_BYTES);
    let at = TRACE_RECORD_HEADER_BYTES + name.length;
    for (const d of r.tensor.shape) {
      head.setBigInt64(at, BigInt(d), true);
      at += 8;
    }
    head.setBigUint64(at, BigInt(data.length), true);
    parts.push(new Uint8Array(head.buffer), data);
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
