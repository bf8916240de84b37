// `ternc opt`: runs a pass pipeline on a .tir file or a model file and writes the resulting IR.
import { dirname, extname, relative, resolve } from "node:path";
import { type ConstDecl, constTensor, type Graph, printGraph, type Tensor, verifyOrThrow } from "../../ir/index.js";
import { loadIrFile } from "../api.js";
import { UserError } from "../errors.js";
import { constantFiles } from "../io/constantFiles.js";
import { loadModel } from "../frontend/loadModel.js";
import { formatStats, modelStats } from "../stats.js";
import { writeGraphWithBlob } from "../importModel.js";
import { fileBlobReader } from "../io/blobs.js";
import { writeFileAtomic } from "../io/files.js";
import { wholeNumber } from "./modelCommands.js";
import { runPipeline, splitPipeline, timingTable } from "../passes/manager.js";
import { allPasses, DEFAULT_PIPELINES } from "../passes/registry.js";
import { resolveOptions } from "../../backends/common/index.js";
import { pipelineText } from "../targets/lower.js";
import { getTarget, targetNames } from "../targets/registry.js";

/** The interpreter's pipeline, or a compiled target's with its default options. */
function defaultPipeline(name: string): readonly string[] {
  if (name === "interp") return DEFAULT_PIPELINES.interp!;
  const target = getTarget(name);
  return pipelineText(target.pipeline(resolveOptions(target, {})));
}
import { type ActQuantFlag, modelGraph } from "../loadModelGraph.js";
import type { CliIo } from "./io.js";

export interface OptOptions {
  output?: string;
  passes?: string;
  target: string;
  printBefore?: string;
  printAfter?: string;
  printBeforeAll?: boolean;
  printAfterAll?: boolean;
  printAfterChange?: boolean;
  dumpDir?: string;
  stopAfter?: string;
  verifyEach?: boolean;
  timePasses?: boolean;
  emitDot?: string;
  actQuant?: ActQuantFlag;
  allowBlobPath?: string[];
  /** --elide-constants [n] (a string or true), --no-elide-constants (false), or neither (undefined). */
  elideConstants?: string | boolean;
}

/** Constants print in full up to this many elements when eliding. */
export const ELIDE_DEFAULT = 16;

/**
 * The printer's `elideAbove` for `--elide-constants [n]` / `--no-elide-constants`; `byDefault` says whether eliding
 * is on when neither is given (for a model, whose weights fill megabytes of text).
 */
export function elideAbove(flag: string | boolean | undefined, byDefault: boolean): number | undefined {
  if (flag === false || (flag === undefined && !byDefault)) return undefined;
  if (flag === true || flag === undefined) return ELIDE_DEFAULT;
  return wholeNumber(flag, "--elide-constants", 0);
}

const list = (s: string | undefined): string[] | undefined => s?.split(",").map((x) => x.trim()).filter(Boolean);

export function optCommand(input: string, opts: OptOptions, io: CliIo): void {
  const pipeline = opts.passes !== undefined ? splitPipeline(opts.passes) : defaultPipeline(opts.target);
  if (opts.output && extname(opts.output) !== ".tir") throw new UserError(`-o ${opts.output}: the output must be a .tir file`);
  let graph: Graph;
  let blobDir: string;
  if (extname(input) === ".tir") {
    graph = loadIrFile(input);
    blobDir = dirname(resolve(input));
  } else {
    if (!opts.output) throw new UserError("a model file needs -o OUT.tir (its weights are written beside it, to OUT.<hash>.bin, first)");
    graph = modelGraph(loadModel(input), opts.actQuant);
    writeGraphWithBlob(graph, opts.output);
    blobDir = dirname(resolve(opts.output));
  }
  const blobs = fileBlobReader(blobDir, opts.allowBlobPath, extname(input) === ".tir" ? input : opts.output);
  const loadConst = (c: ConstDecl): Tensor => constTensor(c, blobs);
  const outDir = opts.output ? dirname(resolve(opts.output)) : process.cwd();
  const blobPath = (dir?: string) => (p: string): string => relative(resolve(dir ?? outDir), resolve(blobDir, p)) || p;
  // Printed IR is for reading (constants elided as asked); dumped files and the output must parse back (never elided),
  // the large constants passes made written out beside them.
  const elide = elideAbove(opts.elideConstants, extname(input) !== ".tir");
  // One writer per folder: a constant is hashed and written once however many dumps print it.
  const writers = new Map<string, ReturnType<typeof constantFiles>>();
  const writerFor = (dir: string): ReturnType<typeof constantFiles> => writers.get(dir) ?? writers.set(dir, constantFiles(dir)).get(dir)!;
  const printFor = (g: Graph, dir?: string): string => printGraph(g, dir === undefined ? { blobPath: blobPath(), elideAbove: elide } : { blobPath: blobPath(dir), blobOf: writerFor(dir) });
  const records = runPipeline(
    graph,
    pipeline,
    { loadConst },
    {
      printBefore: opts.printBeforeAll ? "all" : list(opts.printBefore),
      printAfter: opts.printAfterAll || opts.printAfterChange ? (list(opts.printAfter) ?? "all") : list(opts.printAfter),
      printAfterChange: opts.printAfterChange,
      dumpDir: opts.dumpDir,
      stopAfter: opts.stopAfter,
      verifyEach: opts.verifyEach,
      emitDotDir: opts.emitDot,
      print: io.stderr,
      printFor,
    },
  );
  for (const r of records) for (const n of r.notes) io.stderr(`${r.pass}: ${n}\n`);
  if (opts.timePasses) io.stderr(timingTable(records));
  verifyOrThrow(graph);
  const text = printGraph(graph, { blobPath: blobPath(), ...(opts.output ? { blobOf: writerFor(outDir) } : {}) });
  if (opts.output) writeFileAtomic(opts.output, text);
  else io.stdout(text);
  // A blob outside the output's folder is read back only where the reader allows it (blobs are confined).
  const outside = [...new Set(graph.consts().flatMap((c) => (c.data.kind === "external" ? [resolve(blobDir, c.data.path)] : [])))].filter((b) => relative(outDir, b).startsWith(".."));
  for (const b of outside) io.stderr(`note: the output names the weight blob ${b}, outside its folder: load it with --allow-blob-path ${dirname(b)}\n`);
}

export function passesCommand(io: CliIo, json = false): void {
  const pipelines = Object.fromEntries(["interp", ...targetNames()].map((target) => [target, defaultPipeline(target)]));
  if (json) {
    const passes = allPasses().map((p) => ({ name: p.name, summary: p.summary, description: p.description, options: p.options ?? {}, lossy: p.lossy === true, approximate: p.approximate === true }));
    io.stdout(`${JSON.stringify({ passes, pipelines }, null, 2)}\n`);
    return;
  }
  for (const p of allPasses()) {
    io.stdout(`${p.name}\n  ${p.summary}\n  ${p.description}\n`);
    for (const [k, v] of Object.entries(p.options ?? {})) io.stdout(`  option ${k}: ${v}\n`);
    io.stdout("\n");
  }
  io.stdout("default pipelines:\n");
  for (const [target, pipeline] of Object.entries(pipelines)) io.stdout(`  ${target}: ${pipeline.join(",")}\n`);
}

/** `ternc stats`: the model's graph before and after the pipeline, costed at one decode step. */
export function statsCommand(input: string, opts: { passes?: string; context: string; json?: boolean; allowBlobPath?: string[] }, io: CliIo): void {
  const context = Number(opts.context);
  if (!Number.isInteger(context) || context < 0) throw new UserError(`--context '${opts.context}': expected a whole number >= 0`);
  const pipeline = opts.passes !== undefined ? splitPipeline(opts.passes) : DEFAULT_PIPELINES.interp!;
  let build: () => Graph;
  let blobDir: string | undefined;
  if (extname(input) === ".tir") {
    build = () => loadIrFile(input);
    blobDir = dirname(resolve(input));
  } else {
    const model = loadModel(input);
    const weights = model.weights();
    build = () => modelGraph(model, "per-token", weights);
  }
  const blobs = blobDir ? fileBlobReader(blobDir, opts.allowBlobPath, input) : undefined;
  const loadConst = (c: ConstDecl): Tensor => constTensor(c, blobs);
  const before = build();
  const after = build();
  runPipeline(after, pipeline, { loadConst });
  const stats = modelStats(before, after, context, loadConst);
  io.stdout(opts.json ? `${JSON.stringify(stats, null, 2)}\n` : formatStats(stats));
}
