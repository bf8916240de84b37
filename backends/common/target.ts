// The target contract: what a backend declares (options, pipeline, supported ops, tolerances) and the three
// things it does (emit an artifact folder, optionally build it, execute it with an optional trace). The driver in
// src/targets/ is written once against this interface; adding a target is a folder and one registry line.
import type { Abi, ConstDecl, Graph, OpNode, SamplingOptions, Tensor } from "../../ir/index.js";
import type { TraceRecord } from "./trace.js";

/** A value of a declared option after parsing: a choice or string, a whole number, or a flag. */
export type OptionValue = string | number | boolean;
export type TargetOptions = Readonly<Record<string, OptionValue | undefined>>;

/**
 * An option a target declares; the CLI builds its flags from these (`ternc compile --target T --help` lists them)
 * and the library takes the same names in an options object.
 */
export interface TargetOptionSpec {
  /** Key in the options object (camelCase): `kernel`, `int8Head`. */
  name: string;
  /** The command-line flag with its value placeholder: `--kernel <kind>`, `--int8-head`. */
  flag: string;
  description: string;
  /** `count`: a whole number >= 1; `number`: a finite number > 0. */
  kind: "choice" | "string" | "count" | "number" | "flag";
  choices?: readonly string[];
  default?: OptionValue;
  /**
   * Which step reads it: `compile` options change the generated files, `build` options the binary built from
   * them, `run` options only a run. A compiled-output cache keys on compile and build options.
   */
  step: "compile" | "build" | "run";
}

/** One pass of a pipeline, with its options (`{pass: "lower-ternary-matmul", options: {cost: "cpu"}}`). */
export interface PipelineEntry {
  pass: string;
  options?: Readonly<Record<string, string>>;
}

/**
 * The lowering every target starts from: quantize, expand bitlinear, fold scales (with `foldScales` options), merge
 * products that share an input, lower the ternary products as `lowering` says, fuse elementwise chains, plan memory.
 * `head` runs first.
 */
export function ternaryPipeline(lowering: Readonly<Record<string, string>>, head: readonly PipelineEntry[] = [], foldScales: Readonly<Record<string, string>> = {}): PipelineEntry[] {
  return [
    ...head,
    { pass: "absmean-quantize" },
    { pass: "expand-bitlinear" },
    { pass: "cse" },
    Object.keys(foldScales).length ? { pass: "fold-scales", options: foldScales } : { pass: "fold-scales" },
    { pass: "merge-shared-products" },
    { pass: "const-fold" },
    // Each backend lays out packed weights itself, so pack-weights is not part of it.
    { pass: "lower-ternary-matmul", options: lowering },
    { pass: "fuse-elementwise" },
    { pass: "dce" },
    { pass: "plan-memory" },
  ];
}

/** What a target says about one op it compiles. */
export interface OpRule {
  /** A condition beyond the op's own verifier (a dtype, a constant operand); returns the problem, if any. */
  check?(node: OpNode, graph: Graph): string | undefined;
  /** Shown by `ternc targets`: the kernel or how the op is computed. */
  note?: string;
}

/** The ops a target compiles, by op name. */
export type OpTable = Readonly<Record<string, OpRule>>;

/** |target - interpreter| <= abs + rel * |interpreter| for float results of one op. */
export interface Tolerance {
  abs: number;
  rel: number;
}

export interface TargetTolerances {
  /** Float results of one op, recomputed by the interpreter from the target's own operands. Integers are exact. */
  op: Tolerance;
  /** The prompt's logits after the whole model: |t - i| <= rel * max(1, max |i|). */
  logitsRel: number;
}

export interface EmitContext {
  abi: Abi;
  /** Reads a constant's data (lazy, blob and inline constants alike). */
  loadConst(c: ConstDecl): Tensor;
  options: TargetOptions;
  /** Where the graph came from and how it was compiled, for the header of generated sources (plain text). */
  banner: string;
  /** Context length a model build uses when its caller gives none. */
  defaultContext: number;
  /** A model's special token ids, where its tokenizer names them (an application stops at eos). */
  specialTokens?: SpecialTokens;
}

/** A model's beginning- and end-of-sequence token ids. */
export interface SpecialTokens {
  bos?: number;
  eos?: number;
}

export interface EmitResult {
  /** Files written into the folder (names relative to it). */
  files: string[];
  /** Target facts for manifest.json (layouts, blob offsets, kernels...). */
  manifest: Record<string, unknown>;
  /** Lines `ternc compile` prints after writing the folder; `{out}` stands for the output folder. */
  summary: string[];
  /** Kernel or form chosen per op result, where the target chooses one. */
  kernels: Record<string, string>;
}

/** Run a model build: prefill `tokens`, then decode, each token chosen by the sampler (ir/sampling.ts). */
export interface ModelRunRequest {
  tokens: number[];
  maxTokens: number;
  context?: number;
  /** Stop after generating any of these. */
  stopTokens?: readonly number[];
  /** Greedy when absent; every target's runtime implements the same sampler, so a seed gives the same tokens. */
  sampling?: SamplingOptions;
  /** Return the logits of every prompt token. */
  promptLogits?: boolean;
  /** Trace every op's results for this many steps (the prefill is step 0). */
  traceSteps?: number;
  /** Told each generated token as soon as it is chosen (to stream it), in every target. */
  onToken?: (token: number, index: number) => void;
}

/**
 * A check a target makes of its own run, beside the interpreter's judgement (a simulated cycle count against the
 * target's cycle model, say). Validation fails when one fails.
 */
export interface TargetCheck {
  what: string;
  ok: boolean;
  detail: string;
}

export interface ModelRunResult {
  generated: number[];
  promptLogits?: Tensor;
  trace?: TraceRecord[];
  prefillSeconds: number;
  decodeSeconds: number;
  /** What ran, for people: `C, avx512-vnni, 2 threads`. */
  engine: string;
  /** The same as data, for reports. */
  facts: Record<string, string | number>;
  checks?: TargetCheck[];
}

/** Run a graph build once on named inputs (symbolic dims bound by the inputs' shapes). */
export interface GraphRunRequest {
  inputs: Record<string, Tensor>;
  trace?: boolean;
}

export interface GraphRunResult {
  outputs: Record<string, Tensor>;
  trace?: TraceRecord[];
  engine: string;
  checks?: TargetCheck[];
}

export interface Target {
  /** The name users type: `--target c`. */
  name: string;
  /** One line for `ternc targets`. */
  summary: string;
  options: readonly TargetOptionSpec[];
  /** The pass pipeline that takes a model graph to what `emit` accepts. */
  pipeline(options: TargetOptions): PipelineEntry[];
  ops: OpTable;
  tolerance: TargetTolerances;
  /** Writes the artifacts of a lowered, verified, legal graph into the empty folder `dir`. */
  emit(graph: Graph, dir: string, ctx: EmitContext): EmitResult;
  /**
   * Turns the artifacts into something runnable (a binary); absent for targets that run their files as they are.
   * A `check` build (validation) treats the toolchain's warnings as errors; a `release` build is what users run.
   */
  build?(dir: string, options: TargetOptions, mode: "release" | "check"): void;
  /**
   * The top-level names a build (or a toolchain run by hand on the folder, `make`) may add to an output folder:
   * exact names or `*.ext`. A later compile replaces a folder holding only these and the manifest's files, and refuses
   * one holding anything else (the user's files).
   */
  buildOutputs?: readonly string[];
  /** True when `dir` holds a finished build of this target (a compiled-output cache may reuse it). */
  isBuilt(dir: string): boolean;
  /** Runs a model build; asynchronous, so a caller goes on while a runner process works (and tokens stream). */
  runModel(dir: string, request: ModelRunRequest, options: TargetOptions): Promise<ModelRunResult>;
  /** True when a build runs in a web page as it is: `ternc serve` serves such a build with the web demo. */
  browserRuntime?: boolean;
  runGraph(dir: string, request: GraphRunRequest, options: TargetOptions): GraphRunResult;
}
