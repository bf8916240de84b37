// Elementwise programs as code, for every backend: which element of each operand a result element reads (numpy
// broadcasting) and the statements that evaluate the program, each spelled in the backend's language.
import { parseProgram } from "../../ir/index.js";

/** How a backend spells dims and indices: the result element's index, and the literals 1 and 0. */
export interface IndexSpelling {
  el: string;
  one: string;
  zero: string;
}

/**
 * For each operand (its dims as expressions), the index of the element result element `el` reads: dims align from
 * the right and a dim of 1 repeats. `coords`: some index uses the result's coordinates c0, c1, ... (last dim fastest),
 * which the backend then computes from `el`.
 */
export function broadcastIndices(outDims: readonly string[], operands: readonly (readonly string[])[], s: IndexSpelling): { index: string[]; coords: boolean } {
  let coords = false;
  const index = operands.map((dims) => {
    if (dims.join("*") === outDims.join("*")) return s.el;
    if (dims.every((d) => d === s.one)) return s.zero;
    if (outDims.slice(-dims.length).join("*") === dims.join("*")) return `${s.el} % (${dims.join(" * ")})`;
    coords = true;
    const offset = outDims.length - dims.length;
    const terms = dims.map((d, k) => (d === s.one ? undefined : [`c${k + offset}`, ...dims.slice(k + 1).filter((x) => x !== s.one).map((x) => `(${x})`)].join(" * "))).filter((x): x is string => x !== undefined);
    return terms.join(" + ") || s.zero;
  });
  return { index, coords };
}

/** How a backend spells the statements of a program over temporaries s0, s1, ... */
export interface StatementSpelling {
  /** Declares temporary `v` holding operand `input`'s element. */
  load(v: string, input: number): string;
  /** The call of a unary step (silu, relu2) on `v`. */
  unary(op: string, v: string): string;
}

const BINARY_OPERATOR: Readonly<Record<string, string>> = { add: "+", mul: "*" };

/** The statements that evaluate an elementwise program in stack order, and the temporary that holds the result. */
export function elementwiseStatements(expr: string, operands: number, s: StatementSpelling): { lines: string[]; result: string } {
  const lines: string[] = [];
  const stack: string[] = [];
  let tmp = 0;
  for (const step of parseProgram(expr, operands)) {
    if (step.kind === "input") {
      const v = `s${tmp++}`;
      lines.push(s.load(v, step.index));
      stack.push(v);
    } else if (step.kind === "unary") {
      const v = stack[stack.length - 1]!;
      lines.push(`${v} = ${s.unary(step.op, v)};`);
    } else {
      const rhs = stack.pop()!;
      const lhs = stack[stack.length - 1]!;
      lines.push(`${lhs} = ${lhs} ${BINARY_OPERATOR[step.op]!} ${rhs};`);
    }
  }
  return { lines, result: stack[0]! };
}
