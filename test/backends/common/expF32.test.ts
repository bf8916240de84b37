// ternc's f32 exp (EXP_F32, ir/numeric.ts) in every runtime: the interpreter's expF32, the C runtime's tc_expf and
// the WGSL shaders' ternc_exp give the same bits (on SwiftShader, an IEEE device that does not fuse), within 1 ulp
// of the correctly rounded value; it is what makes softmax and silu, and so the whole model, bit-exact across them.
/// <reference types="@webgpu/types" />
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { expF32, f32, f32Bits } from "../../../ir/index.js";
import { configHeader } from "../../../backends/c/config.js";
import { EXP_WGSL } from "../../../backends/wgsl/ops.js";
import { Rng } from "../../../src/util/random.js";

/** Distance in ulps between two finite f32 values. */
function ulps(a: number, b: number): number {
  const order = (x: number): number => {
    const bits = f32Bits(x) | 0;
    return bits < 0 ? -2147483648 - bits : bits;
  };
  return Math.abs(order(a) - order(b));
}

// Every regime: softmax inputs (<= 0), silu's -x, the edges of the range, and special values.
const rng = new Rng(5);
const inputs = new Float32Array(20000);
for (let i = 0; i < inputs.length; i++) inputs[i] = i % 2 ? -rng.next() * 40 : (rng.next() - 0.5) * 180;
inputs.set([0, -0, 1e-30, -1e-30, -87, -87.0001, 88, 88.0001, 100, -100, Infinity, -Infinity, NaN, 0.5, -0.5, 1, -1], 0);
const reference = Array.from(inputs, expF32);
const dir = mkdtempSync(join(tmpdir(), "ternc-expf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ternc's f32 exp", () => {
  it("is within 1 ulp of e^x rounded to f32, 0 below e^-87, infinity above e^88, NaN for NaN", () => {
    inputs.forEach((x, i) => {
      const y = reference[i]!;
      if (Number.isNaN(x)) expect(y).toBeNaN();
      else if (x < -87) expect(y).toBe(0);
      else if (x > 88) expect(y).toBe(Infinity);
      else expect(ulps(y, f32(Math.exp(x)))).toBeLessThanOrEqual(1);
    });
    expect(expF32(0)).toBe(1);
  });
  it("the C runtime's tc_expf gives the same bits", () => {
    const runtime = join(import.meta.dirname, "../../../backends/c/runtime");
    for (const f of ["ternc_runtime.h", "model.h"]) copyFileSync(join(runtime, f), join(dir, f));
    writeFileSync(join(dir, "ternc_config.h"), configHeader());
    const exe = join(dir, "expf_check");
    const cc = spawnSync("gcc", ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O3", "-march=native", "-ffp-contract=off", "-Wall", "-Wextra", "-Werror", "-I", dir, join(import.meta.dirname, "../../fixtures/c/expf_check.c"), "-o", exe, "-lm", "-pthread"], { encoding: "utf8" });
    expect(cc.status, cc.stderr).toBe(0);
    const r = spawnSync(exe, [], { input: Array.from(inputs, (x) => f32Bits(x).toString(16)).join("\n"), encoding: "utf8", maxBuffer: 1 << 24 });
    expect(r.status, r.stderr).toBe(0);
    const got = r.stdout.trim().split("\n").map((h) => parseInt(h, 16));
    expect(got).toHaveLength(inputs.length);
    expect(got.filter((bits, i) => bits !== f32Bits(reference[i]!) && !Number.isNaN(reference[i]!))).toEqual([]);
  });
  it("the WGSL shaders' ternc_exp gives the same bits on SwiftShader", async () => {
    const { nodeAdapter } = (await import(pathToFileURL(join(import.meta.dirname, "../../../backends/wgsl/runtime/node-adapter.mjs")).href)) as { nodeAdapter(m: string): Promise<{ adapter: GPUAdapter }> };
    const { adapter } = await nodeAdapter(createRequire(import.meta.url).resolve("webgpu"));
    const device = await adapter.requestDevice();
    const code = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
${EXP_WGSL}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x < arrayLength(&x)) { y[g.x] = ternc_exp(x[g.x]); }
}`;
    const module = device.createShaderModule({ code });
    const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === "error");
    expect(errors.map((m) => m.message)).toEqual([]);
    const pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
    const STORAGE = 0x80, COPY_DST = 0x08, COPY_SRC = 0x04, MAP_READ = 0x01;
    const xb = device.createBuffer({ size: inputs.byteLength, usage: STORAGE | COPY_DST });
    device.queue.writeBuffer(xb, 0, inputs);
    const yb = device.createBuffer({ size: inputs.byteLength, usage: STORAGE | COPY_SRC });
    const read = device.createBuffer({ size: inputs.byteLength, usage: MAP_READ | COPY_DST });
    const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [xb, yb].map((buffer, binding) => ({ binding, resource: { buffer } })) });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(Math.ceil(inputs.length / 64));
    pass.end();
    enc.copyBufferToBuffer(yb, 0, read, 0, inputs.byteLength);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(1);
    const got = new Float32Array(read.getMappedRange().slice(0));
    read.unmap();
    device.destroy();
    const differ = [...got.keys()].filter((i) => !Number.isNaN(inputs[i]!) && f32Bits(got[i]!) !== f32Bits(reference[i]!));
    expect(differ.map((i) => [inputs[i], got[i], reference[i]])).toEqual([]);
  }, 120_000);
});
