// The C backend's code generator: an L2 model graph (after the `c` pipeline) becomes model.c, a straight-line
// forward function that calls the runtime's kernels on planned buffers, plus the layout of weights.bin.
import {
  type ConstDecl,
  type Dim,
  type BlockQuantDType,
  type DType,
  isBlockQuantDType,
  formatDim,
  type Graph,
  lutEntries,
  type OpNode,
  type PackedFormat,
  type Tensor,
  type TensorType,
  tensorToBytes,
  unpackTernaryRows,
  withDefaults,
  getOp,
  storageBytes,
  elementCount,
} from "../../ir/index.js";
import { cPackedRowBytes, interleaveRows8, lutPatterns, packCBlocks, PACKED_BLOCK, Q8R_GROUP, q8rBytes, q8rRecords, tritsOf } from "./layout.js";

/** A problem with the graph that the C backend cannot compile; `where` names the value or op. */
export class CBackendError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
  }
}

/** One constant in weights.bin: its offset and the bytes the kernels read (produced on demand, one at a time). */
export interface BlobEntry {
  name: string;
  layout: ConstLayout;
  offset: number;
  bytes: number;
  produce(): Uint8Array;
}

/**
 * How a constant sits in weights.bin: as stored (raw), packed ternary blocks (i2, tq1), lookup-table patterns
 * (lut), or rows interleaved for the matmul kernel (floats by 8 rows, q8_0/q6_k as 16-row code records).
 */
export type ConstLayout = "raw" | "i2" | "tq1" | "lut" | "interleaved";

/** What the emitter produces: source files and the plan of the weight blob. */
export interface CProgram {
  /** Generated declarations (sizes, layout id, tables), placed before the model struct. */
  constants: string;
  /** The generated forward function. */
  forward: string;
  blob: BlobEntry[];
  blobBytes: number;
  layoutId: number;
  vocab: number;
  /** Kernel chosen for each ternary product, by result name. */
  kernels: Record<string, string>;
}

export interface CEmitOptions {
  /** Reads a constant's data (lazy and blob constants included). */
  loadConst: (c: ConstDecl) => Tensor;
  /** Header comment: where the graph came from and how it was compiled. */
  banner: string;
  /** Default context length when the caller gives none. */
  defaultContext: number;
}

/** Offset of the first constant: the 64-byte header comes first (see api.c). */
export const BLOB_HEADER_BYTES = 64;
const ALIGN = 64;

/** Element types of op results (weights alone are ternary or block-quantized). */
type ValueDType = Exclude<DType, "ternary" | BlockQuantDType>;
const C_TYPE: Record<ValueDType, string> = { f32: "float", f16: "uint16_t", bf16: "uint16_t", i8: "int8_t", i32: "int32_t" };
const TRACE_DTYPE: Record<ValueDType, number> = { f32: 0, f16: 1, bf16: 2, i8: 3, i32: 4 };
const FMAT_TYPE: Partial<Record<DType, string>> = { f32: "TC_F32", f16: "TC_F16", bf16: "TC_BF16", q8_0: "TC_Q8R", q6_k: "TC_Q8R" };

/** Bytes of one element of a value (never ternary: those are weights in a packed layout). */
const elemBytes = (d: DType): number => storageBytes(d, 1);

/** An f32 value as a C float literal that reads back to the same bits. */
export function cFloat(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return "NAN";
  if (!Number.isFinite(f)) return f > 0 ? "INFINITY" : "-INFINITY";
  const text = f.toPrecision(9);
  return `${text.includes("e") || text.includes(".") ? text : `${text}.0`}f`;
}

function cString(s: string): string {
  return JSON.stringify(s);
}

/** A dim as a C expression over T (new tokens) and P (tokens already in the cache). */
function cDim(d: Dim, where: string): string {
  if (typeof d === "number") return String(d);
  for (const [s] of d.terms) if (s !== "T" && s !== "P") throw new CBackendError(where, `symbolic dim '${s}' is not supported (only T and P)`);
  const text = formatDim(d).replace(/(\d+)\*([A-Z])/g, "$1 * $2").replace(/\+/g, " + ");
  return d.terms.length > 1 || d.constant !== 0 ? `(${text})` : text;
}

function cCount(shape: readonly Dim[], where: string): string {
  return shape.length === 0 ? "1" : shape.map((d) => cDim(d, where)).join(" * ");
}

/** Bytes of a value as perToken * T + fixed (the buffer plan sizes buffers for the largest batch). */
function byteTerms(t: TensorType, where: string): { perToken: number; fixed: number } {
  let perToken = 0;
  let fixed = elemBytes(t.dtype);
  for (const d of t.shape) {
    if (typeof d === "number") {
      fixed *= d;
      perToken *= d;
      continue;
    }
    const isT = d.constant === 0 && d.terms.length === 1 && d.terms[0]![0] === "T" && d.terms[0]![1] === 1;
    if (!isT || perToken !== 0) throw new CBackendError(where, `a value of shape [${t.shape.map(formatDim).join(", ")}] cannot live in a planned buffer (only one dim may be T)`);
    perToken = fixed;
    fixed = 0;
  }
  return { perToken, fixed };
}

interface CacheInfo {
  index: number;
  input: string;
  append: string;
  width: number;
  transposed: boolean;
}

/** The fnv-1a hash of a string (32 bits), tying weights.bin to the model.c it was written with. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

class Emitter {
  private readonly lines: string[] = [];
  private readonly caches = new Map<string, CacheInfo>(); // by input and by append result
  /** Each constant's layout, with the lut group or the k of a packed weight. */
  private readonly layouts = new Map<string, { layout: ConstLayout; arg?: number }>();
  private readonly entries = new Map<string, BlobEntry>();
  private readonly statics: string[] = [];
  private readonly kernels: Record<string, string> = {};
  private scratchPerToken = 0;
  private scratchFixed = 0;
  private blobEnd = BLOB_HEADER_BYTES;
  private readonly buffers: { perToken: number; fixed: number }[] = [];

  constructor(
    private readonly graph: Graph,
    private readonly opts: CEmitOptions,
  ) {}

  run(): CProgram {
    const g = this.graph;
    this.checkInterface();
    this.findCaches();
    this.planConstLayouts();
    const order = g.topologicalOrder()!;
    for (const node of order) this.planBuffers(node);
    // A buffer id no value uses (plans need not be dense) still gets a slot.
    for (let i = 0; i < this.buffers.length; i++) this.buffers[i] ??= { perToken: 0, fixed: ALIGN };
    for (const node of order) this.emitOp(node);
    const vocab = g.typeOf("logits")!.shape[1] as number;
    const blob = [...this.entries.values()];
    const layoutId = fnv1a(JSON.stringify(blob.map((e) => [e.name, e.layout, e.offset, e.bytes])));
    const cacheList = [...new Set(this.caches.values())].sort((a, b) => a.index - b.index);
    const logitsRef = this.ref("logits", "float");
    const constants = [
      this.opts.banner,
      `#define TC_N_BUFFERS ${Math.max(this.buffers.length, 1)}`,
      `static const int64_t TC_BUFFER_PER_TOKEN[TC_N_BUFFERS] = {${this.buffers.map((b) => b.perToken).join(", ") || "0"}};`,
      `static const int64_t TC_BUFFER_FIXED[TC_N_BUFFERS] = {${this.buffers.map((b) => b.fixed).join(", ") || "0"}};`,
      `#define TC_N_CACHES ${Math.max(cacheList.length, 1)}`,
      `#define TC_HAS_CACHES ${cacheList.length > 0 ? 1 : 0}`,
      `static const int64_t TC_CACHE_WIDTH[TC_N_CACHES] = {${cacheList.map((c) => c.width).join(", ") || "0"}};`,
      `static const int TC_CACHE_TRANSPOSED[TC_N_CACHES] = {${cacheList.map((c) => (c.transposed ? 1 : 0)).join(", ") || "0"}};`,
      `#define TC_SCRATCH_PER_TOKEN ${this.scratchPerToken}`,
      `#define TC_SCRATCH_FIXED ${this.scratchFixed}`,
      `#define TC_BLOB_BYTES ${this.blobEnd}ull`,
      `#define TC_LAYOUT_ID 0x${layoutId.toString(16).padStart(8, "0")}u`,
      `#define TC_VOCAB ${vocab}`,
      `#define TC_DEFAULT_CONTEXT ${this.opts.defaultContext}`,
      ...this.statics,
      "",
    ];
    const forward = [
      "static int tc_forward(ternc_model *m, const int32_t *tokens, int64_t T) {",
      "  const int64_t P = m->n_past;",
      "  const uint8_t *const W = m->blob;",
      "  int32_t *const pos = m->pos;",
      "  TC_UNUSED(W);",
      "  for (int64_t i = 0; i < T; i++) pos[i] = (int32_t)(P + i);",
      ...this.lines,
      `  m->logits = ${logitsRef};`,
      "  return 0;",
      "}",
      "",
    ];
    return { constants: constants.join("\n"), forward: forward.join("\n"), blob, blobBytes: this.blobEnd, layoutId, vocab, kernels: this.kernels };
  }

  private checkInterface(): void {
    const g = this.graph;
    const inputs = new Map(g.inputs().map((i) => [i.name, i]));
    for (const name of ["tokens", "pos"]) {
      const i = inputs.get(name);
      if (!i || i.type.dtype !== "i32" || i.type.shape.length !== 1 || formatDim(i.type.shape[0]!) !== "T") {
        throw new CBackendError(`%${name}`, "the C backend compiles model graphs: inputs %tokens and %pos must be i32[T]");
      }
    }
    const logits = g.typeOf("logits");
    if (!g.outputs.some((o) => o.name === "logits") || !logits || logits.dtype !== "f32" || logits.shape.length !== 2 || typeof logits.shape[1] !== "number") {
      throw new CBackendError("%logits", "the graph needs an output %logits : f32[T, vocab]");
    }
    for (const [name, i] of inputs) {
      if (name === "tokens" || name === "pos") continue;
      if (!g.outputs.some((o) => o.name === `${name}.next`)) throw new CBackendError(`%${name}`, `input is neither tokens, pos nor a KV cache (a cache input X needs an output X.next)`);
      if (i.type.dtype !== "f32" || i.type.shape.length !== 2 || formatDim(i.type.shape[0]!) !== "P" || typeof i.type.shape[1] !== "number") {
        throw new CBackendError(`%${name}`, "a KV cache input must be f32[P, width]");
      }
    }
    for (const o of g.outputs) {
      if (o.name !== "logits" && !(o.name.endsWith(".next") && inputs.has(o.name.slice(0, -5)))) {
        throw new CBackendError(`%${o.name}`, "outputs other than %logits and KV caches are not supported by the C backend");
      }
    }
  }

  private findCaches(): void {
    const g = this.graph;
    let index = 0;
    for (const input of g.inputs()) {
      if (input.name === "tokens" || input.name === "pos") continue;
      const next = `${input.name}.next`;
      const def = g.definition(next)?.entity;
      if (!def || !("op" in def) || def.op !== "concat" || def.operands[0] !== input.name || def.attrs.axis !== 0) {
        throw new CBackendError(`%${next}`, `must be concat(%${input.name}, new rows) {axis = 0} (a KV cache append)`);
      }
      const uses = g.ops().filter((n) => n.operands.includes(input.name));
      if (uses.length !== 1) throw new CBackendError(`%${input.name}`, "a KV cache input may only feed its append");
      const users = g.ops().filter((n) => n.operands.includes(next));
      let transposed = false;
      for (const u of users) {
        const slot = u.operands.indexOf(next);
        if (u.op !== "attention" || slot === 0 || u.operands.lastIndexOf(next) !== slot) {
          throw new CBackendError(`%${next}`, "a KV cache may only be read as the keys or values of attention");
        }
        if (slot === 1) transposed = true;
      }
      const info: CacheInfo = { index: index++, input: input.name, append: next, width: input.type.shape[1] as number, transposed };
      this.caches.set(input.name, info);
      this.caches.set(next, info);
    }
  }

  /** The runtime's tc_fmat initializer for a float or block-quantized matrix constant in its planned layout. */
  private fmat(c: ConstDecl): string {
    const [rows, cols] = c.type.shape as [number, number];
    const group = isBlockQuantDType(c.type.dtype) ? Q8R_GROUP[c.type.dtype] : 0;
    return `{${this.ref(c.name, "uint8_t")}, ${FMAT_TYPE[c.type.dtype]}, ${this.layouts.get(c.name)!.layout === "interleaved" ? 1 : 0}, ${rows}, ${cols}, ${group}}`;
  }

  /** Decides each constant's layout from how the kernels read it. */
  private planConstLayouts(): void {
    const g = this.graph;
    const want = (name: string, layout: ConstLayout, arg: number | undefined, node: OpNode): void => {
      const decl = g.definition(name)?.entity;
      if (!decl || decl.kind !== "const") throw new CBackendError(`%${node.results[0]}`, `operand %${name} of ${node.op} must be a constant for the C backend`);
      const prev = this.layouts.get(name);
      if (prev !== undefined && (prev.layout !== layout || prev.arg !== arg)) {
        throw new CBackendError(`%${name}`, `the constant is read in two layouts (${prev.layout} and ${layout})`);
      }
      this.layouts.set(name, { layout, arg });
    };
    for (const n of g.ops()) {
      if (n.op === "ternary_matmul_packed") want(n.operands[1]!, n.attrs.format as PackedFormat, g.typeOf(n.operands[0]!)!.shape[1] as number, n);
      else if (n.op === "lut_matmul") want(n.operands[1]!, "lut", n.attrs.group as number, n);
      else if (n.op === "matmul") want(n.operands[1]!, "interleaved", undefined, n);
      // Block-quantized tables have one C form (codes and multipliers in 16-row records), tied to a head or not.
      else if (n.op === "embedding" && isBlockQuantDType(g.typeOf(n.operands[0]!)!.dtype)) want(n.operands[0]!, "interleaved", undefined, n);
    }
    for (const c of g.consts()) {
      if (!this.layouts.has(c.name)) {
        if (c.type.dtype === "ternary") throw new CBackendError(`%${c.name}`, "a ternary constant outside a lowered product (run the c pipeline first)");
        this.layouts.set(c.name, { layout: "raw" });
      }
    }
  }

  private entry(c: ConstDecl): BlobEntry {
    const existing = this.entries.get(c.name);
    if (existing) return existing;
    const { layout, arg } = this.layouts.get(c.name)!;
    const shape = c.type.shape as number[];
    const [n, k] = shape as [number, number];
    let bytes: number;
    let produce: () => Uint8Array;
    const load = (): Tensor => this.opts.loadConst(c);
    const trits = (kk: number, format: PackedFormat) => tritsOf(load(), (p) => unpackTernaryRows(p, n, kk, format));
    switch (layout) {
      case "i2":
      case "tq1":
        bytes = n * cPackedRowBytes(layout, arg!);
        produce = () => packCBlocks(trits(arg!, c.type.dtype === "i8" ? (layout as PackedFormat) : "i2"), n, arg!, layout);
        break;
      case "lut":
        bytes = n * Math.ceil(k / arg!) * 2;
        produce = () => {
          const p = lutPatterns(trits(k, "i2"), n, k, arg!);
          return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
        };
        break;
      case "interleaved":
        if (isBlockQuantDType(c.type.dtype)) {
          bytes = q8rBytes(c.type.dtype, n, k);
          produce = () => q8rRecords(load());
        } else {
          bytes = Math.ceil(n / 8) * 8 * k * elemBytes(c.type.dtype);
          produce = () => interleaveRows8(load());
        }
        break;
      default:
        bytes = storageBytes(c.type.dtype, elementCount(shape));
        produce = () => tensorToBytes(load());
    }
    const offset = this.blobEnd;
    this.blobEnd = Math.ceil((offset + bytes) / ALIGN) * ALIGN;
    const e: BlobEntry = { name: c.name, layout, offset, bytes, produce };
    this.entries.set(c.name, e);
    return e;
  }

  private planBuffers(node: OpNode): void {
    node.results.forEach((r, i) => {
      if (this.caches.has(r)) return;
      const b = this.bufferOf(node, i);
      const terms = byteTerms(node.resultTypes[i]!, `%${r}`);
      const cur = (this.buffers[b] ??= { perToken: 0, fixed: 0 });
      cur.perToken = Math.max(cur.perToken, Math.ceil(terms.perToken / ALIGN) * ALIGN);
      cur.fixed = Math.max(cur.fixed, terms.fixed + ALIGN);
    });
  }

  private bufferOf(node: OpNode, i: number): number {
    const plan = node.attrs["plan.buffer"];
    const ids = typeof plan === "number" ? [plan] : typeof plan === "string" ? plan.split(",").map(Number) : [];
    const b = ids[i];
    if (b === undefined || !Number.isInteger(b) || b < 0) throw new CBackendError(`%${node.results[i]}`, "has no buffer assignment (run plan-memory last)");
    return b;
  }

  /** A C expression for a value's data, cast to `ctype *`. */
  private ref(name: string, ctype: string): string {
    const g = this.graph;
    if (name === "tokens") return "tokens";
    if (name === "pos") return "pos";
    const def = g.definition(name)?.entity;
    if (!def) throw new CBackendError(`%${name}`, "undefined value");
    if (def.kind === "const") return `((const ${ctype} *)(W + ${this.entry(def).offset}))`;
    if (def.kind === "input") throw new CBackendError(`%${name}`, "a cache input is only read by its append");
    const node = def as OpNode;
    return `((${ctype} *)m->buf[${this.bufferOf(node, node.results.indexOf(name))}])`;
  }

  private type(name: string): TensorType {
    return this.graph.typeOf(name)!;
  }

  private scratch(perToken: number, fixed: number): void {
    this.scratchPerToken = Math.max(this.scratchPerToken, Math.ceil(perToken / ALIGN) * ALIGN);
    this.scratchFixed = Math.max(this.scratchFixed, fixed + 2 * ALIGN);
  }

  private emit(...code: string[]): void {
    this.lines.push(...code.map((l) => `  ${l}`));
  }

  /** Rows (all dims but the last) and the last dim of a value, as C expressions. */
  private rowsAndWidth(name: string, where: string): [string, number] {
    const t = this.type(name);
    const last = t.shape[t.shape.length - 1];
    if (typeof last !== "number") throw new CBackendError(where, `the last dim of %${name} must be static`);
    return [cCount(t.shape.slice(0, -1), where), last];
  }

  private trace(node: OpNode): void {
    node.results.forEach((r, i) => {
      const cache = this.caches.get(r);
      if (cache) {
        this.emit(`if (m->trace) tc_trace_cache(m, ${cString(r)}, ${cache.index}, P + T);`);
        return;
      }
      const t = node.resultTypes[i]!;
      const dtype = t.dtype as ValueDType;
      const dims = t.shape.map((d) => cDim(d, `%${r}`));
      this.emit(`if (m->trace) { const int64_t sh[] = {${dims.join(", ") || "0"}}; m->trace(m->trace_user, ${cString(r)}, ${TRACE_DTYPE[dtype]}, ${t.shape.length}, sh, ${this.ref(r, C_TYPE[dtype])}); }`);
    });
  }

  private emitOp(node: OpNode): void {
    const where = `%${node.results[0]} (${node.op})`;
    const a = withDefaults(getOp(node.op)!, node.attrs);
    const [x, y] = node.operands;
    const out = node.results[0]!;
    this.emit(`/* ${node.results.map((r) => `%${r}`).join(", ")} = ${node.op}(${node.operands.map((o) => `%${o}`).join(", ")}) */`);
    switch (node.op) {
      case "embedding": {
        const table = this.graph.definition(x!)?.entity;
        if (!table || table.kind !== "const" || !FMAT_TYPE[table.type.dtype]) throw new CBackendError(where, "the embedding table must be a float constant");
        const [rows] = table.type.shape as [number];
        this.emit(`{`, `  const tc_fmat tab = ${this.fmat(table)};`);
        this.emit(`  int64_t bad = tc_embedding(&tab, ${this.ref(y!, "int32_t")}, ${cCount(this.type(y!).shape, where)}, ${this.ref(out, "float")});`);
        this.emit(`  if (bad) return tc_fail(m, TERNC_ERR_INPUT, "token %ld is %ld, outside the vocabulary of ${rows}", (long)(bad - 1), (long)${this.ref(y!, "int32_t")}[bad - 1]);`, `}`);
        break;
      }
      case "rmsnorm": {
        const [rows, d] = this.rowsAndWidth(x!, where);
        this.emit(`tc_rmsnorm(${this.ref(x!, "float")}, ${this.ref(y!, "float")}, ${rows}, ${d}, ${cFloat(a.eps as number)}, ${this.ref(out, "float")});`);
        break;
      }
      case "softmax": {
        const [rows, d] = this.rowsAndWidth(x!, where);
        this.emit(`{`, `  float *v = ${this.ref(out, "float")};`, `  if (v != ${this.ref(x!, "float")}) memcpy(v, ${this.ref(x!, "float")}, (size_t)(${rows} * ${d}) * sizeof(float));`);
        this.emit(`  for (int64_t r = 0; r < ${rows}; r++) tc_softmax_row(v + r * ${d}, ${d});`, `}`);
        break;
      }
      case "act_quant": {
        const [rows, k] = this.rowsAndWidth(x!, where);
        this.emit(`tc_act_quant(${this.ref(x!, "float")}, ${rows}, ${k}, ${this.ref(out, "int8_t")}, ${this.ref(node.results[1]!, "float")});`);
        break;
      }
      case "ternary_matmul_packed": {
        const format = a.format as PackedFormat;
        const xt = this.type(x!);
        const k = xt.shape[1] as number;
        const n = this.type(y!).shape[0] as number;
        const group = (a.group as number | undefined) ?? 0;
        const rows = cDim(xt.shape[0]!, where);
        const fmt = format === "i2" ? "TC_I2" : "TC_TQ1";
        this.kernels[out] = format;
        if (xt.dtype === "i8") {
          const kpad = Math.ceil(k / PACKED_BLOCK[format]) * PACKED_BLOCK[format];
          this.scratch(kpad + 4 * (group > 0 ? k / group : 1), 0);
          this.emit(`tc_ternary_packed(m->pool, ${this.ref(x!, "int8_t")}, ${rows}, ${k}, ${this.ref(y!, "uint8_t")}, ${n}, ${fmt}, ${group}, ${this.ref(out, "int32_t")}, m->scratch);`);
        } else {
          this.emit(`tc_ternary_packed_f32(${this.ref(x!, "float")}, ${rows}, ${k}, ${this.ref(y!, "uint8_t")}, ${n}, ${fmt}, ${group}, ${this.ref(out, "float")});`);
        }
        break;
      }
      case "lut_build": {
        const xt = this.type(x!);
        this.emit(`tc_lut_build(${this.ref(x!, "int8_t")}, ${cDim(xt.shape[0]!, where)}, ${xt.shape[1] as number}, ${a.group as number}, ${this.ref(out, "int32_t")});`);
        break;
      }
      case "lut_matmul": {
        const tt = this.type(x!);
        const n = this.type(y!).shape[0] as number;
        this.kernels[out] = `lut${a.group as number}`;
        this.emit(`tc_lut_matmul(m->pool, ${this.ref(x!, "int32_t")}, ${cDim(tt.shape[0]!, where)}, ${tt.shape[1] as number}, ${lutEntries(a.group as number)}, ${this.ref(y!, "int16_t")}, ${n}, ${this.ref(out, "int32_t")});`);
        break;
      }
      case "addsub_network": {
        const xt = this.type(x!);
        const k = xt.shape[1] as number;
        const steps = this.type(y!).shape[0] as number;
        const n = this.type(node.operands[2]!).shape[0] as number;
        this.kernels[out] = "addsub";
        this.scratch(0, 4 * (k + steps));
        this.emit(`tc_addsub_network(${this.ref(x!, "int8_t")}, ${cDim(xt.shape[0]!, where)}, ${k}, ${this.ref(y!, "int32_t")}, ${steps}, ${this.ref(node.operands[2]!, "int32_t")}, ${n}, ${this.ref(out, "int32_t")}, (int32_t *)m->scratch);`);
        break;
      }
      case "dequant": {
        const at = this.type(x!);
        const n = at.shape[1] as number;
        const groups = at.shape.length === 3 ? (at.shape[2] as number) : 1;
        const wsLen = elementCount(this.type(y!).shape as number[]);
        const xs = node.operands[2];
        const acc = at.dtype === "i32" ? `${this.ref(x!, "int32_t")}, NULL` : `NULL, ${this.ref(x!, "float")}`;
        this.emit(`tc_dequant(${acc}, ${this.ref(y!, "float")}, ${wsLen}, ${xs ? this.ref(xs, "float") : "NULL"}, ${cDim(at.shape[0]!, where)}, ${n}, ${groups}, ${a.fused === true ? 1 : 0}, ${this.ref(out, "float")});`);
        break;
      }
      case "dequant_fixed": {
        const [, mult, shift, xs] = node.operands as [string, string, string, string];
        const at = this.type(x!);
        const len = (v: string): number => elementCount(this.type(v).shape as number[]);
        this.emit(`tc_dequant_fixed(${this.ref(x!, "int32_t")}, ${this.ref(mult, "int32_t")}, ${len(mult)}, ${this.ref(shift, "int32_t")}, ${len(shift)}, ${this.ref(xs, "float")}, ${cDim(at.shape[0]!, where)}, ${at.shape[1] as number}, ${a.frac_bits as number}, ${this.ref(out, "float")});`);
        break;
      }
      case "slice": {
        const t = this.type(x!);
        const axis = a.axis as number;
        const eb = elemBytes(t.dtype);
        this.emit(`tc_copy_ranges(${this.ref(x!, "uint8_t")}, ${this.ref(out, "uint8_t")}, ${cCount(t.shape.slice(0, axis), where)}, ${(t.shape[axis] as number) * eb}, ${(a.start as number) * eb}, ${(a.size as number) * eb}, ${cCount(t.shape.slice(axis + 1), where)});`);
        break;
      }
      case "concat": {
        const cache = this.caches.get(out);
        if (cache) {
          this.emit(`if (tc_cache_append(m, ${cache.index}, ${this.ref(y!, "float")}, P, T)) return tc_fail(m, TERNC_ERR_CONTEXT, "the context of %d tokens is full", (int)m->n_ctx);`);
          break;
        }
        const ta = this.type(x!);
        const tb = this.type(y!);
        const axis = a.axis as number;
        const eb = elemBytes(ta.dtype);
        const inner = (t: TensorType): string => `${cCount(t.shape.slice(axis), where)} * ${eb}`;
        this.emit(`tc_concat(${this.ref(x!, "uint8_t")}, ${this.ref(y!, "uint8_t")}, ${this.ref(out, "uint8_t")}, ${cCount(ta.shape.slice(0, axis), where)}, ${inner(ta)}, ${inner(tb)});`);
        break;
      }
      case "rope": {
        const [rows, width] = this.rowsAndWidth(x!, where);
        const hd = a.head_dim as number;
        const rot = (a.rot_dims as number | undefined) ?? hd;
        const inv = Array.from({ length: rot / 2 }, (_, i) => Math.fround(Math.pow(a.base as number, -(2 * i) / rot)));
        const table = `tc_rope_inv_${this.statics.length}`;
        this.statics.push(`static const float ${table}[${inv.length}] = {${inv.map(cFloat).join(", ")}};`);
        this.emit(`tc_rope(${this.ref(x!, "float")}, ${this.ref(y!, "int32_t")}, ${rows}, ${width}, ${hd}, ${rot}, ${a.style === "neox" ? 1 : 0}, ${table}, ${this.ref(out, "float")});`);
        break;
      }
      case "attention":
        this.emitAttention(node, where, a);
        break;
      case "matmul": {
        const w = this.graph.definition(y!)?.entity as ConstDecl;
        if (!FMAT_TYPE[w.type.dtype]) throw new CBackendError(where, `a ${w.type.dtype} weight is not supported by the C matmul kernel (f32, f16, bf16, q8_0, q6_k)`);
        const [rows, k] = this.rowsAndWidth(x!, where);
        const [n] = w.type.shape as [number];
        // The logits of earlier tokens are only needed on request: decode and prefill read the last row.
        const first = out === "logits" ? `(m->all_logits ? 0 : ${rows} - 1)` : "0";
        this.emit(`{`, `  const tc_fmat wm = ${this.fmat(w)};`, `  const int64_t r0 = ${first};`);
        this.emit(`  tc_matmul(m->pool, ${this.ref(x!, "float")} + r0 * ${k}, ${rows} - r0, &wm, ${this.ref(out, "float")} + r0 * ${n});`, `}`);
        break;
      }
      case "add":
      case "mul":
        this.emitElementwise(node, `$0 $1 ${node.op}`, where);
        break;
      case "silu":
      case "relu2":
        this.emitElementwise(node, `$0 ${node.op}`, where);
        break;
      case "elementwise":
        this.emitElementwise(node, a.expr as string, where);
        break;
      default:
        throw new CBackendError(where, `op '${node.op}' is not supported by the C backend (run the c pipeline to lower the graph)`);
    }
    this.trace(node);
  }

  private emitAttention(node: OpNode, where: string, a: Record<string, unknown>): void {
    const [q, k, v] = node.operands as [string, string, string];
    const heads = a.heads as number;
    const kvHeads = a.kv_heads as number;
    const hd = a.head_dim as number;
    const scale = (a.scale as number | undefined) ?? Math.fround(1 / Math.sqrt(hd));
    const kc = this.caches.get(k);
    const vc = this.caches.get(v);
    const qRows = cDim(this.type(q).shape[0]!, where);
    const s = cDim(this.type(k).shape[0]!, where);
    this.emit(`{`);
    if (kc) this.emit(`  const float *kt = m->cache[${kc.index}];`, `  const int64_t cap = m->n_ctx;`);
    else {
      // Keys not in a cache are transposed once so the scores of consecutive keys are independent lanes.
      this.scratch(4 * (this.type(k).shape[1] as number), 0);
      this.emit(`  float *kt = (float *)m->scratch;`, `  const int64_t cap = ${s};`, `  tc_transpose(${this.ref(k, "float")}, ${s}, ${kvHeads * hd}, kt);`);
    }
    this.emit(`  const float *vr = ${vc ? `m->cache[${vc.index}]` : this.ref(v, "float")};`);
    this.emit(`  tc_attn_ctx c = {${this.ref(q, "float")}, kt, vr, ${this.ref(node.results[0]!, "float")}, m->attn_scratch, ${qRows}, ${s}, cap, ${heads}, ${kvHeads}, ${hd}, ${cFloat(scale)}};`);
    this.emit(`  tc_parallel(m->pool, ${qRows} * ${heads}, 1, tc_attention_task, &c);`, `}`);
  }

  /** An elementwise postfix program as one loop; operands of one element (scalars) broadcast. */
  private emitElementwise(node: OpNode, expr: string, where: string): void {
    const outT = node.resultTypes[0]!;
    const count = cCount(outT.shape, where);
    const outCount = outT.shape.map((d) => cDim(d, where));
    const args: string[] = [];
    node.operands.forEach((o, i) => {
      const t = this.type(o);
      const ec = cCount(t.shape, where);
      args.push(`  const float *in${i} = ${this.ref(o, "float")};`);
      const n = t.shape.map((d) => cDim(d, where));
      if (n.join("*") === outCount.join("*")) args.push(`#define IDX${i}(e) (e)`);
      else if (t.shape.every((d) => d === 1)) args.push(`#define IDX${i}(e) 0`);
      else if (outCount.slice(-n.length).join("*") === n.join("*")) args.push(`#define IDX${i}(e) ((e) % (${ec}))`);
      else throw new CBackendError(where, `operand %${o} does not broadcast to the result in a way the C backend supports`);
    });
    const body: string[] = [];
    const stack: string[] = [];
    let tmp = 0;
    for (const tok of expr.split(/\s+/).filter(Boolean)) {
      if (tok.startsWith("$")) {
        const v = `s${tmp++}`;
        body.push(`float ${v} = in${tok.slice(1)}[IDX${tok.slice(1)}(e)];`);
        stack.push(v);
      } else if (tok === "silu" || tok === "relu2") {
        const v = stack.pop()!;
        body.push(`${v} = tc_${tok}(${v});`);
        stack.push(v);
      } else {
        const rhs = stack.pop()!;
        const lhs = stack.pop()!;
        body.push(`${lhs} = ${lhs} ${tok === "add" ? "+" : "*"} ${rhs};`);
        stack.push(lhs);
      }
    }
    this.emit(`{`);
    for (const l of args) this.lines.push(l.startsWith("#") ? l : `  ${l}`);
    this.emit(`  float *yo = ${this.ref(node.results[0]!, "float")};`, `  for (int64_t e = 0; e < ${count}; e++) {`);
    for (const l of body) this.emit(`    ${l}`);
    this.emit(`    yo[e] = ${stack[0]};`, `  }`);
    for (let i = 0; i < node.operands.length; i++) this.lines.push(`#undef IDX${i}`);
    this.emit(`}`);
  }
}

/** Compiles a verified L2 model graph with planned buffers to the generated part of model.c. */
export function emitModel(graph: Graph, opts: CEmitOptions): CProgram {
  return new Emitter(graph, opts).run();
}
