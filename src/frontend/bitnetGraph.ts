// Builds the graph IR of a LLaMA-architecture BitNet b1.58 model from hyper-parameters and weights.
import { type ActQuantMode, type ConstData, type Dim, Graph, type ModelDims, type Tensor, type TensorType, sym } from "../../ir/index.js";

/** A weight still in its model file: its IR type is known, its data is decoded on first use. */
export interface LazyWeight {
  type: TensorType;
  /** Where it comes from, for messages: `model.gguf: blk.0.attn_q.weight (TQ2_0)`. */
  source: string;
  load: () => Tensor;
  /** The data in the external-blob layout, in pieces, without materializing it whole (for import). */
  chunks?: () => Iterable<Uint8Array>;
}

/** A weight given as data, or still in its file. */
export type WeightRef = Tensor | LazyWeight;

function isLazy(w: WeightRef): w is LazyWeight {
  return "load" in w;
}

/** The FFN gate activation: SiLU (LLaMA-form BitNet b1.58) or squared ReLU (bitnet-b1.58-2B-4T). */
export type FfnActivation = "silu" | "relu2";

/** Hyper-parameters of a BitNet model, as read from a model file: its dimensions, and how its layers compute. */
export interface BitnetHParams extends ModelDims {
  rmsEps: number;
  ropeBase: number;
  ropeStyle: "neox" | "interleaved";
  /** Rotated dims per head; default headDim. */
  ropeDims?: number;
  ffnActivation: FfnActivation;
  /** RMSNorms before the attention output and FFN down projections (the 2B-4T form). */
  subNorms: boolean;
}

/**
 * A BitLinear weight: ternary with its scale (f32[], f32[out], or f32[out, in/group] with `group`), or a
 * float master weight. `outScale` is an extra one-element factor on the output (llama.cpp's `.scale`).
 */
export interface LinearWeight {
  weight: WeightRef;
  scale?: WeightRef;
  group?: number;
  outScale?: WeightRef;
}

export interface BitnetBlockWeights {
  attnNorm: WeightRef;
  q: LinearWeight;
  k: LinearWeight;
  v: LinearWeight;
  attnSubNorm?: WeightRef;
  o: LinearWeight;
  ffnNorm: WeightRef;
  gate: LinearWeight;
  up: LinearWeight;
  ffnSubNorm?: WeightRef;
  down: LinearWeight;
}

export interface BitnetWeights {
  tokenEmbd: WeightRef;
  blocks: BitnetBlockWeights[];
  outputNorm: WeightRef;
  /** The LM head; absent means tied to tokenEmbd. */
  output?: WeightRef;
}

export interface BitnetGraphOptions {
  name?: string;
  /** Take the KV cache as inputs `k_cache.N`/`v_cache.N` (P past tokens) and return the grown cache. */
  kvCache?: boolean;
  actQuant?: ActQuantMode;
}

/**
 * The model as one graph: inputs `tokens : i32[T]` and `pos : i32[T]` (plus the KV cache when asked),
 * output `logits : f32[T, vocab]` (plus `k_cache.N.next`, `v_cache.N.next`). Weight constants are named
 * as in GGUF (`token_embd`, `blk.N.attn_q`, `blk.N.attn_q.scale`, ...).
 */
export function buildBitnetGraph(hp: BitnetHParams, w: BitnetWeights, options: BitnetGraphOptions = {}): Graph {
  const g = new Graph(options.name ?? "bitnet");
  const T: Dim = sym("T");
  const kvWidth = hp.kvHeads * hp.headDim;
  g.addInput("tokens", { dtype: "i32", shape: [T] });
  g.addInput("pos", { dtype: "i32", shape: [T] });
  if (options.kvCache) {
    for (let l = 0; l < hp.layers; l++) {
      g.addInput(`k_cache.${l}`, { dtype: "f32", shape: [sym("P"), kvWidth] });
      g.addInput(`v_cache.${l}`, { dtype: "f32", shape: [sym("P"), kvWidth] });
    }
  }
  const constant = (name: string, w: WeightRef): string => {
    const data: ConstData = isLazy(w) ? { kind: "lazy", source: w.source, load: w.load, chunks: w.chunks } : { kind: "inline", tensor: w };
    g.addConst(name, isLazy(w) ? w.type : { dtype: w.dtype, shape: w.shape }, data);
    return name;
  };
  const op = (result: string, name: string, operands: string[], attrs: Record<string, number | string> = {}): string => {
    g.addOp({ op: name, operands, results: [result], attrs });
    return result;
  };
  const norm = (result: string, x: string, gain: string): string => op(result, "rmsnorm", [x, gain], { eps: hp.rmsEps });
  const linear = (result: string, x: string, name: string, lw: LinearWeight): string => {
    const operands = [x, constant(name, lw.weight)];
    if (lw.scale) operands.push(constant(`${name}.scale`, lw.scale));
    const attrs: Record<string, number | string> = {};
    if (options.actQuant && options.actQuant !== "per_token") attrs.act_quant = options.actQuant;
    if (lw.group !== undefined) attrs.group = lw.group;
    if (!lw.outScale) return op(result, "bitlinear", operands, attrs);
    op(`${result}.unscaled`, "bitlinear", operands, attrs);
    return op(result, "mul", [`${result}.unscaled`, constant(`${name}.out_scale`, lw.outScale)]);
  };
  const rope = { head_dim: hp.headDim, base: hp.ropeBase, style: hp.ropeStyle, ...(hp.ropeDims !== undefined && hp.ropeDims !== hp.headDim ? { rot_dims: hp.ropeDims } : {}) };

  const outputs: string[] = [];
  let x = op("embd", "embedding", [constant("token_embd", w.tokenEmbd), "tokens"]);
  w.blocks.forEach((b, l) => {
    const p = `blk.${l}`;
    const h = norm(`${p}.attn_in`, x, constant(`${p}.attn_norm`, b.attnNorm));
    const q = op(`${p}.q_rot`, "rope", [linear(`${p}.q`, h, `${p}.attn_q`, b.q), "pos"], rope);
    let k = op(`${p}.k_rot`, "rope", [linear(`${p}.k`, h, `${p}.attn_k`, b.k), "pos"], rope);
    let v = linear(`${p}.v`, h, `${p}.attn_v`, b.v);
    if (options.kvCache) {
      k = op(`k_cache.${l}.next`, "concat", [`k_cache.${l}`, k], { axis: 0 });
      v = op(`v_cache.${l}.next`, "concat", [`v_cache.${l}`, v], { axis: 0 });
      outputs.push(k, v);
    }
    let a = op(`${p}.attn`, "attention", [q, k, v], { heads: hp.heads, kv_heads: hp.kvHeads, head_dim: hp.headDim });
    if (hp.subNorms) a = norm(`${p}.attn_sub`, a, constant(`${p}.attn_sub_norm`, b.attnSubNorm!));
    const x1 = op(`${p}.attn_res`, "add", [x, linear(`${p}.attn_out`, a, `${p}.attn_output`, b.o)]);
    const f = norm(`${p}.ffn_in`, x1, constant(`${p}.ffn_norm`, b.ffnNorm));
    const gate = op(`${p}.ffn_act`, hp.ffnActivation, [linear(`${p}.gate`, f, `${p}.ffn_gate`, b.gate)]);
    let hidden = op(`${p}.ffn_mul`, "mul", [gate, linear(`${p}.up`, f, `${p}.ffn_up`, b.up)]);
    if (hp.subNorms) hidden = norm(`${p}.ffn_sub`, hidden, constant(`${p}.ffn_sub_norm`, b.ffnSubNorm!));
    x = op(`${p}.out`, "add", [x1, linear(`${p}.down`, hidden, `${p}.ffn_down`, b.down)]);
  });
  const final = norm("out_norm", x, constant("output_norm", w.outputNorm));
  op("logits", "matmul", [final, w.output ? constant("output", w.output) : "token_embd"]);
  g.setOutputs(["logits", ...outputs].map((name) => ({ name })));
  return g;
}
