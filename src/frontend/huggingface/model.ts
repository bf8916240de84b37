// A BitNet model from a Hugging Face folder: config.json plus model.safetensors, or shards listed in
// model.safetensors.index.json. BitNetForCausalLM (relu2, sub-norms) and the LLaMA-form reproductions
// (LlamaForCausalLM / BitnetForCausalLM: SiLU, no sub-norms); master weights or the packed checkpoint.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { bf16BitsToF32, f16BitsToF32, f32, type Tensor, TernaryArray, tensorFromValues } from "../../../ir/index.js";
import { UserError } from "../../errors.js";
import { confinedFile } from "../../io/blobs.js";
import { readJsonObject } from "../../io/files.js";
import type { BitnetHParams, BitnetWeights, LinearWeight, WeightRef } from "../bitnetGraph.js";
import type { LoadedModel } from "../modelInfo.js";
import { readSafetensorsBytes, readSafetensorsHeader, type SafetensorsTensor } from "../safetensors/safetensors.js";
import { hfTokenizer } from "../tokenizer/fromFiles.js";
import { checkFinite, checkFiniteHalves, floatLinear, lazyTensor, readLayers, storedFloatDType } from "../weights.js";
import { own } from "../../util/own.js";
import { HPARAM_LIMITS, hparamReader, requireEvenRopeDims } from "../hparams.js";

interface ArchRule {
  subNorms: boolean;
  ffn: "silu" | "relu2";
}

const ARCHITECTURES: Record<string, ArchRule> = {
  BitNetForCausalLM: { subNorms: true, ffn: "relu2" },
  LlamaForCausalLM: { subNorms: false, ffn: "silu" },
  BitnetForCausalLM: { subNorms: false, ffn: "silu" },
};

type Config = Record<string, unknown>;

/** Decodes a float safetensors tensor (F32/F16/BF16) to f32 values. */
function floatValues(t: SafetensorsTensor, bytes: Uint8Array): Float32Array {
  const n = bytes.length / (t.dtype === "F32" ? 4 : 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = t.dtype === "F32" ? view.getFloat32(i * 4, true) : t.dtype === "F16" ? f16BitsToF32(view.getUint16(i * 2, true)) : bf16BitsToF32(view.getUint16(i * 2, true));
  }
  return out;
}

export function loadHfModel(dir: string): LoadedModel {
  const configPath = join(dir, "config.json");
  if (!existsSync(configPath)) throw new UserError(`${dir}: not a Hugging Face model folder (no config.json)`);
  const config = readJsonObject(configPath);
  const archs = config.architectures;
  const arch = Array.isArray(archs) && typeof archs[0] === "string" ? archs[0] : undefined;
  if (!arch) throw new UserError(`${configPath}: missing 'architectures'`);
  const rule = own(ARCHITECTURES, arch);
  if (!rule) throw new UserError(`${configPath}: unsupported architecture '${arch}' (ternc reads ${Object.keys(ARCHITECTURES).join(", ")})`);
  const hpr = hparamReader((key) => (Object.hasOwn(config, key) ? config[key] : undefined), configPath, (key) => `'${key}'`);
  const { width, layers, vocab } = HPARAM_LIMITS;
  const hidden = hpr.count("hidden_size", width);
  const heads = hpr.count("num_attention_heads", width);
  const act = config.hidden_act;
  if (act !== undefined && act !== "relu2" && act !== "silu") throw new UserError(`${configPath}: unsupported hidden_act '${String(act)}' (relu2 or silu)`);
  const headDim = hpr.count("head_dim", width, hidden / heads);
  const hp: BitnetHParams = {
    vocab: hpr.count("vocab_size", vocab),
    hidden,
    intermediate: hpr.count("intermediate_size", width),
    layers: hpr.count("num_hidden_layers", layers),
    heads,
    kvHeads: hpr.count("num_key_value_heads", width, heads),
    headDim,
    rmsEps: hpr.positive("rms_norm_eps", 1e-6, 1),
    ropeBase: hpr.positive("rope_theta", 10000),
    ropeStyle: "neox",
    ropeDims: headDim,
    ffnActivation: (act as "relu2" | "silu" | undefined) ?? rule.ffn,
    subNorms: rule.subNorms,
  };
  if (!Number.isInteger(headDim) || hp.heads % hp.kvHeads !== 0) throw new UserError(`${configPath}: inconsistent attention settings (${heads} heads, ${hp.kvHeads} KV heads, head dim ${headDim})`);
  requireEvenRopeDims(hp, configPath, "the head dim ('head_dim', else hidden_size / num_attention_heads)");

  const indexPath = join(dir, "model.safetensors.index.json");
  const singlePath = join(dir, "model.safetensors");
  let files: string[];
  if (existsSync(indexPath)) {
    const map = readJsonObject(indexPath).weight_map;
    if (!map || typeof map !== "object" || Array.isArray(map)) throw new UserError(`${indexPath}: missing 'weight_map' (an object of tensor name to shard file)`);
    const names = new Set<string>();
    for (const [tensor, file] of Object.entries(map as Record<string, unknown>)) {
      if (typeof file !== "string") throw new UserError(`${indexPath}: weight_map['${tensor}'] is not a file name`);
      names.add(file);
    }
    // A shard is a file of this folder: an index naming ../other.safetensors or /etc/passwd is refused.
    files = [...names].sort().map((f) => confinedFile(f, dir, [], `${indexPath}: weight_map`, "shard"));
  } else if (existsSync(singlePath)) {
    files = [confinedFile("model.safetensors", dir, [], dir, "weights")];
  } else {
    throw new UserError(`${dir}: no model.safetensors or model.safetensors.index.json`);
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const f of files) {
    for (const t of readSafetensorsHeader(f)) {
      if (tensors.has(t.name)) throw new UserError(`${dir}: tensor '${t.name}' is in both ${tensors.get(t.name)!.path} and ${f}`);
      tensors.set(t.name, t);
    }
  }

  const quant = (config.quantization_config ?? {}) as Config;
  const linearClass = typeof quant.linear_class === "string" ? quant.linear_class : "autobitlinear";
  const ctx = hpr.optionalCount("max_position_embeddings", HPARAM_LIMITS.context);
  const tokenizer = hfTokenizer(dir, config);
  const chatTemplate = hfChatTemplate(dir);
  return {
    path: dir,
    format: "huggingface",
    architecture: arch,
    hparams: hp,
    contextLength: ctx,
    tensors: [...tensors.values()].map((t) => ({ name: t.name, type: t.dtype === "U8" ? "U8 (packed ternary)" : t.dtype, shape: t.shape, bytes: t.byteSize })),
    facts: [
      ["format", `Hugging Face safetensors (${files.length} file${files.length === 1 ? "" : "s"})`],
      ["quantization", quant.quant_method ? `${String(quant.quant_method)}, ${linearClass}` : "none (master weights)"],
      ["tied embeddings", String(!tensors.has("lm_head.weight"))],
      ["tokenizer", tokenizer ? `${tokenizer.kind} (tokenizer.json), ${tokenizer.size} tokens` : "none"],
      ["chat template", chatTemplate === undefined ? "none" : `${chatTemplate.length} characters`],
    ],
    tokenizer,
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
    weights: () => hfWeights(dir, hp, tensors, linearClass),
  };
}

/**
 * The chat template of tokenizer_config.json: a string, or a list of named templates of which `default` is the
 * chat one (transformers' form); undefined without the file or the key.
 */
function hfChatTemplate(dir: string): string | undefined {
  const path = join(dir, "tokenizer_config.json");
  if (!existsSync(path)) return undefined;
  const t = readJsonObject(path).chat_template;
  if (t === undefined || t === null) return undefined;
  if (typeof t === "string") return t;
  if (Array.isArray(t)) {
    const named = t.find((e): e is { name: string; template: string } => !!e && typeof e === "object" && (e as { name?: unknown }).name === "default" && typeof (e as { template?: unknown }).template === "string");
    if (named) return named.template;
  }
  throw new UserError(`${path}: chat_template must be a string or a list of {name, template} with a "default" one`);
}

function hfWeights(dir: string, hp: BitnetHParams, tensors: Map<string, SafetensorsTensor>, linearClass: string): BitnetWeights {
  const find = (name: string, shape: number[] | undefined, why: string): SafetensorsTensor => {
    const t = tensors.get(name);
    if (!t) throw new UserError(`${dir}: missing tensor '${name}' (${why})`);
    if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
      throw new UserError(`${t.path}: tensor '${name}' has shape [${t.shape.join(", ")}], but config.json needs [${shape.join(", ")}] (${why})`);
    }
    return t;
  };
  const source = (t: SafetensorsTensor): string => `${t.path}: tensor '${t.name}' (${t.dtype})`;
  const requireFloat = (t: SafetensorsTensor): void => {
    if (t.dtype !== "F32" && t.dtype !== "F16" && t.dtype !== "BF16") throw new UserError(`${source(t)}: expected F32, F16 or BF16`);
  };
  const vector = (name: string, n: number, why: string): Tensor => {
    const t = find(name, [n], why);
    requireFloat(t);
    const v = floatValues(t, readSafetensorsBytes(t));
    checkFinite(v, source(t));
    return { dtype: "f32", shape: [n], data: v };
  };
  const table = (t: SafetensorsTensor): WeightRef => {
    requireFloat(t);
    const [rows, cols] = t.shape as [number, number];
    const dtype = storedFloatDType(t.dtype);
    const elem = dtype === "f32" ? 4 : 2;
    return lazyTensor(source(t), dtype, [rows, cols], (r0, r1) => {
      const bytes = readSafetensorsBytes(t, r0 * cols * elem, (r1 - r0) * cols * elem);
      if (dtype === "f32") {
        const data = new Float32Array(bytes.buffer, bytes.byteOffset, (r1 - r0) * cols).slice();
        checkFinite(data, source(t));
        return { dtype, shape: [r1 - r0, cols], data };
      }
      const data = new Uint16Array(bytes.buffer, bytes.byteOffset, (r1 - r0) * cols).slice();
      checkFiniteHalves(data, dtype, source(t));
      return { dtype, shape: [r1 - r0, cols], data };
    });
  };
  const linear = (name: string, out: number, inp: number, why: string): LinearWeight => {
    const t = find(`${name}.weight`, undefined, why);
    if (t.dtype === "U8") {
      if (out % 4 !== 0 || t.shape.length !== 2 || t.shape[0] !== out / 4 || t.shape[1] !== inp) {
        throw new UserError(`${source(t)}: packed weight has shape [${t.shape.join(", ")}], config.json needs [${out / 4}, ${inp}] (${why})`);
      }
      const packed = readSafetensorsBytes(t);
      const trits = new TernaryArray(out * inp);
      const chunk = out / 4;
      // Row i*chunk + r of the unpacked weight is in bits 2i..2i+1 of packed row r (transformers' unpack_weights).
      for (let i = 0; i < 4; i++) {
        for (let r = 0; r < chunk; r++) {
          for (let c = 0; c < inp; c++) {
            const code = (packed[r * inp + c]! >> (2 * i)) & 3;
            if (code === 3) throw new UserError(`${source(t)}: packed element [${r}, ${c}] has the invalid 2-bit code 3`);
            trits.set((i * chunk + r) * inp + c, code - 1);
          }
        }
      }
      const st = find(`${name}.weight_scale`, undefined, "the scale of a packed weight");
      requireFloat(st);
      const ws = floatValues(st, readSafetensorsBytes(st));
      if (ws.length !== 1) throw new UserError(`${source(st)}: expected one element, got ${ws.length}`);
      checkFinite(ws, source(st));
      // autobitlinear multiplies the output by weight_scale; transformers' BitLinear divides by it.
      const scale = linearClass === "bitlinear" ? f32(1 / ws[0]!) : ws[0]!;
      return { weight: { dtype: "ternary", shape: [out, inp], data: trits }, scale: tensorFromValues("f32", [], [scale]) };
    }
    find(`${name}.weight`, [out, inp], why);
    requireFloat(t);
    return floatLinear(floatValues(t, readSafetensorsBytes(t)), [out, inp], source(t), storedFloatDType(t.dtype));
  };

  const blocks = readLayers(
    hp,
    (l) => ({
      attnNorm: `model.layers.${l}.input_layernorm.weight`,
      q: `model.layers.${l}.self_attn.q_proj`,
      k: `model.layers.${l}.self_attn.k_proj`,
      v: `model.layers.${l}.self_attn.v_proj`,
      attnSubNorm: `model.layers.${l}.self_attn.attn_sub_norm.weight`,
      o: `model.layers.${l}.self_attn.o_proj`,
      ffnNorm: `model.layers.${l}.post_attention_layernorm.weight`,
      gate: `model.layers.${l}.mlp.gate_proj`,
      up: `model.layers.${l}.mlp.up_proj`,
      ffnSubNorm: `model.layers.${l}.mlp.ffn_sub_norm.weight`,
      down: `model.layers.${l}.mlp.down_proj`,
    }),
    vector,
    linear,
  );
  const head = tensors.get("lm_head.weight");
  return {
    tokenEmbd: table(find("model.embed_tokens.weight", [hp.vocab, hp.hidden], "the token embedding")),
    blocks,
    outputNorm: vector("model.norm.weight", hp.hidden, "the final norm"),
    output: head ? table(find("lm_head.weight", [hp.vocab, hp.hidden], "the LM head")) : undefined,
  };
}
