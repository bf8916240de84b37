// The sampler: how the next token is chosen from a row of logits, defined once here; the WebGPU runtime's
// ternc_sampler.js is this module compiled to JavaScript (`npm run generate`), and the C runtime's sampler.c
// implements the same steps, so that a seed gives the same tokens in every backend. Only IEEE-754 double +, -, *, /
// and floor are used (exp is computed from them), so each implementation rounds identically; the C runtime is built
// with -ffp-contract=off for the same reason. This module imports nothing: it runs in a browser as it is.
//
// One step, in llama.cpp's default order:
//   1. repetition penalty over the last `repeatLastN` tokens of prompt and output (each distinct token once):
//      l > 0 ? l / penalty : l * penalty;
//   2. temperature <= 0: the first largest logit by `>` (greedy, as argmax: a NaN never wins unless it is first; no
//      random number is drawn);
//   3. NaN counts as -infinity (if no logit is finite, the first largest is chosen); candidates sorted by logit,
//      larger first, the smaller token id first on ties (a total order, so any sort gives the same list); top-k
//      keeps the first k (0: all);
//   4. e_i = exp(l_i - l_max); top-p keeps the shortest prefix whose running sum of e reaches topP * sum (1: all);
//      min-p keeps those with e_i >= minP (0: all); at least one is kept;
//   5. w_i = exp((l_i - l_max) / temperature); one uniform u in [0, 1) is drawn; the first candidate whose running
//      sum of w exceeds u * sum(w) is chosen (sums in candidate order).
// The random stream is xoshiro128** seeded by splitmix32 from a 32-bit seed; u takes 53 bits of two draws.

/** How the next token is chosen. The defaults (`SAMPLING_DEFAULTS`) are llama.cpp's. */
export interface SamplingOptions {
  /** Softmax temperature; 0 (or less) chooses greedily. */
  temperature: number;
  /** Keep only the k most likely tokens; 0 keeps all. */
  topK: number;
  /** Keep the most likely tokens whose probability adds up to p; 1 keeps all. */
  topP: number;
  /** Drop tokens less likely than minP times the most likely one; 0 keeps all. */
  minP: number;
  /** Divides a positive logit (multiplies a negative one) of each token seen recently; 1 is off. */
  repeatPenalty: number;
  /** How many of the latest tokens (prompt and output) the penalty looks at. */
  repeatLastN: number;
  /** The random stream's seed, a whole number in [0, 2^32). */
  seed: number;
}

export const SAMPLING_DEFAULTS: Readonly<SamplingOptions> = { temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1, repeatLastN: 64, seed: 0 };

/** Each option's command-line flag, the same in ternc and in every runner (ternc-run, run-node.mjs). */
export const SAMPLING_FLAGS: Readonly<Record<keyof SamplingOptions, string>> = {
  temperature: "--temperature",
  topK: "--top-k",
  topP: "--top-p",
  minP: "--min-p",
  repeatPenalty: "--repeat-penalty",
  repeatLastN: "--repeat-last-n",
  seed: "--seed",
};

/** The largest top-k and repeat-last-n every runtime accepts (the C runner reads them as whole numbers up to this). */
export const SAMPLING_COUNT_MAX = 2 ** 30;

/** Greedy choice (temperature 0): the sampler that reproduces argmax decoding. */
export const GREEDY: Readonly<SamplingOptions> = { ...SAMPLING_DEFAULTS, temperature: 0 };

/** What is wrong with sampling options, if anything (each runtime refuses the same values). */
export function samplingProblem(o: SamplingOptions): string | undefined {
  if (!Number.isFinite(o.temperature) || o.temperature < 0) return `temperature ${o.temperature}: expected a number >= 0`;
  if (!Number.isInteger(o.topK) || o.topK < 0 || o.topK > SAMPLING_COUNT_MAX) return `top-k ${o.topK}: expected a whole number from 0 to ${SAMPLING_COUNT_MAX}`;
  if (!(o.topP > 0 && o.topP <= 1)) return `top-p ${o.topP}: expected a number in (0, 1]`;
  if (!(o.minP >= 0 && o.minP <= 1)) return `min-p ${o.minP}: expected a number in [0, 1]`;
  if (!Number.isFinite(o.repeatPenalty) || o.repeatPenalty <= 0) return `repeat-penalty ${o.repeatPenalty}: expected a number > 0`;
  if (!Number.isInteger(o.repeatLastN) || o.repeatLastN < 0 || o.repeatLastN > SAMPLING_COUNT_MAX) return `repeat-last-n ${o.repeatLastN}: expected a whole number from 0 to ${SAMPLING_COUNT_MAX}`;
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) return `seed ${o.seed}: expected a whole number in [0, 4294967295]`;
  return undefined;
}

/**
 * exp(x) for x <= 0 from + - * / floor: x = k ln2 + r with |r| <= ln2/2, e^r by its Taylor series to r^terms
 * (error below 1 ulp), times 2^k; values below e^min (near the smallest normal double) are 0. `ln2Hi` is ln 2 to
 * 32 bits of mantissa, so k * ln2Hi is exact. The C runtime's ternc_config.h is generated from these.
 */
export const SAMPLER_EXP = { terms: 13, log2e: 1.4426950408889634, ln2Hi: 0.6931471803691238, ln2Lo: 1.9082149292705877e-10, min: -708 } as const;
/** 1/i! for i = 0..terms, each the previous divided by i (every runtime builds the table by the same divisions). */
const INV_FACTORIAL = [1];
for (let i = 1; i <= SAMPLER_EXP.terms; i++) INV_FACTORIAL.push(INV_FACTORIAL[i - 1]! / i);

const pow2Buffer = new DataView(new ArrayBuffer(8));
/** 2^k for a whole k in [-1022, 1023], built from its bits (exact). */
function pow2(k: number): number {
  pow2Buffer.setUint32(0, (k + 1023) << 20);
  pow2Buffer.setUint32(4, 0);
  return pow2Buffer.getFloat64(0);
}

/** e^x for x <= 0, as every runtime's sampler computes it. */
export function samplerExp(x: number): number {
  const { terms, log2e, ln2Hi, ln2Lo, min } = SAMPLER_EXP;
  if (!(x >= min)) return 0;
  const k = Math.floor(x * log2e + 0.5);
  const r = x - k * ln2Hi - k * ln2Lo;
  let p = INV_FACTORIAL[terms]!;
  for (let i = terms - 1; i >= 0; i--) p = p * r + INV_FACTORIAL[i]!;
  return p * pow2(k);
}

/** The sampler's random stream: xoshiro128** (32-bit words) seeded by splitmix32. */
export class SamplerRandom {
  private readonly s = new Uint32Array(4);

  constructor(seed: number) {
    let z = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x85ebca6b) >>> 0;
      t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (t ^ (t >>> 16)) >>> 0;
    }
  }

  /** The next 32-bit word. */
  nextU32(): number {
    const s = this.s;
    const x = Math.imul(s[1]!, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = (s[3]! << 11) | (s[3]! >>> 21);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

/** The `k` token ids of largest logit, larger first, the smaller id first on ties. */
function candidates(l: Float64Array, k: number): number[] {
  const before = (a: number, b: number): boolean => l[a]! > l[b]! || (l[a] === l[b] && a < b);
  if (k === l.length) return Array.from({ length: k }, (_, i) => i).sort((a, b) => (before(a, b) ? -1 : 1));
  // Insertion into a sorted list of k: a vocabulary of 128k with k = 40 costs little more than one pass.
  const top: number[] = [];
  for (let id = 0; id < l.length; id++) {
    if (top.length === k && !before(id, top[k - 1]!)) continue;
    let at = top.length === k ? k - 1 : top.length;
    while (at > 0 && before(id, top[at - 1]!)) {
      top[at] = top[at - 1]!;
      at--;
    }
    top[at] = id;
  }
  return top;
}

/**
 * Chooses tokens from logits: one `Sampler` per generation, told every token of the prompt and the output. Options
 * not given are SAMPLING_DEFAULTS'.
 */
export class Sampler {
  readonly options: Readonly<SamplingOptions>;
  private readonly random: SamplerRandom;
  /** The repetition penalty's window: a ring of the last repeatLastN tokens. */
  private readonly recent: number[] = [];
  private nextRecent = 0;

  constructor(options: Readonly<Partial<SamplingOptions>> = {}) {
    // A key given as undefined keeps its default.
    this.options = { ...SAMPLING_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
    const problem = samplingProblem(this.options);
    if (problem) throw new RangeError(problem);
    this.random = new SamplerRandom(this.options.seed);
  }

  /** False when the choice is a plain argmax (greedy, no penalty), which a GPU can make without reading the logits back. */
  needsLogits(): boolean {
    return this.options.temperature > 0 || this.options.repeatPenalty !== 1;
  }

  /** Records a token of the prompt or the output (the repetition penalty's window). */
  accept(token: number): void {
    const n = this.options.repeatLastN;
    if (n === 0) return;
    this.recent[this.nextRecent] = token;
    this.nextRecent = (this.nextRecent + 1) % n;
  }

  /** The next token from one row of logits (not yet accepted: call accept with it). */
  sample(logits: ArrayLike<number>): number {
    const o = this.options;
    const n = logits.length;
    if (n === 0) throw new RangeError("no logits to choose from");
    const l = Float64Array.from(logits);
    if (o.repeatPenalty !== 1) {
      const seen = new Set<number>();
      for (const t of this.recent) {
        if (t < 0 || t >= n || seen.has(t)) continue;
        seen.add(t);
        l[t] = l[t]! > 0 ? l[t]! / o.repeatPenalty : l[t]! * o.repeatPenalty;
      }
    }
    if (!(o.temperature > 0)) {
      let best = 0;
      for (let i = 1; i < n; i++) if (l[i]! > l[best]!) best = i;
      return best;
    }
    // NaN sorts as -infinity; with no finite largest logit there is nothing to weigh: the first largest is chosen.
    for (let i = 0; i < n; i++) if (Number.isNaN(l[i])) l[i] = -Infinity;
    const ids = candidates(l, o.topK > 0 && o.topK < n ? o.topK : n);
    const lmax = l[ids[0]!]!;
    if (!Number.isFinite(lmax)) return ids[0]!;
    const e = ids.map((id) => samplerExp(l[id]! - lmax));
    let keep = ids.length;
    if (o.topP < 1) {
      let sum = 0;
      for (let i = 0; i < keep; i++) sum += e[i]!;
      const target = o.topP * sum;
      let run = 0;
      for (let i = 0; i < keep; i++) {
        run += e[i]!;
        if (run >= target) {
          keep = i + 1;
          break;
        }
      }
    }
    if (o.minP > 0) {
      let i = 1;
      while (i < keep && e[i]! >= o.minP) i++;
      keep = i;
    }
    const w = new Float64Array(keep);
    let total = 0;
    for (let i = 0; i < keep; i++) total += w[i] = samplerExp((l[ids[i]!]! - lmax) / o.temperature);
    const target = this.random.uniform() * total;
    let run = 0;
    for (let i = 0; i < keep; i++) {
      run += w[i]!;
      if (run > target) return ids[i]!;
    }
    return ids[keep - 1]!;
  }
}
