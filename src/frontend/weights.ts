// Turning decoded model-file tensors into IR weights: float or ternary, with their scales, checked.
import { bf16BitsToF32, type DType, elementCount, f16BitsToF32, type Tensor, TernaryArray, tensorFromValues, tensorToBytes } from "../../ir/index.js";
import { UserError } from "../errors.js";
import type { BitnetBlockWeights, BitnetHParams, LazyWeight, LinearWeight, WeightRef } from "./bitnetGraph.js";

/** Rows decoded per chunk when a large tensor is streamed (bounded memory for import). */
const CHUNK_ELEMENTS = 1 << 22;

/** The IR element type of a stored float tensor (GGML and safetensors both name them F32, F16, BF16). */
export function storedFloatDType(typeName: string): "f32" | "f16" | "bf16" {
  return typeName === "F16" ? "f16" : typeName === "BF16" ? "bf16" : "f32";
}

/** The IR element type an embedding table or LM head keeps: its stored type, block-quantized ones included. */
export function storedTableDType(typeName: string): "f32" | "f16" | "bf16" | "q8_0" | "q6_k" {
  return typeName === "Q8_0" ? "q8_0" : typeName === "Q6_K" ? "q6_k" : storedFloatDType(typeName);
}

/** Throws a user error naming the tensor if any value is NaN or infinite. */
export function checkFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new UserError(`${what}: element ${i} is ${values[i]} (weights must be finite)`);
  }
}

/** checkFinite for raw f16/bf16 bits, without decoding them: an all-ones exponent is Inf or NaN. */
export function checkFiniteHalves(bits: Uint16Array, dtype: "f16" | "bf16", what: string): void {
  const exp = dtype === "f16" ? 0x7c00 : 0x7f80;
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i]! & exp) === exp) throw new UserError(`${what}: element ${i} is ${dtype === "f16" ? f16BitsToF32(bits[i]!) : bf16BitsToF32(bits[i]!)} (weights must be finite)`);
  }
}

/**
 * A lazily decoded tensor. `decodeRows(r0, r1)` gives rows [r0, r1) as a tensor of the IR type; `load`
 * memoizes the whole tensor, `chunks` streams it in the external-blob layout without holding it whole.
 */
export function lazyTensor(source: string, dtype: DType, shape: number[], decodeRows: (r0: number, r1: number) => Tensor): LazyWeight {
  let cached: Tensor | undefined;
  const rows = shape.length ? shape[0]! : 1;
  const rowLen = shape.length ? elementCount(shape.slice(1)) : 1;
  return {
    type: { dtype, shape },
    source,
    load: () => (cached ??= decodeRows(0, rows)),
    chunks: function* () {
      if (cached) {
        yield tensorToBytes(cached);
        return;
      }
      // Ternary rows pack 4 per byte, so a chunk must hold a multiple of 4 elements.
      let step = Math.max(1, Math.floor(CHUNK_ELEMENTS / Math.max(rowLen, 1)));
      while (dtype === "ternary" && (step * rowLen) % 4 !== 0) step++;
      for (let r = 0; r < rows; r += step) yield tensorToBytes(decodeRows(r, Math.min(rows, r + step)));
    },
  };
}

/** If every value is -s, 0 or +s for one s, the trits and s (llama.cpp's converter writes BitNet weights so). */
export function asTernary(values: Float32Array): { trits: TernaryArray; scale: number } | undefined {
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (a === 0) continue;
    if (s === 0) s = a;
    else if (a !== s) return undefined;
  }
  const trits = new TernaryArray(values.length);
  for (let i = 0; i < values.length; i++) trits.set(i, values[i]! > 0 ? 1 : values[i]! < 0 ? -1 : 0);
  return { trits, scale: s };
}

/**
 * A float linear weight: ternary with its exact scale when its values are {-s, 0, +s} (absmean would
 * change s, since mean |W| is s times the non-zero share), else a float master weight for absmean.
 */
export function floatLinear(values: Float32Array, shape: [number, number], source: string, dtype: DType): LinearWeight {
  checkFinite(values, source);
  const t = asTernary(values);
  const k = shape[1];
  if (!t) return { weight: lazyTensor(source, dtype, shape, (r0, r1) => tensorFromValues(dtype, [r1 - r0, k], values.subarray(r0 * k, r1 * k))) };
  return {
    weight: { dtype: "ternary", shape, data: t.trits },
    scale: tensorFromValues("f32", [], [t.scale]),
  };
}

/**
 * The scale of a ternary weight stored in blocks along its rows: one for the tensor if every block with a
 * non-zero weight shares it, one per row if rows differ, else one per block (group-wise, group = blockSize).
 * `used[b]` tells whether block b holds any non-zero weight (all-zero blocks may carry any scale).
 */
export function collapseBlockScales(scales: Float32Array, used: (block: number) => boolean, rows: number, cols: number, blockSize: number, source: string): Pick<LinearWeight, "scale" | "group"> {
  checkFinite(scales, `${source} (block scales)`);
  if (scales.length === 1) return { scale: tensorFromValues("f32", [], [scales[0]!]) };
  const perRow = cols / blockSize;
  const rowScale = new Float32Array(rows);
  let tensorScale: number | undefined;
  let uniform = true;
  let rowsUniform = true;
  for (let r = 0; r < rows; r++) {
    let rs: number | undefined;
    for (let b = r * perRow; b < (r + 1) * perRow; b++) {
      if (!used(b)) continue;
      const d = scales[b]!;
      if (rs === undefined) rs = d;
      else if (rs !== d) rowsUniform = false;
      if (tensorScale === undefined) tensorScale = d;
      else if (tensorScale !== d) uniform = false;
    }
    rowScale[r] = rs ?? 0;
  }
  if (uniform) return { scale: tensorFromValues("f32", [], [tensorScale ?? 0]) };
  if (rowsUniform) return { scale: { dtype: "f32", shape: [rows], data: rowScale } };
  return { scale: { dtype: "f32", shape: [rows, perRow], data: Float32Array.from(scales) }, group: blockSize };
}

/** A file format's names for one layer's tensors: norms by full name, linear layers by their prefix. */
export interface LayerTensorNames {
  attnNorm: string;
  q: string;
  k: string;
  v: string;
  attnSubNorm: string;
  o: string;
  ffnNorm: string;
  gate: string;
  up: string;
  ffnSubNorm: string;
  down: string;
}

/** Reads every layer through a format's `vector` (norm gains) and `linear` readers, with shapes from `hp`. */
export function readLayers(
  hp: BitnetHParams,
  names: (layer: number) => LayerTensorNames,
  vector: (name: string, n: number, why: string) => WeightRef,
  linear: (prefix: string, out: number, inp: number, why: string) => LinearWeight,
): BitnetBlockWeights[] {
  const q = hp.heads * hp.headDim;
  const kv = hp.kvHeads * hp.headDim;
  return Array.from({ length: hp.layers }, (_, l) => {
    const n = names(l);
    const why = `block ${l} of ${hp.layers}`;
    return {
      attnNorm: vector(n.attnNorm, hp.hidden, why),
      q: linear(n.q, q, hp.hidden, why),
      k: linear(n.k, kv, hp.hidden, why),
      v: linear(n.v, kv, hp.hidden, why),
      attnSubNorm: hp.subNorms ? vector(n.attnSubNorm, q, why) : undefined,
      o: linear(n.o, hp.hidden, q, why),
      ffnNorm: vector(n.ffnNorm, hp.hidden, why),
      gate: linear(n.gate, hp.intermediate, hp.hidden, why),
      up: linear(n.up, hp.intermediate, hp.hidden, why),
      ffnSubNorm: hp.subNorms ? vector(n.ffnSubNorm, hp.intermediate, why) : undefined,
      down: linear(n.down, hp.hidden, hp.intermediate, why),
    };
  });
}
