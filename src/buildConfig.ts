// `ternc build ternc.json`: a model compiled for several targets from one checked JSON file (FINN's build config is
// the model), each build optionally validated against the interpreter, and a summary of what was written.
import { dirname, join, resolve } from "node:path";
import type { OptionValue, PipelineEntry } from "../backends/common/index.js";
import { UserError } from "./errors.js";
import { folderSize, readJsonObject, writeFileAtomic } from "./io/files.js";
import type { ActQuantFlag } from "./loadModelGraph.js";
import { parsePipelineEntry } from "./passes/manager.js";
import { compileModel } from "./targets/compile.js";
import { getTarget, targetNames } from "./targets/registry.js";
import { validateModel } from "./targets/validate.js";

/** One target of a build config. */
export interface BuildTargetConfig {
  /** A registered target (`ternc targets`). */
  target: string;
  /** The output folder's name under `outputDir` (default: the target's name); unique in the config. */
  name?: string;
  /** The target's options by name, as the library takes them (`{"kernel": "i2", "prefix": "tiny"}`). */
  options?: Record<string, OptionValue>;
  /** Passes instead of the target's default pipeline, as `name` or `name{key=value}`. */
  pipeline?: string[];
}

/** A build config (ternc.json). Paths are relative to the file. */
export interface BuildConfig {
  /** The model: GGUF, Hugging Face folder or .tir. */
  model: string;
  /** Where each target's folder goes (default `build`). */
  outputDir?: string;
  actQuant?: ActQuantFlag;
  /** Default context length of the builds. */
  context?: number;
  targets: BuildTargetConfig[];
  /** Validate each build against the interpreter for this many greedy steps after compiling it. */
  validate?: { steps: number };
}

/** What `runBuild` wrote, target by target (also written as build-summary.json in the output folder). */
export interface BuildSummary {
  model: string;
  targets: Array<{ name: string; target: string; dir: string; files: number; bytes: number; validation?: "PASS" | "FAIL"; lossy: string[] }>;
}

type Json = Record<string, unknown>;

const CONFIG_KEYS = ["model", "outputDir", "actQuant", "context", "targets", "validate"] as const;
const TARGET_KEYS = ["target", "name", "options", "pipeline"] as const;

/** Reads and checks a build config: every key known, every value of its type; errors name the file and the key. */
export function readBuildConfig(path: string): BuildConfig {
  const raw = readJsonObject(path);
  const fail = (where: string, what: string): never => {
    throw new UserError(`${path}: ${where}: ${what}`);
  };
  const known = (o: Json, keys: readonly string[], where: string): void => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) fail(where ? `${where}.${k}` : k, `unknown key (expected ${keys.join(", ")})`);
  };
  const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
  known(raw, CONFIG_KEYS, "");
  if (typeof raw.model !== "string" || raw.model === "") fail("model", "expected the model's path (a string)");
  if (raw.outputDir !== undefined && typeof raw.outputDir !== "string") fail("outputDir", "expected a folder (a string)");
  if (raw.actQuant !== undefined && raw.actQuant !== "per-token" && raw.actQuant !== "none") fail("actQuant", `expected "per-token" or "none", got ${JSON.stringify(raw.actQuant)}`);
  if (raw.context !== undefined && !(Number.isInteger(raw.context) && (raw.context as number) >= 1)) fail("context", `expected a whole number >= 1, got ${JSON.stringify(raw.context)}`);
  if (raw.validate !== undefined) {
    if (!isObject(raw.validate)) fail("validate", 'expected an object such as {"steps": 8}');
    known(raw.validate as Json, ["steps"], "validate");
    const steps = (raw.validate as Json).steps;
    if (!(Number.isInteger(steps) && (steps as number) >= 1)) fail("validate.steps", `expected a whole number >= 1, got ${JSON.stringify(steps)}`);
  }
  if (!Array.isArray(raw.targets) || raw.targets.length === 0) fail("targets", 'expected a non-empty list such as [{"target": "c"}]');
  const names = new Set<string>();
  const targets = (raw.targets as unknown[]).map((t, i): BuildTargetConfig => {
    const where = `targets[${i}]`;
    if (!isObject(t)) fail(where, 'expected an object such as {"target": "c"}');
    const o = t as Json;
    known(o, TARGET_KEYS, where);
    if (typeof o.target !== "string" || !targetNames().includes(o.target)) fail(`${where}.target`, `expected one of ${targetNames().join(", ")}, got ${JSON.stringify(o.target)}`);
    if (o.name !== undefined && (typeof o.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o.name))) fail(`${where}.name`, "expected a folder name (letters, digits, '.', '_', '-')");
    const name = (o.name as string | undefined) ?? (o.target as string);
    if (names.has(name)) fail(`${where}.name`, `'${name}' is used by an earlier target: give each a name of its own`);
    names.add(name);
    if (o.options !== undefined) {
      if (!isObject(o.options)) fail(`${where}.options`, "expected an object of option names to values");
      const specs = getTarget(o.target as string).options;
      for (const [k, v] of Object.entries(o.options as Json)) {
        if (!specs.some((s) => s.name === k)) fail(`${where}.options.${k}`, `target ${o.target as string} has no such option (it has ${specs.map((s) => s.name).join(", ")})`);
        if (!["string", "number", "boolean"].includes(typeof v)) fail(`${where}.options.${k}`, "expected a string, number or boolean");
      }
    }
    if (o.pipeline !== undefined) {
      if (!Array.isArray(o.pipeline) || !o.pipeline.every((p) => typeof p === "string")) fail(`${where}.pipeline`, 'expected a list of pass names such as ["absmean-quantize", "expand-bitlinear"]');
    }
    return { target: o.target as string, name, options: o.options as Record<string, OptionValue> | undefined, pipeline: o.pipeline as string[] | undefined };
  });
  return {
    model: raw.model as string,
    outputDir: raw.outputDir as string | undefined,
    actQuant: raw.actQuant as ActQuantFlag | undefined,
    context: raw.context as number | undefined,
    targets,
    validate: raw.validate as { steps: number } | undefined,
  };
}

/**
 * Builds every target of the config at `path` into its folder under the output folder (`outDir` overrides the
 * config's), validating each when the config asks, and writes build-summary.json there.
 */
export async function runBuild(path: string, o: { outDir?: string; log?: (line: string) => void } = {}): Promise<BuildSummary> {
  const config = readBuildConfig(path);
  const base = dirname(resolve(path));
  const model = resolve(base, config.model);
  const out = o.outDir ? resolve(o.outDir) : resolve(base, config.outputDir ?? "build");
  const summary: BuildSummary = { model, targets: [] };
  for (const t of config.targets) {
    const name = t.name ?? t.target;
    const dir = join(out, name);
    o.log?.(`${name}: compiling ${model} for ${t.target}`);
    const pipeline: PipelineEntry[] | undefined = t.pipeline?.map((e) => {
      const { name: pass, options } = parsePipelineEntry(e);
      return { pass, options };
    });
    const compiled = compileModel(model, dir, { target: t.target, options: t.options, actQuant: config.actQuant, context: config.context }, pipeline);
    const row: BuildSummary["targets"][number] = { name, target: t.target, dir, ...folderSize(dir), lossy: compiled.lossy };
    if (config.validate) {
      o.log?.(`${name}: validating against the interpreter (${config.validate.steps} steps)`);
      const report = await validateModel(model, { target: t.target, options: t.options, steps: config.validate.steps, actQuant: config.actQuant, pipeline });
      row.validation = report.ok ? "PASS" : "FAIL";
    }
    summary.targets.push(row);
  }
  writeFileAtomic(join(out, "build-summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
