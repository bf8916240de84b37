// The activation quantizers the generated hardware computes: every act_quant_fixed of the lowered graph runs on a
// ternc_act_quant unit (one per mantissa width, its buffer as deep as the widest token it serves), with its cycle model.
import { type Graph, getOp, type OpNode, withDefaults } from "../../ir/index.js";

/** Bits of the reciprocal's quotient ternc_act_quant divides out (one a cycle); see its header. */
export const ACT_QUANT_QUOTIENT_BITS = 18;
/** The unit's EMIT pipeline: mantissa read, multiply, round. */
const ACT_QUANT_PIPELINE_CYCLES = 3;
/** Mantissas a quantizer takes (and codes it gives) a beat unless --quant-lanes says otherwise: one multiplier each. */
export const DEFAULT_QUANT_LANES = 8;

/** One act_quant_fixed node on a unit. */
export interface RtlActQuant {
  /** Its command number on ternc_top (after the products'). */
  command: number;
  unit: number;
  /** The codes (xq) and the scale the host forms from the unit's absmax. */
  result: string;
  scale: string;
  k: number;
  bits: number;
  /** Mantissas a beat (the unit's L). */
  lanes: number;
  cyclesPerToken: number;
}

/** A ternc_act_quant instance: its mantissa width and buffer depth. */
export interface ActQuantUnit {
  unit: number;
  bits: number;
  kMax: number;
  lanes: number;
}

/**
 * Cycles ternc_act_quant takes for one token of k mantissas, L a beat, from the command to the last code leaving: the
 * command, the floor and ceil(k / L) beats in, the division, as many beats of codes out through the three-stage
 * pipeline.
 */
export function actQuantCyclesPerToken(k: number, lanes: number): number {
  const beats = Math.ceil(k / lanes);
  return 1 + 1 + beats + ACT_QUANT_QUOTIENT_BITS + beats + ACT_QUANT_PIPELINE_CYCLES;
}

/** Why the hardware cannot quantize this node's activations, if it cannot. */
export function actQuantProblem(node: OpNode, graph: Graph): string | undefined {
  const k = graph.typeOf(node.operands[0]!)?.shape[1];
  return typeof k === "number" ? undefined : "the activation quantizer needs a static feature count";
}

const bitsOf = (node: OpNode): number => withDefaults(getOp("act_quant_fixed")!, node.attrs).bits as number;

/** The act_quant_fixed nodes in graph order, numbered from `firstCommand`, and the units (L lanes each) they share. */
export function rtlActQuants(graph: Graph, firstCommand: number, lanes: number): { nodes: RtlActQuant[]; units: ActQuantUnit[] } {
  const units: ActQuantUnit[] = [];
  const nodes: RtlActQuant[] = [];
  for (const node of graph.topologicalOrder() ?? graph.ops()) {
    if (node.op !== "act_quant_fixed" || actQuantProblem(node, graph)) continue;
    const k = graph.typeOf(node.operands[0]!)!.shape[1] as number;
    const bits = bitsOf(node);
    let unit = units.find((u) => u.bits === bits);
    if (!unit) units.push((unit = { unit: units.length, bits, kMax: 0, lanes }));
    unit.kMax = Math.max(unit.kMax, k);
    nodes.push({ command: 0, unit: unit.unit, result: node.results[0]!, scale: node.results[1]!, k, bits, lanes, cyclesPerToken: 0 });
  }
  // No unit is wider than its widest token (lanes past it would only multiply padding).
  for (const u of units) u.lanes = Math.min(lanes, u.kMax);
  // A command per unit: a node names its unit's, and takes its width.
  for (const n of nodes) {
    const u = units[n.unit]!;
    n.command = firstCommand + n.unit;
    n.lanes = u.lanes;
    n.cyclesPerToken = actQuantCyclesPerToken(n.k, u.lanes);
  }
  return { nodes, units };
}
