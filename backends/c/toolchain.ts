// Building a C output with its Makefile (natively, or cross-compiled for AArch64 and run under qemu) and running
// its runner: a model on tokens, or a plain graph on named inputs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { type Tensor, tensorFromBytes } from "../../ir/index.js";
import { BackendError, decodeTrace, encodeTrace, type GraphRunRequest, type GraphRunResult, type ModelRunRequest, type ModelRunResult, readManifest } from "../common/index.js";
import { WEIGHTS_FILE } from "./artifacts.js";
import type { CIsa, COptions } from "./options.js";

const RUNNER = "ternc-run";

function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v "$0"`, cmd], { stdio: "ignore" }).status === 0;
}

const isArm = (isa: CIsa): boolean => isa === "neon" || isa === "neon-nodot";
const crossArm = (isa: CIsa): boolean => isArm(isa) && process.arch !== "arm64";

/** Builds the runner with the generated Makefile; compiler diagnostics become the error message. */
export function buildC(dir: string, o: Pick<COptions, "isa" | "cc" | "cflags" | "ldflags">): string {
  const cross = crossArm(o.isa);
  const cc = o.cc ?? (cross ? "aarch64-linux-gnu-gcc" : "cc");
  if (!hasCommand(cc)) throw new BackendError("--cc", `the C compiler '${cc}' is not installed${cross ? " (run scripts/install-toolchains.sh)" : ""}`);
  if (!hasCommand("make")) throw new BackendError("make", "'make' is not installed (run scripts/install-toolchains.sh)");
  // The runtime is several files: compile them side by side.
  const args = ["-C", dir, "--no-print-directory", `-j${Math.min(availableParallelism(), 8)}`, "-B", RUNNER, `CC=${cc}`, `ISA=${o.isa}`];
  if (cross) args.push("AR=aarch64-linux-gnu-ar");
  if (o.cflags !== undefined) args.push(`CFLAGS=${o.cflags}`);
  if (o.ldflags !== undefined) args.push(`LDFLAGS=${o.ldflags}`);
  const r = spawnSync("make", args, { encoding: "utf8" });
  if (r.status !== 0) throw new BackendError(dir, `building with ${cc} (ISA ${o.isa}) failed:\n${(r.stderr || r.stdout).trim()}`);
  return join(dir, RUNNER);
}

/** The command line that runs a built runner on this machine (under qemu for AArch64 on another host). */
export function runnerCommand(binary: string, isa: CIsa): string[] {
  if (crossArm(isa)) {
    if (!hasCommand("qemu-aarch64")) throw new BackendError("qemu-aarch64", "not installed (run scripts/install-toolchains.sh)");
    return ["qemu-aarch64", "-cpu", "max", "-L", "/usr/aarch64-linux-gnu", binary];
  }
  return [binary];
}

/** True if `dir` holds a finished C build: its manifest, weights and runner. */
export function isBuiltC(dir: string): boolean {
  return readManifest(dir)?.target === "c" && existsSync(join(dir, WEIGHTS_FILE)) && existsSync(join(dir, RUNNER));
}

/** Runs the runner with `args` and --json; a failure carries the runner's own message. */
function runRunner(dir: string, o: COptions, args: string[], timeoutMs = 600_000): Record<string, unknown> {
  const command = runnerCommand(join(dir, RUNNER), o.isa);
  const all = [...command.slice(1), "--weights", join(dir, WEIGHTS_FILE), ...args, "--json"];
  if (o.threads !== undefined) all.push("--threads", String(o.threads));
  if (o.mmap) all.push("--mmap");
  const r = spawnSync(command[0]!, all, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 1 << 26 });
  if (r.error) throw new BackendError(dir, `running ${command.join(" ")}: ${r.error.message}`);
  if (r.status !== 0) throw new BackendError(dir, `the compiled model failed: ${(r.stderr || r.stdout || `exit ${r.status}, signal ${r.signal}`).trim()}`);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`internal: the runner printed ${JSON.stringify(r.stdout)}`);
  }
}

/** Work files of one run, removed afterwards. */
function withWorkDir<R>(f: (work: string) => R): R {
  const work = mkdtempSync(join(tmpdir(), "ternc-c-run-"));
  try {
    return f(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const engineOf = (isa: unknown, threads: unknown): string => `C, ${String(isa)}, ${String(threads)} thread(s)`;

export function runModelC(dir: string, req: ModelRunRequest, o: COptions, vocab: number): ModelRunResult {
  return withWorkDir((work) => {
    const args = ["--tokens", req.tokens.join(","), "--max-tokens", String(req.maxTokens)];
    if (req.context !== undefined) args.push("--ctx", String(req.context));
    if (req.stopToken !== undefined) args.push("--stop", String(req.stopToken));
    const logitsFile = join(work, "logits.bin");
    const traceFile = join(work, "trace.bin");
    if (req.promptLogits) args.push("--logits", logitsFile);
    if (req.traceSteps) args.push("--trace", traceFile, "--trace-steps", String(req.traceSteps));
    const r = runRunner(dir, o, args);
    const out: ModelRunResult = {
      generated: r.generated as number[],
      prefillSeconds: r.prefillSeconds as number,
      decodeSeconds: r.decodeSeconds as number,
      engine: engineOf(r.isa, r.threads),
      facts: { isa: r.isa as string, threads: r.threads as number },
    };
    if (req.promptLogits) {
      const bytes = readFileSync(logitsFile);
      if (bytes.length !== req.tokens.length * vocab * 4) throw new Error(`internal: the runner wrote ${bytes.length} bytes of logits`);
      out.promptLogits = tensorFromBytes("f32", [req.tokens.length, vocab], bytes);
    }
    if (req.traceSteps) out.trace = decodeTrace(readFileSync(traceFile), traceFile);
    return out;
  });
}

export function runGraphC(dir: string, req: GraphRunRequest, o: COptions): GraphRunResult {
  return withWorkDir((work) => {
    const inFile = join(work, "inputs.bin");
    const outFile = join(work, "outputs.bin");
    const traceFile = join(work, "trace.bin");
    writeFileSync(inFile, encodeTrace(Object.entries(req.inputs).map(([name, tensor]) => ({ name, step: 0, tensor }))));
    const args = ["--inputs", inFile, "--outputs", outFile];
    if (req.trace) args.push("--trace", traceFile);
    const r = runRunner(dir, o, args);
    const outputs: Record<string, Tensor> = {};
    for (const rec of decodeTrace(readFileSync(outFile), outFile)) outputs[rec.name] = rec.tensor;
    return { outputs, ...(req.trace ? { trace: decodeTrace(readFileSync(traceFile), traceFile) } : {}), engine: engineOf(r.isa, r.threads) };
  });
}
