// The CLI's compiled-backend commands: `compile --target c`, `validate --target c`, and `run --backend c`.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { backendFingerprint } from "../../backends/c/artifacts.js";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../io/files.js";
import { encodeNpy } from "../io/npy.js";
import { tensorFromBytes } from "../../ir/index.js";
import { buildC, type CIsa, type CKernel, compileModelToC, isCompiledC, lossyNotes, runnerCommand, runRunner } from "../targets/cTarget.js";
import { formatValidation, validateC } from "../targets/validateC.js";
import { type ActQuantFlag, parseTokenList, prepareModelRun, printRun, type RunModelOptions, wholeNumber } from "./modelCommands.js";
import type { CliIo } from "./program.js";

/** An optional whole-number option. */
const optionalWholeNumber = (text: string | undefined, flag: string, min: number): number | undefined => (text === undefined ? undefined : wholeNumber(text, flag, min));

// --target, --kernel and --isa arrive checked: the commands declare their choices (C_KERNELS, C_ISAS).
export interface CompileOptions {
  target: "c";
  output?: string;
  kernel: CKernel;
  actQuant?: ActQuantFlag;
  context?: string;
  int8Head?: boolean;
}

export function compileCommand(model: string, o: CompileOptions, io: CliIo): void {
  if (!o.output) throw new UserError("give the output folder with -o DIR");
  const compiled = compileModelToC(model, o.output, { kernel: o.kernel, actQuant: o.actQuant, context: optionalWholeNumber(o.context, "--context", 1), int8Head: o.int8Head });
  for (const note of lossyNotes(compiled.notes)) io.stderr(`${note}\n`);
  const counts = new Map<string, number>();
  for (const k of Object.values(compiled.program.kernels)) counts.set(k, (counts.get(k) ?? 0) + 1);
  const kernels = [...counts].map(([k, n]) => `${k} x${n}`).join(", ") || "none";
  io.stdout(`wrote ${compiled.dir}: ${compiled.files.join(", ")}\n`);
  io.stdout(`weights.bin ${(compiled.program.blobBytes / (1 << 20)).toFixed(1)} MiB; ternary products: ${kernels}\n`);
  io.stdout(`build: make -C ${o.output}   then: ${join(o.output, "ternc-run")} --weights ${join(o.output, "weights.bin")} --tokens 1,2,3\n`);
}

export interface ValidateOptions {
  target: "c";
  kernel: CKernel;
  isa: CIsa;
  int8Head?: boolean;
  cc?: string;
  threads: string;
  steps: string;
  tokens?: string;
  seed: string;
  actQuant?: ActQuantFlag;
  keep?: string;
  json?: boolean;
}

/** Exit status 1 (a user-facing failure) when the C output disagrees with the interpreter. */
export function validateCommand(model: string, o: ValidateOptions, io: CliIo): void {
  const report = validateC(model, {
    kernel: o.kernel,
    isa: o.isa,
    int8Head: o.int8Head,
    cc: o.cc,
    threads: wholeNumber(o.threads, "--threads", 1),
    steps: wholeNumber(o.steps, "--steps", 1),
    tokens: o.tokens !== undefined ? parseTokenList(o.tokens) : undefined,
    seed: wholeNumber(o.seed, "--seed", 0),
    actQuant: o.actQuant,
    keepDir: o.keep,
  });
  io.stdout(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatValidation(model, report));
  if (!report.ok) throw new UserError(`validation failed: ${report.firstMismatch ?? (!report.logits.ok ? "logits outside the tolerance" : "greedy tokens differ")}`);
}

/** Where `run --backend c` keeps compiled models: $TERNC_CACHE_DIR, $XDG_CACHE_HOME/ternc, or ~/.cache/ternc. */
export function cacheRoot(): string {
  return process.env.TERNC_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "ternc");
}

export interface RunCOptions extends RunModelOptions {
  kernel: CKernel;
  isa: CIsa;
  int8Head?: boolean;
  threads?: string;
}

/** `ternc run MODEL --backend c`: compile once into the cache, build, and run the runner. */
export function runWithC(path: string, o: RunCOptions, io: CliIo): void {
  const { kernel, isa } = o;
  const int8Head = o.int8Head ?? false;
  const threads = optionalWholeNumber(o.threads, "--threads", 1);
  const { prompt, maxTokens, tokenizer, vocab } = prepareModelRun(path, o);
  const st = statSync(path);
  const key = createHash("sha256").update(JSON.stringify([resolve(path), st.size, st.mtimeMs, kernel, isa, int8Head, o.actQuant ?? "", backendFingerprint()])).digest("hex").slice(0, 20);
  const dir = join(cacheRoot(), key);
  mkdirSync(cacheRoot(), { recursive: true });
  if (!isCompiledC(dir) || !existsSync(join(dir, "ternc-run"))) {
    io.stderr(`compiling ${path} for C (${kernel}, ${isa}${int8Head ? ", int8 head: lossy" : ""}) into ${dir}\n`);
    const { notes } = compileModelToC(path, dir, { kernel, actQuant: o.actQuant, int8Head });
    for (const note of lossyNotes(notes)) io.stderr(`${note}\n`);
    buildC(dir, { isa });
  }
  const logitsFile = o.logits ? join(dir, `logits-${process.pid}.bin`) : undefined;
  const r = runRunner(runnerCommand(join(dir, "ternc-run"), isa), join(dir, "weights.bin"), { tokens: prompt, maxTokens, threads, logitsFile, stopToken: tokenizer?.eosId, context: Math.max(prompt.length + maxTokens, 1) });
  if (o.logits && logitsFile) {
    const logits = tensorFromBytes("f32", [prompt.length, vocab], readFileSync(logitsFile));
    rmSync(logitsFile);
    writeFileAtomic(o.logits, encodeNpy(logits));
  }
  const report = { prompt, generated: r.generated, text: tokenizer?.decode(r.generated), prefillSeconds: r.prefillSeconds, decodeSeconds: r.decodeSeconds };
  printRun(io, report, { json: o.json, jsonExtra: { backend: "c", isa: r.isa, threads: r.threads }, engine: `C, ${r.isa}, ${r.threads} threads` });
}
