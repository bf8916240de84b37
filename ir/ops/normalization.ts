// Row-wise normalisations: RMSNorm and softmax over the last axis.
import { expF32, f32 } from "../numeric.js";
import { type Tensor, zeros } from "../tensor.js";
import type { TensorType } from "../types.js";
import { expectDimEq, expectDType, expectMinRank, expectRank, required } from "./checks.js";
import { type EvalContext, floatAttr, type InferContext, type OpDef } from "./opdef.js";

/**
 * RMSNorm of each row of `x` (length d) into `out`: y = f32(f32(x * r) * g) with
 * r = f32(1 / f32(sqrt(f32(mean + eps)))), mean = f32(sum / d), sum accumulated in f32 in index order.
 */
export function rmsnormRows(x: Float32Array, g: Float32Array, eps: number, d: number, out: Float32Array): void {
  const e = f32(eps);
  for (let row = 0; row * d < x.length; row++) {
    const base = row * d;
    let sum = 0;
    for (let i = 0; i < d; i++) sum = f32(sum + f32(x[base + i]! * x[base + i]!));
    const mean = f32(sum / d);
    const r = f32(1 / f32(Math.sqrt(f32(mean + e))));
    for (let i = 0; i < d; i++) out[base + i] = f32(f32(x[base + i]! * r) * g[i]!);
  }
}

/** Softmax of `n` values starting at `base`, in place: subtract the max, expF32, sum in order, divide. */
export function softmaxInPlace(v: Float32Array, base: number, n: number): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (v[base + i]! > max) max = v[base + i]!;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = expF32(f32(v[base + i]! - max));
    v[base + i] = e;
    sum = f32(sum + e);
  }
  for (let i = 0; i < n; i++) v[base + i] = f32(v[base + i]! / sum);
}

export const normalizationOps: OpDef[] = [
  {
    name: "rmsnorm",
    summary: "RMSNorm over the last axis with a learned gain",
    description:
      "Per row of length d: sum = sum of f32(x*x) in index order (f32), mean = f32(sum / d), " +
      "r = f32(1 / f32(sqrt(f32(mean + eps)))), y = f32(f32(x * r) * g).",
    levels: ["L0", "L1", "L2"],
    operands: [
      { name: "x", doc: "f32[..., d]" },
      { name: "g", doc: "f32[d] gain" },
    ],
    results: ["y"],
    attrs: [
      { name: "eps", kind: "float", doc: "added to the mean square", check: (v) => ((v as number) > 0 ? undefined : "must be > 0") },
    ],
    infer(ctx: InferContext): TensorType[] {
      const x = required(ctx.operands[0], "x");
      const g = required(ctx.operands[1], "g");
      expectDType(x, ["f32"], "x");
      expectDType(g, ["f32"], "g");
      expectMinRank(x, 1, "x");
      expectRank(g, 1, "g", "f32[d]");
      expectDimEq(g.shape[0]!, x.shape[x.shape.length - 1]!, "gain length must equal the last dim of x");
      return [x];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const x = ctx.operands[0]!;
      const out = zeros("f32", x.shape);
      const d = x.shape[x.shape.length - 1]!;
      if (d > 0) rmsnormRows(x.data as Float32Array, ctx.operands[1]!.data as Float32Array, floatAttr(ctx.attrs, "eps"), d, out.data);
      return [out];
    },
  },
  {
    name: "softmax",
    summary: "softmax over the last axis",
    description: "Per row: m = max, e = expF32(f32(x - m)) (ternc's f32 exp, ir/numeric.ts), s = sum of e in index order (f32), y = f32(e / s).",
    levels: ["L0", "L1", "L2"],
    operands: [{ name: "x", doc: "f32[..., n]" }],
    results: ["y"],
    attrs: [],
    infer(ctx: InferContext): TensorType[] {
      const x = required(ctx.operands[0], "x");
      expectDType(x, ["f32"], "x");
      expectMinRank(x, 1, "x");
      return [x];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const x = ctx.operands[0]!;
      const out = zeros("f32", x.shape);
      out.data.set(x.data as Float32Array);
      const n = x.shape[x.shape.length - 1]!;
      if (n > 0) for (let base = 0; base < out.data.length; base += n) softmaxInPlace(out.data, base, n);
      return [out];
    },
  },
];
