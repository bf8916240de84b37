// fold-scales: pushes positive scalar scales (per-tensor weight scales, llama.cpp's `.scale` factors,
// activation scales) forward through ops that are homogeneous in them, until an op absorbs them exactly
// in real arithmetic (RMSNorm through eps, attention through its score scale) or they must be applied
// (a residual add, a cache output). Float results change in rounding only, so this pass is exact in real
// arithmetic, not bit for bit; tests hold it to a stated tolerance.
import { ACT_FIXED_BITS, asF32, defaultAttentionScale, fixedPointScale, type Graph, type NewOp, type OpNode, tensorFromValues } from "../../ir/index.js";
import type { Pass, PassContext } from "./pass.js";

/** true(value) = c * current(base). */
interface Scaled {
  base: string;
  c: number;
}

function run(graph: Graph, ctx: PassContext): boolean {
  const order = graph.topologicalOrder();
  if (!order) return false;
  const repr = new Map<string, Scaled>();
  const get = (v: string): Scaled => repr.get(v) ?? { base: v, c: 1 };
  let changed = false;
  const absorbed: string[] = [];
  const applied: string[] = [];

  /** A positive finite scalar constant's value. */
  const positiveScalar = (v: string): number | undefined => {
    const d = graph.definition(v)?.entity;
    if (d?.kind !== "const" || d.type.shape.some((x) => x !== 1)) return undefined;
    const x = asF32(ctx.loadConst(d))[0]!;
    return Number.isFinite(x) && x > 0 ? x : undefined;
  };
  const scalarConst = (base: string, c: number): string => {
    const name = graph.freshName(base);
    graph.addConst(name, { dtype: "f32", shape: [] }, { kind: "inline", tensor: tensorFromValues("f32", [], [c]) });
    return name;
  };
  /** Dequants whose weight scale was pulled out: undoing that is free if the scale cannot be absorbed. */
  const pulled = new Map<string, { node: OpNode; ws: string; c: number }>();
  const materialized = new Map<string, string>();
  /** The true value of `v` as a value name, applying its scale if it has one. */
  const materialize = (v: string, why: string): string => {
    const s = get(v);
    if (s.c === 1) return s.base;
    const p = pulled.get(s.base);
    if (p && p.c === s.c) {
      // Put the weight scale back into its dequant instead of adding a multiply.
      const [acc, , xs] = p.node.operands as [string, string, string];
      graph.replaceOp(p.node, [{ op: "dequant", operands: [acc, p.ws, xs], results: p.node.results, attrs: p.node.attrs, loc: p.node.loc }]);
      pulled.delete(s.base);
      repr.set(v, { base: s.base, c: 1 });
      applied.push(`%${v}: scale kept in its dequant (${why})`);
      return s.base;
    }
    const key = `${s.base}*${s.c}`;
    let m = materialized.get(key);
    if (!m) {
      m = graph.freshName(`${s.base}.scaled`);
      graph.addOp({ op: "mul", operands: [s.base, scalarConst(`${s.base}.scale_factor`, s.c)], results: [m] });
      materialized.set(key, m);
      applied.push(`%${v}: applied x${s.c} (${why})`);
    }
    return m;
  };
  const rewrite = (n: OpNode, spec: Partial<NewOp>): OpNode => {
    changed = true;
    return graph.replaceOp(n, [{ op: n.op, operands: n.operands, results: n.results, attrs: n.attrs, loc: n.loc, ...spec }])[0]!;
  };

  for (const n of order) {
    const ops = n.operands.map(get);
    const r = n.results[0]!;
    const isOutput = (v: string): boolean => graph.outputs.some((o) => o.name === v);
    switch (n.op) {
      case "mul": {
        const k = positiveScalar(n.operands[1]!);
        if (k !== undefined && !isOutput(r)) {
          repr.set(r, { base: ops[0]!.base, c: ops[0]!.c * k });
          changed = true;
          continue;
        }
        if (ops.some((o) => o.c !== 1) && !isOutput(r) && positiveScalar(n.operands[0]!) === undefined) {
          rewrite(n, { operands: ops.map((o) => o.base) });
          repr.set(r, { base: r, c: ops[0]!.c * ops[1]!.c });
          continue;
        }
        break;
      }
      case "dequant": {
        const [acc, ws, xs] = n.operands as [string, string, string | undefined];
        const w = positiveScalar(ws);
        const cx = xs ? get(xs).c : 1;
        // A grouped dequant sums its groups before the activation scale: there is no single product to fuse.
        if (!xs || isOutput(r) || n.attrs.fused === true || graph.typeOf(acc)?.shape.length === 3) break;
        if (w !== undefined) {
          const one = scalarConst(`${ws}.one`, 1);
          const node = rewrite(n, { operands: [acc, one, get(xs).base], attrs: { ...n.attrs, fused: true } });
          // Putting ws back restores the true value only if the activation scale carried no factor of its own.
          if (cx === 1) pulled.set(r, { node, ws, c: w });
          repr.set(r, { base: r, c: w * cx });
          continue;
        }
        rewrite(n, { operands: [acc, ws, get(xs).base], attrs: { ...n.attrs, fused: true } });
        repr.set(r, { base: r, c: cx });
        continue;
      }
      case "act_quant":
        if (ops[0]!.c !== 1 && !n.results.some(isOutput)) {
          rewrite(n, { operands: [ops[0]!.base] });
          repr.set(n.results[1]!, { base: n.results[1]!, c: ops[0]!.c });
          continue;
        }
        break;
      case "rope":
        if (ops[0]!.c !== 1 && !isOutput(r)) {
          rewrite(n, { operands: [ops[0]!.base, n.operands[1]!] });
          repr.set(r, { base: r, c: ops[0]!.c });
          continue;
        }
        break;
      case "relu2":
        if (ops[0]!.c !== 1 && !isOutput(r)) {
          rewrite(n, { operands: [ops[0]!.base] });
          repr.set(r, { base: r, c: ops[0]!.c * ops[0]!.c });
          continue;
        }
        break;
      case "attention":
        if (ops.some((o) => o.c !== 1) && !isOutput(r)) {
          const hd = n.attrs.head_dim as number;
          const scale = ((n.attrs.scale as number | undefined) ?? defaultAttentionScale(hd)) * ops[0]!.c * ops[1]!.c;
          rewrite(n, { operands: ops.map((o) => o.base), attrs: { ...n.attrs, scale } });
          repr.set(r, { base: r, c: ops[2]!.c });
          if (ops[0]!.c * ops[1]!.c !== 1) absorbed.push(`%${r}: q/k scales into the attention scale`);
          continue;
        }
        break;
      case "rmsnorm":
        if (ops[0]!.c !== 1) {
          const c = ops[0]!.c;
          rewrite(n, { operands: [ops[0]!.base, n.operands[1]!], attrs: { ...n.attrs, eps: (n.attrs.eps as number) / (c * c) } });
          absorbed.push(`%${r}: x${c} into eps`);
          continue;
        }
        break;
    }
    // Any other op sees true values: apply pending scales to its operands.
    if (ops.some((o) => o.c !== 1)) {
      const operands = n.operands.map((v) => materialize(v, `${n.op} %${r}`));
      const live = graph.definition(r)?.entity;
      if (live && live.kind === "op") rewrite(live, { operands });
    }
  }
  // Every rule above leaves graph outputs in true scale, so the interface keeps its meaning.
  for (const o of graph.outputs) if (get(o.name).c !== 1) throw new Error(`internal: fold-scales left output %${o.name} scaled`);
  for (const line of absorbed) ctx.note(`folded ${line}`);
  for (const line of applied) ctx.note(`not folded: ${line}`);
  if (ctx.options.integer === "true") changed = toFixedPoint(graph, ctx) || changed;
  return changed;
}

/**
 * The integer pipeline: each act_quant becomes act_quant_fixed (integer absmax and rounding), each constant weight scale
 * left in a dequant a fixed-point multiplier and shift.
 */
function toFixedPoint(graph: Graph, ctx: PassContext): boolean {
  let changed = false;
  let actQuants = 0;
  for (const n of graph.ops()) {
    if (n.op !== "act_quant") continue;
    graph.replaceOp(n, [{ op: "act_quant_fixed", operands: n.operands, results: n.results, loc: n.loc }]);
    actQuants++;
  }
  if (actQuants) ctx.note(`${actQuants} act_quant as act_quant_fixed (${ACT_FIXED_BITS}-bit block fixed point, integer reciprocal)`);
  changed = actQuants > 0;
  for (const n of graph.ops()) {
    if (n.op !== "dequant" || n.operands.length < 3 || graph.typeOf(n.operands[0]!)?.shape.length !== 2) continue;
    const ws = graph.definition(n.operands[1]!)?.entity;
    if (ws?.kind !== "const") continue;
    const scales = asF32(ctx.loadConst(ws));
    if (!scales.every((v) => Number.isFinite(v) && v > 0)) continue;
    const fixed = Array.from(scales, fixedPointScale);
    const worst = Math.max(...Array.from(scales, (v, i) => Math.abs(fixed[i]!.mult * 2 ** -fixed[i]!.shift - v) / v));
    const shape = ws.type.shape.length === 0 ? [] : [scales.length];
    const mult = graph.freshName(`${ws.name}.mult`);
    const shift = graph.freshName(`${ws.name}.shift`);
    graph.addConst(mult, { dtype: "i32", shape }, { kind: "inline", tensor: { dtype: "i32", shape, data: Int32Array.from(fixed, (f) => f.mult) } });
    graph.addConst(shift, { dtype: "i32", shape }, { kind: "inline", tensor: { dtype: "i32", shape, data: Int32Array.from(fixed, (f) => f.shift) } });
    graph.replaceOp(n, [{ op: "dequant_fixed", operands: [n.operands[0]!, mult, shift, n.operands[2]!], results: n.results, loc: n.loc }]);
    ctx.note(`%${n.results[0]}: weight scale as 15-bit multiplier and shift, max relative scale error ${worst.toExponential(2)} (plus 2^-16 output rounding)`);
    changed = true;
  }
  return changed;
}

export const foldScalesPass: Pass = {
  name: "fold-scales",
  exact: false,
  summary: "fold positive scalar scales into norms (eps), attention scales and fused dequants",
  description:
    "Pulls per-tensor weight scales out of dequant (which then multiplies one combined scale per output, fused), and " +
    "carries them and other positive scalar factors (llama.cpp's `.scale` multiplies, activation scales through " +
    "act_quant) through rope, relu2 (as c^2), products and attention (q/k into its score scale, v to its output) " +
    "until an RMSNorm absorbs them (rmsnorm(c*x, eps) = rmsnorm(x, eps/c^2)) or an op needs the true value, where " +
    "the scale goes back into its dequant or is applied once. Exact in real arithmetic; floats differ in rounding " +
    "(tested within a stated tolerance). Notes list what was folded and what was not, and why. With " +
    "{integer=true} (the integer pipeline, for hardware) each act_quant becomes act_quant_fixed (exact integer absmax " +
    "quantization) and each remaining constant weight scale a 15-bit fixed-point multiplier and shift (dequant_fixed, " +
    "round half to even, 16 fractional bits), with its error noted.",
  options: { integer: "true: act_quant in integer arithmetic, the remaining weight scales as fixed-point multipliers and shifts (default false)" },
  run,
};
