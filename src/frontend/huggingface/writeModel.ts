// Writes a BitNet model as a Hugging Face folder (config.json + safetensors), for tests and examples:
// BF16/F32 master weights, or the packed checkpoint format of microsoft/bitnet-b1.58-2B-4T.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { asF32, f32ToBf16Bits, type Tensor, toNumbers } from "../../../ir/index.js";
import type { BitnetHParams, BitnetWeights, LinearWeight, WeightRef } from "../bitnetGraph.js";
import { type SafetensorsToWrite, writeSafetensors } from "../safetensors/safetensors.js";

export interface HfModelOptions {
  /** "bf16"/"f32": master weights holding {-s, 0, +s}; "packed": uint8 codes plus weight_scale. */
  weights: "bf16" | "f32" | "packed";
  /** Split the tensors over this many shard files with an index (default: one file). */
  shards?: number;
  /** A tokenizer.json to include, and the BOS/EOS ids config.json names. */
  tokenizer?: { json: string; bosId: number; eosId: number };
}

function mat(w: WeightRef): Tensor {
  return "load" in w ? w.load() : w;
}

function floatTensor(name: string, t: WeightRef, dtype: "bf16" | "f32"): SafetensorsToWrite {
  const m = mat(t);
  const v = asF32(m);
  const data = new Uint8Array(v.length * (dtype === "f32" ? 4 : 2));
  const view = new DataView(data.buffer);
  v.forEach((x, i) => (dtype === "f32" ? view.setFloat32(i * 4, x, true) : view.setUint16(i * 2, f32ToBf16Bits(x), true)));
  return { name, dtype: dtype === "f32" ? "F32" : "BF16", shape: [...m.shape], data };
}

/** transformers' pack_weights: row chunk i of the output dimension goes to bits 2i..2i+1. */
function packTernary(trits: number[], out: number, inp: number): Uint8Array {
  const chunk = out / 4;
  const packed = new Uint8Array(chunk * inp);
  for (let i = 0; i < 4; i++) for (let r = 0; r < chunk; r++) for (let c = 0; c < inp; c++) packed[r * inp + c]! |= (trits[(i * chunk + r) * inp + c]! + 1) << (2 * i);
  return packed;
}

export function writeBitnetHf(dir: string, hp: BitnetHParams, w: BitnetWeights, options: HfModelOptions): void {
  mkdirSync(dir, { recursive: true });
  const packed = options.weights === "packed";
  const config = {
    architectures: [hp.subNorms ? "BitNetForCausalLM" : "LlamaForCausalLM"],
    model_type: hp.subNorms ? "bitnet" : "llama",
    vocab_size: hp.vocab,
    hidden_size: hp.hidden,
    intermediate_size: hp.intermediate,
    num_hidden_layers: hp.layers,
    num_attention_heads: hp.heads,
    num_key_value_heads: hp.kvHeads,
    head_dim: hp.headDim,
    hidden_act: hp.ffnActivation,
    rms_norm_eps: hp.rmsEps,
    rope_theta: hp.ropeBase,
    max_position_embeddings: 4096,
    tie_word_embeddings: w.output === undefined,
    ...(options.tokenizer ? { bos_token_id: options.tokenizer.bosId, eos_token_id: options.tokenizer.eosId } : {}),
    ...(packed ? { quantization_config: { quant_method: "bitnet", linear_class: "autobitlinear", quantization_mode: "offline" } } : {}),
  };
  writeFileSync(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  if (options.tokenizer) writeFileSync(join(dir, "tokenizer.json"), options.tokenizer.json);
  const dtype = options.weights === "f32" ? "f32" : "bf16";
  const tensors: SafetensorsToWrite[] = [];
  const linear = (name: string, lw: LinearWeight): void => {
    const m = mat(lw.weight);
    const [out, inp] = m.shape as [number, number];
    const trits = toNumbers(m);
    const s = toNumbers(mat(lw.scale!))[0]!;
    if (packed) {
      tensors.push({ name: `${name}.weight`, dtype: "U8", shape: [out / 4, inp], data: packTernary(trits, out, inp) });
      tensors.push(floatTensor(`${name}.weight_scale`, { dtype: "f32", shape: [1], data: Float32Array.of(s) }, "bf16"));
    } else {
      tensors.push(floatTensor(`${name}.weight`, { dtype: "f32", shape: [out, inp], data: Float32Array.from(trits, (v) => v * s) }, dtype));
    }
  };
  tensors.push(floatTensor("model.embed_tokens.weight", w.tokenEmbd, dtype));
  w.blocks.forEach((b, l) => {
    const p = `model.layers.${l}`;
    tensors.push(floatTensor(`${p}.input_layernorm.weight`, b.attnNorm, dtype));
    linear(`${p}.self_attn.q_proj`, b.q);
    linear(`${p}.self_attn.k_proj`, b.k);
    linear(`${p}.self_attn.v_proj`, b.v);
    if (b.attnSubNorm) tensors.push(floatTensor(`${p}.self_attn.attn_sub_norm.weight`, b.attnSubNorm, dtype));
    linear(`${p}.self_attn.o_proj`, b.o);
    tensors.push(floatTensor(`${p}.post_attention_layernorm.weight`, b.ffnNorm, dtype));
    linear(`${p}.mlp.gate_proj`, b.gate);
    linear(`${p}.mlp.up_proj`, b.up);
    if (b.ffnSubNorm) tensors.push(floatTensor(`${p}.mlp.ffn_sub_norm.weight`, b.ffnSubNorm, dtype));
    linear(`${p}.mlp.down_proj`, b.down);
  });
  tensors.push(floatTensor("model.norm.weight", w.outputNorm, dtype));
  if (w.output) tensors.push(floatTensor("lm_head.weight", w.output, dtype));

  const shards = Math.max(1, options.shards ?? 1);
  if (shards === 1) {
    writeSafetensors(join(dir, "model.safetensors"), tensors);
    return;
  }
  const per = Math.ceil(tensors.length / shards);
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, "0")}-of-${String(shards).padStart(5, "0")}.safetensors`;
    const part = tensors.slice(s * per, (s + 1) * per);
    writeSafetensors(join(dir, file), part);
    for (const t of part) weightMap[t.name] = file;
  }
  const total = tensors.reduce((a, t) => a + t.data.length, 0);
  writeFileSync(join(dir, "model.safetensors.index.json"), `${JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2)}\n`);
}
