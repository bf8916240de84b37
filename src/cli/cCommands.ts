// The CLI's compiled-backend commands: `compile --target c`, `validate --target c`, and `run --backend c`.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { backendFingerprint } from "../../backends/c/artifacts.js";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../io/files.js";
import { encodeNpy } from "../io/npy.js";
import { buildC, C_ISAS, C_KERNELS, type CIsa, type CKernel, compileModelToC, isCompiledC, runnerCommand, runRunner } from "../targets/cTarget.js";
import { formatValidation, validateC } from "../targets/validateC.js";
import { type ActQuantFlag, parseTokenList, prepareModelRun, type RunModelOptions } from "./modelCommands.js";
import type { CliIo } from "./program.js";

export const TARGETS = ["c"] as const;

function checkTarget(target: string): void {
  if (!(TARGETS as readonly string[]).includes(target)) throw new UserError(`--target ${target}: expected one of ${TARGETS.join(", ")} (the WGSL and Verilog backends are not built yet)`);
}

function checkKernel(kernel: string): CKernel {
  if (!(C_KERNELS as readonly string[]).includes(kernel)) throw new UserError(`--kernel ${kernel}: expected one of ${C_KERNELS.join(", ")}`);
  return kernel as CKernel;
}

function checkIsa(isa: string): CIsa {
  if (!(C_ISAS as readonly string[]).includes(isa)) throw new UserError(`--isa ${isa}: expected one of ${C_ISAS.join(", ")}`);
  return isa as CIsa;
}

function wholeNumber(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag} '${text}': expected a whole number >= ${min}`);
  return n;
}

export interface CompileOptions {
  target: string;
  output?: string;
  kernel: string;
  actQuant?: ActQuantFlag;
  context?: string;
}

export function compileCommand(model: string, o: CompileOptions, io: CliIo): void {
  checkTarget(o.target);
  if (!o.output) throw new UserError("give the output folder with -o DIR");
  const compiled = compileModelToC(model, o.output, { kernel: checkKernel(o.kernel), actQuant: o.actQuant, context: wholeNumber(o.context, "--context", 1) });
  const counts = new Map<string, number>();
  for (const k of Object.values(compiled.program.kernels)) counts.set(k, (counts.get(k) ?? 0) + 1);
  const kernels = [...counts].map(([k, n]) => `${k} x${n}`).join(", ") || "none";
  io.stdout(`wrote ${compiled.dir}: ${compiled.files.join(", ")}\n`);
  io.stdout(`weights.bin ${(compiled.program.blobBytes / (1 << 20)).toFixed(1)} MiB; ternary products: ${kernels}\n`);
  io.stdout(`build: make -C ${o.output}   then: ${join(o.output, "ternc-run")} --weights ${join(o.output, "weights.bin")} --tokens 1,2,3\n`);
}

export interface ValidateOptions {
  target: string;
  kernel: string;
  isa: string;
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
  checkTarget(o.target);
  const report = validateC(model, {
    kernel: checkKernel(o.kernel),
    isa: checkIsa(o.isa),
    cc: o.cc,
    threads: wholeNumber(o.threads, "--threads", 1)!,
    steps: wholeNumber(o.steps, "--steps", 1)!,
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
  kernel: string;
  isa: string;
  threads?: string;
}

/** `ternc run MODEL --backend c`: compile once into the cache, build, and run the runner. */
export function runWithC(path: string, o: RunCOptions, io: CliIo): void {
  const kernel = checkKernel(o.kernel);
  const isa = checkIsa(o.isa);
  const threads = wholeNumber(o.threads, "--threads", 1);
  const { prompt, maxTokens, tokenizer, vocab } = prepareModelRun(path, o);
  const st = statSync(path);
  const key = createHash("sha256").update(JSON.stringify([resolve(path), st.size, st.mtimeMs, kernel, isa, o.actQuant ?? "", backendFingerprint()])).digest("hex").slice(0, 20);
  const dir = join(cacheRoot(), key);
  mkdirSync(cacheRoot(), { recursive: true });
  if (!isCompiledC(dir) || !existsSync(join(dir, "ternc-run"))) {
    io.stderr(`compiling ${path} for C (${kernel}, ${isa}) into ${dir}\n`);
    compileModelToC(path, dir, { kernel, actQuant: o.actQuant });
    buildC(dir, { isa });
  }
  const logitsFile = o.logits ? join(dir, `logits-${process.pid}.bin`) : undefined;
  const r = runRunner(runnerCommand(join(dir, "ternc-run"), isa), join(dir, "weights.bin"), { tokens: prompt, maxTokens, threads, logitsFile, stopToken: tokenizer?.eosId, context: Math.max(prompt.length + maxTokens, 1) });
  if (o.logits && logitsFile) {
    const data = new Float32Array(new Uint8Array(readFileSync(logitsFile)).buffer);
    writeFileAtomic(o.logits, encodeNpy({ dtype: "f32", shape: [prompt.length, vocab], data }));
  }
  const text = tokenizer?.decode(r.generated);
  if (o.json) {
    io.stdout(`${JSON.stringify({ prompt, generated: r.generated, ...(text !== undefined ? { text } : {}), prefillSeconds: r.prefillSeconds, decodeSeconds: r.decodeSeconds, backend: "c", isa: r.isa, threads: r.threads })}\n`);
    return;
  }
  io.stdout(`prompt:    ${prompt.join(" ")}\n`);
  io.stdout(`generated: ${r.generated.join(" ")}\n`);
  if (text !== undefined) io.stdout(`text:      ${JSON.stringify(text)}\n`);
  const rate = (n: number, s: number): string => (s > 0 ? `${(n / s).toFixed(1)} tokens/s` : "-");
  io.stderr(`prefill ${prompt.length} tokens in ${r.prefillSeconds.toFixed(3)} s (${rate(prompt.length, r.prefillSeconds)}), decode ${r.generated.length} in ${r.decodeSeconds.toFixed(3)} s (${rate(Math.max(r.generated.length - 1, 0), r.decodeSeconds)}) [C, ${r.isa}, ${r.threads} threads]\n`);
}
