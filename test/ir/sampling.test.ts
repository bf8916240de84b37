// The reference sampler (ir/sampling.ts): its exp, its random stream, and each step of the choice.
import { describe, expect, it } from "vitest";
import { GREEDY, Sampler, SamplerRandom, samplerExp, SAMPLING_DEFAULTS, samplingProblem, type SamplingOptions } from "../../ir/index.js";

const options = (o: Partial<SamplingOptions>): SamplingOptions => ({ ...SAMPLING_DEFAULTS, ...o });
const draw = (o: Partial<SamplingOptions>, logits: number[], count: number): number[] => {
  const s = new Sampler(options(o));
  return Array.from({ length: count }, () => s.sample(logits));
};

describe("samplerExp", () => {
  it("agrees with Math.exp to a few ulps over the range it serves", () => {
    let worst = 0;
    for (let x = -707.9; x <= 0; x += 0.0173) worst = Math.max(worst, Math.abs(samplerExp(x) / Math.exp(x) - 1));
    expect(worst).toBeLessThan(1e-15);
    expect(samplerExp(0)).toBe(1);
    expect(samplerExp(-1)).toBeCloseTo(Math.exp(-1), 15);
  });
  it("is 0 below e^-708 and for -infinity and NaN", () => {
    expect(samplerExp(-708.5)).toBe(0);
    expect(samplerExp(-Infinity)).toBe(0);
    expect(samplerExp(NaN)).toBe(0);
  });
});

describe("SamplerRandom", () => {
  it("is a function of the seed alone, and differs between seeds", () => {
    const a = new SamplerRandom(7);
    const b = new SamplerRandom(7);
    const c = new SamplerRandom(8);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
    for (const x of sa) expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
  });
  it("gives uniforms in [0, 1) with a mean near 1/2", () => {
    const r = new SamplerRandom(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(Math.abs(sum / 20000 - 0.5)).toBeLessThan(0.01);
  });
});

describe("Sampler", () => {
  const logits = [0.5, 2, -1, 2, 1.5, 0];
  it("temperature 0 is argmax, the first on ties", () => {
    expect(draw(GREEDY, logits, 3)).toEqual([1, 1, 1]);
  });
  it("follows the softmax at temperature 1 with every filter off", () => {
    const o = { temperature: 1, topK: 0, topP: 1, minP: 0, seed: 3 };
    const n = 30000;
    const counts = new Array<number>(logits.length).fill(0);
    for (const t of draw(o, logits, n)) counts[t]!++;
    const z = logits.reduce((a, l) => a + Math.exp(l), 0);
    logits.forEach((l, i) => expect(Math.abs(counts[i]! / n - Math.exp(l) / z)).toBeLessThan(0.01));
  });
  it("top-k keeps the k largest, the smaller id first on ties", () => {
    expect(new Set(draw({ temperature: 5, topK: 1, topP: 1, minP: 0 }, logits, 50))).toEqual(new Set([1]));
    expect(new Set(draw({ temperature: 5, topK: 2, topP: 1, minP: 0 }, logits, 200))).toEqual(new Set([1, 3]));
    expect(new Set(draw({ temperature: 5, topK: 3, topP: 1, minP: 0 }, logits, 300))).toEqual(new Set([1, 3, 4]));
  });
  it("top-p keeps the shortest prefix reaching p; min-p drops the unlikely", () => {
    // e = 1, 1, e^-0.5 = 0.61, ...: p = 0.5 of the sum is reached by the first two.
    expect(new Set(draw({ temperature: 5, topK: 0, topP: 0.5, minP: 0 }, logits, 300))).toEqual(new Set([1, 3]));
    expect(new Set(draw({ temperature: 5, topK: 0, topP: 1, minP: 0.6 }, logits, 300))).toEqual(new Set([1, 3, 4]));
    expect(new Set(draw({ temperature: 5, topK: 0, topP: 1, minP: 0.62 }, logits, 300))).toEqual(new Set([1, 3]));
  });
  it("the repetition penalty turns greedy decoding away from recent tokens", () => {
    const s = new Sampler(options({ temperature: 0, repeatPenalty: 2 }));
    for (const t of [1, 3]) s.accept(t);
    expect(s.sample(logits)).toBe(4);
    const window = new Sampler(options({ temperature: 0, repeatPenalty: 2, repeatLastN: 1 }));
    for (const t of [1, 3]) window.accept(t);
    expect(window.sample(logits)).toBe(1);
    // A negative logit is multiplied: -1 * 2 stays below 0.
    const neg = new Sampler(options({ temperature: 0, repeatPenalty: 0.1 }));
    neg.accept(2);
    expect(neg.sample([-1, -0.5])).toBe(1);
  });
  it("the same seed gives the same tokens; another seed others", () => {
    const wide = Array.from({ length: 200 }, (_, i) => Math.sin(i * 1.7) * 2);
    const o = { temperature: 1.2, topK: 0, topP: 1, minP: 0 };
    expect(draw({ ...o, seed: 11 }, wide, 40)).toEqual(draw({ ...o, seed: 11 }, wide, 40));
    expect(draw({ ...o, seed: 11 }, wide, 40)).not.toEqual(draw({ ...o, seed: 12 }, wide, 40));
  });
  it("NaN counts as -infinity; no finite logit chooses the first largest", () => {
    expect(new Set(draw({ temperature: 1, topK: 0, topP: 1, minP: 0 }, [NaN, 0, NaN], 50))).toEqual(new Set([1]));
    expect(draw({ temperature: 1 }, [-Infinity, Infinity, Infinity], 2)).toEqual([1, 1]);
  });
  it("takes partial options over the defaults (a key given as undefined keeps its default)", () => {
    expect(new Sampler({ topK: undefined, seed: 3 }).options).toEqual({ ...SAMPLING_DEFAULTS, seed: 3 });
    expect(() => new Sampler().sample([])).toThrow(/no logits/);
  });
  it("refuses options no runtime accepts", () => {
    expect(samplingProblem(options({}))).toBeUndefined();
    expect(samplingProblem(options({ temperature: -1 }))).toMatch(/temperature/);
    expect(samplingProblem(options({ topP: 0 }))).toMatch(/top-p/);
    expect(samplingProblem(options({ minP: 2 }))).toMatch(/min-p/);
    expect(samplingProblem(options({ topK: 1.5 }))).toMatch(/top-k/);
    expect(samplingProblem(options({ repeatPenalty: 0 }))).toMatch(/repeat-penalty/);
    expect(samplingProblem(options({ seed: 2 ** 32 }))).toMatch(/seed/);
    expect(() => new Sampler(options({ seed: -1 }))).toThrow(/seed/);
  });
});
