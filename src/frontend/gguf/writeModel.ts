// Writes a BitNet model as a real GGUF file (for tests, examples and benchmarks), in the layout
// llama.cpp and bitnet.cpp read: `bitnet`-family metadata keys and GGUF tensor names.
import { asF32, type Tensor, toNumbers } from "../../../ir/index.js";
import type { BitnetHParams, BitnetWeights, LinearWeight, WeightRef } from "../bitnetGraph.js";
import { encodeFloats, encodeTernary, GGML, type GgmlType } from "./ggmlTypes.js";
import { type GgufKv, GgufType, type GgufTensorToWrite, writeGguf } from "./gguf.js";

export interface GgufModelOptions {
  /** How BitLinear weights are stored: F32/F16/BF16 as {-s, 0, +s} values, or a ternary type. */
  linearType: "F32" | "F16" | "BF16" | "TQ1_0" | "TQ2_0" | "I2_S";
  /** How the embedding (and an untied head) are stored. */
  embeddingType?: "F32" | "F16" | "BF16" | "Q8_0" | "Q6_K";
  architecture?: "bitnet" | "bitnet-b1.58" | "bitnet-25" | "llama";
  /** Extra metadata (a tokenizer, say). */
  extra?: GgufKv[];
}

function materialized(w: WeightRef): Tensor {
  return "load" in w ? w.load() : w;
}

function ternaryValues(lw: LinearWeight): { trits: number[]; scale: number } {
  const w = materialized(lw.weight);
  const s = toNumbers(materialized(lw.scale!));
  if (w.dtype !== "ternary" || s.length !== 1) throw new Error("writeBitnetGguf needs ternary weights with one scale per tensor");
  return { trits: toNumbers(w), scale: s[0]! };
}

/** Writes `weights` (ternary, per-tensor scales) as a GGUF model file. */
export function writeBitnetGguf(path: string, hp: BitnetHParams, weights: BitnetWeights, options: GgufModelOptions): void {
  const arch = options.architecture ?? (hp.ffnActivation === "relu2" ? "bitnet-25" : hp.subNorms ? "bitnet" : "llama");
  const u32 = (key: string, value: number): GgufKv => ({ key: `${arch}.${key}`, type: GgufType.U32, value });
  const f32 = (key: string, value: number): GgufKv => ({ key: `${arch}.${key}`, type: GgufType.F32, value });
  const kvs: GgufKv[] = [
    { key: "general.architecture", type: GgufType.STRING, value: arch },
    { key: "general.name", type: GgufType.STRING, value: "ternc generated model" },
    u32("context_length", 4096),
    u32("embedding_length", hp.hidden),
    u32("block_count", hp.layers),
    u32("feed_forward_length", hp.intermediate),
    u32("attention.head_count", hp.heads),
    u32("attention.head_count_kv", hp.kvHeads),
    f32("attention.layer_norm_rms_epsilon", hp.rmsEps),
    f32("rope.freq_base", hp.ropeBase),
    u32("rope.dimension_count", hp.ropeDims ?? hp.headDim),
    ...(arch === "bitnet" ? [{ key: `${arch}.hidden_act`, type: GgufType.STRING, value: hp.ffnActivation } as GgufKv] : []),
    ...(options.extra ?? []),
  ];
  const tensors: GgufTensorToWrite[] = [];
  const floatTensor = (name: string, t: WeightRef, type: GgmlType): void => {
    const m = materialized(t);
    tensors.push({ name, ne: [...m.shape].reverse(), type, data: encodeFloats(type, asF32(m)) });
  };
  const linear = (name: string, lw: LinearWeight): void => {
    const { trits, scale } = ternaryValues(lw);
    const shape = materialized(lw.weight).shape;
    const type = GGML[options.linearType];
    const ne = [...shape].reverse();
    if (type.kind === "ternary") {
      const scales = type === GGML.I2_S ? [scale] : new Array<number>(trits.length / 256).fill(scale);
      tensors.push({ name, ne, type, data: encodeTernary(type, trits, scales) });
    } else {
      tensors.push({ name, ne, type, data: encodeFloats(type, Float32Array.from(trits, (v) => v * scale)) });
    }
  };
  const embeddingType = GGML[options.embeddingType ?? "F32"];
  floatTensor("token_embd.weight", weights.tokenEmbd, embeddingType);
  weights.blocks.forEach((b, l) => {
    const p = `blk.${l}`;
    floatTensor(`${p}.attn_norm.weight`, b.attnNorm, GGML.F32);
    linear(`${p}.attn_q.weight`, b.q);
    linear(`${p}.attn_k.weight`, b.k);
    linear(`${p}.attn_v.weight`, b.v);
    if (b.attnSubNorm) floatTensor(`${p}.attn_sub_norm.weight`, b.attnSubNorm, GGML.F32);
    linear(`${p}.attn_output.weight`, b.o);
    floatTensor(`${p}.ffn_norm.weight`, b.ffnNorm, GGML.F32);
    linear(`${p}.ffn_gate.weight`, b.gate);
    linear(`${p}.ffn_up.weight`, b.up);
    if (b.ffnSubNorm) floatTensor(`${p}.ffn_sub_norm.weight`, b.ffnSubNorm, GGML.F32);
    linear(`${p}.ffn_down.weight`, b.down);
  });
  floatTensor("output_norm.weight", weights.outputNorm, GGML.F32);
  if (weights.output) floatTensor("output.weight", weights.output, embeddingType);
  writeGguf(path, kvs, tensors);
}
