// The .tir printer: a graph to canonical text (inputs, constants, ops in stable topological order,
// outputs). Parsing the text back gives an equal graph, and printing that gives the same text.
import { type DType, isBlockQuantDType } from "../dtype.js";
import type { ConstDecl, Graph, OpNode } from "../graph.js";
import { f32, roundToBf16, roundToF16, shortestFloatText } from "../numeric.js";
import type { AttrValue } from "../ops/opdef.js";
import { getOp } from "../ops/registry.js";
import { type Tensor, TernaryArray, tensorToBytes, toNumbers } from "../tensor.js";
import { formatType } from "../types.js";

const VALUE_NAME = /^[A-Za-z0-9_.]+$/;

function valueName(n: string): string {
  if (!VALUE_NAME.test(n)) throw new Error(`value name '${n}' cannot be printed: use letters, digits, '_' and '.'`);
  return `%${n}`;
}

const ROUND_TRIP: Partial<Record<DType, (v: number) => number>> = { f32, f16: roundToF16, bf16: roundToBf16 };

function numberText(dtype: DType, v: number): string {
  const rt = ROUND_TRIP[dtype];
  return rt ? shortestFloatText(v, rt) : String(v);
}

function sameValue(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

/** Long data prints one row (last dim) per line so large constants stay readable. */
function rowsOf(t: Tensor, cells: string[], separator: string): string[] {
  const rowLen = Math.max(t.shape.length ? t.shape[t.shape.length - 1]! : 1, 1);
  const rows: string[] = [];
  for (let i = 0; i < cells.length; i += rowLen) rows.push(cells.slice(i, i + rowLen).join(separator));
  return rows;
}

/** How to print a graph. */
export interface PrintOptions {
  /** Rewrites blob paths, e.g. to stay correct when the text is written to another folder. */
  blobPath?: (path: string) => string;
  /** Prints a constant as a reference into a blob (one the caller wrote) instead of as it is held. */
  blobOf?: (c: ConstDecl) => { path: string; offset: number } | undefined;
  /**
   * Prints the data of a constant with more elements than this as `elided<...>` (MLIR's --mlir-elide-elementsattrs-if-
   * larger), and a constant still in its model file always: for reading, not for parsing back.
   */
  elideAbove?: number;
}

/** The `elided<...>` form: what the constant holds and where, without its data. */
function elidedText(c: ConstDecl, count: number): string {
  const where = c.data.kind === "lazy" ? ` in ${c.data.source}` : c.data.kind === "inline" && c.data.tensor.data instanceof TernaryArray ? " trits" : "";
  return `elided<"${count} values${where.replaceAll('"', "'")}">`;
}

function constText(c: ConstDecl, indent: string, options: PrintOptions): string {
  const moved = options.blobOf?.(c);
  if (moved) return `blob<${JSON.stringify(moved.path)}, offset = ${moved.offset}>`;
  if (c.data.kind === "external") return `blob<${JSON.stringify(options.blobPath ? options.blobPath(c.data.path) : c.data.path)}, offset = ${c.data.offset}>`;
  const count = c.type.shape.reduce<number>((a, d) => a * (typeof d === "number" ? d : 1), 1);
  if (options.elideAbove !== undefined && (c.data.kind === "lazy" || count > options.elideAbove)) return elidedText(c, count);
  if (c.data.kind === "lazy") {
    throw new Error(`constant %${c.name} is still in its model file (${c.data.source}); write the weights out first (ternc import)`);
  }
  const t = c.data.tensor;
  if (t.data instanceof TernaryArray) {
    const cells = toNumbers(t).map((v) => (v === 1 ? "+" : v === -1 ? "-" : "0"));
    const rows = rowsOf(t, cells, "").map((r) => JSON.stringify(r));
    if (rows.length === 0) return `trits<"">`;
    if (rows.length === 1) return `trits<${rows[0]}>`;
    return `trits<\n${rows.map((r) => `${indent}  ${r}`).join(",\n")}\n${indent}>`;
  }
  if (isBlockQuantDType(t.dtype)) return `blocks<"${Array.from(tensorToBytes(t), (b) => b.toString(16).padStart(2, "0")).join("")}">`;
  const values = toNumbers(t);
  if (values.length > 0 && values.every((v) => sameValue(v, values[0]!))) return `dense<${numberText(t.dtype, values[0]!)}>`;
  const cells = values.map((v) => numberText(t.dtype, v));
  const rows = rowsOf(t, cells, ", ");
  if (values.length <= 16 || rows.length <= 1) return `dense<[${cells.join(", ")}]>`;
  return `dense<[\n${rows.map((r) => `${indent}  ${r}`).join(",\n")}\n${indent}]>`;
}

function attrText(v: AttrValue, kind: string | undefined): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean") return String(v);
  if (kind === "float" || (kind === undefined && !Number.isInteger(v))) {
    const s = Number.isFinite(v) ? String(v) : v > 0 ? "inf" : v < 0 ? "-inf" : "nan";
    return /[.en]/.test(s) ? s : `${s}.0`;
  }
  return String(v);
}

function opText(n: OpNode): string {
  const def = getOp(n.op);
  const order = def ? def.attrs.map((a) => a.name) : [];
  const names = Object.keys(n.attrs).sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    if (ia >= 0 && ib >= 0) return ia - ib;
    if (ia >= 0 || ib >= 0) return ia >= 0 ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const attrs = names.map((a) => `${a} = ${attrText(n.attrs[a]!, def?.attrs.find((s) => s.name === a)?.kind)}`);
  let s = `${n.results.map(valueName).join(", ")} = ${n.op}(${n.operands.map(valueName).join(", ")})`;
  if (attrs.length) s += ` {${attrs.join(", ")}}`;
  if (n.resultTypes.every((t) => t !== undefined)) s += ` : ${n.resultTypes.map((t) => formatType(t!)).join(", ")}`;
  return s;
}

/** Prints a graph as .tir text. Ops come in the graph's stable topological order (insertion order if cyclic). */
export function printGraph(graph: Graph, options: PrintOptions = {}): string {
  const ind = "  ";
  const lines = [`graph @${graph.name} {`];
  for (const i of graph.inputs()) lines.push(`${ind}input ${valueName(i.name)} : ${formatType(i.type)}`);
  for (const c of graph.consts()) lines.push(`${ind}const ${valueName(c.name)} : ${formatType(c.type)} = ${constText(c, ind, options)}`);
  for (const n of graph.topologicalOrder() ?? graph.ops()) lines.push(`${ind}${opText(n)}`);
  if (graph.outputs.length) lines.push(`${ind}output ${graph.outputs.map((o) => valueName(o.name)).join(", ")}`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
