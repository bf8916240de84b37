// report.json: what a hardware engineer asks first of the generated core: per layer its folding, cycles per token
// and weight memory; the projected tokens/s at a clock, with the weights on chip or streamed from memory of a given
// bandwidth; and the same projection for the bitnet-b1.58-2B-4T shape, folded to keep up with that memory.
import { actQuantWidths, BITNET_2B4T_DIMS, ternaryProductShapes } from "../../ir/index.js";
import { actQuantCyclesPerToken, type RtlActQuant } from "./actQuant.js";
import { chooseFolding, cyclesPerToken, DEFAULT_WEIGHTS_PER_CYCLE, type Folding } from "./fold.js";
import { SYNTHESIS_FILE } from "./synth.js";
import { type RtlLayer, weightWords } from "./layers.js";

export interface ProjectionOptions {
  clockMhz: number;
  memGbps: number;
  /** The activation quantizers' mantissas a cycle. */
  quantLanes: number;
}

/** Bits a streamed ternary weight takes (the 2-bit code ternc_mvu reads). */
const BITS_PER_WEIGHT = 2;

interface Product {
  n: number;
  k: number;
  fold: Folding;
}

/**
 * Cycles, bytes and tokens/s of one token through `products`, one after another on the core, and the activation
 * quantizations taking `quantCycles` (the quantizer runs between the products, not beside them).
 */
function projection(products: ReadonlyArray<Product & { cyclesPerToken?: number }>, quantCycles: number, o: ProjectionOptions): Record<string, number> {
  const productCycles = products.reduce((s, p) => s + (p.cyclesPerToken ?? cyclesPerToken(p.k, p.n, p.fold)), 0);
  const cycles = productCycles + quantCycles;
  const weights = products.reduce((s, p) => s + p.n * p.k, 0);
  const bytes = (weights * BITS_PER_WEIGHT) / 8;
  const computeTps = (o.clockMhz * 1e6) / cycles;
  const memoryTps = (o.memGbps * 1e9) / bytes;
  return {
    cyclesPerToken: cycles,
    activationQuantCyclesPerToken: quantCycles,
    weightsPerToken: weights,
    weightBytesPerToken: bytes,
    tokensPerSecondOnChip: computeTps,
    tokensPerSecondMemoryBound: memoryTps,
    tokensPerSecondStreamed: Math.min(computeTps, memoryTps),
    shareOfMemoryBound: Math.min(computeTps, memoryTps) / memoryTps,
  };
}

/** The 2B-4T shape folded with the fewest weights per cycle (a power of two) that keeps up with the memory. */
function twoB4T(o: ProjectionOptions): Record<string, unknown> {
  const shapes = ternaryProductShapes(BITNET_2B4T_DIMS);
  const quantCycles = actQuantWidths(BITNET_2B4T_DIMS).reduce((s, k) => s + actQuantCyclesPerToken(k, o.quantLanes), 0);
  const fold = (w: number): Product[] => shapes.map(([n, k]) => ({ n, k, fold: chooseFolding(k, n, {}, w) }));
  let w = DEFAULT_WEIGHTS_PER_CYCLE;
  while (w < 1 << 16 && projection(fold(w), quantCycles, o).shareOfMemoryBound! < 0.9) w *= 2;
  return { products: shapes.length, weightsPerCycle: w, ...projection(fold(w), quantCycles, o) };
}

const weightWordsBits = (l: RtlLayer): number => weightWords(l) * 2 * l.fold.rows * l.fold.lanes;

export function verilogReport(layers: readonly RtlLayer[], actQuants: readonly RtlActQuant[], o: ProjectionOptions): Record<string, unknown> {
  return {
    clockMhz: o.clockMhz,
    memGbps: o.memGbps,
    multipliersInTernaryDatapath: 0,
    // Cell counts come from synthesis, a build step: `ternc ... --synth` or `make synth` writes them.
    synthesis: `${SYNTHESIS_FILE} (build with --synth)`,
    layers: layers.map((l) => ({
      layer: l.index,
      kind: l.kind,
      ...(l.net ? { adders: l.net.adders, depth: l.net.depth } : {}),
      result: l.result,
      weight: l.weight,
      outputs: l.n,
      inputs: l.k,
      rows: l.fold.rows,
      lanes: l.fold.lanes,
      accumulatorBits: l.accBits,
      cyclesPerToken: l.cyclesPerToken,
      ...(l.kind === "mvu" ? { weights: l.weights } : {}),
      // Bits the unit holds (memory) or streams a token (stream): NF * KF words of P x S two-bit codes.
      weightMemoryBits: l.kind === "mvu" && l.weights === "memory" ? weightWordsBits(l) : 0,
      ...(l.kind === "mvu" && l.weights === "stream" ? { weightStreamBitsPerToken: weightWordsBits(l) } : {}),
      requant: l.requant ? (l.requant.mult.length > 1 || l.requant.d.length > 1 ? "per row" : "one scale") : "host",
    })),
    activationQuantizers: actQuants.map((a) => ({ result: a.result, unit: a.unit, inputs: a.k, mantissaBits: a.bits, lanes: a.lanes, cyclesPerToken: a.cyclesPerToken })),
    model: projection(layers, actQuants.reduce((s, a) => s + a.cyclesPerToken, 0), o),
    "bitnet-b1.58-2B-4T": twoB4T(o),
  };
}
