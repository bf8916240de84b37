// Small seeded models for the C backend tests: odd shapes as .tir model graphs (any size), and real files.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { verifyOrThrow } from "../../ir/index.js";
import { type BitnetHParams, buildBitnetGraph } from "../../src/frontend/bitnetGraph.js";
import { readGguf } from "../../src/frontend/gguf/gguf.js";
import { writeBitnetGguf } from "../../src/frontend/gguf/writeModel.js";
import { writeBitnetHf } from "../../src/frontend/huggingface/writeModel.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM, TINY_BITNET_LLAMA_FORM } from "../../src/frontend/randomBitnet.js";
import { writeGraphWithBlob } from "../../src/importModel.js";
import type { CIsa, CKernel } from "../../backends/c/options.js";
import { type ValidationReport, validateModel } from "../../src/targets/validate.js";

/** 2B4T form with no dimension a multiple of a SIMD width or block: hidden 40, FFN 200, 5 heads on 1 KV head, vocab 53. */
export const ODD_2B4T: BitnetHParams = { ...TINY_BITNET_2B4T_FORM, hidden: 40, intermediate: 200, heads: 5, kvHeads: 1, headDim: 8, vocab: 53, layers: 2 };
/** LLaMA form (SiLU, no sub-norms, untied head): hidden 168 (one tq1 block and a bit), FFN 300, vocab 67. */
export const ODD_LLAMA: BitnetHParams = { ...TINY_BITNET_LLAMA_FORM, hidden: 168, intermediate: 300, heads: 4, kvHeads: 4, headDim: 42, vocab: 67, layers: 2 };

/** Writes a seeded model as a .tir model graph (weights in the `NAME.<hash>.bin` beside it); returns the .tir path. */
export function writeTirModel(dir: string, name: string, hp: BitnetHParams, seed: number, opts: { tiedHead?: boolean; actQuant?: "per_token" | "none" } = {}): string {
  const g = buildBitnetGraph(hp, randomBitnetWeights(hp, seed, { tiedHead: opts.tiedHead }), { name: "model", kvCache: true, actQuant: opts.actQuant ?? "per_token" });
  verifyOrThrow(g);
  const tir = join(dir, `${name}.tir`);
  writeGraphWithBlob(g, tir);
  return tir;
}

/** A Hugging Face folder (LLaMA form, packed uint8 weights, BF16 embedding and untied head), hidden 256. */
export function writeHfLlama(dir: string, seed: number): string {
  const hp: BitnetHParams = { ...TINY_BITNET_LLAMA_FORM, hidden: 256, intermediate: 384, headDim: 64, layers: 2, vocab: 96 };
  const path = join(dir, "hf-llama");
  writeBitnetHf(path, hp, randomBitnetWeights(hp, seed, { tiedHead: false }), { weights: "packed" });
  return path;
}

/**
 * A GGUF file (TQ2_0 weights) whose embedding, and untied head, are stored as `embeddingType`: hidden 256 (one
 * Q6_K block per row), vocab 93 (12 blocks of 8 rows, the last one padded).
 */
export function writeGgufModel(dir: string, name: string, seed: number, opts: { embeddingType: "Q8_0" | "Q6_K"; tiedHead: boolean }): string {
  const hp: BitnetHParams = { ...TINY_BITNET_2B4T_FORM, hidden: 256, intermediate: 512, headDim: 64, heads: 4, kvHeads: 2, layers: 2, vocab: 93 };
  const path = join(dir, `${name}.gguf`);
  writeBitnetGguf(path, hp, randomBitnetWeights(hp, seed, { tiedHead: opts.tiedHead }), { linearType: "TQ2_0", embeddingType: opts.embeddingType });
  return path;
}

/** `ternc validate --target c` through the library, with the C options the tests vary. */
export function validateOnC(
  model: string,
  o: { kernel: CKernel; isa: CIsa; threads: number; steps: number; promptLength?: number; seed?: number; cc?: string; cflags?: string; ldflags?: string; actQuant?: "per-token" | "none" },
): Promise<ValidationReport> {
  const { kernel, isa, threads, cc, cflags, ldflags, ...rest } = o;
  return validateModel(model, { target: "c", options: { kernel, isa, threads, cc, cflags, ldflags }, ...rest });
}

/**
 * A TQ2_0 model whose first FFN down projection (rows of 512: two blocks of 256) gets a different scale in one
 * block: the frontend keeps a scale per row and block, and the product is computed per group of 256.
 */
export function writeGroupedGguf(dir: string, name: string, seed: number): string {
  const path = writeGgufModel(dir, name, seed, { embeddingType: "Q8_0", tiedHead: true });
  const t = readGguf(path).tensors.find((x) => x.name === "blk.0.ffn_down.weight")!;
  const bytes = readFileSync(path);
  bytes.writeUInt16LE(0x3c00, t.fileOffset + 66 + 64); // f16 1.0 as the scale of row 0's second block
  writeFileSync(path, bytes);
  return path;
}
