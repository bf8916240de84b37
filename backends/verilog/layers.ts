// The layers the generated hardware computes: every ternary product of the lowered graph, with its folding, its
// accumulator width and, where its only user is a fixed-point dequant with constant scales, that requant stage.
import { type ConstDecl, type Graph, type OpNode, type Tensor, TernaryArray, withDefaults, getOp } from "../../ir/index.js";
import type { WeightSource } from "./options.js";
import { accumulatorBits, chooseFolding, cyclesPerToken, type DagShape, dagShape, type Folding, hardwiredCyclesPerToken } from "./fold.js";

/** dequant_fixed's integer part in hardware: per output row (or one for all) a multiplier and a right shift d. */
export interface Requant {
  /** The dequant_fixed's result. */
  result: string;
  fracBits: number;
  mult: number[];
  /** shift - frac_bits per row (or one for all): q = rne(acc * mult / 2^d). */
  d: number[];
  /** Width of q. */
  qBits: number;
}

/** A hardwired layer's add/sub network (addsub_network's program and outputs), with its depth and adder count. */
export interface HardwiredNet extends DagShape {
  program: Int32Array;
  outputs: Int32Array;
}

export interface RtlLayer {
  index: number;
  /** A folded unit reading its weights, or a hardwired network of adders. */
  kind: "mvu" | "hardwired";
  /** A folded unit's weights: its own memory, or the top's weight stream. */
  weights?: WeightSource;
  net?: HardwiredNet;
  /** The product's result (its accumulators). */
  result: string;
  weight: string;
  k: number;
  n: number;
  fold: Folding;
  accBits: number;
  cyclesPerToken: number;
  requant?: Requant;
}

/** Words of a folded unit's weights: NF row folds x KF input folds, each P x S two-bit codes. */
export const weightWords = (l: RtlLayer): number => Math.ceil(l.n / l.fold.rows) * Math.ceil(l.k / l.fold.lanes);

/** Largest |d| the requant stage takes; a scale needing more stays with the host. */
const MAX_SHIFT = 24;
/** Widest requantized value the core hands the host (exact in a double). */
const MAX_Q_BITS = 53;

const isProduct = (n: OpNode): boolean => n.op === "ternary_matmul_packed" || n.op === "addsub_network";

/** Why the core cannot compute this product, if it cannot. */
export function productProblem(node: OpNode, graph: Graph): string | undefined {
  const x = graph.typeOf(node.operands[0]!);
  if (node.op === "addsub_network") {
    if (x?.dtype !== "i8") return "the hardwired network takes int8 activations";
    if ([1, 2].some((i) => graph.definition(node.operands[i]!)?.entity.kind !== "const")) return "a hardwired network's program and outputs must be constants";
    if (typeof x.shape[1] !== "number") return "the hardwired network needs static shapes";
    return undefined;
  }
  const w = graph.definition(node.operands[1]!)?.entity;
  if (x?.dtype !== "i8") return "the ternary core takes int8 activations (compile without --act-quant none)";
  if (w?.kind !== "const" || w.type.dtype !== "ternary") return "the ternary core reads its weights from constants it holds (a ternary constant)";
  if (node.attrs.group !== undefined) return "the ternary core does not yet compute grouped products (one weight scale per block)";
  if (typeof w.type.shape[1] !== "number" || typeof w.type.shape[0] !== "number") return "the ternary core needs static shapes";
  return undefined;
}

function requantOf(graph: Graph, node: OpNode, accBits: number, loadConst: (c: ConstDecl) => Tensor): Requant | undefined {
  const users = graph.users(node.results[0]!);
  if (users.length !== 1 || users[0]!.op !== "dequant_fixed" || graph.outputs.some((o) => o.name === node.results[0])) return undefined;
  const dq = users[0]!;
  if (dq.operands[0] !== node.results[0]) return undefined;
  const [mult, shift] = [1, 2].map((i) => graph.definition(dq.operands[i]!)?.entity);
  if (mult?.kind !== "const" || shift?.kind !== "const") return undefined;
  const fracBits = withDefaults(getOp("dequant_fixed")!, dq.attrs).frac_bits as number;
  const m = Array.from(loadConst(mult).data as Int32Array);
  const d = Array.from(loadConst(shift).data as Int32Array, (s) => s - fracBits);
  if (m.some((v) => v < 0 || v >= 1 << 15) || d.some((v) => Math.abs(v) > MAX_SHIFT)) return undefined;
  // acc * mult needs accBits + 16 bits; a left shift adds up to max(-d); the rounding bias one more. The host reads q
  // as a double: beyond 53 bits the requant stays with the host.
  const qBits = accBits + 17 + Math.max(0, ...d.map((v) => -v));
  if (qBits > MAX_Q_BITS) return undefined;
  return { result: dq.results[0]!, fracBits, mult: m, d, qBits };
}

/** The products the core computes, in graph order, folded per `given` (the user's --rows/--lanes) or the cost model. */
export function rtlLayers(graph: Graph, loadConst: (c: ConstDecl) => Tensor, given: { rows?: number; lanes?: number; weights?: WeightSource }): RtlLayer[] {
  const layers: RtlLayer[] = [];
  for (const node of graph.topologicalOrder() ?? graph.ops()) {
    if (!isProduct(node)) continue;
    const k = graph.typeOf(node.operands[0]!)!.shape[1] as number;
    const n = node.resultTypes[0]!.shape[1] as number;
    const fold = chooseFolding(k, n, given);
    const accBits = accumulatorBits(k);
    const requant = requantOf(graph, node, accBits, loadConst);
    const common = { index: layers.length, result: node.results[0]!, k, n, fold, accBits, ...(requant ? { requant } : {}) };
    if (node.op === "addsub_network") {
      const [program, outputs] = [1, 2].map((i) => loadConst(graph.definition(node.operands[i]!)!.entity as ConstDecl).data as Int32Array) as [Int32Array, Int32Array];
      const net = { program, outputs, ...dagShape(k, program) };
      layers.push({ ...common, kind: "hardwired", net, weight: node.operands[1]!, cyclesPerToken: hardwiredCyclesPerToken(k, n, fold, net.depth) });
    } else {
      const w = graph.definition(node.operands[1]!)!.entity as ConstDecl;
      layers.push({ ...common, kind: "mvu", weights: given.weights ?? "memory", weight: w.name, cyclesPerToken: cyclesPerToken(k, n, fold) });
    }
  }
  return layers;
}

/** A word's bits as hex, most significant digit first ($readmemh). */
function hexWord(bits: Uint8Array, digits: number): string {
  let s = "";
  for (let i = digits - 1; i >= 0; i--) s += ((bits[i >> 1]! >> ((i & 1) * 4)) & 15).toString(16);
  return s;
}

/**
 * The weight memory of a layer as $readmemh lines: word nf * KF + kf holds rows nf*P .. nf*P+P-1 and inputs
 * kf*S .. kf*S+S-1, weight (p, s) at bits 2(S p + s): 00 = 0, 01 = +1, 11 = -1 (the lane reads the high bit alone as
 * -1); rows and inputs past the matrix are 0.
 */
export function weightHex(layer: RtlLayer, w: Tensor): string {
  const trits = w.data as TernaryArray;
  const { rows: P, lanes: S } = layer.fold;
  const kf = Math.ceil(layer.k / S);
  const nf = Math.ceil(layer.n / P);
  const lines: string[] = [];
  const digits = Math.ceil((2 * P * S) / 4);
  const bits = new Uint8Array(Math.ceil(digits / 2));
  for (let f = 0; f < nf; f++) {
    for (let c = 0; c < kf; c++) {
      bits.fill(0);
      for (let p = 0; p < P; p++) {
        const o = f * P + p;
        if (o >= layer.n) break;
        for (let s = 0; s < S; s++) {
          const i = c * S + s;
          if (i >= layer.k) break;
          const v = trits.get(o * layer.k + i);
          if (v === 0) continue;
          const bit = 2 * (S * p + s);
          bits[bit >> 3]! |= (v > 0 ? 1 : 3) << (bit & 7);
        }
      }
      lines.push(hexWord(bits, digits));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The requant table of a layer with per-row scales: one line per row of NF * P, {mult (16 bits), d (8 bits)}. */
export function requantHex(layer: RtlLayer): string {
  const rq = layer.requant!;
  const rows = Math.ceil(layer.n / layer.fold.rows) * layer.fold.rows;
  const lines: string[] = [];
  for (let o = 0; o < rows; o++) {
    const at = (v: number[]): number => v[v.length === 1 ? 0 : Math.min(o, layer.n - 1)]!;
    lines.push(((at(rq.mult) << 8) | (at(rq.d) & 0xff)).toString(16).padStart(6, "0"));
  }
  return `${lines.join("\n")}\n`;
}
