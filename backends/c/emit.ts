// The C code generator: an L2 graph (after the `c` pipeline) becomes the generated part of model.c, a straight-line
// forward function that calls the runtime's kernels on planned buffers, plus the plan of weights.bin. A model graph
// gets the token interface (ternc_model_eval); any other graph gets ternc_graph_eval over its named inputs.
import { type Abi, type ConstDecl, type Graph, type Tensor, LOGITS } from "../../ir/index.js";
import { BackendError, type BlobPlan } from "../common/index.js";
import { C_TYPE, CEmitter, cString, elemBytes, linearInT, type ValueDType } from "./emitter.js";
import { planConstants } from "./layout.js";
import { emitOp, layoutRequests } from "./ops.js";

/** What the generator produces: the generated sources and the plan of the weight blob. */
export interface CProgram {
  /** Generated declarations (sizes, layout id, tables), placed before the model struct. */
  constants: string;
  /** The generated forward function. */
  forward: string;
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
  const { blob, layouts } = planConstants(graph.consts(), layoutRequests(graph), opts.loadConst);
  const e = new CEmitter(graph, abi, blob, layouts);
  for (const node of graph.topologicalOrder()!) emitOp(e, node);
  const slots = [...new Set(e.caches.values())].sort((a, b) => a.index - b.index);
  const list = (xs: readonly (number | string)[]): string => xs.join(", ") || "0";
  const constants = [
    cComment(opts.banner),
    `#define TC_GRAPH_ABI ${abi.kind === "graph" ? 1 : 0}`,
    `#define TC_N_BUFFERS ${Math.max(e.buffers.length, 1)}`,
    `static const int64_t TC_BUFFER_PER_TOKEN[TC_N_BUFFERS] = {${list(e.buffers.map((b) => b.perToken))}};`,
    `static const int64_t TC_BUFFER_FIXED[TC_N_BUFFERS] = {${list(e.buffers.map((b) => b.fixed))}};`,
    `#define TC_N_CACHES ${Math.max(slots.length, 1)}`,
    `#define TC_HAS_CACHES ${slots.length > 0 ? 1 : 0}`,
    `static const int64_t TC_CACHE_WIDTH[TC_N_CACHES] = {${list(slots.map((c) => c.width))}};`,
    `static const int TC_CACHE_TRANSPOSED[TC_N_CACHES] = {${list(slots.map((c) => (c.transposed ? 1 : 0)))}};`,
    `#define TC_SCRATCH_PER_TOKEN ${e.scratchPerToken}`,
    `#define TC_SCRATCH_FIXED ${e.scratchFixed}`,
    `#define TC_BLOB_BYTES ${blob.totalBytes}ull`,
    `#define TC_LAYOUT_ID 0x${blob.layoutId.toString(16).padStart(8, "0")}u`,
    `#define TC_VOCAB ${abi.kind === "model" ? abi.vocab : 0}`,
    `#define TC_DEFAULT_CONTEXT ${opts.defaultContext}`,
    ...(abi.kind === "graph"
      ? [`#define TC_N_INPUTS ${abi.inputs.length}`, `#define TC_N_OUTPUTS ${abi.outputs.length}`, ioTable(e, "TC_INPUTS", abi.inputs), ioTable(e, "TC_OUTPUTS", abi.outputs)]
      : []),
    ...e.statics,
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
  return { constants: constants.join("\n"), forward: forward.join("\n"), blob, kernels: e.kernels };
}
