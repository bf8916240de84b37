// cse: one op for each distinct computation, one constant for each distinct piece of data.
import { createHash } from "node:crypto";
import { type ConstDecl, formatType, type Graph, tensorToBytes } from "../../ir/index.js";
import type { Pass } from "./pass.js";

/** Identifies a constant's content: its type and data (or where its data lives). */
function constKey(c: ConstDecl): string {
  const where = c.data.kind === "inline" ? createHash("sha256").update(tensorToBytes(c.data.tensor)).digest("hex") : c.data.kind === "external" ? `${c.data.path}@${c.data.offset}` : `lazy:${c.data.source}`;
  return `${formatType(c.type)}|${where}`;
}

function run(graph: Graph): boolean {
  let changed = false;
  const consts = new Map<string, string>();
  for (const c of graph.consts()) {
    const key = constKey(c);
    const first = consts.get(key);
    if (first === undefined) {
      consts.set(key, c.name);
    } else if (!graph.outputs.some((o) => o.name === c.name)) {
      graph.replaceAllUses(c.name, first);
      graph.removeConst(c);
      changed = true;
    }
  }
  const seen = new Map<string, string[]>();
  for (const n of graph.topologicalOrder() ?? []) {
    const attrs = Object.keys(n.attrs)
      .sort()
      .map((k) => `${k}=${JSON.stringify(n.attrs[k])}`);
    const key = `${n.op}(${n.operands.join(",")}){${attrs.join(",")}}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, n.results);
      continue;
    }
    n.results.forEach((r, i) => graph.replaceAllUses(r, first[i]!));
    graph.removeOp(n);
    changed = true;
  }
  return changed;
}

export const csePass: Pass = {
  name: "cse",
  exact: true,
  summary: "merge identical ops and identical constants",
  description:
    "Two ops with the same op, operands and attributes compute the same value: the later one's uses move to the " +
    "first (e.g. the act_quant shared by q, k and v). Constants with the same type and bytes (or the same blob range) " +
    "merge too, e.g. a tied embedding and LM head written twice.",
  run,
};
