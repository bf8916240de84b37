// Verifier checks that text cannot produce on its own: programmatic graphs with bad constants or names.
import { describe, expect, it } from "vitest";
import { formatDiagnostic, Graph, IrError, sym, TernaryArray, tensorFromValues, verifyGraph, verifyOrThrow } from "../../ir/index.js";

function messages(g: Graph): string[] {
  return verifyGraph(g).map((d) => d.message);
}

describe("verifier", () => {
  it("rejects constants with symbolic shapes, wrong sizes, wrong dtypes and invalid trit codes", () => {
    const g = new Graph("g");
    g.addConst("a", { dtype: "f32", shape: [sym("T")] }, { kind: "external", path: "w.bin", offset: 0 });
    g.addConst("b", { dtype: "f32", shape: [3] }, { kind: "inline", tensor: tensorFromValues("f32", [2], [1, 2]) });
    g.addConst("c", { dtype: "i8", shape: [2] }, { kind: "inline", tensor: tensorFromValues("f32", [2], [1, 2]) });
    const bad = new TernaryArray(4, Uint8Array.of(0b11_01_00_10));
    g.addConst("d", { dtype: "ternary", shape: [4] }, { kind: "inline", tensor: { dtype: "ternary", shape: [4], data: bad } });
    g.addConst("e", { dtype: "f32", shape: [1] }, { kind: "external", path: "w.bin", offset: -8 });
    g.setOutputs([{ name: "b" }]);
    expect(messages(g)).toEqual([
      "constant %a must have a static shape, got f32[T]",
      "constant %b: f32[3] needs 3 values, got 2",
      "constant %c: data is f32, type says i8",
      "constant %d: element 3 has the invalid ternary code 3",
      "constant %e: blob offset must be a non-negative integer, got -8",
    ]);
  });

  it("names the model file in diagnostics without a line, and gives one per-layer problem once with a count", () => {
    // A graph built from a model file has no source lines: its nine rope ops with an odd width are one problem.
    const g = new Graph("model");
    g.addInput("x", { dtype: "f32", shape: [sym("T"), 8] });
    g.addInput("pos", { dtype: "i32", shape: [sym("T")] });
    for (let i = 0; i < 9; i++) g.addOp({ op: "rope", operands: ["x", "pos"], results: [`r${i}`], attrs: { head_dim: 8, base: 10000, rot_dims: 7 } });
    g.setOutputs([{ name: "r0" }]);
    let error: unknown;
    try {
      verifyOrThrow(g, "m.gguf");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IrError);
    expect((error as IrError).diagnostics.map((d) => formatDiagnostic(d))).toEqual(["m.gguf: 'rope': attribute 'rot_dims' must be even and > 0, got 7 (and 8 more alike)"]);
  });

  it("a graph needs outputs, listed once", () => {
    const g = new Graph("g");
    g.addInput("x", { dtype: "f32", shape: [2] });
    expect(messages(g)).toEqual(["graph @g has no outputs"]);
    g.setOutputs([{ name: "x" }, { name: "x" }]);
    expect(messages(g)).toEqual(["output %x is listed twice"]);
  });

  it("does not cascade: an op fed by a broken op reports nothing of its own", () => {
    const g = new Graph("g");
    g.addInput("x", { dtype: "f32", shape: [2] });
    g.addOp({ op: "softmax", operands: ["x", "x"], results: ["a"] });
    g.addOp({ op: "silu", operands: ["a"], results: ["b"] });
    g.setOutputs([{ name: "b" }]);
    expect(messages(g)).toEqual(["'softmax': expects 1 operands (x), got 2"]);
  });

  it("checks grouped-query head counts and widths", () => {
    const g = new Graph("g");
    g.addInput("q", { dtype: "f32", shape: [sym("T"), 12] });
    g.addInput("k", { dtype: "f32", shape: [sym("T"), 8] });
    g.addOp({ op: "attention", operands: ["q", "k", "k"], results: ["y"], attrs: { heads: 3, kv_heads: 2, head_dim: 4 } });
    g.setOutputs([{ name: "y" }]);
    expect(messages(g)).toEqual(["'attention': attribute 'heads' (3) must be a multiple of 'kv_heads' (2)"]);
  });
});

describe("the fused elementwise op", () => {
  const program = (expr: string, inputs = 2): string[] => {
    const g = new Graph("g");
    for (let i = 0; i < inputs; i++) g.addInput(`x${i}`, { dtype: "f32", shape: [4] });
    g.addOp({ op: "elementwise", operands: Array.from({ length: inputs }, (_, i) => `x${i}`), results: ["y"], attrs: { expr } });
    g.setOutputs([{ name: "y" }]);
    return verifyGraph(g).map((d) => d.message);
  };
  it("accepts well-formed programs and any number of inputs", () => {
    expect(program("$0 relu2 $1 mul")).toEqual([]);
    expect(program("$0 $1 add $2 mul silu", 3)).toEqual([]);
  });
  it("rejects malformed programs with the reason", () => {
    expect(program("$0 $2 add")).toEqual(["'elementwise': attribute 'expr': '$2' refers to input 2, but there are 2"]);
    expect(program("$0 add")).toEqual(["'elementwise': attribute 'expr': 'add' needs two operands"]);
    expect(program("$0 $1")).toEqual(["'elementwise': attribute 'expr': leaves 2 values instead of one"]);
    expect(program("$0 tanh")).toEqual(["'elementwise': attribute 'expr': unknown step 'tanh' (inputs $0, $1, ...; ops silu, relu2, add, mul)"]);
  });
});
