// Reading an op's operands by the names its definition gives them, and checking a whole graph against a target's
// op table before any code is written.
import { type Diagnostic, getOp, type Graph, type OpNode } from "../../ir/index.js";
import type { OpTable } from "./target.js";

/**
 * The operands of `node` by their declared names (`x`, `w`, `scale`...); an omitted optional operand is absent.
 * A variadic op's single declared operand maps to the first value; use `node.operands` for all of them.
 */
export function operandsOf(node: OpNode): Readonly<Record<string, string>> {
  const def = getOp(node.op);
  if (!def) throw new Error(`internal: unknown op '${node.op}'`);
  const out: Record<string, string> = {};
  def.operands.forEach((spec, i) => {
    const v = node.operands[i];
    if (v !== undefined) out[spec.name] = v;
  });
  return out;
}

/** The operand named `name` of `node`, which its op requires. */
export function operand(node: OpNode, name: string): string {
  const v = operandsOf(node)[name];
  if (v === undefined) throw new Error(`internal: %${node.results[0]} (${node.op}) has no operand '${name}'`);
  return v;
}

/** Every op of `graph` that `ops` does not compile, or compiles only under a condition the node breaks. */
export function legalityProblems(graph: Graph, ops: OpTable, target: string, pipelineHint: string): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const node of graph.topologicalOrder() ?? graph.ops()) {
    const rule = Object.hasOwn(ops, node.op) ? ops[node.op] : undefined;
    const what = `%${node.results[0]} = ${node.op}(...)`;
    if (!rule) problems.push({ loc: node.loc, message: `${what}: op '${node.op}' is not supported by target ${target} (${pipelineHint})` });
    else {
      const why = rule.check?.(node, graph);
      if (why) problems.push({ loc: node.loc, message: `${what}: target ${target}: ${why}` });
    }
  }
  return problems;
}
