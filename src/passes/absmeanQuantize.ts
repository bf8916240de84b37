// absmean-quantize: float BitLinear weights become ternary constants plus their scale (DESIGN.md §3).
// Exact: bitlinear with a float weight is defined as bitlinear with absmean(weight), same kernel.
import { absmeanQuantize, asF32, f32, type Graph, shortestFloatText, tensorFromValues } from "../../ir/index.js";
import type { Pass, PassContext } from "./pass.js";

function run(graph: Graph, ctx: PassContext): boolean {
  const done = new Map<string, [string, string]>();
  let changed = false;
  for (const node of graph.ops()) {
    if (node.op !== "bitlinear") continue;
    const w = node.operands[1]!;
    const def = graph.definition(w)?.entity;
    if (def?.kind !== "const" || def.type.dtype === "ternary") continue;
    let names = done.get(w);
    if (!names) {
      const { trits, scale } = absmeanQuantize(asF32(ctx.loadConst(def)));
      names = [graph.freshName(`${w}.ternary`), graph.freshName(`${w}.scale`)];
      graph.addConst(names[0], { dtype: "ternary", shape: def.type.shape }, { kind: "inline", tensor: { dtype: "ternary", shape: def.type.shape as number[], data: trits } });
      graph.addConst(names[1], { dtype: "f32", shape: [] }, { kind: "inline", tensor: tensorFromValues("f32", [], [scale]) });
      const counts = [0, 0, 0];
      for (let i = 0; i < trits.length; i++) counts[trits.get(i) + 1]!++;
      const pct = (c: number): string => `${((100 * c) / Math.max(trits.length, 1)).toFixed(1)}%`;
      ctx.note(`%${w}: scale ${shortestFloatText(scale, f32)}, -1 ${pct(counts[0]!)}, 0 ${pct(counts[1]!)}, +1 ${pct(counts[2]!)}`);
      done.set(w, names);
    }
    graph.replaceOp(node, [{ op: "bitlinear", operands: [node.operands[0]!, names[0], names[1]], results: node.results, attrs: node.attrs, loc: node.loc }]);
    if (graph.users(w).length === 0 && !graph.outputs.some((o) => o.name === w)) graph.removeConst(def);
    changed = true;
  }
  return changed;
}

export const absmeanQuantizePass: Pass = {
  name: "absmean-quantize",
  exact: true,
  summary: "float BitLinear weights to ternary constants plus a per-tensor scale",
  description:
    "For every bitlinear whose weight is a float constant: s = max(mean|W|, 1e-5), Wq = clamp(rne(W / s), -1, 1) " +
    "(the op's own kernel, so the result is bit-exact), and a note per tensor with s and the share of -1, 0 and +1.",
  run,
};
