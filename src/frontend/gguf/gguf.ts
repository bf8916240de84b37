// GGUF files (versions 2 and 3): the header, every metadata value type, the tensor table and alignment.
// Reading is incremental and by offset: the header is parsed through a small window and tensor data is
// read only when asked for, so a multi-gigabyte model is never held in memory whole.
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { f32, shortestFloatText } from "../../../ir/index.js";
import { UserError } from "../../errors.js";
import { checkDisjointRanges, readFileRange, withOpenFile } from "../../io/files.js";
import { type GgmlType, ggmlType, ggmlTypeName, SUPPORTED_TYPE_NAMES, tensorBytes } from "./ggmlTypes.js";

const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types. */
export const GgufType = { U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, U64: 10, I64: 11, F64: 12 } as const;
export type GgufTypeId = (typeof GgufType)[keyof typeof GgufType];

export type GgufValue = number | string | boolean | GgufValue[];

/** A metadata entry with its stored type (arrays keep their element type). */
export interface GgufKv {
  key: string;
  type: GgufTypeId;
  /** For arrays: the element type. */
  elementType?: GgufTypeId;
  value: GgufValue;
}

export interface GgufTensorInfo {
  name: string;
  /** ggml order: ne[0] is the innermost (contiguous) dimension. */
  ne: number[];
  typeId: number;
  type: GgmlType | undefined;
  /** Offset from the start of the data section. */
  offset: number;
  /** Absolute file offset of the data. */
  fileOffset: number;
  byteSize: number;
}

export interface GgufFile {
  path: string;
  version: number;
  fileSize: number;
  alignment: number;
  dataStart: number;
  metadata: Map<string, GgufKv>;
  tensors: GgufTensorInfo[];
}

/** Sequential reads through a window of the file, with errors that say where the file ended. */
class Cursor {
  private buf = new Uint8Array(0);
  private bufStart = 0;
  pos = 0;
  context = "the header";

  constructor(
    private readonly fd: number,
    private readonly path: string,
    readonly size: number,
  ) {}

  private need(n: number): number {
    if (this.pos + n > this.size) {
      throw new UserError(`${this.path}: truncated file: ${this.context} needs ${n} bytes at offset ${this.pos}, but the file has ${this.size}`);
    }
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.buf.length) {
      const len = Math.min(Math.max(n, 1 << 20), this.size - this.pos);
      this.buf = new Uint8Array(len);
      readSync(this.fd, this.buf, 0, len, this.pos);
      this.bufStart = this.pos;
    }
    const at = this.pos - this.bufStart;
    this.pos += n;
    return at;
  }

  view(n: number): DataView {
    const at = this.need(n);
    return new DataView(this.buf.buffer, this.buf.byteOffset + at, n);
  }
  u8(): number {
    return this.view(1).getUint8(0);
  }
  u32(): number {
    return this.view(4).getUint32(0, true);
  }
  u64(): number {
    const v = this.view(8).getBigUint64(0, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new UserError(`${this.path}: ${this.context}: value ${v} at offset ${this.pos - 8} is too large`);
    return Number(v);
  }
  string(): string {
    const len = this.u64();
    if (len > this.size) throw new UserError(`${this.path}: ${this.context}: string length ${len} at offset ${this.pos - 8} is larger than the file`);
    const at = this.need(len);
    return Buffer.from(this.buf.subarray(at, at + len)).toString("utf8");
  }
}

/** Arrays of arrays nest at most this deep (llama.cpp writes none; a hostile file could nest them until the stack ends). */
const MAX_ARRAY_DEPTH = 8;

function readValue(c: Cursor, type: number, depth = 0): GgufValue {
  switch (type) {
    case GgufType.U8:
      return c.u8();
    case GgufType.I8:
      return c.view(1).getInt8(0);
    case GgufType.U16:
      return c.view(2).getUint16(0, true);
    case GgufType.I16:
      return c.view(2).getInt16(0, true);
    case GgufType.U32:
      return c.u32();
    case GgufType.I32:
      return c.view(4).getInt32(0, true);
    case GgufType.F32: {
      // The shortest decimal with this f32 value: 1e-5, not 9.999999747378752e-6 (the same f32).
      const v = c.view(4).getFloat32(0, true);
      return Number.isFinite(v) ? Number(shortestFloatText(v, f32)) : v;
    }
    case GgufType.BOOL:
      return c.u8() !== 0;
    case GgufType.STRING:
      return c.string();
    case GgufType.U64:
      return c.u64();
    case GgufType.I64:
      return Number(c.view(8).getBigInt64(0, true));
    case GgufType.F64:
      return c.view(8).getFloat64(0, true);
    case GgufType.ARRAY: {
      if (depth >= MAX_ARRAY_DEPTH) throw new UserError(`arrays nested more than ${MAX_ARRAY_DEPTH} deep`);
      const elementType = c.u32();
      const len = c.u64();
      if (len > c.size) throw new UserError(`array length ${len} is larger than the file`);
      const out: GgufValue[] = new Array(len);
      for (let i = 0; i < len; i++) out[i] = readValue(c, elementType, depth + 1);
      return out;
    }
    default:
      throw new UserError(`unknown metadata value type ${type}`);
  }
}

/** Reads the header and tensor table of a GGUF file (no tensor data). */
export function readGguf(path: string): GgufFile {
  return withOpenFile(path, (fd, size) => {
    const c = new Cursor(fd, path, size);
    c.context = "the magic number";
    if (size < 4 || c.u32() !== MAGIC) throw new UserError(`${path}: not a GGUF file (wrong magic number; expected "GGUF")`);
    c.context = "the version";
    const version = c.u32();
    if (version !== 2 && version !== 3) throw new UserError(`${path}: unsupported GGUF version ${version} (ternc reads versions 2 and 3)`);
    c.context = "the tensor and metadata counts";
    const tensorCount = c.u64();
    const kvCount = c.u64();
    const metadata = new Map<string, GgufKv>();
    for (let i = 0; i < kvCount; i++) {
      c.context = `metadata entry ${i}`;
      const key = c.string();
      c.context = `metadata '${key}'`;
      const type = c.u32() as GgufTypeId;
      let value: GgufValue;
      let elementType: GgufTypeId | undefined;
      try {
        if (type === GgufType.ARRAY) {
          const save = c.pos;
          elementType = c.u32() as GgufTypeId;
          c.pos = save;
        }
        value = readValue(c, type);
      } catch (e) {
        if (e instanceof UserError && !e.message.startsWith(path)) throw new UserError(`${path}: metadata '${key}': ${e.message}`);
        throw e;
      }
      if (metadata.has(key)) throw new UserError(`${path}: metadata key '${key}' appears twice`);
      metadata.set(key, { key, type, elementType, value });
    }
    const alignKv = metadata.get("general.alignment");
    const alignment = alignKv ? Number(alignKv.value) : DEFAULT_ALIGNMENT;
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw new UserError(`${path}: general.alignment must be a power of two, got ${String(alignKv?.value)}`);
    }
    const infos: Omit<GgufTensorInfo, "fileOffset">[] = [];
    for (let i = 0; i < tensorCount; i++) {
      c.context = `tensor info ${i}`;
      const name = c.string();
      c.context = `tensor info '${name}'`;
      const nDims = c.u32();
      if (nDims < 1 || nDims > 4) throw new UserError(`${path}: tensor '${name}' has ${nDims} dimensions (1 to 4 allowed)`);
      const ne = Array.from({ length: nDims }, () => c.u64());
      const typeId = c.u32();
      const offset = c.u64();
      const type = ggmlType(typeId);
      const count = ne.reduce((a, b) => a * b, 1);
      let byteSize = 0;
      if (type) {
        const bytes = tensorBytes(type, count, ne[0]!);
        if (typeof bytes === "string") throw new UserError(`${path}: tensor '${name}' (${type.name}, shape [${ne.join(", ")}]): ${bytes}`);
        byteSize = bytes;
      }
      if (offset % alignment !== 0) throw new UserError(`${path}: tensor '${name}' data offset ${offset} is not a multiple of the alignment ${alignment}`);
      infos.push({ name, ne, typeId, type, offset, byteSize });
    }
    const seen = new Set<string>();
    for (const t of infos) {
      if (seen.has(t.name)) throw new UserError(`${path}: tensor '${t.name}' appears twice`);
      seen.add(t.name);
    }
    checkDisjointRanges(path, infos.map((t) => ({ name: t.name, start: t.offset, bytes: t.byteSize })));
    const dataStart = Math.ceil(c.pos / alignment) * alignment;
    const tensors = infos.map((t) => ({ ...t, fileOffset: dataStart + t.offset }));
    for (const t of tensors) {
      if (t.type && t.fileOffset + t.byteSize > size) {
        throw new UserError(`${path}: tensor '${t.name}' data (bytes ${t.fileOffset}..${t.fileOffset + t.byteSize}) lies outside the file (${size} bytes): the file is truncated or corrupt`);
      }
    }
    return { path, version, fileSize: size, alignment, dataStart, metadata, tensors };
  });
}

/** The tensor's ggml type, or a user error naming the tensor and its unsupported type. */
export function requireType(file: GgufFile, t: GgufTensorInfo): GgmlType {
  if (!t.type) {
    throw new UserError(`${file.path}: tensor '${t.name}' has ggml type ${ggmlTypeName(t.typeId)}, which ternc does not read (supported: ${SUPPORTED_TYPE_NAMES.join(", ")})`);
  }
  return t.type;
}

/** Reads `length` bytes of a tensor's data from `start` (relative to the tensor). */
export function readTensorBytes(file: GgufFile, t: GgufTensorInfo, start = 0, length = t.byteSize - start): Uint8Array {
  return readFileRange(file.path, t.fileOffset + start, length, `${file.path}: tensor '${t.name}'`);
}

// ---- writing (for generated test models and examples) ----

export interface GgufTensorToWrite {
  name: string;
  ne: number[];
  type: GgmlType;
  data: Uint8Array;
}

class ByteWriter {
  private chunks: Uint8Array[] = [];
  length = 0;
  bytes(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  scalar(size: number, set: (v: DataView) => void): void {
    const b = new Uint8Array(size);
    set(new DataView(b.buffer));
    this.bytes(b);
  }
  u32(v: number): void {
    this.scalar(4, (d) => d.setUint32(0, v, true));
  }
  u64(v: number): void {
    this.scalar(8, (d) => d.setBigUint64(0, BigInt(v), true));
  }
  string(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.bytes(b);
  }
  value(type: number, v: GgufValue, elementType?: number): void {
    switch (type) {
      case GgufType.U8:
        return this.scalar(1, (d) => d.setUint8(0, v as number));
      case GgufType.I8:
        return this.scalar(1, (d) => d.setInt8(0, v as number));
      case GgufType.U16:
        return this.scalar(2, (d) => d.setUint16(0, v as number, true));
      case GgufType.I16:
        return this.scalar(2, (d) => d.setInt16(0, v as number, true));
      case GgufType.U32:
        return this.u32(v as number);
      case GgufType.I32:
        return this.scalar(4, (d) => d.setInt32(0, v as number, true));
      case GgufType.F32:
        return this.scalar(4, (d) => d.setFloat32(0, v as number, true));
      case GgufType.BOOL:
        return this.scalar(1, (d) => d.setUint8(0, v ? 1 : 0));
      case GgufType.STRING:
        return this.string(v as string);
      case GgufType.U64:
        return this.u64(v as number);
      case GgufType.I64:
        return this.scalar(8, (d) => d.setBigInt64(0, BigInt(v as number), true));
      case GgufType.F64:
        return this.scalar(8, (d) => d.setFloat64(0, v as number, true));
      case GgufType.ARRAY: {
        const arr = v as GgufValue[];
        this.u32(elementType!);
        this.u64(arr.length);
        for (const x of arr) this.value(elementType!, x);
        return;
      }
    }
  }
  concat(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

/** Writes a GGUF v3 file; tensor data is streamed to the file, not concatenated in memory. */
export function writeGguf(path: string, kvs: GgufKv[], tensors: GgufTensorToWrite[], alignment = DEFAULT_ALIGNMENT): void {
  const w = new ByteWriter();
  w.u32(MAGIC);
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kvs.length);
  for (const kv of kvs) {
    w.string(kv.key);
    w.u32(kv.type);
    w.value(kv.type, kv.value, kv.elementType);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    w.string(t.name);
    w.u32(t.ne.length);
    for (const d of t.ne) w.u64(d);
    w.u32(t.type.id);
    offsets.push(offset);
    w.u64(offset);
    offset = Math.ceil((offset + t.data.length) / alignment) * alignment;
  }
  const header = w.concat();
  const fd = openSync(path, "w");
  try {
    writeSync(fd, header);
    let pos = header.length;
    const dataStart = Math.ceil(pos / alignment) * alignment;
    tensors.forEach((t, i) => {
      const at = dataStart + offsets[i]!;
      if (at > pos) writeSync(fd, new Uint8Array(at - pos));
      writeSync(fd, t.data);
      pos = at + t.data.length;
    });
  } finally {
    closeSync(fd);
  }
}
