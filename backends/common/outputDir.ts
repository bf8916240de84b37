// Writes an artifact folder as a whole: everything goes into a fresh sibling folder, which replaces the output only
// when complete, and never replaces a folder ternc did not write.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { BackendError } from "./errors.js";
import { readManifest } from "./manifest.js";

/**
 * Calls `fill` with an empty temporary folder next to `out`, then puts that folder in place of `out`. A failure
 * leaves `out` as it was. `out` may be missing, empty, or a folder an earlier compile wrote (it has ternc's
 * manifest.json); anything else is refused.
 */
export function writeOutputDir<R>(out: string, fill: (dir: string) => R): R {
  const target = resolve(out);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new BackendError(out, "exists and is not a folder; refusing to replace it");
    if (readdirSync(target).length > 0 && !readManifest(target)) throw new BackendError(out, "exists and is not an earlier ternc output (no manifest.json written by ternc); refusing to replace it");
  }
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  const old = join(dirname(target), `.${basename(target)}.old-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  let result: R;
  try {
    result = fill(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  // Move the old folder aside before the new one takes its name, so one of the two is always in place.
  if (existsSync(target)) renameSync(target, old);
  renameSync(tmp, target);
  rmSync(old, { recursive: true, force: true });
  return result;
}
