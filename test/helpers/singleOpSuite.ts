// The single-op suite, run for one target (each target's test file calls it, so the targets run in parallel): each op
// the target declares, in seeded single-op graphs with odd shapes, compiled, built and run, every result compared with
// the interpreter (integers bit for bit, floats within the target's tolerance). A case the target cannot compile must
// be refused by its legality check before any code is written; every declared op must have cases that compile.
import { describe, expect, it } from "vitest";
import { type ConstDecl, constTensor, IrError } from "../../ir/index.js";
import { getTarget } from "../../src/targets/registry.js";
import { validateGraph } from "../../src/targets/validate.js";
import { singleOpCases } from "./singleOpGraphs.js";

export function singleOpSuite(targetName: string): void {
  const target = getTarget(targetName);
  const declared = Object.keys(target.ops);
  const cases = singleOpCases(7, declared);
  describe(`target ${target.name}: every declared op alone`, () => {
    const compiled = new Set<string>();
    it.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
      try {
        const r = validateGraph(c.graph, c.inputs, { target: target.name, loadConst: (d: ConstDecl) => constTensor(d, undefined), source: c.name });
        expect(r.firstMismatch).toBeUndefined();
        expect(r.outputs.every((o) => o.ok)).toBe(true);
        expect(r.checkedTensors).toBeGreaterThan(0);
        expect(r.ok).toBe(true);
        compiled.add(c.op);
      } catch (e) {
        // Only the legality check may refuse a case, and it names the op.
        if (!(e instanceof IrError)) throw e;
        expect(e.message).toContain(c.op);
      }
    });
    it("compiles at least one case of every op it declares", () => {
      expect(declared.filter((op) => !compiled.has(op))).toEqual([]);
    });
  });
}
