// The C code generator's state: the buffers plan-memory assigned, the KV cache slots, the constants' places in the
// blob, scratch sizes, and C expressions for values. The op table (ops.ts) writes each op's code through it.
import { type Abi, type ConstDecl, type Dim, type DType, formatDim, type Graph, isBlockQuantDType, type OpNode, storageBytes, type TensorType, TOKENS, POSITIONS, type BlockQuantDType } from "../../ir/index.js";
import { BackendError, type BlobPlan, bufferOf, type BufferSize, type CacheSlot, cacheSlots, planBufferSizes } from "../common/index.js";
import { C_ALIGN } from "./config.js";
import { type LayoutRequest, Q8R_GROUP } from "./layout.js";

/** Element types of values (weights alone are ternary or block-quantized). */
export type ValueDType = Exclude<DType, "ternary" | BlockQuantDType>;
export const C_TYPE: Record<ValueDType, string> = { f32: "float", f16: "uint16_t", bf16: "uint16_t", i8: "int8_t", i32: "int32_t" };
/** The runtime's tc_fmat element types as stored (a block-quantized matrix interleaved for the f32 matmul is TC_Q8R). */
export const FMAT_TYPE: Partial<Record<DType, string>> = { f32: "TC_F32", f16: "TC_F16", bf16: "TC_BF16", q8_0: "TC_Q8_0", q6_k: "TC_Q6_K" };

/** Bytes of one element of a value. */
export const elemBytes = (d: DType): number => storageBytes(d, 1);

/** A C string literal of `s`: printable ASCII as it is (quote, backslash and ? escaped: -std=c11 reads trigraphs), every
 * other byte of its UTF-8 as an octal escape. */
export function cString(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    out += byte >= 0x20 && byte < 0x7f ? ('"\\?'.includes(c) ? `\\${c}` : c) : `\\${byte.toString(8).padStart(3, "0")}`;
  }
  return `"${out}"`;
}

/** How an op is offered to the model's op hook: with its kernel for when the hook declines, or without one. */
export type OfferMode = "optional" | "required";

/** A KV cache as the C model keeps it: keys stored transposed. */
export interface CCacheSlot extends CacheSlot {
  transposed: boolean;
}

export class CEmitter {
  readonly lines: string[] = [];
  /** File-scope declarations (tables) placed before the forward function. */
  readonly statics: string[] = [];
  readonly kernels: Record<string, string> = {};
  /** The op kinds in the order the profile counts them (ternc_model_profile_kind). */
  readonly opKinds: string[] = [];
  readonly caches = new Map<string, CCacheSlot>(); // by input and by append result
  readonly buffers: BufferSize[];
  scratchPerToken = 0;
  scratchFixed = 0;
  private readonly inputIndex: Map<string, number>;

  constructor(
    readonly graph: Graph,
    readonly abi: Abi,
    readonly blob: BlobPlan,
    readonly layouts: ReadonlyMap<string, LayoutRequest>,
    readonly offer: (node: OpNode) => OfferMode | undefined = () => undefined,
  ) {
    this.inputIndex = new Map(abi.kind === "graph" ? abi.inputs.map((v, i) => [v.name, i]) : []);
    // One slot object per cache, under both its input and its appended value (the emitter counts slots by identity).
    const slots = new Map<CacheSlot, CCacheSlot>();
    for (const [name, slot] of cacheSlots(graph, abi)) {
      if (!slots.has(slot)) slots.set(slot, { ...slot, transposed: slot.keys });
      this.caches.set(name, slots.get(slot)!);
    }
    this.buffers = planBufferSizes(graph, this.caches, C_ALIGN);
  }

  /** A dim as a C expression over T (new tokens) and, in a model, P (tokens already in the cache). */
  dim(d: Dim, where: string): string {
    if (typeof d === "number") return String(d);
    const allowed = this.abi.kind === "model" ? ["T", "P"] : ["T"];
    for (const [s] of d.terms) if (!allowed.includes(s)) throw new BackendError(where, `symbolic dim '${s}' is not supported by the C backend (only ${allowed.join(" and ")})`);
    const text = formatDim(d).replace(/(\d+)\*([A-Z])/g, "$1 * $2").replace(/\+/g, " + ");
    return d.terms.length > 1 || d.constant !== 0 ? `(${text})` : text;
  }

  count(shape: readonly Dim[], where: string): string {
    return shape.length === 0 ? "1" : shape.map((d) => this.dim(d, where)).join(" * ");
  }

  type(name: string): TensorType {
    return this.graph.typeOf(name)!;
  }

  /** Rows (all dims but the last) and the last dim of a value, as C expressions. */
  rowsAndWidth(name: string, where: string): [string, number] {
    const t = this.type(name);
    const last = t.shape[t.shape.length - 1];
    if (typeof last !== "number") throw new BackendError(where, `the last dim of %${name} must be static`);
    return [this.count(t.shape.slice(0, -1), where), last];
  }

  /** A C expression for a value's data, cast to `ctype *`. */
  ref(name: string, ctype: string): string {
    if (this.abi.kind === "model" && (name === TOKENS || name === POSITIONS)) return name;
    const def = this.graph.definition(name)?.entity;
    if (!def) throw new BackendError(`%${name}`, "undefined value");
    if (def.kind === "const") {
      const entry = this.blob.get(name);
      if (!entry) throw new Error(`internal: %${name} has no place in the weight blob`);
      return `((const ${ctype} *)(W + ${entry.offset}))`;
    }
    if (def.kind === "input") {
      const i = this.inputIndex.get(name);
      if (i === undefined) throw new BackendError(`%${name}`, "a KV cache input is only read by its append");
      return `((${ctype} *)in[${i}])`;
    }
    const node = def as OpNode;
    return `((${ctype} *)m->buf[${bufferOf(node, node.results.indexOf(name))}])`;
  }

  /** The constant behind `name`, or a user error: the kernel reads it from the blob in its own layout. */
  constant(name: string, node: OpNode): ConstDecl {
    const decl = this.graph.definition(name)?.entity;
    if (!decl || decl.kind !== "const") throw new BackendError(`%${node.results[0]}`, `operand %${name} of ${node.op} must be a constant for the C backend`);
    return decl;
  }

  /** The runtime's tc_fmat initializer for a float or block-quantized matrix constant. */
  fmat(c: ConstDecl): string {
    const [rows, cols] = c.type.shape as [number, number];
    const interleaved = this.layouts.get(c.name)?.layout === "interleaved";
    const q8r = interleaved && isBlockQuantDType(c.type.dtype);
    return `{${this.ref(c.name, "uint8_t")}, ${q8r ? "TC_Q8R" : FMAT_TYPE[c.type.dtype]}, ${interleaved ? 1 : 0}, ${rows}, ${cols}, ${q8r ? Q8R_GROUP[c.type.dtype as BlockQuantDType] : 0}}`;
  }

  /** Asks for scratch memory of perToken * T + fixed bytes for one op. */
  scratch(perToken: number, fixed: number): void {
    this.scratchPerToken = Math.max(this.scratchPerToken, Math.ceil(perToken / C_ALIGN) * C_ALIGN);
    this.scratchFixed = Math.max(this.scratchFixed, fixed + 2 * C_ALIGN);
  }

  /** The profile slot of an op kind. */
  opKind(op: string): number {
    if (!this.opKinds.includes(op)) this.opKinds.push(op);
    return this.opKinds.indexOf(op);
  }

  emit(...code: string[]): void {
    this.lines.push(...code.map((l) => `  ${l}`));
  }

  /** A definition at file scope (a table, a task function), named uniquely from `base` (`lines` gets the name); returns the name. */
  addDefinition(base: string, lines: (name: string) => string[]): string {
    const name = `${base}_${this.statics.length}`;
    this.statics.push(lines(name).join("\n"));
    return name;
  }

  /** A table at file scope, named uniquely; returns the name. */
  addStatic(ctype: string, base: string, values: readonly string[]): string {
    return this.addDefinition(base, (name) => [`static const ${ctype} ${name}[${values.length}] = {${values.join(", ")}};`]);
  }
}
