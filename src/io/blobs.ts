// Reads external weight blobs named by `blob<"file", offset = N>` constants, relative to the IR file. A blob may only
// be a regular file inside the IR file's folder (after symbolic links are followed) or inside a folder the user
// allowed: a downloaded .tir must not make ternc read /etc/passwd or a FIFO.
import { realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve, sep } from "node:path";
import type { BlobReader } from "../../ir/index.js";
import { UserError } from "../errors.js";
import { readFileRange } from "./files.js";

const realFolder = (dir: string): string => {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
};

const inside = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/**
 * The real path of `name` (relative to `baseDir`, or absolute) if it is a regular file inside `baseDir` or one of
 * `allowedDirs`, symbolic links followed; otherwise a UserError naming `what` (who names it), the `kind` of file, the
 * file and the rule, with `hint` (how to allow another folder, where the caller has a way).
 */
export function confinedFile(name: string, baseDir: string, allowedDirs: readonly string[], what: string, kind: string, hint = ""): string {
  const full = isAbsolute(name) ? name : resolve(baseDir, name);
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    throw new UserError(`${what}: cannot open ${kind} '${full}'`);
  }
  const roots = [baseDir, ...allowedDirs].map(realFolder);
  if (!roots.some((r) => inside(real, r))) {
    throw new UserError(`${what}: ${kind} '${name}' is outside ${realFolder(baseDir)} (a model may only name files in its own folder${allowedDirs.length ? " or the allowed ones" : ""}${hint})`);
  }
  if (!statSync(real).isFile()) throw new UserError(`${what}: ${kind} '${full}' is not a regular file`);
  return real;
}

/**
 * A blob reader for files in `baseDir` (and `allowedDirs`); reads only the bytes asked for (no whole-file load).
 * `source`, the IR file naming the blobs, starts every message.
 */
export function fileBlobReader(baseDir: string, allowedDirs: readonly string[] = [], source?: string): BlobReader {
  const prefix = source ? `${source}: ` : "";
  return {
    read(path: string, offset: number, length: number, constant: string): Uint8Array {
      const what = `${prefix}constant %${constant}`;
      const full = confinedFile(path, baseDir, allowedDirs, what, "weight blob", "; --allow-blob-path DIR allows another");
      const size = statSync(full).size;
      if (offset + length > size) {
        throw new UserError(`${what} needs bytes ${offset}..${offset + length} of weight blob '${full}', which has ${size}`);
      }
      return readFileRange(full, offset, length, what);
    },
  };
}

/** The blob reader of a .tir file: blobs in its folder, or in `allowedDirs`. */
export const irBlobReader = (tirPath: string, allowedDirs: readonly string[] = []): BlobReader => fileBlobReader(dirname(resolve(tirPath)), allowedDirs, tirPath);
