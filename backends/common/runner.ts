// The command-line protocol every target's runner speaks (the C ternc-run, the WGSL run-node.mjs): a model run
// takes --tokens, --max-tokens, --context, --stop IDS, the sampler's --temperature --top-k --top-p --min-p
// --repeat-penalty --repeat-last-n --seed, --logits FILE, --trace FILE --trace-steps K, and --stream (a line
// `token N` as each token is chosen); a graph run takes --inputs IN --outputs OUT (trace format) and --trace FILE;
// both print one JSON line with --json, last. Written once here; a target supplies how to start its runner.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SAMPLING_FLAGS, type SamplingOptions, type Tensor, tensorFromBytes } from "../../ir/index.js";
import { BackendError } from "./errors.js";
import { withTempDir } from "./tempFiles.js";
import type { GraphRunRequest, ModelRunRequest, ModelRunResult } from "./target.js";
import { decodeTrace, encodeTrace, type TraceRecord } from "./trace.js";

/** One start of a target's runner: the command (program and fixed arguments), the protocol's arguments, extra environment. */
export interface RunnerInvocation {
  /** The build folder, named in errors. */
  dir: string;
  command: readonly string[];
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
}

const RUNNER_TIMEOUT_MS = 600_000;

/** The runner's result: its last stdout line, JSON (--json); a failure carries the runner's own message. */
function runnerResult(inv: RunnerInvocation, r: { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; error?: Error }): Record<string, unknown> {
  if (r.error) throw new BackendError(inv.dir, `running ${inv.command.join(" ")}: ${r.error.message}`);
  if (r.status !== 0) throw new BackendError(inv.dir, `the compiled model failed: ${(r.stderr || r.stdout || `exit ${r.status}, signal ${r.signal}`).trim()}`);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`internal: the runner printed ${JSON.stringify(r.stdout)}`);
  }
}

const environment = (inv: RunnerInvocation): NodeJS.ProcessEnv => (inv.env ? { ...process.env, ...inv.env } : process.env);
/** The runner's arguments after its program: its fixed ones, the protocol's, and --json. */
const argumentsOf = (inv: RunnerInvocation): string[] => [...inv.command.slice(1), ...inv.args, "--json"];

/** Runs a runner with --json and waits for it (graph builds). Returns the JSON line. */
export function runRunner(inv: RunnerInvocation): Record<string, unknown> {
  const r = spawnSync(inv.command[0]!, argumentsOf(inv), { encoding: "utf8", timeout: RUNNER_TIMEOUT_MS, maxBuffer: 1 << 26, env: environment(inv) });
  return runnerResult(inv, { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ...(r.error ? { error: r.error } : {}) });
}

/**
 * Runs a runner with --json without blocking, telling `onLine` each complete stdout line as it comes (a runner given
 * --stream prints `token N` as it chooses each token). Returns the JSON line.
 */
export function runRunnerAsync(inv: RunnerInvocation, onLine?: (line: string) => void, timeoutMs = RUNNER_TIMEOUT_MS): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(inv.command[0]!, argumentsOf(inv), { timeout: timeoutMs, env: environment(inv), stdio: ["ignore", "pipe", "pipe"] });
    const started = Date.now();
    let stdout = "";
    let stderr = "";
    let pending = "";
    let spawnError: Error | undefined;
    // A throwing listener stops the run: the runner is killed and the listener's error is the result, as it threw it.
    let listenerError: unknown;
    let listenerFailed = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let nl: number;
      while (!listenerFailed && (nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          onLine?.(line);
        } catch (e) {
          listenerFailed = true;
          listenerError = e;
          child.kill();
        }
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (e) => (spawnError ??= e));
    child.on("close", (status, signal) => {
      if (listenerFailed) return reject(listenerError);
      if (signal && Date.now() - started >= timeoutMs) return reject(new BackendError(inv.dir, `the compiled model timed out after ${timeoutMs / 1000} s`));
      try {
        resolve(runnerResult(inv, { status, signal, stdout, stderr, ...(spawnError ? { error: spawnError } : {}) }));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** The runner flags of sampling options (the same names as ternc run's). */
export function samplingArgs(o: SamplingOptions): string[] {
  // String(number) is the shortest text that reads back as the same double, so every runner parses the same value.
  return (Object.keys(SAMPLING_FLAGS) as Array<keyof SamplingOptions>).flatMap((key) => [SAMPLING_FLAGS[key], String(o[key])]);
}

/** Work files of one run, removed afterwards. */
const withWorkDir = <R>(f: (work: string) => R): R => withTempDir("ternc-run-", f);

export interface RunnerModelResult {
  json: Record<string, unknown>;
  generated: number[];
  prefillSeconds: number;
  decodeSeconds: number;
  promptLogits?: Tensor;
  trace?: TraceRecord[];
}

/** A model run through a runner: `invocation(args)` says how to start it with the protocol's arguments. */
export function runModelWithRunner(req: ModelRunRequest, vocab: number, invocation: (args: string[]) => RunnerInvocation): Promise<RunnerModelResult> {
  return withWorkDir(async (work) => {
    const args = ["--tokens", req.tokens.join(","), "--max-tokens", String(req.maxTokens)];
    if (req.context !== undefined) args.push("--context", String(req.context));
    if (req.stopTokens?.length) args.push("--stop", req.stopTokens.join(","));
    if (req.sampling) args.push(...samplingArgs(req.sampling));
    const logitsFile = join(work, "logits.bin");
    const traceFile = join(work, "trace.bin");
    if (req.promptLogits) args.push("--logits", logitsFile);
    if (req.traceSteps) args.push("--trace", traceFile, "--trace-steps", String(req.traceSteps));
    if (req.onToken) args.push("--stream");
    let index = 0;
    const onLine = req.onToken && ((line: string): void => {
      const m = /^token (\d+)$/.exec(line);
      if (m) req.onToken!(Number(m[1]), index++);
    });
    const json = await runRunnerAsync(invocation(args), onLine);
    const out: RunnerModelResult = { json, generated: json.generated as number[], prefillSeconds: json.prefillSeconds as number, decodeSeconds: json.decodeSeconds as number };
    if (req.promptLogits) {
      const bytes = readFileSync(logitsFile);
      if (bytes.length !== req.tokens.length * vocab * 4) throw new Error(`internal: the runner wrote ${bytes.length} bytes of logits`);
      out.promptLogits = tensorFromBytes("f32", [req.tokens.length, vocab], bytes);
    }
    if (req.traceSteps) out.trace = decodeTrace(readFileSync(traceFile), traceFile);
    return out;
  });
}

/** A runner's model run as the contract's result, with what ran (for people, and as data). */
export function modelRunResult(r: RunnerModelResult, engine: string, facts: Record<string, string | number>): ModelRunResult {
  return {
    generated: r.generated,
    prefillSeconds: r.prefillSeconds,
    decodeSeconds: r.decodeSeconds,
    engine,
    facts,
    ...(r.promptLogits ? { promptLogits: r.promptLogits } : {}),
    ...(r.trace ? { trace: r.trace } : {}),
  };
}

/** A graph run through a runner: inputs and outputs in the trace format. */
export function runGraphWithRunner(req: GraphRunRequest, invocation: (args: string[]) => RunnerInvocation): { json: Record<string, unknown>; outputs: Record<string, Tensor>; trace?: TraceRecord[] } {
  return withWorkDir((work) => {
    const inFile = join(work, "inputs.bin");
    const outFile = join(work, "outputs.bin");
    const traceFile = join(work, "trace.bin");
    writeFileSync(inFile, encodeTrace(Object.entries(req.inputs).map(([name, tensor]) => ({ name, step: 0, tensor }))));
    const args = ["--inputs", inFile, "--outputs", outFile];
    if (req.trace) args.push("--trace", traceFile);
    const json = runRunner(invocation(args));
    const outputs: Record<string, Tensor> = {};
    for (const rec of decodeTrace(readFileSync(outFile), outFile)) outputs[rec.name] = rec.tensor;
    return { json, outputs, ...(req.trace ? { trace: decodeTrace(readFileSync(traceFile), traceFile) } : {}) };
  });
}
