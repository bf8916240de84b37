// The fuzzer: seeded mutations of ternc's example inputs (a GGUF, a Hugging Face folder, a .tir model with its blob, a
// .tir graph) run through ternc's commands in a worker thread, watched for internal errors (exit code 2), hangs (no
// progress for `hangMs`) and running out of memory (the worker's heap limit). A failing input is kept in `outDir`.
// Inputs are a pure function of (seed, index), so any failure replays with the same seed.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { writeBitnetHf } from "../../src/frontend/huggingface/writeModel.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM } from "../../src/frontend/randomBitnet.js";
import { runCli } from "../../src/cli/program.js";
import { ROOT } from "../lib/root.js";
import { type FuzzSeed, keepInput, type WorkerJob, type WorkerMessage } from "./worker.js";

export interface FuzzOptions {
  /** Stop after this many seconds ... */
  seconds?: number;
  /** ... or this many inputs, whichever comes first. */
  inputs?: number;
  seed: number;
  /** Where failing inputs are kept (default: ternc-fuzz-failures-SEED in the temporary folder, made only for a failure). */
  outDir?: string;
  /** A command that makes no progress for this long is a hang. */
  hangMs?: number;
  /** The worker's heap limit: a small input that needs more is a failure. */
  heapMb?: number;
  log?: (line: string) => void;
}

export interface FuzzFailure {
  kind: "internal error" | "hang" | "out of memory";
  index: number;
  args: string[];
  detail: string;
  /** The input, kept. */
  kept: string;
}

export interface FuzzReport {
  seed: number;
  inputs: number;
  commands: number;
  seconds: number;
  failures: FuzzFailure[];
}

/** Whether this is dist/scripts/fuzz/ (compiled) or scripts/fuzz/ (a test importing the source). */
const compiled = import.meta.url.endsWith(".js");
/** The worker runs as JavaScript: the compiled one (npm test builds dist/ first). */
const WORKER = compiled ? new URL("./worker.js", import.meta.url) : pathToFileURL(join(ROOT, "dist/scripts/fuzz/worker.js"));

/** The seeds: the bundled GGUF and .tir graph, a small Hugging Face folder, and the GGUF imported to .tir + its blob. */
async function makeSeeds(dir: string): Promise<FuzzSeed[]> {
  const hp = { ...TINY_BITNET_2B4T_FORM, hidden: 64, intermediate: 128, headDim: 32, heads: 2, kvHeads: 2, vocab: 50, layers: 1 };
  const hf = join(dir, "hf");
  writeBitnetHf(hf, hp, randomBitnetWeights(hp, 3), { weights: "packed", shards: 2 });
  const imported = join(dir, "tir", "model.tir");
  mkdirSync(join(dir, "tir"), { recursive: true });
  const quiet = { stdout: () => {}, stderr: () => {} };
  if ((await runCli(["import", join(ROOT, "examples/tiny-bitnet.gguf"), "-o", imported], quiet)) !== 0) throw new Error("fuzz: importing the example model failed");
  return [
    { kind: "gguf", path: join(ROOT, "examples/tiny-bitnet.gguf") },
    { kind: "hf", path: hf, members: readdirSync(hf).filter((f) => !f.startsWith(".")) },
    { kind: "tir", path: imported, blob: join(dir, "tir", readdirSync(join(dir, "tir")).find((f) => f.endsWith(".bin"))!) },
    { kind: "tir", path: join(ROOT, "examples/bitnet_block.tir") },
  ];
}

/** Runs the fuzzer; resolves with what it found (an empty `failures` is a pass). */
export async function fuzz(o: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const deadline = o.seconds !== undefined ? started + o.seconds * 1000 : Infinity;
  const limit = o.inputs ?? Infinity;
  if (deadline === Infinity && limit === Infinity) throw new Error("fuzz: give seconds or inputs");
  const work = mkdtempSync(join(tmpdir(), "ternc-fuzz-"));
  const outDir = o.outDir ?? join(tmpdir(), `ternc-fuzz-failures-${o.seed}`);
  const hangMs = o.hangMs ?? 20_000;
  const failures: FuzzFailure[] = [];
  let inputs = 0;
  let commands = 0;
  try {
    const seeds = await makeSeeds(join(work, "seeds"));
    let next = 0;
    // One worker at a time; a hang or an out-of-memory ends it, and the next starts after the failing input.
    while (next < limit && Date.now() < deadline) {
      const batch = Math.min(limit, next + 1_000_000);
      const job: WorkerJob = { seeds, seed: o.seed, first: next, last: batch, work: join(work, "run"), outDir };
      next = await new Promise<number>((resolve, reject) => {
        const worker = new Worker(WORKER, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: o.heapMb ?? 2048 } });
        let current: Extract<WorkerMessage, { type: "start" }> | undefined;
        let lastStart = Date.now();
        let ended = false;
        /** Ends this worker; a hang or out-of-memory input is kept once the worker can no longer replace it. */
        const finish = (resume: number, failure?: Omit<FuzzFailure, "kept"> & { input: string }): void => {
          if (ended) return;
          ended = true;
          clearInterval(watchdog);
          void worker.terminate().then(() => {
            if (failure) {
              const { input, ...rest } = failure;
              failures.push({ ...rest, kept: keepInput(outDir, failure.index, input, failure.kind) });
            }
            resolve(resume);
          });
        };
        const watchdog = setInterval(() => {
          if (Date.now() >= deadline) return finish(Infinity);
          if (current && Date.now() - lastStart > hangMs) finish(current.i + 1, { kind: "hang", index: current.i, args: current.args, detail: `no progress for ${hangMs / 1000} s`, input: current.input });
        }, 250);
        worker.on("message", (m: WorkerMessage) => {
          if (m.type === "start") {
            current = m;
            lastStart = Date.now();
            commands++;
          } else if (m.type === "internal") {
            failures.push({ kind: "internal error", index: m.i, args: m.args, detail: m.stderr, kept: m.kept });
            o.log?.(`input ${m.i}: internal error on ${m.args.join(" ")}: ${m.stderr.split("\n")[0]}`);
          } else {
            inputs++;
            if (inputs % 500 === 0) o.log?.(`${inputs} inputs, ${commands} commands, ${failures.length} failures, ${((Date.now() - started) / 1000).toFixed(0)} s`);
            if (inputs >= limit) finish(Infinity);
          }
        });
        worker.on("error", (e: Error & { code?: string }) => {
          if (e.code === "ERR_WORKER_OUT_OF_MEMORY" && current) {
            finish(current.i + 1, { kind: "out of memory", index: current.i, args: current.args, detail: e.message, input: current.input });
          } else if (!ended) {
            ended = true;
            clearInterval(watchdog);
            reject(e);
          }
        });
        worker.on("exit", () => finish(batch));
      });
    }
    return { seed: o.seed, inputs, commands, seconds: (Date.now() - started) / 1000, failures };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
