// `ternc validate` for any target: compile, build and run the target's output on seeded tokens (or a plain graph
// on given inputs), and judge it against the interpreter. Every op the target ran is recomputed by the interpreter
// from the target's own operands: integer results (int8 activations, int32 accumulators) must match bit for bit,
// float results within the tolerance the target declares. Then the whole run: the prompt's logits within a
// tolerance and the same tokens, greedy or sampled with the same seed (a model), or every output (a graph). The
// reference is the interpreter running the graph the target's pipeline lowered, so a target whose pipeline is
// approximate (fixed-point requantization) is judged against the arithmetic it was asked to do.
import { join } from "node:path";
import { type ConstDecl, type Graph, getOp, interpret, lastRow, LOGITS, type ModelAbi, type OpNode, POSITIONS, Sampler, type SamplingOptions, type Tensor, tensorFromValues, TOKENS, withDefaults, zeros } from "../../ir/index.js";
import { type OptionValue, type PipelineEntry, resolveOptions, type Target, type TargetCheck, type TargetOptions, type Tolerance, type TraceRecord, withTempDir } from "../../backends/common/index.js";
import { UserError } from "../errors.js";
import { generate, samplingText } from "../generate.js";
import { loadModelGraph, type ModelSourceOptions } from "../loadModelGraph.js";
import { Rng } from "../util/random.js";
import { emitToFolder } from "./compile.js";
import { lowerForTarget } from "./lower.js";
import { getTarget } from "./registry.js";

export interface ValidateOptions extends ModelSourceOptions {
  target: string;
  options?: Readonly<Record<string, OptionValue | undefined>>;
  /** Decode steps compared (and traced op by op: the first `tracedSteps`). */
  steps: number;
  /** How tokens are chosen, in the target and in the interpreter (greedy when absent). */
  sampling?: SamplingOptions;
  tracedSteps?: number;
  tokens?: number[];
  promptLength?: number;
  seed?: number;
  /** Keep the generated sources and build here instead of a temporary folder. */
  keepDir?: string;
  /** Called with progress lines. */
  log?: (line: string) => void;
  /** Passes instead of the target's default pipeline. */
  pipeline?: readonly PipelineEntry[];
}

export interface TensorCheck {
  name: string;
  op: string;
  step: number;
  dtype: string;
  exact: boolean;
  maxAbs: number;
  ok: boolean;
  /** For a result that differs: its first element out of tolerance. */
  first?: FirstDifference;
}

/** What every validation reports: the op-by-op check of the traced run. */
export interface OpChecks {
  ok: boolean;
  target: string;
  /** The first op whose result differs from the interpreter's on the same operands, if any. */
  firstMismatch?: string;
  checkedTensors: number;
  integerTensors: number;
  maxFloatError: number;
  kernels: Record<string, string>;
  engine: string;
  /** The target's checks of its own run (cycles against its cycle model...). */
  targetChecks: TargetCheck[];
}

export interface ValidationReport extends OpChecks {
  logits: { maxAbs: number; maxRel: number; tolerance: number; ok: boolean };
  /** Integer tensors equal end to end (target run vs interpreter run), out of those traced. */
  endToEndIntegerEqual: { equal: number; total: number; firstDifferent?: string };
  tokens: { prompt: number[]; compiled: number[]; interpreter: number[]; ok: boolean; sampling?: SamplingOptions };
  /**
   * With sampling: each traced step's choice made again by ternc's sampler from the target's own logits, and
   * compared with the token the target chose (the same random stream and the same choices, whatever the logits).
   */
  sampler?: { checked: number; ok: boolean; firstDifferent?: string };
  facts: Record<string, string | number>;
}

export interface GraphValidationReport extends OpChecks {
  outputs: Array<{ name: string; maxAbs: number; ok: boolean }>;
}

const isInt = (t: Tensor): boolean => t.dtype === "i8" || t.dtype === "i32";

/** Where two values first differ beyond the tolerance: the element's index per dim, and both values. */
export interface FirstDifference {
  at: number[];
  got: number;
  want: number;
}

function indexOf(flat: number, shape: readonly number[]): number[] {
  const at: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    at.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return at;
}

function compare(got: Tensor, ref: Tensor, tol: Tolerance): { maxAbs: number; ok: boolean; first?: FirstDifference } {
  if (got.shape.length !== ref.shape.length || got.shape.some((d, i) => d !== ref.shape[i]) || got.dtype !== ref.dtype) return { maxAbs: Infinity, ok: false };
  const a = got.data as ArrayLike<number>;
  const b = ref.data as ArrayLike<number>;
  let maxAbs = 0;
  let first: FirstDifference | undefined;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
    if (!first && (isInt(ref) ? d !== 0 : !(d <= tol.abs + tol.rel * Math.abs(b[i]!)))) first = { at: indexOf(i, ref.shape), got: a[i]!, want: b[i]! };
  }
  return { maxAbs, ok: !first, ...(first ? { first } : {}) };
}

/**
 * Recomputes every traced op from the target's own operands: `operand(name, step)` gives a value the trace does
 * not hold (graph inputs, constants); traced values are taken from the trace.
 */
export function checkOps(graph: Graph, trace: readonly TraceRecord[], tol: Tolerance, operandOf: (name: string, step: number, traced: (key: string) => Tensor | undefined) => Tensor): TensorCheck[] {
  const byKey = new Map(trace.map((r) => [`${r.step}/${r.name}`, r.tensor]));
  const steps = Math.max(-1, ...trace.map((r) => r.step)) + 1;
  const order = graph.topologicalOrder()!;
  const checks: TensorCheck[] = [];
  for (let step = 0; step < steps; step++) {
    const operand = (name: string): Tensor => byKey.get(`${step}/${name}`) ?? operandOf(name, step, (k) => byKey.get(k));
    for (const node of order) {
      if (!node.results.every((r) => byKey.has(`${step}/${r}`))) continue;
      const def = getOp(node.op)!;
      const results = def.evaluate({ operands: node.operands.map(operand), attrs: withDefaults(def, node.attrs) });
      node.results.forEach((r, i) => {
        const { maxAbs, ok, first } = compare(byKey.get(`${step}/${r}`)!, results[i]!, tol);
        checks.push({ name: r, op: node.op, step, dtype: results[i]!.dtype, exact: isInt(results[i]!), maxAbs, ok, ...(first ? { first } : {}) });
      });
    }
  }
  return checks;
}

export function describeOp(graph: Graph, check: TensorCheck, tol: Tolerance, model: boolean): string {
  const node = graph.definition(check.name)?.entity as OpNode | undefined;
  const where = node?.loc ? ` (${node.loc.file ?? ""}:${node.loc.line})` : "";
  const what = check.exact ? "differs (integer results must match bit for bit)" : `differs by up to ${check.maxAbs.toExponential(3)} (tolerance ${tol.abs} + ${tol.rel} * |x|)`;
  const when = model ? ` at step ${check.step}${check.step === 0 ? " (prefill)" : " (decode)"}` : "";
  // A model's values are [token, feature]: name both, so a hardware engineer finds the row and the token.
  const at = check.first ? `; first at [${check.first.at.join(", ")}]${model && check.first.at.length === 2 ? ` (token ${check.first.at[0]}, output ${check.first.at[1]})` : ""}: ${check.first.got}, the interpreter ${check.first.want}` : "";
  return `%${check.name} = ${check.op}(...)${when}${where}: ${what}${at}`;
}

/** Constants read once each, however many steps use them. */
function cachedConsts(graph: Graph, load: (c: ConstDecl) => Tensor): (name: string) => Tensor {
  const cache = new Map<string, Tensor>();
  return (name) => {
    let t = cache.get(name);
    if (!t) cache.set(name, (t = load(graph.definition(name)!.entity as ConstDecl)));
    return t;
  };
}

function opSummary(target: Target, graph: Graph, checks: TensorCheck[], model: boolean): Pick<OpChecks, "firstMismatch" | "checkedTensors" | "integerTensors" | "maxFloatError"> {
  const firstBad = checks.find((c) => !c.ok);
  return {
    ...(firstBad ? { firstMismatch: describeOp(graph, firstBad, target.tolerance.op, model) } : {}),
    checkedTensors: checks.length,
    integerTensors: checks.filter((c) => c.exact).length,
    maxFloatError: Math.max(0, ...checks.filter((c) => !c.exact).map((c) => c.maxAbs)),
  };
}

/** A temporary (or kept) folder for a validation's build. */
const withBuildDir = <R>(keepDir: string | undefined, f: (dir: string) => R): R => withTempDir("ternc-validate-", f, keepDir);

/** Compiles, builds and runs the model at `path` for a target and compares it with the interpreter. */
export async function validateModel(path: string, o: ValidateOptions): Promise<ValidationReport> {
  const log = o.log ?? (() => {});
  const target = getTarget(o.target);
  const options = resolveOptions(target, o.options ?? {});
  const loaded = loadModelGraph(path, o);
  const lowered = lowerForTarget(loaded.graph, target, options, loaded.loadConst, o.pipeline);
  const { graph, abi } = loaded;
  const rng = new Rng(o.seed ?? 1);
  const prompt = o.tokens ?? Array.from({ length: o.promptLength ?? 5 }, () => Math.floor(rng.next() * abi.vocab));
  const bad = prompt.find((t) => t < 0 || t >= abi.vocab);
  if (bad !== undefined) throw new UserError(`--tokens: token id ${bad} is outside the vocabulary (${abi.vocab} tokens)`);
  const tracedSteps = o.tracedSteps ?? 2;
  return withBuildDir(o.keepDir, async (dir) => {
    const out = join(dir, "model");
    const { emitted } = emitToFolder(graph, out, { target, options, loadConst: loaded.loadConst, lowered, source: path, defaultContext: prompt.length + o.steps + 8 });
    log(`compiled ${path} for ${target.name}`);
    target.build?.(out, options, "check");
    log(`built; running it on ${prompt.length} prompt tokens and ${o.steps} steps`);
    const run = await target.runModel(out, { tokens: prompt, maxTokens: o.steps, promptLogits: true, traceSteps: tracedSteps, ...(o.sampling ? { sampling: o.sampling } : {}) }, options);
    log(`ran ${run.engine}: ${run.generated.length} tokens`);
    log(`checking every op of the first ${tracedSteps} steps against the interpreter, then its own run of ${o.steps} steps`);
    const loadConst = cachedConsts(graph, loaded.loadConst);
    const checks = checkOps(graph, run.trace ?? [], target.tolerance.op, (name, step, traced) => modelOperand(graph, abi, name, step, prompt, run.generated, traced, loadConst));

    // The interpreter's own run, end to end.
    let step = 0;
    const reference = new Map<string, Tensor>();
    const ref = generate(graph, prompt, o.steps, {
      blobs: loaded.blobs,
      ...(o.sampling ? { sampling: o.sampling } : {}),
      onStep: (s) => (step = s),
      onValue: (name, value) => {
        if (step < tracedSteps && isInt(value)) reference.set(`${step}/${name}`, value);
      },
    });
    let equal = 0;
    let total = 0;
    let firstDifferent: string | undefined;
    for (const r of run.trace ?? []) {
      const want = reference.get(`${r.step}/${r.name}`);
      if (!want) continue;
      total++;
      if (compare(r.tensor, want, target.tolerance.op).ok) equal++;
      else firstDifferent ??= `%${r.name} at step ${r.step}`;
    }
    const iLogits = ref.promptLogits.data as Float32Array;
    const tLogits = (run.promptLogits?.data as Float32Array | undefined) ?? new Float32Array(0);
    let maxAbs = tLogits.length === iLogits.length ? 0 : Infinity;
    let scale = 1;
    for (let i = 0; i < iLogits.length; i++) scale = Math.max(scale, Math.abs(iLogits[i]!));
    for (let i = 0; i < iLogits.length && i < tLogits.length; i++) maxAbs = Math.max(maxAbs, Math.abs(tLogits[i]! - iLogits[i]!));
    const logitsOk = maxAbs <= target.tolerance.logitsRel * scale;
    const tokensOk = run.generated.length === ref.generated.length && run.generated.every((t, i) => t === ref.generated[i]);
    const ops = opSummary(target, graph, checks, true);
    const sampler = o.sampling ? replaySampler(o.sampling, prompt, run.generated, run.trace ?? []) : undefined;
    return {
      // The target's own run must also agree end to end: every integer tensor it traced equals the interpreter's.
      ok: !ops.firstMismatch && logitsOk && tokensOk && equal === total && (run.checks ?? []).every((c) => c.ok) && (sampler?.ok ?? true),
      target: target.name,
      ...ops,
      logits: { maxAbs, maxRel: maxAbs / scale, tolerance: target.tolerance.logitsRel, ok: logitsOk },
      endToEndIntegerEqual: { equal, total, ...(firstDifferent ? { firstDifferent } : {}) },
      tokens: { prompt, compiled: run.generated, interpreter: ref.generated, ok: tokensOk, ...(o.sampling ? { sampling: o.sampling } : {}) },
      kernels: emitted.kernels,
      engine: run.engine,
      targetChecks: run.checks ?? [],
      facts: run.facts,
      ...(sampler ? { sampler } : {}),
    };
  });
}

/** ternc's sampler run again on the logits the target traced, step by step along the target's own tokens. */
export function replaySampler(sampling: SamplingOptions, prompt: readonly number[], generated: readonly number[], trace: readonly TraceRecord[]): NonNullable<ValidationReport["sampler"]> {
  const sampler = new Sampler(sampling);
  for (const t of prompt) sampler.accept(t);
  let checked = 0;
  let firstDifferent: string | undefined;
  for (let step = 0; step < generated.length; step++) {
    const logits = trace.find((r) => r.step === step && r.name === LOGITS)?.tensor;
    if (!logits) break;
    const choice = sampler.sample(lastRow(logits));
    checked++;
    if (choice !== generated[step]) firstDifferent ??= `step ${step}: the target chose ${generated[step]}, ternc's sampler ${choice} on the same logits`;
    sampler.accept(generated[step]!);
  }
  return { checked, ok: checked > 0 && !firstDifferent, ...(firstDifferent ? { firstDifferent } : {}) };
}

/** A model's operand the trace does not hold: the step's tokens and positions, a KV cache, or a constant. */
function modelOperand(graph: Graph, abi: ModelAbi, name: string, step: number, prompt: number[], generated: number[], traced: (key: string) => Tensor | undefined, loadConst: (name: string) => Tensor): Tensor {
  // Without a KV cache every step runs the whole sequence so far.
  const whole = abi.caches.length === 0;
  const tokens = step === 0 ? prompt : whole ? [...prompt, ...generated.slice(0, step)] : [generated[step - 1]!];
  const start = step === 0 || whole ? 0 : prompt.length + step - 1;
  if (name === TOKENS) return tensorFromValues("i32", [tokens.length], tokens);
  if (name === POSITIONS) return tensorFromValues("i32", [tokens.length], tokens.map((_, i) => start + i));
  const cache = abi.caches.find((c) => c.input === name);
  if (cache) return (step > 0 && traced(`${step - 1}/${cache.next}`)) || zeros("f32", [0, cache.width]);
  if (graph.definition(name)?.entity.kind === "const") return loadConst(name);
  throw new Error(`internal: no traced value for %${name} at step ${step}`);
}

export interface ValidateGraphOptions {
  target: string;
  options?: Readonly<Record<string, OptionValue | undefined>>;
  /** Passes to run first (default: none; the graph is compiled as it is, after plan-memory). */
  pipeline?: readonly PipelineEntry[];
  loadConst: (c: ConstDecl) => Tensor;
  source: string;
  keepDir?: string;
}

/** Compiles a plain graph (any named inputs and outputs) for a target, runs it on `inputs` and judges every op and output. */
export function validateGraph(graph: Graph, inputs: Record<string, Tensor>, o: ValidateGraphOptions): GraphValidationReport {
  const target = getTarget(o.target);
  const options: TargetOptions = resolveOptions(target, o.options ?? {});
  const lowered = lowerForTarget(graph, target, options, o.loadConst, o.pipeline ?? [{ pass: "plan-memory" }]);
  return withBuildDir(o.keepDir, (dir) => {
    const out = join(dir, "graph");
    const { emitted } = emitToFolder(graph, out, { target, options, loadConst: o.loadConst, lowered, source: o.source, sourceHash: "-", defaultContext: 1 });
    target.build?.(out, options, "check");
    const run = target.runGraph(out, { inputs, trace: true }, options);
    const loadConst = cachedConsts(graph, o.loadConst);
    const checks = checkOps(graph, run.trace ?? [], target.tolerance.op, (name) => {
      if (Object.hasOwn(inputs, name)) return inputs[name]!;
      if (graph.definition(name)?.entity.kind === "const") return loadConst(name);
      throw new Error(`internal: no value for %${name}`);
    });
    const reference = interpret(graph, inputs);
    const outputs = graph.outputs.map(({ name }) => {
      const got = run.outputs[name];
      const { maxAbs, ok } = got ? compare(got, reference[name]!, target.tolerance.op) : { maxAbs: Infinity, ok: false };
      return { name, maxAbs, ok };
    });
    const ops = opSummary(target, graph, checks, false);
    const targetChecks = run.checks ?? [];
    return { ok: !ops.firstMismatch && outputs.every((x) => x.ok) && targetChecks.every((c) => c.ok), target: target.name, ...ops, outputs, kernels: emitted.kernels, engine: run.engine, targetChecks };
  });
}

/** The report as the lines `ternc validate` prints. */
export function formatValidation(path: string, r: ValidationReport): string {
  const kernels = [...new Set(Object.values(r.kernels))].join(", ") || "none";
  const lines = [
    `${r.ok ? "PASS" : "FAIL"}: ${path} on ${r.engine} (kernels ${kernels})`,
    `  ops:     ${r.checkedTensors} results recomputed from the ${r.target} operands; ${r.integerTensors} integer results bit-exact${r.firstMismatch ? " up to the first mismatch" : ""}; float max abs error ${r.maxFloatError.toExponential(2)}`,
    `  run:     ${r.endToEndIntegerEqual.equal}/${r.endToEndIntegerEqual.total} integer tensors equal to the interpreter's own run${r.endToEndIntegerEqual.firstDifferent ? ` (first different: ${r.endToEndIntegerEqual.firstDifferent}) FAIL` : ""}`,
    `  logits:  max abs error ${r.logits.maxAbs.toExponential(2)} (${r.logits.maxRel.toExponential(2)} of the largest logit; tolerance ${r.logits.tolerance})${r.logits.ok ? "" : " FAIL"}`,
    `  tokens:  ${r.tokens.compiled.length} ${r.tokens.sampling ? `steps sampled (${samplingText(r.tokens.sampling)})` : "greedy steps"} ${r.tokens.ok ? "identical" : `differ: ${r.target} ${r.tokens.compiled.join(" ")} vs interpreter ${r.tokens.interpreter.join(" ")}`}`,
  ];
  if (r.sampler) lines.push(`  sampler: ${r.sampler.checked} traced steps chosen again by ternc's sampler from the target's own logits: ${r.sampler.ok ? "the same tokens" : `${r.sampler.firstDifferent ?? "no logits traced"} FAIL`}`);
  for (const c of r.targetChecks) lines.push(`  ${`${c.what}:`.padEnd(8)} ${c.detail}${c.ok ? "" : " FAIL"}`);
  if (r.firstMismatch) lines.push(`  first mismatch: ${r.firstMismatch}`);
  return `${lines.join("\n")}\n`;
}
