// Model files through the CLI and the GGUF reader's corners: logits files, activation modes, imported IR,
// GGUF v2, every metadata type, alignment, and llama.cpp's per-projection output scales.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { interpret, type Tensor, tensorFromValues, verifyOrThrow } from "../../../ir/index.js";
import { buildBitnetGraph } from "../../../src/frontend/bitnetGraph.js";
import { encodeFloats, GGML } from "../../../src/frontend/gguf/ggmlTypes.js";
import { type GgufKv, type GgufTensorToWrite, GgufType, readGguf, writeGguf } from "../../../src/frontend/gguf/gguf.js";
import { writeBitnetGguf } from "../../../src/frontend/gguf/writeModel.js";
import { loadModel } from "../../../src/frontend/loadModel.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM } from "../../../src/frontend/randomBitnet.js";
import { parseNpy } from "../../../src/io/npy.js";
import { cli } from "../../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-modelcli-"));
const hp = { ...TINY_BITNET_2B4T_FORM, hidden: 256, intermediate: 256, headDim: 64, layers: 2 };
const model = join(dir, "m.gguf");
writeBitnetGguf(model, hp, randomBitnetWeights(hp, 13), { linearType: "TQ1_0", embeddingType: "F16" });
const ids = (v: number[]): Tensor => tensorFromValues("i32", [v.length], v);

async function logitsOf(path: string, ...extra: string[]): Promise<{ shape: number[]; values: Float64Array }> {
  const out = join(dir, `logits-${Math.random().toString(36).slice(2)}.npy`);
  const r = await cli("run", path, "--tokens", "5,6,7", "--max-tokens", "1", "--logits", out, ...extra);
  expect(r.stderr).not.toContain("error");
  expect(r.code).toBe(0);
  const a = parseNpy(readFileSync(out), out);
  return { shape: a.shape, values: a.values as Float64Array };
}

describe("ternc run on a model", () => {
  it("--logits writes float32 [prompt tokens, vocab], equal to the interpreter's logits", async () => {
    const { shape, values } = await logitsOf(model);
    expect(shape).toEqual([3, hp.vocab]);
    const m = loadModel(model);
    const g = buildBitnetGraph(m.hparams, m.weights());
    verifyOrThrow(g);
    expect(Float32Array.from(values)).toEqual(interpret(g, { tokens: ids([5, 6, 7]), pos: ids([0, 1, 2]) }).logits!.data);
  });
  it("--act-quant none keeps f32 activations: different logits, equal to a graph built that way", async () => {
    const none = await logitsOf(model, "--act-quant", "none");
    const perToken = await logitsOf(model);
    expect(none.values).not.toEqual(perToken.values);
    const m = loadModel(model);
    const g = buildBitnetGraph(m.hparams, m.weights(), { actQuant: "none" });
    expect(Float32Array.from(none.values)).toEqual(interpret(g, { tokens: ids([5, 6, 7]), pos: ids([0, 1, 2]) }).logits!.data);
  });
  it("an imported .tir gives the model's logits bit for bit", async () => {
    const tir = join(dir, "imported.tir");
    expect((await cli("import", model, "-o", tir)).code).toBe(0);
    expect((await logitsOf(tir)).values).toEqual((await logitsOf(model)).values);
    expect((await cli("check", tir)).code).toBe(0);
  });
  it("import names the blob by its content and replaces the .tir and its blob in one step", async () => {
    const sub = mkdtempSync(join(dir, "import-"));
    const tir = join(sub, "m.tir");
    const blobs = (): string[] => readdirSync(sub).filter((f) => f.endsWith(".bin"));
    const other = join(dir, "other.gguf");
    writeBitnetGguf(other, hp, randomBitnetWeights(hp, 14), { linearType: "TQ1_0", embeddingType: "F16" });

    const first = await cli("import", other, "-o", tir);
    expect(first.code).toBe(0);
    const [oldBlob] = blobs();
    expect(oldBlob).toMatch(/^m\.[0-9a-f]{16}\.bin$/);
    expect(oldBlob!.slice(2, 18)).toBe(createHash("sha256").update(readFileSync(join(sub, oldBlob!))).digest("hex").slice(0, 16));
    expect(first.stdout).toContain(`wrote ${tir} and ${join(sub, oldBlob!)}`);
    const oldText = readFileSync(tir, "utf8");
    expect(oldText).toContain(`blob<"${oldBlob}"`);

    // A run killed after writing the new blob but before renaming the .tir left the new blob beside the old pair,
    // and one killed mid-write its temporary: the old pair still runs, and the next import clears both.
    const dead = spawnSync("true").pid!;
    writeFileSync(join(sub, `.m.bin.tmp-${dead}`), "half a blob");
    writeFileSync(join(sub, "m.0123456789abcdef.bin"), "a blob whose .tir never came");
    expect((await cli("run", tir, "--tokens", "5", "--max-tokens", "1")).code).toBe(0);
    // Blobs a minute old or younger are spared (another import of this .tir may be about to name its own): these are
    // made two minutes old, and one more is left fresh.
    const past = new Date(Date.now() - 120_000);
    for (const f of [oldBlob!, "m.0123456789abcdef.bin"]) utimesSync(join(sub, f), past, past);
    writeFileSync(join(sub, "m.fedcba9876543210.bin"), "another import's blob, written just now");

    expect((await cli("import", model, "-o", tir)).code).toBe(0);
    const newBlob = blobs().find((f) => f !== "m.fedcba9876543210.bin");
    expect(blobs().sort()).toEqual([newBlob, "m.fedcba9876543210.bin"].sort());
    expect(newBlob).not.toBe(oldBlob);
    expect(readdirSync(sub).sort()).toEqual([newBlob, "m.fedcba9876543210.bin", "m.tir"].sort());
    rmSync(join(sub, "m.fedcba9876543210.bin"));
    expect((await logitsOf(tir)).values).toEqual((await logitsOf(model)).values);

    const json = await cli("import", model, "-o", tir, "--json");
    expect(JSON.parse(json.stdout)).toEqual({ tir, blob: join(sub, newBlob!), bytes: expect.any(Number), constants: expect.any(Number) });
    // The same model again: byte-identical output, same blob.
    const text = readFileSync(tir, "utf8");
    expect((await cli("import", model, "-o", tir)).code).toBe(0);
    expect(readFileSync(tir, "utf8")).toBe(text);
    expect(blobs()).toEqual([newBlob]);
  });
  it("bad generation options are user errors", async () => {
    expect((await cli("run", model, "--tokens", "1,x")).stderr).toContain("--tokens '1,x': expected token ids such as 1,2,3 ('x' is not one)");
    expect((await cli("run", model, "--tokens", "1", "--max-tokens", "-2")).stderr).toContain("--max-tokens '-2': expected a whole number >= 0");
    expect((await cli("run", model, "--tokens", "999")).stderr).toContain("token id 999 is outside the vocabulary (48 tokens)");
    expect((await cli("run", model)).code).toBe(1);
    expect((await cli("import", model, "-o", join(dir, "x.txt"))).stderr).toContain("the output must be a .tir file");
  });
});

describe("GGUF reader corners", () => {
  it("reads every metadata value type, GGUF v2, and a non-default alignment", () => {
    const kvs: GgufKv[] = [
      { key: "u8", type: GgufType.U8, value: 200 },
      { key: "i8", type: GgufType.I8, value: -100 },
      { key: "u16", type: GgufType.U16, value: 60000 },
      { key: "i16", type: GgufType.I16, value: -30000 },
      { key: "u32", type: GgufType.U32, value: 4000000000 },
      { key: "i32", type: GgufType.I32, value: -2000000000 },
      { key: "f32", type: GgufType.F32, value: 0.1 },
      { key: "bool", type: GgufType.BOOL, value: true },
      { key: "string", type: GgufType.STRING, value: "ternär ✓" },
      { key: "u64", type: GgufType.U64, value: 2 ** 40 },
      { key: "i64", type: GgufType.I64, value: -(2 ** 40) },
      { key: "f64", type: GgufType.F64, value: Math.PI },
      { key: "array", type: GgufType.ARRAY, elementType: GgufType.I16, value: [1, -2, 3] },
      { key: "general.alignment", type: GgufType.U32, value: 64 },
    ];
    const p = join(dir, "kv.gguf");
    const t = { name: "x", ne: [3], type: GGML.F32, data: encodeFloats(GGML.F32, Float32Array.of(1, 2, 3)) };
    writeGguf(p, kvs, [t, { ...t, name: "y" }], 64);
    const bytes = readFileSync(p);
    bytes.writeUInt32LE(2, 4); // the v2 layout is the same as v3's
    writeFileSync(p, bytes);
    const f = readGguf(p);
    expect(f.version).toBe(2);
    expect(Object.fromEntries([...f.metadata.values()].map((kv) => [kv.key, kv.value]))).toEqual(Object.fromEntries(kvs.map((kv) => [kv.key, kv.value])));
    expect(f.alignment).toBe(64);
    expect(f.tensors.map((x) => x.fileOffset % 64)).toEqual([0, 0]);
    expect(f.tensors[1]!.offset).toBe(64);
  });
  it("llama.cpp's one-element .scale tensors multiply their projection's output", async () => {
    const base = readGguf(model);
    const withScale = (value: number): string => {
      const p = join(dir, `scale-${value}.gguf`);
      const bytes = readFileSync(model);
      const tensors: GgufTensorToWrite[] = base.tensors.map((x) => ({ name: x.name, ne: x.ne, type: x.type!, data: bytes.subarray(x.fileOffset, x.fileOffset + x.byteSize) }));
      tensors.push({ name: "blk.0.attn_q.scale", ne: [1], type: GGML.F32, data: encodeFloats(GGML.F32, Float32Array.of(value)) });
      writeGguf(p, [...base.metadata.values()], tensors);
      return p;
    };
    const one = withScale(1);
    const g = buildBitnetGraph(loadModel(one).hparams, loadModel(one).weights());
    expect(g.ops().some((n) => n.op === "mul" && n.operands.includes("blk.0.attn_q.out_scale"))).toBe(true);
    expect((await logitsOf(one)).values).toEqual((await logitsOf(model)).values);
    expect((await logitsOf(withScale(2))).values).not.toEqual((await logitsOf(model)).values);
  });
});
