// Runs one op on concrete inputs through the real parser, verifier and interpreter.
import { formatType, interpret, loadTir, type Tensor, toNumbers } from "../../ir/index.js";

/** `ops` is the op statement(s) producing %y from inputs %a, %b, ... (typed by the given tensors). */
export function runOp(statement: string, inputs: Record<string, Tensor>): { shape: readonly number[]; values: number[] } {
  const decls = Object.entries(inputs).map(([n, t]) => `  input %${n} : ${formatType({ dtype: t.dtype, shape: t.shape })}`);
  const text = `graph @op {\n${decls.join("\n")}\n  ${statement}\n  output %y\n}\n`;
  const y = interpret(loadTir(text), inputs).y!;
  return { shape: y.shape, values: toNumbers(y) };
}
