// Entry points of the textual IR: parse (+ verify) and print.
import type { Graph } from "../graph.js";
import { verifyOrThrow } from "../verifier.js";
import { buildGraph } from "./builder.js";
import { parseTirAst } from "./parser.js";

export { printGraph, type PrintOptions } from "./printer.js";

/** Parses .tir text into a graph without verifying it (syntax and literal errors throw `IrError`). */
export function parseTir(text: string, file?: string): Graph {
  return buildGraph(parseTirAst(text, file), file);
}

/** Parses and verifies .tir text; the graph's result types are inferred. Throws `IrError` with every problem. */
export function loadTir(text: string, file?: string): Graph {
  const graph = parseTir(text, file);
  verifyOrThrow(graph, file);
  return graph;
}
