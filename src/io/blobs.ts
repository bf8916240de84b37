// Reads external weight blobs named by `blob<"file", offset = N>` constants, relative to the IR file.
import { statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { BlobReader } from "../../ir/index.js";
import { UserError } from "../errors.js";
import { readFileRange } from "./files.js";

/** A blob reader for files next to `baseDir`; reads only the bytes asked for (no whole-file load). */
export function fileBlobReader(baseDir: string): BlobReader {
  return {
    read(path: string, offset: number, length: number, constant: string): Uint8Array {
      const full = isAbsolute(path) ? path : resolve(baseDir, path);
      let size: number;
      try {
        size = statSync(full).size;
      } catch {
        throw new UserError(`constant %${constant}: cannot open weight blob '${full}'`);
      }
      if (offset + length > size) {
        throw new UserError(`constant %${constant} needs bytes ${offset}..${offset + length} of weight blob '${full}', which has ${size}`);
      }
      return readFileRange(full, offset, length, `constant %${constant}`);
    },
  };
}
