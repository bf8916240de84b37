// The dataflow graph: inputs, constants (weights), op nodes and outputs, kept in a graphlib DAG.
import { alg, Graph as Dag } from "@dagrejs/graphlib";
import type { SourceLoc } from "./diagnostics.js";
import type { AttrValue } from "./ops/opdef.js";
import type { Tensor } from "./tensor.js";
import type { TensorType } from "./types.js";

/**
 * Weight data: inline in the IR, a byte range of an external blob file (read when needed), or loaded
 * lazily from a model file by the frontend (decoded from GGUF/safetensors only when an op needs it).
 */
export type ConstData =
  | { readonly kind: "inline"; readonly tensor: Tensor }
  | {
      readonly kind: "lazy";
      /** Where the data comes from, for messages (e.g. `model.gguf: blk.0.attn_q.weight (TQ2_0)`). */
      readonly source: string;
      readonly load: () => Tensor;
      /** The data in the external-blob layout, in pieces, so a huge tensor can be written out without holding it. */
      readonly chunks?: () => Iterable<Uint8Array>;
    }
  | {
      readonly kind: "external";
      /** Path as written in the IR; resolved against the IR file's folder by the loader. */
      readonly path: string;
      readonly offset: number;
    };

export interface InputDecl {
  readonly kind: "input";
  readonly name: string;
  readonly type: TensorType;
  readonly loc?: SourceLoc;
  readonly seq: number;
}

export interface ConstDecl {
  readonly kind: "const";
  readonly name: string;
  readonly type: TensorType;
  /** Replaceable: writing weights out to a blob turns inline or lazy data into an external reference. */
  data: ConstData;
  readonly loc?: SourceLoc;
  readonly seq: number;
}

/** An op application. Operands and results are value names; a result's type is known after inference. */
export interface OpNode {
  readonly kind: "op";
  readonly id: string;
  readonly op: string;
  operands: string[];
  readonly results: string[];
  resultTypes: Array<TensorType | undefined>;
  attrs: Record<string, AttrValue>;
  readonly loc?: SourceLoc;
  readonly seq: number;
}

export type Entity = InputDecl | ConstDecl | OpNode;

export interface OutputDecl {
  readonly name: string;
  readonly loc?: SourceLoc;
}

/** Where a value comes from: the entity that defines it and which of its results it is. */
export interface Definition {
  readonly entity: Entity;
  readonly index: number;
}

export interface NewOp {
  op: string;
  operands: string[];
  results: string[];
  resultTypes?: Array<TensorType | undefined>;
  attrs?: Record<string, AttrValue>;
  loc?: SourceLoc;
}

function entityKey(e: Entity): string {
  return e.kind === "op" ? `op:${e.id}` : `value:${e.name}`;
}

/**
 * A graph of one model (or part of one). Values are named (the `%names` of the textual IR) and
 * defined once; an op may use a value defined later in insertion order (dataflow, not a sequence):
 * `topologicalOrder` gives the execution order, the verifier reports dangling uses and cycles.
 */
export class Graph {
  name: string;
  private readonly dag = new Dag<unknown, Entity, number>({ directed: true, multigraph: true });
  private readonly defs = new Map<string, Definition>();
  /** Uses of names not defined yet (forward references), connected when the name is defined. */
  private readonly pending = new Map<string, Array<[OpNode, number]>>();
  /** Definitions of a name already defined, kept so the verifier can report them. */
  readonly redefinitions: Entity[] = [];
  private outputList: OutputDecl[] = [];
  private nextSeq = 0;
  private nextOpId = 0;

  /** Where the graph is declared, for a graph read from text. */
  loc?: SourceLoc;

  constructor(name: string) {
    this.name = name;
  }

  addInput(name: string, type: TensorType, loc?: SourceLoc): InputDecl {
    const decl: InputDecl = { kind: "input", name, type, loc, seq: this.nextSeq++ };
    this.addEntity(decl, [name]);
    return decl;
  }

  addConst(name: string, type: TensorType, data: ConstData, loc?: SourceLoc): ConstDecl {
    const decl: ConstDecl = { kind: "const", name, type, data, loc, seq: this.nextSeq++ };
    this.addEntity(decl, [name]);
    return decl;
  }

  addOp(spec: NewOp): OpNode {
    const node: OpNode = {
      kind: "op",
      id: String(this.nextOpId++),
      op: spec.op,
      operands: [...spec.operands],
      results: [...spec.results],
      resultTypes: spec.resultTypes ? [...spec.resultTypes] : spec.results.map(() => undefined),
      attrs: { ...(spec.attrs ?? {}) },
      loc: spec.loc,
      seq: this.nextSeq++,
    };
    this.addEntity(node, node.results);
    node.operands.forEach((v, i) => this.connect(node, v, i));
    return node;
  }

  setOutputs(outputs: OutputDecl[]): void {
    this.outputList = [...outputs];
  }

  get outputs(): readonly OutputDecl[] {
    return this.outputList;
  }

  /** Inputs in declaration order. */
  inputs(): InputDecl[] {
    return this.entities().filter((e): e is InputDecl => e.kind === "input");
  }

  /** Constants in declaration order. */
  consts(): ConstDecl[] {
    return this.entities().filter((e): e is ConstDecl => e.kind === "const");
  }

  /** Op nodes in insertion order (see `topologicalOrder` for execution order). */
  ops(): OpNode[] {
    return this.entities().filter((e): e is OpNode => e.kind === "op");
  }

  definition(value: string): Definition | undefined {
    return this.defs.get(value);
  }

  /** The declared or inferred type of a value; undefined if unknown or not yet inferred. */
  typeOf(value: string): TensorType | undefined {
    const d = this.defs.get(value);
    if (!d) return undefined;
    return d.entity.kind === "op" ? d.entity.resultTypes[d.index] : d.entity.type;
  }

  /** Ops that read `value`, in insertion order. */
  users(value: string): OpNode[] {
    return this.ops().filter((n) => n.operands.includes(value));
  }

  /** Points operand `index` of `node` at `value`. */
  setOperand(node: OpNode, index: number, value: string): void {
    const key = entityKey(node);
    const old = this.defs.get(node.operands[index]!);
    if (old) this.dag.removeEdge(entityKey(old.entity), key, `${key}#${index}`);
    node.operands[index] = value;
    this.connect(node, value, index);
  }

  /** Makes every use of `from` (operands and outputs) use `to` instead. */
  replaceAllUses(from: string, to: string): void {
    for (const n of this.users(from)) n.operands.forEach((v, i) => v === from && this.setOperand(n, i, to));
    this.outputList = this.outputList.map((o) => (o.name === from ? { ...o, name: to } : o));
  }

  /** Removes a constant that no op and no output uses. */
  removeConst(decl: ConstDecl): void {
    if (this.users(decl.name).length || this.outputList.some((o) => o.name === decl.name)) {
      throw new Error(`cannot remove constant %${decl.name}: it is still used`);
    }
    if (this.defs.get(decl.name)?.entity === decl) this.defs.delete(decl.name);
    this.dag.removeNode(entityKey(decl));
  }

  /** A value name not used yet: `base`, or `base.1`, `base.2`, ... */
  freshName(base: string): string {
    if (!this.defs.has(base) && !this.pending.has(base)) return base;
    for (let i = 1; ; i++) if (!this.defs.has(`${base}.${i}`) && !this.pending.has(`${base}.${i}`)) return `${base}.${i}`;
  }

  /** Removes an op; its results must have no remaining users and must not be graph outputs. */
  removeOp(node: OpNode): void {
    for (const r of node.results) {
      const users = this.users(r).filter((u) => u !== node);
      if (users.length) throw new Error(`cannot remove op ${node.op}: %${r} is still used by ${users.map((u) => u.op).join(", ")}`);
      if (this.outputList.some((o) => o.name === r)) throw new Error(`cannot remove op ${node.op}: %${r} is still used as a graph output`);
      if (this.defs.get(r)?.entity === node) this.defs.delete(r);
    }
    this.dag.removeNode(entityKey(node));
  }

  /**
   * Replaces `node` by `replacements`, which may define the same result names: users of the old results
   * then read the new ones, so a lowering keeps the value names a user knows.
   */
  replaceOp(node: OpNode, replacements: NewOp[]): OpNode[] {
    const key = entityKey(node);
    for (const r of node.results) {
      if (this.defs.get(r)?.entity !== node) continue;
      this.defs.delete(r);
      for (const user of this.users(r)) user.operands.forEach((v, i) => v === r && user !== node && this.connect(user, v, i));
    }
    this.dag.removeNode(key);
    return replacements.map((spec) => this.addOp(spec));
  }

  /**
   * Ops in a stable topological order: among ops that are ready, the one inserted first runs first,
   * so a graph parsed from printed text keeps its order. Undefined if the graph has a cycle.
   */
  topologicalOrder(): OpNode[] | undefined {
    const ops = this.ops();
    const indegree = new Map<string, number>();
    for (const n of ops) indegree.set(n.id, 0);
    for (const n of ops) {
      for (const succ of this.opSuccessors(n)) indegree.set(succ.id, indegree.get(succ.id)! + 1);
    }
    const ready = ops.filter((n) => indegree.get(n.id) === 0);
    const order: OpNode[] = [];
    while (ready.length) {
      let best = 0;
      for (let i = 1; i < ready.length; i++) if (ready[i]!.seq < ready[best]!.seq) best = i;
      const n = ready.splice(best, 1)[0]!;
      order.push(n);
      for (const succ of this.opSuccessors(n)) {
        const d = indegree.get(succ.id)! - 1;
        indegree.set(succ.id, d);
        if (d === 0) ready.push(succ);
      }
    }
    return order.length === ops.length ? order : undefined;
  }

  /** Each cycle as the list of its ops (empty when the graph is acyclic). */
  cycles(): OpNode[][] {
    return alg.findCycles(this.dag as unknown as Dag).map((keys) => keys.map((k) => this.dag.node(k) as OpNode).sort((a, b) => a.seq - b.seq));
  }

  private opSuccessors(n: OpNode): OpNode[] {
    // One entry per use edge: an op reading two results of n counts twice, matching the in-degree.
    return (this.dag.outEdges(entityKey(n)) ?? []).map((e) => this.dag.node(e.w) as OpNode);
  }

  private entities(): Entity[] {
    return this.dag
      .nodes()
      .map((k) => this.dag.node(k))
      .sort((a, b) => a.seq - b.seq);
  }

  private addEntity(e: Entity, names: string[]): void {
    const key = entityKey(e);
    if (e.kind !== "op" && this.dag.hasNode(key)) {
      this.redefinitions.push(e);
      return;
    }
    this.dag.setNode(key, e);
    names.forEach((name, index) => {
      if (this.defs.has(name)) {
        this.redefinitions.push(e);
        return;
      }
      this.defs.set(name, { entity: e, index });
      const waiting = this.pending.get(name) ?? [];
      this.pending.delete(name);
      for (const [user, i] of waiting) if (user.operands[i] === name && this.dag.hasNode(entityKey(user))) this.connect(user, name, i);
    });
  }

  private connect(user: OpNode, value: string, index: number): void {
    const d = this.defs.get(value);
    if (!d) {
      const list = this.pending.get(value) ?? [];
      list.push([user, index]);
      this.pending.set(value, list);
      return;
    }
    const key = entityKey(user);
    this.dag.setEdge(entityKey(d.entity), key, index, `${key}#${index}`);
  }
}
