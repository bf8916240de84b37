// The CLI's compiled-target commands, written once for every target in the registry: `compile`, `validate`,
// `run --backend T` and `targets`. Each target's declared options become flags here.
import { Command, Option } from "commander";
import { flagName, type OptionValue, resolveOptions, type Target, type TargetOptions, type TargetOptionSpec } from "../../backends/common/index.js";
import type { SamplingOptions } from "../../ir/index.js";
import type { Tokenizer } from "../frontend/tokenizer/tokenizer.js";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../io/files.js";
import { encodeNpy } from "../io/npy.js";
import type { ModelSourceOptions } from "../loadModelGraph.js";
import { compileModel } from "../targets/compile.js";
import { pipelineText } from "../targets/lower.js";
import { allTargets, getTarget } from "../targets/registry.js";
import { buildFolderIfNeeded, cachedBuild, openBuildFolder } from "../targets/run.js";
import { progressFor } from "./progress.js";
import { type SamplingFlags, samplingFromFlags } from "./sampling.js";
import { formatValidation, validateModel } from "../targets/validate.js";
import { parseTokenList, prepareModelRun, printRun, promptFromOptions, type RunModelOptions, stopTokensOf, tokenStream, wholeNumber } from "./modelCommands.js";
import type { CliIo } from "./io.js";

/** Every option any target declares, once each, with the targets that declare it. */
function declaredOptions(): Array<{ spec: TargetOptionSpec; targets: string[] }> {
  const byName = new Map<string, { spec: TargetOptionSpec; targets: string[] }>();
  for (const t of allTargets())
    for (const spec of t.options) {
      const seen = byName.get(spec.name);
      if (seen && seen.spec.flag !== spec.flag) throw new Error(`internal: targets ${seen.targets[0]} and ${t.name} declare option '${spec.name}' with different flags`);
      if (seen) seen.targets.push(t.name);
      else byName.set(spec.name, { spec, targets: [t.name] });
    }
  return [...byName.values()];
}

/** Adds every target's options to a command (no defaults: the target fills them, so given ones can be told apart). */
export function addTargetOptions(cmd: Command, steps: ReadonlyArray<TargetOptionSpec["step"]>): Command {
  for (const { spec, targets } of declaredOptions()) {
    if (!steps.includes(spec.step)) continue;
    const def = spec.default !== undefined && spec.kind !== "flag" ? ` (default ${String(spec.default)})` : "";
    const opt = new Option(spec.flag, `target ${targets.join(", ")}: ${spec.description}${def}`);
    if (spec.kind === "choice") opt.choices(spec.choices!);
    cmd.addOption(opt);
  }
  return cmd.addHelpText("after", () => `\n${targetsHelp()}`);
}

/** The values of target options given on the command line; an option the chosen target lacks is an error. */
export function givenTargetOptions(target: Target, opts: Readonly<Record<string, unknown>>, what: string): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const { spec } of declaredOptions()) {
    const v = opts[spec.name];
    if (v === undefined) continue;
    if (!target.options.some((o) => o.name === spec.name)) throw new UserError(`${flagName(spec)} is not an option of ${what} ${target.name} (see ternc targets)`);
    out[spec.name] = v as OptionValue;
  }
  return out;
}

/** A target's options, one line each. */
function optionLines(t: Target, indent: string): string[] {
  return t.options.map((o) => `${indent}${o.flag.padEnd(20)} (${o.step}) ${o.description}${o.choices ? ` [${o.choices.join(", ")}]` : ""}${o.default !== undefined && o.kind !== "flag" ? ` (default ${String(o.default)})` : ""}`);
}

function targetsHelp(): string {
  return allTargets()
    .map((t) => [`Target ${t.name}: ${t.summary}`, ...optionLines(t, "  ")].join("\n"))
    .join("\n\n");
}

const optionalWholeNumber = (text: string | undefined, flag: string, min: number): number | undefined => (text === undefined ? undefined : wholeNumber(text, flag, min));

export interface CompileCommandOptions extends ModelSourceOptions {
  target: string;
  output?: string;
  context?: string;
  json?: boolean;
  progress?: boolean;
  [option: string]: unknown;
}

export function compileCommand(model: string, o: CompileCommandOptions, io: CliIo): void {
  if (!o.output) throw new UserError("give the output folder with -o DIR");
  const target = getTarget(o.target);
  const progress = progressFor(io, "compile", o.progress);
  const compiled = compileModel(model, o.output, {
    target: target.name,
    options: givenTargetOptions(target, o, "target"),
    actQuant: o.actQuant,
    allowBlobPath: o.allowBlobPath,
    context: optionalWholeNumber(o.context, "--context", 1),
    log: progress && ((line) => progress.update(line)),
  });
  progress?.end();
  for (const note of compiled.lossy) io.stderr(`LOSSY ${note}\n`);
  for (const note of compiled.approximate) io.stderr(`note: ${note}\n`);
  const files = [...compiled.emitted.files, "manifest.json"];
  if (o.json) {
    io.stdout(`${JSON.stringify({ dir: compiled.dir, target: target.name, files, pipeline: compiled.pipeline, lossy: compiled.lossy, approximate: compiled.approximate, next: compiled.emitted.summary.map((l) => l.replaceAll("{out}", o.output!)) })}\n`);
    return;
  }
  io.stdout(`wrote ${compiled.dir}: ${files.join(", ")}\n`);
  for (const line of compiled.emitted.summary) io.stdout(`${line.replaceAll("{out}", o.output)}\n`);
}

export interface ValidateCommandOptions extends ModelSourceOptions, SamplingFlags {
  target: string;
  steps: string;
  tokens?: string;
  keep?: string;
  json?: boolean;
  progress?: boolean;
  [option: string]: unknown;
}

/** Exit status 1 (a user-facing failure) when the target's output disagrees with the interpreter. */
export async function validateCommand(model: string, o: ValidateCommandOptions, io: CliIo): Promise<void> {
  const target = getTarget(o.target);
  const seed = o.seed === undefined ? 1 : wholeNumber(o.seed, "--seed", 0);
  // --seed seeds the random prompt (any whole number) and the sampler (its 32 bits).
  const sampling = samplingFromFlags({ ...o, seed: undefined }, 0, seed % 2 ** 32);
  const progress = progressFor(io, "validate", o.progress);
  const report = await validateModel(model, {
    log: progress && ((line) => progress.update(line)),
    target: target.name,
    options: givenTargetOptions(target, o, "target"),
    steps: wholeNumber(o.steps, "--steps", 1),
    tokens: o.tokens !== undefined ? parseTokenList(o.tokens) : undefined,
    seed,
    ...(sampling ? { sampling } : {}),
    actQuant: o.actQuant,
    allowBlobPath: o.allowBlobPath,
    keepDir: o.keep,
  });
  progress?.end();
  io.stdout(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatValidation(model, report));
  if (!report.ok) throw new UserError(`validation failed: ${report.firstMismatch ?? (!report.logits.ok ? "logits outside the tolerance" : report.sampler && !report.sampler.ok ? `the target's sampler: ${report.sampler.firstDifferent ?? "no logits traced"}` : "generated tokens differ")}`);
}

/** A built model to run: where, with which target and options, and what the run needs from the model. */
interface BuiltModel {
  dir: string;
  target: Target;
  options: TargetOptions;
  tokenizer?: Tokenizer;
  prompt: number[];
  maxTokens: number;
  stopTokens?: number[];
  sampling?: SamplingOptions;
  context?: number;
  logitsFile?: string;
}

/**
 * Runs a built model and prints the run as the interpreter's: the prompt, then each token as the runner chooses it
 * (the JSON form waits for the whole run), then the text and timings.
 */
async function runAndPrint(b: BuiltModel, json: boolean | undefined, io: CliIo): Promise<void> {
  const stream = tokenStream(io, b.prompt, json);
  const r = await b.target.runModel(
    b.dir,
    {
      tokens: b.prompt,
      maxTokens: b.maxTokens,
      ...(b.stopTokens ? { stopTokens: b.stopTokens } : {}),
      ...(b.sampling ? { sampling: b.sampling } : {}),
      ...(b.context !== undefined ? { context: b.context } : {}),
      promptLogits: b.logitsFile !== undefined,
      ...(stream.onToken ? { onToken: stream.onToken } : {}),
    },
    b.options,
  );
  stream.end();
  if (b.logitsFile && r.promptLogits) writeFileAtomic(b.logitsFile, encodeNpy(r.promptLogits));
  const report = { prompt: b.prompt, generated: r.generated, text: b.tokenizer?.decode(r.generated), prefillSeconds: r.prefillSeconds, decodeSeconds: r.decodeSeconds, sampling: b.sampling };
  printRun(io, report, { json, jsonExtra: { backend: b.target.name, ...r.facts }, engine: r.engine, streamed: stream.streamed });
}

/** `ternc run MODEL --backend T`: compile once into the cache, build, and run, the tokens streamed as they come. */
export async function runOnBackend(path: string, backend: string, o: RunModelOptions & Record<string, unknown>, io: CliIo): Promise<void> {
  const target = getTarget(backend);
  const { prompt, maxTokens, tokenizer, sampling, stopTokens } = prepareModelRun(path, o);
  // Compiling and building come first, so their lines do not land inside the streamed tokens.
  const build = cachedBuild(path, { target: target.name, options: givenTargetOptions(target, o, "backend"), actQuant: o.actQuant, allowBlobPath: o.allowBlobPath, log: (line) => io.stderr(`${line}\n`) });
  for (const note of build.lossy) io.stderr(`LOSSY ${note}\n`);
  await runAndPrint(
    { ...build, ...(tokenizer ? { tokenizer } : {}), prompt, maxTokens, ...(stopTokens ? { stopTokens } : {}), ...(sampling ? { sampling } : {}), context: Math.max(prompt.length + maxTokens, 1), ...(o.logits !== undefined ? { logitsFile: o.logits } : {}) },
    o.json,
    io,
  );
}

/** `ternc run DIR`: a folder ternc compile wrote, run in place with its target (built first where it is not). */
export async function runBuildFolderCommand(dir: string, backend: string, o: RunModelOptions & Record<string, unknown>, io: CliIo): Promise<void> {
  const b = openBuildFolder(dir, (target) => givenTargetOptions(target, o, "the build's target"));
  if (backend !== "interp" && backend !== b.target.name) throw new UserError(`${dir} is a ${b.target.name} build: --backend ${backend} does not match (leave --backend out)`);
  if (o.logits !== undefined || o.actQuant !== undefined) throw new UserError(`${o.logits !== undefined ? "--logits" : "--act-quant"}: not for a compiled folder (run the model file with --backend ${b.target.name})`);
  const maxTokens = wholeNumber(o.maxTokens, "--max-tokens", 0);
  const sampling = samplingFromFlags(o, 0);
  const prompt = promptFromOptions(dir, o, b.tokenizer, b.vocab, "this build");
  const stopTokens = stopTokensOf(o.stop, b.tokenizer?.eosId ?? b.manifest.tokens?.eos, b.vocab);
  buildFolderIfNeeded(b, (line) => io.stderr(`${line}\n`));
  await runAndPrint({ ...b, prompt, maxTokens, ...(stopTokens ? { stopTokens } : {}), ...(sampling ? { sampling } : {}) }, o.json, io);
}

/** `ternc targets`: every target with its options and the ops it compiles. */
export function targetsCommand(o: { json?: boolean }, io: CliIo): void {
  if (o.json) {
    io.stdout(`${JSON.stringify(allTargets().map((t) => ({ name: t.name, summary: t.summary, options: t.options, ops: Object.fromEntries(Object.entries(t.ops).map(([op, r]) => [op, r.note ?? ""])), tolerance: t.tolerance, pipeline: pipelineText(t.pipeline(resolveOptions(t, {}))) })), null, 2)}\n`);
    return;
  }
  for (const t of allTargets()) {
    io.stdout(`${t.name}: ${t.summary}\n  options:${t.options.length ? `\n${optionLines(t, "    ").join("\n")}` : " none"}\n  pipeline: ${pipelineText(t.pipeline(resolveOptions(t, {}))).join(",")}\n  ops:\n`);
    for (const [op, rule] of Object.entries(t.ops)) io.stdout(`    ${op.padEnd(22)}${rule.note ?? ""}\n`);
    io.stdout(`  float tolerance: op ${t.tolerance.op.abs} + ${t.tolerance.op.rel} * |x|, logits ${t.tolerance.logitsRel} of the largest\n\n`);
  }
}
