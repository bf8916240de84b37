// A host program in C: the part of a model a target's own artifacts do not compute (the Verilog core computes the
// ternary products), compiled by the C backend with those ops left to an op hook that a client, linked into the
// runner, implements. A backend that needs one declares this interface; the target registry hands it the C backend's.
import type { Graph, OpNode } from "../../ir/index.js";
import type { EmitContext, GraphRunRequest, GraphRunResult, ModelRunRequest, ModelRunResult, TargetTolerances } from "./target.js";

/** The client a host program links: C sources (by file name) and the function in them that attaches the op hook. */
export interface HostClient {
  /** The ops the client computes: the program has no kernel for them. */
  computes(node: OpNode): boolean;
  /** File name -> text; the .c files are linked into the runner. */
  sources: Readonly<Record<string, string>>;
  /** `int attach(ternc_model *m, char *err, size_t err_size)`: installs the hook (ternc_model_set_op_hook), 0 on success. */
  attach: string;
}

/** Where a running host finds its client's other end: environment variables the client reads. */
export type HostEnvironment = Readonly<Record<string, string>>;

export interface CHost {
  /** How close its float ops come to the interpreter's. */
  tolerance: TargetTolerances;
  /** Writes the host program of `graph` into the empty folder `dir`; returns the files written, relative to it. */
  emit(graph: Graph, dir: string, ctx: EmitContext, client: HostClient): string[];
  /** Compiles it (`check`: warnings are errors). */
  build(dir: string, mode: "release" | "check"): void;
  isBuilt(dir: string): boolean;
  /** Runs the built program, `env` added to its environment (where its client finds the other end). */
  runModel(dir: string, request: ModelRunRequest, vocab: number, env: HostEnvironment): Promise<ModelRunResult>;
  runGraph(dir: string, request: GraphRunRequest, env: HostEnvironment): GraphRunResult;
}
