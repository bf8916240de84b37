// Tensor dimensions that may be symbolic: a constant plus a sum of named sizes (e.g. `P+T`).

/**
 * A dimension: a non-negative integer, or a symbolic sum such as `T` or `P+T` (past plus new tokens,
 * the length of a KV cache after an append). Symbolic dims are bound to numbers when a graph runs.
 */
export type Dim = number | SymDim;

/** A symbolic dimension: `constant + sum(coeff * symbol)`, kept canonical (sorted, no zero terms). */
export interface SymDim {
  readonly constant: number;
  /** Symbol name -> coefficient, names sorted. */
  readonly terms: ReadonlyArray<readonly [string, number]>;
}

export function sym(name: string): SymDim {
  return { constant: 0, terms: [[name, 1]] };
}

function normalize(constant: number, terms: Map<string, number>): Dim {
  const sorted = [...terms.entries()].filter(([, c]) => c !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (sorted.length === 0) return constant;
  return { constant, terms: sorted };
}

function termsOf(d: Dim): Map<string, number> {
  return typeof d === "number" ? new Map() : new Map(d.terms);
}

function constantOf(d: Dim): number {
  return typeof d === "number" ? d : d.constant;
}

/** a + b, symbolically. */
export function addDims(a: Dim, b: Dim): Dim {
  const terms = termsOf(a);
  for (const [s, c] of termsOf(b)) terms.set(s, (terms.get(s) ?? 0) + c);
  return normalize(constantOf(a) + constantOf(b), terms);
}

export function isStaticDim(d: Dim): d is number {
  return typeof d === "number";
}

export function dimEquals(a: Dim, b: Dim): boolean {
  return formatDim(a) === formatDim(b);
}

/** Canonical text of a dim: `64`, `T`, `P+T`, `2*T+1`. */
export function formatDim(d: Dim): string {
  if (typeof d === "number") return String(d);
  const parts = d.terms.map(([s, c]) => (c === 1 ? s : `${c}*${s}`));
  if (d.constant !== 0) parts.push(String(d.constant));
  return parts.join("+");
}

/** Symbols a dim mentions. */
export function dimSymbols(d: Dim): string[] {
  return typeof d === "number" ? [] : d.terms.map(([s]) => s);
}

/** Builds a dim from parsed terms (`[coeff, symbol | undefined]`, undefined meaning a constant). */
export function dimFromTerms(parts: ReadonlyArray<readonly [number, string | undefined]>): Dim {
  let constant = 0;
  const terms = new Map<string, number>();
  for (const [c, s] of parts) {
    if (s === undefined) constant += c;
    else terms.set(s, (terms.get(s) ?? 0) + c);
  }
  return normalize(constant, terms);
}

/** Evaluates a dim under a binding of its symbols; undefined if a symbol is unbound. */
export function evalDim(d: Dim, bindings: ReadonlyMap<string, number>): number | undefined {
  if (typeof d === "number") return d;
  let v = d.constant;
  for (const [s, c] of d.terms) {
    const b = bindings.get(s);
    if (b === undefined) return undefined;
    v += c * b;
  }
  return v;
}
