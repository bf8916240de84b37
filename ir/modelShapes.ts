// The published shapes of the BitNet b1.58 models ternc is measured on (their config.json on Hugging Face), for
// benchmarks and for projections (the Verilog report's 2B-4T figures). Defined once: scripts and backends read these.

export interface ModelDims {
  vocab: number;
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
}

/** microsoft/bitnet-b1.58-2B-4T. */
export const BITNET_2B4T_DIMS: ModelDims = { vocab: 128256, hidden: 2560, intermediate: 6912, layers: 30, heads: 20, kvHeads: 5, headDim: 128 };

/** 1bitLLM/bitnet_b1_58-large. */
export const BITNET_LARGE_DIMS: ModelDims = { vocab: 32000, hidden: 1536, intermediate: 4096, layers: 24, heads: 16, kvHeads: 16, headDim: 96 };

/** The ternary products of one token through a LLaMA-form block stack: [outputs, inputs] of each, every layer. */
export function ternaryProductShapes(d: ModelDims): Array<[number, number]> {
  const q = d.heads * d.headDim;
  const kv = d.kvHeads * d.headDim;
  const block: Array<[number, number]> = [
    [q, d.hidden],
    [kv, d.hidden],
    [kv, d.hidden],
    [d.hidden, q],
    [d.intermediate, d.hidden],
    [d.intermediate, d.hidden],
    [d.hidden, d.intermediate],
  ];
  return Array.from({ length: d.layers }, () => block).flat();
}

/**
 * The activation quantizations of one token through the same stack: the feature count of each (q, k and v share the
 * block's input; gate and up the FFN's), every layer.
 */
export function actQuantWidths(d: ModelDims): number[] {
  const block = [d.hidden, d.heads * d.headDim, d.hidden, d.intermediate];
  return Array.from({ length: d.layers }, () => block).flat();
}
