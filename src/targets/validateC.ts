// `ternc validate --target c`: compile, build and run the C output on seeded tokens, and judge it against the
// interpreter. Every op the C code ran is recomputed by the interpreter from the C code's own operands: integer
// results (int8 activations, int32 accumulators) must match bit for bit, float results within a tolerance. Then
// the whole run is compared: the prompt's logits within a tolerance, and the same greedy tokens.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConstDecl, type Graph, getOp, type OpNode, type Tensor, tensorFromBytes, tensorFromValues, withDefaults, zeros } from "../../ir/index.js";
import { UserError } from "../errors.js";
import { generate } from "../generate.js";
import { Rng } from "../util/random.js";
import { compileToDirectory } from "../../backends/c/artifacts.js";
import { type ActQuantFlag, loadModelGraph } from "../cli/modelCommands.js";
import { buildC, type CIsa, type CKernel, lowerForC, readTrace, runnerCommand, runRunner, type TraceRecord, withCBackendErrors } from "./cTarget.js";

/** Float results of one op, recomputed from the same operands, may differ by this much (abs + rel * |x|). */
export const OP_TOLERANCE = { abs: 1e-6, rel: 1e-5 };
/** The prompt's logits after the whole model: |c - i| <= rel * max(1, max |i|). */
export const LOGITS_TOLERANCE = { rel: 1e-3 };

export interface ValidateCOptions {
  kernel: CKernel;
  /** Opt-in, lossy LM head (q8_0); the interpreter runs the same lowered graph, so the comparison stays exact. */
  int8Head?: boolean;
  isa: CIsa;
  cc?: string;
  cflags?: string;
  ldflags?: string;
  threads: number;
  /** Greedy steps compared (and decode steps traced op by op: the first `tracedSteps`). */
  steps: number;
  tracedSteps?: number;
  tokens?: number[];
  promptLength?: number;
  seed?: number;
  actQuant?: ActQuantFlag;
  /** Keep the generated sources and build here instead of a temporary folder. */
  keepDir?: string;
  /** Called with progress lines. */
  log?: (line: string) => void;
}

export interface TensorCheck {
  name: string;
  op: string;
  step: number;
  dtype: string;
  exact: boolean;
  maxAbs: number;
  ok: boolean;
}

export interface ValidationReport {
  ok: boolean;
  /** The first op whose C result differs from the interpreter's on the same operands, if any. */
  firstMismatch?: string;
  checkedTensors: number;
  integerTensors: number;
  maxFloatError: number;
  logits: { maxAbs: number; maxRel: number; tolerance: number; ok: boolean };
  /** Integer tensors equal end to end (C run vs interpreter run), out of those traced. */
  endToEndIntegerEqual: { equal: number; total: number; firstDifferent?: string };
  tokens: { prompt: number[]; c: number[]; interpreter: number[]; ok: boolean };
  kernels: Record<string, string>;
  isa: string;
  threads: number;
}

const isInt = (t: Tensor): boolean => t.dtype === "i8" || t.dtype === "i32";

function compare(c: Tensor, ref: Tensor): { maxAbs: number; ok: boolean } {
  if (c.shape.length !== ref.shape.length || c.shape.some((d, i) => d !== ref.shape[i]) || c.dtype !== ref.dtype) return { maxAbs: Infinity, ok: false };
  const a = c.data as ArrayLike<number>;
  const b = ref.data as ArrayLike<number>;
  let maxAbs = 0;
  let ok = true;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
    if (isInt(ref) ? d !== 0 : !(d <= OP_TOLERANCE.abs + OP_TOLERANCE.rel * Math.abs(b[i]!))) ok = false;
  }
  return { maxAbs, ok };
}

/** Recomputes every traced op from the C code's own operands (steps 0..tracedSteps-1). */
function checkOps(graph: Graph, trace: TraceRecord[], prompt: number[], generated: number[], loadConst: (name: string) => Tensor): TensorCheck[] {
  const byKey = new Map(trace.map((r) => [`${r.step}/${r.name}`, r.tensor]));
  const steps = Math.max(...trace.map((r) => r.step)) + 1;
  const order = graph.topologicalOrder()!;
  const checks: TensorCheck[] = [];
  for (let step = 0; step < steps; step++) {
    const tokens = step === 0 ? prompt : [generated[step - 1]!];
    const start = step === 0 ? 0 : prompt.length + step - 1;
    const operand = (name: string): Tensor => {
      if (name === "tokens") return tensorFromValues("i32", [tokens.length], tokens);
      if (name === "pos") return tensorFromValues("i32", [tokens.length], tokens.map((_, i) => start + i));
      const traced = byKey.get(`${step}/${name}`);
      if (traced) return traced;
      const decl = graph.definition(name)?.entity;
      if (decl?.kind === "input") {
        const width = decl.type.shape[1] as number;
        return step === 0 ? zeros("f32", [0, width]) : byKey.get(`${step - 1}/${name}.next`) ?? zeros("f32", [0, width]);
      }
      if (decl?.kind === "const") return loadConst(name);
      throw new Error(`internal: no traced value for %${name} at step ${step}`);
    };
    for (const node of order) {
      if (!node.results.every((r) => byKey.has(`${step}/${r}`))) continue;
      const def = getOp(node.op)!;
      const results = def.evaluate({ operands: node.operands.map(operand), attrs: withDefaults(def, node.attrs) });
      node.results.forEach((r, i) => {
        const c = byKey.get(`${step}/${r}`)!;
        const { maxAbs, ok } = compare(c, results[i]!);
        checks.push({ name: r, op: node.op, step, dtype: results[i]!.dtype, exact: isInt(results[i]!), maxAbs, ok });
      });
    }
  }
  return checks;
}

function describeOp(graph: Graph, check: TensorCheck): string {
  const node = graph.definition(check.name)?.entity as OpNode | undefined;
  const where = node?.loc ? ` (${node.loc.file ?? ""}:${node.loc.line})` : "";
  const what = check.exact ? "differs (integer results must match bit for bit)" : `differs by up to ${check.maxAbs.toExponential(3)} (tolerance ${OP_TOLERANCE.abs} + ${OP_TOLERANCE.rel} * |x|)`;
  return `%${check.name} = ${check.op}(...) at step ${check.step}${check.step === 0 ? " (prefill)" : " (decode)"}${where}: ${what}`;
}

/** Compiles, builds and runs `path` for the C target and compares it with the interpreter. */
export function validateC(path: string, o: ValidateCOptions): ValidationReport {
  const log = o.log ?? (() => {});
  const loaded = loadModelGraph(path, o.actQuant);
  lowerForC(loaded, o.kernel, o.int8Head);
  const graph = loaded.graph;
  const vocab = graph.typeOf("logits")!.shape[1] as number;
  const rng = new Rng(o.seed ?? 1);
  const prompt = o.tokens ?? Array.from({ length: o.promptLength ?? 5 }, () => Math.floor(rng.next() * vocab));
  const bad = prompt.find((t) => t < 0 || t >= vocab);
  if (bad !== undefined) throw new UserError(`--tokens: token id ${bad} is outside the vocabulary (${vocab} tokens)`);
  const dir = o.keepDir ?? mkdtempSync(join(tmpdir(), "ternc-validate-"));
  try {
    const { program } = withCBackendErrors(path, () =>
      compileToDirectory(graph, join(dir, "model"), { loadConst: loaded.loadConst, banner: `/* ternc validate: ${path} */`, defaultContext: prompt.length + o.steps + 8, manifest: { source: path, kernel: o.kernel } }),
    );
    log(`compiled ${path} (kernel ${o.kernel}); building for ${o.isa}`);
    const bin = buildC(join(dir, "model"), { isa: o.isa, cc: o.cc, cflags: o.cflags ?? "-O2 -Wall -Wextra -Werror", ldflags: o.ldflags });
    const traceFile = join(dir, "trace.bin");
    const logitsFile = join(dir, "logits.bin");
    const tracedSteps = o.tracedSteps ?? 2;
    const run = runRunner(runnerCommand(bin, o.isa), join(dir, "model", "weights.bin"), { tokens: prompt, maxTokens: o.steps, threads: o.threads, logitsFile, traceFile, traceSteps: tracedSteps });
    log(`ran ${run.isa} build with ${run.threads} thread(s): ${run.generated.length} tokens`);
    const trace = readTrace(traceFile);
    const constCache = new Map<string, Tensor>();
    const loadConst = (name: string): Tensor => {
      let t = constCache.get(name);
      if (!t) constCache.set(name, (t = loaded.loadConst(graph.definition(name)!.entity as ConstDecl)));
      return t;
    };
    const checks = checkOps(graph, trace, prompt, run.generated, loadConst);
    const firstBad = checks.find((c) => !c.ok);

    // The interpreter's own run, end to end.
    let step = -1;
    const firstResult = graph.topologicalOrder()![0]!.results[0]!;
    const reference = new Map<string, Tensor>();
    const ref = generate(graph, prompt, o.steps, {
      blobs: loaded.blobs,
      onValue: (name, value) => {
        if (name === firstResult) step++;
        if (step < tracedSteps && isInt(value)) reference.set(`${step}/${name}`, value);
      },
    });
    let equal = 0;
    let total = 0;
    let firstDifferent: string | undefined;
    for (const r of trace) {
      const want = reference.get(`${r.step}/${r.name}`);
      if (!want) continue;
      total++;
      if (compare(r.tensor, want).ok) equal++;
      else firstDifferent ??= `%${r.name} at step ${r.step}`;
    }
    const iLogits = ref.promptLogits.data as Float32Array;
    const cBytes = readFileSync(logitsFile);
    const cLogits = cBytes.length === iLogits.length * 4 ? (tensorFromBytes("f32", ref.promptLogits.shape, cBytes).data as Float32Array) : new Float32Array(0);
    let maxAbs = 0;
    let scale = 1;
    for (let i = 0; i < iLogits.length; i++) scale = Math.max(scale, Math.abs(iLogits[i]!));
    for (let i = 0; i < iLogits.length; i++) maxAbs = Math.max(maxAbs, Math.abs(cLogits[i]! - iLogits[i]!));
    if (cLogits.length !== iLogits.length) maxAbs = Infinity;
    const logitsOk = maxAbs <= LOGITS_TOLERANCE.rel * scale;
    const tokensOk = run.generated.length === ref.generated.length && run.generated.every((t, i) => t === ref.generated[i]);
    const report: ValidationReport = {
      ok: !firstBad && logitsOk && tokensOk,
      ...(firstBad ? { firstMismatch: describeOp(graph, firstBad) } : {}),
      checkedTensors: checks.length,
      integerTensors: checks.filter((c) => c.exact).length,
      maxFloatError: Math.max(0, ...checks.filter((c) => !c.exact).map((c) => c.maxAbs)),
      logits: { maxAbs, maxRel: maxAbs / scale, tolerance: LOGITS_TOLERANCE.rel, ok: logitsOk },
      endToEndIntegerEqual: { equal, total, ...(firstDifferent ? { firstDifferent } : {}) },
      tokens: { prompt, c: run.generated, interpreter: ref.generated, ok: tokensOk },
      kernels: program.kernels,
      isa: run.isa,
      threads: run.threads,
    };
    return report;
  } finally {
    if (!o.keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

/** The report as the lines `ternc validate` prints. */
export function formatValidation(path: string, r: ValidationReport): string {
  const kernels = [...new Set(Object.values(r.kernels))].join(", ") || "none";
  const lines = [
    `${r.ok ? "PASS" : "FAIL"}: ${path} on C (${r.isa}, ${r.threads} thread(s), kernels ${kernels})`,
    `  ops:     ${r.checkedTensors} results recomputed from the C operands; ${r.integerTensors} integer results bit-exact${r.firstMismatch ? " up to the first mismatch" : ""}; float max abs error ${r.maxFloatError.toExponential(2)}`,
    `  run:     ${r.endToEndIntegerEqual.equal}/${r.endToEndIntegerEqual.total} integer tensors equal to the interpreter's own run${r.endToEndIntegerEqual.firstDifferent ? ` (first different: ${r.endToEndIntegerEqual.firstDifferent})` : ""}`,
    `  logits:  max abs error ${r.logits.maxAbs.toExponential(2)} (${r.logits.maxRel.toExponential(2)} of the largest logit; tolerance ${r.logits.tolerance})${r.logits.ok ? "" : " FAIL"}`,
    `  tokens:  ${r.tokens.c.length} greedy steps ${r.tokens.ok ? "identical" : `differ: C ${r.tokens.c.join(" ")} vs interpreter ${r.tokens.interpreter.join(" ")}`}`,
  ];
  if (r.firstMismatch) lines.push(`  first mismatch: ${r.firstMismatch}`);
  return `${lines.join("\n")}\n`;
}
