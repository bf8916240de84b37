// `npm run bench:wgsl`: random-weight models with the exact shapes of bitnet_b1_58-large and bitnet-b1.58-2B-4T
// compiled to WGSL and run in Node on Dawn (the machine's GPU, or SwiftShader on the CPU where it has none): decode
// and prefill tokens/s, dispatches per token, bytes one decode step moves, and per kind of kernel its GPU time
// (timestamp queries) and GB/s against a copy kernel's bandwidth timed on the same device in the same run.
// `npm run bench:wgsl -- large` runs one shape; on SwiftShader the figures only show relative cost.
/// <reference types="@webgpu/types" />
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compileModel } from "../src/targets/compile.js";
import { BITNET_2B4T_SHAPE, BITNET_LARGE_SHAPE, writeLargeBitnetGguf } from "./lib/largeModel.js";

interface Variant {
  name: string;
  shape: typeof BITNET_2B4T_SHAPE;
  embedding: "F16" | "Q6_K";
  /** Decode steps and prompt tokens: sized so the whole run fits 10 minutes on SwiftShader. */
  decode: number;
  prefill: number;
}

const VARIANTS: Variant[] = [
  { name: "bitnet_b1_58-large shape, F16 embedding", shape: BITNET_LARGE_SHAPE, embedding: "F16", decode: 2, prefill: 2 },
  { name: "bitnet-b1.58-2B-4T shape, Q6_K embedding", shape: BITNET_2B4T_SHAPE, embedding: "Q6_K", decode: 2, prefill: 2 },
];

interface Lin {
  c: number;
  t: number;
  p: number;
}
interface ProfileStep {
  label: string;
  ns: number;
  bytes: Lin;
}
interface RuntimeModel {
  nPast: number;
  eval(tokens: number[]): Promise<Float32Array>;
  profile(): ProfileStep[] | undefined;
  destroy(): void;
}
interface Runtime {
  createModel(device: GPUDevice, program: unknown, options: Record<string, unknown>): Promise<RuntimeModel>;
  requestDevice(adapter: GPUAdapter): Promise<GPUDevice>;
}

const COPY_BYTES = 128 << 20;

/** GB/s of a storage-to-storage copy kernel (vec4 per invocation), best of 5, timed with timestamp queries. */
async function copyBandwidth(device: GPUDevice): Promise<number> {
  const code = `@group(0) @binding(0) var<storage, read> a: array<vec4u>;
@group(0) @binding(1) var<storage, read_write> b: array<vec4u>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) n: vec3u) {
  let i = g.x + g.y * n.x * 64u;
  if (i < arrayLength(&a)) { b[i] = a[i]; }
}`;
  const pipeline = device.createComputePipeline({ layout: "auto", compute: { module: device.createShaderModule({ code }), entryPoint: "main" } });
  const usage = 0x80 | 0x04 | 0x08;
  const a = device.createBuffer({ size: COPY_BYTES, usage });
  const b = device.createBuffer({ size: COPY_BYTES, usage });
  const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: a } }, { binding: 1, resource: { buffer: b } }] });
  const queries = device.createQuerySet({ type: "timestamp", count: 2 });
  const resolved = device.createBuffer({ size: 16, usage: 0x200 | 0x04 });
  const staging = device.createBuffer({ size: 16, usage: 0x01 | 0x08 });
  const workgroups = COPY_BYTES / 16 / 64;
  let best = 0;
  for (let run = 0; run < 5; run++) {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass({ timestampWrites: { querySet: queries, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(Math.min(workgroups, 65535), Math.ceil(workgroups / 65535));
    pass.end();
    enc.resolveQuerySet(queries, 0, 2, resolved, 0);
    enc.copyBufferToBuffer(resolved, 0, staging, 0, 16);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(1);
    const t = new BigInt64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    best = Math.max(best, (2 * COPY_BYTES) / Number(t[1]! - t[0]!));
  }
  for (const x of [a, b, resolved, staging]) x.destroy();
  return best; // bytes per ns = GB/s
}

/** The kind of kernel a step runs, from its label (`%x = op(...)`), KV-cache appends apart. */
function kindOf(label: string): string {
  const op = /= ([a-z_0-9]+)\(/.exec(label)?.[1] ?? "?";
  return op === "concat" && /cache/.test(label) ? "kv append" : op;
}

const lin = (l: Lin, T: number, P: number): number => l.c + l.t * T + l.p * P;

const only = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), "ternc-bench-wgsl-"));
const date = new Date().toISOString().slice(0, 10);
const modelRows: string[] = [];
const kernelRows: string[] = [];
let adapterName = "";
let copyGBs = 0;
try {
  for (const [index, v] of VARIANTS.filter((x) => !only || x.name.includes(only)).entries()) {
    const gguf = join(dir, "model.gguf");
    writeLargeBitnetGguf(gguf, v.shape, 1, v.embedding);
    let t = performance.now();
    // A folder per model: ES modules are cached by URL, so a second program.js at the same path would not load.
    const out = join(dir, `wgsl-${index}`);
    compileModel(gguf, out, { target: "wgsl", context: 64 });
    rmSync(gguf);
    console.error(`${v.name}: compiled in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const runtime = (await import(pathToFileURL(join(out, "ternc_webgpu.js")).href)) as Runtime;
    const { nodeAdapter } = (await import(pathToFileURL(join(out, "node-adapter.mjs")).href)) as { nodeAdapter(m?: string): Promise<{ gpu: GPU; adapter: GPUAdapter; name: string }> };
    const { gpu, adapter, name } = await nodeAdapter(createRequire(import.meta.url).resolve("webgpu"));
    adapterName = name;
    const device = await runtime.requestDevice(adapter);
    if (!device.features.has("timestamp-query")) throw new Error(`${name} has no timestamp-query: the benchmark times kernels with it`);
    copyGBs = await copyBandwidth(device);
    const program = (await import(pathToFileURL(join(out, "program.js")).href)).default as { steps: unknown[]; weights: { bytes: number } };
    const weights = readFileSync(join(out, "weights.bin"));
    t = performance.now();
    const model = await runtime.createModel(device, program, { weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), nCtx: 64, profile: true, wgslLanguageFeatures: gpu.wgslLanguageFeatures });
    console.error(`  loaded in ${((performance.now() - t) / 1000).toFixed(1)} s on ${name}`);
    const prompt = Array.from({ length: v.prefill }, (_, i) => i + 1);
    t = performance.now();
    await model.eval(prompt);
    const prefillRate = v.prefill / ((performance.now() - t) / 1000);
    console.error(`  prefill ${v.prefill} tokens: ${prefillRate.toFixed(3)} tokens/s`);
    let decodeSeconds = 0;
    let profile: ProfileStep[] = [];
    for (let i = 0; i < v.decode; i++) {
      t = performance.now();
      await model.eval([i + 2]);
      decodeSeconds += (performance.now() - t) / 1000;
      profile = model.profile() ?? [];
    }
    const decodeRate = v.decode / decodeSeconds;
    // One decode step: T = 1 after P tokens.
    const P = model.nPast - 1;
    const perToken = profile.reduce((a, s) => a + lin(s.bytes, 1, P), 0);
    const gpuNs = profile.reduce((a, s) => a + s.ns, 0);
    const share = (perToken * decodeRate) / (copyGBs * 1e9);
    modelRows.push(`| ${v.name} | ${decodeRate.toFixed(2)} | ${prefillRate.toFixed(2)} | ${program.steps.length} | ${(program.weights.bytes / 1e6).toFixed(0)} MB | ${(perToken / 1e6).toFixed(0)} MB | ${(gpuNs / 1e6).toFixed(0)} ms | ${(share * 100).toFixed(1)}% |`);
    const kinds = new Map<string, { ns: number; bytes: number; steps: number }>();
    for (const s of profile) {
      const k = kindOf(s.label);
      const cur = kinds.get(k) ?? { ns: 0, bytes: 0, steps: 0 };
      cur.ns += s.ns;
      cur.bytes += lin(s.bytes, 1, P);
      cur.steps++;
      kinds.set(k, cur);
    }
    for (const [k, c] of [...kinds].sort((a, b) => b[1].ns - a[1].ns)) {
      const gbs = c.bytes / Math.max(c.ns, 1);
      kernelRows.push(`| ${v.name} | ${k} | ${c.steps} | ${(c.ns / 1e6).toFixed(1)} ms | ${(c.bytes / 1e6).toFixed(1)} MB | ${gbs.toFixed(2)} GB/s | ${((gbs / copyGBs) * 100).toFixed(1)}% |`);
    }
    console.error(modelRows[modelRows.length - 1]);
    model.destroy();
    device.destroy();
    rmSync(out, { recursive: true, force: true });
  }
  console.log(
    [
      `WGSL backend on ${adapterName}, ${date}; copy kernel ${copyGBs.toFixed(2)} GB/s (read + write, timestamp queries, best of 5); decode: mean of the timed steps after the prompt, wall clock with logits read back; kernel figures from the last decode step`,
      "",
      "| model | decode tok/s | prefill tok/s | dispatches per token | weights.bin | moved per decode step | GPU time per decode step | decode bandwidth / copy bandwidth |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      ...modelRows,
      "",
      "| model | kernel | dispatches | GPU time | bytes moved | GB/s | share of copy bandwidth |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      ...kernelRows,
    ].join("\n"),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
