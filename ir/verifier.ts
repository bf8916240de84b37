// The verifier: checks a graph's ops, attributes, types, shapes, dangling values and cycles, and
// fills in every op's result types from the ops' shape rules.
import { type Diagnostic, IrError, type SourceLoc } from "./diagnostics.js";
import { elementCountOf, TernaryArray } from "./tensor.js";
import type { Graph, OpNode } from "./graph.js";
import type { AttrSpec, AttrValue, OpDef } from "./ops/opdef.js";
import { OpError } from "./ops/opdef.js";
import { getOp, withDefaults } from "./ops/registry.js";
import { elementCount, formatType, isStaticType, type TensorType, typeEquals } from "./types.js";

function attrKindOf(v: AttrValue): string {
  return typeof v === "boolean" ? "bool" : typeof v === "string" ? "string" : Number.isInteger(v) ? "int" : "float";
}

function checkAttr(spec: AttrSpec, v: AttrValue): string | undefined {
  const kind = attrKindOf(v);
  const ok = spec.kind === kind || (spec.kind === "float" && kind === "int");
  if (!ok) return `attribute '${spec.name}' must be ${spec.kind === "int" ? "an int" : `a ${spec.kind}`}, got ${JSON.stringify(v)}`;
  if (spec.oneOf && !spec.oneOf.includes(v as string)) {
    return `attribute '${spec.name}' must be one of ${spec.oneOf.map((s) => `"${s}"`).join(", ")}, got ${JSON.stringify(v)}`;
  }
  const problem = spec.check?.(v);
  return problem ? `attribute '${spec.name}' ${problem}, got ${v}` : undefined;
}

/** Checks signature and attributes of one op; returns its definition if they are well-formed. */
function checkSignature(node: OpNode, report: (m: string) => void): OpDef | undefined {
  const def = getOp(node.op);
  if (!def) {
    report(`unknown op '${node.op}'`);
    return undefined;
  }
  let ok = true;
  const fail = (m: string): void => {
    ok = false;
    report(`'${node.op}': ${m}`);
  };
  const min = def.operands.filter((o) => !o.optional).length;
  const max = def.variadic ? Infinity : def.operands.length;
  if (node.operands.length < min || node.operands.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    fail(`expects ${want} operands (${def.operands.map((o) => o.name).join(", ")}), got ${node.operands.length}`);
  }
  if (node.results.length !== def.results.length) {
    fail(`produces ${def.results.length} result${def.results.length === 1 ? "" : "s"} (${def.results.join(", ")}), but ${node.results.length} ${node.results.length === 1 ? "is" : "are"} named`);
  }
  for (const name of Object.keys(node.attrs)) {
    // A dotted name (`plan.buffer`) is a discardable annotation of some pass, not part of the op.
    if (name.includes(".")) continue;
    if (!def.attrs.some((a) => a.name === name)) {
      const known = def.attrs.length ? `it has: ${def.attrs.map((a) => a.name).join(", ")}` : "it has none";
      fail(`unknown attribute '${name}' (${known})`);
    }
  }
  for (const spec of def.attrs) {
    const v = node.attrs[spec.name];
    if (v === undefined) {
      if (spec.default === undefined && !spec.optional) fail(`missing required attribute '${spec.name}' (${spec.kind}: ${spec.doc})`);
      continue;
    }
    const problem = checkAttr(spec, v);
    if (problem) fail(problem);
  }
  return ok ? def : undefined;
}

/**
 * Verifies `graph` and infers the result types of its ops (stored on the nodes). Returns every problem
 * found, each with the source location of the node it concerns; an empty list means the graph is valid.
 */
export function verifyGraph(graph: Graph): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const at = (loc: SourceLoc | undefined, message: string): void => {
    diags.push({ loc, message });
  };

  for (const e of graph.redefinitions) {
    const names = e.kind === "op" ? e.results : [e.name];
    for (const n of names) {
      const first = graph.definition(n)?.entity;
      if (first && first !== e) at(e.loc, `value %${n} is defined more than once${first.loc ? ` (first at line ${first.loc.line})` : ""}`);
    }
  }

  for (const c of graph.consts()) {
    if (!isStaticType(c.type)) {
      at(c.loc, `constant %${c.name} must have a static shape, got ${formatType(c.type)}`);
      continue;
    }
    if (c.data.kind === "inline") {
      const t = c.data.tensor;
      const want = elementCount(c.type.shape as number[]);
      if (t.dtype !== c.type.dtype) at(c.loc, `constant %${c.name}: data is ${t.dtype}, type says ${c.type.dtype}`);
      else if (elementCountOf(t) !== want) at(c.loc, `constant %${c.name}: ${formatType(c.type)} needs ${want} values, got ${elementCountOf(t)}`);
      else if (t.data instanceof TernaryArray) {
        const bad = t.data.firstInvalid();
        if (bad >= 0) at(c.loc, `constant %${c.name}: element ${bad} has the invalid ternary code 3`);
      }
    } else if (c.data.kind === "external" && (!Number.isSafeInteger(c.data.offset) || c.data.offset < 0)) {
      at(c.loc, `constant %${c.name}: blob offset must be a non-negative integer, got ${c.data.offset}`);
    }
  }

  const bad = new Set<OpNode>();
  const defs = new Map<OpNode, OpDef>();
  for (const node of graph.ops()) {
    const report = (m: string): void => at(node.loc, m);
    const def = checkSignature(node, report);
    if (def) defs.set(node, def);
    else bad.add(node);
    for (const v of node.operands) {
      if (!graph.definition(v)) {
        report(`use of undefined value %${v}`);
        bad.add(node);
      }
    }
  }

  const order = graph.topologicalOrder();
  if (!order) {
    for (const cycle of graph.cycles()) {
      const names = cycle.map((n) => `%${n.results[0] ?? "?"} (${n.op})`);
      at(cycle[0]!.loc, `cycle in the graph: ${names.join(" -> ")} -> %${cycle[0]!.results[0] ?? "?"}`);
    }
    return diags;
  }

  for (const node of order) {
    const def = defs.get(node);
    const operandTypes = node.operands.map((v) => graph.typeOf(v));
    if (!def || bad.has(node) || operandTypes.some((t) => t === undefined)) {
      // Its problem is already reported (or an operand's is): inferring on would only echo it.
      node.resultTypes = node.results.map(() => undefined);
      continue;
    }
    let inferred: TensorType[];
    try {
      inferred = def.infer({ operands: operandTypes, attrs: withDefaults(def, node.attrs) });
    } catch (e) {
      if (!(e instanceof OpError)) throw e;
      at(node.loc, `'${node.op}': ${e.message}`);
      node.resultTypes = node.results.map(() => undefined);
      continue;
    }
    node.results.forEach((r, i) => {
      const declared = node.resultTypes[i];
      if (declared && !typeEquals(declared, inferred[i]!)) {
        at(node.loc, `'${node.op}': result %${r} is declared ${formatType(declared)} but the op produces ${formatType(inferred[i]!)}`);
      }
    });
    node.resultTypes = inferred;
  }

  if (graph.outputs.length === 0) at(graph.loc, `graph @${graph.name} has no outputs`);
  const seen = new Set<string>();
  for (const o of graph.outputs) {
    if (!graph.definition(o.name)) at(o.loc, `output %${o.name} is not defined`);
    if (seen.has(o.name)) at(o.loc, `output %${o.name} is listed twice`);
    seen.add(o.name);
  }
  return diags;
}

/**
 * Verifies and throws an `IrError` with every diagnostic if the graph is invalid, each naming `file`. Diagnostics
 * without a line (a graph built from a model file) that say the same thing once per layer are given once, with a
 * count.
 */
export function verifyOrThrow(graph: Graph, file?: string): void {
  const diags = verifyGraph(graph);
  if (!diags.length) return;
  const lineless = new Map<string, number>();
  for (const d of diags) if (!d.loc) lineless.set(d.message, (lineless.get(d.message) ?? 0) + 1);
  const out: Diagnostic[] = [];
  for (const d of diags) {
    if (d.loc) {
      out.push(file && !d.loc.file ? { ...d, loc: { ...d.loc, file } } : d);
      continue;
    }
    const n = lineless.get(d.message);
    if (n === undefined) continue;
    lineless.delete(d.message);
    out.push({ file, message: n > 1 ? `${d.message} (and ${n - 1} more alike)` : d.message });
  }
  throw new IrError(out);
}
