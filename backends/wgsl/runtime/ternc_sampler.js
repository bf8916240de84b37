// ternc's sampler for the WebGPU runtime: how the next token is chosen from the logits, step for step as ternc's
// reference (ir/sampling.ts in ternc) and the C runtime's sampler.c, so a seed gives the same tokens in every
// backend. Only double +, -, *, / and floor are used, so each value rounds as in the reference. No imports: it runs
// in browsers and in Node as it is.

/** llama.cpp's defaults; temperature 0 chooses greedily. */
export const SAMPLING_DEFAULTS = Object.freeze({ temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1, repeatLastN: 64, seed: 0 });

const EXP_TERMS = 13;
const INV_FACTORIAL = [1];
for (let i = 1; i <= EXP_TERMS; i++) INV_FACTORIAL.push(INV_FACTORIAL[i - 1] / i);
const pow2Buffer = new DataView(new ArrayBuffer(8));

function pow2(k) {
  pow2Buffer.setUint32(0, (k + 1023) << 20);
  pow2Buffer.setUint32(4, 0);
  return pow2Buffer.getFloat64(0);
}

/** e^x for x <= 0: x = k ln2 + r, e^r by its Taylor series to r^13, times 2^k; 0 below e^-708. */
export function samplerExp(x) {
  if (!(x >= -708)) return 0;
  const k = Math.floor(x * 1.4426950408889634 + 0.5);
  const r = x - k * 0.69314718036912381649 - k * 1.90821492927058770002e-10;
  let p = INV_FACTORIAL[EXP_TERMS];
  for (let i = EXP_TERMS - 1; i >= 0; i--) p = p * r + INV_FACTORIAL[i];
  return p * pow2(k);
}

/** What is wrong with sampling options, if anything. */
export function samplingProblem(o) {
  if (!Number.isFinite(o.temperature) || o.temperature < 0) return `temperature ${o.temperature}: expected a number >= 0`;
  if (!Number.isInteger(o.topK) || o.topK < 0) return `top-k ${o.topK}: expected a whole number >= 0`;
  if (!(o.topP > 0 && o.topP <= 1)) return `top-p ${o.topP}: expected a number in (0, 1]`;
  if (!(o.minP >= 0 && o.minP <= 1)) return `min-p ${o.minP}: expected a number in [0, 1]`;
  if (!Number.isFinite(o.repeatPenalty) || o.repeatPenalty <= 0) return `repeat-penalty ${o.repeatPenalty}: expected a number > 0`;
  if (!Number.isInteger(o.repeatLastN) || o.repeatLastN < 0) return `repeat-last-n ${o.repeatLastN}: expected a whole number >= 0`;
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) return `seed ${o.seed}: expected a whole number in [0, 4294967295]`;
  return undefined;
}

/** Chooses tokens from logits: one per generation, told every token of the prompt and the output (accept). */
export class Sampler {
  constructor(options = {}) {
    this.options = { ...SAMPLING_DEFAULTS, ...options };
    const problem = samplingProblem(this.options);
    if (problem) throw new RangeError(problem);
    this.recent = [];
    // xoshiro128** seeded by splitmix32.
    this.s = new Uint32Array(4);
    let z = this.options.seed >>> 0;
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x85ebca6b) >>> 0;
      t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (t ^ (t >>> 16)) >>> 0;
    }
  }

  nextU32() {
    const s = this.s;
    const x = Math.imul(s[1], 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 11) | (s[3] >>> 21);
    return result;
  }

  uniform() {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Records a token of the prompt or the output (the repetition penalty's window). */
  accept(token) {
    if (this.options.repeatLastN === 0) return;
    this.recent.push(token);
    if (this.recent.length > this.options.repeatLastN) this.recent.shift();
  }

  /** True when the choice needs every logit (false: greedy without a penalty, an argmax on the GPU does). */
  needsLogits() {
    return this.options.temperature > 0 || this.options.repeatPenalty !== 1;
  }

  /** The next token from one row of logits (not yet accepted). */
  sample(logits) {
    const o = this.options;
    const n = logits.length;
    const l = Float64Array.from(logits);
    if (o.repeatPenalty !== 1) {
      const seen = new Set();
      for (const t of this.recent) {
        if (t < 0 || t >= n || seen.has(t)) continue;
        seen.add(t);
        l[t] = l[t] > 0 ? l[t] / o.repeatPenalty : l[t] * o.repeatPenalty;
      }
    }
    if (!(o.temperature > 0)) {
      let best = 0;
      for (let i = 1; i < n; i++) if (l[i] > l[best]) best = i;
      return best;
    }
    for (let i = 0; i < n; i++) if (Number.isNaN(l[i])) l[i] = -Infinity;
    const ids = candidates(l, o.topK > 0 && o.topK < n ? o.topK : n);
    const lmax = l[ids[0]];
    if (!Number.isFinite(lmax)) return ids[0];
    const e = ids.map((id) => samplerExp(l[id] - lmax));
    let keep = ids.length;
    if (o.topP < 1) {
      let sum = 0;
      for (let i = 0; i < keep; i++) sum += e[i];
      const target = o.topP * sum;
      let run = 0;
      for (let i = 0; i < keep; i++) {
        run += e[i];
        if (run >= target) {
          keep = i + 1;
          break;
        }
      }
    }
    if (o.minP > 0) {
      let i = 1;
      while (i < keep && e[i] >= o.minP) i++;
      keep = i;
    }
    const w = new Float64Array(keep);
    let total = 0;
    for (let i = 0; i < keep; i++) total += w[i] = samplerExp((l[ids[i]] - lmax) / o.temperature);
    const target = this.uniform() * total;
    let run = 0;
    for (let i = 0; i < keep; i++) {
      run += w[i];
      if (run > target) return ids[i];
    }
    return ids[keep - 1];
  }
}

/** The k token ids of largest logit, larger first, the smaller id first on ties. */
function candidates(l, k) {
  const before = (a, b) => l[a] > l[b] || (l[a] === l[b] && a < b);
  if (k === l.length) return Array.from({ length: k }, (_, i) => i).sort((a, b) => (before(a, b) ? -1 : 1));
  const top = [];
  for (let id = 0; id < l.length; id++) {
    if (top.length === k && !before(id, top[k - 1])) continue;
    let at = top.length === k ? k - 1 : top.length;
    while (at > 0 && before(id, top[at - 1])) {
      top[at] = top[at - 1];
      at--;
    }
    top[at] = id;
  }
  return top;
}
