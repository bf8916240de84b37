// Building a C output with its Makefile (natively, or cross-compiled for AArch64 and run under qemu) and running
// its runner: a model on tokens, or a plain graph on named inputs.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { BackendError, type GraphRunRequest, type GraphRunResult, type ModelRunRequest, type ModelRunResult, readManifest, modelRunResult, runGraphWithRunner, runModelWithRunner, type RunnerInvocation } from "../common/index.js";
import { WEIGHTS_FILE } from "./artifacts.js";
import { restoreObjects, storeObjects } from "./objectCache.js";
import type { CIsa, COptions } from "./options.js";

const RUNNER = "ternc-run";

/** What `make` leaves in a C build folder: the objects, the model library and the runner. */
export const C_BUILD_OUTPUTS = ["*.o", "*.a", RUNNER] as const;

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
  // What an earlier build left was made with its own flags, which make cannot see: start from the sources, with the
  // runtime objects this compiler, ISA and flags already made for another build.
  for (const f of readdirSync(dir)) if (f.endsWith(".o") || f.endsWith(".a") || f === RUNNER) rmSync(join(dir, f), { force: true });
  const build = { cc, isa: o.isa, cflags: o.cflags };
  const missing = restoreObjects(dir, build);
  // The runtime is several files: compile them side by side.
  const args = ["-C", dir, "--no-print-directory", `-j${Math.min(availableParallelism(), 8)}`, RUNNER, `CC=${cc}`, `ISA=${o.isa}`];
  if (cross) args.push("AR=aarch64-linux-gnu-ar");
  if (o.cflags !== undefined) args.push(`CFLAGS=${o.cflags}`);
  if (o.ldflags !== undefined) args.push(`LDFLAGS=${o.ldflags}`);
  const r = spawnSync("make", args, { encoding: "utf8" });
  if (r.status !== 0) throw new BackendError(dir, `building with ${cc} (ISA ${o.isa}) failed:\n${(r.stderr || r.stdout).trim()}`);
  storeObjects(dir, missing);
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
  return readManifest(dir)?.target === "c" && hasRunner(dir);
}

/** True if `dir` holds weights and a built runner (a C build, or a host program inside another target's build). */
export function hasRunner(dir: string): boolean {
  return existsSync(join(dir, WEIGHTS_FILE)) && existsSync(join(dir, RUNNER));
}

/** The runner with the protocol's `args` plus the run options, `env` added to its environment. */
function runnerOf(dir: string, o: COptions, args: string[], env?: NodeJS.ProcessEnv): RunnerInvocation {
  const all = ["--weights", join(dir, WEIGHTS_FILE), ...args];
  if (o.threads !== undefined) all.push("--threads", String(o.threads));
  if (o.mmap) all.push("--mmap");
  return { dir, command: runnerCommand(join(dir, RUNNER), o.isa), args: all, ...(env ? { env } : {}) };
}

const engineOf = (isa: unknown, threads: unknown): string => `C, ${String(isa)}, ${String(threads)} thread(s)`;

export async function runModelC(dir: string, req: ModelRunRequest, o: COptions, vocab: number, env?: NodeJS.ProcessEnv): Promise<ModelRunResult> {
  const r = await runModelWithRunner(req, vocab, (args) => runnerOf(dir, o, args, env));
  return modelRunResult(r, engineOf(r.json.isa, r.json.threads), { isa: r.json.isa as string, threads: r.json.threads as number });
}

export function runGraphC(dir: string, req: GraphRunRequest, o: COptions, env?: NodeJS.ProcessEnv): GraphRunResult {
  const r = runGraphWithRunner(req, (args) => runnerOf(dir, o, args, env));
  return { outputs: r.outputs, ...(r.trace ? { trace: r.trace } : {}), engine: engineOf(r.json.isa, r.json.threads) };
}
