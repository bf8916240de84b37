// fuse-elementwise: chains of add, mul, silu and relu2 whose intermediate values have no other use become
// one `elementwise` op (one pass over memory instead of one per op), bit for bit the same.
import { type Graph, type OpNode, typeEquals } from "../../ir/index.js";
import type { Pass } from "./pass.js";

const FUSIBLE = new Set(["add", "mul", "silu", "relu2"]);

interface Chain {
  inputs: string[];
  tokens: string[];
  absorbed: OpNode[];
}

function run(graph: Graph): boolean {
  const order = graph.topologicalOrder();
  if (!order) return false;
  const chains = new Map<string, Chain>();
  const isOutput = (v: string): boolean => graph.outputs.some((o) => o.name === v);
  for (const n of order) {
    if (!FUSIBLE.has(n.op)) continue;
    const result = n.resultTypes[0]!;
    // Same shape or scalar operands only: broadcasting of other shapes stays with the plain ops.
    if (!n.operands.every((v) => { const t = graph.typeOf(v)!; return t.shape.length === 0 || typeEquals(t, result); })) continue;
    const chain: Chain = { inputs: [], tokens: [], absorbed: [] };
    const input = (v: string): string => {
      let i = chain.inputs.indexOf(v);
      if (i < 0) i = chain.inputs.push(v) - 1;
      return `$${i}`;
    };
    for (const v of n.operands) {
      const inner = chains.get(v);
      const producer = graph.definition(v)?.entity;
      if (inner && producer?.kind === "op" && graph.users(v).length === 1 && !isOutput(v)) {
        chain.tokens.push(...inner.tokens.map((t) => (t[0] === "$" ? input(inner.inputs[Number(t.slice(1))]!) : t)));
        chain.absorbed.push(...inner.absorbed, producer);
      } else chain.tokens.push(input(v));
    }
    chain.tokens.push(n.op);
    chains.set(n.results[0]!, chain);
  }
  const absorbed = new Set([...chains.values()].flatMap((c) => c.absorbed));
  let changed = false;
  for (const n of order) {
    const chain = chains.get(n.results[0]!);
    if (!chain || chain.absorbed.length === 0 || absorbed.has(n)) continue;
    graph.replaceOp(n, [{ op: "elementwise", operands: chain.inputs, results: n.results, attrs: { expr: chain.tokens.join(" ") }, loc: n.loc }]);
    for (const a of [...chain.absorbed].reverse()) graph.removeOp(a);
    changed = true;
  }
  return changed;
}

export const fuseElementwisePass: Pass = {
  name: "fuse-elementwise",
  exact: true,
  summary: "fuse chains of add/mul/silu/relu2 into one elementwise op",
  description:
    "An elementwise op whose operand comes from another elementwise op used nowhere else absorbs it; the chain " +
    "becomes one `elementwise` op with a postfix program (relu2(gate) * up is \"$0 relu2 $1 mul\"). Operands must " +
    "have the result's shape or be scalars. Each step is the same f32 operation, so results are bit for bit the same.",
  run,
};
