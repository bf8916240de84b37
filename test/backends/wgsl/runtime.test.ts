// The WGSL host runtime as an application uses it (in Node, on Dawn; SwiftShader where there is no GPU): weights
// from bytes or a stream with progress, prefill and decode, the GPU argmax, reset, two models on one device, and
// clear errors for bad weights, tokens and a full context.
/// <reference types="@webgpu/types" />
import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { BLOB_FORMAT } from "../../../backends/common/index.js";
import { compileModel } from "../../../src/targets/compile.js";
import { cli, ROOT } from "../../helpers/cli.js";

const MODEL = join(ROOT, "examples/tiny-bitnet.gguf");

interface Model {
  nPast: number;
  dot4: string;
  eval(tokens: number[], o?: { allLogits?: boolean }): Promise<Float32Array>;
  evalGreedy(tokens: number[]): Promise<number>;
  reset(): void;
  destroy(): void;
}
interface Runtime {
  createModel(device: GPUDevice, program: unknown, o: Record<string, unknown>): Promise<Model>;
  requestDevice(adapter: GPUAdapter): Promise<GPUDevice>;
  argmax(v: ArrayLike<number>): number;
}

let rt: Runtime;
let device: GPUDevice;
let program: { vocab: number };
let weights: Uint8Array;
let features: ReadonlySet<string>;

beforeAll(async () => {
  const out = join(mkdtempSync(join(tmpdir(), "ternc-wgsl-rt-")), "tiny");
  compileModel(MODEL, out, { target: "wgsl", context: 48 });
  rt = (await import(pathToFileURL(join(out, "ternc_webgpu.js")).href)) as Runtime;
  const { nodeAdapter } = (await import(pathToFileURL(join(out, "node-adapter.mjs")).href)) as { nodeAdapter(m: string): Promise<{ gpu: GPU; adapter: GPUAdapter }> };
  const { gpu, adapter } = await nodeAdapter(createRequire(import.meta.url).resolve("webgpu"));
  features = gpu.wgslLanguageFeatures;
  device = await rt.requestDevice(adapter);
  program = (await import(pathToFileURL(join(out, "program.js")).href)).default;
  weights = new Uint8Array(readFileSync(join(out, "weights.bin")));
}, 120_000);

const open = (o: Record<string, unknown> = {}): Promise<Model> => rt.createModel(device, program, { weights, wgslLanguageFeatures: features, ...o });

async function interpreterTokens(tokens: number[], n: number): Promise<number[]> {
  const r = await cli("run", MODEL, "--tokens", tokens.join(","), "--max-tokens", String(n), "--json");
  return JSON.parse(r.stdout).generated as number[];
}

describe("ternc_webgpu.js", () => {
  it("loads weights from a stream with progress, and greedy decoding (GPU argmax) gives the interpreter's tokens", async () => {
    const seen: number[] = [];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < weights.length; i += 65536) c.enqueue(weights.slice(i, i + 65536));
        c.close();
      },
    });
    const m = await open({ weights: stream, onProgress: (n: number) => seen.push(n) });
    expect(seen.at(-1)).toBe(weights.length);
    expect(seen.length).toBeGreaterThan(1);
    const generated = [await m.evalGreedy([5, 9, 2])];
    while (generated.length < 10) generated.push(await m.evalGreedy([generated.at(-1)!]));
    expect(generated).toEqual(await interpreterTokens([5, 9, 2], 10));
    expect(m.nPast).toBe(12);
    m.destroy();
  });

  it("eval returns logits whose argmax is evalGreedy's token; prefill in batches equals one call; reset forgets", async () => {
    const a = await open({ nBatch: 2 });
    const b = await open();
    const all = await a.eval([1, 2, 3, 4, 5], { allLogits: true });
    expect(all.length).toBe(5 * program.vocab);
    const last = await b.eval([1, 2, 3, 4, 5]);
    expect(Array.from(last)).toEqual(Array.from(all.subarray(4 * program.vocab)));
    b.reset();
    expect(await b.evalGreedy([1, 2, 3, 4, 5])).toBe(rt.argmax(last));
    a.destroy();
    b.destroy();
  });

  it("reads the blob header's layout from the program, generated from the compiler's BLOB_FORMAT", () => {
    const { magic, headerBytes, sizeOffset, crcOffset, layoutOffset } = BLOB_FORMAT;
    expect((program as unknown as { weights: { header: unknown } }).weights.header).toEqual({ magic, bytes: headerBytes, sizeOffset, crcOffset, layoutOffset });
    expect(readFileSync(join(ROOT, "backends/wgsl/runtime/ternc_webgpu.js"), "utf8")).not.toContain(magic);
  });

  it("rejects bad weights, bad tokens and a full context with messages that say so", async () => {
    const damaged = weights.slice();
    damaged[damaged.length - 7]! ^= 0xff;
    await expect(open({ weights: damaged })).rejects.toThrow(/damaged: CRC-32 mismatch/);
    await expect(open({ weights: weights.subarray(0, 1000) })).rejects.toThrow(/wrong size/);
    await expect(open({ weights: new Uint8Array(weights.length) })).rejects.toThrow(/not a ternc weight blob/);
    const relabelled = weights.slice();
    relabelled[BLOB_FORMAT.layoutOffset]! ^= 0x01; // as the header of another compile's blob says
    await expect(open({ weights: relabelled })).rejects.toThrow(/weight blob is from another compile: layout/);
    const m = await open();
    await expect(m.eval([program.vocab])).rejects.toThrow(`token 0 is ${program.vocab}, outside the vocabulary of ${program.vocab}`);
    await expect(m.eval([1.5])).rejects.toThrow(/outside the vocabulary/);
    await expect(m.eval([])).rejects.toThrow(/no tokens/);
    await expect(m.eval(Array.from({ length: 49 }, () => 1))).rejects.toThrow("49 tokens after 0 do not fit in the context of 48");
    expect(m.nPast).toBe(0);
    m.destroy();
  });

  it("the portable dot product (a browser without dot4I8Packed) computes the same logits", async () => {
    const native = await open();
    const portable = await open({ portableDot4: true });
    expect(portable.dot4).toBe("portable");
    expect(Array.from(await portable.eval([7, 8, 9]))).toEqual(Array.from(await native.eval([7, 8, 9])));
    native.destroy();
    portable.destroy();
  });
});
