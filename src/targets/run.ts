// `ternc run MODEL --backend T` for a compiled target: compile and build once into a cache folder, keyed on
// everything that decides the build (ternc's version and code, the model file, the target's options), then run.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildAffectingOptions, cacheRoot, type Manifest, type ModelRunRequest, type ModelRunResult, type OptionValue, readManifest, resolveOptions, type Target, type TargetOptions } from "../../backends/common/index.js";
import { UserError } from "../errors.js";
import { type Tokenizer, tokenizerFromSpec, type TokenizerSpec } from "../frontend/tokenizer/tokenizer.js";
import { readJsonObject } from "../io/files.js";
import type { ActQuantFlag, ModelSourceOptions } from "../loadModelGraph.js";
import { VERSION } from "../version.js";
import { compileModel } from "./compile.js";
import { currentFingerprint } from "./fingerprint.js";
import { getTarget } from "./registry.js";

export { cacheRoot };

/** The cache key of a build: ternc's version and code, the model file as it is now, the target and its build options. */
export function buildCacheKey(path: string, target: Target, options: TargetOptions, actQuant: ActQuantFlag | undefined, fingerprint = currentFingerprint()): string {
  const st = statSync(path);
  return createHash("sha256")
    .update(JSON.stringify([VERSION, fingerprint, resolve(path), st.size, st.mtimeMs, target.name, buildAffectingOptions(target, options), actQuant ?? ""]))
    .digest("hex")
    .slice(0, 20);
}

export interface CachedRunOptions extends ModelSourceOptions {
  target: string;
  options?: Readonly<Record<string, OptionValue | undefined>>;
  /** Told when a build is made (it can take a while). */
  log?: (line: string) => void;
}

/** The folder of a cached build of `path` for a target, compiling and building it first if needed. */
export function cachedBuild(path: string, o: CachedRunOptions): { dir: string; target: Target; options: TargetOptions; lossy: string[] } {
  const target = getTarget(o.target);
  const options = resolveOptions(target, o.options ?? {});
  const dir = join(cacheRoot(), `${target.name}-${buildCacheKey(path, target, options, o.actQuant)}`);
  mkdirSync(cacheRoot(), { recursive: true });
  if (!target.isBuilt(dir)) {
    o.log?.(`compiling ${path} for ${target.name} into ${dir}`);
    compileModel(path, dir, { target: target.name, options, actQuant: o.actQuant, allowBlobPath: o.allowBlobPath });
    target.build?.(dir, options, "release");
  }
  // From the manifest, so a build reused from the cache says it is lossy as the first run did.
  return { dir, target, options, lossy: readManifest(dir)?.lossy ?? [] };
}

/** Runs a model on a compiled target (built once into the cache). */
export async function runOnTarget(path: string, request: ModelRunRequest, o: CachedRunOptions): Promise<ModelRunResult & { lossy: string[] }> {
  const { dir, target, options, lossy } = cachedBuild(path, o);
  return { ...(await target.runModel(dir, request, options)), lossy };
}

/** A model build `ternc compile` wrote: its manifest, target and options, and its tokenizer if the model had one. */
export interface BuildFolder {
  dir: string;
  manifest: Manifest;
  target: Target;
  options: TargetOptions;
  vocab: number;
  tokenizer?: Tokenizer;
}

type RunOptions = Readonly<Record<string, OptionValue | undefined>>;

/**
 * The model build in `dir` (a user error naming the folder when it is none); `runOptions` add the target's run options
 * (or say them once the build's target is known).
 */
export function openBuildFolder(dir: string, runOptionsOf: RunOptions | ((target: Target) => RunOptions) = {}): BuildFolder {
  const manifest = readManifest(dir);
  if (!manifest) throw new UserError(`${dir}: not a folder ternc compile wrote (no readable manifest.json)`);
  // Its runner speaks the protocol of the ternc that wrote it (another version's may lack a flag this one passes).
  if (manifest.ternc !== VERSION) throw new UserError(`${dir}: compiled by ternc ${manifest.ternc}, and this is ternc ${VERSION}: compile it again`);
  let target: Target;
  try {
    target = getTarget(manifest.target);
  } catch {
    throw new UserError(`${dir}: a build for target '${manifest.target}', which this ternc does not have`);
  }
  if (manifest.abi?.kind !== "model") throw new UserError(`${dir}: a build of a plain graph; run it with its runner (see its manifest.json)`);
  const runOptions = typeof runOptionsOf === "function" ? runOptionsOf(target) : runOptionsOf;
  const fixed = target.options.filter((o) => o.step !== "run" && runOptions[o.name] !== undefined).map((o) => o.flag.split(" ")[0]);
  if (fixed.length) throw new UserError(`${fixed.join(", ")}: fixed when ${dir} was compiled and built; compile it again to change them`);
  const options = resolveOptions(target, { ...(manifest.options as Record<string, OptionValue>), ...runOptions });
  const file = manifest.tokens?.tokenizer && join(dir, manifest.tokens.tokenizer);
  let tokenizer: Tokenizer | undefined;
  if (file && existsSync(file)) {
    try {
      tokenizer = tokenizerFromSpec(readJsonObject(file) as unknown as TokenizerSpec);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`${file}: not a tokenizer ternc wrote (${(e as Error).message})`);
    }
  }
  return { dir, manifest, target, options, vocab: manifest.abi.vocab, ...(tokenizer ? { tokenizer } : {}) };
}

/** Builds a model build in place where it is not built (`make` for C, the simulator for Verilog). */
export function buildFolderIfNeeded(b: BuildFolder, log?: (line: string) => void): void {
  if (b.target.isBuilt(b.dir)) return;
  log?.(`building ${b.dir} (${b.target.name})`);
  b.target.build?.(b.dir, b.options, "release");
}

/** Runs a model build in place, building it first where it is not built. */
export function runBuildFolder(b: BuildFolder, request: ModelRunRequest, log?: (line: string) => void): Promise<ModelRunResult> {
  buildFolderIfNeeded(b, log);
  return b.target.runModel(b.dir, request, b.options);
}
