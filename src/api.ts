// The library API: load, check, print and run IR files, as the CLI does, for build scripts and tools.
import { type Graph, interpret, type InterpretOptions, loadTir, parseTir, printGraph, type PrintOptions, type Tensor } from "../ir/index.js";
import { irBlobReader } from "./io/blobs.js";
import { readText } from "./io/files.js";

/** Reads, parses and verifies a .tir file. Throws `IrError` (with file:line:col) or `UserError`. */
export function loadIrFile(path: string): Graph {
  return loadTir(readText(path), path);
}

/** Parses a .tir file without verifying it. */
export function parseIrFile(path: string): Graph {
  return parseTir(readText(path), path);
}

/** Normalized text of a .tir file (verified, types filled in, ops in topological order). */
export function printIrFile(path: string, options: PrintOptions = {}): string {
  return printGraph(loadIrFile(path), options);
}

/**
 * Runs a .tir file in the interpreter; `blob<...>` constants are read relative to the file's folder, and only from it
 * or from the folders in `allowBlobPath`.
 */
export function runIrFile(path: string, inputs: Record<string, Tensor>, options: Omit<InterpretOptions, "blobs"> & { allowBlobPath?: readonly string[] } = {}): Record<string, Tensor> {
  const { allowBlobPath, ...interpretOptions } = options;
  const graph = loadIrFile(path);
  return interpret(graph, inputs, { ...interpretOptions, blobs: irBlobReader(path, allowBlobPath) });
}
