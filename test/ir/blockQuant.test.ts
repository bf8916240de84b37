// Block-quantized element types (q8_0, q6_k): storage, decoding, the textual form, and the ops that read them
// (embedding, matmul) computing exactly what they compute on the decoded f32 values.
import { describe, expect, it } from "vitest";
import { asF32, getElement, Graph, interpret, loadTir, printGraph, storageBytes, type Tensor, tensorFromBytes, tensorFromValues, toNumbers, verifyGraph } from "../../ir/index.js";
import { encodeFloats, GGML } from "../../src/frontend/gguf/ggmlTypes.js";
import { Rng } from "../../src/util/random.js";

function quantized(dtype: "q8_0" | "q6_k", rows: number, cols: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const values = Float32Array.from({ length: rows * cols }, () => rng.normal());
  return tensorFromBytes(dtype, [rows, cols], encodeFloats(dtype === "q8_0" ? GGML.Q8_0 : GGML.Q6_K, values));
}

describe.each([
  ["q8_0", 32, 34],
  ["q6_k", 256, 210],
] as const)("%s", (dtype, block, bytes) => {
  const t = quantized(dtype, 3, block * 2, 7);

  it("stores whole blocks and decodes every element the same way, alone or all at once", () => {
    expect(storageBytes(dtype, block * 6)).toBe(bytes * 6);
    const all = asF32(t);
    expect(all).toHaveLength(block * 6);
    expect(new Set(all).size).toBeGreaterThan(block / 4);
    for (const i of [0, 1, block - 1, block, 5 * block + 3]) expect(getElement(t, i)).toBe(all[i]);
    expect(toNumbers(t)).toEqual(Array.from(all));
  });

  it("is made from raw blocks, not values", () => {
    expect(() => tensorFromValues(dtype, [1, block], new Array(block).fill(0))).toThrow(/raw blocks/);
  });

  it("prints as blocks<hex>, reads back equal, and embedding and matmul compute on the decoded values", () => {
    const g = new Graph("g");
    g.addInput("ids", { dtype: "i32", shape: [2] });
    g.addInput("x", { dtype: "f32", shape: [2, block * 2] });
    g.addConst("w", { dtype, shape: [3, block * 2] }, { kind: "inline", tensor: t });
    g.addOp({ op: "embedding", operands: ["w", "ids"], results: ["e"] });
    g.addOp({ op: "matmul", operands: ["x", "w"], results: ["y"] });
    g.setOutputs([{ name: "e" }, { name: "y" }]);
    expect(verifyGraph(g)).toEqual([]);
    const text = printGraph(g);
    expect(text).toContain(`const %w : ${dtype}[3, ${block * 2}] = blocks<"`);
    const back = loadTir(text, "q.tir");
    expect(printGraph(back)).toBe(text);

    const decoded = new Graph("g");
    decoded.addInput("ids", { dtype: "i32", shape: [2] });
    decoded.addInput("x", { dtype: "f32", shape: [2, block * 2] });
    decoded.addConst("w", { dtype: "f32", shape: [3, block * 2] }, { kind: "inline", tensor: { dtype: "f32", shape: [3, block * 2], data: asF32(t) } });
    decoded.addOp({ op: "embedding", operands: ["w", "ids"], results: ["e"] });
    decoded.addOp({ op: "matmul", operands: ["x", "w"], results: ["y"] });
    decoded.setOutputs([{ name: "e" }, { name: "y" }]);
    const rng = new Rng(3);
    const inputs = { ids: tensorFromValues("i32", [2], [2, 0]), x: tensorFromValues("f32", [2, block * 2], Array.from({ length: block * 4 }, () => rng.normal())) };
    const got = interpret(back, inputs);
    const want = interpret(decoded, inputs);
    expect(got.e!.data).toEqual(want.e!.data);
    expect(got.y!.data).toEqual(want.y!.data);
  });

  it("must have rows of whole blocks where an op reads it", () => {
    const g = new Graph("g");
    g.addInput("x", { dtype: "f32", shape: [1, block / 2] });
    g.addConst("w", { dtype, shape: [2, block / 2] }, { kind: "external", path: "w.bin", offset: 0 });
    g.addOp({ op: "matmul", operands: ["x", "w"], results: ["y"] });
    g.setOutputs([{ name: "y" }]);
    expect(verifyGraph(g).map((d) => d.message).join("\n")).toContain(`operand 'w': ${dtype} rows are whole blocks: ${block / 2} is not a multiple of ${block}`);
  });
});
