// The interpreter: the reference semantics of every IR level, running a verified graph on concrete inputs.
import { evalDim, formatDim } from "./dims.js";
import { EvalError, IrError } from "./diagnostics.js";
import { storageBytes } from "./dtype.js";
import type { ConstDecl, Graph, OpNode } from "./graph.js";
import { getOp, withDefaults } from "./ops/registry.js";
import { type Tensor, tensorFromBytes, TernaryArray } from "./tensor.js";
import { elementCount, formatType, type TensorType } from "./types.js";
import { verifyGraph } from "./verifier.js";

/** Reads byte ranges of external weight blobs (the IR itself does no file I/O). */
export interface BlobReader {
  /**
   * `length` bytes of blob `path` (as written in the IR) from `offset`; throws if they are not there.
   * `constant` names the constant being loaded, for the error message.
   */
  read(path: string, offset: number, length: number, constant: string): Uint8Array;
}

export interface InterpretOptions {
  /** Needed when the graph has `blob<...>` constants. */
  blobs?: BlobReader;
  /** Called with each op's results as they are computed (for tracing and validation). */
  onValue?: (name: string, value: Tensor, node: OpNode) => void;
  /**
   * Computes an op in place of its reference semantics (a simulated hardware unit, say); returns undefined to leave
   * the op to the interpreter. Results are checked against the op's result types as the interpreter's are.
   */
  evaluate?: (node: OpNode, operands: readonly Tensor[]) => Tensor[] | undefined;
}

function describeShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Binds the symbolic dims of the graph's inputs (T, P, ...) from the shapes actually given. */
function bindSymbols(graph: Graph, inputs: Readonly<Record<string, Tensor>>): Map<string, number> {
  const bindings = new Map<string, number>();
  const declared = graph.inputs();
  for (const name of Object.keys(inputs)) {
    if (!declared.some((d) => d.name === name)) {
      throw new EvalError(`unknown input %${name} (the graph's inputs are ${declared.map((d) => `%${d.name}`).join(", ") || "none"})`);
    }
  }
  // Simple dims (a lone symbol) bind first; sums such as P+T are then checked against the bindings.
  for (const pass of ["bind", "check"] as const) {
    for (const decl of declared) {
      const t = inputs[decl.name];
      if (!t) throw new EvalError(`missing input %${decl.name} : ${formatType(decl.type)}`);
      const mismatch = (): EvalError => new EvalError(`input %${decl.name}: expected ${formatType(decl.type)}, got ${t.dtype}${describeShape(t.shape)}`);
      if (t.dtype !== decl.type.dtype || t.shape.length !== decl.type.shape.length) throw mismatch();
      decl.type.shape.forEach((d, i) => {
        const actual = t.shape[i]!;
        if (pass === "bind" && typeof d !== "number" && d.constant === 0 && d.terms.length === 1 && d.terms[0]![1] === 1) {
          const s = d.terms[0]![0];
          const prev = bindings.get(s);
          if (prev !== undefined && prev !== actual) {
            throw new EvalError(`input %${decl.name}: dim ${i} binds ${s} = ${actual}, but an earlier input bound ${s} = ${prev}`);
          }
          bindings.set(s, actual);
        }
        if (pass === "check") {
          const want = evalDim(d, bindings);
          if (want === undefined) throw new EvalError(`input %${decl.name}: dim ${formatDim(d)} cannot be determined from the inputs`);
          if (want !== actual) throw mismatch();
        }
      });
    }
  }
  return bindings;
}

/** A constant's data: inline, loaded from its model file, or read from its blob through `blobs`. */
export function constTensor(c: ConstDecl, blobs: BlobReader | undefined): Tensor {
  if (c.data.kind === "inline") return c.data.tensor;
  if (c.data.kind === "lazy") return c.data.load();
  if (!blobs) throw new EvalError(`constant %${c.name} refers to blob "${c.data.path}", but no blob reader was given`);
  const shape = c.type.shape as number[];
  const bytes = blobs.read(c.data.path, c.data.offset, storageBytes(c.type.dtype, elementCount(shape)), c.name);
  const t = tensorFromBytes(c.type.dtype, shape, bytes);
  // A blob is untrusted input: a 2-bit code 3 is no trit (the GGUF reader refuses it too).
  if (t.data instanceof TernaryArray) {
    const bad = t.data.firstInvalid();
    if (bad >= 0) throw new EvalError(`constant %${c.name}: element ${bad} in blob "${c.data.path}" (offset ${c.data.offset}) has the 2-bit code 3, which is not a trit`);
  }
  return t;
}

function checkResult(node: OpNode, name: string, value: Tensor, type: TensorType, bindings: Map<string, number>): void {
  const want = type.shape.map((d) => evalDim(d, bindings));
  const ok = value.dtype === type.dtype && value.shape.length === want.length && want.every((d, i) => d === value.shape[i]);
  if (!ok) {
    // A shape rule and its semantics disagree: a bug in ternc, not in the user's graph.
    throw new Error(`internal: '${node.op}' produced ${value.dtype}${describeShape(value.shape)} for %${name}, its rule says ${formatType(type)}`);
  }
}

/**
 * Runs `graph` on `inputs` (one tensor per graph input, symbolic dims bound from their shapes) and returns
 * its outputs by name. The graph is verified first. Values are freed after their last use, so a whole
 * model runs in the memory of its live activations plus its weights.
 */
export function interpret(graph: Graph, inputs: Readonly<Record<string, Tensor>>, options: InterpretOptions = {}): Record<string, Tensor> {
  const diags = verifyGraph(graph);
  if (diags.length) throw new IrError(diags);
  const order = graph.topologicalOrder()!;
  const bindings = bindSymbols(graph, inputs);

  const lastUse = new Map<string, number>();
  order.forEach((n, i) => n.operands.forEach((v) => lastUse.set(v, i)));
  const keep = new Set(graph.outputs.map((o) => o.name));

  const values = new Map<string, Tensor>(Object.entries(inputs));
  const consts = new Map(graph.consts().map((c) => [c.name, c]));
  const valueOf = (name: string): Tensor => {
    const v = values.get(name);
    if (v) return v;
    const c = consts.get(name)!;
    const t = constTensor(c, options.blobs);
    values.set(name, t);
    return t;
  };

  order.forEach((node, step) => {
    const def = getOp(node.op)!;
    const operands = node.operands.map(valueOf);
    const results = options.evaluate?.(node, operands) ?? def.evaluate({ operands, attrs: withDefaults(def, node.attrs) });
    node.results.forEach((r, i) => {
      checkResult(node, r, results[i]!, node.resultTypes[i]!, bindings);
      values.set(r, results[i]!);
      options.onValue?.(r, results[i]!, node);
    });
    for (const v of node.operands) if (lastUse.get(v) === step && !keep.has(v) && !consts.has(v)) values.delete(v);
  });

  const out: Record<string, Tensor> = {};
  for (const o of graph.outputs) out[o.name] = valueOf(o.name);
  return out;
}
