// Builds the graph IR of a LLaMA-architecture BitNet b1.58 model from hyper-parameters and weights.
import { type ActQuantMode, type Dim, Graph, type Tensor, sym } from "../../ir/index.js";

/** The FFN gate activation: SiLU (LLaMA-form BitNet b1.58) or squared ReLU (bitnet-b1.58-2B-4T). */
export type FfnActivation = "silu" | "relu2";

/** Hyper-parameters of a BitNet model, as read from a model file. */
export interface BitnetHParams {
  vocab: number;
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  rmsEps: number;
  ropeBase: number;
  ropeStyle: "neox" | "interleaved";
  /** Rotated dims per head; default headDim. */
  ropeDims?: number;
  ffnActivation: FfnActivation;
  /** RMSNorms before the attention output and FFN down projections (the 2B-4T form). */
  subNorms: boolean;
}

/** A BitLinear weight: ternary with its scale (f32[] or f32[out]), or a float master weight. */
export interface LinearWeight {
  weight: Tensor;
  scale?: Tensor;
}

export interface BitnetBlockWeights {
  attnNorm: Tensor;
  q: LinearWeight;
  k: LinearWeight;
  v: LinearWeight;
  attnSubNorm?: Tensor;
  o: LinearWeight;
  ffnNorm: Tensor;
  gate: LinearWeight;
  up: LinearWeight;
  ffnSubNorm?: Tensor;
  down: LinearWeight;
}

export interface BitnetWeights {
  tokenEmbd: Tensor;
  blocks: BitnetBlockWeights[];
  outputNorm: Tensor;
  /** The LM head; absent means tied to tokenEmbd. */
  output?: Tensor;
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
  const constant = (name: string, t: Tensor): string => {
    g.addConst(name, { dtype: t.dtype, shape: t.shape }, { kind: "inline", tensor: t });
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
    return op(result, "bitlinear", operands, options.actQuant && options.actQuant !== "per_token" ? { act_quant: options.actQuant } : {});
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
