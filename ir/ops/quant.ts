// The L1 quantized ops (act_quant, ternary_matmul, dequant) and the quantization kernels that
// L0 bitlinear and the absmean pass share, so every level computes the same bits.
import { type Dim, dimEquals, formatDim } from "../dims.js";
import { clamp, f32, roundHalfEven } from "../numeric.js";
import { asF32, type Tensor, TernaryArray } from "../tensor.js";
import { formatType, type TensorType } from "../types.js";
import { expectDimEq, expectDType, expectRank, required } from "./checks.js";
import { type EvalContext, type InferContext, type OpDef, OpError, positive } from "./opdef.js";

/** Lower bound of the absmax and absmean scales (DESIGN.md §3), as f32. */
export const SCALE_EPS = f32(1e-5);

/**
 * Per-token absmax quantization of x[t, k] to int8: m = max(max|x|, 1e-5), q = f32(127 / m),
 * xq = clamp(rne(f32(x * q)), -128, 127), and the dequant scale f32(m / 127) per row.
 */
export function actQuantRows(x: Float32Array, tokens: number, k: number): { xq: Int8Array; scale: Float32Array } {
  const xq = new Int8Array(tokens * k);
  const scale = new Float32Array(tokens);
  for (let t = 0; t < tokens; t++) {
    const base = t * k;
    let m = 0;
    for (let i = 0; i < k; i++) m = Math.max(m, Math.abs(x[base + i]!));
    m = Math.max(m, SCALE_EPS);
    const q = f32(127 / m);
    for (let i = 0; i < k; i++) xq[base + i] = clamp(roundHalfEven(f32(x[base + i]! * q)), -128, 127);
    scale[t] = f32(m / 127);
  }
  return { xq, scale };
}

/** act_quant_fixed's input width: a 24-bit mantissa (one DSP48's 25-bit port) keeps every int8 code exact but for ties. */
export const ACT_FIXED_BITS = 24;

/** The reciprocal's fractional bits for mantissas of `bits` bits: r = 127 * 2^R / M stays below 2^17 for every width. */
export const actFixedRecipBits = (bits: number): number => bits + 8;

/** floor(log2(a)) of a positive finite number, exactly (Math.log2 may be one off next to a power of two). */
function floorLog2(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

/**
 * act_quant_fixed's first step for one token, x[base .. base+k): with a = max(max|x|, 1e-5), the exponent
 * e = bits - 2 - floor(log2 a), the block fixed-point mantissas rne(x * 2^e) of `bits` bits (x ~ mantissa * 2^-e),
 * and the absmax floor rne(1e-5 * 2^e), so that 2^(bits-2) <= max(max|mantissa|, floor) < 2^(bits-1). Undefined (no
 * fixed-point form) when a value is NaN or infinite.
 */
export function blockFixedRow(x: ArrayLike<number>, base: number, k: number, bits: number): { mantissas: Int32Array; shift: number; floor: number } | undefined {
  let a = SCALE_EPS;
  for (let i = 0; i < k; i++) a = Math.max(a, Math.abs(x[base + i]!));
  if (!Number.isFinite(a)) return undefined;
  const shift = bits - 2 - floorLog2(a);
  const limit = 2 ** (bits - 1) - 1;
  const mantissas = new Int32Array(k);
  for (let i = 0; i < k; i++) mantissas[i] = clamp(roundHalfEven(x[base + i]! * 2 ** shift), -limit, limit);
  return { mantissas, shift, floor: Math.min(roundHalfEven(SCALE_EPS * 2 ** shift), limit) };
}

/** act_quant_fixed's scale from the absmax M (at least the floor) and the exponent e: f32(M * 2^-e / 127). */
export const actFixedScale = (absmax: number, shift: number): number => f32((absmax * 2 ** -shift) / 127);

/**
 * One token of act_quant_fixed (see its description) into xq[xqBase ..]; returns its scale. Every step is an exact
 * integer or power-of-two operation, so C (int64, ldexp, rint) and RTL compute the same values.
 */
export function actQuantFixedRow(x: ArrayLike<number>, base: number, k: number, bits: number, xq: Int8Array, xqBase: number): number {
  const block = blockFixedRow(x, base, k, bits);
  if (!block) {
    // A NaN or infinity has no fixed-point form: zero codes and a NaN scale carry the poison on, as f32 would.
    xq.fill(0, xqBase, xqBase + k);
    return NaN;
  }
  let m = block.floor;
  for (let i = 0; i < k; i++) m = Math.max(m, Math.abs(block.mantissas[i]!));
  const recipBits = actFixedRecipBits(bits);
  const r = Math.floor((exactFloorDiv(127 * 2 ** (recipBits + 1), m) + 1) / 2);
  for (let i = 0; i < k; i++) xq[xqBase + i] = clamp(roundHalfEven(block.mantissas[i]! * r * 2 ** -recipBits), -128, 127);
  return actFixedScale(m, block.shift);
}

/** floor(a / b) for non-negative integers below 2^53 (the f64 quotient may round up to the next integer). */
function exactFloorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

/** act_quant_fixed over x[t, k]: int8 codes and the per-token scale. */
export function actQuantFixedRows(x: Float32Array, tokens: number, k: number, bits: number): { xq: Int8Array; scale: Float32Array } {
  const xq = new Int8Array(tokens * k);
  const scale = new Float32Array(tokens);
  for (let t = 0; t < tokens; t++) scale[t] = actQuantFixedRow(x, t * k, k, bits, xq, t * k);
  return { xq, scale };
}

/**
 * acc[t, o, g] = sum over i in group g of w[o, i] * x[t, i], with additions and subtractions only, in
 * index order; `round` is applied after each step (the identity for exact integer sums, f32 rounding for
 * float ones). `group` = k gives one group, i.e. acc[t, o].
 */
/** Groups of `group` inputs among k (one group when k is 0). */
export function inputGroups(k: number, group: number): number {
  return group > 0 ? k / group : 1;
}

function ternaryProduct<A extends Int32Array | Float32Array>(x: ArrayLike<number>, w: TernaryArray, tokens: number, k: number, n: number, group: number, make: (length: number) => A, round: (v: number) => number): A {
  const groups = inputGroups(k, group);
  const acc = make(tokens * n * groups);
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < n; o++) {
      for (let g = 0; g < groups; g++) {
        let s = 0;
        for (let i = g * group; i < (g + 1) * group; i++) {
          const v = w.get(o * k + i);
          if (v === 1) s = round(s + x[t * k + i]!);
          else if (v === -1) s = round(s - x[t * k + i]!);
        }
        acc[(t * n + o) * groups + g] = s;
      }
    }
  }
  return acc;
}

const exact = (v: number): number => v;

/** Exact int8 x trit product into int32 (|sum| <= 128 k, so no overflow for any real layer), per group of inputs. */
export function ternaryMatmulInt(xq: Int8Array, w: TernaryArray, tokens: number, k: number, n: number, group = k): Int32Array {
  return ternaryProduct(xq, w, tokens, k, n, group, (len) => new Int32Array(len), exact);
}

/** f32 x trit product (activations not quantized): f32 adds and subtracts in index order, per group of inputs. */
export function ternaryMatmulF32(x: Float32Array, w: TernaryArray, tokens: number, k: number, n: number, group = k): Float32Array {
  return ternaryProduct(x, w, tokens, k, n, group, (len) => new Float32Array(len), f32);
}

/**
 * y[t, o] = f32(v * xs[t]) with v = f32(f32(acc[t, o]) * ws[o]); ws has one element (per tensor) or n
 * (per output). With `groups` > 1 partial sums (acc[t, o, g], ws[o, g]) v sums the scaled groups in order:
 * v = f32(v + f32(f32(acc[t, o, g]) * ws[o, g])). xs undefined means activations were not quantized.
 */
export function dequantRows(acc: Int32Array | Float32Array, xs: Float32Array | undefined, ws: Float32Array, tokens: number, n: number, groups = 1, fused = false): Float32Array {
  const y = new Float32Array(tokens * n);
  const perTensor = ws.length === 1 && groups === 1;
  if (fused && xs && groups === 1) {
    // One multiply per output: y = f32(f32(acc) * f32(ws[o] * xs[t])), the scale product formed once per token
    // (per tensor) or per (token, output).
    for (let t = 0; t < tokens; t++) {
      const tokenScale = perTensor ? f32(ws[0]! * xs[t]!) : 0;
      for (let o = 0; o < n; o++) y[t * n + o] = f32(f32(acc[t * n + o]!) * (perTensor ? tokenScale : f32(ws[o]! * xs[t]!)));
    }
    return y;
  }
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < n; o++) {
      const base = (t * n + o) * groups;
      const wbase = perTensor ? 0 : o * groups;
      let v = f32(f32(acc[base]!) * ws[wbase]!);
      for (let g = 1; g < groups; g++) v = f32(v + f32(f32(acc[base + g]!) * ws[wbase + g]!));
      y[t * n + o] = xs ? f32(v * xs[t]!) : v;
    }
  }
  return y;
}

/**
 * Absmean quantization of a float weight (DESIGN.md §3): s = max(mean|W|, 1e-5) with the sum in f64
 * and the mean rounded to f32; Wq = clamp(rne(f32(W / s)), -1, 1).
 */
export function absmeanQuantize(w: Float32Array): { trits: TernaryArray; scale: number } {
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += Math.abs(w[i]!);
  const scale = Math.max(f32(w.length ? sum / w.length : 0), SCALE_EPS);
  const trits = new TernaryArray(w.length);
  for (let i = 0; i < w.length; i++) trits.set(i, clamp(roundHalfEven(f32(w[i]! / scale)), -1, 1));
  return { trits, scale };
}

/**
 * Checks a weight scale operand: f32[] (per tensor) or f32[n] (per output row), or f32[n, groups] when the
 * product is split into `groups` groups of inputs (block scales that differ along a row).
 */
export function checkWeightScale(s: TensorType, n: Dim, what: string, groups?: number, dtype: "f32" | "i32" = "f32"): void {
  expectDType(s, [dtype], what);
  if (groups === undefined) {
    if (s.shape.length === 0) return;
    if (s.shape.length === 1 && dimEquals(s.shape[0]!, n)) return;
    throw new OpError(`operand '${what}' must be ${dtype}[] (per tensor) or ${dtype}[n] with n = the output features, got ${formatType(s)}`);
  }
  if (s.shape.length === 2 && dimEquals(s.shape[0]!, n) && dimEquals(s.shape[1]!, groups)) return;
  throw new OpError(`operand '${what}' must be ${dtype}[${formatDim(n)}, ${groups}] (one scale per output and group), got ${formatType(s)}`);
}

/** The number of input groups of a grouped product: k / group, checked. */
export function groupCount(k: Dim, group: number | undefined, what: string): number | undefined {
  if (group === undefined) return undefined;
  if (typeof k !== "number") throw new OpError(`attribute 'group' needs a static input width, got ${formatDim(k)} in '${what}'`);
  if (k % group !== 0) throw new OpError(`attribute 'group' (${group}) must divide the input features (${k})`);
  return k / group;
}

/** Result type of a ternary product of x[T, k] with n outputs, kept per group of `group` inputs if given. */
export function ternaryProductType(x: TensorType, n: Dim, k: Dim, group: number | undefined, what: string): TensorType {
  const groups = groupCount(k, group, what);
  const shape = groups === undefined ? [x.shape[0]!, n] : [x.shape[0]!, n, groups];
  return { dtype: x.dtype === "i8" ? "i32" : "f32", shape };
}

/** A ternary product on concrete values: exact int32 for i8 activations, f32 sums in index order otherwise. */
export function evalTernaryProduct(x: Tensor, trits: TernaryArray, n: number, group: number | undefined): Tensor {
  const [t, k] = x.shape as [number, number];
  const g = group ?? k;
  const shape = group === undefined ? [t, n] : [t, n, k / g];
  if (x.dtype === "i8") return { dtype: "i32", shape, data: ternaryMatmulInt(x.data as Int8Array, trits, t, k, n, g) };
  return { dtype: "f32", shape, data: ternaryMatmulF32(x.data as Float32Array, trits, t, k, n, g) };
}

export const groupAttr = { name: "group", kind: "int", doc: "inputs per scale group (block scales that differ along a row)", optional: true, check: positive } as const;

/** Both activation quantizers: f32[T, k] in, i8[T, k] codes and an f32[T] scale out. */
function inferActQuant(ctx: InferContext): TensorType[] {
  const x = required(ctx.operands[0], "x");
  expectDType(x, ["f32"], "x");
  expectRank(x, 2, "x", "[tokens, features]");
  return [
    { dtype: "i8", shape: x.shape },
    { dtype: "f32", shape: [x.shape[0]!] },
  ];
}

function evalActQuant(ctx: EvalContext, rows: (x: Float32Array, t: number, k: number) => { xq: Int8Array; scale: Float32Array }): Tensor[] {
  const x = ctx.operands[0]!;
  const [t, k] = x.shape as [number, number];
  const { xq, scale } = rows(x.data as Float32Array, t, k);
  return [
    { dtype: "i8", shape: [t, k], data: xq },
    { dtype: "f32", shape: [t], data: scale },
  ];
}

export const quantOps: OpDef[] = [
  {
    name: "act_quant",
    summary: "per-token absmax quantization of activations to int8 (L1)",
    description:
      "Per row t: m = max(max|x|, 1e-5), q = f32(127 / m), xq = clamp(rne(f32(x * q)), -128, 127) " +
      "(rne = round half to even), scale[t] = f32(m / 127).",
    levels: ["L1", "L2"],
    operands: [{ name: "x", doc: "f32[T, k]" }],
    results: ["xq", "scale"],
    attrs: [],
    infer: inferActQuant,
    evaluate: (ctx) => evalActQuant(ctx, (x, t, k) => actQuantRows(x, t, k)),
  },
  {
    name: "act_quant_fixed",
    summary: "per-token absmax quantization to int8 in exact integer arithmetic (integer pipeline) (L1)",
    description:
      "The hardware form of act_quant. Per row t with a = max(max|x|, 1e-5): the block fixed-point form " +
      "xi = clamp(rne(x * 2^e), -(2^(B-1) - 1), 2^(B-1) - 1) with e = B - 2 - floor(log2 a) (B = bits, exact: a " +
      "power-of-two scaling), M = max(max|xi|, rne(1e-5 * 2^e)) (so 2^(B-2) <= M < 2^(B-1)), the reciprocal " +
      "r = (floor(127 * 2^(R+1) / M) + 1) >> 1 with R = B + 8 (one integer division per token), " +
      "xq = clamp(rne(xi * r / 2^R), -128, 127), scale[t] = f32(M * 2^-e / 127). A NaN or infinite x gives zero codes " +
      "and a NaN scale. It differs from act_quant's f32 codes by at most 1 where x * 127 / a lies within about " +
      "2^-10 of a rounding boundary.",
    levels: ["L1", "L2"],
    operands: [{ name: "x", doc: "f32[T, k]" }],
    results: ["xq", "scale"],
    attrs: [{ name: "bits", kind: "int", doc: "width B of the fixed-point mantissas", default: ACT_FIXED_BITS, check: (v) => ((v as number) >= 10 && (v as number) <= 24 ? undefined : "must be 10 to 24") }],
    infer: inferActQuant,
    evaluate: (ctx) => evalActQuant(ctx, (x, t, k) => actQuantFixedRows(x, t, k, ctx.attrs.bits as number)),
  },
  {
    name: "ternary_matmul",
    summary: "activations times a ternary weight, with adds and subtracts only (L1)",
    description:
      "acc[t, o] = sum_i w[o, i] * x[t, i] with w in {-1, 0, 1}. For int8 x the sum is exact in int32; " +
      "for f32 x (activations not quantized) it is an f32 sum in index order. With group = G the sums are " +
      "kept per group of G inputs: acc[t, o, g] sums i in [g*G, (g+1)*G).",
    levels: ["L1", "L2"],
    operands: [
      { name: "x", doc: "i8[T, k] quantized activations, or f32[T, k]" },
      { name: "w", doc: "ternary[n, k] weight" },
    ],
    results: ["acc"],
    attrs: [groupAttr],
    infer(ctx: InferContext): TensorType[] {
      const x = required(ctx.operands[0], "x");
      const w = required(ctx.operands[1], "w");
      expectDType(x, ["i8", "f32"], "x");
      expectDType(w, ["ternary"], "w");
      expectRank(x, 2, "x", "[tokens, features]");
      expectRank(w, 2, "w", "[out, in]");
      expectDimEq(w.shape[1]!, x.shape[1]!, "weight input features must equal the activation features");
      return [ternaryProductType(x, w.shape[0]!, w.shape[1]!, ctx.attrs.group as number | undefined, "ternary_matmul")];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const w = ctx.operands[1]!;
      return [evalTernaryProduct(ctx.operands[0]!, w.data as TernaryArray, w.shape[0]!, ctx.attrs.group as number | undefined)];
    },
  },
  {
    name: "dequant",
    summary: "ternary product back to f32: times the weight scale and the activation scale (L1)",
    description:
      "y[t, o] = f32(f32(f32(acc[t, o]) * ws[o]) * xs[t]); ws is f32[] (per tensor) or f32[n]; " +
      "without xs (activations not quantized) y = f32(f32(acc) * ws). Grouped partial sums acc[t, o, g] with " +
      "ws[o, g] are scaled and summed in order of g (f32) before the activation scale. With fused = true (set by " +
      "fold-scales) the two scales are multiplied first: y = f32(f32(acc) * f32(ws[o] * xs[t])), one multiply per output.",
    levels: ["L1", "L2"],
    operands: [
      { name: "acc", doc: "i32[T, n] or grouped i32[T, n, groups] (f32 from unquantized activations)" },
      { name: "ws", doc: "weight scale, f32[] or f32[n], or f32[n, groups]" },
      { name: "xs", doc: "activation scale f32[T] from act_quant", optional: true },
    ],
    results: ["y"],
    attrs: [{ name: "fused", kind: "bool", doc: "multiply the weight and activation scales first (needs xs, no groups)", default: false }],
    infer(ctx: InferContext): TensorType[] {
      const acc = required(ctx.operands[0], "acc");
      const ws = required(ctx.operands[1], "ws");
      const xs = ctx.operands[2];
      expectDType(acc, xs ? ["i32"] : ["i32", "f32"], "acc");
      if (acc.shape.length !== 2 && acc.shape.length !== 3) throw new OpError(`operand 'acc' must be [tokens, out] or [tokens, out, groups], got ${formatType(acc)}`);
      const groups = acc.shape.length === 3 ? acc.shape[2]! : undefined;
      if (groups !== undefined && typeof groups !== "number") throw new OpError(`the group count of 'acc' must be static, got ${formatType(acc)}`);
      checkWeightScale(ws, acc.shape[1]!, "ws", groups);
      if (ctx.attrs.fused === true && (!xs || groups !== undefined)) throw new OpError("attribute 'fused' needs the activation scale 'xs' and no scale groups");
      if (xs) {
        expectDType(xs, ["f32"], "xs");
        expectRank(xs, 1, "xs", "f32[T]");
        expectDimEq(xs.shape[0]!, acc.shape[0]!, "activation scale length must equal the token count");
      }
      return [{ dtype: "f32", shape: [acc.shape[0]!, acc.shape[1]!] }];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const acc = ctx.operands[0]!;
      const [t, n, groups] = acc.shape as [number, number, number | undefined];
      const xs = ctx.operands[2];
      const y = dequantRows(acc.data as Int32Array | Float32Array, xs ? asF32(xs) : undefined, asF32(ctx.operands[1]!), t, n, groups ?? 1, ctx.attrs.fused === true);
      return [{ dtype: "f32", shape: [t, n], data: y }];
    },
  },
  {
    name: "dequant_fixed",
    summary: "dequant with the weight scale as a fixed-point multiplier and shift (integer pipeline) (L1)",
    description:
      "p = acc[t, o] * mult[o] (exact; mult < 2^15), q = rne(p / 2^(shift[o] - frac_bits)) (round half to even: an " +
      "integer with frac_bits fractional bits), y = f32(f32(q * 2^-frac_bits) * xs[t]). mult and shift are i32[] or " +
      "i32[n]; mult * 2^-shift approximates the weight scale.",
    levels: ["L1", "L2"],
    operands: [
      { name: "acc", doc: "i32[T, n]" },
      { name: "mult", doc: "i32[] or i32[n], below 2^15" },
      { name: "shift", doc: "i32[] or i32[n]" },
      { name: "xs", doc: "activation scale f32[T]" },
    ],
    results: ["y"],
    attrs: [{ name: "frac_bits", kind: "int", doc: "fractional bits kept after the shift", default: 16, check: (v) => ((v as number) >= 0 && (v as number) <= 24 ? undefined : "must be 0 to 24") }],
    infer(ctx: InferContext): TensorType[] {
      const acc = required(ctx.operands[0], "acc");
      const mult = required(ctx.operands[1], "mult");
      const shift = required(ctx.operands[2], "shift");
      const xs = required(ctx.operands[3], "xs");
      expectDType(acc, ["i32"], "acc");
      expectRank(acc, 2, "acc", "[tokens, out]");
      checkWeightScale(mult, acc.shape[1]!, "mult", undefined, "i32");
      checkWeightScale(shift, acc.shape[1]!, "shift", undefined, "i32");
      expectDType(xs, ["f32"], "xs");
      expectRank(xs, 1, "xs", "f32[T]");
      expectDimEq(xs.shape[0]!, acc.shape[0]!, "activation scale length must equal the token count");
      return [{ dtype: "f32", shape: acc.shape }];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const [acc, mult, shift, xs] = ctx.operands as [Tensor, Tensor, Tensor, Tensor];
      const [t, n] = acc.shape as [number, number];
      const frac = ctx.attrs.frac_bits as number;
      const a = acc.data as Int32Array;
      const m = mult.data as Int32Array;
      const sh = shift.data as Int32Array;
      const x = xs.data as Float32Array;
      const y = new Float32Array(t * n);
      for (let r = 0; r < t; r++) {
        for (let o = 0; o < n; o++) {
          const p = a[r * n + o]! * m[m.length === 1 ? 0 : o]!; // exact: |p| < 2^53
          const q = roundHalfEven(p / 2 ** (sh[sh.length === 1 ? 0 : o]! - frac));
          y[r * n + o] = f32(f32(q * 2 ** -frac) * x[r]!);
        }
      }
      return [{ dtype: "f32", shape: [t, n], data: y }];
    },
  },
];

/** A positive scale as mult * 2^-shift with 2^14 <= mult < 2^15 (mult rounded half to even). */
export function fixedPointScale(scale: number): { mult: number; shift: number } {
  let shift = 14 - Math.floor(Math.log2(scale));
  let mult = roundHalfEven(scale * 2 ** shift);
  if (mult >= 2 ** 15) {
    mult = roundHalfEven(mult / 2);
    shift -= 1;
  }
  return { mult, shift };
}
