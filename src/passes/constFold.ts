// const-fold: ops whose operands are all constants are computed now and become constants.
import { elementCount, getOp, type Graph, withDefaults } from "../../ir/index.js";
import type { Pass, PassContext } from "./pass.js";

/** Larger results stay computed at run time rather than bloating the IR. */
const MAX_FOLDED_ELEMENTS = 1 << 16;

function run(graph: Graph, ctx: PassContext): boolean {
  let changed = false;
  for (const n of graph.topologicalOrder() ?? []) {
    const defs = n.operands.map((v) => graph.definition(v)?.entity);
    if (defs.length === 0 || defs.some((d) => d?.kind !== "const")) continue;
    const types = n.resultTypes;
    if (types.some((t) => !t || t.shape.some((d) => typeof d !== "number") || elementCount(t.shape as number[]) > MAX_FOLDED_ELEMENTS)) continue;
    const def = getOp(n.op)!;
    const values = def.evaluate({ operands: defs.map((d) => ctx.loadConst(d as Extract<typeof d, { kind: "const" }>)), attrs: withDefaults(def, n.attrs) });
    const names = n.results.map((r) => graph.freshName(`${r}.folded`));
    names.forEach((name, i) => graph.addConst(name, types[i]!, { kind: "inline", tensor: values[i]! }));
    n.results.forEach((r, i) => graph.replaceAllUses(r, names[i]!));
    graph.removeOp(n);
    changed = true;
  }
  return changed;
}

export const constFoldPass: Pass = {
  name: "const-fold",
  exact: true,
  summary: "compute ops whose operands are all constants",
  description:
    "Runs such an op with its reference semantics (so the result is bit-exact) and replaces it by a constant, " +
    `for results of up to ${MAX_FOLDED_ELEMENTS} elements. Pair it with dce to drop constants left unused.`,
  run,
};
