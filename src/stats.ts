// `ternc stats`: arithmetic per token before and after lowering, weight bytes per storage format, memory,
// and the arithmetic energy estimate the BitNet papers use, so a user sees the paper's claims for their model.
import { elementCount, evalDim, type Graph, type OpNode, type TernaryArray, type Tensor, type ConstDecl } from "../ir/index.js";
import { additionCounts, lutTableAdditions } from "./passes/lowerTernaryMatmul.js";
import { planMemory } from "./passes/memoryPlan.js";

/** Arithmetic of one op for one token. */
export interface OpCost {
  adds: number;
  muls: number;
}

/**
 * Energy per operation in pJ, as used by BitNet (Wang et al. 2023, "BitNet: Scaling 1-bit Transformers
 * for Large Language Models", Table 2) and BitNet b1.58 (Ma et al. 2024): 45 nm figures from Horowitz,
 * "Computing's energy problem" (ISSCC 2014), 7 nm figures from Zhang et al. (PokeBNN, CVPR 2022).
 */
export const ENERGY_PJ = {
  "45nm": { int8Add: 0.03, int8Mul: 0.2, fp16Add: 0.4, fp16Mul: 1.1 },
  "7nm": { int8Add: 0.007, int8Mul: 0.07, fp16Add: 0.16, fp16Mul: 0.34 },
} as const;

type Shape = number[];

/** The layer an op belongs to, from its value names (`blk.3.q` -> `blk.3`). */
export function layerOf(n: OpNode): string {
  const m = /^(?:blk|[kv]_cache)\.(\d+)\./.exec(n.results[0] ?? "");
  return m ? `blk.${m[1]}` : n.results[0] === "embd" ? "embedding" : "head";
}

/** Model order: embedding, blocks by number, head. */
function layerRank(name: string): number {
  if (name === "embedding") return -1;
  if (name === "head") return Number.MAX_SAFE_INTEGER;
  return Number(name.slice(4));
}

function nonZeros(w: TernaryArray, n: number, k: number): number {
  let nz = 0;
  for (let i = 0; i < n * k; i++) if (w.get(i) !== 0) nz++;
  return nz;
}

/** The cost of `n` at one token, `shape(v)` giving concrete shapes and `weight(v)` ternary weights. */
export function opCost(n: OpNode, shape: (v: string) => Shape, weight: (v: string) => TernaryArray | undefined): OpCost {
  const size = (v: string): number => elementCount(shape(v));
  const out = size(n.results[0]!);
  const attr = (k: string): number => n.attrs[k] as number;
  switch (n.op) {
    case "embedding":
    case "concat":
      return { adds: 0, muls: 0 };
    case "add":
      return { adds: out, muls: 0 };
    case "mul":
    case "relu2":
      return { adds: 0, muls: out };
    case "silu":
    case "softmax":
      return { adds: out, muls: out }; // one add and one division (counted as a multiply) per element
    case "rmsnorm": {
      const d = shape(n.operands[0]!).at(-1)!;
      return { adds: out, muls: 3 * out + 2 * (out / d) };
    }
    case "rope":
      return { adds: out, muls: 2 * out };
    case "attention": {
      const s = shape(n.operands[1]!)[0]!;
      const heads = attr("heads");
      const hd = attr("head_dim");
      return { adds: heads * s * (2 * hd + 1), muls: heads * s * (2 * hd + 2) };
    }
    case "matmul": {
      const [nOut, k] = shape(n.operands[1]!) as [number, number];
      return { adds: nOut * k, muls: nOut * k };
    }
    case "act_quant": {
      const k = shape(n.operands[0]!).at(-1)!;
      return { adds: 0, muls: k + 2 };
    }
    case "act_quant_fixed": {
      // per element the power-of-two scaling (free), the reciprocal multiply and the rounding add; one division a token
      const k = shape(n.operands[0]!).at(-1)!;
      return { adds: out, muls: out + out / k };
    }
    case "dequant":
      return { adds: 0, muls: (n.attrs.fused === true ? 1 : 2) * out };
    case "dequant_fixed":
      return { adds: 0, muls: 2 * out }; // an integer multiply and the activation scale (the shift is free)
    case "elementwise": {
      const steps = String(n.attrs.expr).split(/\s+/).filter((t) => t && t[0] !== "$");
      const adds = steps.filter((t) => t === "add" || t === "silu").length;
      const muls = steps.filter((t) => t !== "add").length;
      return { adds: adds * out, muls: muls * out };
    }
    case "bitlinear": {
      // Before lowering a linear layer is what a dense model computes: one multiply-add per weight.
      const [nOut, k] = shape(n.operands[1]!) as [number, number];
      return { adds: nOut * k, muls: nOut * k };
    }
    case "ternary_matmul":
    case "ternary_matmul_packed": {
      const [nOut, k] = shape(n.operands[1]!) as [number, number];
      const w = weight(n.operands[1]!);
      return { adds: w ? Math.max(nonZeros(w, nOut, k) - nOut, 0) : Math.round((2 / 3) * nOut * k), muls: 0 };
    }
    case "lut_build":
      return { adds: lutTableAdditions(attr("group")) * shape(n.results[0]!)[1]!, muls: 0 };
    case "lut_matmul": {
      const [nOut, k] = shape(n.operands[1]!) as [number, number];
      const w = weight(n.operands[1]!);
      const c = w ? additionCounts(w, nOut, k, attr("group")) : undefined;
      return { adds: c ? c.lut - c.lutTable : Math.ceil(k / attr("group")) * nOut, muls: 0 };
    }
    case "addsub_network":
      return { adds: shape(n.operands[1]!)[0]!, muls: 0 };
    default:
      return { adds: 0, muls: 0 };
  }
}

export interface LayerCost {
  layer: string;
  before: OpCost;
  after: OpCost;
}

/** Ops whose additions are the ternary matrix products (what the energy estimate counts). */
const TERNARY_PRODUCT_OPS = new Set(["ternary_matmul", "ternary_matmul_packed", "lut_build", "lut_matmul", "addsub_network"]);

/** Concrete shapes (symbols bound) and ternary weights of a graph's values. */
function graphView(g: Graph, bindings: ReadonlyMap<string, number>, loadConst: (c: ConstDecl) => Tensor): { shape: (v: string) => Shape; weight: (v: string) => TernaryArray | undefined } {
  return {
    shape: (v) => (g.typeOf(v)?.shape ?? []).map((d) => evalDim(d, bindings) ?? 0),
    weight: (v) => {
      const d = g.definition(v)?.entity;
      return d?.kind === "const" && d.type.dtype === "ternary" ? (loadConst(d).data as TernaryArray) : undefined;
    },
  };
}

/** Every op costed once: totals per layer, and the additions of the ternary products among them. */
function graphCosts(g: Graph, bindings: ReadonlyMap<string, number>, loadConst: (c: ConstDecl) => Tensor): { layers: Map<string, OpCost>; ternaryAdds: number } {
  const { shape, weight } = graphView(g, bindings, loadConst);
  const layers = new Map<string, OpCost>();
  let ternaryAdds = 0;
  for (const n of g.topologicalOrder() ?? []) {
    const c = opCost(n, shape, weight);
    const l = layers.get(layerOf(n)) ?? { adds: 0, muls: 0 };
    layers.set(layerOf(n), { adds: l.adds + c.adds, muls: l.muls + c.muls });
    if (TERNARY_PRODUCT_OPS.has(n.op)) ternaryAdds += c.adds;
  }
  return { layers, ternaryAdds };
}

export interface ModelStats {
  context: number;
  layers: LayerCost[];
  total: LayerCost;
  /** Ternary weights and what they take in each format. */
  ternaryWeights: number;
  weightBytes: { f16: number; twoBit: number; base3: number };
  otherWeightBytes: number;
  kvBytesPerToken: number;
  peakActivationBytes: number;
  /**
   * fp16Baseline: FP16 multiply-adds of a dense model; perWeight: one INT8 addition per weight (the papers'
   * count); ternary: this graph's additions after lowering.
   */
  energy: Record<keyof typeof ENERGY_PJ, { fp16Baseline: number; perWeight: number; ternary: number; ratio: number; perWeightRatio: number }>;
  /** Per weight shape: additions per token, one per non-zero weight vs the lookup-table form (g = 4). */
  products: Array<{ shape: [number, number]; layers: number; plain: number; lut: number }>;
}

/** Stats of `before` (the L0 model graph) and `after` (the same graph after the pipeline), at one decode step. */
export function modelStats(before: Graph, after: Graph, context: number, loadConst: (c: ConstDecl) => Tensor): ModelStats {
  const bindings = new Map([["T", 1], ["P", context]]);
  const { layers: b } = graphCosts(before, bindings, loadConst);
  const { layers: a, ternaryAdds } = graphCosts(after, bindings, loadConst);
  const names = [...new Set([...b.keys(), ...a.keys()])].sort((x, y) => layerRank(x) - layerRank(y));
  const layers = names.map((layer) => ({ layer, before: b.get(layer) ?? { adds: 0, muls: 0 }, after: a.get(layer) ?? { adds: 0, muls: 0 } }));
  const sum = (f: (l: LayerCost) => OpCost): OpCost => layers.reduce((acc, l) => ({ adds: acc.adds + f(l).adds, muls: acc.muls + f(l).muls }), { adds: 0, muls: 0 });
  let ternaryWeights = 0;
  let scaleBytes = 0;
  let otherWeightBytes = 0;
  for (const c of before.consts()) {
    const count = elementCount(c.type.shape as number[]);
    const isLinearWeight = before.users(c.name).some((u) => u.op === "bitlinear" && u.operands[1] === c.name);
    if (isLinearWeight) ternaryWeights += count;
    else if (before.users(c.name).some((u) => u.op === "bitlinear" && u.operands[2] === c.name)) scaleBytes += 4 * count;
    else otherWeightBytes += count * (c.type.dtype === "f32" ? 4 : c.type.dtype === "i8" ? 1 : 2);
  }
  // The matrix products' arithmetic, as the paper estimates it: FP16 multiply-adds for a dense model,
  // INT8 additions for the ternary one (quantization and rescaling are a small per-row cost, left out as there).
  let denseMacs = 0;
  const { shape } = graphView(before, bindings, loadConst);
  for (const n of before.ops()) if (n.op === "bitlinear") denseMacs += elementCount(shape(n.operands[1]!));
  const energy = Object.fromEntries(
    Object.entries(ENERGY_PJ).map(([tech, e]) => {
      const fp16Baseline = denseMacs * (e.fp16Add + e.fp16Mul);
      const perWeight = denseMacs * e.int8Add;
      const ternary = ternaryAdds * e.int8Add;
      return [tech, { fp16Baseline, perWeight, ternary, ratio: ternary ? fp16Baseline / ternary : 0, perWeightRatio: perWeight ? fp16Baseline / perWeight : 0 }];
    }),
  ) as ModelStats["energy"];
  const plan = planMemory(after, bindings);
  const byShape = new Map<string, ModelStats["products"][number]>();
  for (const n of before.ops()) {
    if (n.op !== "bitlinear") continue;
    const d = before.definition(n.operands[1]!)?.entity;
    if (d?.kind !== "const" || d.type.dtype !== "ternary") continue;
    const [nOut, k] = d.type.shape as [number, number];
    const c = additionCounts(loadConst(d).data as TernaryArray, nOut, k, 4);
    const e = byShape.get(`${nOut}x${k}`) ?? { shape: [nOut, k], layers: 0, plain: 0, lut: 0 };
    byShape.set(`${nOut}x${k}`, { ...e, layers: e.layers + 1, plain: e.plain + c.plain, lut: e.lut + c.lut });
  }
  return {
    products: [...byShape.values()],
    context,
    layers,
    total: { layer: "total", before: sum((l) => l.before), after: sum((l) => l.after) },
    ternaryWeights,
    weightBytes: { f16: 2 * ternaryWeights, twoBit: ternaryWeights / 4 + scaleBytes, base3: (ternaryWeights * 54) / 256 + scaleBytes },
    otherWeightBytes,
    kvBytesPerToken: plan.kvBytesPerToken,
    peakActivationBytes: plan.peakBytes,
    energy,
  };
}

const num = (x: number): string => Math.round(x).toLocaleString("en-US");
const mib = (x: number): string => `${(x / (1 << 20)).toFixed(2)} MiB`;

/** The human-readable report. */
export function formatStats(s: ModelStats): string {
  const w = Math.max(9, ...s.layers.map((l) => l.layer.length));
  const row = (l: LayerCost): string => `${l.layer.padEnd(w)}  ${num(l.before.muls).padStart(14)}  ${num(l.before.adds).padStart(14)}  ${num(l.after.muls).padStart(12)}  ${num(l.after.adds).padStart(14)}`;
  const lines = [
    `arithmetic per token (decode step at context ${s.context}); before = linear layers as dense multiply-adds, after = the lowered graph`,
    `${"layer".padEnd(w)}  ${"muls before".padStart(14)}  ${"adds before".padStart(14)}  ${"muls after".padStart(12)}  ${"adds after".padStart(14)}`,
    ...s.layers.map(row),
    row(s.total),
    "",
    "ternary products, additions per token: one per non-zero weight vs the lookup-table form (groups of 4)",
    ...s.products.map((p) => `  ${`${p.shape[0]} x ${p.shape[1]}`.padEnd(13)} x${String(p.layers).padEnd(4)} plain ${num(p.plain).padStart(14)}   lookup table ${num(p.lut).padStart(14)}   (${(p.plain / Math.max(p.lut, 1)).toFixed(2)}x fewer)`),
    "",
    `ternary weights: ${num(s.ternaryWeights)}`,
    `  as f16:               ${mib(s.weightBytes.f16)}`,
    `  2-bit (i2):           ${mib(s.weightBytes.twoBit)}  (${(s.weightBytes.f16 / s.weightBytes.twoBit).toFixed(2)}x smaller than f16)`,
    `  1.6-bit (base 3):     ${mib(s.weightBytes.base3)}  (${(s.weightBytes.f16 / s.weightBytes.base3).toFixed(2)}x smaller than f16)`,
    `other weights (embedding, head, norms, as stored): ${mib(s.otherWeightBytes)}`,
    "",
    `KV cache: ${(s.kvBytesPerToken / 1024).toFixed(1)} KiB per token of context (f32); at ${s.context}: ${mib(s.kvBytesPerToken * s.context)}`,
    `peak activation memory per decode step: ${(s.peakActivationBytes / 1024).toFixed(1)} KiB (the grown KV cache, an output of the step, included)`,
    "",
    "arithmetic energy of the matrix products per token (FP16 multiply-adds of a dense model vs INT8 additions):",
    ...Object.entries(s.energy).map(
      ([tech, e]) =>
        `  ${tech}: dense FP16 ${(e.fp16Baseline / 1e6).toFixed(3)} uJ; one INT8 add per weight (the paper's count) ${(e.perWeight / 1e6).toFixed(4)} uJ, ${e.perWeightRatio.toFixed(1)}x less; this graph's additions ${(e.ternary / 1e6).toFixed(4)} uJ, ${e.ratio.toFixed(1)}x less`,
    ),
    "  (per-operation energies from BitNet, Wang et al. 2023, Table 2: 45 nm after Horowitz 2014, 7 nm after Zhang et al. 2022)",
  ];
  return `${lines.join("\n")}\n`;
}
