// Seeded random BitNet weights, for examples and tests (model weights cannot be downloaded here).
import { roundToBf16, type Tensor, tensorFromValues } from "../../ir/index.js";
import { Rng } from "../util/random.js";
import type { BitnetBlockWeights, BitnetHParams, BitnetWeights, LinearWeight } from "./bitnetGraph.js";

export interface RandomWeightOptions {
  /** Ternary weights with a per-tensor scale (default), or float master weights for the absmean pass. */
  weights?: "ternary" | "float";
  tiedHead?: boolean;
}

/**
 * Random values rounded to bf16 precision, and zero below f16's normal range, so every float format
 * (F32, F16, BF16) stores them exactly.
 */
function floats(rng: Rng, shape: number[], scale: number, offset = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const value = (): number => {
    const v = roundToBf16(offset + scale * rng.normal());
    return Math.abs(v) < 2 ** -14 ? 0 : v;
  };
  return tensorFromValues("f32", shape, Array.from({ length: n }, value));
}

function linear(rng: Rng, out: number, inp: number, kind: "ternary" | "float"): LinearWeight {
  if (kind === "float") return { weight: floats(rng, [out, inp], 0.05) };
  const trits = Array.from({ length: out * inp }, () => rng.trit());
  // A scale near what absmean gives for N(0, 0.05) weights (mean |W| = 0.05 * sqrt(2 / pi)), with a
  // 6-bit mantissa so f16, bf16 and f32 files all store it exactly and every format holds the same model.
  const scale = rng.int(32, 63) / 1024;
  return { weight: tensorFromValues("ternary", [out, inp], trits), scale: tensorFromValues("f32", [], [scale]) };
}

/** Random weights for `hp`, deterministic in `seed`. */
export function randomBitnetWeights(hp: BitnetHParams, seed: number, options: RandomWeightOptions = {}): BitnetWeights {
  const rng = new Rng(seed);
  const kind = options.weights ?? "ternary";
  const kvWidth = hp.kvHeads * hp.headDim;
  const qWidth = hp.heads * hp.headDim;
  const gain = (n: number): Tensor => floats(rng, [n], 0.1, 1);
  const blocks: BitnetBlockWeights[] = [];
  for (let l = 0; l < hp.layers; l++) {
    blocks.push({
      attnNorm: gain(hp.hidden),
      q: linear(rng, qWidth, hp.hidden, kind),
      k: linear(rng, kvWidth, hp.hidden, kind),
      v: linear(rng, kvWidth, hp.hidden, kind),
      attnSubNorm: hp.subNorms ? gain(qWidth) : undefined,
      o: linear(rng, hp.hidden, qWidth, kind),
      ffnNorm: gain(hp.hidden),
      gate: linear(rng, hp.intermediate, hp.hidden, kind),
      up: linear(rng, hp.intermediate, hp.hidden, kind),
      ffnSubNorm: hp.subNorms ? gain(hp.intermediate) : undefined,
      down: linear(rng, hp.hidden, hp.intermediate, kind),
    });
  }
  return {
    tokenEmbd: floats(rng, [hp.vocab, hp.hidden], 1),
    blocks,
    outputNorm: gain(hp.hidden),
    output: options.tiedHead === false ? floats(rng, [hp.vocab, hp.hidden], 0.2) : undefined,
  };
}

/** Small hyper-parameters of each architecture, for examples and tests. */
export const TINY_BITNET_2B4T_FORM: BitnetHParams = {
  vocab: 48,
  hidden: 32,
  intermediate: 64,
  layers: 1,
  heads: 4,
  kvHeads: 2,
  headDim: 8,
  rmsEps: 1e-5,
  ropeBase: 500000,
  ropeStyle: "neox",
  ffnActivation: "relu2",
  subNorms: true,
};

export const TINY_BITNET_LLAMA_FORM: BitnetHParams = {
  ...TINY_BITNET_2B4T_FORM,
  kvHeads: 4,
  ropeBase: 10000,
  ffnActivation: "silu",
  subNorms: false,
};
