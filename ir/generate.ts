// Generation over a model graph's interface: one prefill of the prompt, then one decode step per token, reusing the
// KV cache the graph returns (or, for a graph without cache inputs, re-running the sequence), each token chosen by
// the sampler (greedy unless told otherwise). Written once for the interpreter and for any host that runs a model
// through it (a simulated accelerator, say).
import { LOGITS, modelAbi, POSITIONS, TOKENS } from "./abi.js";
import { interpret, type InterpretOptions } from "./interpreter.js";
import { type Tensor, tensorFromValues, zeros } from "./tensor.js";
import type { Graph } from "./graph.js";
import { GREEDY, Sampler, type SamplingOptions } from "./sampling.js";

export interface GenerateOptions extends InterpretOptions {
  /** Stop after generating any of these tokens (end of sequence, end of turn). */
  stopTokens?: readonly number[];
  /** How each token is chosen (ir/sampling.ts); greedy when absent. */
  sampling?: SamplingOptions;
  /** Called before each forward pass: step 0 is the prefill, step s the s-th decode. */
  onStep?: (step: number) => void;
  /** Called with each generated token as soon as it is chosen (to stream it). */
  onToken?: (token: number, index: number) => void;
}

export interface GenerateResult {
  /** Logits of every prompt position, [prompt tokens, vocab]. */
  promptLogits: Tensor;
  generated: number[];
  /** Seconds spent in prefill and in decoding. */
  prefillSeconds: number;
  decodeSeconds: number;
}

/** The last row of [rows, vocab] logits: the next token's. */
export function lastRow(logits: Tensor): Float32Array {
  const [rows, vocab] = logits.shape as [number, number];
  return (logits.data as Float32Array).subarray((rows - 1) * vocab, rows * vocab);
}

const ids = (v: number[]): Tensor => tensorFromValues("i32", [v.length], v);
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

/** Runs the (non-empty) prompt and then up to `maxTokens` steps, stopping early at a stop token. */
export function generateTokens(graph: Graph, prompt: readonly number[], maxTokens: number, options: GenerateOptions = {}): GenerateResult {
  if (prompt.length === 0) throw new RangeError("the prompt has no tokens");
  const { caches } = modelAbi(graph);
  let cache: Record<string, Tensor> = Object.fromEntries(caches.map((c) => [c.input, zeros("f32", [0, c.width])]));
  let steps = 0;
  const step = (tokens: number[], start: number): Tensor => {
    options.onStep?.(steps++);
    const out = interpret(graph, { [TOKENS]: ids(tokens), [POSITIONS]: ids(range(start, tokens.length)), ...cache }, options);
    cache = Object.fromEntries(caches.map((c) => [c.input, out[c.next]!]));
    return out[LOGITS]!;
  };
  let t0 = performance.now();
  const promptLogits = step([...prompt], 0);
  const prefillSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const generated: number[] = [];
  const sampler = new Sampler(options.sampling ?? GREEDY);
  for (const t of prompt) sampler.accept(t);
  const choose = (logits: Tensor): number => {
    const next = sampler.sample(lastRow(logits));
    sampler.accept(next);
    return next;
  };
  let next = choose(promptLogits);
  while (generated.length < maxTokens) {
    generated.push(next);
    options.onToken?.(next, generated.length - 1);
    if (options.stopTokens?.includes(next) || generated.length === maxTokens) break;
    const seq = [...prompt, ...generated];
    next = choose(caches.length ? step([next], seq.length - 1) : step(seq, 0));
  }
  return { promptLogits, generated, prefillSeconds, decodeSeconds: (performance.now() - t0) / 1000 };
}
