// manifest.json: what a compiled folder holds, in one schema for every target, so build pipelines can use the
// artifacts without parsing code.
import { createHash } from "node:crypto";
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Abi } from "../../ir/index.js";

export const MANIFEST_FILE = "manifest.json";

/** Bumped when the schema changes incompatibly. */
export const MANIFEST_SCHEMA = 1;

export interface ManifestFile {
  name: string;
  bytes: number;
  sha256: string;
}

/** What the driver and the target say about a build; writeManifest adds the schema and the file list. */
export interface ManifestFacts {
  /** The ternc version that wrote the folder. */
  ternc: string;
  target: string;
  source: { path: string; sha256: string };
  /** The target's options as given (defaults filled in). */
  options: Record<string, unknown>;
  /** The pass pipeline, as `ternc opt --passes` takes it. */
  pipeline: string[];
  /** Notes of lossy passes: what changed numerically. Empty when the build is exact. */
  lossy: string[];
  /** Notes of approximate passes (integer-head): where the build computes otherwise than the model's exact form. */
  approximate?: string[];
  /** A model build's tokens: the vocabulary size, the special ids its tokenizer names, and the tokenizer file if any. */
  tokens?: { vocab: number; bos?: number; eos?: number; tokenizer?: string };
  abi: Abi;
  /** What the target adds (weight layouts, kernels...). */
  details: Record<string, unknown>;
  /** Top-level names a build may add to the folder (the target's `buildOutputs`): a later compile may replace them. */
  buildOutputs?: readonly string[];
}

export interface Manifest extends ManifestFacts {
  schema: number;
  files: ManifestFile[];
}

/** The sha256 of a file, read in pieces, or of a folder's regular files (names and contents, in name order). */
export function sha256Of(path: string): string {
  const h = createHash("sha256");
  const addFile = (p: string): void => {
    const fd = openSync(p, "r");
    try {
      const buf = Buffer.allocUnsafe(1 << 22);
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  };
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      const p = join(path, name);
      if (!statSync(p).isFile()) continue;
      h.update(`${name}\0`);
      addFile(p);
    }
  } else addFile(path);
  return h.digest("hex");
}

/** Writes manifest.json into `dir`, listing `files` (in that folder) with their sizes and hashes. */
export function writeManifest(dir: string, m: ManifestFacts, files: readonly string[]): Manifest {
  const manifest: Manifest = { schema: MANIFEST_SCHEMA, ...m, files: files.map((name) => ({ name, bytes: statSync(join(dir, name)).size, sha256: sha256Of(join(dir, name)) })) };
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The manifest of a folder ternc wrote, or undefined (no manifest, not JSON, not ternc's). */
export function readManifest(dir: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")) as Partial<Manifest> | null;
    return m && typeof m === "object" && typeof m.ternc === "string" && typeof m.target === "string" ? (m as Manifest) : undefined;
  } catch {
    return undefined;
  }
}

/** The vocabulary of the model build in `dir`, from its manifest. */
export function manifestVocab(dir: string): number {
  const abi = readManifest(dir)?.abi;
  if (abi?.kind !== "model") throw new Error(`internal: ${dir} is not a model build`);
  return abi.vocab;
}
