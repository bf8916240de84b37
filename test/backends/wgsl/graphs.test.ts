// Plain graphs on the WGSL target beyond the single-op suite: a graph with no token dim (every shader still binds
// what the runtime binds), and rope positions computed inside the graph (the table never read past its end).
import { describe, expect, it } from "vitest";
import { type ConstDecl, constTensor, loadTir, tensorFromValues } from "../../../ir/index.js";
import { validateGraph } from "../../../src/targets/validate.js";

const loadConst = (d: ConstDecl) => constTensor(d, undefined);

describe("WGSL plain graphs", () => {
  it("a graph without symbolic dims (no shader reads T)", () => {
    const g = loadTir(`graph @g {
  input %x : f32[3, 8]
  const %gain : f32[8] = dense<[1, 2, 3, 4, 5, 6, 7, 8]>
  %y = rmsnorm(%x, %gain) {eps = 0.00001}
  %z = silu(%y)
  output %z
}`);
    const x = tensorFromValues("f32", [3, 8], Array.from({ length: 24 }, (_, i) => Math.sin(i) * 3));
    const r = validateGraph(g, { x }, { target: "wgsl", loadConst, source: "static.tir" });
    expect(r.firstMismatch).toBeUndefined();
    expect(r.ok).toBe(true);
  });

  it("rope over positions the graph computes (no input to size the table from)", () => {
    const g = loadTir(`graph @g {
  input %x : f32[T, 8]
  input %p : i32[T]
  %q = rope(%x, %p) {head_dim = 8, base = 10000.0, style = "neox"}
  output %q
}`);
    const x = tensorFromValues("f32", [3, 8], Array.from({ length: 24 }, (_, i) => Math.cos(i)));
    const p = tensorFromValues("i32", [3], [0, 5, 2]);
    const r = validateGraph(g, { x, p }, { target: "wgsl", loadConst, source: "rope.tir" });
    expect(r.firstMismatch).toBeUndefined();
    expect(r.ok).toBe(true);
  });
});
