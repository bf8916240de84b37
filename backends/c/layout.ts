// How the C backend lays out each kind of weight in weights.bin: the SIMD block layouts of the packed ternary
// kernels, the signed patterns of the lookup-table kernel, and 8-row interleaving of float matrices (block-quantized
// ones as their codes and multipliers).
import { BLOCK_QUANT, blockCodes, type BlockQuantDType, type ConstDecl, elementCount, isBlockQuantDType, type PackedFormat, storageBytes, type Tensor, tensorToBytes, TernaryArray, unpackTernaryRows } from "../../ir/index.js";
import { BlobPlan } from "../common/index.js";
import { FMAT_INTERLEAVE, PACKED_BLOCK, PACKED_BLOCK_BYTES, Q8R_ROWS } from "./config.js";

export type CPackedFormat = keyof typeof PACKED_BLOCK;

/**
 * How a constant sits in weights.bin: as stored (raw), packed ternary blocks (i2, tq1), lookup-table patterns
 * (lut), or rows interleaved for the matmul kernel (floats by 8 rows, q8_0/q6_k as 16-row code records).
 */
export type ConstLayout = "raw" | "i2" | "tq1" | "lut" | "interleaved";

/** A layout an op's kernel needs for one of its constant operands; `arg` is the k of a packed weight or a lut group. */
export interface LayoutRequest {
  layout: ConstLayout;
  arg?: number;
}

/** Bytes of one packed row of k weights in the C layout (whole 32-byte blocks). */
export function cPackedRowBytes(format: CPackedFormat, k: number): number {
  return Math.ceil(k / PACKED_BLOCK[format]) * PACKED_BLOCK_BYTES;
}

/**
 * Packs ternary rows in the C kernels' block layout (see ternc_runtime.h): in block b, byte j holds the codes
 * (w + 1) of weights b*B + j + 32p for planes p; i2 puts plane p in bits 2p, tq1 stores the five codes as a
 * base-3 number v (plane 0 most significant) in the form ceil(v * 256 / 243). Padding weights are 0.
 */
export function packCBlocks(w: TernaryArray, n: number, k: number, format: CPackedFormat): Uint8Array {
  const rb = cPackedRowBytes(format, k);
  const block = PACKED_BLOCK[format];
  const planes = block / PACKED_BLOCK_BYTES;
  const out = new Uint8Array(n * rb);
  const codes = w.codes;
  const code = (o: number, i: number): number => {
    if (i >= k) return 1;
    const at = o * k + i;
    return (codes[at >> 2]! >> ((at & 3) * 2)) & 3;
  };
  for (let o = 0; o < n; o++) {
    for (let b = 0; b < rb / PACKED_BLOCK_BYTES; b++) {
      for (let j = 0; j < PACKED_BLOCK_BYTES; j++) {
        let byte = 0;
        if (format === "i2") for (let p = 0; p < planes; p++) byte |= code(o, b * block + j + PACKED_BLOCK_BYTES * p) << (2 * p);
        else {
          let v = 0;
          for (let p = 0; p < planes; p++) v = v * 3 + code(o, b * block + j + PACKED_BLOCK_BYTES * p);
          byte = Math.floor((v * 256 + 242) / 243);
        }
        out[o * rb + b * PACKED_BLOCK_BYTES + j] = byte;
      }
    }
  }
  return out;
}

/** The code of weight i of a row packed by packCBlocks, read back as the kernels read it. */
export function cBlockCode(row: Uint8Array, format: CPackedFormat, i: number): number {
  const block = PACKED_BLOCK[format];
  const byte = row[Math.floor(i / block) * PACKED_BLOCK_BYTES + (i % block) % PACKED_BLOCK_BYTES]!;
  const p = Math.floor((i % block) / PACKED_BLOCK_BYTES);
  if (format === "i2") return (byte >> (2 * p)) & 3;
  const m = (byte * 3 ** p) & 0xff;
  return (m * 3) >> 8;
}

/** Signed weight pattern of each (row, group of g) as the lookup-table kernel reads it: v = sum_i w[j*g+i] 3^i. */
export function lutPatterns(w: TernaryArray, n: number, k: number, g: number): Int16Array {
  const groups = Math.ceil(k / g);
  const out = new Int16Array(n * groups);
  for (let o = 0; o < n; o++) {
    for (let j = 0; j < groups; j++) {
      let v = 0;
      for (let i = g - 1; i >= 0; i--) v = v * 3 + (j * g + i < k ? w.get(o * k + j * g + i) : 0);
      out[o * groups + j] = v;
    }
  }
  return out;
}

/**
 * A float matrix [rows, cols] (f32, f16 or bf16 storage) as blocks of 8 rows interleaved by column: element
 * (r, c) at (r/8)*8*cols + c*8 + r%8, rows padded to a multiple of 8 with zeros.
 */
export function interleaveRows8(t: Tensor): Uint8Array {
  const [rows, cols] = t.shape as [number, number];
  const src = t.data as Float32Array | Uint16Array;
  const padded = Math.ceil(rows / FMAT_INTERLEAVE) * FMAT_INTERLEAVE;
  const dst = src instanceof Float32Array ? new Float32Array(padded * cols) : new Uint16Array(padded * cols);
  for (let r = 0; r < rows; r++) {
    const base = Math.floor(r / 8) * 8 * cols + (r % 8);
    for (let c = 0; c < cols; c++) dst[base + c * 8] = src[r * cols + c]!;
  }
  return new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength);
}

/** Columns per record of the C layout of a block-quantized matrix (one multiplier per row and record). */
export const Q8R_GROUP: Record<BlockQuantDType, number> = { q8_0: 32, q6_k: 16 };

/** Bytes of the C layout of a block-quantized [rows, cols] matrix (see q8rRecords). */
export function q8rBytes(dtype: BlockQuantDType, rows: number, cols: number): number {
  const g = Q8R_GROUP[dtype];
  return Math.ceil(rows / Q8R_ROWS) * (cols / g) * (4 * Q8R_ROWS + Q8R_ROWS * g);
}

/**
 * A q8_0/q6_k matrix as the runtime's TC_Q8R layout: its exact int8 codes and f32 multipliers (value = f32(m * q)),
 * per block of 16 rows one record per group of columns: 16 multipliers (f32, one per row), then the codes column
 * by column (16 per column). Rows are padded to a multiple of 16 with zeros.
 */
export function q8rRecords(t: Tensor): Uint8Array {
  const dtype = t.dtype as BlockQuantDType;
  const [rows, cols] = t.shape as [number, number];
  const g = Q8R_GROUP[dtype];
  const { block, bytes: blockBytes } = BLOCK_QUANT[dtype];
  const rec = 64 + 16 * g;
  const out = new Uint8Array(q8rBytes(dtype, rows, cols));
  const view = new DataView(out.buffer);
  const src = t.data as Uint8Array;
  const m = new Float32Array(block);
  const q = new Int8Array(block);
  for (let r = 0; r < rows; r++) {
    const blockBase = Math.floor(r / 16) * (cols / g) * rec;
    for (let b = 0; b < cols / block; b++) {
      blockCodes(dtype, src, ((r * cols) / block + b) * blockBytes, m, q);
      for (let e = 0; e < block; e++) {
        const c = b * block + e;
        const at = blockBase + Math.floor(c / g) * rec;
        if (e % g === 0) view.setFloat32(at + 4 * (r % 16), m[e]!, true);
        out[at + 64 + (c % g) * 16 + (r % 16)] = q[e]! & 0xff;
      }
    }
  }
  return out;
}

/** Trits of a ternary weight, from its ternary tensor or its packed i8 rows. */
export function tritsOf(t: Tensor, unpack: (packed: Int8Array) => TernaryArray): TernaryArray {
  return t.data instanceof TernaryArray ? t.data : unpack(t.data as Int8Array);
}

/** Bytes of a float or block-quantized matrix in the interleaved layout. */
export function interleavedBytes(c: ConstDecl): number {
  const [n, k] = c.type.shape as [number, number];
  return isBlockQuantDType(c.type.dtype) ? q8rBytes(c.type.dtype, n, k) : Math.ceil(n / FMAT_INTERLEAVE) * FMAT_INTERLEAVE * k * storageBytes(c.type.dtype, 1);
}

/**
 * Places every constant in the blob in the layout its kernels read (`requests`, by constant name; the rest raw),
 * in graph order. A ternary constant must have a packed or lut layout; an i8 constant that pack-weights packed
 * (in the IR's byte layout) is unpacked and repacked.
 */
export function planConstants(consts: readonly ConstDecl[], requests: ReadonlyMap<string, LayoutRequest>, loadConst: (c: ConstDecl) => Tensor): { blob: BlobPlan; layouts: Map<string, LayoutRequest> } {
  const blob = new BlobPlan();
  const layouts = new Map<string, LayoutRequest>();
  for (const c of consts) {
    const req = requests.get(c.name) ?? { layout: "raw" };
    layouts.set(c.name, req);
    const shape = c.type.shape as number[];
    const [n, k] = shape as [number, number];
    const load = (): Tensor => loadConst(c);
    const trits = (kk: number, format: PackedFormat): TernaryArray => tritsOf(load(), (p) => unpackTernaryRows(p, n, kk, format));
    const arg = req.arg!;
    switch (req.layout) {
      case "i2":
      case "tq1": {
        const layout = req.layout;
        blob.add(c.name, layout, n * cPackedRowBytes(layout, arg), () => packCBlocks(trits(arg, layout), n, arg, layout));
        break;
      }
      case "lut":
        blob.add(c.name, "lut", n * Math.ceil(k / arg) * 2, () => {
          const p = lutPatterns(trits(k, "i2"), n, k, arg);
          return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
        });
        break;
      case "interleaved":
        blob.add(c.name, "interleaved", interleavedBytes(c), () => (isBlockQuantDType(c.type.dtype) ? q8rRecords(load()) : interleaveRows8(load())));
        break;
      default:
        blob.add(c.name, "raw", storageBytes(c.type.dtype, elementCount(shape)), () => tensorToBytes(load()));
    }
  }
  return { blob, layouts };
}
