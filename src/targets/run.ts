// `ternc run MODEL --backend T` for a compiled target: compile and build once into a cache folder, keyed on
// everything that decides the build (ternc's version and code, the model file, the target's options), then run.
import { createHash } from "node:crypto";
import { mkdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildAffectingOptions, cacheRoot, type ModelRunRequest, type ModelRunResult, type OptionValue, resolveOptions, type Target, type TargetOptions } from "../../backends/common/index.js";
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
  let lossy: string[] = [];
  if (!target.isBuilt(dir)) {
    o.log?.(`compiling ${path} for ${target.name} into ${dir}`);
    lossy = compileModel(path, dir, { target: target.name, options, actQuant: o.actQuant, allowBlobPath: o.allowBlobPath }).lossy;
    target.build?.(dir, options, "release");
  }
  return { dir, target, options, lossy };
}

/** Runs a model on a compiled target (built once into the cache). */
export function runOnTarget(path: string, request: ModelRunRequest, o: CachedRunOptions): ModelRunResult & { lossy: string[] } {
  const { dir, target, options, lossy } = cachedBuild(path, o);
  return { ...target.runModel(dir, request, options), lossy };
}
