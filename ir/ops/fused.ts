// A fused chain of elementwise ops, run as one pass over the data: a small postfix program over the inputs,
// each step the same f32 operation as the op it replaces, so fusing never changes a bit.
import { f32 } from "../numeric.js";
import { type Tensor, zeros } from "../tensor.js";
import { formatType, type TensorType, typeEquals } from "../types.js";
import { expectDType } from "./checks.js";
import { relu2, silu } from "./elementwise.js";
import { type EvalContext, type InferContext, type OpDef, OpError, stringAttr } from "./opdef.js";

const UNARY: Record<string, (x: number) => number> = { silu, relu2 };
const BINARY: Record<string, (x: number, y: number) => number> = { add: (x, y) => f32(x + y), mul: (x, y) => f32(x * y) };

/** The step names of elementwise programs: each applies the op of the same name. */
export const ELEMENTWISE_UNARY: readonly string[] = Object.keys(UNARY);
export const ELEMENTWISE_BINARY: readonly string[] = Object.keys(BINARY);

/** One step of an elementwise program: push input `index`, or apply an op to the top of the stack. */
export type ProgramStep = { kind: "input"; index: number } | { kind: "unary"; op: string } | { kind: "binary"; op: string };

/** Parses and checks a postfix program over `inputs` inputs; throws OpError saying what is wrong. */
export function parseProgram(expr: string, inputs: number): ProgramStep[] {
  const steps: ProgramStep[] = [];
  let depth = 0;
  for (const tok of expr.split(/\s+/).filter(Boolean)) {
    if (/^\$\d+$/.test(tok)) {
      const index = Number(tok.slice(1));
      if (index >= inputs) throw new OpError(`'${tok}' refers to input ${index}, but there are ${inputs}`);
      steps.push({ kind: "input", index });
      depth++;
    } else if (Object.hasOwn(UNARY, tok)) {
      if (depth < 1) throw new OpError(`'${tok}' needs an operand`);
      steps.push({ kind: "unary", op: tok });
    } else if (Object.hasOwn(BINARY, tok)) {
      if (depth < 2) throw new OpError(`'${tok}' needs two operands`);
      steps.push({ kind: "binary", op: tok });
      depth--;
    } else throw new OpError(`unknown step '${tok}' (inputs $0, $1, ...; ops ${[...ELEMENTWISE_UNARY, ...ELEMENTWISE_BINARY].join(", ")})`);
  }
  if (depth !== 1) throw new OpError(`leaves ${depth} values instead of one`);
  return steps;
}

/** Checks a postfix program over `inputs` inputs; returns a message, or undefined if it is well formed. */
export function checkProgram(expr: string, inputs: number): string | undefined {
  try {
    parseProgram(expr, inputs);
    return undefined;
  } catch (e) {
    if (e instanceof OpError) return e.message;
    throw e;
  }
}

export const fusedOps: OpDef[] = [
  {
    name: "elementwise",
    summary: "a fused chain of elementwise ops (add, mul, silu, relu2) as one postfix program (L2)",
    description:
      "For every element: run `expr`, a postfix program whose steps push an input ($i, at the same element; rank-0 " +
      "inputs broadcast) or apply add, mul (f32, as the ops) or silu, relu2 (as the ops) to the top of the stack. " +
      "Example: \"$0 relu2 $1 mul\" is relu2(gate) * up.",
    levels: ["L2"],
    operands: [{ name: "inputs", doc: "f32 tensors of the result's shape, or f32[] scalars" }],
    variadic: true,
    results: ["y"],
    attrs: [{ name: "expr", kind: "string", doc: "the postfix program" }],
    infer(ctx: InferContext): TensorType[] {
      const types = ctx.operands.map((t, i) => {
        if (!t) throw new OpError(`missing input ${i}`);
        expectDType(t, ["f32"], `inputs[${i}]`);
        return t;
      });
      const full = types.filter((t) => t.shape.length > 0);
      const shape = full[0] ?? types[0]!;
      for (const t of full) if (!typeEquals(t, shape)) throw new OpError(`inputs must share one shape (or be scalars), got ${formatType(shape)} and ${formatType(t)}`);
      const problem = checkProgram(stringAttr(ctx.attrs, "expr"), types.length);
      if (problem) throw new OpError(`attribute 'expr': ${problem}`);
      return [shape];
    },
    evaluate(ctx: EvalContext): Tensor[] {
      const inputs = ctx.operands as Tensor[];
      const shape = (inputs.find((t) => t.shape.length > 0) ?? inputs[0]!).shape;
      const out = zeros("f32", shape);
      const data = inputs.map((t) => t.data as Float32Array);
      const scalar = inputs.map((t) => t.shape.length === 0);
      const program = parseProgram(stringAttr(ctx.attrs, "expr"), inputs.length);
      const stack: number[] = [];
      for (let e = 0; e < out.data.length; e++) {
        stack.length = 0;
        for (const step of program) {
          if (step.kind === "input") stack.push(data[step.index]![scalar[step.index] ? 0 : e]!);
          else if (step.kind === "unary") stack.push(UNARY[step.op]!(stack.pop()!));
          else {
            const y = stack.pop()!;
            stack.push(BINARY[step.op]!(stack.pop()!, y));
          }
        }
        out.data[e] = stack[0]!;
      }
      return [out];
    },
  },
];
