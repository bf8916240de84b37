// `ternc import`: a model file to a .tir graph plus a side blob holding every weight, streamed tensor
// by tensor (and large tensors in pieces) so memory stays bounded whatever the model's size.
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { clearStaleTemps, tempPathFor } from "../backends/common/index.js";
import { type ConstDecl, type Graph, printGraph, tensorToBytes } from "../ir/index.js";
import { UserError } from "./errors.js";
import { writeFileAtomic } from "./io/files.js";

/** The blob names `writeGraphWithBlob` gives beside `<stem>.tir`: `<stem>.<16 hex digits of its SHA-256>.bin`. */
function blobNamePattern(stem: string): RegExp {
  return new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.[0-9a-f]{16}\\.bin$`);
}

/**
 * Moves every constant into a blob beside `tirPath` and writes the IR there. The blob is named by its content
 * (`model.<hash>.bin`), so writing the pair is one atomic step: the new blob takes a name the old IR does not use,
 * and only the rename of the IR switches from the old pair to the new one. A kill at any point leaves the old pair
 * working (and at worst an unused blob, removed by a later write). Blobs of earlier writes are removed afterwards,
 * once they are over a minute old (a concurrent write of the same .tir may be about to name a younger one).
 */
export function writeGraphWithBlob(graph: Graph, tirPath: string, onProgress?: (constants: number, total: number, bytes: number) => void): { blobPath: string; bytes: number; constants: number } {
  const dir = dirname(tirPath);
  const stem = basename(tirPath).replace(/\.tir$/, "");
  // Written under a fixed staging name, renamed once its hash is known.
  const staging = join(dir, `${stem}.bin`);
  const tmp = tempPathFor(staging);
  let fd: number;
  try {
    mkdirSync(dir, { recursive: true });
    clearStaleTemps(staging);
    fd = openSync(tmp, "w");
  } catch (e) {
    throw new UserError(`cannot write '${tmp}': ${(e as Error).message}`);
  }
  const hash = createHash("sha256");
  let offset = 0;
  const placed: Array<{ decl: ConstDecl; offset: number }> = [];
  const consts = graph.consts();
  try {
    for (const c of consts) {
      const start = offset;
      const write = (b: Uint8Array): void => {
        writeSync(fd, b);
        hash.update(b);
        offset += b.length;
      };
      if (c.data.kind === "lazy") {
        if (c.data.chunks) for (const piece of c.data.chunks()) write(piece);
        else write(tensorToBytes(c.data.load()));
      } else if (c.data.kind === "inline") {
        write(tensorToBytes(c.data.tensor));
      } else {
        throw new UserError(`constant %${c.name} already refers to blob '${c.data.path}'`);
      }
      // Keep every constant 64-byte aligned, so a backend can map the blob and use it in place.
      const pad = (64 - (offset % 64)) % 64;
      if (pad) write(new Uint8Array(pad));
      placed.push({ decl: c, offset: start });
      onProgress?.(placed.length, consts.length, offset);
    }
    closeSync(fd);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  }
  const blobName = `${stem}.${hash.digest("hex").slice(0, 16)}.bin`;
  const blobPath = join(dir, blobName);
  renameSync(tmp, blobPath);
  for (const p of placed) p.decl.data = { kind: "external", path: blobName, offset: p.offset };
  writeFileAtomic(tirPath, printGraph(graph));
  // Earlier blobs of this .tir go, but not one a minute old or younger: another import of the same .tir running now
  // may have just written it and be about to rename its .tir (a blob left behind by a killed run is older by then).
  const pattern = blobNamePattern(stem);
  const recent = Date.now() - 60_000;
  for (const name of readdirSync(dir)) {
    if (name === blobName || !pattern.test(name)) continue;
    try {
      if (statSync(join(dir, name)).mtimeMs < recent) rmSync(join(dir, name), { force: true });
    } catch {
      // Removed by another run meanwhile.
    }
  }
  return { blobPath, bytes: offset, constants: placed.length };
}
