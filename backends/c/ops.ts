// The C target's op table: for each op it compiles, the layouts its kernel reads its constants in, and the code
// that calls the kernel. Operands are read by the names the op registry gives them.
import { BLOCK_QUANT, type BlockQuantDType, elementCount, formatDim, getOp, type Graph, lutEntries, type OpNode, type PackedFormat, type TensorType, withDefaults } from "../../ir/index.js";
import { BackendError, broadcastIndices, elementwiseStatements, type OpRule, operandsOf } from "../common/index.js";
import { addSubScratchBytes, cFloat, headScratchPerToken, packedScratchPerToken } from "./config.js";
import { cString, type CEmitter, C_TYPE, elemBytes, FMAT_TYPE, type ValueDType } from "./emitter.js";
import type { LayoutRequest } from "./layout.js";

type Attrs = Record<string, unknown>;

interface COp {
  rule?: OpRule;
  /** Layouts the kernel reads constant operands in, by operand name. */
  layouts?(node: OpNode, graph: Graph, a: Attrs): Record<string, LayoutRequest>;
  emit(e: CEmitter, node: OpNode, ops: Readonly<Record<string, string>>, a: Attrs, where: string): void;
}

const isConst = (graph: Graph, v: string | undefined): boolean => v !== undefined && graph.definition(v)?.entity.kind === "const";
const constOperand =
  (name: string, what: string): OpRule["check"] =>
  (node, graph) =>
    isConst(graph, operandsOf(node)[name]) ? undefined : `the ${what} (operand '${name}') must be a constant`;
const floatMatrix = (name: string): OpRule["check"] => (node, graph) => {
  const v = operandsOf(node)[name]!;
  const problem = constOperand(name, "weight")!(node, graph);
  if (problem) return problem;
  const dtype = graph.typeOf(v)!.dtype;
  return FMAT_TYPE[dtype] ? undefined : `a ${dtype} weight is not supported by the C kernel (f32, f16, bf16, q8_0, q6_k)`;
};

/**
 * Elementwise code: one loop over the result, operands broadcast (backends/common/elementwise.ts), in a task of its own
 * that the thread pool splits by ranges of elements (an op narrower than TC_EW_GRAIN runs on the calling thread).
 */
function emitElementwise(e: CEmitter, node: OpNode, expr: string, where: string): void {
  const outT = node.resultTypes[0]!;
  const outDims = outT.shape.map((d) => e.dim(d, where));
  const { index, coords } = broadcastIndices(
    outDims,
    node.operands.map((o) => e.type(o).shape.map((d) => e.dim(d, where))),
    { el: "el", one: "1", zero: "0" },
  );
  const { lines, result } = elementwiseStatements(expr, node.operands.length, { load: (v, i) => `float ${v} = in${i}[${index[i]}];`, unary: (op, v) => `${UNARY_C[op]!}(${v})` });
  const body: string[] = [];
  if (coords) {
    // The result's coordinates of element el, last dim fastest.
    body.push("    int64_t rest = el;");
    for (let k = outDims.length - 1; k >= 0; k--) body.push(`    const int64_t c${k} = rest % (${outDims[k]}); rest /= (${outDims[k]});`, `    TC_UNUSED(c${k});`);
    body.push("    TC_UNUSED(rest);");
  }
  const task = e.addDefinition("tc_elementwise", (name) => [
    `static void ${name}(void *ctxp, int64_t tc_b, int64_t tc_e, int thread) {`,
    "  const tc_ew_ctx *c = (const tc_ew_ctx *)ctxp;",
    "  const int64_t T = c->T, P = c->P;",
    "  TC_UNUSED(thread);",
    "  TC_UNUSED(T);",
    "  TC_UNUSED(P);",
    ...node.operands.map((_, i) => `  const float *in${i} = c->in[${i}];`),
    "  float *yo = c->y;",
    "  for (int64_t el = tc_b; el < tc_e; el++) {",
    ...body,
    ...lines.map((l) => `    ${l}`),
    `    yo[el] = ${result};`,
    "  }",
    "}",
  ]);
  e.emit("{", `  const float *tc_ins[${node.operands.length}] = {${node.operands.map((o) => e.ref(o, "float")).join(", ")}};`);
  e.emit(`  tc_ew_ctx tc_c = {tc_ins, ${e.ref(node.results[0]!, "float")}, T, P};`, `  tc_parallel(m->pool, ${e.count(outT.shape, where)}, TC_EW_GRAIN, ${task}, &tc_c);`, "}");
}

/** The runtime functions of the unary steps of an elementwise program. */
const UNARY_C: Record<string, string> = { silu: "tc_silu", relu2: "tc_relu2" };

const elementwise = (expr: (node: OpNode, a: Attrs) => string): COp => ({
  rule: { note: "one loop, f32", check: (node, graph) => (node.operands.every((o) => graph.typeOf(o)?.dtype === "f32") ? undefined : "operands must be f32") },
  emit: (e, node, _ops, a, where) => emitElementwise(e, node, expr(node, a), where),
});

export const C_OPS: Readonly<Record<string, COp>> = {
  embedding: {
    // No layout of its own: the table is read as stored, or in the layout of the head that shares it.
    rule: { note: "row gather from an f32/f16/bf16/q8_0/q6_k table", check: floatMatrix("table") },
    emit(e, node, { table, ids }, _a, where) {
      const decl = e.constant(table!, node);
      const out = node.results[0]!;
      e.emit("{", `  const tc_fmat tab = ${e.fmat(decl)};`);
      e.emit(`  int64_t bad = tc_embedding(&tab, ${e.ref(ids!, "int32_t")}, ${e.count(e.type(ids!).shape, where)}, ${e.ref(out, "float")});`);
      e.emit(`  if (bad) return tc_fail(m, TERNC_ERR_INPUT, "token %ld is %ld, outside the vocabulary of ${decl.type.shape[0] as number}", (long)(bad - 1), (long)${e.ref(ids!, "int32_t")}[bad - 1]);`, "}");
    },
  },
  rmsnorm: {
    emit(e, node, { x, g }, a, where) {
      const [rows, d] = e.rowsAndWidth(x!, where);
      e.emit(`tc_rmsnorm(m->pool, ${e.ref(x!, "float")}, ${e.ref(g!, "float")}, ${rows}, ${d}, ${cFloat(a.eps as number)}, ${e.ref(node.results[0]!, "float")});`);
    },
  },
  softmax: {
    emit(e, node, { x }, _a, where) {
      const [rows, d] = e.rowsAndWidth(x!, where);
      e.emit("{", `  float *v = ${e.ref(node.results[0]!, "float")};`, `  if (v != ${e.ref(x!, "float")}) memcpy(v, ${e.ref(x!, "float")}, (size_t)(${rows} * ${d}) * sizeof(float));`);
      e.emit(`  for (int64_t r = 0; r < ${rows}; r++) tc_softmax_row(v + r * ${d}, ${d});`, "}");
    },
  },
  act_quant: {
    emit(e, node, { x }, _a, where) {
      const [rows, k] = e.rowsAndWidth(x!, where);
      e.emit(`tc_act_quant(m->pool, ${e.ref(x!, "float")}, ${rows}, ${k}, ${e.ref(node.results[0]!, "int8_t")}, ${e.ref(node.results[1]!, "float")});`);
    },
  },
  act_quant_fixed: {
    emit(e, node, { x }, a, where) {
      const [rows, k] = e.rowsAndWidth(x!, where);
      e.scratch(0, 4 * k);
      e.emit(`tc_act_quant_fixed(${e.ref(x!, "float")}, ${rows}, ${k}, ${a.bits as number}, ${e.ref(node.results[0]!, "int8_t")}, ${e.ref(node.results[1]!, "float")}, (int32_t *)m->scratch);`);
    },
  },
  ternary_matmul_packed: {
    rule: { note: "packed 2-bit (i2) or base-3 (tq1) blocks; AVX-512 VNNI, AVX2, NEON or portable", check: constOperand("w", "weight") },
    layouts: (node, graph, a) => ({ w: { layout: a.format as PackedFormat, arg: graph.typeOf(operandsOf(node).x!)!.shape[1] as number } }),
    emit(e, node, { x, w }, a, where) {
      const format = a.format as PackedFormat;
      const xt = e.type(x!);
      const k = xt.shape[1] as number;
      const n = e.type(w!).shape[0] as number;
      const group = (a.group as number | undefined) ?? 0;
      const out = node.results[0]!;
      const fmt = format === "i2" ? "TC_I2" : "TC_TQ1";
      e.kernels[out] = format;
      if (xt.dtype === "i8") {
        e.scratch(packedScratchPerToken(format, k, group), 0);
        e.emit(`tc_ternary_packed(m->pool, ${e.ref(x!, "int8_t")}, ${e.dim(xt.shape[0]!, where)}, ${k}, ${e.ref(w!, "uint8_t")}, ${n}, ${fmt}, ${group}, ${e.ref(out, "int32_t")}, m->scratch);`);
      } else {
        e.emit(`tc_ternary_packed_f32(${e.ref(x!, "float")}, ${e.dim(xt.shape[0]!, where)}, ${k}, ${e.ref(w!, "uint8_t")}, ${n}, ${fmt}, ${group}, ${e.ref(out, "float")});`);
      }
    },
  },
  lut_build: {
    emit(e, node, { x }, a, where) {
      const xt = e.type(x!);
      e.emit(`tc_lut_build(${e.ref(x!, "int8_t")}, ${e.dim(xt.shape[0]!, where)}, ${xt.shape[1] as number}, ${a.group as number}, ${e.ref(node.results[0]!, "int32_t")});`);
    },
  },
  lut_matmul: {
    rule: { note: "int16 weight patterns looked up in tables of partial sums", check: constOperand("w", "weight") },
    layouts: (_node, _graph, a) => ({ w: { layout: "lut", arg: a.group as number } }),
    emit(e, node, { table, w }, a, where) {
      const tt = e.type(table!);
      const out = node.results[0]!;
      e.kernels[out] = `lut${a.group as number}`;
      e.emit(`tc_lut_matmul(m->pool, ${e.ref(table!, "int32_t")}, ${e.dim(tt.shape[0]!, where)}, ${tt.shape[1] as number}, ${lutEntries(a.group as number)}, ${e.ref(w!, "int16_t")}, ${e.type(w!).shape[0] as number}, ${e.ref(out, "int32_t")});`);
    },
  },
  addsub_network: {
    emit(e, node, { x, program, outputs }, _a, where) {
      const xt = e.type(x!);
      const k = xt.shape[1] as number;
      const steps = e.type(program!).shape[0] as number;
      const out = node.results[0]!;
      e.kernels[out] = "addsub";
      e.scratch(0, addSubScratchBytes(k, steps));
      e.emit(`tc_addsub_network(${e.ref(x!, "int8_t")}, ${e.dim(xt.shape[0]!, where)}, ${k}, ${e.ref(program!, "int32_t")}, ${steps}, ${e.ref(outputs!, "int32_t")}, ${e.type(outputs!).shape[0] as number}, ${e.ref(out, "int32_t")}, (int32_t *)m->scratch);`);
    },
  },
  dequant: {
    emit(e, node, { acc, ws, xs }, a, where) {
      const at = e.type(acc!);
      const n = at.shape[1] as number;
      const groups = at.shape.length === 3 ? (at.shape[2] as number) : 1;
      const wsLen = elementCount(e.type(ws!).shape as number[]);
      const accArgs = at.dtype === "i32" ? `${e.ref(acc!, "int32_t")}, NULL` : `NULL, ${e.ref(acc!, "float")}`;
      e.emit(`tc_dequant(m->pool, ${accArgs}, ${e.ref(ws!, "float")}, ${wsLen}, ${xs ? e.ref(xs, "float") : "NULL"}, ${e.dim(at.shape[0]!, where)}, ${n}, ${groups}, ${a.fused === true ? 1 : 0}, ${e.ref(node.results[0]!, "float")});`);
    },
  },
  dequant_fixed: {
    emit(e, node, { acc, mult, shift, xs }, a, where) {
      const at = e.type(acc!);
      const len = (v: string): number => elementCount(e.type(v).shape as number[]);
      e.emit(`tc_dequant_fixed(${e.ref(acc!, "int32_t")}, ${e.ref(mult!, "int32_t")}, ${len(mult!)}, ${e.ref(shift!, "int32_t")}, ${len(shift!)}, ${e.ref(xs!, "float")}, ${e.dim(at.shape[0]!, where)}, ${at.shape[1] as number}, ${a.frac_bits as number}, ${e.ref(node.results[0]!, "float")});`);
    },
  },
  slice: {
    emit(e, node, { x }, a, where) {
      const t = e.type(x!);
      const axis = a.axis as number;
      const eb = elemBytes(t.dtype);
      e.emit(`tc_copy_ranges(${e.ref(x!, "uint8_t")}, ${e.ref(node.results[0]!, "uint8_t")}, ${e.count(t.shape.slice(0, axis), where)}, ${(t.shape[axis] as number) * eb}, ${(a.start as number) * eb}, ${(a.size as number) * eb}, ${e.count(t.shape.slice(axis + 1), where)});`);
    },
  },
  concat: {
    emit(e, node, { lhs, rhs }, a, where) {
      const out = node.results[0]!;
      const cache = e.caches.get(out);
      if (cache) {
        e.emit(`if (tc_cache_append(m, ${cache.index}, ${e.ref(rhs!, "float")}, P, T)) return tc_fail(m, TERNC_ERR_CONTEXT, "the context of %d tokens is full", (int)m->n_ctx);`);
        return;
      }
      const ta = e.type(lhs!);
      const tb = e.type(rhs!);
      const axis = a.axis as number;
      const eb = elemBytes(ta.dtype);
      const inner = (t: TensorType): string => `${e.count(t.shape.slice(axis), where)} * ${eb}`;
      e.emit(`tc_concat(${e.ref(lhs!, "uint8_t")}, ${e.ref(rhs!, "uint8_t")}, ${e.ref(out, "uint8_t")}, ${e.count(ta.shape.slice(0, axis), where)}, ${inner(ta)}, ${inner(tb)});`);
    },
  },
  rope: {
    emit(e, node, { x, pos }, a, where) {
      const [rows, width] = e.rowsAndWidth(x!, where);
      const hd = a.head_dim as number;
      const rot = (a.rot_dims as number | undefined) ?? hd;
      const inv = Array.from({ length: rot / 2 }, (_, i) => cFloat(Math.pow(a.base as number, -(2 * i) / rot)));
      const table = e.addStatic("float", "tc_rope_inv", inv);
      e.emit(`tc_rope(m->pool, ${e.ref(x!, "float")}, ${e.ref(pos!, "int32_t")}, ${rows}, ${width}, ${hd}, ${rot}, ${a.style === "neox" ? 1 : 0}, ${table}, ${e.ref(node.results[0]!, "float")});`);
    },
  },
  attention: {
    rule: { note: "causal, grouped-query; keys of a KV cache stored transposed" },
    emit(e, node, { q, k, v }, a, where) {
      const hd = a.head_dim as number;
      const scale = (a.scale as number | undefined) ?? Math.fround(1 / Math.sqrt(hd));
      const kc = e.caches.get(k!);
      const vc = e.caches.get(v!);
      const qRows = e.dim(e.type(q!).shape[0]!, where);
      const s = e.dim(e.type(k!).shape[0]!, where);
      e.emit("{");
      if (kc) e.emit(`  const float *kt = m->cache[${kc.index}];`, "  const int64_t cap = m->n_ctx;");
      else {
        // Keys not in a cache are transposed once so the scores of consecutive keys are independent lanes.
        e.scratch(4 * (e.type(k!).shape[1] as number), 0);
        e.emit("  float *kt = (float *)m->scratch;", `  const int64_t cap = ${s};`, `  tc_transpose(${e.ref(k!, "float")}, ${s}, ${(a.kv_heads as number) * hd}, kt);`);
      }
      e.emit(`  const float *vr = ${vc ? `m->cache[${vc.index}]` : e.ref(v!, "float")};`);
      e.emit(`  tc_attn_ctx c = {${e.ref(q!, "float")}, kt, vr, ${e.ref(node.results[0]!, "float")}, m->attn_scratch, ${qRows}, ${s}, cap, ${a.heads as number}, ${a.kv_heads as number}, ${hd}, ${cFloat(scale)}};`);
      e.emit(`  tc_parallel(m->pool, ${qRows} * ${a.heads as number}, 1, tc_attention_task, &c);`, "}");
    },
  },
  matmul: {
    rule: { note: "float or block-quantized weight, 8 (16) rows interleaved; sums in index order", check: floatMatrix("w") },
    layouts: () => ({ w: { layout: "interleaved" } }),
    emit: (e, node, { x, w }, _a, where) => emitHead(e, node, x!, w!, where, "tc_matmul(m->pool, %x, %T, &wm, %y)"),
  },
  matmul_q8: {
    rule: { note: "q8_0/q6_k blocks as stored, int8 input per block, integer dot products (AVX2, portable)", check: constOperand("w", "weight") },
    emit(e, node, { x, w }, _a, where) {
      const { dtype, shape } = e.type(w!);
      const k = shape[1] as number;
      e.scratch(headScratchPerToken(k, BLOCK_QUANT[dtype as BlockQuantDType].block), 0);
      emitHead(e, node, x!, w!, where, "tc_matmul_q8(m->pool, %x, %T, &wm, %y, m->scratch)");
    },
  },
  add: elementwise(() => "$0 $1 add"),
  mul: elementwise(() => "$0 $1 mul"),
  silu: elementwise(() => "$0 silu"),
  relu2: elementwise(() => "$0 relu2"),
  elementwise: elementwise((_n, a) => a.expr as string),
};

/**
 * The LM head's call (`call` with %x, %T, %y for the input, its rows and the result; the weight is `wm`). A model's
 * earlier logits are only needed on request: decode and prefill compute the last row.
 */
function emitHead(e: CEmitter, node: OpNode, x: string, w: string, where: string, call: string): void {
  const decl = e.constant(w, node);
  const [rows, k] = e.rowsAndWidth(x, where);
  const n = decl.type.shape[0] as number;
  const out = node.results[0]!;
  const first = e.abi.kind === "model" && out === "logits" ? `(m->all_logits ? 0 : ${rows} - 1)` : "0";
  e.emit("{", `  const tc_fmat wm = ${e.fmat(decl)};`, `  const int64_t r0 = ${first};`);
  e.emit(`  ${call.replace("%x", `${e.ref(x, "float")} + r0 * ${k}`).replace("%T", `${rows} - r0`).replace("%y", `${e.ref(out, "float")} + r0 * ${n}`)};`, "}");
}

/** Every result must fit a planned buffer: one dim at most depends on the token counts (T, and P in a model). */
function plannableResults(node: OpNode): string | undefined {
  for (const [i, t] of node.resultTypes.entries()) {
    const symbolic = (t?.shape ?? []).filter((d) => typeof d !== "number");
    if (symbolic.length > 1 || symbolic.some((d) => typeof d !== "number" && d.terms.some(([s]) => s !== "T" && s !== "P"))) {
      return `result %${node.results[i]} has shape [${t!.shape.map(formatDim).join(", ")}]: the C backend plans buffers for one dim at most that depends on T (or P)`;
    }
  }
  return undefined;
}

/** The rules of the op table, as the target contract lists them (each also checks its results fit a buffer). */
export const C_OP_RULES: Readonly<Record<string, OpRule>> = Object.fromEntries(
  Object.entries(C_OPS).map(([op, c]) => [op, { note: c.rule?.note, check: (node: OpNode, graph: Graph) => plannableResults(node) ?? c.rule?.check?.(node, graph) }]),
);

/**
 * Each constant's layout, from how the kernels of its users read it (the ops `hasKernel` accepts); a constant read in
 * two layouts is an error, and so is a ternary one a kernel reads without asking a layout of it.
 */
export function layoutRequests(graph: Graph, hasKernel: (node: OpNode) => boolean): Map<string, LayoutRequest> {
  const requests = new Map<string, LayoutRequest>();
  for (const node of graph.ops()) {
    if (!hasKernel(node)) continue;
    const wanted = C_OPS[node.op]?.layouts?.(node, graph, withDefaults(getOp(node.op)!, node.attrs)) ?? {};
    const ops = operandsOf(node);
    for (const [operandName, req] of Object.entries(wanted)) {
      const v = ops[operandName]!;
      const prev = requests.get(v);
      if (prev && (prev.layout !== req.layout || prev.arg !== req.arg)) throw new BackendError(`%${v}`, `the constant is read in two layouts (${prev.layout} and ${req.layout})`);
      requests.set(v, req);
    }
  }
  const kernelRead = new Set(graph.ops().filter(hasKernel).flatMap((n) => n.operands));
  for (const c of graph.consts()) if (c.type.dtype === "ternary" && kernelRead.has(c.name) && !requests.has(c.name)) throw new BackendError(`%${c.name}`, "a ternary constant outside a lowered product (run the c pipeline first)");
  return requests;
}

/** The ternc_tensor initializer of an operand or result offered to the op hook. */
function tensorView(e: CEmitter, name: string, where: string): string {
  if (e.caches.has(name)) throw new BackendError(where, `%${name} is a KV cache, which an op hook cannot be given`);
  const t = e.type(name);
  if (t.shape.length > 8) throw new BackendError(where, `%${name}: an op hook takes tensors of rank 8 at most`);
  const def = e.graph.definition(name)?.entity;
  const readable = (t.dtype as string) in C_TYPE;
  const data = def?.kind === "const" && !e.blob.get(name) ? "NULL" : `(void *)${e.ref(name, readable ? C_TYPE[t.dtype as ValueDType] : "uint8_t")}`;
  return `{${readable ? `TERNC_${t.dtype.toUpperCase()}` : "TERNC_OPAQUE"}, ${t.shape.length}, {${t.shape.map((d) => e.dim(d, where)).join(", ") || "0"}}, ${data}}`;
}

/** Offers an op to the model's hook; where it declines, `kernel` runs, or (none) the eval fails. */
function emitOffer(e: CEmitter, node: OpNode, attrs: Attrs, kernel: (() => void) | undefined, where: string): void {
  const list = (names: readonly string[]): string => names.map((v) => tensorView(e, v, where)).join(", ");
  e.emit(`ternc_tensor tc_in[${Math.max(node.operands.length, 1)}] = {${list(node.operands) || "{0}"}};`);
  e.emit(`ternc_tensor tc_out[${node.results.length}] = {${list(node.results)}};`);
  // The op's own attributes: a pass's annotations (plan.buffer) are namespaced, and no business of the hook.
  const own = Object.fromEntries(Object.entries(attrs).filter(([k]) => !k.includes(".")));
  e.emit(`const ternc_op_call tc_call = {${cString(node.op)}, ${cString(node.results[0]!)}, ${cString(JSON.stringify(own))}, ${node.operands.length}, ${node.results.length}, tc_in, tc_out};`);
  e.emit("const int tc_h = tc_offer(m, &tc_call);");
  e.emit("if (tc_h < 0) return TERNC_ERR_HOOK;");
  if (kernel) {
    e.emit("if (tc_h == 0) {");
    kernel();
    e.emit("}");
    return;
  }
  e.kernels[node.results[0]!] = "op hook";
  e.emit(`if (tc_h == 0) return tc_fail(m, TERNC_ERR_HOOK, "%s", ${cString(`%${node.results[0]} (${node.op}): this build leaves it to an op hook, and none computed it`)});`);
}

/** Emits one op and, when tracing, its results. */
export function emitOp(e: CEmitter, node: OpNode): void {
  const where = `%${node.results[0]} (${node.op})`;
  const op = C_OPS[node.op];
  if (!op) throw new BackendError(where, `op '${node.op}' is not supported by the C backend (run the c pipeline to lower the graph)`);
  e.emit(`/* ${node.results.map((r) => `%${r}`).join(", ")} = ${node.op}(${node.operands.map((o) => `%${o}`).join(", ")}) */`);
  // Timed per op kind while profiling (ternc_model_profile_start): wall time, so a parallel op counts once.
  e.emit("{", "const double tc_t0 = m->profile ? tc_now() : 0.0;");
  const attrs = withDefaults(getOp(node.op)!, node.attrs);
  const kernel = (): void => op.emit(e, node, operandsOf(node), attrs, where);
  const offer = e.offer(node);
  if (offer) emitOffer(e, node, attrs, offer === "optional" ? kernel : undefined, where);
  else kernel();
  e.emit(`if (m->profile) m->profile[${e.opKind(node.op)}] += tc_now() - tc_t0;`, "}");
  node.results.forEach((r, i) => {
    const cache = e.caches.get(r);
    if (cache) {
      e.emit(`if (m->trace) tc_trace_cache(m, ${cString(r)}, ${cache.index}, P + T);`);
      return;
    }
    const t = node.resultTypes[i]!;
    const dtype = t.dtype as ValueDType;
    const dims = t.shape.map((d) => e.dim(d, `%${r}`));
    e.emit(`if (m->trace) { const int64_t sh[] = {${dims.join(", ") || "0"}}; m->trace(m->trace_user, ${cString(r)}, TERNC_${dtype.toUpperCase()}, ${t.shape.length}, sh, ${e.ref(r, C_TYPE[dtype])}); }`);
  });
}
