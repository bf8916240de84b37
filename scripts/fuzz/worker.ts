// The fuzzer's worker thread: makes input i from its seed file (a pure function of the run's seed and i), runs ternc's
// commands on it in-process, and reports each start (for the hang watchdog) and every internal error (exit code 2).
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { runCli } from "../../src/cli/program.js";
import { Rng } from "../../src/util/random.js";
import { mutateBytes, mutateText } from "./mutate.js";

/** A seed the mutations start from: a file, or one file inside a folder (a Hugging Face model). */
export interface FuzzSeed {
  kind: "gguf" | "hf" | "tir";
  /** The file, or the folder of an "hf" seed. */
  path: string;
  /** For "hf": the files inside the folder that mutations may change. */
  members?: string[];
  /** For "tir": the blob next to it, copied unchanged (or mutated, for some inputs). */
  blob?: string;
}

export interface WorkerJob {
  seeds: FuzzSeed[];
  seed: number;
  first: number;
  last: number;
  work: string;
  /** Where failing inputs are kept. */
  outDir: string;
}

export type WorkerMessage = { type: "start"; i: number; input: string; args: string[] } | { type: "internal"; i: number; kept: string; args: string[]; stderr: string } | { type: "done"; i: number };

/** Copies a failing input (file or folder) to `outDir`/INDEX-KIND and returns that folder. */
export function keepInput(outDir: string, i: number, input: string, kind: string): string {
  const to = join(outDir, `${i}-${kind.replaceAll(" ", "-")}`);
  mkdirSync(to, { recursive: true });
  if (existsSync(input)) cpSync(input, join(to, basename(input)), { recursive: true });
  return to;
}

const isText = (name: string): boolean => name.endsWith(".json") || name.endsWith(".tir");

/** Writes input i into `work` and returns the path ternc is run on. */
export function makeInput(seeds: readonly FuzzSeed[], runSeed: number, i: number, work: string): string {
  const rng = new Rng((runSeed * 1_000_003 + i) >>> 0);
  const seed = seeds[i % seeds.length]!;
  const mutate = (file: string, to: string): void => {
    const data = readFileSync(file);
    writeFileSync(to, isText(file) ? mutateText(data.toString("utf8"), rng) : mutateBytes(data, rng));
  };
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  if (seed.kind === "hf") {
    const dir = join(work, "model");
    cpSync(seed.path, dir, { recursive: true });
    const member = rng.pick(seed.members!);
    mutate(join(seed.path, member), join(dir, member));
    return dir;
  }
  const file = join(work, basename(seed.path));
  if (seed.blob && rng.next() < 0.3) {
    copyFileSync(seed.path, file);
    mutate(seed.blob, join(work, basename(seed.blob)));
  } else {
    mutate(seed.path, file);
    if (seed.blob) copyFileSync(seed.blob, join(work, basename(seed.blob)));
  }
  return file;
}

/** The commands run on an input: reading it always; generating from it for every fourth input. */
export function commandsFor(seed: FuzzSeed, input: string, i: number): string[][] {
  const generate = ["run", input, "--tokens", "1,2", "--max-tokens", "1"];
  if (seed.kind === "tir") return [["check", input], ...(seed.blob ? [generate] : [["print", input]])];
  return [["inspect", input], ...(i % 4 === 0 ? [generate] : [])];
}

async function main(job: WorkerJob): Promise<void> {
  const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
  for (let i = job.first; i < job.last; i++) {
    const input = makeInput(job.seeds, job.seed, i, join(job.work, "case"));
    for (const args of commandsFor(job.seeds[i % job.seeds.length]!, input, i)) {
      post({ type: "start", i, input, args });
      let stderr = "";
      const code = await runCli(args, { stdout: () => {}, stderr: (t) => void (stderr += t) });
      // Kept before the next input replaces it.
      if (code === 2) post({ type: "internal", i, kept: keepInput(job.outDir, i, input, "internal error"), args, stderr: stderr.slice(0, 2000) });
    }
    post({ type: "done", i });
  }
}

if (parentPort && workerData) await main(workerData as WorkerJob);
