// safetensors files: an 8-byte header length, a JSON header of tensor dtypes, shapes and byte ranges,
// then the data. Reading parses the header only; tensor bytes are read by offset when needed.
import { readSync, writeFileSync } from "node:fs";
import { UserError } from "../../errors.js";
import { readFileRange, withOpenFile } from "../../io/files.js";

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

/** Reads the header of one .safetensors file and checks every tensor lies inside it. */
export function readSafetensorsHeader(path: string): SafetensorsTensor[] {
  return withOpenFile(path, (fd, size) => {
    if (size < 8) throw new UserError(`${path}: truncated safetensors file (${size} bytes, no header)`);
    const lenBuf = new Uint8Array(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = Number(new DataView(lenBuf.buffer).getBigUint64(0, true));
    if (headerLen > size - 8) throw new UserError(`${path}: truncated safetensors file: the header says ${headerLen} bytes but the file has ${size}`);
    const headerBytes = new Uint8Array(headerLen);
    readSync(fd, headerBytes, 0, headerLen, 8);
    let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    try {
      header = JSON.parse(Buffer.from(headerBytes).toString("utf8"));
    } catch {
      throw new UserError(`${path}: the safetensors header is not valid JSON`);
    }
    const dataStart = 8 + headerLen;
    const out: SafetensorsTensor[] = [];
    for (const [name, info] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      const [begin, end] = info.data_offsets ?? [];
      const count = (info.shape ?? []).reduce((a, b) => a * b, 1);
      const elem = SAFETENSORS_DTYPE_BYTES[info.dtype];
      if (begin === undefined || end === undefined || elem === undefined || end - begin !== count * elem) {
        throw new UserError(`${path}: tensor '${name}' has an invalid header entry (${JSON.stringify(info)})`);
      }
      if (dataStart + end > size) throw new UserError(`${path}: tensor '${name}' data (bytes ${dataStart + begin}..${dataStart + end}) lies outside the file (${size} bytes): the file is truncated or corrupt`);
      out.push({ name, dtype: info.dtype, shape: info.shape, fileOffset: dataStart + begin, byteSize: end - begin, path });
    }
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
