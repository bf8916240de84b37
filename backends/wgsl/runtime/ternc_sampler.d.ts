// Types of ternc_sampler.js: ternc's sampler, the same in every ternc backend (a seed gives the same tokens).

export interface SamplingOptions {
  /** 0 chooses greedily. */
  temperature: number;
  /** The k most likely tokens; 0: all. */
  topK: number;
  /** The most likely tokens whose probabilities add up to p; 1: all. */
  topP: number;
  /** Drop tokens less likely than minP times the most likely; 0: none. */
  minP: number;
  /** Divides a positive logit (multiplies a negative one) of each recent token; 1: off. */
  repeatPenalty: number;
  /** How many of the latest accepted tokens the penalty looks at. */
  repeatLastN: number;
  /** The random stream's seed, 0 to 2^32 - 1. */
  seed: number;
}

/** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no repetition penalty, seed 0. */
export const SAMPLING_DEFAULTS: Readonly<SamplingOptions>;

/** What is wrong with sampling options, if anything. */
export function samplingProblem(o: SamplingOptions): string | undefined;

/** e^x for x <= 0 as the sampler computes it. */
export function samplerExp(x: number): number;

export class Sampler {
  constructor(options?: Partial<SamplingOptions>);
  readonly options: Readonly<SamplingOptions>;
  /** Tells the sampler a token of the prompt or the output. */
  accept(token: number): void;
  /** False when the choice is a plain argmax (it can be made on the GPU). */
  needsLogits(): boolean;
  /** The next token from one row of logits (not yet accepted). */
  sample(logits: ArrayLike<number>): number;
  /** The random stream: the next 32-bit word, and a uniform in [0, 1). */
  nextU32(): number;
  uniform(): number;
}
