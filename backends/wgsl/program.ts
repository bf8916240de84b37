// The program a WGSL build carries (program.js): everything the host runtime (runtime/ternc_webgpu.js) needs to run
// the model, as data. The runtime is generic; all that is specific to a model is here and in the shaders.

/**
 * c + t * T + p * P: a size or count known once a call's T (new tokens) and P (tokens in the cache) are; with `div`,
 * ceil(that / div) * mul (invocations over blocks of tokens).
 */
export interface Lin {
  c: number;
  t: number;
  p: number;
  div?: number;
  mul?: number;
}

/** What a shader binding refers to. */
export type Resource =
  | { kind: "buffer"; index: number } // a planned activation buffer
  | { kind: "const"; index: number } // a weight: consts[index], a range of weights.bin
  | { kind: "cache"; index: number } // a KV cache: nCtx rows of `width` f32
  | { kind: "input"; index: number } // a graph build's input i
  | { kind: "tokens" }
  | { kind: "pos" }
  | { kind: "rope"; index: number } // a table of f32(cos), f32(sin) per position and frequency, built by the runtime
  | { kind: "scratch" } // attention scores or packed activations, sized by the runtime
  | { kind: "packed"; index: number }; // an act_quant result packed four to a word for the ternary products reading it

/** One binding of a step: binding 0 is always the call's uniforms; these follow from 1. */
export interface Binding {
  resource: Resource;
  writable: boolean;
}

/** A value a step produces, for a trace (and for the outputs of a graph build). */
export interface StepResult {
  name: string;
  /** The IR dtype; i8 values are stored one per i32. */
  dtype: "f32" | "i32" | "i8";
  shape: Lin[];
  resource: Resource;
  /** For a cache: its rows so far (P + T) are the value. */
  rowWidth?: number;
}

export interface Step {
  /** Index into shaders. */
  shader: number;
  bindings: Binding[];
  /** Invocations to run (one per output element or row); the runtime spreads them over workgroups. */
  threads: Lin;
  /** When only the last token's logits are wanted, the invocations that compute them (the runtime picks). */
  lastRowThreads?: Lin;
  /** Bytes the step reads and writes (its operands and results, weights as stored): for bandwidth figures. */
  bytes: Lin;
  /** The op it computes, for people (`%blk.0.q = rope(...)`). */
  label: string;
  results: StepResult[];
}

export interface ProgramIo {
  name: string;
  dtype: "f32" | "i32" | "i8";
  shape: Lin[];
}

export interface Program {
  format: "ternc-wgsl-program";
  version: 1;
  kind: "model" | "graph";
  vocab: number;
  defaultContext: number;
  /** Threads per workgroup of every shader. */
  workgroupSize: number;
  /** `header`: the blob header's layout (BLOB_FORMAT), carried here so the host runtime does not spell it again. */
  weights: { file: string; bytes: number; layoutId: number; header: { magic: string; bytes: number; sizeOffset: number; crcOffset: number; layoutOffset: number }; consts: { name: string; offset: number; bytes: number }[] };
  buffers: { perToken: number; fixed: number }[];
  caches: { width: number }[];
  /** `positions`: where the rope's positions come from (a graph build sizes the table from that input's values). */
  ropeTables: { base: number; rot: number; positions: Resource }[];
  /** Attention score scratch: f32 count = heads * queries * keys for each attention. */
  attention: { heads: number; queries: Lin; keys: Lin }[];
  /** Scratch bytes other steps need (int8 activations packed 4 per word); the scratch is the largest need. */
  scratch: Lin[];
  /** Bytes of each packed activation buffer (the "packed" resources). */
  packed: Lin[];
  shaders: string[];
  steps: Step[];
  /** The model's logits (vocab f32 per token) or a graph build's inputs and outputs. */
  logits?: { resource: Resource };
  inputs: ProgramIo[];
  outputs: (ProgramIo & { resource: Resource })[];
}
