// File access for the driver: readable errors, and writes that never leave a half-written file.
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { clearStaleTemps, readAt, tempPathFor } from "../../backends/common/index.js";
import { UserError } from "../errors.js";

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES") return "permission denied";
  return (e as Error).message;
}

/**
 * Refuses what is not a regular file before it is opened: opening a FIFO for reading blocks until a writer comes
 * (a model folder with a FIFO named config.json would hang ternc), and a device never ends.
 */
function requireRegularFile(path: string, verb: string): void {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UserError(`cannot ${verb} '${path}': ${reason(e)}`);
  }
  if (!st.isFile()) throw new UserError(`cannot ${verb} '${path}': ${st.isDirectory() ? "it is a directory" : "not a regular file"}`);
}

export function readBytes(path: string): Uint8Array {
  requireRegularFile(path, "read");
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read '${path}': ${reason(e)}`);
  }
}

export function readText(path: string): string {
  return Buffer.from(readBytes(path)).toString("utf8");
}

/** A JSON file whose top level must be an object (config.json, tokenizer.json, a shard index): anything else is a user error. */
export function readJsonObject(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readText(path));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${path}: not valid JSON`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new UserError(`${path}: expected a JSON object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`);
  return value as Record<string, unknown>;
}

/** Writes via a temporary file and a rename, so readers see the old file or the whole new one. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    clearStaleTemps(path);
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UserError(`cannot write '${path}': ${reason(e)}`);
  }
}

/** The regular files under `dir`, subfolders included, and their bytes. */
export function folderSize(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = folderSize(p);
      files += inner.files;
      bytes += inner.bytes;
    } else if (entry.isFile()) {
      files++;
      bytes += statSync(p).size;
    }
  }
  return { files, bytes };
}

/** Opens `path` for reading, runs `use` with the descriptor and file size, and always closes it. */
export function withOpenFile<T>(path: string, use: (fd: number, size: number) => T): T {
  requireRegularFile(path, "open");
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new UserError(`cannot open '${path}': ${reason(e)}`);
  }
  try {
    return use(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads `length` bytes of `path` from `offset` without loading the rest of the file. `what` names the
 * data for errors (a tensor, a constant); a file that ends early is a user error.
 */
export function readFileRange(path: string, offset: number, length: number, what: string): Uint8Array {
  return withOpenFile(path, (fd) => {
    const out = new Uint8Array(length);
    const done = readAt(fd, out, offset);
    if (done < length) throw new UserError(`${what}: '${path}' ended at byte ${offset + done}, but bytes ${offset}..${offset + length} are needed`);
    return out;
  });
}

/** Refuses tensors of one file whose bytes overlap: a hostile file could make one weight alias another. */
export function checkDisjointRanges(path: string, tensors: ReadonlyArray<{ name: string; start: number; bytes: number }>): void {
  const byStart = [...tensors].sort((a, b) => a.start - b.start);
  for (let i = 1; i < byStart.length; i++) {
    const [prev, t] = [byStart[i - 1]!, byStart[i]!];
    if (prev.start + prev.bytes > t.start) throw new UserError(`${path}: tensors '${prev.name}' and '${t.name}' overlap (bytes ${prev.start}..${prev.start + prev.bytes} and ${t.start}..)`);
  }
}
