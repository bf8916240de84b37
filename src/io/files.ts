// File access for the driver: readable errors, and writes that never leave a half-written file.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { UserError } from "../errors.js";

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES") return "permission denied";
  return (e as Error).message;
}

export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read '${path}': ${reason(e)}`);
  }
}

export function readText(path: string): string {
  return Buffer.from(readBytes(path)).toString("utf8");
}

/** Writes via a temporary file and a rename, so readers see the old file or the whole new one. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UserError(`cannot write '${path}': ${reason(e)}`);
  }
}
