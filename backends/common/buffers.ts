// What plan-memory and the model interface tell every backend about storage: which planned buffer holds each
// result, how large each buffer must be for a batch of T tokens, and which values are KV caches (kept by the
// runtime for the whole context, appended to in place instead of copied).
import { type Abi, type Dim, formatDim, type Graph, type OpNode, storageBytes, type DType, type TensorType } from "../../ir/index.js";
import { BackendError } from "./errors.js";

/** How large a buffer must be: perToken * T + fixed bytes. */
export interface BufferSize {
  perToken: number;
  fixed: number;
}

/** The buffer plan-memory gave result i of `node`. */
export function bufferOf(node: OpNode, i: number): number {
  const plan = node.attrs["plan.buffer"];
  const ids = typeof plan === "number" ? [plan] : typeof plan === "string" ? plan.split(",").map(Number) : [];
  const b = ids[i];
  if (b === undefined || !Number.isInteger(b) || b < 0) throw new BackendError(`%${node.results[i]}`, "has no buffer assignment (run plan-memory last)");
  return b;
}

/** A dim as a * T + b, or undefined if it has another symbol (or none: then a = 0). */
export function linearInT(d: Dim): { a: number; b: number } | undefined {
  if (typeof d === "number") return { a: 0, b: d };
  if (d.terms.some(([s]) => s !== "T")) return undefined;
  return { a: d.terms[0]?.[1] ?? 0, b: d.constant };
}

/** Bytes of a value as perToken * T + fixed, its elements `elemBytes` wide (default: the dtype's own size). */
export function valueBytes(t: TensorType, where: string, elemBytes = storageBytes(t.dtype as DType, 1)): BufferSize {
  let symbolic = 0;
  let perToken = 0;
  let fixed = elemBytes;
  for (const d of t.shape) {
    const lin = linearInT(d);
    if (!lin || (lin.a !== 0 && ++symbolic > 1)) throw new BackendError(where, `a value of shape [${t.shape.map(formatDim).join(", ")}] cannot live in a planned buffer (one dim at most may depend on T, as a * T + b)`);
    perToken = perToken * lin.b + fixed * lin.a;
    fixed *= lin.b;
  }
  return { perToken, fixed };
}

/** A KV cache of a model: slot `index`, its input and appended value, row width, and whether attention reads it as keys. */
export interface CacheSlot {
  index: number;
  input: string;
  next: string;
  width: number;
  keys: boolean;
}

/**
 * The model's KV caches by input and by appended value. A cache input may only feed its append, and the appended
 * value may only be read by attention as its keys or its values: that is what lets a runtime keep it in place.
 */
export function cacheSlots(graph: Graph, abi: Abi): Map<string, CacheSlot> {
  const slots = new Map<string, CacheSlot>();
  if (abi.kind !== "model") return slots;
  abi.caches.forEach((c, index) => {
    if (graph.users(c.input).length !== 1) throw new BackendError(`%${c.input}`, "a KV cache input may only feed its append");
    let keys = false;
    for (const u of graph.users(c.next)) {
      const slot = u.operands.indexOf(c.next);
      if (u.op !== "attention" || slot === 0 || u.operands.lastIndexOf(c.next) !== slot) throw new BackendError(`%${c.next}`, "a KV cache may only be read as the keys or values of attention");
      if (slot === 1) keys = true;
    }
    const info: CacheSlot = { index, input: c.input, next: c.next, width: c.width, keys };
    slots.set(c.input, info);
    slots.set(c.next, info);
  });
  return slots;
}

/**
 * The size of every planned buffer: the largest value it holds, each rounded up to `align` bytes (per token and
 * fixed). Cache appends write into their cache, not a buffer. A buffer id no value uses still gets `align` bytes.
 */
export function planBufferSizes(graph: Graph, caches: ReadonlyMap<string, CacheSlot>, align: number, elemBytes?: (t: TensorType) => number): BufferSize[] {
  const sizes: BufferSize[] = [];
  for (const node of graph.topologicalOrder()!) {
    node.results.forEach((r, i) => {
      if (caches.has(r)) return;
      const t = node.resultTypes[i]!;
      const terms = valueBytes(t, `%${r}`, elemBytes?.(t));
      const cur = (sizes[bufferOf(node, i)] ??= { perToken: 0, fixed: 0 });
      cur.perToken = Math.max(cur.perToken, Math.ceil(terms.perToken / align) * align);
      cur.fixed = Math.max(cur.fixed, terms.fixed + align);
    });
  }
  for (let i = 0; i < sizes.length; i++) sizes[i] ??= { perToken: 0, fixed: align };
  return sizes;
}
