// A graph's interface as its callers see it: the model interface (tokens and positions in, logits out, KV
// caches carried from step to step) or, for any other graph, its named inputs and outputs. Derived here once;
// generation, memory planning, stats, validation and every backend read it from here.
import type { Diagnostic } from "./diagnostics.js";
import { formatDim } from "./dims.js";
import type { Graph } from "./graph.js";
import type { TensorType } from "./types.js";
import { verifyOrThrow } from "./verifier.js";

/** The input that carries token ids and the one that carries their positions, both i32[T]. */
export const TOKENS = "tokens";
export const POSITIONS = "pos";
/** The output with every new token's logits, f32[T, vocab]. */
export const LOGITS = "logits";
/** A KV cache input X is returned grown as the output `X` + NEXT_SUFFIX. */
export const NEXT_SUFFIX = ".next";

/**
 * A KV cache: an input f32[P, width] (the P tokens seen so far) that the graph returns as `next`, f32[P+T, width],
 * its rows followed by one row per new token (`next = concat(input, rows) {axis = 0}`). A caller feeds `next`
 * back as the input of the following step.
 */
export interface KvCache {
  input: string;
  next: string;
  width: number;
}

/** The interface of a model graph: one step of prefill or decode. */
export interface ModelAbi {
  kind: "model";
  vocab: number;
  caches: KvCache[];
}

/** A named value crossing the graph boundary. */
export interface AbiValue {
  name: string;
  type: TensorType;
}

/** The interface of any graph: its inputs and outputs in declaration order. */
export interface GraphAbi {
  kind: "graph";
  inputs: AbiValue[];
  outputs: AbiValue[];
}

export type Abi = ModelAbi | GraphAbi;

/** A graph that does not have the interface a caller needs; `diagnostics` name each value and problem. */
export class AbiError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join("; "));
    this.name = "AbiError";
  }
}

const isTokenVector = (t: TensorType | undefined): boolean => !!t && t.dtype === "i32" && t.shape.length === 1 && formatDim(t.shape[0]!) === "T";

/** True when the graph means to be a model (it has %tokens, %pos and %logits), whether or not it is a valid one. */
export function looksLikeModel(graph: Graph): boolean {
  const inputs = new Set(graph.inputs().map((i) => i.name));
  return inputs.has(TOKENS) && inputs.has(POSITIONS) && graph.outputs.some((o) => o.name === LOGITS);
}

/** The problems that keep `graph` from having the model interface (empty when it has it). */
export function modelAbiProblems(graph: Graph): Diagnostic[] {
  // A graph built in code has no result types until it is verified; the interface needs them.
  if (graph.outputs.some((o) => o.name === LOGITS) && !graph.typeOf(LOGITS)) verifyOrThrow(graph);
  const problems: Diagnostic[] = [];
  const inputs = new Map(graph.inputs().map((i) => [i.name, i]));
  for (const name of [TOKENS, POSITIONS]) {
    const i = inputs.get(name);
    if (!i || !isTokenVector(i.type)) problems.push({ loc: i?.loc, message: `%${name}: a model graph needs the input %${name} : i32[T]` });
  }
  const logits = graph.typeOf(LOGITS);
  if (!graph.outputs.some((o) => o.name === LOGITS) || !logits || logits.dtype !== "f32" || logits.shape.length !== 2 || typeof logits.shape[1] !== "number") {
    problems.push({ message: `%${LOGITS}: a model graph needs the output %${LOGITS} : f32[T, vocab]` });
  }
  for (const [name, i] of inputs) {
    if (name === TOKENS || name === POSITIONS) continue;
    const next = `${name}${NEXT_SUFFIX}`;
    if (!graph.outputs.some((o) => o.name === next)) {
      problems.push({ loc: i.loc, message: `%${name}: an input other than %${TOKENS} and %${POSITIONS} must be a KV cache, returned grown as %${next}` });
      continue;
    }
    if (i.type.dtype !== "f32" || i.type.shape.length !== 2 || formatDim(i.type.shape[0]!) !== "P" || typeof i.type.shape[1] !== "number") {
      problems.push({ loc: i.loc, message: `%${name}: a KV cache input must be f32[P, width]` });
      continue;
    }
    const def = graph.definition(next)?.entity;
    if (!def || def.kind !== "op" || def.op !== "concat" || def.operands[0] !== name || def.attrs.axis !== 0) {
      problems.push({ loc: def?.loc, message: `%${next}: must be concat(%${name}, new rows) {axis = 0} (a KV cache append)` });
    }
  }
  for (const o of graph.outputs) {
    const cacheOf = o.name.endsWith(NEXT_SUFFIX) ? o.name.slice(0, -NEXT_SUFFIX.length) : undefined;
    if (o.name !== LOGITS && !(cacheOf && inputs.has(cacheOf))) problems.push({ message: `%${o.name}: a model graph outputs only %${LOGITS} and its KV caches` });
  }
  return problems;
}

/** The model interface of `graph`; throws AbiError naming every problem if it has none. */
export function modelAbi(graph: Graph): ModelAbi {
  const problems = modelAbiProblems(graph);
  if (problems.length) throw new AbiError(problems);
  const caches = graph
    .inputs()
    .filter((i) => i.name !== TOKENS && i.name !== POSITIONS)
    .map((i) => ({ input: i.name, next: `${i.name}${NEXT_SUFFIX}`, width: i.type.shape[1] as number }));
  return { kind: "model", vocab: graph.typeOf(LOGITS)!.shape[1] as number, caches };
}

/** The plain interface of any graph. */
export function graphAbi(graph: Graph): GraphAbi {
  return {
    kind: "graph",
    inputs: graph.inputs().map((i) => ({ name: i.name, type: i.type })),
    outputs: graph.outputs.map((o) => ({ name: o.name, type: graph.typeOf(o.name)! })),
  };
}

/** The model interface when the graph is meant to be a model (throws if it is a broken one), else the graph's. */
export function abiOf(graph: Graph): Abi {
  return looksLikeModel(graph) ? modelAbi(graph) : graphAbi(graph);
}

/** The model interface, or undefined for a graph that does not have one. */
export function tryModelAbi(graph: Graph): ModelAbi | undefined {
  return looksLikeModel(graph) && modelAbiProblems(graph).length === 0 ? modelAbi(graph) : undefined;
}
