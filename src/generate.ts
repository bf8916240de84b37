// Generation with the interpreter (ir/generate.ts), and the check that a user's graph is a model.
import { AbiError, type Graph, type GenerateOptions, type GenerateResult, generateTokens, LOGITS, looksLikeModel, type ModelAbi, modelAbi, POSITIONS, type SamplingOptions, TOKENS } from "../ir/index.js";
import { UserError } from "./errors.js";

export type GenerationResult = GenerateResult;

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

/** Runs the prompt and then up to `maxTokens` steps in the interpreter (greedy unless `options.sampling`), stopping early at a stop token. */
export function generate(graph: Graph, prompt: number[], maxTokens: number, options: GenerateOptions = {}): GenerationResult {
  if (prompt.length === 0) throw new UserError("the prompt has no tokens");
  return generateTokens(graph, prompt, maxTokens, options);
}

/** One line describing how tokens were chosen. */
export function samplingText(o: SamplingOptions | undefined): string {
  if (!o) return "greedy";
  const penalty = o.repeatPenalty !== 1 ? `, repeat-penalty ${o.repeatPenalty} over ${o.repeatLastN}` : "";
  if (o.temperature === 0) return `greedy${penalty}`;
  return `temperature ${o.temperature}, top-k ${o.topK}, top-p ${o.topP}, min-p ${o.minP}${penalty}, seed ${o.seed}`;
}
