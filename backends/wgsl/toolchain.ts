// Running a WGSL build in Node: its runner (run-node.mjs) on ternc's own `webgpu` package (Dawn), on the GPU or,
// without one, on SwiftShader.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { BackendError, type GraphRunRequest, type GraphRunResult, type ModelRunRequest, type ModelRunResult, readManifest, modelRunResult, runGraphWithRunner, runModelWithRunner, type RunnerInvocation } from "../common/index.js";
import { PROGRAM_FILE, RUNNER_FILE, WEIGHTS_FILE } from "./artifacts.js";

/** The `webgpu` package's entry point, as installed with ternc. */
function webgpuModule(): string {
  try {
    return createRequire(import.meta.url).resolve("webgpu");
  } catch {
    throw new BackendError("webgpu", "the 'webgpu' npm package (Dawn for Node) is not installed: run npm install in ternc's folder");
  }
}

export function isBuiltWgsl(dir: string): boolean {
  return readManifest(dir)?.target === "wgsl" && [PROGRAM_FILE, RUNNER_FILE, WEIGHTS_FILE].every((f) => existsSync(join(dir, f)));
}

/** The Node runner with the protocol's `args`, finding the `webgpu` package ternc was installed with. */
function runnerOf(dir: string, args: string[], portableDot4: boolean): RunnerInvocation {
  return { dir, command: [process.execPath, join(dir, RUNNER_FILE)], args: ["--weights", join(dir, WEIGHTS_FILE), ...args, ...(portableDot4 ? ["--portable-dot4"] : [])], env: { TERNC_WEBGPU_MODULE: webgpuModule() } };
}

const engineOf = (json: Record<string, unknown>): string => `WebGPU (Dawn), ${String(json.adapter)}, ${String(json.dot4)}`;

export async function runModelWgsl(dir: string, req: ModelRunRequest, vocab: number, portableDot4: boolean): Promise<ModelRunResult> {
  const r = await runModelWithRunner(req, vocab, (args) => runnerOf(dir, args, portableDot4));
  return modelRunResult(r, engineOf(r.json), { adapter: String(r.json.adapter), dot4: String(r.json.dot4) });
}

export function runGraphWgsl(dir: string, req: GraphRunRequest, portableDot4: boolean): GraphRunResult {
  const r = runGraphWithRunner(req, (args) => runnerOf(dir, args, portableDot4));
  return { outputs: r.outputs, ...(r.trace ? { trace: r.trace } : {}), engine: engineOf(r.json) };
}
