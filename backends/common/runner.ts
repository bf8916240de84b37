// The command-line protocol every target's runner speaks (the C ternc-run, the WGSL run-node.mjs): a model run
// takes --tokens, --max-tokens, --context, --stop IDS, the sampler's --temperature --top-k --top-p --min-p
// --repeat-penalty --repeat-last-n --seed, --logits FILE, --trace FILE --trace-steps K; a graph run takes
// --inputs IN --outputs OUT (trace format) and --trace FILE; both print one JSON line with --json. Written once
// here; a target supplies how to start its runner.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SamplingOptions, type Tensor, tensorFromBytes } from "../../ir/index.js";
import { BackendError } from "./errors.js";
import type { GraphRunRequest, ModelRunRequest, ModelRunResult } from "./target.js";
import { decodeTrace, encodeTrace, type TraceRecord } from "./trace.js";

/** Runs `command` with `args` and --json; a failure carries the runner's own message. Returns the JSON line. */
export function runRunner(dir: string, command: readonly string[], args: readonly string[], env?: NodeJS.ProcessEnv, timeoutMs = 600_000): Record<string, unknown> {
  const r = spawnSync(command[0]!, [...command.slice(1), ...args, "--json"], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 1 << 26, env: env ? { ...process.env, ...env } : process.env });
  if (r.error) throw new BackendError(dir, `running ${command.join(" ")}: ${r.error.message}`);
  if (r.status !== 0) throw new BackendError(dir, `the compiled model failed: ${(r.stderr || r.stdout || `exit ${r.status}, signal ${r.signal}`).trim()}`);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`internal: the runner printed ${JSON.stringify(r.stdout)}`);
  }
}

/** The runner flags of sampling options (the same names as ternc run's). */
export function samplingArgs(o: SamplingOptions): string[] {
  // String(number) is the shortest text that reads back as the same double, so every runner parses the same value.
  return ["--temperature", String(o.temperature), "--top-k", String(o.topK), "--top-p", String(o.topP), "--min-p", String(o.minP), "--repeat-penalty", String(o.repeatPenalty), "--repeat-last-n", String(o.repeatLastN), "--seed", String(o.seed)];
}

/** Work files of one run, removed afterwards. */
function withWorkDir<R>(f: (work: string) => R): R {
  const work = mkdtempSync(join(tmpdir(), "ternc-run-"));
  try {
    return f(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface RunnerModelResult {
  json: Record<string, unknown>;
  generated: number[];
  prefillSeconds: number;
  decodeSeconds: number;
  promptLogits?: Tensor;
  trace?: TraceRecord[];
}

/** A model run through a runner: `invoke(args)` starts it with the protocol's arguments. */
export function runModelWithRunner(req: ModelRunRequest, vocab: number, invoke: (args: string[]) => Record<string, unknown>): RunnerModelResult {
  return withWorkDir((work) => {
    const args = ["--tokens", req.tokens.join(","), "--max-tokens", String(req.maxTokens)];
    if (req.context !== undefined) args.push("--context", String(req.context));
    if (req.stopTokens?.length) args.push("--stop", req.stopTokens.join(","));
    if (req.sampling) args.push(...samplingArgs(req.sampling));
    const logitsFile = join(work, "logits.bin");
    const traceFile = join(work, "trace.bin");
    if (req.promptLogits) args.push("--logits", logitsFile);
    if (req.traceSteps) args.push("--trace", traceFile, "--trace-steps", String(req.traceSteps));
    const json = invoke(args);
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
export function runGraphWithRunner(req: GraphRunRequest, invoke: (args: string[]) => Record<string, unknown>): { json: Record<string, unknown>; outputs: Record<string, Tensor>; trace?: TraceRecord[] } {
  return withWorkDir((work) => {
    const inFile = join(work, "inputs.bin");
    const outFile = join(work, "outputs.bin");
    const traceFile = join(work, "trace.bin");
    writeFileSync(inFile, encodeTrace(Object.entries(req.inputs).map(([name, tensor]) => ({ name, step: 0, tensor }))));
    const args = ["--inputs", inFile, "--outputs", outFile];
    if (req.trace) args.push("--trace", traceFile);
    const json = invoke(args);
    const outputs: Record<string, Tensor> = {};
    for (const rec of decodeTrace(readFileSync(outFile), outFile)) outputs[rec.name] = rec.tensor;
    return { json, outputs, ...(req.trace ? { trace: decodeTrace(readFileSync(traceFile), traceFile) } : {}) };
  });
}
