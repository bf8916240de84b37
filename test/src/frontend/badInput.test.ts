// Bad model files: each gives one clear error naming the file and the tensor or key, and exit code 1.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeTernary, GGML } from "../../../src/frontend/gguf/ggmlTypes.js";
import { type GgufKv, GgufType, readGguf, writeGguf } from "../../../src/frontend/gguf/gguf.js";
import { writeBitnetGguf } from "../../../src/frontend/gguf/writeModel.js";
import { writeBitnetHf } from "../../../src/frontend/huggingface/writeModel.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM } from "../../../src/frontend/randomBitnet.js";
import { cli, ROOT, ternc } from "../../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-bad-"));
const hp = { ...TINY_BITNET_2B4T_FORM, hidden: 256, intermediate: 256, headDim: 64 };
const weights = randomBitnetWeights(hp, 9);
const good = join(dir, "good.gguf");
writeBitnetGguf(good, hp, weights, { linearType: "TQ2_0" });
const bytes = readFileSync(good);
const info = readGguf(good);
const tensor = (name: string) => info.tensors.find((t) => t.name === name)!;

function variant(name: string, edit: (b: Buffer) => Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, edit(Buffer.from(bytes)));
  return p;
}

/** Rewrites the model with one change to its metadata or tensors. */
function rewrite(name: string, change: { kvs?: (k: GgufKv[]) => GgufKv[]; drop?: string; retype?: [string, number] }): string {
  const p = join(dir, name);
  const kvs = [...info.metadata.values()];
  const tensors = info.tensors
    .filter((t) => t.name !== change.drop)
    .map((t) => {
      const data = bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize);
      const type = change.retype && t.name === change.retype[0] ? { ...t.type!, id: change.retype[1] } : t.type!;
      return { name: t.name, ne: t.ne, type, data };
    });
  writeGguf(p, change.kvs ? change.kvs(kvs) : kvs, tensors);
  return p;
}

async function expectUserError(path: string, message: string, command = "inspect"): Promise<void> {
  const r = await cli(command, path, ...(command === "run" ? ["--tokens", "1"] : []));
  expect(r.stderr).toContain(message);
  expect(r.code).toBe(1);
}

describe("bad GGUF files", () => {
  it("a truncated header", async () => expectUserError(variant("short.gguf", (b) => b.subarray(0, 40)), "short.gguf: truncated file: metadata"));
  it("truncated tensor data", async () => {
    const last = info.tensors[info.tensors.length - 1]!;
    await expectUserError(variant("cut.gguf", (b) => b.subarray(0, last.fileOffset + 10)), `cut.gguf: tensor '${last.name}' data (bytes ${last.fileOffset}..`);
  });
  it("a wrong magic number", async () => expectUserError(variant("magic.gguf", (b) => (b.write("GGML", 0), b)), 'magic.gguf: not a GGUF file (wrong magic number; expected "GGUF")'));
  it("an unsupported version", async () => expectUserError(variant("v1.gguf", (b) => (b.writeUInt32LE(1, 4), b)), "v1.gguf: unsupported GGUF version 1 (ternc reads versions 2 and 3)"));
  it("an unknown architecture", async () =>
    expectUserError(
      rewrite("arch.gguf", { kvs: (k) => k.map((kv) => (kv.key === "general.architecture" ? { ...kv, value: "gpt2" } : kv)) }),
      "arch.gguf: unsupported architecture 'gpt2' (ternc reads bitnet, bitnet-b1.58, bitnet-25, llama)",
    ));
  it("an architecture named after an Object property is not looked up through the prototype", async () =>
    expectUserError(
      rewrite("proto.gguf", { kvs: (k) => k.map((kv) => (kv.key === "general.architecture" ? { ...kv, value: "constructor" } : kv)) }),
      "proto.gguf: unsupported architecture 'constructor'",
    ));
  it("a pre-tokenizer named __proto__ or constructor falls back to gpt2's, as an unknown name does", async () => {
    const example = join(ROOT, "examples/tiny-bitnet.gguf");
    const src = readGguf(example);
    const raw = readFileSync(example);
    for (const pre of ["__proto__", "constructor", "no-such-pre"]) {
      const p = join(dir, `pre-${pre}.gguf`);
      const kvs = [...src.metadata.values()].map((kv) => (kv.key === "tokenizer.ggml.pre" ? { ...kv, value: pre } : kv));
      writeGguf(p, kvs, src.tensors.map((t) => ({ name: t.name, ne: t.ne, type: t.type!, data: raw.subarray(t.fileOffset, t.fileOffset + t.byteSize) })));
      const r = await cli("run", p, "--prompt", "hello world", "--max-tokens", "2");
      expect(r.stderr, pre).not.toContain("internal error");
      expect(r.code, pre).toBe(0);
    }
  });
  it("a missing hyper-parameter", async () =>
    expectUserError(rewrite("nokey.gguf", { kvs: (k) => k.filter((kv) => kv.key !== "bitnet-25.block_count") }), "nokey.gguf: missing metadata key 'bitnet-25.block_count'"));
  describe("structurally hostile headers", () => {
    /** A GGUF v3 header by hand: metadata entries as raw bytes, tensors (F32 [4]) at the given data offsets. */
    const raw = (name: string, kvs: Buffer[], tensors: Array<[string, number]>): string => {
      const u32 = (v: number): Buffer => Buffer.from(Uint32Array.of(v).buffer);
      const u64 = (v: number): Buffer => Buffer.from(BigUint64Array.of(BigInt(v)).buffer);
      const str = (t: string): Buffer => Buffer.concat([u64(Buffer.byteLength(t)), Buffer.from(t)]);
      const header = Buffer.concat([Buffer.from("GGUF"), u32(3), u64(tensors.length), u64(kvs.length), ...kvs, ...tensors.flatMap(([n, off]) => [str(n), u32(1), u64(4), u32(0), u64(off)])]);
      const p = join(dir, name);
      writeFileSync(p, Buffer.concat([header, Buffer.alloc(32 - (header.length % 32)), Buffer.alloc(128)]));
      return p;
    };
    it("metadata arrays nested 30,000 deep (a stack overflow before)", async () => {
      const key = Buffer.concat([Buffer.from(BigUint64Array.of(4n).buffer), Buffer.from("deep"), Buffer.from(Uint32Array.of(9).buffer)]);
      const level = Buffer.concat([Buffer.from(Uint32Array.of(9).buffer), Buffer.from(BigUint64Array.of(1n).buffer)]);
      const p = raw("deep.gguf", [Buffer.concat([key, ...Array.from({ length: 30_000 }, () => level), Buffer.from(Uint32Array.of(0).buffer), Buffer.from(BigUint64Array.of(0n).buffer)])], []);
      await expectUserError(p, "deep.gguf: metadata 'deep': arrays nested more than 8 deep");
    });
    it("a metadata key given twice", async () => {
      const p = rewrite("dupkey.gguf", { kvs: (k) => [...k, k.find((kv) => kv.key === "general.architecture")!] });
      await expectUserError(p, "dupkey.gguf: metadata key 'general.architecture' appears twice");
    });
    it("two tensors with one name", async () => expectUserError(raw("duptensor.gguf", [], [["a", 0], ["a", 32]]), "duptensor.gguf: tensor 'a' appears twice"));
    it("tensors sharing bytes", async () => expectUserError(raw("overlap.gguf", [], [["a", 0], ["b", 0]]), "overlap.gguf: tensors 'a' and 'b' overlap"));
    it("a tensor off the alignment", async () => expectUserError(raw("unaligned.gguf", [], [["a", 4]]), "unaligned.gguf: tensor 'a' data offset 4 is not a multiple of the alignment 32"));
  });

  describe("tokenizer metadata", () => {
    const withVocab = (name: string, extra: GgufKv[]): string => rewrite(name, { kvs: (k) => [...k.filter((kv) => !kv.key.startsWith("tokenizer.")), ...extra] });
    const tokens: GgufKv = { key: "tokenizer.ggml.tokens", type: GgufType.ARRAY, elementType: GgufType.STRING, value: ["<unk>", "a", "b"] };
    const llama: GgufKv = { key: "tokenizer.ggml.model", type: GgufType.STRING, value: "llama" };
    it("token_type that is not an array of one number per token", async () =>
      expectUserError(withVocab("toktype.gguf", [llama, tokens, { key: "tokenizer.ggml.token_type", type: GgufType.STRING, value: "normal" }]), "toktype.gguf: tokenizer.ggml.token_type must be an array of 3 numbers (one per token)"));
    it("an EOS id outside the vocabulary", async () =>
      expectUserError(withVocab("eos.gguf", [llama, tokens, { key: "tokenizer.ggml.eos_token_id", type: GgufType.U32, value: 7 }]), "eos.gguf: tokenizer.ggml.eos_token_id: 7 is not a token id (the vocabulary has 3)"));
    it("a prompt a vocabulary without byte fallback cannot encode", async () => {
      const p = withVocab("nobytes.gguf", [llama, tokens]);
      const r = await cli("run", p, "--prompt", "a\u00e9", "--max-tokens", "1");
      expect(r.stderr).toContain(`${p}: --prompt: the vocabulary has no token for`);
      expect(r.code).toBe(1);
    });
  });

  describe("hyper-parameters out of range are refused, naming the key", () => {
    const setKv = (name: string, key: string, value: number, type?: GgufKv["type"]): string =>
      rewrite(name, { kvs: (k) => k.map((kv) => (kv.key === key ? { ...kv, value, ...(type !== undefined ? { type } : {}) } : kv)) });
    const cases: Array<[string, string, number, string]> = [
      ["blocks-huge.gguf", "bitnet-25.block_count", 2 ** 32, "expected a whole number from 1 to 4096, got 4294967296"],
      ["blocks-neg.gguf", "bitnet-25.block_count", -1, "expected a whole number from 1 to 4096, got -1"],
      ["blocks-half.gguf", "bitnet-25.block_count", 2.5, "expected a whole number from 1 to 4096, got 2.5"],
      ["width-zero.gguf", "bitnet-25.embedding_length", 0, "expected a whole number from 1 to 1048576, got 0"],
      ["eps-neg.gguf", "bitnet-25.attention.layer_norm_rms_epsilon", -1e-5, "expected a number above 0 and below 1, got -0.00001"],
    ];
    for (const [file, key, value, message] of cases) {
      it(`${key} = ${value}`, async () => {
        const kv = info.metadata.get(key)!;
        // Values that do not fit the stored type are written as f64.
        const p = setKv(file, key, value, Number.isInteger(value) && value >= 0 && value < 2 ** 32 ? kv.type : GgufType.F64);
        await expectUserError(p, `${file}: invalid metadata key '${key}': ${message}`);
      });
    }
    it("a context length of 0 or NaN", async () => {
      for (const [file, v] of [["ctx-zero.gguf", 0], ["ctx-nan.gguf", Number.NaN]] as const) {
        const p = rewrite(file, { kvs: (k) => [...k.filter((kv) => kv.key !== "bitnet-25.context_length"), { key: "bitnet-25.context_length", type: GgufType.F64, value: v }] });
        await expectUserError(p, `${file}: invalid metadata key 'bitnet-25.context_length'`);
      }
    });
  });
  it("a missing tensor", async () => expectUserError(rewrite("missing.gguf", { drop: "blk.0.ffn_up.weight" }), "missing.gguf: missing tensor 'blk.0.ffn_up.weight' (block 0 of 1)", "run"));
  it("a shape disagreeing with the hyper-parameters", async () =>
    expectUserError(
      rewrite("shape.gguf", { kvs: (k) => k.map((kv) => (kv.key === "bitnet-25.feed_forward_length" ? { ...kv, value: 512 } : kv)) }),
      "shape.gguf: tensor 'blk.0.ffn_gate.weight' has shape [256, 256], but the hyper-parameters need [512, 256] (block 0 of 1)",
      "run",
    ));
  it("an unsupported tensor type names the tensor and the type", async () =>
    expectUserError(rewrite("q4.gguf", { retype: ["blk.0.attn_v.weight", 2] }), "q4.gguf: tensor 'blk.0.attn_v.weight' has ggml type Q4_0, which ternc does not read", "run"));
  it("NaN in a weight", async () => {
    const t = tensor("blk.0.ffn_norm.weight");
    await expectUserError(variant("nan.gguf", (b) => (b.writeFloatLE(NaN, t.fileOffset + 4 * 3), b)), "nan.gguf: tensor 'blk.0.ffn_norm.weight' (F32): element 3 is NaN (weights must be finite)", "run");
  });
  it("NaN in an F16 embedding", async () => {
    const path = join(dir, "f16-nan.gguf");
    writeBitnetGguf(path, hp, weights, { linearType: "TQ2_0", embeddingType: "F16" });
    const t = readGguf(path).tensors.find((x) => x.name === "token_embd.weight")!;
    const b = readFileSync(path);
    b.writeUInt16LE(0x7e00, t.fileOffset + 2 * 5);
    writeFileSync(path, b);
    await expectUserError(path, "f16-nan.gguf: tensor 'token_embd.weight' (F16): element 5 is NaN (weights must be finite)", "run");
  });
  it("Inf in the block scale of a Q6_K embedding", async () => {
    const path = join(dir, "q6k-inf.gguf");
    writeBitnetGguf(path, hp, weights, { linearType: "TQ2_0", embeddingType: "Q6_K" });
    const t = readGguf(path).tensors.find((x) => x.name === "token_embd.weight")!;
    const b = readFileSync(path);
    b.writeUInt16LE(0x7c00, t.fileOffset + 210 + 208); // d of row 0's second block
    writeFileSync(path, b);
    await expectUserError(path, "q6k-inf.gguf: tensor 'token_embd.weight' (Q6_K): element 256 is not finite (the f16 scale of its block is not; weights must be finite)", "run");
  });
  it("Inf in a block scale", async () => {
    const t = tensor("blk.0.attn_q.weight");
    await expectUserError(variant("inf.gguf", (b) => (b.writeUInt16LE(0x7c00, t.fileOffset + 64), b)), "inf.gguf: tensor 'blk.0.attn_q.weight' (TQ2_0) (block scales): element 0 is Infinity", "run");
  });
  it("an invalid ternary code", async () => {
    const t = tensor("blk.0.attn_k.weight");
    await expectUserError(variant("code3.gguf", (b) => (b.writeUInt8(0xff, t.fileOffset + 1), b)), "code3.gguf: tensor 'blk.0.attn_k.weight' (TQ2_0): element 1 has the invalid 2-bit code 3", "run");
  });
  it("not a model at all, through the real executable: exit 1, no stack trace", () => {
    const p = join(dir, "notes.txt");
    writeFileSync(p, "hello");
    const r = ternc(["inspect", p]);
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr).toBe(`ternc: error: ${p}: not a model ternc reads (a GGUF file, or a Hugging Face folder with config.json and safetensors)\n`);
  });
});

describe("bad Hugging Face folders", () => {
  const hf = join(dir, "hf");
  writeBitnetHf(hf, hp, weights, { weights: "packed" });
  const copy = (name: string): string => {
    const p = join(dir, name);
    writeBitnetHf(p, hp, weights, { weights: "packed" });
    return p;
  };
  it("a truncated safetensors file", async () => {
    const p = copy("hf-cut");
    const f = join(p, "model.safetensors");
    writeFileSync(f, readFileSync(f).subarray(0, 5000));
    await expectUserError(p, `${f}: tensor '`);
  });
  it("an unsupported architecture", async () => {
    const p = copy("hf-arch");
    const c = JSON.parse(readFileSync(join(p, "config.json"), "utf8"));
    writeFileSync(join(p, "config.json"), JSON.stringify({ ...c, architectures: ["GPT2LMHeadModel"] }));
    await expectUserError(p, "config.json: unsupported architecture 'GPT2LMHeadModel'");
  });
  it("a missing weight scale of a packed weight", async () => {
    const p = copy("hf-noscale");
    const { writeSafetensors, readSafetensorsHeader, readSafetensorsBytes } = await import("../../../src/frontend/safetensors/safetensors.js");
    const f = join(p, "model.safetensors");
    const kept = readSafetensorsHeader(f).filter((t) => t.name !== "model.layers.0.mlp.up_proj.weight_scale");
    const data = kept.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: readSafetensorsBytes(t) }));
    writeSafetensors(f, data);
    await expectUserError(p, "missing tensor 'model.layers.0.mlp.up_proj.weight_scale' (the scale of a packed weight)", "run");
  });
  it("a config.json that is not JSON", async () => {
    const p = copy("hf-json");
    copyFileSync(join(dir, "good.gguf"), join(p, "config.json"));
    await expectUserError(p, "config.json: not valid JSON");
  });
  describe("safetensors headers", () => {
    /** The model folder with model.safetensors's JSON header replaced (the data kept after it). */
    const withHeader = (name: string, edit: (h: Record<string, unknown>) => unknown): string => {
      const p = copy(name);
      const f = join(p, "model.safetensors");
      const bytes = readFileSync(f);
      const len = Number(bytes.readBigUInt64LE(0));
      const header = JSON.parse(bytes.subarray(8, 8 + len).toString("utf8"));
      // Padded to the old length so the data keeps its offsets.
      const text = Buffer.from(JSON.stringify(edit(header)).padEnd(len, " "));
      const lenBuf = Buffer.alloc(8);
      lenBuf.writeBigUInt64LE(BigInt(text.length));
      writeFileSync(f, Buffer.concat([lenBuf, text, bytes.subarray(8 + len)]));
      return p;
    };
    const first = (h: Record<string, unknown>): string => Object.keys(h).find((k) => k !== "__metadata__")!;
    const entry = (h: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> => ({ ...h, [first(h)]: { ...(h[first(h)] as object), ...change } });
    const cases: Array<[string, (h: Record<string, unknown>) => unknown, string]> = [
      ["null", () => null, "the safetensors header is not a JSON object"],
      ["an entry null", (h) => ({ ...h, [first(h)]: null }), "has an invalid header entry: not an object"],
      ["shape a string", (h) => entry(h, { shape: "256" }), "shape is not a list of at most 8 whole numbers"],
      ["reversed data_offsets", (h) => entry(h, { data_offsets: [100, 0] }), "data_offsets end before they begin"],
      ["a dtype named after an Object property", (h) => entry(h, { dtype: "constructor" }), "dtype \"constructor\" is not one of"],
      ["a shape that overflows 2^53", (h) => entry(h, { shape: [2 ** 40, 2 ** 40] }), "do not fill its"],
      ["two tensors on the same bytes", (h) => {
        const names = Object.keys(h).filter((k) => k !== "__metadata__");
        const a = h[names[0]!] as { dtype: string; shape: number[]; data_offsets: number[] };
        return { ...h, [names[1]!]: { ...a } };
      }, "overlap"],
    ];
    for (const [label, edit, message] of cases) {
      it(label, async () => expectUserError(withHeader(`hf-st-${label.replaceAll(" ", "-")}`, edit), message));
    }
  });
  describe("tokenizer.json", () => {
    const withTokenizer = (name: string, json: unknown): string => {
      const p = copy(name);
      writeFileSync(join(p, "tokenizer.json"), typeof json === "string" ? json : JSON.stringify(json));
      return p;
    };
    const bpe = (model: Record<string, unknown>, rest: Record<string, unknown> = {}): unknown => ({ model: { type: "BPE", vocab: { a: 0, b: 1, ab: 2 }, merges: ["a b"], ...model }, ...rest });
    const cases: Array<[string, unknown, string]> = [
      ["an empty vocabulary", bpe({ vocab: {} }), "tokenizer.json: the vocabulary is empty"],
      ["an id of 2^32", bpe({ vocab: { a: 0, b: 2 ** 32 } }), 'tokenizer.json: token "b" has id 4294967296'],
      // 50 bytes that asked for a billion-entry table (a V8 heap OOM before).
      ["an id of 1e9", bpe({ vocab: { a: 1e9 } }), 'tokenizer.json: token "a" has id 1000000000'],
      ["a negative id", bpe({ vocab: { a: -1 } }), 'token "a" has id -1'],
      ["merges an object", bpe({ merges: { a: "b" } }), "tokenizer.json: model.merges must be a list"],
      ["a Split regex that does not compile", bpe({}, { pre_tokenizer: { type: "Split", pattern: { Regex: "(?<!" } } }), "the pre_tokenizer's Split regex does not compile"],
      // As text: the test's own JSON.stringify would overflow its stack on it.
      ["pre-tokenizers nested 10,000 deep", JSON.stringify(bpe({}, { pre_tokenizer: "X" })).replace('"X"', `${'{"type":"Sequence","pretokenizers":['.repeat(10_000)}{}${"]}".repeat(10_000)}`), "pre_tokenizer nests more than 16 deep"],
      ["null", "null", "tokenizer.json: expected a JSON object"],
    ];
    for (const [label, json, message] of cases) it(label, async () => expectUserError(withTokenizer(`hf-tok-${label.replaceAll(/[^a-z0-9]+/gi, "-")}`, json), message));
  });
  it("num_hidden_layers 2^32", async () => {
    const p = copy("hf-layers");
    const c = JSON.parse(readFileSync(join(p, "config.json"), "utf8"));
    writeFileSync(join(p, "config.json"), JSON.stringify({ ...c, num_hidden_layers: 2 ** 32 }));
    await expectUserError(p, "config.json: invalid 'num_hidden_layers': expected a whole number from 1 to 4096, got 4294967296");
  });
  it("a config.json that is JSON but not an object (null)", async () => {
    const p = copy("hf-null");
    writeFileSync(join(p, "config.json"), "null");
    await expectUserError(p, "config.json: expected a JSON object, got null");
  });
  it("an architecture named after an Object property is not looked up through the prototype", async () => {
    const p = copy("hf-proto");
    const c = JSON.parse(readFileSync(join(p, "config.json"), "utf8"));
    writeFileSync(join(p, "config.json"), JSON.stringify({ ...c, architectures: ["constructor"] }));
    await expectUserError(p, "config.json: unsupported architecture 'constructor'");
  });

  it("a FIFO named model.safetensors is refused at once instead of blocking the read", async () => {
    const p = copy("hf-fifo");
    rmSync(join(p, "model.safetensors"));
    execFileSync("mkfifo", [join(p, "model.safetensors")]);
    await expectUserError(p, `weights '${join(p, "model.safetensors")}' is not a regular file`);
  });
  it("a FIFO named config.json or tokenizer.json is refused instead of blocking the read", async () => {
    for (const name of ["config.json", "tokenizer.json"]) {
      const p = copy(`hf-fifo-${name}`);
      rmSync(join(p, name), { force: true });
      execFileSync("mkfifo", [join(p, name)]);
      await expectUserError(p, `cannot read '${join(p, name)}': not a regular file`);
    }
  });
  it("a FIFO given as the model file", async () => {
    const p = join(dir, "fifo.gguf");
    execFileSync("mkfifo", [p]);
    await expectUserError(p, `${p}: not a regular file`);
  });

  describe("a shard index may only name files of the model's folder", () => {
    const sharded = (name: string, entry: unknown): string => {
      const p = join(dir, name);
      writeBitnetHf(p, hp, weights, { weights: "packed", shards: 2 });
      const indexPath = join(p, "model.safetensors.index.json");
      const index = JSON.parse(readFileSync(indexPath, "utf8"));
      const first = Object.keys(index.weight_map)[0]!;
      index.weight_map[first] = entry;
      writeFileSync(indexPath, JSON.stringify(index));
      return p;
    };
    // A real safetensors file next to the model folder: reading it would "work".
    const outsider = join(dir, "outside.safetensors");
    copyFileSync(join(hf, "model.safetensors"), outsider);
    it("../outside.safetensors", async () => expectUserError(sharded("hf-up", "../outside.safetensors"), "weight_map: shard '../outside.safetensors' is outside"));
    it("an absolute path", async () => expectUserError(sharded("hf-abs", outsider), `weight_map: shard '${outsider}' is outside`));
    it("a symbolic link out of the folder", async () => {
      const p = sharded("hf-link", "linked.safetensors");
      symlinkSync(outsider, join(p, "linked.safetensors"));
      await expectUserError(p, "weight_map: shard 'linked.safetensors' is outside");
    });
    it("a folder", async () => {
      const p = sharded("hf-dir", "sub");
      mkdirSync(join(p, "sub"));
      await expectUserError(p, `weight_map: shard '${join(p, "sub")}' is not a regular file`);
    });
    it("an entry that is not a file name", async () => expectUserError(sharded("hf-num", 7), "weight_map['"));
    it("an index without a weight_map object", async () => {
      const p = sharded("hf-nomap", "x");
      writeFileSync(join(p, "model.safetensors.index.json"), JSON.stringify({ weight_map: [] }));
      await expectUserError(p, "model.safetensors.index.json: missing 'weight_map'");
    });
  });
});

describe("block scales", () => {
  // hidden 512: every attn_q row holds two 256-element blocks.
  const two = { ...hp, hidden: 512, heads: 8, kvHeads: 4, layers: 1 };
  const base = randomBitnetWeights(two, 4);
  /** The model with attn_q's TQ2_0 block scales replaced. */
  function withScales(name: string, scaleOf: (block: number) => number): string {
    const p = join(dir, name);
    writeBitnetGguf(p, two, base, { linearType: "TQ2_0" });
    const f = readGguf(p);
    const t = f.tensors.find((x) => x.name === "blk.0.attn_q.weight")!;
    const w = base.blocks[0]!.q.weight as { data: { get(i: number): number; length: number } };
    const trits = Array.from({ length: w.data.length }, (_, i) => w.data.get(i));
    const data = encodeTernary(GGML.TQ2_0, trits, Array.from({ length: trits.length / 256 }, (_, b) => scaleOf(b)));
    const all = readFileSync(p);
    all.set(data, t.fileOffset);
    writeFileSync(p, all);
    return p;
  }
  it("one scale per row when rows differ", async () => {
    const { loadModel } = await import("../../../src/frontend/loadModel.js");
    const q = loadModel(withScales("rows.gguf", (b) => 0.25 * (1 + (Math.floor(b / 2) % 64)))).weights().blocks[0]!.q;
    expect(q.group).toBeUndefined();
    expect(q.scale).toMatchObject({ shape: [512] });
  });
  it("group-wise scales when blocks within a row differ, honoured by the interpreter", async () => {
    const { loadModel } = await import("../../../src/frontend/loadModel.js");
    const m = loadModel(withScales("groups.gguf", (b) => (b % 2 ? 0.5 : 0.25)));
    const q = m.weights().blocks[0]!.q;
    expect(q.group).toBe(256);
    expect(q.scale).toMatchObject({ shape: [512, 2] });
    const imported = join(dir, "groups.tir");
    expect((await cli("import", m.path, "-o", imported)).code).toBe(0);
    expect(readFileSync(imported, "utf8")).toContain("{group = 256}");
    // The same tokens from the model file and from its imported IR.
    const a = await cli("run", m.path, "--tokens", "1,2", "--max-tokens", "3", "--json");
    const b = await cli("run", imported, "--tokens", "1,2", "--max-tokens", "3", "--json");
    expect(a.code).toBe(0);
    expect(JSON.parse(b.stdout).generated).toEqual(JSON.parse(a.stdout).generated);
  });
});
