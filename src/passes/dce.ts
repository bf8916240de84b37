// dce: removes ops and constants that no graph output depends on.
import type { Graph } from "../../ir/index.js";
import type { Pass } from "./pass.js";

function run(graph: Graph): boolean {
  const live = new Set(graph.outputs.map((o) => o.name));
  const order = graph.topologicalOrder() ?? graph.ops();
  for (const n of [...order].reverse()) if (n.results.some((r) => live.has(r))) for (const v of n.operands) live.add(v);
  let changed = false;
  for (const n of [...order].reverse()) {
    if (n.results.some((r) => live.has(r))) continue;
    graph.removeOp(n);
    changed = true;
  }
  for (const c of graph.consts()) {
    if (live.has(c.name)) continue;
    graph.removeConst(c);
    changed = true;
  }
  return changed;
}

export const dcePass: Pass = {
  name: "dce",
  exact: true,
  summary: "remove ops and constants no output depends on",
  description: "Walks back from the graph outputs; every op and constant not reached is deleted. Inputs stay (they are the interface).",
  run,
};
