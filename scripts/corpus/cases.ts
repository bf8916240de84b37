// The corrupt-file corpus: hand-built hostile inputs, each written from the bundled examples (examples/tiny-bitnet.gguf,
// examples/bitnet_block.tir, and a Hugging Face folder made from the GGUF's own weights), with the command that reads
// it and what its error must say: the file, the place (key, tensor, line, field) and the problem. Every case must end
// with exit 1. Nothing binary is stored: `npm run corpus -- --out DIR` writes them, the suite checks them.
import { copyFileSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tensorFromValues } from "../../ir/index.js";
import { encodeTernary, GGML } from "../../src/frontend/gguf/ggmlTypes.js";
import { type GgufKv, GgufType, readGguf, writeGguf } from "../../src/frontend/gguf/gguf.js";
import { writeBitnetHf } from "../../src/frontend/huggingface/writeModel.js";
import { loadModel } from "../../src/frontend/loadModel.js";
import { readSafetensorsBytes, readSafetensorsHeader, writeSafetensors } from "../../src/frontend/safetensors/safetensors.js";
import { encodeNpy } from "../../src/io/npy.js";
import { ROOT } from "../lib/root.js";

export type CorpusFormat = "gguf" | "hf" | "tir" | "npy" | "json";

export interface CorpusCase {
  /** The case's folder name under the corpus. */
  id: string;
  format: CorpusFormat;
  /** What is wrong, in a few words. */
  what: string;
  /** The ternc command line that reads it (absolute paths). */
  argv: string[];
  /** Each must appear in stderr: the file, the place, the problem. */
  expect: string[];
}

const GGUF = join(ROOT, "examples/tiny-bitnet.gguf");
const TIR = join(ROOT, "examples/bitnet_block.tir");
const ARCH = "bitnet-b1.58";

/** Writes every case under `dir` (which should be empty) and returns them. */
export function writeCorpus(dir: string): CorpusCase[] {
  mkdirSync(dir, { recursive: true });
  const cases: CorpusCase[] = [];
  const folder = (id: string): string => {
    const p = join(dir, id);
    mkdirSync(p, { recursive: true });
    return p;
  };
  const add = (c: CorpusCase): void => {
    cases.push(c);
  };
  ggufCases(folder, add);
  hfCases(dir, folder, add);
  tirCases(folder, add);
  npyCases(folder, add);
  return cases;
}

type Folder = (id: string) => string;
type Add = (c: CorpusCase) => void;

function ggufCases(folder: Folder, add: Add): void {
  const bytes = readFileSync(GGUF);
  const info = readGguf(GGUF);
  const tensor = (name: string) => info.tensors.find((t) => t.name === name)!;
  const inspect = (p: string): string[] => ["inspect", p];
  const run = (p: string): string[] => ["run", p, "--tokens", "1", "--max-tokens", "1"];
  /** The example with its bytes edited. */
  const patched = (id: string, what: string, edit: (b: Buffer) => Buffer, expect: string, argv = inspect): void => {
    const p = join(folder(id), "model.gguf");
    writeFileSync(p, edit(Buffer.from(bytes)));
    add({ id, format: "gguf", what, argv: argv(p), expect: [p, expect] });
  };
  /** The example rewritten with other metadata or tensors. */
  const rewritten = (id: string, what: string, change: { kvs?: (k: GgufKv[]) => GgufKv[]; drop?: string; retype?: [string, number] }, expect: string, argv = inspect): void => {
    const p = join(folder(id), "model.gguf");
    const kvs = [...info.metadata.values()];
    const tensors = info.tensors
      .filter((t) => t.name !== change.drop)
      .map((t) => ({ name: t.name, ne: t.ne, type: change.retype && t.name === change.retype[0] ? { ...t.type!, id: change.retype[1] } : t.type!, data: bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize) }));
    writeGguf(p, change.kvs ? change.kvs(kvs) : kvs, tensors);
    add({ id, format: "gguf", what, argv: argv(p), expect: [p, expect] });
  };
  const setKv = (key: string, value: unknown, type?: GgufKv["type"]) => (k: GgufKv[]): GgufKv[] => [...k.filter((kv) => kv.key !== key), { key, type: type ?? GgufType.F64, value } as GgufKv];
  /** A GGUF v3 header by hand: metadata entries as raw bytes, tensors (F32 [4]) at the given data offsets. */
  const raw = (id: string, what: string, kvs: Buffer[], tensors: Array<[string, number]>, expect: string, counts?: [bigint, bigint]): void => {
    const u32 = (v: number): Buffer => Buffer.from(Uint32Array.of(v).buffer);
    const u64 = (v: bigint): Buffer => Buffer.from(BigUint64Array.of(v).buffer);
    const str = (t: string): Buffer => Buffer.concat([u64(BigInt(Buffer.byteLength(t))), Buffer.from(t)]);
    const [nt, nkv] = counts ?? [BigInt(tensors.length), BigInt(kvs.length)];
    const header = Buffer.concat([Buffer.from("GGUF"), u32(3), u64(nt), u64(nkv), ...kvs, ...tensors.flatMap(([n, off]) => [str(n), u32(1), u64(4n), u32(0), u64(BigInt(off))])]);
    const p = join(folder(id), "model.gguf");
    writeFileSync(p, Buffer.concat([header, Buffer.alloc(32 - (header.length % 32)), Buffer.alloc(128)]));
    add({ id, format: "gguf", what, argv: inspect(p), expect: [p, expect] });
  };
  const last = info.tensors[info.tensors.length - 1]!;

  patched("gguf-truncated-header", "the file ends inside the metadata", (b) => b.subarray(0, 40), "truncated file: metadata");
  patched("gguf-truncated-data", "the file ends inside the last tensor", (b) => b.subarray(0, last.fileOffset + 10), `tensor '${last.name}' data (bytes ${last.fileOffset}..`);
  patched("gguf-magic", "a wrong magic number", (b) => (b.write("GGML", 0), b), 'not a GGUF file (wrong magic number; expected "GGUF")');
  patched("gguf-version", "GGUF version 1", (b) => (b.writeUInt32LE(1, 4), b), "unsupported GGUF version 1");
  patched("gguf-tensor-count", "a tensor count of 2^40", (b) => (b.writeBigUInt64LE(2n ** 40n, 8), b), "tensor");
  patched("gguf-kv-count", "a metadata count of 2^60", (b) => (b.writeBigUInt64LE(2n ** 60n, 16), b), "metadata");
  rewritten("gguf-arch", "an architecture ternc does not read", { kvs: setKv("general.architecture", "gpt2", GgufType.STRING) }, "unsupported architecture 'gpt2'");
  rewritten("gguf-arch-proto", "an architecture named after an Object property", { kvs: setKv("general.architecture", "constructor", GgufType.STRING) }, "unsupported architecture 'constructor'");
  rewritten("gguf-no-layers", "no block_count", { kvs: (k) => k.filter((kv) => kv.key !== `${ARCH}.block_count`) }, `missing metadata key '${ARCH}.block_count'`);
  const deepKey = Buffer.concat([Buffer.from(BigUint64Array.of(4n).buffer), Buffer.from("deep"), Buffer.from(Uint32Array.of(9).buffer)]);
  const level = Buffer.concat([Buffer.from(Uint32Array.of(9).buffer), Buffer.from(BigUint64Array.of(1n).buffer)]);
  raw("gguf-nested-arrays", "metadata arrays nested 30,000 deep", [Buffer.concat([deepKey, ...Array.from({ length: 30_000 }, () => level), Buffer.from(Uint32Array.of(0).buffer), Buffer.from(BigUint64Array.of(0n).buffer)])], [], "metadata 'deep': arrays nested more than 8 deep");
  rewritten("gguf-duplicate-key", "a metadata key given twice", { kvs: (k) => [...k, k.find((kv) => kv.key === "general.architecture")!] }, "metadata key 'general.architecture' appears twice");
  raw("gguf-duplicate-tensor", "two tensors with one name", [], [["a", 0], ["a", 32]], "tensor 'a' appears twice");
  raw("gguf-overlap", "two tensors on the same bytes", [], [["a", 0], ["b", 0]], "tensors 'a' and 'b' overlap");
  raw("gguf-unaligned", "tensor data off the alignment", [], [["a", 4]], "tensor 'a' data offset 4 is not a multiple of the alignment 32");
  raw("gguf-huge-string", "a key whose length is 2^62", [Buffer.from(BigUint64Array.of(2n ** 62n).buffer)], [], "metadata entry 0: value 4611686018427387904 at offset 24 is too large");

  const withVocab = (extra: GgufKv[]) => (k: GgufKv[]): GgufKv[] => [...k.filter((kv) => !kv.key.startsWith("tokenizer.")), ...extra];
  const tokens: GgufKv = { key: "tokenizer.ggml.tokens", type: GgufType.ARRAY, elementType: GgufType.STRING, value: ["<unk>", "a", "b"] };
  const llama: GgufKv = { key: "tokenizer.ggml.model", type: GgufType.STRING, value: "llama" };
  rewritten("gguf-token-type", "token_type a string", { kvs: withVocab([llama, tokens, { key: "tokenizer.ggml.token_type", type: GgufType.STRING, value: "normal" }]) }, "tokenizer.ggml.token_type must be an array of 3 numbers (one per token)");
  rewritten("gguf-eos", "an EOS id outside the vocabulary", { kvs: withVocab([llama, tokens, { key: "tokenizer.ggml.eos_token_id", type: GgufType.U32, value: 7 }]) }, "tokenizer.ggml.eos_token_id: 7 is not a token id (the vocabulary has 3)");
  rewritten("gguf-bos", "a BOS id outside the vocabulary", { kvs: setKv("tokenizer.ggml.bos_token_id", 5000, GgufType.U32) }, "tokenizer.ggml.bos_token_id: 5000 is not a token id (the vocabulary has 303)");
  rewritten("gguf-no-byte-fallback", "a prompt a vocabulary without byte fallback cannot encode", { kvs: withVocab([llama, tokens]) }, "--prompt: the vocabulary has no token for", (p) => ["run", p, "--prompt", "a\u00e9", "--max-tokens", "1"]);

  const invalid = (key: string, message: string): string => `invalid metadata key '${ARCH}.${key}': ${message}`;
  const hparams: Array<[string, string, string, number, string]> = [
    ["gguf-layers-2-32", "block_count 2^32", "block_count", 2 ** 32, invalid("block_count", "expected a whole number from 1 to 4096, got 4294967296")],
    ["gguf-layers-negative", "block_count -1", "block_count", -1, invalid("block_count", "expected a whole number from 1 to 4096, got -1")],
    ["gguf-layers-fraction", "block_count 2.5", "block_count", 2.5, invalid("block_count", "expected a whole number from 1 to 4096, got 2.5")],
    ["gguf-width-zero", "embedding_length 0", "embedding_length", 0, invalid("embedding_length", "expected a whole number from 1 to 1048576, got 0")],
    ["gguf-eps-negative", "a negative RMS epsilon", "attention.layer_norm_rms_epsilon", -1e-5, invalid("attention.layer_norm_rms_epsilon", "expected a number above 0 and below 1")],
    ["gguf-context-zero", "context_length 0", "context_length", 0, invalid("context_length", "expected a whole number from 1 to")],
    ["gguf-context-nan", "context_length NaN", "context_length", Number.NaN, invalid("context_length", "expected a number, got NaN")],
    ["gguf-rope-base-zero", "rope.freq_base 0", "rope.freq_base", 0, invalid("rope.freq_base", "expected a number above 0, got 0")],
    ["gguf-rope-dims-odd", "an odd rotary width", "rope.dimension_count", 7, `metadata key '${ARCH}.rope.dimension_count', else the head dim) is 7: rotary embedding turns pairs of dimensions, so it must be even`],
    ["gguf-heads", "heads that do not divide the width", "attention.head_count", 3, "inconsistent attention metadata: 3 heads"],
  ];
  for (const [id, what, key, value, message] of hparams) rewritten(id, what, { kvs: setKv(`${ARCH}.${key}`, value) }, message);

  rewritten("gguf-missing-tensor", "a tensor missing", { drop: "blk.0.ffn_up.weight" }, "missing tensor 'blk.0.ffn_up.weight' (block 0 of 2)", run);
  rewritten("gguf-shape", "a tensor shape other than the hyper-parameters'", { kvs: setKv(`${ARCH}.feed_forward_length`, 1024, GgufType.U32) }, "tensor 'blk.0.ffn_gate.weight' has shape [512, 256], but the hyper-parameters need [1024, 256] (block 0 of 2)", run);
  rewritten("gguf-q4", "a tensor type ternc does not read", { retype: ["blk.0.attn_v.weight", 2] }, "tensor 'blk.0.attn_v.weight' has ggml type Q4_0, which ternc does not read", run);
  const norm = tensor("blk.0.ffn_norm.weight");
  patched("gguf-nan-norm", "NaN in a norm weight", (b) => (b.writeFloatLE(Number.NaN, norm.fileOffset + 12), b), "tensor 'blk.0.ffn_norm.weight' (F32): element 3 is NaN (weights must be finite)", run);
  const embd = tensor("token_embd.weight");
  patched("gguf-nan-embedding", "NaN in the F16 embedding", (b) => (b.writeUInt16LE(0x7e00, embd.fileOffset + 10), b), "tensor 'token_embd.weight' (F16): element 5 is NaN (weights must be finite)", run);
  const q = tensor("blk.0.attn_q.weight");
  patched("gguf-inf-scale", "an infinite TQ2_0 block scale", (b) => (b.writeUInt16LE(0x7c00, q.fileOffset + 64), b), "tensor 'blk.0.attn_q.weight' (TQ2_0) (block scales): element 0 is Infinity", run);
  const k = tensor("blk.0.attn_k.weight");
  patched("gguf-code-3", "the 2-bit code 3 in a ternary weight", (b) => (b.writeUInt8(0xff, k.fileOffset + 1), b), "tensor 'blk.0.attn_k.weight' (TQ2_0): element 1 has the invalid 2-bit code 3", run);
  {
    // A norm gain stored as ternary blocks: a type the reader knows, in a place that needs floats.
    const p = join(folder("gguf-norm-ternary"), "model.gguf");
    const ternary = { name: "blk.0.attn_norm.weight", ne: tensor("blk.0.attn_norm.weight").ne, type: q.type!, data: encodeTernary(GGML.TQ2_0, new Array<number>(256).fill(1), [1]) };
    const tensors = info.tensors.map((t) => (t.name === ternary.name ? ternary : { name: t.name, ne: t.ne, type: t.type!, data: bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize) }));
    writeGguf(p, [...info.metadata.values()], tensors);
    add({ id: "gguf-norm-ternary", format: "gguf", what: "a norm gain stored as TQ2_0", argv: run(p), expect: [p, "tensor 'blk.0.attn_norm.weight' (TQ2_0): a ternary type is not allowed for a norm gain or scale"] });
  }
  const notes = join(folder("gguf-not-a-model"), "notes.txt");
  writeFileSync(notes, "hello");
  add({ id: "gguf-not-a-model", format: "gguf", what: "a text file given as the model", argv: ["inspect", notes], expect: [notes, "not a model ternc reads"] });
}

function hfCases(dir: string, folder: Folder, add: Add): void {
  const m = loadModel(GGUF);
  const base = join(dir, ".hf-base");
  writeBitnetHf(base, m.hparams, m.weights(), { weights: "packed" });
  const sharded = join(dir, ".hf-sharded");
  writeBitnetHf(sharded, m.hparams, m.weights(), { weights: "packed", shards: 2 });
  const copy = (id: string, from = base): string => {
    const p = folder(id);
    cpSync(from, p, { recursive: true });
    return p;
  };
  const inspect = (p: string): string[] => ["inspect", p];
  const config = (p: string): Record<string, unknown> => JSON.parse(readFileSync(join(p, "config.json"), "utf8")) as Record<string, unknown>;
  const withConfig = (id: string, what: string, edit: (c: Record<string, unknown>) => unknown, expect: string[]): void => {
    const p = copy(id);
    const text = edit(config(p));
    writeFileSync(join(p, "config.json"), typeof text === "string" ? text : JSON.stringify(text));
    add({ id, format: "hf", what, argv: inspect(p), expect: [join(p, "config.json"), ...expect] });
  };
  withConfig("hf-arch", "an architecture ternc does not read", (c) => ({ ...c, architectures: ["GPT2LMHeadModel"] }), ["unsupported architecture 'GPT2LMHeadModel'"]);
  withConfig("hf-arch-proto", "an architecture named after an Object property", (c) => ({ ...c, architectures: ["constructor"] }), ["unsupported architecture 'constructor'"]);
  withConfig("hf-config-not-json", "config.json is not JSON", () => "{ not json", ["not valid JSON"]);
  withConfig("hf-config-null", "config.json is null", () => "null", ["expected a JSON object, got null"]);
  withConfig("hf-layers-2-32", "num_hidden_layers 2^32", (c) => ({ ...c, num_hidden_layers: 2 ** 32 }), ["invalid 'num_hidden_layers': expected a whole number from 1 to 4096, got 4294967296"]);
  withConfig("hf-layers-negative", "num_hidden_layers -1", (c) => ({ ...c, num_hidden_layers: -1 }), ["invalid 'num_hidden_layers'"]);
  withConfig("hf-vocab-string", "vocab_size a string", (c) => ({ ...c, vocab_size: "303" }), ["invalid 'vocab_size': expected a number"]);
  withConfig("hf-head-dim-odd", "an odd head dim", (c) => ({ ...c, head_dim: 63 }), ["the head dim ('head_dim', else hidden_size / num_attention_heads) is 63"]);

  const st = (p: string): string => join(p, "model.safetensors");
  {
    const p = copy("hf-truncated");
    writeFileSync(st(p), readFileSync(st(p)).subarray(0, 5000));
    add({ id: "hf-truncated", format: "hf", what: "a truncated safetensors file", argv: inspect(p), expect: [st(p), "tensor '"] });
  }
  {
    const p = copy("hf-no-scale");
    const kept = readSafetensorsHeader(st(p)).filter((t) => t.name !== "model.layers.0.mlp.up_proj.weight_scale");
    writeSafetensors(st(p), kept.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: readSafetensorsBytes(t) })));
    add({ id: "hf-no-scale", format: "hf", what: "a packed weight without its scale", argv: ["run", p, "--tokens", "1", "--max-tokens", "1"], expect: [p, "missing tensor 'model.layers.0.mlp.up_proj.weight_scale' (the scale of a packed weight)"] });
  }
  /** model.safetensors with its JSON header replaced (padded to the old length, so the data keeps its offsets). */
  const withHeader = (id: string, what: string, edit: (h: Record<string, unknown>) => unknown, expect: string): void => {
    const p = copy(id);
    const bytes = readFileSync(st(p));
    const len = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + len).toString("utf8")) as Record<string, unknown>;
    const text = Buffer.from(JSON.stringify(edit(header)).padEnd(len, " "));
    const lenBuf = Buffer.alloc(8);
    lenBuf.writeBigUInt64LE(BigInt(text.length));
    writeFileSync(st(p), Buffer.concat([lenBuf, text, bytes.subarray(8 + len)]));
    add({ id, format: "hf", what, argv: inspect(p), expect: [st(p), expect] });
  };
  const first = (h: Record<string, unknown>): string => Object.keys(h).find((key) => key !== "__metadata__")!;
  const entry = (h: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> => ({ ...h, [first(h)]: { ...(h[first(h)] as object), ...change } });
  withHeader("hf-st-null", "a safetensors header that is null", () => null, "the safetensors header is not a JSON object");
  withHeader("hf-st-entry-null", "a header entry that is null", (h) => ({ ...h, [first(h)]: null }), "has an invalid header entry: not an object");
  withHeader("hf-st-shape-string", "a shape that is a string", (h) => entry(h, { shape: "256" }), "shape is not a list of at most 8 whole numbers");
  withHeader("hf-st-reversed", "data_offsets that end before they begin", (h) => entry(h, { data_offsets: [100, 0] }), "data_offsets end before they begin");
  withHeader("hf-st-dtype-proto", "a dtype named after an Object property", (h) => entry(h, { dtype: "constructor" }), 'dtype "constructor" is not one of');
  withHeader("hf-st-shape-overflow", "a shape of 2^80 elements", (h) => entry(h, { shape: [2 ** 40, 2 ** 40] }), "do not fill its");
  withHeader("hf-st-overlap", "two tensors on the same bytes", (h) => {
    const names = Object.keys(h).filter((key) => key !== "__metadata__");
    return { ...h, [names[1]!]: { ...(h[names[0]!] as object) } };
  }, "overlap");
  {
    const p = copy("hf-st-header-length");
    const bytes = readFileSync(st(p));
    bytes.writeBigUInt64LE(2n ** 62n, 0);
    writeFileSync(st(p), bytes);
    add({ id: "hf-st-header-length", format: "hf", what: "a header length of 2^62", argv: inspect(p), expect: [st(p), "header"] });
  }

  const withTokenizer = (id: string, what: string, json: unknown, expect: string): void => {
    const p = copy(id);
    writeFileSync(join(p, "tokenizer.json"), typeof json === "string" ? json : JSON.stringify(json));
    add({ id, format: "hf", what, argv: inspect(p), expect: [join(p, "tokenizer.json"), expect] });
  };
  const bpe = (model: Record<string, unknown>, rest: Record<string, unknown> = {}): unknown => ({ model: { type: "BPE", vocab: { a: 0, b: 1, ab: 2 }, merges: ["a b"], ...model }, ...rest });
  withTokenizer("hf-tok-empty", "an empty vocabulary", bpe({ vocab: {} }), "the vocabulary is empty");
  withTokenizer("hf-tok-id-2-32", "a token id of 2^32", bpe({ vocab: { a: 0, b: 2 ** 32 } }), 'token "b" has id 4294967296');
  // 50 bytes that once asked for a billion-entry table.
  withTokenizer("hf-tok-id-1e9", "a token id of 1e9", bpe({ vocab: { a: 1e9 } }), 'token "a" has id 1000000000');
  withTokenizer("hf-tok-id-negative", "a negative token id", bpe({ vocab: { a: -1 } }), 'token "a" has id -1');
  withTokenizer("hf-tok-merges-object", "merges an object", bpe({ merges: { a: "b" } }), "model.merges must be a list");
  withTokenizer("hf-tok-bad-regex", "a Split regex that does not compile", bpe({}, { pre_tokenizer: { type: "Split", pattern: { Regex: "(?<!" } } }), "the pre_tokenizer's Split regex does not compile");
  withTokenizer("hf-tok-nested", "pre-tokenizers nested 10,000 deep", JSON.stringify(bpe({}, { pre_tokenizer: "X" })).replace('"X"', `${'{"type":"Sequence","pretokenizers":['.repeat(10_000)}{}${"]}".repeat(10_000)}`), "pre_tokenizer nests more than 16 deep");
  withTokenizer("hf-tok-null", "tokenizer.json is null", "null", "expected a JSON object");

  // A real safetensors file beside the corpus: following an index entry to it would "work".
  const outsider = join(dir, "outside.safetensors");
  copyFileSync(st(base), outsider);
  const index = "model.safetensors.index.json";
  const withIndexEntry = (id: string, what: string, value: unknown, expect: (p: string) => string, prepare?: (p: string) => void): void => {
    const p = copy(id, sharded);
    const json = JSON.parse(readFileSync(join(p, index), "utf8")) as { weight_map: Record<string, unknown> };
    json.weight_map[Object.keys(json.weight_map)[0]!] = value;
    writeFileSync(join(p, index), JSON.stringify(json));
    prepare?.(p);
    add({ id, format: "hf", what, argv: inspect(p), expect: [join(p, index), expect(p)] });
  };
  withIndexEntry("hf-index-up", "a shard named ../outside.safetensors", "../outside.safetensors", () => "weight_map: shard '../outside.safetensors' is outside");
  withIndexEntry("hf-index-absolute", "a shard named by an absolute path", outsider, () => `weight_map: shard '${outsider}' is outside`);
  withIndexEntry("hf-index-symlink", "a shard that is a symbolic link out of the folder", "linked.safetensors", () => "weight_map: shard 'linked.safetensors' is outside", (p) => symlinkSync(outsider, join(p, "linked.safetensors")));
  withIndexEntry("hf-index-folder", "a shard that is a folder", "sub", (p) => `weight_map: shard '${join(p, "sub")}' is not a regular file`, (p) => mkdirSync(join(p, "sub")));
  withIndexEntry("hf-index-number", "a shard entry that is a number", 7, () => "weight_map['");
  {
    const p = copy("hf-index-no-map", sharded);
    writeFileSync(join(p, index), JSON.stringify({ weight_map: [] }));
    add({ id: "hf-index-no-map", format: "hf", what: "an index whose weight_map is a list", argv: inspect(p), expect: [join(p, index), "missing 'weight_map'"] });
  }
}

function tirCases(folder: Folder, add: Add): void {
  const text = readFileSync(TIR, "utf8");
  const run = (p: string, ...extra: string[]): string[] => ["run", p, "--tokens", "1,2", "--max-tokens", "1", ...extra];
  const tir = (id: string, what: string, body: string, expect: string[], argv = (p: string) => ["check", p]): string => {
    const dir = folder(id);
    const p = join(dir, "model.tir");
    writeFileSync(p, body);
    add({ id, format: "tir", what, argv: argv(p), expect: [p, ...expect] });
    return dir;
  };
  /** The block graph with one of its constants moved to a blob reference. */
  const firstConst = /^ {2}const %(\S+) : (\S+\[[^\]]*\]) = (?:dense|trits)<[^\n]*(?:\n(?! {2}(?:const|%|output)).*)*/m;
  const match = firstConst.exec(text)!;
  const withBlob = (ref: string): string => text.replace(match[0], `  const %${match[1]} : ${match[2]} = ${ref}`);
  const name = `%${match[1]}`;
  tir("tir-blob-up", "a blob path that climbs out of the folder", withBlob('blob<"../../../../etc/passwd", offset = 0>'), [`: constant ${name}: weight blob '../../../../etc/passwd' is outside`], (p) => run(p));
  tir("tir-blob-absolute", "an absolute blob path", withBlob('blob<"/etc/passwd", offset = 0>'), ["weight blob '/etc/passwd' is outside"], (p) => run(p));
  mkdirSync(join(tir("tir-blob-folder", "a blob that is a folder", withBlob('blob<"sub.bin", offset = 0>'), ["is not a regular file"], (p) => run(p)), "sub.bin"));
  tir("tir-blob-missing", "a blob that does not exist", withBlob('blob<"none.bin", offset = 0>'), ["none.bin"], (p) => run(p));
  writeFileSync(join(tir("tir-blob-short", "a blob too short for its constant", withBlob('blob<"w.bin", offset = 64>'), [name], (p) => run(p)), "w.bin"), new Uint8Array(80));
  tir("tir-splat-huge", "a dense<> splat of 3e8 elements", text.replace(match[0], `  const %${match[1]} : f32[300000000] = dense<1.0>`), ["dense<...> repeats one value 300000000 times"]);
  tir("tir-trits-short", "trits<> rows that do not fill the shape", 'graph @g {\n  input %x : f32[1]\n  const %w : ternary[2, 4294967296] = trits<"+-", "0+">\n  output %w\n}\n', [":3:45: row 0 has 2 trits, expected 4294967296"]);
  tir("tir-syntax", "a statement cut short", text.replace(/\}\s*$/, ""), ["expected"]);
  tir("tir-unknown-op", "an op ternc does not know", text.replace(/= rmsnorm\(/, "= layernorm("), ["unknown op 'layernorm'"]);
  const graphLine = text.slice(0, text.indexOf("graph @")).split("\n").length;
  tir("tir-no-output", "a graph without outputs", text.replace(/^ {2}output .*$/m, ""), [`:${graphLine}:1: graph @bitnet_block has no outputs`]);
  tir("tir-dense-word", "a word in a dense list", 'graph @g {\n  input %x : f32[3]\n  const %c : f32[3] = dense<[1.0, 2.0, x]>\n  %y = add(%x, %c)\n  output %y\n}\n', [":3:40: expected a number but found 'x'"]);
  tir("tir-undefined", "a use of an undefined value", text.replace(/= rmsnorm\(%\S+?,/, "= rmsnorm(%nowhere,"), ["use of undefined value %nowhere"]);
  tir("tir-dtype", "an element type ternc does not know", text.replace(/input %tokens : i32/, "input %tokens : u64"), ["unknown element type 'u64'"]);
  tir("tir-not-text", "binary data", "\u0000\u0001GGUF\u0000", [":1:1: unexpected character U+0000"]);
}

function npyCases(folder: Folder, add: Add): void {
  const good = encodeNpy(tensorFromValues("i32", [3], [1, 2, 3]));
  const npy = (id: string, what: string, bytes: Uint8Array, expect: string): void => {
    const p = join(folder(id), "tokens.npy");
    writeFileSync(p, bytes);
    add({ id, format: "npy", what, argv: ["run", TIR, "--input", `tokens=${p}`, "--input", "pos=[0,1,2]"], expect: [p, expect] });
  };
  /** The good file with its header text edited (kept at its length). */
  const header = (edit: (h: string) => string): Uint8Array => {
    const len = good[8]! | (good[9]! << 8);
    const h = edit(Buffer.from(good.subarray(10, 10 + len)).toString("latin1")).padEnd(len - 1, " ").slice(0, len - 1) + "\n";
    return Buffer.concat([good.subarray(0, 10), Buffer.from(h, "latin1"), good.subarray(10 + len)]);
  };
  npy("npy-magic", "a wrong magic", Buffer.concat([Buffer.from("NOTNPY"), good.subarray(6)]), "not a .npy file (bad magic)");
  npy("npy-truncated-header", "a header longer than the file", good.subarray(0, 20), "truncated .npy header");
  npy("npy-negative-shape", "a negative dimension", header((h) => h.replace("(3,)", "(-1, 3)")), ".npy header 'shape' dimension 0 is -1");
  npy("npy-fortran", "Fortran order", header((h) => h.replace("False", "True")), "Fortran-order arrays are not supported");
  npy("npy-dtype", "a dtype ternc does not read", header((h) => h.replace("<i4", "<c8")), "unsupported .npy dtype '<c8'");
  npy("npy-truncated-data", "data shorter than the shape", good.subarray(0, good.length - 4), "truncated .npy data");
  npy("npy-no-shape", "a header without a shape", header((h) => h.replace(/'shape': \([^)]*\), /, "")), "malformed .npy header");
  npy("npy-huge-shape", "a dimension of 2^60", header((h) => h.replace("(3,)", "(1152921504606846976,)")), "'shape' dimension 0 is 1152921504606846976: expected a whole number from 0 to 2^53");
  npy("npy-huge-count", "dimensions whose product passes the data", header((h) => h.replace("(3,)", "(4294967296, 4294967296)")), "truncated .npy data");
  {
    // The .json form of an input, nested 100,000 deep (a stack overflow before).
    const p = join(folder("json-nested"), "tokens.json");
    writeFileSync(p, `${"[".repeat(100_000)}1${"]".repeat(100_000)}`);
    add({ id: "json-nested", format: "json", what: "a JSON input nested 100,000 deep", argv: ["run", TIR, "--input", `tokens=${p}`, "--input", "pos=[0]"], expect: [p, "arrays nested more than 8 deep"] });
  }
  npy("npy-floats-for-ints", "fractions for an integer input", encodeNpy(tensorFromValues("f32", [3], [1.5, 2, 3])), "--input tokens");
  npy("npy-wrong-rank", "a rank the input does not have", encodeNpy(tensorFromValues("i32", [1, 3], [1, 2, 3])), "--input tokens");
}
