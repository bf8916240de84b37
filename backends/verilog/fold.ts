// Folding a ternary product onto the core (P output rows x S input lanes per cycle, FINN's PE x SIMD) and the cycle
// model of ternc_mvu: what the generator chooses and what `report.json` and validation's cycle check use.

/** How one product is folded: `rows` (P) outputs and `lanes` (S) inputs each cycle. */
export interface Folding {
  rows: number;
  lanes: number;
}

/** Weights the cost model gives each product per cycle (P * S) when the user fixes neither. */
export const DEFAULT_WEIGHTS_PER_CYCLE = 64;
/** The widths the cost model tries (powers of two: the lane's adder tree is balanced). */
const LANE_CHOICES = [8, 16, 32, 64] as const;
/** The most rows or lanes a user may ask for (a wider unit is not what this generator is for). */
export const MAX_FOLD = 256;

/**
 * Cycles ternc_mvu takes for one token, from the command to the last result leaving: the command (1), KF beats of
 * activations, NF * KF product cycles, and the pipeline's three stages (memory read, lane sums, accumulate).
 */
export const MVU_PIPELINE_CYCLES = 3;

export const foldsOf = (size: number, width: number): number => Math.ceil(size / width);

/** The cycle model of one token through one product of k inputs and n outputs. */
export function cyclesPerToken(k: number, n: number, f: Folding): number {
  const kf = foldsOf(k, f.lanes);
  return 1 + kf + foldsOf(n, f.rows) * kf + MVU_PIPELINE_CYCLES;
}

/**
 * Cycles a hardwired layer (hardwired.ts) takes for one token: the command, KF beats of activations, `depth` cycles
 * for the registered adders to settle, NF beats of results.
 */
export function hardwiredCyclesPerToken(k: number, n: number, f: Folding, depth: number): number {
  return 1 + foldsOf(k, f.lanes) + depth + foldsOf(n, f.rows);
}

/**
 * The folding of a k-input, n-output product: the user's `rows`/`lanes` where given; otherwise, of the foldings
 * that put `weightsPerCycle` weights in each cycle (with the given one of the two), the one with the fewest cycles
 * per token (least padding), the wider lane on ties (one adder tree serves more weights).
 */
export function chooseFolding(k: number, n: number, given: { rows?: number; lanes?: number } = {}, weightsPerCycle = DEFAULT_WEIGHTS_PER_CYCLE): Folding {
  if (given.rows !== undefined && given.lanes !== undefined) return { rows: given.rows, lanes: given.lanes };
  const candidates: Folding[] =
    given.lanes !== undefined
      ? [{ lanes: given.lanes, rows: Math.max(1, Math.floor(weightsPerCycle / given.lanes)) }]
      : LANE_CHOICES.map((lanes) => ({ lanes, rows: given.rows ?? Math.max(1, Math.floor(weightsPerCycle / lanes)) }));
  let best = candidates[0]!;
  for (const c of candidates) {
    const [a, b] = [cyclesPerToken(k, n, c), cyclesPerToken(k, n, best)];
    if (a < b || (a === b && c.lanes > best.lanes)) best = c;
  }
  return best;
}

/**
 * Bits of a signed sum of k products of a ternary weight and an int8 (|sum| <= 128 k), and at least 10: the lane
 * sign-extends 9-bit terms and adds a count of up to MAX_FOLD negated terms in the same width.
 */
export function accumulatorBits(k: number): number {
  return Math.max(10, Math.ceil(Math.log2(128 * k + 1)) + 1);
}

export interface DagShape {
  /** Register levels: the longest chain of adders. */
  depth: number;
  adders: number;
}

/** The depth and size of a network of k inputs running `program` (the cycle model needs the depth). */
export function dagShape(k: number, program: Int32Array): DagShape {
  const m = program.length / 3;
  const level = new Array<number>(k + m).fill(0);
  for (let j = 0; j < m; j++) level[k + j] = 1 + Math.max(level[program[3 * j]!]!, level[program[3 * j + 1]!]!);
  return { depth: Math.max(0, ...level), adders: m };
}
