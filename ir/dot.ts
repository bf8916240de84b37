// Graphviz (DOT) text of a graph, for looking at its structure: inputs, constants, ops and data edges.
import type { Graph } from "./graph.js";
import { formatType } from "./types.js";

function quote(s: string): string {
  return JSON.stringify(s);
}

/** The graph as a DOT digraph; ops show their name and result types, edges the value they carry. */
export function graphToDot(graph: Graph): string {
  const lines = [`digraph ${quote(graph.name)} {`, "  rankdir=TB;", '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=8];'];
  const producer = new Map<string, string>();
  for (const i of graph.inputs()) {
    lines.push(`  ${quote(`in:${i.name}`)} [shape=ellipse, label=${quote(`%${i.name}\n${formatType(i.type)}`)}];`);
    producer.set(i.name, `in:${i.name}`);
  }
  for (const c of graph.consts()) {
    lines.push(`  ${quote(`const:${c.name}`)} [shape=box, style=filled, fillcolor="#eeeeee", label=${quote(`%${c.name}\n${formatType(c.type)}`)}];`);
    producer.set(c.name, `const:${c.name}`);
  }
  const order = graph.topologicalOrder() ?? graph.ops();
  for (const n of order) {
    const types = n.resultTypes.map((t) => (t ? formatType(t) : "?")).join(", ");
    lines.push(`  ${quote(`op:${n.id}`)} [shape=box, style=rounded, label=${quote(`${n.op}\n${types}`)}];`);
    n.results.forEach((r) => producer.set(r, `op:${n.id}`));
  }
  for (const n of order) {
    for (const v of n.operands) {
      const from = producer.get(v);
      if (from) lines.push(`  ${quote(from)} -> ${quote(`op:${n.id}`)} [label=${quote(`%${v}`)}];`);
    }
  }
  graph.outputs.forEach((o, i) => {
    lines.push(`  ${quote(`out:${i}`)} [shape=ellipse, style=dashed, label=${quote(`output %${o.name}`)}];`);
    const from = producer.get(o.name);
    if (from) lines.push(`  ${quote(from)} -> ${quote(`out:${i}`)};`);
  });
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
