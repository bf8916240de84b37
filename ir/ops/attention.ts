// Rotary position embedding and causal grouped-query attention.
import { EvalError } from "../diagnostics.js";
import { f32 } from "../numeric.js";
import { type Tensor, zeros } from "../tensor.js";
import type { TensorType } from "../types.js";
import { expectDimEq, expectDType, expectMultiple, expectRank, required } from "./checks.js";
import { type Attrs, type EvalContext, type InferContext, intAttr, type OpDef, OpError, positive } from "./opdef.js";
import { softmaxInPlace } from "./normalization.js";

export const ROPE_STYLES = ["neox", "interleaved"] as const;

/** rot_dims defaults to head_dim (full rotary). */
function rotDims(attrs: Attrs): number {
  return (attrs.rot_dims as number | undefined) ?? intAttr(attrs, "head_dim");
}

/** Default attention scale 1/sqrt(head_dim), rounded to f32. */
export function defaultAttentionScale(headDim: number): number {
  return f32(1 / Math.sqrt(headDim));
}

export const attentionOps: OpDef[] = [
  {
    name: "rope",
    summary: "rotary position embedding of each head (NEOX rotate-half or interleaved pairs)",
    description:
      "For each head (head_dim wide) and pair index i < rot_dims/2: the pair is (i, i + rot_dims/2) for style " +
      "\"neox\" (rotate-half, as llama.cpp's bitnet and HF) or (2i, 2i+1) for \"interleaved\". " +
      "inv = f32(base^(-2i/rot_dims)), a = f32(pos * inv), c = f32(cos a), s = f32(sin a); " +
      "y0 = f32(f32(x0*c) - f32(x1*s)), y1 = f32(f32(x0*s) + f32(x1*c)). Dims past rot_dims pass through.",
    levels: ["L0", "L1", "L2"],
    operands: [
      { name: "x", doc: "f32[T, heads*head_dim]" },
      { name: "pos", doc: "i32[T] absolute position of each token" },
    ],
    results: ["y"],
    attrs: [
      { name: "head_dim", kind: "int", doc: "width of one head", check: positive },
      { name: "base", kind: "float", doc: "frequency base (rope_theta)", default: 10000, check: positive },
      { name: "style", kind: "string", doc: "pairing of rotated dims", default: "neox", oneOf: ROPE_STYLES },
      {
        name: "rot_dims",
        kind: "int",
        doc: "rotated dims per head (partial rotary); default head_dim",
        optional: true,
        check: (v) => ((v as number) > 0 && (v as number) % 2 === 0 ? undefined : "must be even and > 0"),
      },
    ],
    infer(ctx: InferContext): TensorType[] {
      const x = required(ctx.operands[0], "x");
      const pos = required(ctx.operands[1], "pos");
      expectDType(x, ["f32"], "x");
      expectDType(pos, ["i32"], "pos");
      expectRank(x, 2, "x", "[tokens, heads*head_dim]");
      expectRank(pos, 1, "pos", "i32[T]");
      expectDimEq(pos.shape[0]!, x.shape[0]!, "one position per token");
      const hd = intAttr(ctx.attrs, "head_dim");
      if (rotDims(ctx.attrs) % 2 !== 0 || rotDims(ctx.attrs) > hd) {
        throw new OpError(`attribute 'rot_dims' must be even and <= head_dim (${hd}), got ${rotDims(ctx.attrs)}`);
      }
      expectMultiple(x.shape[1]!, hd, "feature dim of x must be a multiple of head_dim");
      return [x];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const x = ctx.operands[0]!;
      const pos = ctx.operands[1]!.data as Int32Array;
      const [t, width] = x.shape as [number, number];
      const hd = intAttr(ctx.attrs, "head_dim");
      const rot = rotDims(ctx.attrs);
      const half = rot / 2;
      const base = ctx.attrs.base as number;
      const neox = ctx.attrs.style === "neox";
      const xd = x.data as Float32Array;
      const out = zeros("f32", x.shape);
      out.data.set(xd);
      const inv = new Float64Array(half);
      for (let i = 0; i < half; i++) inv[i] = f32(Math.pow(base, -(2 * i) / rot));
      for (let r = 0; r < t; r++) {
        for (let h = 0; h * hd < width; h++) {
          const b = r * width + h * hd;
          for (let i = 0; i < half; i++) {
            const a = f32(pos[r]! * inv[i]!);
            const c = f32(Math.cos(a));
            const s = f32(Math.sin(a));
            const i0 = b + (neox ? i : 2 * i);
            const i1 = b + (neox ? i + half : 2 * i + 1);
            const x0 = xd[i0]!;
            const x1 = xd[i1]!;
            out.data[i0] = f32(f32(x0 * c) - f32(x1 * s));
            out.data[i1] = f32(f32(x0 * s) + f32(x1 * c));
          }
        }
      }
      return [out];
    },
  },
  {
    name: "attention",
    summary: "causal grouped-query attention over a (cached + new) key/value sequence",
    description:
      "q holds T new tokens, k and v hold all S >= T tokens (the KV cache followed by the new ones), so query t " +
      "sits at position S - T + t and sees keys 0..S-T+t. Head h uses kv head floor(h / (heads / kv_heads)). " +
      "score_j = f32(dot(q, k_j) * scale), the dot summed in f32 in index order; p = softmax over visible j " +
      "(as the softmax op); out = sum_j f32(p_j * v_j) in f32 in order of j. scale defaults to f32(1/sqrt(head_dim)).",
    levels: ["L0", "L1", "L2"],
    operands: [
      { name: "q", doc: "f32[T, heads*head_dim]" },
      { name: "k", doc: "f32[S, kv_heads*head_dim]" },
      { name: "v", doc: "f32[S, kv_heads*head_dim]" },
    ],
    results: ["y"],
    attrs: [
      { name: "heads", kind: "int", doc: "query heads", check: positive },
      { name: "kv_heads", kind: "int", doc: "key/value heads (grouped-query attention)", check: positive },
      { name: "head_dim", kind: "int", doc: "width of one head", check: positive },
      { name: "scale", kind: "float", doc: "score scale; default 1/sqrt(head_dim)", optional: true },
    ],
    infer(ctx: InferContext): TensorType[] {
      const q = required(ctx.operands[0], "q");
      const k = required(ctx.operands[1], "k");
      const v = required(ctx.operands[2], "v");
      for (const [t, n] of [[q, "q"], [k, "k"], [v, "v"]] as const) {
        expectDType(t, ["f32"], n);
        expectRank(t, 2, n, "[tokens, heads*head_dim]");
      }
      const heads = intAttr(ctx.attrs, "heads");
      const kvHeads = intAttr(ctx.attrs, "kv_heads");
      const hd = intAttr(ctx.attrs, "head_dim");
      if (heads % kvHeads !== 0) throw new OpError(`attribute 'heads' (${heads}) must be a multiple of 'kv_heads' (${kvHeads})`);
      expectDimEq(q.shape[1]!, heads * hd, "q width must be heads*head_dim");
      expectDimEq(k.shape[1]!, kvHeads * hd, "k width must be kv_heads*head_dim");
      expectDimEq(v.shape[1]!, kvHeads * hd, "v width must be kv_heads*head_dim");
      expectDimEq(v.shape[0]!, k.shape[0]!, "k and v must have the same length");
      return [q];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const [q, k, v] = ctx.operands as [Tensor, Tensor, Tensor];
      const t = q.shape[0]!;
      const s = k.shape[0]!;
      if (s < t) throw new EvalError(`attention: key length ${s} is shorter than the query length ${t}`);
      const heads = intAttr(ctx.attrs, "heads");
      const kvHeads = intAttr(ctx.attrs, "kv_heads");
      const hd = intAttr(ctx.attrs, "head_dim");
      const scale = f32((ctx.attrs.scale as number | undefined) ?? defaultAttentionScale(hd));
      const group = heads / kvHeads;
      const qd = q.data as Float32Array;
      const kd = k.data as Float32Array;
      const vd = v.data as Float32Array;
      const qw = heads * hd;
      const kw = kvHeads * hd;
      const out = zeros("f32", [t, qw]);
      const p = new Float32Array(s);
      for (let r = 0; r < t; r++) {
        const visible = s - t + r + 1;
        for (let h = 0; h < heads; h++) {
          const kvh = Math.floor(h / group);
          for (let j = 0; j < visible; j++) {
            let dot = 0;
            for (let d = 0; d < hd; d++) dot = f32(dot + f32(qd[r * qw + h * hd + d]! * kd[j * kw + kvh * hd + d]!));
            p[j] = f32(dot * scale);
          }
          softmaxInPlace(p, 0, visible);
          for (let d = 0; d < hd; d++) {
            let acc = 0;
            for (let j = 0; j < visible; j++) acc = f32(acc + f32(p[j]! * vd[j * kw + kvh * hd + d]!));
            out.data[r * qw + h * hd + d] = acc;
          }
        }
      }
      return [out];
    },
  },
];
