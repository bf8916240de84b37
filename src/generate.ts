// Greedy generation with the interpreter (ir/generate.ts), and the check that a user's graph is a model.
import { AbiError, type Graph, type GreedyOptions, type GreedyResult, greedyGenerate, LOGITS, looksLikeModel, type ModelAbi, modelAbi, POSITIONS, TOKENS } from "../ir/index.js";
import { UserError } from "./errors.js";

export type GenerationResult = GreedyResult;

/** The model interface of a graph a user gave as a model; a user error naming `what` and every problem if it has none. */
export function checkModelGraph(graph: Graph, what: string): ModelAbi {
  if (!looksLikeModel(graph)) {
    throw new UserError(`${what}: not a model graph (it needs inputs %${TOKENS} and %${POSITIONS} and an output %${LOGITS}); use --input to run it as a plain graph`);
  }
  try {
    return modelAbi(graph);
  } catch (e) {
    if (e instanceof AbiError) throw new UserError(`${what}: not a valid model graph: ${e.message}`);
    throw e;
  }
}

/** Runs the prompt and then `maxTokens` greedy steps in the interpreter, stopping early at `stopToken`. */
export function generate(graph: Graph, prompt: number[], maxTokens: number, options: GreedyOptions = {}): GenerationResult {
  if (prompt.length === 0) throw new UserError("the prompt has no tokens");
  return greedyGenerate(graph, prompt, maxTokens, options);
}
