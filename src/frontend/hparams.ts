// Reading a model's hyper-parameters from its metadata (GGUF keys, config.json) as checked numbers: a count is a whole
// number within sane bounds, a scale a positive finite number, and each failure names the file and the key. A model
// file is untrusted: block_count 2^32 or -1, a context of NaN, must stop here, not reach the graph or generated code.
import { UserError } from "../errors.js";

/** Larger than any real model's layer count, head count, width or vocabulary, yet small enough to allocate safely. */
export const HPARAM_LIMITS = { layers: 4096, width: 1 << 20, vocab: 1 << 24, context: 1 << 24 } as const;

export interface HParamReader {
  /** A whole number in [1, max]; `fallback` when the key is absent (and a fallback is given). */
  count(key: string, max: number, fallback?: number): number;
  /** A finite number > 0 (and < `below` when given); `fallback` when absent. */
  positive(key: string, fallback?: number, below?: number): number;
  /** Like count, but undefined when the key is absent. */
  optionalCount(key: string, max: number): number | undefined;
}

/**
 * A reader over `get(key)` for `file`; `describe(key)` names the key in messages (`metadata key 'llama.block_count'`,
 * `'num_hidden_layers'`).
 */
export function hparamReader(get: (key: string) => unknown, file: string, describe: (key: string) => string): HParamReader {
  const shown = (v: unknown): string => (typeof v === "number" ? String(v) : (JSON.stringify(v) ?? String(v)));
  const invalid = (key: string, what: string, v: unknown): UserError => new UserError(`${file}: invalid ${describe(key)}: expected ${what}, got ${shown(v)}`);
  // A fallback is the caller's (often derived from other keys, checked where they meet): only file values are checked here.
  const given = (key: string): number | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) throw invalid(key, "a number", v);
    return v;
  };
  const missing = (key: string): UserError => new UserError(`${file}: missing ${describe(key)}`);
  const count = (key: string, max: number, fallback?: number): number => {
    const v = given(key);
    if (v === undefined) {
      if (fallback === undefined) throw missing(key);
      return fallback;
    }
    if (!Number.isInteger(v) || v < 1 || v > max) throw invalid(key, `a whole number from 1 to ${max}`, v);
    return v;
  };
  return {
    count,
    positive(key, fallback, below) {
      const v = given(key);
      if (v === undefined) {
        if (fallback === undefined) throw missing(key);
        return fallback;
      }
      if (!(v > 0) || (below !== undefined && !(v < below))) throw invalid(key, `a number above 0${below !== undefined ? ` and below ${below}` : ""}`, v);
      return v;
    },
    optionalCount: (key, max) => (get(key) === undefined ? undefined : count(key, max)),
  };
}

/** Rotary embedding turns pairs of dimensions: the rotated width must be even. `source` says where it came from. */
export function requireEvenRopeDims(hp: { headDim: number; ropeDims?: number }, file: string, source: string): void {
  const dims = hp.ropeDims ?? hp.headDim;
  if (dims % 2 !== 0) throw new UserError(`${file}: ${source} is ${dims}: rotary embedding turns pairs of dimensions, so it must be even`);
}
