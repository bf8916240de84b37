// safetensors files: an 8-byte header length, a JSON header of tensor dtypes, shapes and byte ranges,
// then the data. Reading parses the header only; tensor bytes are read by offset when needed.
import { readSync, writeFileSync } from "node:fs";
import { UserError } from "../../errors.js";
import { checkDisjointRanges, readFileRange, withOpenFile } from "../../io/files.js";

export const SAFETENSORS_DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, U8: 1, I8: 1, I32: 4, F64: 8, I64: 8, I16: 2, BOOL: 1 };

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute offset in the file. */
  fileOffset: number;
  byteSize: number;
  path: string;
}

/** The reference implementation's limit on the JSON header. */
const MAX_HEADER_BYTES = 100_000_000;

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Checks one header entry's structure; returns its dtype, shape and byte range, or a UserError naming the tensor. */
function headerEntry(path: string, name: string, info: unknown): { dtype: string; shape: number[]; begin: number; end: number } {
  const bad = (what: string): UserError => new UserError(`${path}: tensor '${name}' has an invalid header entry: ${what} (${JSON.stringify(info)?.slice(0, 200)})`);
  if (!info || typeof info !== "object" || Array.isArray(info)) throw bad("not an object");
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== "string" || !Object.hasOwn(SAFETENSORS_DTYPE_BYTES, dtype)) throw bad(`dtype ${JSON.stringify(dtype)} is not one of ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(", ")}`);
  if (!Array.isArray(shape) || shape.length > 8 || !shape.every(isCount)) throw bad("shape is not a list of at most 8 whole numbers");
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) throw bad("data_offsets is not two whole numbers");
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw bad("data_offsets end before they begin");
  // In floating point, a product that passes 2^53 could still compare equal: compare step by step against the range.
  let bytes = SAFETENSORS_DTYPE_BYTES[dtype]!;
  for (const d of shape as number[]) {
    bytes *= d;
    if (bytes > end - begin) break;
  }
  if (bytes !== end - begin) throw bad(`its shape and dtype do not fill its ${end - begin} bytes of data_offsets`);
  return { dtype, shape: shape as number[], begin, end };
}

/** Reads the header of one .safetensors file and checks every tensor lies inside it, without overlapping another. */
export function readSafetensorsHeader(path: string): SafetensorsTensor[] {
  return withOpenFile(path, (fd, size) => {
    if (size < 8) throw new UserError(`${path}: truncated safetensors file (${size} bytes, no header)`);
    const lenBuf = new Uint8Array(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = Number(new DataView(lenBuf.buffer).getBigUint64(0, true));
    if (headerLen > size - 8) throw new UserError(`${path}: truncated safetensors file: the header says ${headerLen} bytes but the file has ${size}`);
    if (headerLen > MAX_HEADER_BYTES) throw new UserError(`${path}: the safetensors header is ${headerLen} bytes (at most ${MAX_HEADER_BYTES})`);
    const headerBytes = new Uint8Array(headerLen);
    readSync(fd, headerBytes, 0, headerLen, 8);
    let header: unknown;
    try {
      header = JSON.parse(Buffer.from(headerBytes).toString("utf8"));
    } catch {
      throw new UserError(`${path}: the safetensors header is not valid JSON`);
    }
    if (!header || typeof header !== "object" || Array.isArray(header)) throw new UserError(`${path}: the safetensors header is not a JSON object`);
    const dataStart = 8 + headerLen;
    const out: SafetensorsTensor[] = [];
    for (const [name, info] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      const { dtype, shape, begin, end } = headerEntry(path, name, info);
      if (dataStart + end > size) throw new UserError(`${path}: tensor '${name}' data (bytes ${dataStart + begin}..${dataStart + end}) lies outside the file (${size} bytes): the file is truncated or corrupt`);
      out.push({ name, dtype, shape, fileOffset: dataStart + begin, byteSize: end - begin, path });
    }
    checkDisjointRanges(path, out.map((t) => ({ name: t.name, start: t.fileOffset, bytes: t.byteSize })));
    return out;
  });
}

export function readSafetensorsBytes(t: SafetensorsTensor, start = 0, length = t.byteSize - start): Uint8Array {
  return readFileRange(t.path, t.fileOffset + start, length, `${t.path}: tensor '${t.name}'`);
}

export interface SafetensorsToWrite {
  name: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

/** Writes one .safetensors file (8-byte aligned header, as the reference writer pads it). */
export function writeSafetensors(path: string, tensors: SafetensorsToWrite[], metadata: Record<string, string> = { format: "pt" }): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + json.length) % 8)) % 8);
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(json.length), true);
  writeFileSync(path, Buffer.concat([len, Buffer.from(json, "utf8"), ...tensors.map((t) => t.data)]));
}
