// lower-ternary-matmul (L1 -> L2): every ternary product becomes additions and subtractions only, in the
// form a cost model picks per layer (or the one asked for): a packed-weight kernel, the lookup-table form,
// or, for small constant layers, an explicit add/sub network with shared sums. All are exact.
import { type Graph, lutEntries, MAX_LUT_GROUP, type OpNode, type TernaryArray, balancedDigits } from "../../ir/index.js";
import { UserError } from "../errors.js";
import { buildAddSubNetwork } from "./addSubNetwork.js";
import type { Pass, PassContext } from "./pass.js";

export const LOWERING_FORMS = ["auto", "i2", "tq1", "lut", "addsub"] as const;
export type LoweringForm = (typeof LOWERING_FORMS)[number];

/** Layers up to this many weights may become an explicit network (its size grows with the weights). */
const ADDSUB_MAX_WEIGHTS = 4096;

/** Additions per token of each form for an n x k weight (the table is built once per token). */
export function additionCounts(w: TernaryArray, n: number, k: number, g: number): { plain: number; lut: number; lutTable: number } {
  let plain = 0;
  let lut = 0;
  const groups = Math.ceil(k / g);
  for (let o = 0; o < n; o++) {
    let nz = 0;
    let used = 0;
    for (let j = 0; j < groups; j++) {
      let any = false;
      for (let i = j * g; i < Math.min(k, (j + 1) * g); i++) {
        if (w.get(o * k + i) !== 0) {
          nz++;
          any = true;
        }
      }
      if (any) used++;
    }
    plain += Math.max(nz - 1, 0);
    lut += Math.max(used - 1, 0);
  }
  const table = lutTableAdditions(g) * groups;
  return { plain, lut: lut + table, lutTable: table };
}

/**
 * Estimated cycles per token of each form on a SIMD CPU (AVX2 or NEON), the larger of its memory time (weight
 * bytes at about 5 bytes per cycle per core) and its compute time: the 2-bit kernel spends about 4 cycles per
 * 32-byte block of 128 weights, the base-3 kernel about 12 per block of 160 (five multiply-and-shift digit
 * extractions), the lookup-table kernel about 1.5 per group (a scalar read and add) plus building the table.
 */
export function cpuCycles(n: number, k: number, g: number): { i2: number; tq1: number; lut: number } {
  const bytesPerCycle = 5;
  const i2Blocks = n * Math.ceil(k / 128);
  const tq1Blocks = n * Math.ceil(k / 160);
  const groups = Math.ceil(k / g);
  return {
    i2: Math.max((i2Blocks * 32) / bytesPerCycle, i2Blocks * 4),
    tq1: Math.max((tq1Blocks * 32) / bytesPerCycle, tq1Blocks * 12),
    lut: Math.max((n * groups * 2) / bytesPerCycle, n * groups * 1.5) + groups * lutEntries(g) * g,
  };
}

/** Additions to build one group's table: entries with two or more non-zero digits cost one each (from an entry with one digit fewer). */
export function lutTableAdditions(g: number): number {
  let adds = 0;
  for (let v = 1; v < lutEntries(g); v++) if (balancedDigits(v, g).filter((d) => d !== 0).length >= 2) adds++;
  return adds;
}

export const COST_MODELS = ["additions", "cpu"] as const;
export type CostModel = (typeof COST_MODELS)[number];

function lowerOne(graph: Graph, node: OpNode, ctx: PassContext, form: LoweringForm, g: number, cost: CostModel, addsubBelow: number): string {
  const [x, w] = node.operands as [string, string];
  const wDecl = graph.definition(w)?.entity;
  const xType = graph.typeOf(x)!;
  const [n, k] = graph.typeOf(w)!.shape as [number, number];
  const integer = xType.dtype === "i8" && node.attrs.group === undefined;
  const weight = wDecl?.kind === "const" ? (ctx.loadConst(wDecl).data as TernaryArray) : undefined;
  // Counted once: the cost model and the note read the same figures.
  let counts: ReturnType<typeof additionCounts> | undefined;
  const countsOf = (wt: TernaryArray): ReturnType<typeof additionCounts> => (counts ??= additionCounts(wt, n, k, g));
  let chosen = form;
  // A small constant layer with int8 activations becomes a network whatever the form (a hardwired layer in RTL).
  if (n * k < addsubBelow && integer && weight) chosen = "addsub";
  else if (form === "auto") {
    if (!integer || !weight) chosen = "i2";
    else if (n * k <= ADDSUB_MAX_WEIGHTS) chosen = "addsub";
    else if (cost === "cpu") {
      const c = cpuCycles(n, k, g);
      chosen = c.lut < Math.min(c.i2, c.tq1) ? "lut" : c.tq1 < c.i2 ? "tq1" : "i2";
      ctx.note(`%${node.results[0]}: ${chosen}, estimated cycles per token: i2 ${Math.round(c.i2)}, tq1 ${Math.round(c.tq1)}, lut (g=${g}) ${Math.round(c.lut)}`);
    } else {
      const c = countsOf(weight);
      chosen = c.lut < c.plain ? "lut" : "i2";
    }
  }
  if ((chosen === "lut" || chosen === "addsub") && !integer) {
    // An f32 sum in another order would round differently, and grouped sums need their own layout.
    throw new UserError(`lower-ternary-matmul: %${node.results[0]} cannot use form '${chosen}' (it needs int8 activations and no scale groups); use i2 or tq1`);
  }
  if ((chosen === "lut" || chosen === "addsub") && !weight) throw new UserError(`lower-ternary-matmul: form '${chosen}' needs %${w} to be a constant`);
  const acc = node.results[0]!;
  if (chosen === "i2" || chosen === "tq1") {
    graph.replaceOp(node, [{ op: "ternary_matmul_packed", operands: [x, w], results: [acc], attrs: { format: chosen, ...(node.attrs.group !== undefined ? { group: node.attrs.group } : {}) }, loc: node.loc }]);
  } else if (chosen === "lut") {
    const table = graph.freshName(`${acc}.lut`);
    graph.replaceOp(node, [
      { op: "lut_build", operands: [x], results: [table], attrs: { group: g }, loc: node.loc },
      { op: "lut_matmul", operands: [table, w], results: [acc], attrs: { group: g }, loc: node.loc },
    ]);
  } else {
    const net = buildAddSubNetwork(weight!, n, k);
    const program = graph.freshName(`${w}.program`);
    const outputs = graph.freshName(`${w}.outputs`);
    graph.addConst(program, { dtype: "i32", shape: [net.program.length / 3, 3] }, { kind: "inline", tensor: { dtype: "i32", shape: [net.program.length / 3, 3], data: Int32Array.from(net.program) } });
    graph.addConst(outputs, { dtype: "i32", shape: [n, 2] }, { kind: "inline", tensor: { dtype: "i32", shape: [n, 2], data: Int32Array.from(net.outputs) } });
    graph.replaceOp(node, [{ op: "addsub_network", operands: [x, program, outputs], results: [acc], loc: node.loc }]);
    ctx.note(`%${acc}: add/sub network, ${net.additions} additions per token (${net.plainAdditions} without shared sums)`);
    return chosen;
  }
  if (weight && !(form === "auto" && cost === "cpu")) {
    const c = countsOf(weight);
    ctx.note(`%${acc}: ${chosen}, additions per token: plain ${c.plain}, lookup table (g=${g}) ${c.lut}`);
  }
  return chosen;
}

function run(graph: Graph, ctx: PassContext): boolean {
  const form = (ctx.options.form ?? "auto") as LoweringForm;
  if (!LOWERING_FORMS.includes(form)) throw new UserError(`lower-ternary-matmul: form '${form}' is not one of ${LOWERING_FORMS.join(", ")}`);
  const g = Number(ctx.options.group ?? 4);
  if (!Number.isInteger(g) || g < 1 || g > MAX_LUT_GROUP) throw new UserError(`lower-ternary-matmul: group '${ctx.options.group}' must be 1 to ${MAX_LUT_GROUP}`);
  const cost = (ctx.options.cost ?? "additions") as CostModel;
  if (!COST_MODELS.includes(cost)) throw new UserError(`lower-ternary-matmul: cost '${cost}' is not one of ${COST_MODELS.join(", ")}`);
  const addsubBelow = Number(ctx.options.addsubBelow ?? 0);
  if (!Number.isInteger(addsubBelow) || addsubBelow < 0) throw new UserError(`lower-ternary-matmul: addsubBelow '${ctx.options.addsubBelow}' must be a whole number of weights`);
  const nodes = graph.ops().filter((n) => n.op === "ternary_matmul");
  for (const node of nodes) lowerOne(graph, node, ctx, form, g, cost, addsubBelow);
  return nodes.length > 0;
}

export const lowerTernaryMatmulPass: Pass = {
  name: "lower-ternary-matmul",
  exact: true,
  summary: "L1 -> L2: ternary products as additions only (packed kernel, lookup table, or add/sub network)",
  description:
    "Options {form=auto|i2|tq1|lut|addsub, group=G}. auto: layers of up to 4096 weights become an add/sub network " +
    "with shared sums; larger int8 layers use the lookup-table form (precompute the (3^G+1)/2 partial sums of each " +
    "group of G activations per token, then one read and add per group per output) when it needs fewer additions " +
    "than one per non-zero weight, else the 2-bit packed kernel. f32 and grouped products use packed kernels, which " +
    "keep the summation order. Notes give the additions per token of each form. All forms are exact.",
  options: {
    form: "auto | i2 | tq1 | lut | addsub (default auto)",
    group: "activations per lookup-table group, 1 to 8 (default 4)",
    cost: "additions | cpu: what form=auto minimizes, additions per token (default) or estimated SIMD CPU cycles (cpuCycles)",
    addsubBelow: "layers of fewer weights than this (int8 activations, constant weights) become add/sub networks whatever the form (default 0: none)",
  },
  run,
};
