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

/** Checks a pipeline's pass names, so a typo fails before any pass runs. */
export function checkPipeline(names: readonly string[], instrumentation: Instrumentation = {}): void {
  const known = passNames();
  for (const n of [...names, ...(Array.isArray(instrumentation.printAfter) ? instrumentation.printAfter : []), ...(Array.isArray(instrumentation.printBefore) ? instrumentation.printBefore : [])]) {
    if (!known.includes(n)) throw new UserError(`unknown pass '${n}' (passes: ${known.join(", ")})`);
  }
  if (instrumentation.stopAfter && !names.includes(instrumentation.stopAfter)) {
    throw new UserError(`--stop-after ${instrumentation.stopAfter}: that pass is not in the pipeline (${names.join(", ")})`);
  }
}

/** Runs `names` in order on `graph`; returns what each pass did and how long it took. */
export function runPipeline(graph: Graph, names: readonly string[], ctx: Omit<PassContext, "note">, instrumentation: Instrumentation = {}): PassRecord[] {
  checkPipeline(names, instrumentation);
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
  for (const [i, name] of names.entries()) {
    const pass = getPass(name)!;
    if (selected(instrumentation.printBefore, name)) print(`// ----- IR before ${name} -----\n${text()}`);
    const notes: string[] = [];
    const t0 = performance.now();
    const changed = pass.run(graph, { ...ctx, note: (line) => notes.push(line) });
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
