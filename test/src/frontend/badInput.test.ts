// Bad model files beyond the corrupt-file corpus (scripts/corpus/cases.ts, checked by test/scripts/corpus.test.ts):
// names that must not reach Object.prototype yet are valid, a Q6_K block scale, FIFOs in place of files (which a
// corpus on disk cannot carry), and block scales that vary within a row.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeTernary, GGML } from "../../../src/frontend/gguf/ggmlTypes.js";
import { readGguf, writeGguf } from "../../../src/frontend/gguf/gguf.js";
import { writeBitnetGguf } from "../../../src/frontend/gguf/writeModel.js";
import { writeBitnetHf } from "../../../src/frontend/huggingface/writeModel.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM } from "../../../src/frontend/randomBitnet.js";
import { cli, ROOT } from "../../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-bad-"));
const hp = { ...TINY_BITNET_2B4T_FORM, hidden: 256, intermediate: 256, headDim: 64 };
const weights = randomBitnetWeights(hp, 9);

async function expectUserError(path: string, message: string, command = "inspect"): Promise<void> {
  const r = await cli(command, path, ...(command === "run" ? ["--tokens", "1"] : []));
  expect(r.stderr).toContain(message);
  expect(r.code).toBe(1);
}

describe("bad GGUF files", () => {
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
  it("Inf in the block scale of a Q6_K embedding", async () => {
    const path = join(dir, "q6k-inf.gguf");
    writeBitnetGguf(path, hp, weights, { linearType: "TQ2_0", embeddingType: "Q6_K" });
    const t = readGguf(path).tensors.find((x) => x.name === "token_embd.weight")!;
    const b = readFileSync(path);
    b.writeUInt16LE(0x7c00, t.fileOffset + 210 + 208); // d of row 0's second block
    writeFileSync(path, b);
    await expectUserError(path, "q6k-inf.gguf: tensor 'token_embd.weight' (Q6_K): element 256 is not finite (the f16 scale of its block is not; weights must be finite)", "run");
  });
});

describe("bad Hugging Face folders", () => {
  const copy = (name: string): string => {
    const p = join(dir, name);
    writeBitnetHf(p, hp, weights, { weights: "packed" });
    return p;
  };
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
