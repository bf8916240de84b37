// Writes an artifact folder as a whole: everything goes into a fresh sibling folder, which replaces the output only
// when complete, and never replaces a folder ternc did not write.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { BackendError } from "./errors.js";
import { MANIFEST_FILE, readManifest } from "./manifest.js";
import { clearStaleTemps, tempPathFor } from "./tempFiles.js";

const matches = (name: string, pattern: string): boolean => (pattern.startsWith("*.") ? name.endsWith(pattern.slice(1)) : name === pattern);

/** Entries of a non-empty folder that its ternc manifest does not account for (all of them without a manifest). */
function foreignEntries(dir: string): string[] {
  const entries = readdirSync(dir);
  const m = readManifest(dir);
  if (!m) return entries;
  const written = new Set([MANIFEST_FILE, ...(Array.isArray(m.files) ? m.files.map((f) => String(f?.name ?? "").split("/")[0]!) : [])]);
  const built = Array.isArray(m.buildOutputs) ? m.buildOutputs.filter((p): p is string => typeof p === "string") : [];
  return entries.filter((e) => !written.has(e) && !built.some((p) => matches(e, p)));
}

/**
 * Calls `fill` with an empty temporary folder next to `out`, then puts that folder in place of `out`. A failure
 * leaves `out` as it was. `out` may be missing, empty, or a folder an earlier compile wrote holding only what that
 * compile and its build made (its manifest lists them); anything else is refused, so the user's files are never lost.
 */
export function writeOutputDir<R>(out: string, fill: (dir: string) => R): R {
  const target = resolve(out);
  clearStaleTemps(target);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new BackendError(out, "exists and is not a folder; refusing to replace it");
    const foreign = readdirSync(target).length > 0 ? foreignEntries(target) : [];
    if (foreign.length > 0) {
      const what = readManifest(target) ? `holds files an earlier ternc compile did not write (${foreign.slice(0, 5).join(", ")}${foreign.length > 5 ? ", ..." : ""})` : "is not an earlier ternc output (no manifest.json written by ternc)";
      throw new BackendError(out, `exists and ${what}; refusing to replace it (remove them or choose another -o)`);
    }
  }
  try {
    mkdirSync(dirname(target), { recursive: true });
  } catch (e) {
    throw new BackendError(out, `cannot create its parent folder (${["ENOTDIR", "EEXIST"].includes((e as NodeJS.ErrnoException).code ?? "") ? "a part of the path is a file" : (e as Error).message})`);
  }
  const tmp = tempPathFor(target, "tmp");
  const old = tempPathFor(target, "old");
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  let result: R;
  try {
    result = fill(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  // Node has no rename that exchanges two folders (renameat2's RENAME_EXCHANGE), so the old folder steps aside
  // first; a kill between these two renames is repaired by the next run (clearStaleTemps puts it back).
  if (existsSync(target)) renameSync(target, old);
  renameSync(tmp, target);
  rmSync(old, { recursive: true, force: true });
  return result;
}
