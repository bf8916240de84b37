// Lowering a graph for a target: its pipeline run through the pass manager, the result verified, and every op
// checked against the target's op table before any code is written.
import { type ConstDecl, type Graph, IrError, type Tensor, verifyOrThrow } from "../../ir/index.js";
import { legalityProblems, type PipelineEntry, type Target, type TargetOptions } from "../../backends/common/index.js";
import { type Instrumentation, runPipeline } from "../passes/manager.js";
import type { Pass } from "../passes/pass.js";
import { getPass } from "../passes/registry.js";

/** A pipeline entry as `ternc opt --passes` writes it: `name` or `name{key=value,...}`. */
export function pipelineText(entries: readonly PipelineEntry[]): string[] {
  return entries.map((e) => {
    const opts = Object.entries(e.options ?? {});
    return opts.length ? `${e.pass}{${opts.map(([k, v]) => `${k}=${v}`).join(",")}}` : e.pass;
  });
}

export interface Lowered {
  pipeline: string[];
  /** Every pass note, `pass: note`. */
  notes: string[];
  /** The notes of lossy passes: what changed numerically. */
  lossy: string[];
  /** The notes of approximate passes: where the arithmetic differs from the model's exact form. */
  approximate: string[];
}

/** Lowers `graph` in place with `pipeline` (the target's unless given) and checks it is legal for the target. */
export function lowerForTarget(graph: Graph, target: Target, options: TargetOptions, loadConst: (c: ConstDecl) => Tensor, pipeline?: readonly PipelineEntry[], onPass?: Instrumentation["onPass"]): Lowered {
  const entries = pipelineText(pipeline ?? target.pipeline(options));
  const records = runPipeline(graph, entries, { loadConst }, { onPass });
  verifyOrThrow(graph);
  const problems = legalityProblems(graph, target.ops, target.name, `the ${target.name} pipeline lowers models to ops it supports; see \`ternc targets\``);
  if (problems.length) throw new IrError(problems);
  const notes = records.flatMap((r) => r.notes.map((n) => `${r.pass}: ${n}`));
  const notesOf = (keep: (p: Pass) => boolean | undefined): string[] =>
    records.filter((r) => keep(getPass(r.pass)!)).flatMap((r) => r.notes.map((n) => `${r.pass}: ${n}`));
  return { pipeline: entries, notes, lossy: notesOf((p) => p.lossy), approximate: notesOf((p) => p.approximate) };
}
