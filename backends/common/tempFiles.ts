// Where ternc writes before an output takes its name, and how the next run clears what a killed run left there.
// Every file and folder ternc replaces is first written as `.NAME.tmp-PID` beside it; compile moves the folder it
// replaces to `.NAME.old-PID` for the moment between two renames.
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

export type TempKind = "tmp" | "old";

/** The hidden sibling of `path` that this process writes (`tmp`) or moves the replaced output to (`old`). */
export function tempPathFor(path: string, kind: TempKind = "tmp"): string {
  return join(dirname(path), `.${basename(path)}.${kind}-${process.pid}`);
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temporaries of `path` left by ternc processes that are no longer running (a kill mid-import or
 * mid-compile left 100-230 MB of them). When `path` itself is missing and a dead process had moved it aside (killed
 * between compile's two renames), the old output is put back instead: the interrupted run did not finish, so the
 * output it was replacing is the one to keep. Temporaries of running processes (another ternc writing the same
 * output) are left alone. Returns the names it removed or restored.
 */
export function clearStaleTemps(path: string): string[] {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const stale = entries
    .map((name) => ({ name, m: name.startsWith(prefix) ? /^(tmp|old)-(\d+)$/.exec(name.slice(prefix.length)) : null }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null && !isRunning(Number(e.m[2])));
  const cleared: string[] = [];
  // Best effort: another process may be clearing the same entries, or one may not be ours to remove; what is left
  // stays for a later run. Restore before removing, so a missing output gets its old self back first.
  for (const { name, m } of stale) {
    if (m[1] === "old" && !existsSync(path)) {
      try {
        renameSync(join(dir, name), path);
        cleared.push(name);
      } catch {
        // Restored by another process, or not restorable now.
      }
    }
  }
  for (const { name } of stale) {
    if (cleared.includes(name)) continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
      cleared.push(name);
    } catch {
      // Not ours to remove (permissions): left in place.
    }
  }
  return cleared;
}

/**
 * Runs `f` in a new temporary folder named `prefix`..., removed when `f` returns, throws, or (for an async `f`) its
 * promise settles; with `keep`, in that folder instead, which is left in place.
 */
export function withTempDir<R>(prefix: string, f: (dir: string) => R, keep?: string): R {
  const dir = keep ?? mkdtempSync(join(tmpdir(), prefix));
  const remove = (): void => {
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  };
  let result: R;
  try {
    result = f(dir);
  } catch (e) {
    remove();
    throw e;
  }
  if (result instanceof Promise) return result.finally(remove) as R;
  remove();
  return result;
}
