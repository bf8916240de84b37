// The graph: stable topological order, cycles, forward references, rewriting with replaceOp.
import { describe, expect, it } from "vitest";
import { Graph, printGraph, verifyGraph } from "../../ir/index.js";

function chain(): Graph {
  const g = new Graph("g");
  g.addInput("x", { dtype: "f32", shape: [4] });
  g.addOp({ op: "silu", operands: ["x"], results: ["a"] });
  g.addOp({ op: "relu2", operands: ["x"], results: ["b"] });
  g.addOp({ op: "add", operands: ["a", "b"], results: ["c"] });
  g.setOutputs([{ name: "c" }]);
  return g;
}

describe("Graph", () => {
  it("orders ready ops by insertion, whatever order they were added in", () => {
    const g = new Graph("g");
    g.addOp({ op: "add", operands: ["a", "b"], results: ["c"] }); // uses values defined later
    g.addOp({ op: "relu2", operands: ["x"], results: ["b"] });
    g.addOp({ op: "silu", operands: ["x"], results: ["a"] });
    g.addInput("x", { dtype: "f32", shape: [4] });
    expect(g.topologicalOrder()!.map((n) => n.results[0])).toEqual(["b", "a", "c"]);
    expect(g.users("x").map((n) => n.op)).toEqual(["relu2", "silu"]);
  });

  it("finds cycles, including an op that reads its own result", () => {
    const g = new Graph("g");
    g.addInput("x", { dtype: "f32", shape: [4] });
    g.addOp({ op: "add", operands: ["x", "y"], results: ["y"] });
    expect(g.topologicalOrder()).toBeUndefined();
    expect(g.cycles().map((c) => c.map((n) => n.results[0]))).toEqual([["y"]]);
  });

  it("replaceOp keeps value names, so users follow the new definition", () => {
    const g = chain();
    const silu = g.ops().find((n) => n.op === "silu")!;
    g.replaceOp(silu, [
      { op: "relu2", operands: ["x"], results: ["a.tmp"] },
      { op: "mul", operands: ["a.tmp", "x"], results: ["a"] },
    ]);
    expect(verifyGraph(g)).toEqual([]);
    expect(g.topologicalOrder()!.map((n) => n.op)).toEqual(["relu2", "relu2", "mul", "add"]);
    expect(g.definition("a")!.entity).toMatchObject({ op: "mul" });
  });

  it("replaceAllUses and removeOp rewire and delete", () => {
    const g = chain();
    g.replaceAllUses("c", "a");
    expect(g.outputs.map((o) => o.name)).toEqual(["a"]);
    const add = g.ops().find((n) => n.op === "add")!;
    g.removeOp(add);
    expect(() => g.removeOp(g.ops().find((n) => n.op === "silu")!)).toThrow("%a is still used as a graph output");
    expect(() => g.removeOp(g.ops().find((n) => n.op === "relu2")!)).not.toThrow();
    expect(printGraph(g)).not.toContain("add(");
  });

  it("duplicate definitions are kept for the verifier to report", () => {
    const g = chain();
    g.addInput("x", { dtype: "f32", shape: [4] });
    expect(verifyGraph(g).map((d) => d.message)).toEqual(["value %x is defined more than once"]);
  });
});
