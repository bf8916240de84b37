// Data movement: embedding lookup and concatenation (appending new keys/values to a KV cache).
import { addDims, dimEquals, formatDim } from "../dims.js";
import { EvalError } from "../diagnostics.js";
import { asF32, type Tensor, zeros } from "../tensor.js";
import { formatType, type TensorType } from "../types.js";
import { expectDType, expectRank, expectWholeBlocks, required, STORED_FLOAT_DTYPES } from "./checks.js";
import { type EvalContext, type InferContext, intAttr, nonNegative, type OpDef, OpError } from "./opdef.js";

export const dataOps: OpDef[] = [
  {
    name: "embedding",
    summary: "token embedding lookup",
    description: "y[t, :] = table[ids[t], :] decoded to f32. An id outside [0, vocab) is a run-time error.",
    levels: ["L0", "L1", "L2"],
    operands: [
      { name: "table", doc: "f32/f16/bf16/q8_0/q6_k [vocab, d]" },
      { name: "ids", doc: "i32[T] token ids" },
    ],
    results: ["y"],
    attrs: [],
    infer(ctx: InferContext): TensorType[] {
      const table = required(ctx.operands[0], "table");
      const ids = required(ctx.operands[1], "ids");
      expectDType(table, STORED_FLOAT_DTYPES, "table");
      expectDType(ids, ["i32"], "ids");
      expectRank(table, 2, "table", "[vocab, d]");
      expectWholeBlocks(table, "table");
      expectRank(ids, 1, "ids", "i32[T]");
      return [{ dtype: "f32", shape: [ids.shape[0]!, table.shape[1]!] }];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const table = ctx.operands[0]!;
      const ids = ctx.operands[1]!.data as Int32Array;
      const [vocab, d] = table.shape as [number, number];
      const values = asF32(table);
      const out = zeros("f32", [ids.length, d]);
      ids.forEach((id, t) => {
        if (id < 0 || id >= vocab) throw new EvalError(`embedding: token id ${id} at position ${t} is outside [0, ${vocab})`);
        out.data.set(values.subarray(id * d, (id + 1) * d), t * d);
      });
      return [out];
    },
  },
  {
    name: "concat",
    summary: "concatenate two tensors along an axis (e.g. KV cache ++ new keys)",
    description: "y = lhs followed by rhs along `axis`; all other dims must match. Any element type.",
    levels: ["L0", "L1", "L2"],
    operands: [
      { name: "lhs", doc: "tensor" },
      { name: "rhs", doc: "tensor of the same element type and rank" },
    ],
    results: ["y"],
    attrs: [{ name: "axis", kind: "int", doc: "axis to concatenate along", default: 0, check: nonNegative }],
    infer(ctx: InferContext): TensorType[] {
      const a = required(ctx.operands[0], "lhs");
      const b = required(ctx.operands[1], "rhs");
      const axis = intAttr(ctx.attrs, "axis");
      if (a.dtype !== b.dtype || a.shape.length !== b.shape.length) {
        throw new OpError(`operands must have the same element type and rank, got ${formatType(a)} and ${formatType(b)}`);
      }
      if (a.dtype === "ternary") throw new OpError("ternary tensors are weights and cannot be concatenated");
      if (axis >= a.shape.length) throw new OpError(`attribute 'axis' (${axis}) must be < rank ${a.shape.length}`);
      const shape = a.shape.map((d, i) => {
        if (i === axis) return addDims(d, b.shape[i]!);
        if (!dimEquals(d, b.shape[i]!)) throw new OpError(`dim ${i} differs: ${formatDim(d)} vs ${formatDim(b.shape[i]!)}`);
        return d;
      });
      return [{ dtype: a.dtype, shape }];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const a = ctx.operands[0]!;
      const b = ctx.operands[1]!;
      const axis = intAttr(ctx.attrs, "axis");
      const shape = a.shape.map((d, i) => (i === axis ? d + b.shape[i]! : d));
      const out = zeros(a.dtype, shape);
      const outer = a.shape.slice(0, axis).reduce((x, y) => x * y, 1);
      const ia = a.shape.slice(axis).reduce((x, y) => x * y, 1);
      const ib = b.shape.slice(axis).reduce((x, y) => x * y, 1);
      const od = out.data as Float32Array;
      const ad = a.data as Float32Array;
      const bd = b.data as Float32Array;
      for (let o = 0; o < outer; o++) {
        od.set(ad.subarray(o * ia, (o + 1) * ia), o * (ia + ib));
        od.set(bd.subarray(o * ib, (o + 1) * ib), o * (ia + ib) + ia);
      }
      return [out];
    },
  },
  {
    name: "slice",
    summary: "a contiguous range along one axis (e.g. q, k and v out of one merged product)",
    description: "y = x[..., start : start + size, ...] along `axis`.",
    levels: ["L0", "L1", "L2"],
    operands: [{ name: "x", doc: "tensor" }],
    results: ["y"],
    attrs: [
      { name: "axis", kind: "int", doc: "axis to slice", check: nonNegative },
      { name: "start", kind: "int", doc: "first index", check: nonNegative },
      { name: "size", kind: "int", doc: "number of indices", check: nonNegative },
    ],
    infer(ctx: InferContext): TensorType[] {
      const x = required(ctx.operands[0], "x");
      const axis = intAttr(ctx.attrs, "axis");
      const start = intAttr(ctx.attrs, "start");
      const size = intAttr(ctx.attrs, "size");
      if (x.dtype === "ternary") throw new OpError("ternary tensors are weights and cannot be sliced at run time");
      if (axis >= x.shape.length) throw new OpError(`attribute 'axis' (${axis}) must be < rank ${x.shape.length}`);
      const d = x.shape[axis]!;
      if (typeof d !== "number") throw new OpError(`the sliced axis must be static, got ${formatDim(d)}`);
      if (start + size > d) throw new OpError(`slice [${start}, ${start + size}) is outside the axis of ${d}`);
      return [{ dtype: x.dtype, shape: x.shape.map((v, i) => (i === axis ? size : v)) }];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const x = ctx.operands[0]!;
      const axis = intAttr(ctx.attrs, "axis");
      const start = intAttr(ctx.attrs, "start");
      const size = intAttr(ctx.attrs, "size");
      const shape = x.shape.map((v, i) => (i === axis ? size : v));
      const out = zeros(x.dtype, shape);
      const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
      const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const src = x.data as Float32Array;
      const dst = out.data as Float32Array;
      for (let o = 0; o < outer; o++) dst.set(src.subarray((o * x.shape[axis]! + start) * inner, (o * x.shape[axis]! + start + size) * inner), o * size * inner);
      return [out];
    },
  },
];
