// Elementwise ops: add and mul (numpy broadcasting), silu and relu2 activations.
import { type Dim, dimEquals, formatDim } from "../dims.js";
import { expF32, f32 } from "../numeric.js";
import { type Tensor, zeros } from "../tensor.js";
import { formatType, type TensorType } from "../types.js";
import { expectDType, required } from "./checks.js";
import { type EvalContext, type InferContext, type OpDef, OpError } from "./opdef.js";

/** Numpy broadcasting of two shapes, symbolically: dims align from the right; equal, or one is 1. */
export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] | string {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (dimEquals(da, db) || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else return `dims ${formatDim(da)} and ${formatDim(db)} do not broadcast`;
  }
  return out;
}

function inferBinary(ctx: InferContext): TensorType[] {
  const a = required(ctx.operands[0], "lhs");
  const b = required(ctx.operands[1], "rhs");
  expectDType(a, ["f32"], "lhs");
  expectDType(b, ["f32"], "rhs");
  const shape = broadcastShapes(a.shape, b.shape);
  if (typeof shape === "string") throw new OpError(`operands ${formatType(a)} and ${formatType(b)} cannot be broadcast: ${shape}`);
  return [{ dtype: "f32", shape }];
}

function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = outShape.length - shape.length + i;
    strides[o] = shape[i] === 1 ? 0 : s;
    s *= shape[i]!;
  }
  return strides;
}

function evalBinary(ctx: EvalContext, fn: (x: number, y: number) => number): Tensor[] {
  const a = ctx.operands[0]!;
  const b = ctx.operands[1]!;
  const rank = Math.max(a.shape.length, b.shape.length);
  const outShape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a.shape[a.shape.length - rank + i] ?? 1;
    const db = b.shape[b.shape.length - rank + i] ?? 1;
    outShape.push(da === 1 ? db : da);
  }
  const out = zeros("f32", outShape);
  const sa = broadcastStrides(a.shape, outShape);
  const sb = broadcastStrides(b.shape, outShape);
  const ad = a.data as Float32Array;
  const bd = b.data as Float32Array;
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < out.data.length; i++) {
    let ia = 0;
    let ib = 0;
    for (let k = 0; k < rank; k++) {
      ia += idx[k]! * sa[k]!;
      ib += idx[k]! * sb[k]!;
    }
    out.data[i] = fn(ad[ia]!, bd[ib]!);
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k]! < outShape[k]!) break;
      idx[k] = 0;
    }
  }
  return [out];
}

function inferUnary(ctx: InferContext): TensorType[] {
  const x = required(ctx.operands[0], "x");
  expectDType(x, ["f32"], "x");
  return [x];
}

function evalUnary(ctx: EvalContext, fn: (x: number) => number): Tensor[] {
  const x = ctx.operands[0]!;
  const out = zeros("f32", x.shape);
  const xd = x.data as Float32Array;
  for (let i = 0; i < xd.length; i++) out.data[i] = fn(xd[i]!);
  return [out];
}

/** silu(x) = x / (1 + exp(-x)), each step rounded to f32, exp being expF32. */
export function silu(x: number): number {
  return f32(x / f32(1 + expF32(-x)));
}

/** relu2(x) = max(x, 0)^2, the squared ReLU of the bitnet-b1.58-2B-4T FFN. */
export function relu2(x: number): number {
  const r = x > 0 ? x : 0;
  return f32(r * r);
}

const binaryOperands = [
  { name: "lhs", doc: "f32 tensor" },
  { name: "rhs", doc: "f32 tensor, broadcast against lhs" },
] as const;

export const elementwiseOps: OpDef[] = [
  {
    name: "add",
    summary: "elementwise sum with numpy broadcasting (residual connections)",
    description: "y = f32(lhs + rhs); shapes broadcast from the right, a dim of 1 stretching.",
    levels: ["L0", "L1", "L2"],
    operands: binaryOperands,
    results: ["y"],
    attrs: [],
    infer: inferBinary,
    evaluate: (ctx) => evalBinary(ctx, (x, y) => f32(x + y)),
  },
  {
    name: "mul",
    summary: "elementwise product with numpy broadcasting (gating, scalar scales)",
    description: "y = f32(lhs * rhs); shapes broadcast from the right, so a rank-0 rhs scales the whole tensor.",
    levels: ["L0", "L1", "L2"],
    operands: binaryOperands,
    results: ["y"],
    attrs: [],
    infer: inferBinary,
    evaluate: (ctx) => evalBinary(ctx, (x, y) => f32(x * y)),
  },
  {
    name: "silu",
    summary: "SiLU activation (the SwiGLU gate of LLaMA-form BitNet)",
    description: "y = f32(x / f32(1 + expF32(-x))), expF32 being ternc's f32 exp (ir/numeric.ts), the same bits in every runtime.",
    levels: ["L0", "L1", "L2"],
    operands: [{ name: "x", doc: "f32 tensor" }],
    results: ["y"],
    attrs: [],
    infer: inferUnary,
    evaluate: (ctx) => evalUnary(ctx, silu),
  },
  {
    name: "relu2",
    summary: "squared ReLU activation (the FFN gate of bitnet-b1.58-2B-4T)",
    description: "y = f32(r * r) with r = max(x, 0).",
    levels: ["L0", "L1", "L2"],
    operands: [{ name: "x", doc: "f32 tensor" }],
    results: ["y"],
    attrs: [],
    infer: inferUnary,
    evaluate: (ctx) => evalUnary(ctx, relu2),
  },
];
