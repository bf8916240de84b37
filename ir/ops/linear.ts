// Linear layers: full-precision matmul (LM head) and BitLinear (L0), whose reference semantics are
// defined by the L1 kernels so that L0 and its expansion agree bit for bit.
import { BLOCK_QUANT, BLOCK_SUB, blockIntegerCodes, type BlockQuantDType } from "../blockQuant.js";
import { f32 } from "../numeric.js";
import { asF32, type Tensor, TernaryArray } from "../tensor.js";
import type { DType } from "../dtype.js";
import type { TensorType } from "../types.js";
import { expectDimEq, expectDType, expectRank, expectWholeBlocks, required, STORED_FLOAT_DTYPES } from "./checks.js";
import { type EvalContext, type InferContext, type OpDef, OpError, stringAttr } from "./opdef.js";
import { absmeanQuantize, actQuantRows, checkWeightScale, dequantRows, groupAttr, groupCount, inputGroups, ternaryMatmulF32, ternaryMatmulInt } from "./quant.js";

/** Activation quantization modes of bitlinear (`act_quant` attribute). */
export const ACT_QUANT_MODES = ["per_token", "none"] as const;
export type ActQuantMode = (typeof ACT_QUANT_MODES)[number];

/** Shared shape rule of `x[T, k] @ w[n, k]^T -> [T, n]`. */
function inferLinear(x: TensorType, w: TensorType): TensorType[] {
  expectRank(x, 2, "x", "[tokens, features]");
  expectRank(w, 2, "w", "[out, in]");
  expectDimEq(w.shape[1]!, x.shape[1]!, "weight input features must equal the activation features");
  return [{ dtype: "f32", shape: [x.shape[0]!, w.shape[0]!] }];
}

/** The shape rule of a head (matmul, matmul_q8): f32 x times a weight of one of `dtypes`, in whole blocks. */
function inferHead(ctx: InferContext, dtypes: readonly DType[]): TensorType[] {
  const x = required(ctx.operands[0], "x");
  const w = required(ctx.operands[1], "w");
  expectDType(x, ["f32"], "x");
  expectDType(w, dtypes, "w");
  expectWholeBlocks(w, "w");
  return inferLinear(x, w);
}

/**
 * BitLinear semantics on concrete values. A float weight is absmean-quantized first, so
 * `bitlinear(x, W)` and `bitlinear(x, absmean(W), s)` are the same function.
 */
export function bitlinearForward(x: Float32Array, w: Tensor, ws: Float32Array | undefined, mode: ActQuantMode, tokens: number, k: number, n: number, group = k): Float32Array {
  let trits: TernaryArray;
  let scale: Float32Array;
  if (w.dtype === "ternary") {
    trits = w.data as TernaryArray;
    scale = ws!;
  } else {
    const q = absmeanQuantize(asF32(w));
    trits = q.trits;
    scale = Float32Array.of(q.scale);
  }
  const groups = inputGroups(k, group);
  if (mode === "none") return dequantRows(ternaryMatmulF32(x, trits, tokens, k, n, group), undefined, scale, tokens, n, groups);
  const { xq, scale: xs } = actQuantRows(x, tokens, k);
  return dequantRows(ternaryMatmulInt(xq, trits, tokens, k, n, group), xs, scale, tokens, n, groups);
}

/** matmul_q8's semantics (see its description): x [T, k] f32, w [n, k] as q8_0/q6_k bytes. */
export function matmulQ8(x: Float32Array, w: Uint8Array, dtype: BlockQuantDType, tokens: number, k: number, n: number): Float32Array {
  const { block, bytes } = BLOCK_QUANT[dtype];
  const blocks = k / block;
  const quantized = Array.from({ length: tokens }, (_, t) => actQuantRows(x.subarray(t * k, (t + 1) * k), blocks, block));
  const q = new Int8Array(block);
  const sub = new Int8Array(block / BLOCK_SUB);
  const y = new Float32Array(tokens * n);
  for (let o = 0; o < n; o++) {
    for (let b = 0; b < blocks; b++) {
      const d = blockIntegerCodes(dtype, w, (o * blocks + b) * bytes, q, sub);
      for (let t = 0; t < tokens; t++) {
        const { xq, scale } = quantized[t]!;
        let isum = 0;
        for (let i = 0; i < block; i++) isum += sub[i >> 4]! * q[i]! * xq[b * block + i]!;
        y[t * n + o] = f32(y[t * n + o]! + f32(f32(d * scale[b]!) * f32(isum)));
      }
    }
  }
  return y;
}

export const linearOps: OpDef[] = [
  {
    name: "matmul",
    summary: "full-precision x @ w^T (the LM head and other unquantized projections)",
    description: "y[t, o] = sum_i x[t, i] * w[o, i], each product rounded to f32 and summed in f32 in index order. w is [out, in].",
    levels: ["L0", "L1", "L2"],
    operands: [
      { name: "x", doc: "f32[T, k]" },
      { name: "w", doc: "f32/f16/bf16/q8_0/q6_k [n, k]" },
    ],
    results: ["y"],
    attrs: [],
    infer: (ctx) => inferHead(ctx, STORED_FLOAT_DTYPES),
    evaluate(ctx: EvalContext): Tensor[] {
      const x = ctx.operands[0]!;
      const w = ctx.operands[1]!;
      const [t, k] = x.shape as [number, number];
      const n = w.shape[0]!;
      const xd = x.data as Float32Array;
      const wd = asF32(w);
      const y = new Float32Array(t * n);
      for (let r = 0; r < t; r++) {
        for (let o = 0; o < n; o++) {
          let s = 0;
          for (let i = 0; i < k; i++) s = f32(s + f32(xd[r * k + i]! * wd[o * k + i]!));
          y[r * n + o] = s;
        }
      }
      return [{ dtype: "f32", shape: [t, n], data: y }];
    },
  },
  {
    name: "matmul_q8",
    summary: "x @ w^T on a block-quantized weight in integer arithmetic, x quantized to int8 per block (llama.cpp's head)",
    description:
      "The LM head as llama.cpp and bitnet.cpp compute it. w is q8_0 or q6_k with blocks of G = 32 or 256 inputs; " +
      "x is quantized per block of G inputs as act_quant quantizes a row (m = max(max|x|, 1e-5), " +
      "xq = clamp(rne(f32(x * f32(127 / m))), -128, 127), s = f32(m / 127)). Per block b the sum is an integer, " +
      "isum = sum_i sub[i / 16] * q[i] * xq[i] (the block's codes q and integer sub-scales sub: q6_k's 16 int8 " +
      "scales, 1 for q8_0), and y[t, o] = sum over b in order of f32(f32(d * s) * f32(isum)) in f32, d the " +
      "block's f16 scale. A numeric change from matmul on the same weight (see the README's \"integer head\").",
    levels: ["L1", "L2"],
    operands: [
      { name: "x", doc: "f32[T, k]" },
      { name: "w", doc: "q8_0/q6_k [n, k]" },
    ],
    results: ["y"],
    attrs: [],
    infer: (ctx) => inferHead(ctx, ["q8_0", "q6_k"]),
    evaluate(ctx: EvalContext): Tensor[] {
      const x = ctx.operands[0]!;
      const w = ctx.operands[1]!;
      const [t, k] = x.shape as [number, number];
      const n = w.shape[0]!;
      return [{ dtype: "f32", shape: [t, n], data: matmulQ8(x.data as Float32Array, w.data as Uint8Array, w.dtype as BlockQuantDType, t, k, n) }];
    },
  },
  {
    name: "bitlinear",
    summary: "BitNet b1.58 linear layer: int8 activations x ternary weights, rescaled (L0)",
    description:
      "With a ternary w and its scale s: act_quant(x) (per_token) -> ternary_matmul -> dequant, exactly as the " +
      "L1 ops define them. With a float w (no s): w is absmean-quantized first " +
      "(s = max(mean|w|, 1e-5), wq = clamp(rne(f32(w / s)), -1, 1)). act_quant = \"none\" keeps f32 " +
      "activations: y = f32(f32(sum of +-x in index order) * s). With group = G, s is f32[n, k/G] (block " +
      "scales that differ along a row) and the product is kept per group of G inputs, as ternary_matmul and " +
      "dequant define it.",
    levels: ["L0"],
    operands: [
      { name: "x", doc: "f32[T, k]" },
      { name: "w", doc: "ternary[n, k] (with s) or f32/f16/bf16 [n, k] master weight (without s)" },
      { name: "s", doc: "weight scale f32[] or f32[n] (f32[n, k/group] with group); required with a ternary w", optional: true },
    ],
    results: ["y"],
    attrs: [{ name: "act_quant", kind: "string", doc: "activation quantization", default: "per_token", oneOf: ACT_QUANT_MODES }, groupAttr],
    infer(ctx: InferContext): TensorType[] {
      const x = required(ctx.operands[0], "x");
      const w = required(ctx.operands[1], "w");
      const s = ctx.operands[2];
      expectDType(x, ["f32"], "x");
      expectDType(w, ["ternary", "f32", "f16", "bf16"], "w");
      const result = inferLinear(x, w);
      if (w.dtype === "ternary") {
        if (!s) throw new OpError("a ternary weight needs its scale operand 's' (f32[] or f32[n])");
        checkWeightScale(s, w.shape[0]!, "s", groupCount(w.shape[1]!, ctx.attrs.group as number | undefined, "bitlinear"));
      } else if (s) {
        throw new OpError("a float weight is absmean-quantized by the op itself and takes no scale operand");
      } else if (ctx.attrs.group !== undefined) {
        throw new OpError("attribute 'group' needs a ternary weight with group scales");
      }
      return result;
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const x = ctx.operands[0]!;
      const w = ctx.operands[1]!;
      const s = ctx.operands[2];
      const [t, k] = x.shape as [number, number];
      const n = w.shape[0]!;
      const mode = stringAttr(ctx.attrs, "act_quant") as ActQuantMode;
      const y = bitlinearForward(x.data as Float32Array, w, s ? asF32(s) : undefined, mode, t, k, n, (ctx.attrs.group as number | undefined) ?? k);
      return [{ dtype: "f32", shape: [t, n], data: y }];
    },
  },
];
