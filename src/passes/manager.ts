// Runs a pipeline of passes with MLIR-style instrumentation: print before/after, print only on change,
// one numbered dump per pass, stop after a pass, verify after each, time each, Graphviz per pass.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Graph, graphToDot, printGraph, verifyGraph } from "../../ir/index.js";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../io/files.js";
import type { PassContext } from "./pass.js";
import { getPass, passNames } from "./registry.js";

export interface Instrumentation {
  printBefore?: readonly string[] | "all";
  printAfter?: readonly string[] | "all";
  /** With printAfter: print only when the pass changed the graph. */
  printAfterChange?: boolean;
  /** Writes `00-input.tir`, `01-<pass>.tir`, ... into this folder. */
  dumpDir?: string;
  stopAfter?: string;
  /** Runs the verifier after every pass (a failure is a bug in that pass). */
  verifyEach?: boolean;
  /** Writes `NN-<pass>.dot` (Graphviz) after every pass into this folder. */
  emitDotDir?: string;
  /** Where printed IR goes. */
  print?: (text: string) => void;
  /** Prints the graph for a file in `dir` (rewriting blob paths); defaults to printGraph. */
  printFor?: (graph: Graph, dir?: string) => string;
  /** Told before each pass runs (for progress). */
  onPass?: (name: string, index: number, total: number) => void;
}

export interface PassRecord {
  pass: string;
  seconds: number;
  changed: boolean;
  notes: string[];
}

function selected(list: readonly string[] | "all" | undefined, name: string): boolean {
  return list === "all" || (list?.includes(name) ?? false);
}

/** A pipeline entry: `name` or `name{key=value,key=value}` (MLIR's syntax for pass options). */
export function parsePipelineEntry(entry: string): { name: string; options: Record<string, string> } {
  const m = /^([a-z0-9-]+)(?:\{(.*)\})?$/.exec(entry.trim());
  if (!m) throw new UserError(`pipeline entry '${entry}': expected name or name{key=value,...}`);
  const options: Record<string, string> = {};
  for (const part of (m[2] ?? "").split(/[,\s]+/).filter(Boolean)) {
    const [k, v] = part.split("=");
    if (!k || v === undefined) throw new UserError(`pipeline entry '${entry}': option '${part}' is not key=value`);
    options[k] = v;
  }
  return { name: m[1]!, options };
}

/** Splits a pipeline string at the commas outside braces: `a,b{x=1,y=2},c`. */
export function splitPipeline(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "{") depth++;
    if (ch === "}") depth--;
    if (ch === "," && depth === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Checks a pipeline's pass names and options, so a typo fails before any pass runs. */
export function checkPipeline(entries: readonly string[], instrumentation: Instrumentation = {}): void {
  const known = passNames();
  const names = entries.map((e) => parsePipelineEntry(e).name);
  for (const e of entries) {
    const { name, options } = parsePipelineEntry(e);
    const pass = getPass(name);
    if (!pass) continue;
    for (const k of Object.keys(options)) {
      if (!pass.options || !(k in pass.options)) throw new UserError(`pass '${name}' has no option '${k}'${pass.options ? ` (options: ${Object.keys(pass.options).join(", ")})` : ""}`);
    }
  }
  for (const n of [...names, ...(Array.isArray(instrumentation.printAfter) ? instrumentation.printAfter : []), ...(Array.isArray(instrumentation.printBefore) ? instrumentation.printBefore : [])]) {
    if (!known.includes(n)) throw new UserError(`unknown pass '${n}' (passes: ${known.join(", ")})`);
  }
  if (instrumentation.stopAfter && !names.includes(instrumentation.stopAfter)) {
    throw new UserError(`--stop-after ${instrumentation.stopAfter}: that pass is not in the pipeline (${names.join(", ")})`);
  }
}

/** Runs `names` in order on `graph`; returns what each pass did and how long it took. */
export function runPipeline(graph: Graph, entries: readonly string[], ctx: Omit<PassContext, "note" | "options">, instrumentation: Instrumentation = {}): PassRecord[] {
  checkPipeline(entries, instrumentation);
  const print = instrumentation.print ?? ((): void => undefined);
  const text = (dir?: string): string => (instrumentation.printFor ? instrumentation.printFor(graph, dir) : printGraph(graph));
  const dump = (index: number, label: string): void => {
    const tag = `${String(index).padStart(2, "0")}-${label}`;
    if (instrumentation.dumpDir) {
      mkdirSync(instrumentation.dumpDir, { recursive: true });
      writeFileAtomic(join(instrumentation.dumpDir, `${tag}.tir`), text(instrumentation.dumpDir));
    }
    if (instrumentation.emitDotDir) {
      mkdirSync(instrumentation.emitDotDir, { recursive: true });
      writeFileAtomic(join(instrumentation.emitDotDir, `${tag}.dot`), graphToDot(graph));
    }
  };
  const initial = verifyGraph(graph);
  if (initial.length) throw new UserError(`the input graph is invalid: ${initial[0]!.message}`);
  dump(0, "input");
  const records: PassRecord[] = [];
  for (const [i, entry] of entries.entries()) {
    const { name, options } = parsePipelineEntry(entry);
    const pass = getPass(name)!;
    instrumentation.onPass?.(name, i, entries.length);
    if (selected(instrumentation.printBefore, name)) print(`// ----- IR before ${name} -----\n${text()}`);
    const notes: string[] = [];
    const t0 = performance.now();
    const changed = pass.run(graph, { ...ctx, options, note: (line) => notes.push(line) });
    const seconds = (performance.now() - t0) / 1000;
    records.push({ pass: name, seconds, changed, notes });
    // Verifying also infers result types, which the next pass reads; a failure is a bug in this pass.
    const diags = verifyGraph(graph);
    if (diags.length && instrumentation.verifyEach) {
      throw new Error(`pass '${name}' produced invalid IR: ${diags.map((d) => d.message).join("; ")}`);
    }
    if (selected(instrumentation.printAfter, name) && (changed || !instrumentation.printAfterChange)) {
      print(`// ----- IR after ${name}${changed ? "" : " (unchanged)"} -----\n${text()}`);
    }
    dump(i + 1, name);
    if (name === instrumentation.stopAfter) break;
  }
  return records;
}

/** The --time-passes table. */
export function timingTable(records: readonly PassRecord[]): string {
  const total = records.reduce((a, r) => a + r.seconds, 0);
  const w = Math.max(4, ...records.map((r) => r.pass.length));
  const rows = records.map((r) => `${r.pass.padEnd(w)}  ${(r.seconds * 1000).toFixed(2).padStart(10)}  ${total ? ((100 * r.seconds) / total).toFixed(1).padStart(5) : "  0.0"}%  ${r.changed ? "changed" : "-"}`);
  return [`${"pass".padEnd(w)}  ${"time (ms)".padStart(10)}  share   graph`, ...rows, `${"total".padEnd(w)}  ${(total * 1000).toFixed(2).padStart(10)}`].join("\n") + "\n";
}
