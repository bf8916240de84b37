// The C code generator: an L2 graph (after the `c` pipeline) becomes the generated part of model.c, a straight-line
// forward function that calls the runtime's kernels on planned buffers, plus the plan of weights.bin. A model graph
// gets the token interface (ternc_model_eval); any other graph gets ternc_graph_eval over its named inputs.
import { type Abi, type ConstDecl, type Graph, type OpNode, type Tensor, LOGITS } from "../../ir/index.js";
import { BackendError, type BlobPlan, linearInT, type SpecialTokens } from "../common/index.js";
import { C_TYPE, CEmitter, cString, elemBytes, type OfferMode, type ValueDType } from "./emitter.js";
import { planConstants } from "./layout.js";
import { emitOp, layoutRequests } from "./ops.js";

/** What the generator produces: the generated sources and the plan of the weight blob. */
export interface CProgram {
  /** model.c: the generated tables, the forward function and the model's description for the runtime (tc_desc). */
  source: string;
  blob: BlobPlan;
  /** Kernel chosen for each ternary product, by result name. */
  kernels: Record<string, string>;
}

export interface CGenerateOptions {
  abi: Abi;
  loadConst: (c: ConstDecl) => Tensor;
  /** A comment line for the top of model.c. */
  banner: string;
  defaultContext: number;
  specialTokens?: SpecialTokens;
  /**
   * Which ops the forward function offers to the model's op hook (ternc_model_set_op_hook): `optional` ones keep their
   * kernel for when the hook declines; `required` ones have none (the hook must compute them), and the weights only
   * they read are left out of the blob.
   */
  offer?: (node: OpNode) => OfferMode | undefined;
}

/** A C comment that stays one comment whatever the text holds. */
export function cComment(text: string): string {
  return `/* ${text.replace(/\*\//g, "* /").replace(/[\r\n]+/g, " ")} */`;
}

/** The graph's inputs or outputs as the runtime's ternc_io table (dim d = shape[d] + per_t[d] * T). */
function ioTable(e: CEmitter, name: string, values: ReadonlyArray<{ name: string; type: { dtype: string; shape: readonly unknown[] } }>): string {
  const rows = values.map((v) => {
    const t = e.type(v.name);
    if (t.shape.length > 8) throw new BackendError(`%${v.name}`, "the C runtime takes graph inputs and outputs of rank 8 at most");
    const dims = t.shape.map((d) => linearInT(d) ?? badDim(v.name));
    return `{${cString(v.name)}, TERNC_${t.dtype.toUpperCase()}, ${t.shape.length}, {${dims.map((d) => d.b).join(", ") || "0"}}, {${dims.map((d) => d.a).join(", ") || "0"}}}`;
  });
  return `static const ternc_io ${name}[${Math.max(rows.length, 1)}] = {${rows.join(", ") || "{0}"}};`;
}

function badDim(name: string): never {
  throw new BackendError(`%${name}`, "a graph input or output may only have dims of the form a * T + b");
}

/** Compiles a verified, legal L2 graph with planned buffers to the generated part of model.c. */
export function generateC(graph: Graph, opts: CGenerateOptions): CProgram {
  const { abi } = opts;
  const offer = opts.offer ?? (() => undefined);
  const computed = (node: OpNode): boolean => offer(node) !== "required";
  // A constant only hook-computed ops read has no kernel to read it: the blob leaves it out.
  const kernelRead = new Set(graph.ops().filter(computed).flatMap((n) => n.operands));
  const hookOnly = new Set(graph.ops().filter((n) => !computed(n)).flatMap((n) => n.operands).filter((v) => !kernelRead.has(v)));
  const placed = graph.consts().filter((c) => !hookOnly.has(c.name));
  const { blob, layouts } = planConstants(placed, layoutRequests(graph, computed), opts.loadConst);
  const e = new CEmitter(graph, abi, blob, layouts, offer);
  for (const node of graph.topologicalOrder()!) emitOp(e, node);
  const slots = [...new Set(e.caches.values())].sort((a, b) => a.index - b.index);
  const list = (xs: readonly (number | string)[]): string => xs.join(", ") || "0";
  const array = (ctype: string, name: string, xs: readonly (number | string)[]): string => `static const ${ctype} ${name}[${Math.max(xs.length, 1)}] = {${list(xs)}};`;
  const constants = [
    cComment(opts.banner),
    '#include "ternc_runtime.h"',
    "",
    array("int64_t", "tc_buffer_per_token", e.buffers.map((b) => b.perToken)),
    array("int64_t", "tc_buffer_fixed", e.buffers.map((b) => b.fixed)),
    array("int64_t", "tc_cache_width", slots.map((c) => c.width)),
    array("int", "tc_cache_transposed", slots.map((c) => (c.transposed ? 1 : 0))),
    ...(abi.kind === "graph" ? [ioTable(e, "tc_inputs", abi.inputs), ioTable(e, "tc_outputs", abi.outputs)] : []),
    ...e.statics,
    `static const char *const tc_op_kinds[${Math.max(e.opKinds.length, 1)}] = {${e.opKinds.map((k) => JSON.stringify(k)).join(", ") || "0"}};`,
    "",
  ];
  const desc = [
    "const tc_model_desc tc_desc = {",
    `  .graph_abi = ${abi.kind === "graph" ? 1 : 0},`,
    `  .vocab = ${abi.kind === "model" ? abi.vocab : 0},`,
    `  .bos_id = ${opts.specialTokens?.bos ?? -1},`,
    `  .eos_id = ${opts.specialTokens?.eos ?? -1},`,
    `  .default_context = ${opts.defaultContext},`,
    `  .blob_bytes = ${blob.totalBytes}ull,`,
    `  .layout_id = 0x${blob.layoutId.toString(16).padStart(8, "0")}u,`,
    `  .n_buffers = ${e.buffers.length},`,
    "  .buffer_per_token = tc_buffer_per_token,",
    "  .buffer_fixed = tc_buffer_fixed,",
    `  .n_caches = ${slots.length},`,
    "  .cache_width = tc_cache_width,",
    "  .cache_transposed = tc_cache_transposed,",
    `  .scratch_per_token = ${e.scratchPerToken},`,
    `  .scratch_fixed = ${e.scratchFixed},`,
    `  .n_op_kinds = ${e.opKinds.length},`,
    "  .op_kinds = tc_op_kinds,",
    ...(abi.kind === "graph"
      ? [`  .n_inputs = ${abi.inputs.length},`, `  .n_outputs = ${abi.outputs.length},`, "  .inputs = tc_inputs,", "  .outputs = tc_outputs,", "  .forward_graph = tc_forward_graph,"]
      : ["  .forward = tc_forward,"]),
    "};",
    "",
  ];
  const forward =
    abi.kind === "model"
      ? [
          "static int tc_forward(ternc_model *m, const int32_t *tokens, int64_t T) {",
          "  const int64_t P = m->n_past;",
          "  const uint8_t *const W = m->blob;",
          "  int32_t *const pos = m->pos;",
          "  TC_UNUSED(W);",
          "  for (int64_t i = 0; i < T; i++) pos[i] = (int32_t)(P + i);",
          ...e.lines,
          `  m->logits = ${e.ref(LOGITS, "float")};`,
          "  return 0;",
          "}",
          "",
        ]
      : [
          "static int tc_forward_graph(ternc_model *m, int64_t T, void *const *in, void *const *out) {",
          "  const int64_t P = 0;",
          "  const uint8_t *const W = m->blob;",
          "  TC_UNUSED(W);",
          "  TC_UNUSED(P);",
          "  TC_UNUSED(in);",
          ...e.lines,
          ...abi.outputs.map((o, i) => {
            const t = e.type(o.name);
            return `  memcpy(out[${i}], ${e.ref(o.name, C_TYPE[t.dtype as ValueDType])}, (size_t)(${e.count(t.shape, `%${o.name}`)}) * ${elemBytes(t.dtype)});`;
          }),
          "  return 0;",
          "}",
          "",
        ];
  return { source: [...constants, ...forward, ...desc].join("\n"), blob, kernels: e.kernels };
}
