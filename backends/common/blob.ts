// The weight blob every backend writes: a 64-byte header (magic, total size, CRC-32 of the data, layout id) and
// each constant at an aligned offset, in the layout its kernels read. Planned in full before any byte is written,
// then streamed one constant at a time so a model larger than memory can be written.
import { closeSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";

/** The blob header; runtimes get these numbers generated into their sources. */
export const BLOB_FORMAT = {
  magic: "TERNCW01",
  headerBytes: 64,
  /** Every constant starts at a multiple of this (a cache line; 512-bit loads). */
  align: 64,
  /** u64 total file size. */
  sizeOffset: 8,
  /** u32 CRC-32 (zlib's) of every byte after the header. */
  crcOffset: 16,
  /** u32 layout id: a hash of the plan, tying a blob to the code generated with it. */
  layoutOffset: 20,
} as const;

/** One constant in the blob: where it sits and how to produce its bytes (called once, while writing). */
export interface BlobEntry {
  name: string;
  /** The target's name for the byte layout (`raw`, `i2`, ...). */
  layout: string;
  offset: number;
  bytes: number;
  produce(): Uint8Array;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/** The fnv-1a hash (32 bits) of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/** Offsets of the constants in a blob, assigned in the order they are added. */
export class BlobPlan {
  private readonly list: BlobEntry[] = [];
  private readonly byName = new Map<string, BlobEntry>();
  private end: number = BLOB_FORMAT.headerBytes;

  /** Places a constant; adding one name twice is an internal error. */
  add(name: string, layout: string, bytes: number, produce: () => Uint8Array): BlobEntry {
    if (this.byName.has(name)) throw new Error(`internal: %${name} placed twice in the weight blob`);
    const entry = { name, layout, offset: alignUp(this.end, BLOB_FORMAT.align), bytes, produce };
    this.end = alignUp(entry.offset + bytes, BLOB_FORMAT.align);
    this.list.push(entry);
    this.byName.set(name, entry);
    return entry;
  }

  get(name: string): BlobEntry | undefined {
    return this.byName.get(name);
  }

  get entries(): readonly BlobEntry[] {
    return this.list;
  }

  /** Size of the whole file. */
  get totalBytes(): number {
    return this.end;
  }

  /** A hash of the plan (names, layouts, offsets, sizes). */
  get layoutId(): number {
    return fnv1a(JSON.stringify(this.list.map((e) => [e.name, e.layout, e.offset, e.bytes])));
  }

  /** The plan as manifest.json lists it. */
  describe(): Record<string, unknown> {
    return {
      bytes: this.totalBytes,
      layoutId: `0x${this.layoutId.toString(16).padStart(8, "0")}`,
      header: { magic: BLOB_FORMAT.magic, sizeOffset: BLOB_FORMAT.sizeOffset, crcOffset: BLOB_FORMAT.crcOffset, layoutOffset: BLOB_FORMAT.layoutOffset, checksum: `crc32 of bytes ${BLOB_FORMAT.headerBytes}..` },
      constants: this.list.map((e) => ({ name: e.name, layout: e.layout, offset: e.offset, bytes: e.bytes })),
    };
  }
}

/** Streams the blob to `path` (a fresh file in the folder being written). */
export function writeBlob(path: string, plan: BlobPlan): void {
  const fd = openSync(path, "w");
  try {
    let crc = 0;
    let at: number = BLOB_FORMAT.headerBytes;
    const put = (bytes: Uint8Array): void => {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, at + done);
      crc = crc32(bytes, crc);
      at += bytes.length;
    };
    for (const e of plan.entries) {
      if (e.offset > at) put(new Uint8Array(e.offset - at));
      const bytes = e.produce();
      if (bytes.length !== e.bytes) throw new Error(`internal: %${e.name} produced ${bytes.length} bytes for a ${e.bytes}-byte ${e.layout} slot`);
      put(bytes);
    }
    if (plan.totalBytes > at) put(new Uint8Array(plan.totalBytes - at));
    const header = new Uint8Array(BLOB_FORMAT.headerBytes);
    const view = new DataView(header.buffer);
    header.set(new TextEncoder().encode(BLOB_FORMAT.magic));
    view.setBigUint64(BLOB_FORMAT.sizeOffset, BigInt(plan.totalBytes), true);
    view.setUint32(BLOB_FORMAT.crcOffset, crc >>> 0, true);
    view.setUint32(BLOB_FORMAT.layoutOffset, plan.layoutId, true);
    writeSync(fd, header, 0, header.length, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Fills `out` from the open file `fd` starting at byte `offset`, however many reads that takes, without loading the
 * rest of the file; returns the bytes read (fewer than `out.length` only where the file ends).
 */
export function readAt(fd: number, out: Uint8Array, offset: number): number {
  let done = 0;
  while (done < out.length) {
    const n = readSync(fd, out, done, out.length - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
