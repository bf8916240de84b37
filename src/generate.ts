// Greedy generation with the interpreter: one prefill of the prompt, then one decode step per token,
// reusing the KV cache the graph returns (or, for a graph without cache inputs, re-running the sequence).
import { AbiError, type Graph, interpret, type InterpretOptions, LOGITS, looksLikeModel, type ModelAbi, modelAbi, POSITIONS, type Tensor, tensorFromValues, TOKENS, zeros } from "../ir/index.js";
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

/** The model interface of a graph a user gave as a model; a user error naming `what` and every problem if it has none. */
export function checkModelGraph(graph: Graph, what: string): ModelAbi {
  if (!looksLikeModel(graph)) {
    throw new UserError(`${what}: not a model graph (it needs inputs %${TOKENS} and %${POSITIONS} and an output %${LOGITS}); use --input to run it as a plain graph`);
  }
  try {
    return modelAbi(graph);
  } catch (e) {
    if (e instanceof AbiError) throw new UserError(`${what}: not a valid model graph: ${e.message}`);
    throw e;
  }
}

/** Runs the prompt and then `maxTokens` greedy steps, stopping early at `stopToken`. */
export function generate(graph: Graph, prompt: number[], maxTokens: number, options: InterpretOptions & { stopToken?: number } = {}): GenerationResult {
  if (prompt.length === 0) throw new UserError("the prompt has no tokens");
  const { caches } = modelAbi(graph);
  let cache: Record<string, Tensor> = Object.fromEntries(caches.map((c) => [c.input, zeros("f32", [0, c.width])]));
  const step = (tokens: number[], start: number): Tensor => {
    const out = interpret(graph, { [TOKENS]: ids(tokens), [POSITIONS]: ids(range(start, tokens.length)), ...cache }, options);
    cache = Object.fromEntries(caches.map((c) => [c.input, out[c.next]!]));
    return out[LOGITS]!;
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
    next = argmaxLastRow(caches.length ? step([next], seq.length - 1) : step(seq, 0));
  }
  return { promptLogits, generated, prefillSeconds, decodeSeconds: (performance.now() - t0) / 1000 };
}
