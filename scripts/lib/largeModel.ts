// A model file with the exact shape of microsoft/bitnet-b1.58-2B-4T (2.4B parameters), random ternary
// TQ2_0 weights and a Q6_K embedding, for memory and speed checks. Random blocks are tiled, so writing
// the ~0.8 GB file takes seconds rather than drawing two billion random numbers.
import { BITNET_2B4T_DIMS, BITNET_LARGE_DIMS } from "../../ir/index.js";
import { encodeFloats, encodeTernary, GGML } from "../../src/frontend/gguf/ggmlTypes.js";
import { type GgufKv, GgufType, type GgufTensorToWrite, writeGguf } from "../../src/frontend/gguf/gguf.js";
import type { BitnetHParams } from "../../src/frontend/bitnetGraph.js";
import { Rng } from "../../src/util/random.js";

export const BITNET_2B4T_SHAPE: BitnetHParams = {
  ...BITNET_2B4T_DIMS,
  rmsEps: 1e-5,
  ropeBase: 500000,
  ropeStyle: "neox",
  ffnActivation: "relu2",
  subNorms: true,
};

function tiled(pool: Uint8Array[], blocks: number, rng: Rng): Uint8Array {
  const size = pool[0]!.length;
  const out = new Uint8Array(blocks * size);
  for (let b = 0; b < blocks; b++) out.set(pool[rng.int(0, pool.length - 1)]!, b * size);
  return out;
}

/** Writes the model to `path`; returns its size in bytes. */
/** The shapes of 1bitLLM/bitnet_b1_58-large (LLaMA-style, SiLU; llama.cpp reads it as its bitnet arch). */
export const BITNET_LARGE_SHAPE: BitnetHParams = { ...BITNET_2B4T_SHAPE, ...BITNET_LARGE_DIMS, ropeBase: 10000, ffnActivation: "silu" };

export function writeLargeBitnetGguf(path: string, hp: BitnetHParams = BITNET_2B4T_SHAPE, seed = 1, embedding: "Q6_K" | "F16" = "Q6_K", peerArch = false): void {
  const rng = new Rng(seed);
  const scale = 0.046875;
  const ternaryPool = Array.from({ length: 64 }, () => encodeTernary(GGML.TQ2_0, Array.from({ length: 256 }, () => rng.trit()), [scale]));
  const q6Pool = Array.from({ length: 64 }, () => encodeFloats(GGML.Q6_K, Float32Array.from({ length: 256 }, () => rng.normal())));
  const f16Pool = Array.from({ length: 64 }, () => encodeFloats(GGML.F16, Float32Array.from({ length: 256 }, () => rng.normal())));
  // bitnet-b1.58 (ternc's and newer bitnet.cpp's name): squared ReLU; "bitnet": SiLU, both with sub-norms. The peers
  // bench:c runs (llama.cpp, and the bitnet.cpp release it builds) know only "bitnet", so `peerArch` writes every shape
  // under it: the three runtimes then read one file and compute one model.
  const arch = hp.ffnActivation === "relu2" && !peerArch ? "bitnet-b1.58" : "bitnet";
  const kv = (key: string, type: GgufKv["type"], value: number | string): GgufKv => ({ key, type, value });
  const kvs: GgufKv[] = [
    kv("general.architecture", GgufType.STRING, arch),
    kv(`${arch}.context_length`, GgufType.U32, 4096),
    kv(`${arch}.embedding_length`, GgufType.U32, hp.hidden),
    kv(`${arch}.block_count`, GgufType.U32, hp.layers),
    kv(`${arch}.feed_forward_length`, GgufType.U32, hp.intermediate),
    kv(`${arch}.attention.head_count`, GgufType.U32, hp.heads),
    kv(`${arch}.attention.head_count_kv`, GgufType.U32, hp.kvHeads),
    kv(`${arch}.attention.layer_norm_rms_epsilon`, GgufType.F32, hp.rmsEps),
    kv(`${arch}.rope.freq_base`, GgufType.F32, hp.ropeBase),
    kv(`${arch}.rope.dimension_count`, GgufType.U32, hp.headDim),
    // No tokenizer (random weights, token ids in and out): llama.cpp's marker for that, with the vocabulary's size.
    kv("tokenizer.ggml.model", GgufType.STRING, "no_vocab"),
    kv(`${arch}.vocab_size`, GgufType.U32, hp.vocab),
  ];
  const norm = (name: string, n: number): GgufTensorToWrite => ({ name, ne: [n], type: GGML.F32, data: encodeFloats(GGML.F32, new Float32Array(n).fill(1)) });
  const ternary = (name: string, out: number, inp: number): GgufTensorToWrite => ({ name, ne: [inp, out], type: GGML.TQ2_0, data: tiled(ternaryPool, (out * inp) / 256, rng) });
  const q = hp.heads * hp.headDim;
  const kvw = hp.kvHeads * hp.headDim;
  const embd = embedding === "Q6_K" ? { type: GGML.Q6_K, data: tiled(q6Pool, (hp.vocab * hp.hidden) / 256, rng) } : { type: GGML.F16, data: tiled(f16Pool, (hp.vocab * hp.hidden) / 256, rng) };
  const tensors: GgufTensorToWrite[] = [{ name: "token_embd.weight", ne: [hp.hidden, hp.vocab], ...embd }];
  for (let l = 0; l < hp.layers; l++) {
    const p = `blk.${l}`;
    tensors.push(
      norm(`${p}.attn_norm.weight`, hp.hidden),
      ternary(`${p}.attn_q.weight`, q, hp.hidden),
      ternary(`${p}.attn_k.weight`, kvw, hp.hidden),
      ternary(`${p}.attn_v.weight`, kvw, hp.hidden),
      norm(`${p}.attn_sub_norm.weight`, q),
      ternary(`${p}.attn_output.weight`, hp.hidden, q),
      norm(`${p}.ffn_norm.weight`, hp.hidden),
      ternary(`${p}.ffn_gate.weight`, hp.intermediate, hp.hidden),
      ternary(`${p}.ffn_up.weight`, hp.intermediate, hp.hidden),
      norm(`${p}.ffn_sub_norm.weight`, hp.intermediate),
      ternary(`${p}.ffn_down.weight`, hp.hidden, hp.intermediate),
    );
  }
  tensors.push(norm("output_norm.weight", hp.hidden));
  writeGguf(path, kvs, tensors);
}
