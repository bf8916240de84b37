// ggml tensor types found in BitNet GGUF files: sizes, and exact decoders/encoders of each block layout.
// Layouts follow llama.cpp's ggml-quants.c (F16/BF16, Q8_0, Q6_K, TQ1_0, TQ2_0) and bitnet.cpp's
// ggml-bitnet-mad.cpp (I2_S, x86 layout).
import { bf16BitsToF32, clamp, decodeBlockQuant, encodeQ8_0, f16BitsToF32, f32, f32ToBf16Bits, f32ToF16Bits, roundHalfEven, TernaryArray } from "../../../ir/index.js";

/** How an ggml type is stored: `blockSize` elements in `blockBytes` bytes (I2_S adds a 32-byte tail). */
export interface GgmlType {
  id: number;
  name: string;
  blockSize: number;
  blockBytes: number;
  /** What the IR makes of it. */
  kind: "float" | "quantized-float" | "ternary";
}

const TYPES: readonly GgmlType[] = [
  { id: 0, name: "F32", blockSize: 1, blockBytes: 4, kind: "float" },
  { id: 1, name: "F16", blockSize: 1, blockBytes: 2, kind: "float" },
  { id: 8, name: "Q8_0", blockSize: 32, blockBytes: 34, kind: "quantized-float" },
  { id: 14, name: "Q6_K", blockSize: 256, blockBytes: 210, kind: "quantized-float" },
  { id: 30, name: "BF16", blockSize: 1, blockBytes: 2, kind: "float" },
  { id: 34, name: "TQ1_0", blockSize: 256, blockBytes: 54, kind: "ternary" },
  { id: 35, name: "TQ2_0", blockSize: 256, blockBytes: 66, kind: "ternary" },
  // bitnet.cpp's fork of ggml: 2 bits per weight plus one f32 scale for the whole tensor.
  { id: 36, name: "I2_S", blockSize: 128, blockBytes: 32, kind: "ternary" },
];

export const GGML = Object.fromEntries(TYPES.map((t) => [t.name, t])) as Record<"F32" | "F16" | "Q8_0" | "Q6_K" | "BF16" | "TQ1_0" | "TQ2_0" | "I2_S", GgmlType>;

export function ggmlType(id: number): GgmlType | undefined {
  return TYPES.find((t) => t.id === id);
}

/** Well-known ggml type names, so an unsupported type is named in errors rather than numbered. */
const OTHER_NAMES: Record<number, string> = { 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 39: "MXFP4" };

export function ggmlTypeName(id: number): string {
  return ggmlType(id)?.name ?? OTHER_NAMES[id] ?? `type ${id}`;
}

export const SUPPORTED_TYPE_NAMES = TYPES.map((t) => t.name);

/** Bytes of a tensor of `count` elements whose rows are `rowLength` long; a message if it cannot be stored. */
export function tensorBytes(t: GgmlType, count: number, rowLength: number): number | string {
  if (rowLength % t.blockSize !== 0) return `rows of ${rowLength} elements are not a whole number of ${t.name} blocks of ${t.blockSize}`;
  const bytes = (count / t.blockSize) * t.blockBytes;
  return t === GGML.I2_S ? bytes + 32 : bytes;
}

function f16At(b: Uint8Array, o: number): number {
  return f16BitsToF32(b[o]! | (b[o + 1]! << 8));
}

/** F32/F16/BF16/Q8_0/Q6_K data to f32 values, with the runtime's own float operations. */
export function decodeFloats(t: GgmlType, b: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (t.name) {
    case "F32":
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case "F16":
      for (let i = 0; i < count; i++) out[i] = f16At(b, i * 2);
      break;
    case "BF16":
      for (let i = 0; i < count; i++) out[i] = bf16BitsToF32(view.getUint16(i * 2, true));
      break;
    case "Q8_0":
      return decodeBlockQuant("q8_0", b, count, out);
    case "Q6_K":
      return decodeBlockQuant("q6_k", b, count, out);
    default:
      throw new Error(`decodeFloats: ${t.name} is not a float type`);
  }
  return out;
}

/** Ternary data: the trits, and one scale per block (TQ1_0/TQ2_0) or for the whole tensor (I2_S). */
export interface DecodedTernary {
  trits: TernaryArray;
  /** Scale of each block of `blockSize` elements (one entry for I2_S). */
  scales: Float32Array;
  blockSize: number;
  /** 1 for each block that holds a non-zero weight (an all-zero block's scale means nothing). */
  blockUsed: Uint8Array;
  /** Index of the first element whose stored code is not a trit, or -1. */
  invalidAt: number;
}

const POW3 = [1, 3, 9, 27, 81, 243];

/** Trit n (0 = most significant) of a TQ1_0 byte as a code 0..2, exactly as ggml computes it. */
function tq1Code(byte: number, n: number): number {
  const q = (byte * POW3[n]!) & 0xff;
  return (q * 3) >> 8;
}

/**
 * Decodes ternary data. Codes (value + 1, as every format stores them) go straight into the packed
 * TernaryArray, so a 2-billion-weight model decodes in seconds.
 */
export function decodeTernary(t: GgmlType, b: Uint8Array, count: number): DecodedTernary {
  const trits = new TernaryArray(count);
  const codes = trits.codes;
  let invalidAt = -1;
  const blockSize = t.name === "I2_S" ? count : 256;
  const blockUsed = new Uint8Array(Math.max(1, count / blockSize));
  const put = (e: number, code: number): void => {
    if (code !== 1) {
      if (code === 3) {
        if (invalidAt < 0) invalidAt = e;
        return;
      }
      blockUsed[(e / blockSize) | 0] = 1;
    }
    codes[e >> 2] = codes[e >> 2]! | (code << ((e & 3) << 1));
  };
  if (t.name === "I2_S") {
    for (let blk = 0; blk < count / 128; blk++) {
      const o = blk * 32;
      for (let m = 0; m < 32; m++) {
        const byte = b[o + m]!;
        for (let g = 0; g < 4; g++) put(blk * 128 + g * 32 + m, (byte >> (6 - 2 * g)) & 3);
      }
    }
    const scale = new DataView(b.buffer, b.byteOffset + count / 4, 4).getFloat32(0, true);
    return { trits, scales: Float32Array.of(scale), blockSize, blockUsed, invalidAt };
  }
  const blocks = count / 256;
  const scales = new Float32Array(blocks);
  for (let blk = 0; blk < blocks; blk++) {
    const base = blk * 256;
    if (t.name === "TQ2_0") {
      // Byte j of each half holds weights j, j+32, j+64, j+96 of that half: gather four consecutive weights
      // into one byte of the TernaryArray at a time (the same 2-bit codes).
      const o = blk * 66;
      for (let r = 0; r < 256; r += 4) {
        const src = o + (r >> 7) * 32;
        let byte = 0;
        for (let i = 0; i < 4; i++) byte |= ((b[src + ((r + i) & 31)]! >> (((r + i) >> 5) & 3) * 2) & 3) << (2 * i);
        if (byte !== 0x55) blockUsed[blk] = 1;
        if ((byte & (byte >> 1) & 0x55) !== 0) {
          for (let i = 0; i < 4; i++) if (((byte >> (2 * i)) & 3) === 3 && invalidAt < 0) invalidAt = base + r + i;
          for (let i = 0; i < 4; i++) if (((byte >> (2 * i)) & 3) === 3) byte &= ~(3 << (2 * i));
        }
        codes[(base + r) >> 2] = byte;
      }
      scales[blk] = f16At(b, o + 64);
    } else {
      const o = blk * 54;
      for (let m = 0; m < 32; m++) for (let n = 0; n < 5; n++) put(base + m + 32 * n, tq1Code(b[o + m]!, n));
      for (let m = 0; m < 16; m++) for (let n = 0; n < 5; n++) put(base + 160 + m + 16 * n, tq1Code(b[o + 32 + m]!, n));
      for (let j = 0; j < 4; j++) for (let n = 0; n < 4; n++) put(base + 240 + j + 4 * n, tq1Code(b[o + 48 + j]!, n));
      scales[blk] = f16At(b, o + 52);
    }
  }
  return { trits, scales, blockSize: 256, blockUsed, invalidAt };
}

/** Encodes ternary values (with one scale per 256-block, or one for I2_S) as TQ1_0, TQ2_0 or I2_S. */
export function encodeTernary(t: GgmlType, trits: ArrayLike<number>, scales: ArrayLike<number>): Uint8Array {
  const count = trits.length;
  if (t.name === "I2_S") {
    const out = new Uint8Array(count / 4 + 32);
    for (let i = 0; i < count; i++) {
      const inBlock = i % 128;
      out[(i - inBlock) / 4 + (inBlock % 32)]! |= (trits[i]! + 1) << (6 - 2 * Math.floor(inBlock / 32));
    }
    new DataView(out.buffer).setFloat32(count / 4, scales[0]!, true);
    return out;
  }
  const blocks = count / 256;
  const out = new Uint8Array(blocks * t.blockBytes);
  for (let blk = 0; blk < blocks; blk++) {
    const x = (e: number): number => trits[blk * 256 + e]! + 1;
    const o = blk * t.blockBytes;
    const d = f32ToF16Bits(scales[blk]!);
    if (t.name === "TQ2_0") {
      for (let e = 0; e < 256; e++) out[o + (e < 128 ? 0 : 32) + (e % 32)]! |= x(e) << (2 * ((e % 128) >> 5));
      out[o + 64] = d & 0xff;
      out[o + 65] = d >> 8;
    } else {
      // Five trits per byte, most significant first, stored as ceil(q * 256 / 243).
      const pack = (digits: number[]): number => Math.floor((digits.reduce((q, v) => q * 3 + v, 0) * 256 + 242) / 243);
      for (let m = 0; m < 32; m++) out[o + m] = pack([0, 1, 2, 3, 4].map((n) => x(m + 32 * n)));
      for (let m = 0; m < 16; m++) out[o + 32 + m] = pack([0, 1, 2, 3, 4].map((n) => x(160 + m + 16 * n)));
      for (let j = 0; j < 4; j++) out[o + 48 + j] = pack([...[0, 1, 2, 3].map((n) => x(240 + j + 4 * n)), 0]);
      out[o + 52] = d & 0xff;
      out[o + 53] = d >> 8;
    }
  }
  return out;
}

/** Encodes f32 values as F32, F16, BF16, Q8_0 or Q6_K (the quantized ones with a simple absmax choice of scales). */
export function encodeFloats(t: GgmlType, values: Float32Array): Uint8Array {
  const n = values.length;
  const out = new Uint8Array((n / t.blockSize) * t.blockBytes);
  const view = new DataView(out.buffer);
  switch (t.name) {
    case "F32":
      values.forEach((v, i) => view.setFloat32(i * 4, v, true));
      break;
    case "F16":
      values.forEach((v, i) => view.setUint16(i * 2, f32ToF16Bits(v), true));
      break;
    case "BF16":
      values.forEach((v, i) => view.setUint16(i * 2, f32ToBf16Bits(v), true));
      break;
    case "Q8_0":
      return encodeQ8_0(values);
    case "Q6_K":
      for (let blk = 0; blk < n / 256; blk++) encodeQ6K(values.subarray(blk * 256, blk * 256 + 256), out, blk * 210);
      break;
    default:
      throw new Error(`encodeFloats: ${t.name} is not a float type`);
  }
  return out;
}

function encodeQ6K(x: Float32Array, out: Uint8Array, o: number): void {
  const subScale = Array.from({ length: 16 }, (_, s) => Math.max(...x.subarray(s * 16, s * 16 + 16).map(Math.abs)) / 31);
  const maxScale = Math.max(...subScale);
  const dBits = f32ToF16Bits(maxScale / 127);
  const d = f16BitsToF32(dBits);
  const sc = subScale.map((s) => (d ? clamp(roundHalfEven(s / d), -128, 127) : 0));
  const q = Array.from(x, (v, e) => {
    const step = f32(d * sc[e >> 4]!);
    return (step ? clamp(roundHalfEven(v / step), -32, 31) : 0) + 32;
  });
  for (let half = 0; half < 2; half++) {
    for (let l = 0; l < 32; l++) {
      const [q1, q2, q3, q4] = [0, 32, 64, 96].map((j) => q[half * 128 + l + j]!) as [number, number, number, number];
      out[o + half * 64 + l] = (q1 & 0xf) | ((q3 & 0xf) << 4);
      out[o + half * 64 + l + 32] = (q2 & 0xf) | ((q4 & 0xf) << 4);
      out[o + 128 + half * 32 + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
    }
  }
  sc.forEach((s, i) => (out[o + 192 + i] = s & 0xff));
  out[o + 208] = dBits & 0xff;
  out[o + 209] = dBits >> 8;
}
