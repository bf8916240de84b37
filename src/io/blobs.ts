// Reads external weight blobs named by `blob<"file", offset = N>` constants, relative to the IR file.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { BlobReader } from "../../ir/index.js";
import { UserError } from "../errors.js";

/** A blob reader for files next to `baseDir`; reads only the bytes asked for (no whole-file load). */
export function fileBlobReader(baseDir: string): BlobReader {
  return {
    read(path: string, offset: number, length: number, constant: string): Uint8Array {
      const full = isAbsolute(path) ? path : resolve(baseDir, path);
      let fd: number;
      try {
        fd = openSync(full, "r");
      } catch {
        throw new UserError(`constant %${constant}: cannot open weight blob '${full}'`);
      }
      try {
        const size = fstatSync(fd).size;
        if (offset + length > size) {
          throw new UserError(`constant %${constant} needs bytes ${offset}..${offset + length} of weight blob '${full}', which has ${size}`);
        }
        const out = new Uint8Array(length);
        let done = 0;
        while (done < length) done += readSync(fd, out, done, length - done, offset + done);
        return out;
      } finally {
        closeSync(fd);
      }
    },
  };
}
