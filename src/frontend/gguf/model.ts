// A BitNet model from a GGUF file, as llama.cpp (`bitnet`, `llama`) and bitnet.cpp (`bitnet-b1.58`,
// `bitnet-25`) write it: hyper-parameters from the metadata, tensors by name, weights decoded lazily.
import { firstNonFiniteBlockValue, type Tensor, tensorFromBytes } from "../../../ir/index.js";
import { UserError } from "../../errors.js";
import type { BitnetHParams, LinearWeight, WeightRef } from "../bitnetGraph.js";
import type { LoadedModel, TensorSummary } from "../modelInfo.js";
import { checkFinite, checkFiniteHalves, collapseBlockScales, floatLinear, lazyTensor, readLayers, storedFloatDType, storedTableDType } from "../weights.js";
import { decodeFloats, decodeTernary } from "./ggmlTypes.js";
import { ggufTokenizer } from "../tokenizer/fromFiles.js";
import { type GgufFile, type GgufTensorInfo, readGguf, readTensorBytes, requireType } from "./gguf.js";
import { own } from "../../util/own.js";
import { HPARAM_LIMITS, hparamReader, requireEvenRopeDims } from "../hparams.js";

interface ArchRule {
  ffn: "silu" | "relu2";
  subNorms: boolean;
  rope: "neox" | "interleaved";
}

/** What each architecture computes (see llama.cpp's models/bitnet.cpp and bitnet.cpp's fork). */
const ARCHITECTURES: Record<string, ArchRule> = {
  bitnet: { ffn: "silu", subNorms: true, rope: "neox" },
  "bitnet-b1.58": { ffn: "relu2", subNorms: true, rope: "neox" },
  "bitnet-25": { ffn: "relu2", subNorms: true, rope: "neox" },
  // Plain LLaMA with ternary weights: llama.cpp's converter permutes q/k for adjacent-pair RoPE.
  llama: { ffn: "silu", subNorms: false, rope: "interleaved" },
};

function irShape(t: GgufTensorInfo): number[] {
  return [...t.ne].reverse();
}

/** Reads a model's GGUF header; tensors are decoded only when `weights()` and the graph need them. */
export function loadGgufModel(path: string): LoadedModel {
  const file = readGguf(path);
  const meta = (key: string): unknown => file.metadata.get(key)?.value;
  const arch = meta("general.architecture");
  if (typeof arch !== "string") throw new UserError(`${path}: missing metadata key 'general.architecture'`);
  const rule = own(ARCHITECTURES, arch);
  if (!rule) throw new UserError(`${path}: unsupported architecture '${arch}' (ternc reads ${Object.keys(ARCHITECTURES).join(", ")})`);
  const hpr = hparamReader((key) => meta(`${arch}.${key}`), path, (key) => `metadata key '${arch}.${key}'`);
  const { width, layers } = HPARAM_LIMITS;
  const hidden = hpr.count("embedding_length", width);
  const heads = hpr.count("attention.head_count", width);
  const headDim = hpr.count("attention.key_length", width, hidden / heads);
  const act = meta(`${arch}.hidden_act`);
  const embd = file.tensors.find((t) => t.name === "token_embd.weight");
  if (!embd) throw new UserError(`${path}: missing tensor 'token_embd.weight'`);
  const hp: BitnetHParams = {
    vocab: irShape(embd)[0]!,
    hidden,
    intermediate: hpr.count("feed_forward_length", width),
    layers: hpr.count("block_count", layers),
    heads,
    kvHeads: hpr.count("attention.head_count_kv", width, heads),
    headDim,
    rmsEps: hpr.positive("attention.layer_norm_rms_epsilon", undefined, 1),
    ropeBase: hpr.positive("rope.freq_base", 10000),
    ropeStyle: rule.rope,
    ropeDims: hpr.count("rope.dimension_count", headDim, headDim),
    ffnActivation: act === "relu2" || act === "silu" ? act : rule.ffn,
    subNorms: rule.subNorms,
  };
  if (hp.vocab < 1 || hp.vocab > HPARAM_LIMITS.vocab) throw new UserError(`${path}: tensor 'token_embd.weight' has ${hp.vocab} rows (the vocabulary): expected 1 to ${HPARAM_LIMITS.vocab}`);
  if (!Number.isInteger(headDim) || hp.heads % hp.kvHeads !== 0) {
    throw new UserError(`${path}: inconsistent attention metadata: ${hp.heads} heads, ${hp.kvHeads} KV heads, head dim ${headDim}`);
  }
  requireEvenRopeDims(hp, path, `the rotated width (metadata key '${arch}.rope.dimension_count', else the head dim)`);
  const tensors: TensorSummary[] = file.tensors.map((t) => ({ name: t.name, type: t.type?.name ?? `unsupported (${t.typeId})`, shape: irShape(t), bytes: t.byteSize }));
  const ctx = hpr.optionalCount("context_length", HPARAM_LIMITS.context);
  const tokenizer = ggufTokenizer(file);
  const chatTemplate = meta("tokenizer.chat_template");
  if (chatTemplate !== undefined && typeof chatTemplate !== "string") throw new UserError(`${path}: tokenizer.chat_template must be a string`);
  return {
    path,
    format: "gguf",
    architecture: arch,
    hparams: hp,
    contextLength: ctx,
    tensors,
    facts: [
      ["format", `GGUF v${file.version}`],
      ["alignment", String(file.alignment)],
      ["tokenizer", tokenizer ? `${tokenizer.kind} (${String(meta("tokenizer.ggml.model"))}), ${tokenizer.size} tokens` : "none"],
      ["chat template", chatTemplate === undefined ? "none" : `${chatTemplate.length} characters`],
      ...(meta("general.file_type") !== undefined ? [["file type", String(meta("general.file_type"))] as [string, string]] : []),
    ],
    tokenizer,
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
    weights: () => ggufWeights(file, hp),
  };
}

function ggufWeights(file: GgufFile, hp: BitnetHParams): ReturnType<LoadedModel["weights"]> {
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  const find = (name: string, shape: number[], why: string): GgufTensorInfo => {
    const t = byName.get(name);
    if (!t) throw new UserError(`${file.path}: missing tensor '${name}' (${why})`);
    const actual = irShape(t);
    if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
      throw new UserError(`${file.path}: tensor '${name}' has shape [${actual.join(", ")}], but the hyper-parameters need [${shape.join(", ")}] (${why})`);
    }
    requireType(file, t);
    return t;
  };
  const source = (t: GgufTensorInfo): string => `${file.path}: tensor '${t.name}' (${t.type!.name})`;

  /** Norm gains and other small float vectors: read now, checked. */
  const vector = (name: string, n: number, why: string): Tensor => {
    const t = find(name, [n], why);
    if (t.type!.kind === "ternary") throw new UserError(`${source(t)}: a ternary type is not allowed for a norm gain or scale (${why}); store it as F32, F16 or BF16`);
    const values = decodeFloats(t.type!, readTensorBytes(file, t), n);
    checkFinite(values, source(t));
    return { dtype: "f32", shape: [n], data: values };
  };

  /** Embedding and LM head: kept in their stored type (F32, F16, BF16, Q8_0, Q6_K), checked finite. */
  const table = (t: GgufTensorInfo): WeightRef => {
    const [rows, cols] = irShape(t) as [number, number];
    const type = t.type!;
    if (type.kind === "ternary") throw new UserError(`${source(t)}: a ternary type is not allowed for the embedding or LM head`);
    const rowBytes = (cols / type.blockSize) * type.blockBytes;
    const dtype = storedTableDType(type.name);
    return lazyTensor(source(t), dtype, [rows, cols], (r0, r1) => {
      const bytes = readTensorBytes(file, t, r0 * rowBytes, (r1 - r0) * rowBytes);
      if (dtype === "q8_0" || dtype === "q6_k") {
        const bad = firstNonFiniteBlockValue(dtype, bytes, (r1 - r0) * cols);
        if (bad >= 0) throw new UserError(`${source(t)}: element ${r0 * cols + bad} is not finite (the f16 scale of its block is not; weights must be finite)`);
        return tensorFromBytes(dtype, [r1 - r0, cols], bytes);
      }
      if (dtype !== "f32") {
        const raw = new Uint16Array(bytes.buffer, bytes.byteOffset, (r1 - r0) * cols).slice();
        checkFiniteHalves(raw, dtype, source(t));
        return { dtype, shape: [r1 - r0, cols], data: raw };
      }
      const values = decodeFloats(type, bytes, (r1 - r0) * cols);
      checkFinite(values, source(t));
      return { dtype: "f32", shape: [r1 - r0, cols], data: values };
    });
  };

  const linear = (name: string, out: number, inp: number, why: string): LinearWeight => {
    const t = find(`${name}.weight`, [out, inp], why);
    const type = t.type!;
    const scaleInfo = byName.get(`${name}.scale`);
    const outScale = scaleInfo ? vector(`${name}.scale`, 1, "the projection's output scale") : undefined;
    const withOut = (lw: LinearWeight): LinearWeight => (outScale ? { ...lw, outScale: { ...outScale, shape: [] } } : lw);
    if (type.kind !== "ternary") {
      const values = decodeFloats(type, readTensorBytes(file, t), out * inp);
      return withOut(floatLinear(values, [out, inp], source(t), storedFloatDType(type.name)));
    }
    const bytes = readTensorBytes(file, t);
    const decoded = decodeTernary(type, bytes, out * inp);
    if (decoded.invalidAt >= 0) throw new UserError(`${source(t)}: element ${decoded.invalidAt} has the invalid 2-bit code 3`);
    const scales = collapseBlockScales(decoded.scales, (b) => decoded.blockUsed[b] === 1, out, inp, decoded.blockSize, source(t));
    return withOut({ weight: { dtype: "ternary", shape: [out, inp], data: decoded.trits }, ...scales });
  };

  const blocks = readLayers(
    hp,
    (l) => ({
      attnNorm: `blk.${l}.attn_norm.weight`,
      q: `blk.${l}.attn_q`,
      k: `blk.${l}.attn_k`,
      v: `blk.${l}.attn_v`,
      attnSubNorm: `blk.${l}.attn_sub_norm.weight`,
      o: `blk.${l}.attn_output`,
      ffnNorm: `blk.${l}.ffn_norm.weight`,
      gate: `blk.${l}.ffn_gate`,
      up: `blk.${l}.ffn_up`,
      ffnSubNorm: `blk.${l}.ffn_sub_norm.weight`,
      down: `blk.${l}.ffn_down`,
    }),
    vector,
    linear,
  );
  const output = byName.get("output.weight");
  return {
    tokenEmbd: table(find("token_embd.weight", [hp.vocab, hp.hidden], "the token embedding")),
    blocks,
    outputNorm: vector("output_norm.weight", hp.hidden, "the final norm"),
    output: output ? table(find("output.weight", [hp.vocab, hp.hidden], "the LM head")) : undefined,
  };
}
