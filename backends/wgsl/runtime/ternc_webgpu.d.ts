// Types of ternc's WebGPU host runtime (ternc_webgpu.js).

/** A compiled program (the default export of program.js). */
export interface TerncProgram {
  format: "ternc-wgsl-program";
  version: 1;
  kind: "model" | "graph";
  vocab: number;
  defaultContext: number;
  [key: string]: unknown;
}

export interface CreateOptions {
  /** weights.bin: a URL (fetched), its bytes, or a stream of them. */
  weights: string | URL | ArrayBuffer | Uint8Array | ReadableStream<Uint8Array>;
  /** Called as the weights arrive (bytes so far, total). */
  onProgress?: (loaded: number, total: number) => void;
  /** Context length (KV cache rows); default: the program's. */
  nCtx?: number;
  /** Most tokens per forward pass (longer inputs run in batches); default 64. */
  nBatch?: number;
  /** Check the blob's CRC-32 (reads every byte once); default true. */
  verifyChecksum?: boolean;
  /** The WGSL language features of the GPU object (default: navigator.gpu's); without packed_4x8_integer_dot_product
   *  the int8 dot products are computed byte by byte. */
  wgslLanguageFeatures?: ReadonlySet<string>;
  /** Use the byte-by-byte dot products even where dot4I8Packed exists (for testing the fallback). */
  portableDot4?: boolean;
  /** Time every step with timestamp queries (needs the timestamp-query feature); read with model.profile(). */
  profile?: boolean;
  /** Called after each op with each result (for validation against the ternc interpreter); computes every logits row. */
  trace?: (name: string, dtype: "f32" | "i32" | "i8", shape: number[], data: Float32Array | Int32Array | Int8Array) => void;
}

export interface TerncModel {
  readonly vocab: number;
  readonly nCtx: number;
  readonly nBatch: number;
  /** Tokens in the context so far. */
  readonly nPast: number;
  /** The trace callback given to createModel; set it to undefined to stop tracing. */
  trace?: CreateOptions["trace"];
  /** How the int8 dot products run: "dot4I8Packed" or "portable". */
  readonly dot4: "dot4I8Packed" | "portable";
  /** Runs tokens after those in the context (prefill or decode); the last token's logits, or every token's. */
  eval(tokens: ArrayLike<number>, options?: { allLogits?: boolean }): Promise<Float32Array>;
  /** With { profile: true }: each step of the last call, its GPU time and the bytes it moves (an estimate). */
  profile(): Array<{ label: string; ns: number; bytes: { c: number; t: number; p: number } }> | undefined;
  /** Runs tokens as eval does and returns the greedy next token: the argmax computed on the GPU, 4 bytes read back. */
  evalGreedy(tokens: ArrayLike<number>): Promise<number>;
  /**
   * Runs tokens and returns the next token as `sampler` (a Sampler of ternc_sampler.js) chooses it, accepted by it:
   * a greedy choice runs the argmax on the GPU, any other reads the last logits row.
   */
  next(tokens: ArrayLike<number>, sampler: { needsLogits(): boolean; sample(logits: ArrayLike<number>): number; accept(token: number): void }): Promise<number>;
  /** The logits of the last token evaluated (undefined after evalGreedy). */
  logits(): Float32Array | undefined;
  /** Forgets the context. */
  reset(): void;
  /** Runs a plain graph build once on named inputs; T binds the token dim. */
  evalGraph(inputs: Record<string, Float32Array | Int32Array | Int8Array>, T: number): Promise<Record<string, { shape: number[]; data: Float32Array | Int32Array | Int8Array }>>;
  /** Frees the model's GPU memory. */
  destroy(): void;
}

export class TerncError extends Error {}

/** Uploads the weights and compiles the shaders; two models may share one device. */
export function createModel(device: GPUDevice, program: TerncProgram, options: CreateOptions): Promise<TerncModel>;

/** A device with the adapter's largest storage-buffer limits (browsers otherwise grant 128 MiB bindings). */
export function requestDevice(adapter: GPUAdapter): Promise<GPUDevice>;

/** Index of the largest value (the first on ties). */
export function argmax(v: ArrayLike<number>): number;
