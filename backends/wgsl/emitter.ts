// The WGSL code generator's state: where each value lives (planned buffer, KV cache, weight, input), dims as WGSL
// expressions over the call's T and P, and the program's shaders and steps. The op table (ops.ts) writes each op
// through it.
import { type Abi, type Dim, formatDim, type Graph, type OpNode, POSITIONS, type TensorType, TOKENS } from "../../ir/index.js";
import { BackendError, bufferOf, type CacheSlot } from "../common/index.js";
import type { Binding, Lin, Program, Resource, Step, StepResult } from "./program.js";

/** Threads per workgroup of every shader (SwiftShader and browsers allow 256). */
export const WORKGROUP_SIZE = 64;

/** WGSL element type each IR dtype is stored as (i8 values one per i32, so every element is 4 bytes). */
export const STORED: Record<string, "f32" | "i32" | "u32"> = { f32: "f32", i32: "i32", i8: "i32", f16: "u32", bf16: "u32", ternary: "u32", q8_0: "u32", q6_k: "u32" };

/** An argument of a kernel: a value or a resource, the WGSL element type it is read as, and whether it is written. */
export interface KernelArg {
  name: string;
  value?: string;
  resource?: Resource;
  elem: "f32" | "i32" | "u32" | "vec4<u32>";
  write?: boolean;
}

export interface Kernel {
  args: KernelArg[];
  /** Invocations: one per output element or row. */
  threads: Lin;
  /** With only the last token's logits wanted: the invocations of the last row alone (the runtime picks). */
  lastRowThreads?: Lin;
  /** WGSL statements run with `id` (the invocation, < threads) and the args by name. */
  body: string;
  /** Helper functions the body calls. */
  helpers?: string[];
  /** Module-scope workgroup memory (`var<workgroup> ...;`). */
  shared?: string[];
  /** Bytes it moves, where not all of every operand (a gather reads a few rows of its table). */
  bytes?: Lin;
}

/** The uniforms every shader sees: the call's token count, tokens already in the cache, the first logits row. */
const UNIFORMS = "struct Call { T: u32, P: u32, first_row: u32, n_ctx: u32 }\n@group(0) @binding(0) var<uniform> u: Call;";

export class WgslEmitter {
  readonly shaders: string[] = [];
  readonly steps: Step[] = [];
  readonly ropeTables: Program["ropeTables"] = [];
  readonly attention: Program["attention"] = [];
  readonly kernels: Record<string, string> = {};
  /** Scratch bytes the steps other than attention need. */
  readonly scratch: Lin[] = [];
  /** Packed activation buffers (bytes), and the act_quant results they hold packed. */
  readonly packed: Lin[] = [];
  readonly packedOf = new Map<string, Resource>();
  private readonly shaderIndex = new Map<string, number>();
  private readonly inputIndex: Map<string, number>;

  constructor(
    readonly graph: Graph,
    readonly abi: Abi,
    readonly caches: ReadonlyMap<string, CacheSlot>,
    readonly constIndex: ReadonlyMap<string, number>,
    private readonly constBytes: ReadonlyMap<string, number>,
  ) {
    this.inputIndex = new Map(abi.kind === "graph" ? abi.inputs.map((v, i) => [v.name, i]) : []);
  }

  type(name: string): TensorType {
    return this.graph.typeOf(name)!;
  }

  /** A dim as c + t * T + p * P. */
  lin(d: Dim, where: string): Lin {
    if (typeof d === "number") return { c: d, t: 0, p: 0 };
    const out: Lin = { c: d.constant, t: 0, p: 0 };
    for (const [s, k] of d.terms) {
      if (s === "T") out.t += k;
      else if (s === "P" && this.abi.kind === "model") out.p += k;
      else throw new BackendError(where, `symbolic dim '${s}' is not supported by the WGSL backend (only T${this.abi.kind === "model" ? " and P" : ""})`);
    }
    return out;
  }

  /** A dim as a WGSL u32 expression. */
  dim(d: Dim, where: string): string {
    const l = this.lin(d, where);
    const terms = [l.t ? `${l.t === 1 ? "" : `${l.t}u * `}u.T` : "", l.p ? `${l.p === 1 ? "" : `${l.p}u * `}u.P` : "", l.c || (!l.t && !l.p) ? `${l.c}u` : ""].filter(Boolean);
    return terms.length > 1 ? `(${terms.join(" + ")})` : terms[0]!;
  }

  /** The number of elements of a shape as a WGSL expression. */
  count(shape: readonly Dim[], where: string): string {
    return shape.length === 0 ? "1u" : shape.map((d) => this.dim(d, where)).join(" * ");
  }

  /** The number of elements of a shape as c + t * T + p * P (at most one dim may be symbolic). */
  countLin(shape: readonly Dim[], where: string): Lin {
    let acc: Lin = { c: 1, t: 0, p: 0 };
    for (const d of shape) {
      const l = this.lin(d, where);
      if ((l.t || l.p) && (acc.t || acc.p)) throw new BackendError(where, `shape [${shape.map(formatDim).join(", ")}] has two symbolic dims`);
      acc = acc.t || acc.p ? { c: acc.c * l.c, t: acc.t * l.c, p: acc.p * l.c } : { c: acc.c * l.c, t: acc.c * l.t, p: acc.c * l.p };
    }
    return acc;
  }

  /** Rows (all dims but the last, as a WGSL expression and a Lin) and the static last dim. */
  rowsAndWidth(name: string, where: string): { rows: string; rowsLin: Lin; width: number } {
    const t = this.type(name);
    const width = t.shape[t.shape.length - 1];
    if (typeof width !== "number") throw new BackendError(where, `the last dim of %${name} must be static`);
    return { rows: this.count(t.shape.slice(0, -1), where), rowsLin: this.countLin(t.shape.slice(0, -1), where), width };
  }

  /** Where a value lives. */
  resource(name: string): Resource {
    if (this.abi.kind === "model" && name === TOKENS) return { kind: "tokens" };
    if (this.abi.kind === "model" && name === POSITIONS) return { kind: "pos" };
    const cache = this.caches.get(name);
    if (cache) return { kind: "cache", index: cache.index };
    const def = this.graph.definition(name)?.entity;
    if (!def) throw new BackendError(`%${name}`, "undefined value");
    if (def.kind === "const") return { kind: "const", index: this.constIndex.get(name)! };
    if (def.kind === "input") {
      const i = this.inputIndex.get(name);
      if (i === undefined) throw new BackendError(`%${name}`, "an input the WGSL backend cannot bind");
      return { kind: "input", index: i };
    }
    const node = def as OpNode;
    return { kind: "buffer", index: bufferOf(node, node.results.indexOf(name)) };
  }

  /** A table of cos/sin for a rope's base and rotated dims (one per distinct pair). */
  ropeTable(base: number, rot: number, positions: string): Resource {
    const from = this.resource(positions);
    let i = this.ropeTables.findIndex((r) => r.base === base && r.rot === rot && JSON.stringify(r.positions) === JSON.stringify(from));
    if (i < 0) i = this.ropeTables.push({ base, rot, positions: from }) - 1;
    return { kind: "rope", index: i };
  }

  /**
   * Adds a step that runs `k` for `node`, declaring its bindings; the op's results are traced after it, unless it
   * is a step before the one that writes them (`last` false).
   */
  kernel(node: OpNode, k: Kernel, elementwise = false, last = true): void {
    const where = `%${node.results[0]} (${node.op})`;
    const bindings: Binding[] = [];
    const decls: string[] = [];
    const names = new Map<string, string>();
    for (const a of k.args) {
      const res = a.resource ?? this.resource(a.value!);
      const key = JSON.stringify(res);
      const at = bindings.findIndex((b) => JSON.stringify(b.resource) === key);
      if (at >= 0) {
        // One buffer read and written by the same step: only an elementwise op, which reads each element before
        // writing it, may do that.
        if (!elementwise && (a.write || bindings[at]!.writable)) throw new BackendError(where, `reads and writes the same buffer (${key}); the WGSL kernels do not compute ${node.op} in place`);
        const varName = `b${at + 1}`;
        if (a.write && !bindings[at]!.writable) {
          bindings[at]!.writable = true;
          decls[at] = decls[at]!.replace("read>", "read_write>");
        }
        names.set(a.name, varName);
        continue;
      }
      bindings.push({ resource: res, writable: a.write === true });
      const varName = `b${bindings.length}`;
      decls.push(`@group(0) @binding(${bindings.length}) var<storage, ${a.write ? "read_write" : "read"}> ${varName}: array<${a.elem}>;`);
      names.set(a.name, varName);
    }
    const bind = (text: string): string => text.replace(/\$([a-z_][a-z0-9_]*)/g, (m, n: string) => names.get(n) ?? m);
    const body = bind(k.body);
    const code = [
      UNIFORMS,
      ...decls,
      ...(k.shared ?? []),
      ...(k.helpers ?? []).map(bind),
      `@compute @workgroup_size(${WORKGROUP_SIZE})`,
      "fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {",
      // id: this invocation; wg: its workgroup (uniform in the workgroup, so kernels with barriers can use it).
      `  let id = gid.x + gid.y * nwg.x * ${WORKGROUP_SIZE}u;`,
      "  let wg = wid.x + wid.y * nwg.x;",
      // Every binding is used, so the pipeline's automatic layout has all the bindings the runtime binds.
      `  _ = u.T;${bindings.map((_b, i) => ` _ = arrayLength(&b${i + 1});`).join("")}`,
      body,
      "}",
      "",
    ].join("\n");
    let shader = this.shaderIndex.get(code);
    if (shader === undefined) {
      shader = this.shaders.push(code) - 1;
      this.shaderIndex.set(code, shader);
    }
    const results: StepResult[] = (last ? node.results : []).map((r, i) => {
      const t = node.resultTypes[i]!;
      const dtype = t.dtype as StepResult["dtype"];
      const cache = this.caches.get(r);
      return { name: r, dtype, shape: t.shape.map((d) => this.lin(d, `%${r}`)), resource: this.resource(r), ...(cache ? { rowWidth: cache.width } : {}) };
    });
    const label = `${node.results.map((r) => `%${r}`).join(", ")} = ${node.op}(${node.operands.map((o) => `%${o}`).join(", ")})`;
    const bytes: Lin = k.bytes ? { ...k.bytes } : { c: 0, t: 0, p: 0 };
    for (const v of k.bytes ? [] : [...node.operands, ...(last ? node.results : [])]) {
      const b = this.constBytes.get(v);
      const l = b !== undefined ? { c: b, t: 0, p: 0 } : this.countLin(this.type(v).shape, where);
      const scale = b !== undefined ? 1 : 4;
      bytes.c += l.c * scale;
      bytes.t += l.t * scale;
      bytes.p += l.p * scale;
    }
    this.steps.push({ shader, bindings, threads: k.threads, ...(k.lastRowThreads ? { lastRowThreads: k.lastRowThreads } : {}), bytes, label, results });
  }
}
