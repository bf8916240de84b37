// Greedy generation with the interpreter: one prefill of the prompt, then one decode step per token,
// reusing the KV cache the graph returns (or, for a graph without cache inputs, re-running the sequence).
import { type Graph, interpret, type InterpretOptions, type Tensor, tensorFromValues, zeros } from "../ir/index.js";
import { UserError } from "./errors.js";

export interface GenerationResult {
  /** Logits of every prompt position, [prompt tokens, vocab]. */
  promptLogits: Tensor;
  generated: number[];
  /** Seconds spent in prefill and in decoding. */
  prefillSeconds: number;
  decodeSeconds: number;
}

function argmaxLastRow(logits: Tensor): number {
  const [rows, vocab] = logits.shape as [number, number];
  const d = logits.data as Float32Array;
  let best = 0;
  for (let i = 1; i < vocab; i++) if (d[(rows - 1) * vocab + i]! > d[(rows - 1) * vocab + best]!) best = i;
  return best;
}

const ids = (v: number[]): Tensor => tensorFromValues("i32", [v.length], v);
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

/** Checks a graph has the model interface ternc generates with: tokens and pos in, logits out. */
export function checkModelGraph(graph: Graph, what: string): void {
  const inputs = new Set(graph.inputs().map((i) => i.name));
  if (!inputs.has("tokens") || !inputs.has("pos") || !graph.outputs.some((o) => o.name === "logits")) {
    throw new UserError(`${what}: not a model graph (it needs inputs %tokens and %pos and an output %logits); use --input to run it as a plain graph`);
  }
}

/** Runs the prompt and then `maxTokens` greedy steps, stopping early at `stopToken`. */
export function generate(graph: Graph, prompt: number[], maxTokens: number, options: InterpretOptions & { stopToken?: number } = {}): GenerationResult {
  if (prompt.length === 0) throw new UserError("the prompt has no tokens");
  const cacheInputs = graph.inputs().filter((i) => /^[kv]_cache\.\d+$/.test(i.name));
  let cache: Record<string, Tensor> = {};
  for (const c of cacheInputs) cache[c.name] = zeros("f32", [0, c.type.shape[1] as number]);
  const step = (tokens: number[], start: number): Tensor => {
    const out = interpret(graph, { tokens: ids(tokens), pos: ids(range(start, tokens.length)), ...cache }, options);
    cache = Object.fromEntries(cacheInputs.map((c) => [c.name, out[`${c.name}.next`]!]));
    return out.logits!;
  };
  let t0 = performance.now();
  const promptLogits = step(prompt, 0);
  const prefillSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const generated: number[] = [];
  let next = argmaxLastRow(promptLogits);
  while (generated.length < maxTokens) {
    generated.push(next);
    if (next === options.stopToken || generated.length === maxTokens) break;
    const seq = [...prompt, ...generated];
    next = argmaxLastRow(cacheInputs.length ? step([next], seq.length - 1) : step(seq, 0));
  }
  return { promptLogits, generated, prefillSeconds, decodeSeconds: (performance.now() - t0) / 1000 };
}
