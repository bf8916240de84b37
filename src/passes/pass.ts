// What a pass is: a named, documented graph transformation that says whether it changed anything.
import type { ConstDecl, Graph, Tensor } from "../../ir/index.js";

/** What a pass may use besides the graph. */
export interface PassContext {
  /** A line for the user about what the pass did (shown by `ternc opt`, kept in the result). */
  note(line: string): void;
  /** A constant's data, wherever it lives (inline, in the model file, in a blob). */
  loadConst(decl: ConstDecl): Tensor;
  /** Options given in the pipeline entry, `name{key=value,...}`. */
  options: Readonly<Record<string, string>>;
}

export interface Pass {
  /** The name used in pipelines and flags (`absmean-quantize`). */
  name: string;
  /** One line, for `ternc passes --list`. */
  summary: string;
  /** What it does and why it is exact (or under which flag it is not). */
  description: string;
  /** False for passes exact only in real arithmetic (float results may differ in rounding). */
  exact: boolean;
  /** True for opt-in passes that change the model's weights (quantize-head): never in a default pipeline. */
  lossy?: boolean;
  /**
   * True for passes that keep the weights but compute in other arithmetic than the model's exact form (integer-head):
   * a target may choose one by default where the peers compute the same way; compile prints its notes and the
   * manifest keeps them.
   */
  approximate?: boolean;
  /** The options the pass takes, with what each means. */
  options?: Readonly<Record<string, string>>;
  /** Transforms `graph` in place; returns whether anything changed. */
  run(graph: Graph, ctx: PassContext): boolean;
}
