// L2 ops: ternary products as additions and subtractions only. Each computes exactly the integer sums of
// ternary_matmul; they differ in how (packed-weight kernels, a lookup table of partial sums, or an
// explicit add/sub network), which decides how many additions a token costs.
import { type Tensor, TernaryArray, zeros } from "../tensor.js";
import type { TensorType } from "../types.js";
import { expectDimEq, expectDType, expectRank, required } from "./checks.js";
import { type EvalContext, type InferContext, intAttr, type OpDef, OpError, positive } from "./opdef.js";
import { evalTernaryProduct, groupAttr, ternaryProductType } from "./quant.js";

export const PACKED_FORMATS = ["i2", "tq1"] as const;
export type PackedFormat = (typeof PACKED_FORMATS)[number];

/** Bytes of one packed row of k weights: 4 codes per byte (i2) or 5 trits per byte in base 3 (tq1). */
export function packedRowBytes(format: PackedFormat, k: number): number {
  return Math.ceil(k / (format === "i2" ? 4 : 5));
}

/**
 * Packs ternary rows as a kernel reads them, each row starting on a byte: i2 puts code = w + 1 in 2 bits,
 * least significant first; tq1 puts 5 codes per byte as a base-3 number, the first weight most significant.
 */
export function packTernaryRows(w: TernaryArray, n: number, k: number, format: PackedFormat): Int8Array {
  // Rows of whole bytes in i2 are TernaryArray's own storage.
  if (format === "i2" && k % 4 === 0) return new Int8Array(w.codes.slice(0, (n * k) / 4).buffer);
  const rb = packedRowBytes(format, k);
  const out = new Uint8Array(n * rb);
  for (let o = 0; o < n; o++) {
    for (let b = 0; b < rb; b++) {
      let byte = 0;
      if (format === "i2") for (let j = 3; j >= 0; j--) byte = (byte << 2) | (b * 4 + j < k ? w.get(o * k + b * 4 + j) + 1 : 1);
      else for (let j = 0; j < 5; j++) byte = byte * 3 + (b * 5 + j < k ? w.get(o * k + b * 5 + j) + 1 : 1);
      out[o * rb + b] = byte;
    }
  }
  return new Int8Array(out.buffer);
}

/** The inverse of packTernaryRows. */
export function unpackTernaryRows(packed: Int8Array, n: number, k: number, format: PackedFormat): TernaryArray {
  if (format === "i2" && k % 4 === 0) return new TernaryArray(n * k, new Uint8Array(packed.buffer, packed.byteOffset, (n * k) / 4).slice());
  const rb = packedRowBytes(format, k);
  const w = new TernaryArray(n * k);
  for (let o = 0; o < n; o++) {
    for (let i = 0; i < k; i++) {
      const byte = packed[o * rb + Math.floor(i / (format === "i2" ? 4 : 5))]! & 0xff;
      const code = format === "i2" ? (byte >> (2 * (i % 4))) & 3 : Math.floor(byte / 3 ** (4 - (i % 5))) % 3;
      w.set(o * k + i, code - 1);
    }
  }
  return w;
}

/** Largest lookup-table group: 3^8 patterns already make a (3^8 + 1) / 2 = 3281-entry table per group. */
export const MAX_LUT_GROUP = 8;

/** Entries of a lookup table for groups of g activations with the sign trick: patterns v = 0..(3^g-1)/2. */
export function lutEntries(g: number): number {
  return (3 ** g + 1) / 2;
}

/** Balanced-ternary digit i (-1, 0, 1) of v: v = sum_i d_i * 3^i. */
export function balancedDigits(v: number, g: number): number[] {
  const d: number[] = [];
  let x = v;
  for (let i = 0; i < g; i++) {
    let r = ((x % 3) + 3) % 3;
    if (r === 2) r = -1;
    d.push(r);
    x = (x - r) / 3;
  }
  return d;
}

/** The table of partial sums: table[t, j, v] = sum_i d_i(v) * x[t, j*g + i] (inputs past k count as 0). */
export function lutBuild(xq: Int8Array, tokens: number, k: number, g: number): Int32Array {
  const groups = Math.ceil(k / g);
  const e = lutEntries(g);
  const digits = Array.from({ length: e }, (_, v) => balancedDigits(v, g));
  const table = new Int32Array(tokens * groups * e);
  for (let t = 0; t < tokens; t++) {
    for (let j = 0; j < groups; j++) {
      for (let v = 0; v < e; v++) {
        let s = 0;
        for (let i = 0; i < g; i++) {
          const idx = j * g + i;
          if (idx < k) s += digits[v]![i]! * xq[t * k + idx]!;
        }
        table[(t * groups + j) * e + v] = s;
      }
    }
  }
  return table;
}

/** acc[t, o] = sum over groups of +-table[t, j, |v|] with v the weight pattern of row o in group j. */
export function lutMatmul(table: Int32Array, w: TernaryArray, tokens: number, k: number, n: number, g: number): Int32Array {
  const groups = Math.ceil(k / g);
  const e = lutEntries(g);
  const acc = new Int32Array(tokens * n);
  for (let o = 0; o < n; o++) {
    for (let j = 0; j < groups; j++) {
      let v = 0;
      for (let i = g - 1; i >= 0; i--) v = v * 3 + (j * g + i < k ? w.get(o * k + j * g + i) : 0);
      if (v === 0) continue;
      const sign = v > 0 ? 1 : -1;
      for (let t = 0; t < tokens; t++) acc[t * n + o] += sign * table[(t * groups + j) * e + sign * v]!;
    }
  }
  return acc;
}

/**
 * Runs an add/sub network: registers 0..k-1 hold the inputs; instruction m (a, b, op) writes register k+m
 * with r[a] + r[b] (op 0) or r[a] - r[b] (op 1); output o is sign * r[reg] (reg -1: zero).
 */
export function runAddSubNetwork(x: ArrayLike<number>, tokens: number, k: number, program: Int32Array, outputs: Int32Array): Int32Array {
  const m = program.length / 3;
  const n = outputs.length / 2;
  const acc = new Int32Array(tokens * n);
  const r = new Int32Array(k + m);
  for (let t = 0; t < tokens; t++) {
    for (let i = 0; i < k; i++) r[i] = x[t * k + i]!;
    for (let j = 0; j < m; j++) {
      const a = r[program[3 * j]!]!;
      const b = r[program[3 * j + 1]!]!;
      r[k + j] = program[3 * j + 2] === 0 ? a + b : a - b;
    }
    for (let o = 0; o < n; o++) {
      const reg = outputs[2 * o]!;
      acc[t * n + o] = reg < 0 ? 0 : outputs[2 * o + 1]! * r[reg]!;
    }
  }
  return acc;
}

export const loweredOps: OpDef[] = [
  {
    name: "ternary_matmul_packed",
    summary: "ternary product with a packed-weight add/sub kernel (2-bit codes or base-3, 5 trits per byte) (L2)",
    description:
      "Computes exactly ternary_matmul (the same sums in the same order, grouped the same way); `format` says which " +
      "weight layout and kernel a backend uses: \"i2\" (2-bit codes, 4 per byte) or \"tq1\" (base 3, 5 trits per byte). " +
      "The weight is ternary[n, k], or, after pack-weights, i8[n, row bytes] in that layout (see packTernaryRows).",
    levels: ["L2"],
    operands: [
      { name: "x", doc: "i8[T, k] (or f32[T, k])" },
      { name: "w", doc: "ternary[n, k], or i8[n, row bytes] packed in `format`" },
    ],
    results: ["acc"],
    attrs: [
      { name: "format", kind: "string", doc: "weight layout", oneOf: PACKED_FORMATS },
      groupAttr,
    ],
    infer(ctx: InferContext): TensorType[] {
      const x = required(ctx.operands[0], "x");
      const w = required(ctx.operands[1], "w");
      expectDType(x, ["i8", "f32"], "x");
      expectDType(w, ["ternary", "i8"], "w");
      expectRank(x, 2, "x", "[tokens, features]");
      expectRank(w, 2, "w", "[out, in]");
      const k = x.shape[1]!;
      if (w.dtype === "ternary") expectDimEq(w.shape[1]!, k, "weight input features must equal the activation features");
      else if (typeof k !== "number") throw new OpError("a packed weight needs a static feature count");
      else expectDimEq(w.shape[1]!, packedRowBytes(ctx.attrs.format as PackedFormat, k), `packed rows of ${k} weights in ${String(ctx.attrs.format)} take this many bytes`);
      return [ternaryProductType(x, w.shape[0]!, k, ctx.attrs.group as number | undefined, "ternary_matmul_packed")];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const x = ctx.operands[0]!;
      const w = ctx.operands[1]!;
      const n = w.shape[0]!;
      const trits = w.dtype === "ternary" ? (w.data as TernaryArray) : unpackTernaryRows(w.data as Int8Array, n, x.shape[1]!, ctx.attrs.format as PackedFormat);
      return [evalTernaryProduct(x, trits, n, ctx.attrs.group as number | undefined)];
    },
  },
  {
    name: "lut_build",
    summary: "lookup table of partial sums of each group of g int8 activations (L2)",
    description:
      "table[t, j, v] = sum_i d_i(v) * x[t, j*g + i] for v = 0..(3^g-1)/2, d_i(v) the balanced-ternary digits of v " +
      "(v = sum d_i 3^i); inputs past k count as 0. With the sign trick only non-negative patterns are stored: a " +
      "pattern -v reads -table[v]. Exact in int32.",
    levels: ["L2"],
    operands: [{ name: "x", doc: "i8[T, k]" }],
    results: ["table"],
    attrs: [{ name: "group", kind: "int", doc: "activations per group (g)", check: (v) => ((v as number) >= 1 && (v as number) <= MAX_LUT_GROUP ? undefined : `must be 1 to ${MAX_LUT_GROUP}`) }],
    infer(ctx: InferContext): TensorType[] {
      const x = required(ctx.operands[0], "x");
      expectDType(x, ["i8"], "x");
      expectRank(x, 2, "x", "[tokens, features]");
      const k = x.shape[1]!;
      if (typeof k !== "number") throw new OpError("lut_build needs a static feature count");
      const g = intAttr(ctx.attrs, "group");
      return [{ dtype: "i32", shape: [x.shape[0]!, Math.ceil(k / g), lutEntries(g)] }];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const x = ctx.operands[0]!;
      const [t, k] = x.shape as [number, number];
      const g = intAttr(ctx.attrs, "group");
      return [{ dtype: "i32", shape: [t, Math.ceil(k / g), lutEntries(g)], data: lutBuild(x.data as Int8Array, t, k, g) }];
    },
  },
  {
    name: "lut_matmul",
    summary: "ternary product from a lookup table: one table read and add per group of g weights (L2)",
    description:
      "acc[t, o] = sum over groups j of sign(v) * table[t, j, |v|] with v = sum_i w[o, j*g + i] * 3^i, the weight " +
      "pattern of row o in group j (groups with v = 0 add nothing). Equals ternary_matmul exactly.",
    levels: ["L2"],
    operands: [
      { name: "table", doc: "i32[T, groups, (3^g+1)/2] from lut_build" },
      { name: "w", doc: "ternary[n, k]" },
    ],
    results: ["acc"],
    attrs: [{ name: "group", kind: "int", doc: "weights per group (g), as lut_build", check: positive }],
    infer(ctx: InferContext): TensorType[] {
      const table = required(ctx.operands[0], "table");
      const w = required(ctx.operands[1], "w");
      expectDType(table, ["i32"], "table");
      expectDType(w, ["ternary"], "w");
      expectRank(table, 3, "table", "[tokens, groups, entries]");
      expectRank(w, 2, "w", "[out, in]");
      const g = intAttr(ctx.attrs, "group");
      const k = w.shape[1]!;
      if (typeof k !== "number") throw new OpError("lut_matmul needs a static weight");
      expectDimEq(table.shape[1]!, Math.ceil(k / g), "table groups must be ceil(in / group)");
      expectDimEq(table.shape[2]!, lutEntries(g), "table entries must be (3^group + 1) / 2");
      return [{ dtype: "i32", shape: [table.shape[0]!, w.shape[0]!] }];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const table = ctx.operands[0]!;
      const w = ctx.operands[1]!;
      const [n, k] = w.shape as [number, number];
      const t = table.shape[0]!;
      return [{ dtype: "i32", shape: [t, n], data: lutMatmul(table.data as Int32Array, w.data as TernaryArray, t, k, n, intAttr(ctx.attrs, "group")) }];
    },
  },
  {
    name: "addsub_network",
    summary: "a constant ternary layer as an explicit network of additions and subtractions (L2)",
    description:
      "Registers 0..k-1 hold x[t, :]; instruction m of `program` (rows a, b, op) writes register k+m with " +
      "r[a] + r[b] (op 0) or r[a] - r[b] (op 1); acc[t, o] = sign * r[reg] for the (reg, sign) row o of `outputs` " +
      "(reg -1 means 0). Sums shared between rows are computed once. Exact in int32.",
    levels: ["L2"],
    operands: [
      { name: "x", doc: "i8[T, k]" },
      { name: "program", doc: "i32[m, 3] instructions (a, b, op)" },
      { name: "outputs", doc: "i32[n, 2] (register, sign) per output" },
    ],
    results: ["acc"],
    attrs: [],
    infer(ctx: InferContext): TensorType[] {
      const x = required(ctx.operands[0], "x");
      const program = required(ctx.operands[1], "program");
      const outputs = required(ctx.operands[2], "outputs");
      expectDType(x, ["i8"], "x");
      expectDType(program, ["i32"], "program");
      expectDType(outputs, ["i32"], "outputs");
      expectRank(x, 2, "x", "[tokens, features]");
      expectRank(program, 2, "program", "i32[m, 3]");
      expectRank(outputs, 2, "outputs", "i32[n, 2]");
      expectDimEq(program.shape[1]!, 3, "program rows are (a, b, op)");
      expectDimEq(outputs.shape[1]!, 2, "outputs rows are (register, sign)");
      return [{ dtype: "i32", shape: [x.shape[0]!, outputs.shape[0]!] }];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const [x, program, outputs] = ctx.operands as [Tensor, Tensor, Tensor];
      const [t, k] = x.shape as [number, number];
      const n = outputs.shape[0]!;
      const out = zeros("i32", [t, n]);
      out.data.set(runAddSubNetwork(x.data as Int8Array, t, k, program.data as Int32Array, outputs.data as Int32Array));
      return [out];
    },
  },
];
