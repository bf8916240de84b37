// plan-memory: gives every activation a buffer by lifetime (values that are never live at the same time
// share one), and reports the peak activation memory per token and the KV cache per context length.
import { elementCount, evalDim, type Graph, type OpNode, storageBytes, type TensorType, tryModelAbi } from "../../ir/index.js";
import type { Pass, PassContext } from "./pass.js";

export interface MemoryPlan {
  /** Buffer index of each op result. */
  buffers: Map<string, number>;
  /** Size in bytes of each buffer (the largest value it holds). */
  bufferBytes: number[];
  /** Most bytes of activations live at once. */
  peakBytes: number;
  /** KV cache bytes per token of context (all layers, keys and values), in f32. */
  kvBytesPerToken: number;
}

function bytesOf(t: TensorType, bindings: ReadonlyMap<string, number>): number {
  const shape = t.shape.map((d) => evalDim(d, bindings) ?? 0);
  return storageBytes(t.dtype, elementCount(shape));
}

/** Plans buffers for the graph with its symbolic dims bound (T = tokens per step, P = cached tokens). */
export function planMemory(graph: Graph, bindings: ReadonlyMap<string, number>): MemoryPlan {
  const order = graph.topologicalOrder() ?? [];
  const lastUse = new Map<string, number>();
  order.forEach((n, i) => n.operands.forEach((v) => lastUse.set(v, i)));
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const buffers = new Map<string, number>();
  const bufferBytes: number[] = [];
  const free: number[] = [];
  let live = 0;
  let peakBytes = 0;
  const release = (v: string): void => {
    const b = buffers.get(v);
    if (b === undefined || outputs.has(v)) return;
    free.push(b);
    live -= bufferBytes[b]!;
  };
  order.forEach((n: OpNode, step) => {
    n.results.forEach((r, i) => {
      const size = bytesOf(n.resultTypes[i]!, bindings);
      // Best fit among the free buffers; a new buffer when none is large enough to reuse.
      let pick = -1;
      for (let f = 0; f < free.length; f++) if (bufferBytes[free[f]!]! >= size && (pick < 0 || bufferBytes[free[f]!]! < bufferBytes[free[pick]!]!)) pick = f;
      let b: number;
      if (pick >= 0) b = free.splice(pick, 1)[0]!;
      else {
        b = bufferBytes.length;
        bufferBytes.push(size);
      }
      buffers.set(r, b);
      live += bufferBytes[b]!;
    });
    peakBytes = Math.max(peakBytes, live);
    for (const v of new Set(n.operands)) if (lastUse.get(v) === step) release(v);
    for (const r of n.results) if (!lastUse.has(r)) release(r);
  });
  let kvBytesPerToken = 0;
  for (const c of tryModelAbi(graph)?.caches ?? []) kvBytesPerToken += storageBytes("f32", c.width);
  return { buffers, bufferBytes, peakBytes, kvBytesPerToken };
}

function run(graph: Graph, ctx: PassContext): boolean {
  const tokens = Number(ctx.options.tokens ?? 1);
  const plan = planMemory(graph, new Map([["T", tokens], ["P", 0]]));
  for (const n of graph.ops()) {
    const b = n.results.map((r) => plan.buffers.get(r));
    n.attrs["plan.buffer"] = b.length === 1 ? b[0]! : b.join(",");
  }
  const kib = (x: number): string => `${(x / 1024).toFixed(1)} KiB`;
  ctx.note(`${plan.bufferBytes.length} buffers for ${plan.buffers.size} values; peak activation memory ${kib(plan.peakBytes)} at ${tokens} token(s) per step`);
  if (plan.kvBytesPerToken) {
    ctx.note(`KV cache: ${kib(plan.kvBytesPerToken)} per token of context (f32); ${[512, 2048, 4096].map((c) => `${c}: ${(c * plan.kvBytesPerToken / (1 << 20)).toFixed(1)} MiB`).join(", ")}`);
  }
  return true;
}

export const planMemoryPass: Pass = {
  name: "plan-memory",
  exact: true,
  summary: "assign activation buffers by lifetime; report peak activation memory and KV-cache size",
  description:
    "In execution order, each op result takes the smallest free buffer that fits (a new one if none does); a buffer " +
    "is freed after the last use of its value (graph outputs keep theirs). Annotates every op with `plan.buffer` " +
    "and reports the peak of live activation bytes and the KV cache per token of context. Sizes use T tokens per step.",
  options: { tokens: "tokens per step the plan is sized for (default 1, a decode step)" },
  run,
};
