// Each op's reference semantics against values computed by hand (or by an independent formula).
import { describe, expect, it } from "vitest";
import { EvalError, f32, f32FromBits, tensorFromValues } from "../../../ir/index.js";
import { runOp } from "../../helpers/runOp.js";

const t = (shape: number[], values: number[]) => tensorFromValues("f32", shape, values);
const ids = (values: number[]) => tensorFromValues("i32", [values.length], values);

describe("elementwise", () => {
  it("add and mul broadcast like numpy", () => {
    expect(runOp("%y = add(%a, %b)", { a: t([2, 3], [1, 2, 3, 4, 5, 6]), b: t([3], [10, 20, 30]) }).values).toEqual([11, 22, 33, 14, 25, 36]);
    expect(runOp("%y = mul(%a, %b)", { a: t([2, 2], [1, 2, 3, 4]), b: t([], [0.5]) }).values).toEqual([0.5, 1, 1.5, 2]);
    expect(runOp("%y = mul(%a, %b)", { a: t([2, 1], [2, 3]), b: t([1, 3], [1, 10, 100]) })).toEqual({ shape: [2, 3], values: [2, 20, 200, 3, 30, 300] });
  });
  it("silu and relu2", () => {
    // silu(1) = 1 / (1 + e^-1) = 0.7310586; silu(0) = 0; silu(-2) = -2 / (1 + e^2) = -0.23840584
    const s = runOp("%y = silu(%a)", { a: t([3], [1, 0, -2]) }).values;
    expect(s[0]).toBeCloseTo(0.7310586, 6);
    expect(s[1]).toBe(0);
    expect(s[2]).toBeCloseTo(-0.23840584, 6);
    expect(runOp("%y = relu2(%a)", { a: t([4], [-3, 0, 1.5, 4]) }).values).toEqual([0, 0, 2.25, 16]);
  });
});

describe("normalisation", () => {
  it("rmsnorm: x / sqrt(mean(x^2) + eps) * g", () => {
    // Row [3, 4]: mean square 12.5, eps 0.0 would be 3.5355; with eps 3.5: sqrt(16) = 4 -> [0.75, 1] * g [2, 0.5]
    const y = runOp("%y = rmsnorm(%a, %g) {eps = 3.5}", { a: t([1, 2], [3, 4]), g: t([2], [2, 0.5]) }).values;
    expect(y).toEqual([1.5, 0.5]);
  });
  it("softmax subtracts the max (no overflow at 1000)", () => {
    const y = runOp("%y = softmax(%a)", { a: t([2, 3], [1000, 1000, 1000, 0, Math.log(2), Math.log(5)]) }).values;
    expect(y.slice(0, 3).map((v) => v * 3)).toEqual([1, 1, 1].map((v) => expect.closeTo(v, 6)));
    // e^0 : e^ln2 : e^ln5 = 1 : 2 : 5
    expect(y.slice(3)).toEqual([1 / 8, 2 / 8, 5 / 8].map((v) => expect.closeTo(v, 6)));
  });
});

describe("rope", () => {
  // One head of 4 dims at position 1 with base 1: every pair rotates by angle 1*1^(-..) = 1 radian.
  const c = Math.cos(1);
  const s = Math.sin(1);
  it("neox pairs dim i with i + half (rotate-half)", () => {
    const y = runOp('%y = rope(%a, %p) {head_dim = 4, base = 1.0, style = "neox"}', { a: t([1, 4], [1, 2, 3, 4]), p: ids([1]) }).values;
    // pairs (0,2) = (1,3) and (1,3) = (2,4)
    expect(y).toEqual([1 * c - 3 * s, 2 * c - 4 * s, 1 * s + 3 * c, 2 * s + 4 * c].map((v) => expect.closeTo(v, 5)));
  });
  it("interleaved pairs dims (2i, 2i+1)", () => {
    const y = runOp('%y = rope(%a, %p) {head_dim = 4, base = 1.0, style = "interleaved"}', { a: t([1, 4], [1, 2, 3, 4]), p: ids([1]) }).values;
    expect(y).toEqual([1 * c - 2 * s, 1 * s + 2 * c, 3 * c - 4 * s, 3 * s + 4 * c].map((v) => expect.closeTo(v, 5)));
  });
  it("frequencies fall as base^(-2i/d), position 0 is the identity, dims past rot_dims pass through", () => {
    // head_dim 4, base 100: pair 0 angle = pos, pair 1 angle = pos / 10.
    const y = runOp('%y = rope(%a, %p) {head_dim = 4, base = 100.0, style = "interleaved"}', { a: t([2, 4], [1, 0, 1, 0, 1, 0, 1, 0]), p: ids([0, 2]) }).values;
    expect(y.slice(0, 4)).toEqual([1, 0, 1, 0]);
    expect(y.slice(4)).toEqual([Math.cos(2), Math.sin(2), Math.cos(0.2), Math.sin(0.2)].map((v) => expect.closeTo(v, 5)));
    const partial = runOp('%y = rope(%a, %p) {head_dim = 4, base = 1.0, style = "neox", rot_dims = 2}', { a: t([1, 4], [1, 2, 3, 4]), p: ids([1]) }).values;
    expect(partial).toEqual([1 * c - 2 * s, 1 * s + 2 * c, 3, 4].map((v) => expect.closeTo(v, 5)));
  });
});

describe("attention", () => {
  it("causal mask: the first query sees only the first key", () => {
    // 1 head of width 1, scale 1: q = [1, 1], k = [0, ln 3], v = [10, 20].
    // Query 0 sees key 0 only -> 10. Query 1: scores 0 and ln3 -> weights 1/4, 3/4 -> 17.5.
    const y = runOp("%y = attention(%q, %k, %v) {heads = 1, kv_heads = 1, head_dim = 1, scale = 1.0}", {
      q: t([2, 1], [1, 1]),
      k: t([2, 1], [0, Math.log(3)]),
      v: t([2, 1], [10, 20]),
    }).values;
    expect(y).toEqual([10, expect.closeTo(17.5, 4)]);
  });
  it("with a KV cache, new queries sit after the cached keys", () => {
    // S = 3 keys, T = 1 query: it sees all three. Scores 0, 0, ln 2 -> weights 1/4, 1/4, 1/2.
    const y = runOp("%y = attention(%q, %k, %v) {heads = 1, kv_heads = 1, head_dim = 1, scale = 1.0}", {
      q: t([1, 1], [1]),
      k: t([3, 1], [0, 0, Math.log(2)]),
      v: t([3, 1], [4, 8, 16]),
    }).values;
    expect(y[0]).toBeCloseTo(11, 5);
  });
  it("grouped-query heads share kv heads, default scale 1/sqrt(head_dim)", () => {
    // 4 query heads, 2 kv heads, head_dim 4. A single token: softmax over one key = 1, so out = v of the kv head.
    const v = [1, 2, 3, 4, 5, 6, 7, 8];
    const y = runOp("%y = attention(%q, %k, %v) {heads = 4, kv_heads = 2, head_dim = 4}", { q: t([1, 16], new Array(16).fill(1)), k: t([1, 8], new Array(8).fill(1)), v: t([1, 8], v) }).values;
    expect(y).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8]);
  });
  it("scores use scale = 1/sqrt(head_dim) by default", () => {
    // head_dim 4: q.k = 4 for key 1 and 0 for key 0 -> scaled 2 and 0; p = [1, e^2] / (1 + e^2).
    const y = runOp("%y = attention(%q, %k, %v) {heads = 1, kv_heads = 1, head_dim = 4}", {
      q: t([1, 4], [1, 1, 1, 1]),
      k: t([2, 4], [0, 0, 0, 0, 1, 1, 1, 1]),
      v: t([2, 4], [0, 0, 0, 0, 1, 1, 1, 1]),
    }).values;
    const p1 = Math.exp(2) / (1 + Math.exp(2));
    expect(y).toEqual(new Array(4).fill(expect.closeTo(p1, 5)));
  });
  it("a key sequence shorter than the queries is a run-time error", () => {
    expect(() => runOp("%y = attention(%q, %k, %v) {heads = 1, kv_heads = 1, head_dim = 1}", { q: t([2, 1], [1, 1]), k: t([1, 1], [0]), v: t([1, 1], [0]) })).toThrow(EvalError);
  });
});

describe("embedding, matmul, concat, dequant", () => {
  it("embedding looks rows up and rejects ids out of range", () => {
    const table = t([3, 2], [0, 1, 10, 11, 20, 21]);
    expect(runOp("%y = embedding(%tab, %i)", { tab: table, i: ids([2, 0, 2]) }).values).toEqual([20, 21, 0, 1, 20, 21]);
    expect(() => runOp("%y = embedding(%tab, %i)", { tab: table, i: ids([3]) })).toThrow("embedding: token id 3 at position 0 is outside [0, 3)");
  });
  it("embedding decodes f16 and bf16 tables", () => {
    const half = tensorFromValues("f16", [2, 2], [0.1, 2, -3, 65504]);
    expect(runOp("%y = embedding(%tab, %i)", { tab: half, i: ids([0, 1]) }).values).toEqual([0.0999755859375, 2, -3, 65504]);
    const brain = tensorFromValues("bf16", [1, 2], [0.1, 1e30]);
    // 1e30 is f32 0x7149F2CA; its low half 0xF2CA is over half way, so bf16 rounds up to 0x714A.
    expect(runOp("%y = embedding(%tab, %i)", { tab: brain, i: ids([0]) }).values).toEqual([0.10009765625, f32FromBits(0x714a0000)]);
  });
  it("matmul computes x @ w^T with w stored [out, in]", () => {
    const y = runOp("%y = matmul(%x, %w)", { x: t([1, 3], [1, 2, 3]), w: t([2, 3], [1, 0, 0, 1, 1, 1]) }).values;
    expect(y).toEqual([1, 6]);
  });
  it("concat appends along an axis", () => {
    expect(runOp("%y = concat(%a, %b) {axis = 0}", { a: t([1, 2], [1, 2]), b: t([2, 2], [3, 4, 5, 6]) })).toEqual({ shape: [3, 2], values: [1, 2, 3, 4, 5, 6] });
    expect(runOp("%y = concat(%a, %b) {axis = 1}", { a: t([2, 1], [1, 2]), b: t([2, 2], [3, 4, 5, 6]) })).toEqual({ shape: [2, 3], values: [1, 3, 4, 2, 5, 6] });
    expect(runOp("%y = concat(%a, %b) {axis = 0}", { a: t([0, 2], []), b: t([1, 2], [7, 8]) }).values).toEqual([7, 8]);
  });
  it("dequant multiplies by the weight scale, then the activation scale", () => {
    const acc = tensorFromValues("i32", [2, 2], [100, -3, 7, 0]);
    const y = runOp("%y = dequant(%acc, %ws, %xs)", { acc, ws: t([2], [0.5, 2]), xs: t([2], [0.1, 3]) }).values;
    expect(y).toEqual([f32(f32(100 * 0.5) * f32(0.1)), f32(-6 * f32(0.1)), 10.5, 0]);
  });
});
