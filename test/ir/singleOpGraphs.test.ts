// The single-op graph generator: every case is a valid one-op graph with the operand forms code generators expect.
import { describe, expect, it } from "vitest";
import { allOps, asF32, evalDim, formatType, interpret, isFloatDType, loadTir, printGraph, type Tensor, tensorToBytes, verifyGraph } from "../../ir/index.js";
import { EXTRA_SINGLE_OP_OPS, SINGLE_OP_OPS, singleOpCases, singleOpGeneratedOps, type SingleOpCase } from "../helpers/singleOpGraphs.js";

/** Operand positions that must be constants (weights) and that must be graph inputs (activations), per op. */
const CONST_OPERANDS: Readonly<Record<string, readonly number[]>> = {
  embedding: [0],
  rmsnorm: [1],
  ternary_matmul_packed: [1],
  ternary_matmul: [1],
  lut_matmul: [1],
  matmul: [1],
  addsub_network: [1, 2],
  dequant: [1],
  dequant_fixed: [1, 2],
};
const INPUT_OPERANDS: Readonly<Record<string, readonly number[]>> = {
  embedding: [1],
  rmsnorm: [0],
  softmax: [0],
  act_quant: [0],
  act_quant_fixed: [0],
  ternary_matmul_packed: [0],
  ternary_matmul: [0],
  lut_build: [0],
  lut_matmul: [0],
  addsub_network: [0],
  dequant: [0, 2],
  dequant_fixed: [0, 3],
  slice: [0],
  rope: [0, 1],
  attention: [0, 1, 2],
  matmul: [0],
  silu: [0],
  relu2: [0],
};

const cases = singleOpCases(1);

function bytesOf(inputs: Record<string, Tensor>): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).map(([n, t]) => [n, `${t.dtype}[${t.shape.join(",")}] ${Buffer.from(tensorToBytes(t)).toString("hex")}`]));
}

function tokensOf(c: SingleOpCase): number {
  return Number(/ T=(\d+)$/.exec(c.name)![1]);
}

describe("single-op graphs", () => {
  it("cover every op of SINGLE_OP_OPS, each with several cases, under unique names", () => {
    const perOp = new Map<string, number>();
    for (const c of cases) perOp.set(c.op, (perOp.get(c.op) ?? 0) + 1);
    for (const op of SINGLE_OP_OPS) expect(perOp.get(op) ?? 0, op).toBeGreaterThanOrEqual(3);
    expect([...perOp.keys()].sort()).toEqual([...SINGLE_OP_OPS].sort());
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it("every op a lowered graph may hold (level L2) has a generator", () => {
    const l2 = allOps()
      .filter((d) => d.levels.includes("L2"))
      .map((d) => d.name);
    expect(singleOpGeneratedOps().sort()).toEqual([...l2].sort());
    expect([...SINGLE_OP_OPS, ...EXTRA_SINGLE_OP_OPS].sort()).toEqual([...l2].sort());
  });

  it("builds only the ops asked for, and rejects unknown ones", () => {
    const some = singleOpCases(1, ["rope", "ternary_matmul"]);
    expect(new Set(some.map((c) => c.op))).toEqual(new Set(["rope", "ternary_matmul"]));
    // A case does not depend on which other ops were generated with it.
    const rope = cases.filter((c) => c.op === "rope");
    expect(some.filter((c) => c.op === "rope").map((c) => [c.name, bytesOf(c.inputs)])).toEqual(rope.map((c) => [c.name, bytesOf(c.inputs)]));
    expect(() => singleOpCases(1, ["no_such_op"])).toThrow(/no generator for op 'no_such_op'/);
  });

  it("the same seed gives the same graphs and inputs; another seed other inputs", () => {
    const again = singleOpCases(1);
    expect(again.map((c) => c.name)).toEqual(cases.map((c) => c.name));
    again.forEach((c, i) => {
      expect(printGraph(c.graph), c.name).toBe(printGraph(cases[i]!.graph));
      expect(bytesOf(c.inputs), c.name).toEqual(bytesOf(cases[i]!.inputs));
    });
    const other = singleOpCases(2, ["matmul"]);
    const mine = cases.filter((c) => c.op === "matmul");
    expect(other.map((c) => bytesOf(c.inputs).x)).not.toEqual(mine.map((c) => bytesOf(c.inputs).x));
  });

  it("add/sub networks reuse shared sums and have zero, negated and single-input rows", () => {
    const stats = { shared: 0, zero: 0, negated: 0, single: 0 };
    for (const c of cases.filter((x) => x.op === "addsub_network")) {
      const data = (name: string): Int32Array => {
        const d = c.graph.consts().find((k) => k.name === name)!.data;
        return (d.kind === "inline" ? d.tensor.data : new Int32Array()) as Int32Array;
      };
      const [program, outputs] = [data("program"), data("outputs")];
      const k = c.graph.inputs()[0]!.type.shape[1] as number;
      const reads = new Map<number, number>();
      for (let j = 0; j < program.length; j += 3) for (const r of [program[j]!, program[j + 1]!]) reads.set(r, (reads.get(r) ?? 0) + 1);
      stats.shared += [...reads].filter(([r, n]) => r >= k && n > 1).length;
      for (let o = 0; o < outputs.length; o += 2) {
        if (outputs[o]! < 0) stats.zero++;
        else if (outputs[o]! < k) stats.single++;
        if (outputs[o + 1] === -1) stats.negated++;
      }
    }
    for (const [what, n] of Object.entries(stats)) expect(n, what).toBeGreaterThan(0);
  });

  for (const c of cases) {
    it(c.name, () => {
      const g = c.graph;
      expect(verifyGraph(g)).toEqual([]);
      const ops = g.ops();
      expect(ops.length).toBe(1);
      const node = ops[0]!;
      expect(node.op).toBe(c.op);
      expect(g.outputs.map((o) => o.name)).toEqual(node.results);

      // Weights are constants, activations inputs; no op output feeds the op.
      const kindOf = (v: string): string | undefined => g.definition(v)?.entity.kind;
      for (const v of node.operands) expect(["input", "const"]).toContain(kindOf(v));
      // Optional operands (dequant's xs) may be left out.
      const present = (i: number): boolean => i < node.operands.length;
      for (const i of (CONST_OPERANDS[c.op] ?? []).filter(present)) expect(kindOf(node.operands[i]!), `operand ${i}`).toBe("const");
      for (const i of (INPUT_OPERANDS[c.op] ?? []).filter(present)) expect(kindOf(node.operands[i]!), `operand ${i}`).toBe("input");
      expect(g.inputs().length).toBeGreaterThan(0);

      // Inputs are [T, static...], and a value is given for each, at the same bound T.
      const tokens = tokensOf(c);
      expect([1, 3, 5, 7]).toContain(tokens);
      expect(Object.keys(c.inputs).sort()).toEqual(g.inputs().map((i) => i.name).sort());
      for (const decl of g.inputs()) {
        const [first, ...rest] = decl.type.shape;
        expect(first, formatType(decl.type)).toEqual({ constant: 0, terms: [["T", 1]] });
        for (const d of rest) expect(typeof d, formatType(decl.type)).toBe("number");
        const t = c.inputs[decl.name]!;
        expect(t.dtype).toBe(decl.type.dtype);
        expect(t.shape).toEqual([tokens, ...rest]);
      }

      const out = interpret(g, c.inputs);
      const bindings = new Map([["T", tokens]]);
      node.results.forEach((r, i) => {
        const y = out[r];
        expect(y, r).toBeDefined();
        expect(y!.shape).toEqual(node.resultTypes[i]!.shape.map((d) => evalDim(d, bindings)));
        // Finite inputs and weights (q6_k scales included) must give finite results.
        if (isFloatDType(y!.dtype)) expect(asF32(y!).every(Number.isFinite), r).toBe(true);
      });

      // The names and data print as .tir and read back the same (backends may go through the text).
      const text = printGraph(g);
      expect(printGraph(loadTir(text, c.name))).toBe(text);
    });
  }
});
