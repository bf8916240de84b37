// Large constants a pass made (merged q/k/v weights, folded scales) written out beside printed IR, so a dump or an
// optimized .tir refers to them as blob<...> instead of holding them as text (a 2B model's merged weights would be
// gigabytes of trits). Each constant is one file named by its content: the same constant in many dumps is written once.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type ConstDecl, elementCountOf, tensorToBytes } from "../../ir/index.js";
import { writeFileAtomic } from "./files.js";

/** The folder, beside the IR, that holds its written-out constants. */
export const CONSTANTS_FOLDER = "constants";
/** Constants of more elements than this are written out; smaller ones stay readable in the text. */
export const WRITE_OUT_ABOVE = 1024;

/**
 * A printer's `blobOf` for IR written into `dir`: an inline constant of more than `above` elements goes to
 * `dir/constants/<16 hex of its SHA-256>.bin` (written unless that file is there) and prints as a reference to it.
 */
export function constantFiles(dir: string, above = WRITE_OUT_ABOVE): (c: ConstDecl) => { path: string; offset: number } | undefined {
  const written = new Map<ConstDecl, string>();
  return (c) => {
    if (c.data.kind !== "inline") return undefined;
    const seen = written.get(c);
    if (seen) return { path: seen, offset: 0 };
    if (elementCountOf(c.data.tensor) <= above) return undefined;
    const bytes = tensorToBytes(c.data.tensor);
    const path = `${CONSTANTS_FOLDER}/${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}.bin`;
    if (!existsSync(join(dir, path))) writeFileAtomic(join(dir, path), bytes);
    written.set(c, path);
    return { path, offset: 0 };
  };
}
