// Builds the add/sub network of a constant ternary matrix: each output row is a signed sum of inputs,
// and sums that several rows share are computed once (greedy pairwise extraction, as in multiplierless
// constant-matrix multiplication). Counts the additions of the plain and shared forms.
import type { TernaryArray } from "../../ir/index.js";

export interface AddSubNetwork {
  /** Rows (a, b, op): register k+m = r[a] + r[b] (op 0) or r[a] - r[b] (op 1). */
  program: number[];
  /** Rows (register, sign) per output; register -1 means the output is 0. */
  outputs: number[];
  /** Additions of the network (one per instruction). */
  additions: number;
  /** Additions without sharing: sum over rows of (non-zeros - 1). */
  plainAdditions: number;
}

type Row = Map<number, number>; // register -> sign

export function buildAddSubNetwork(w: TernaryArray, n: number, k: number, maxSharedPairs = Infinity): AddSubNetwork {
  const rows: Row[] = [];
  let plainAdditions = 0;
  for (let o = 0; o < n; o++) {
    const row: Row = new Map();
    for (let i = 0; i < k; i++) {
      const v = w.get(o * k + i);
      if (v !== 0) row.set(i, v);
    }
    plainAdditions += Math.max(row.size - 1, 0);
    rows.push(row);
  }
  const program: number[] = [];
  let next = k;
  // Extract the most frequent signed pair while one occurs in two rows or more (at most maxSharedPairs of them).
  for (let shared = 0; shared < maxSharedPairs; shared++) {
    const counts = new Map<string, number>();
    for (const row of rows) {
      const regs = [...row.keys()].sort((a, b) => a - b);
      for (let x = 0; x < regs.length; x++) {
        for (let y = x + 1; y < regs.length; y++) {
          const rel = row.get(regs[x]!)! * row.get(regs[y]!)!;
          const key = `${regs[x]},${regs[y]},${rel}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
    }
    let best: string | undefined;
    let bestCount = 1;
    for (const [key, c] of counts) if (c > bestCount || (c === bestCount && best !== undefined && key < best)) [best, bestCount] = [key, c];
    if (!best) break;
    const [a, b, rel] = best.split(",").map(Number) as [number, number, number];
    program.push(a, b, rel === 1 ? 0 : 1);
    const reg = next++;
    for (const row of rows) {
      const sa = row.get(a);
      const sb = row.get(b);
      if (sa === undefined || sb === undefined || sa * sb !== rel) continue;
      row.delete(a);
      row.delete(b);
      row.set(reg, sa); // sa*x_a + sb*x_b = sa*(x_a + rel*x_b)
    }
  }
  const outputs: number[] = [];
  for (const row of rows) {
    const terms = [...row.entries()].sort((x, y) => x[0] - y[0]);
    if (terms.length === 0) {
      outputs.push(-1, 1);
      continue;
    }
    // Start from a positive term when there is one; an all-negative row is computed positive and negated.
    const sign = terms.some(([, s]) => s > 0) ? 1 : -1;
    terms.sort((x, y) => y[1] * sign - x[1] * sign || x[0] - y[0]);
    let acc = terms[0]![0];
    for (const [r, s] of terms.slice(1)) {
      program.push(acc, r, s * sign > 0 ? 0 : 1);
      acc = next++;
    }
    outputs.push(acc, sign);
  }
  return { program, outputs, additions: program.length / 3, plainAdditions };
}
