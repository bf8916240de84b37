// `ternc import`: a model file to a .tir graph plus a side blob holding every weight, streamed tensor
// by tensor (and large tensors in pieces) so memory stays bounded whatever the model's size.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname } from "node:path";
import { type Graph, printGraph, tensorToBytes } from "../ir/index.js";
import { UserError } from "./errors.js";
import { writeFileAtomic } from "./io/files.js";

/** The weight blob written beside an IR file: `model.tir` -> `model.bin`. */
export function blobPathFor(tirPath: string): string {
  return `${tirPath.replace(/\.tir$/, "")}.bin`;
}

/** Moves every constant into `blobPath` (named in the IR by its base name) and writes the IR to `tirPath`. */
export function writeGraphWithBlob(graph: Graph, tirPath: string, blobPath: string): { bytes: number; constants: number } {
  const tmp = `${blobPath}.tmp-${process.pid}`;
  let fd: number;
  try {
    mkdirSync(dirname(blobPath), { recursive: true });
    fd = openSync(tmp, "w");
  } catch (e) {
    throw new UserError(`cannot write '${blobPath}': ${(e as Error).message}`);
  }
  let offset = 0;
  let constants = 0;
  try {
    for (const c of graph.consts()) {
      const start = offset;
      const write = (b: Uint8Array): void => {
        writeSync(fd, b);
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
      c.data = { kind: "external", path: basename(blobPath), offset: start };
      constants++;
    }
    closeSync(fd);
    renameSync(tmp, blobPath);
    writeFileAtomic(tirPath, printGraph(graph));
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  }
  return { bytes: offset, constants };
}
