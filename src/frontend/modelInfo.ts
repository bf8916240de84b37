// What a frontend reports about a model file: its architecture, hyper-parameters, tensors and weights.
import type { BitnetHParams, BitnetWeights } from "./bitnetGraph.js";
import type { Tokenizer } from "./tokenizer/tokenizer.js";

export interface TensorSummary {
  name: string;
  /** The file's type name (TQ2_0, F16, BF16, uint8 packed, ...). */
  type: string;
  /** IR order: [out, in] for matrices. */
  shape: number[];
  bytes: number;
}

/** A model read from a file: everything needed to build its graph, weights still in the file. */
export interface LoadedModel {
  path: string;
  format: "gguf" | "huggingface";
  /** The file's own architecture name (`bitnet`, `bitnet-25`, `BitNetForCausalLM`, ...). */
  architecture: string;
  hparams: BitnetHParams;
  contextLength?: number;
  tensors: TensorSummary[];
  /** Key facts shown by `ternc inspect` (file version, quantization config, tokenizer kind, ...). */
  facts: Array<[string, string]>;
  /** The tokenizer the file carries, if any. */
  tokenizer?: Tokenizer;
  /** The chat template the file carries (GGUF `tokenizer.chat_template`, HF tokenizer_config.json), if any. */
  chatTemplate?: string;
  /** Built on demand: reads every tensor's scales (and float weights, to detect ternary ones). */
  weights(): BitnetWeights;
}
