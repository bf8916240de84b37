// The model commands of the CLI: inspect, import, and running a model (generation) rather than a graph.
import { extname } from "node:path";
import { type BlobReader, formatType, type Graph, type SamplingOptions } from "../../ir/index.js";
import { UserError } from "../errors.js";
import { loadModel } from "../frontend/loadModel.js";
import type { LoadedModel } from "../frontend/modelInfo.js";
import { type Tokenizer, TokenizerError } from "../frontend/tokenizer/tokenizer.js";
import { generate, samplingText } from "../generate.js";
import { writeGraphWithBlob } from "../importModel.js";
import { writeFileAtomic } from "../io/files.js";
import { encodeNpy } from "../io/npy.js";
import { type ActQuantFlag, loadModelGraph, modelGraph, type ModelSourceOptions } from "../loadModelGraph.js";
import type { CliIo } from "./io.js";
import { progressFor } from "./progress.js";
import { bytesText } from "../util/bytes.js";
import { type SamplingFlags, samplingFromFlags } from "./sampling.js";

export function inspectCommand(path: string, opts: { json?: boolean }, io: CliIo): void {
  const m = loadModel(path);
  const total = m.tensors.reduce((a, t) => a + t.bytes, 0);
  if (opts.json) {
    io.stdout(`${JSON.stringify({ path, format: m.format, architecture: m.architecture, hparams: m.hparams, contextLength: m.contextLength, facts: Object.fromEntries(m.facts), tensors: m.tensors, totalBytes: total }, null, 2)}\n`);
    return;
  }
  const hp = m.hparams;
  const lines = [
    `model:         ${path}`,
    `architecture:  ${m.architecture} (${hp.ffnActivation === "relu2" ? "squared-ReLU" : "SiLU"} FFN, ${hp.subNorms ? "with" : "without"} sub-norms)`,
    ...m.facts.map(([k, v]) => `${`${k}:`.padEnd(15)}${v}`),
    `layers:        ${hp.layers}`,
    `hidden:        ${hp.hidden}`,
    `intermediate:  ${hp.intermediate}`,
    `heads:         ${hp.heads} (KV heads ${hp.kvHeads}, head dim ${hp.headDim})`,
    `vocab:         ${hp.vocab}`,
    `rms eps:       ${hp.rmsEps}`,
    `rope:          base ${hp.ropeBase}, ${hp.ropeDims ?? hp.headDim} dims, ${hp.ropeStyle}`,
    ...(m.contextLength ? [`context:       ${m.contextLength}`] : []),
    `tensors:       ${m.tensors.length}, ${bytesText(total)}`,
    "",
  ];
  const w = Math.max(...m.tensors.map((t) => t.name.length), 4);
  const tw = Math.max(...m.tensors.map((t) => t.type.length), 4);
  lines.push(`${"name".padEnd(w)}  ${"type".padEnd(tw)}  ${"shape".padEnd(14)}  bytes`);
  for (const t of m.tensors) lines.push(`${t.name.padEnd(w)}  ${t.type.padEnd(tw)}  ${`[${t.shape.join(", ")}]`.padEnd(14)}  ${t.bytes}`);
  io.stdout(`${lines.join("\n")}\n`);
}

export function importCommand(path: string, opts: { output: string; actQuant: ActQuantFlag; json?: boolean; progress?: boolean }, io: CliIo): void {
  if (extname(opts.output) !== ".tir") throw new UserError(`-o ${opts.output}: the output must be a .tir file (weights go next to it, in a .bin file named by its content)`);
  const graph = modelGraph(loadModel(path), opts.actQuant);
  const progress = progressFor(io, "import", opts.progress);
  const { blobPath, bytes, constants } = writeGraphWithBlob(graph, opts.output, progress && ((done, total, written) => progress.update(`writing the weights: ${done}/${total} constants, ${bytesText(written)}`, done === total)));
  progress?.end();
  if (opts.json) return io.stdout(`${JSON.stringify({ tir: opts.output, blob: blobPath, bytes, constants })}\n`);
  io.stdout(`wrote ${opts.output} and ${blobPath} (${constants} constants, ${bytesText(bytes)})\n`);
}

export interface RunModelOptions extends ModelSourceOptions, SamplingFlags {
  progress?: boolean;
  tokens?: string;
  prompt?: string;
  /** Token ids that end generation (default: the tokenizer's end of sequence). */
  stop?: string;
  maxTokens: string;
  logits?: string;
  json?: boolean;
}

/** Token ids written as `1,2,3` after `flag`; a user error naming the flag and the first bad one. */
export function parseTokenList(text: string, flag = "--tokens"): number[] {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const ids = parts.map(Number);
  const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0);
  if (bad >= 0 || ids.length === 0) throw new UserError(`${flag} '${text}': expected token ids such as 1,2,3${bad >= 0 ? ` ('${parts[bad]}' is not one)` : ""}`);
  return ids;
}

/** The tokens generation stops after: `--stop`'s, else the tokenizer's end of sequence (if it names one). */
export function stopTokensOf(stop: string | undefined, eos: number | undefined, vocab: number): number[] | undefined {
  if (stop === undefined) return eos !== undefined ? [eos] : undefined;
  const ids = parseTokenList(stop, "--stop");
  const bad = ids.find((t) => t >= vocab);
  if (bad !== undefined) throw new UserError(`--stop: token id ${bad} is outside the vocabulary (${vocab} tokens)`);
  return ids;
}

/** A whole-number option at least `min`, or a user error naming the flag. */
export function wholeNumber(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag} '${text}': expected a whole number >= ${min}`);
  return n;
}

/** A model run's inputs, checked: the graph, the prompt as tokens, and the tokenizer if the file has one. */
export interface PreparedRun {
  graph: Graph;
  blobs?: BlobReader;
  model?: LoadedModel;
  tokenizer?: Tokenizer;
  prompt: number[];
  maxTokens: number;
  vocab: number;
  /** Undefined: greedy. */
  sampling?: SamplingOptions;
  /** The tokens generation stops after: --stop's, else the tokenizer's end of sequence. */
  stopTokens?: number[];
}

function encodePrompt(path: string, tokenizer: Tokenizer, text: string): number[] {
  try {
    return tokenizer.encode(text);
  } catch (e) {
    if (e instanceof TokenizerError) throw new UserError(`${path}: --prompt: ${e.message}`);
    throw e;
  }
}

/** The prompt a run's options give (--tokens, or --prompt through the tokenizer), checked against the vocabulary. */
export function promptFromOptions(path: string, opts: Pick<RunModelOptions, "tokens" | "prompt">, tokenizer: Tokenizer | undefined, vocab: number, whatLacksTokenizer: string): number[] {
  if (opts.tokens !== undefined && opts.prompt !== undefined) throw new UserError("give either --tokens or --prompt, not both");
  if (opts.prompt !== undefined && !tokenizer) throw new UserError(`${path}: --prompt needs a tokenizer, and ${whatLacksTokenizer} carries none; pass --tokens`);
  if (opts.tokens === undefined && opts.prompt === undefined) throw new UserError("give the prompt as --tokens 1,2,3 (or --prompt \"text\" for a model with a tokenizer)");
  const prompt = opts.prompt !== undefined ? encodePrompt(path, tokenizer!, opts.prompt) : parseTokenList(opts.tokens!);
  const bad = prompt.find((t) => t >= vocab);
  if (bad !== undefined) throw new UserError(`--tokens: token id ${bad} is outside the vocabulary (${vocab} tokens)`);
  return prompt;
}

/** Checks a model run's options against the model (prompt, token ids, --act-quant) for any backend. */
export function prepareModelRun(path: string, opts: RunModelOptions): PreparedRun {
  const maxTokens = wholeNumber(opts.maxTokens, "--max-tokens", 0);
  const sampling = samplingFromFlags(opts, 0);
  const { graph, abi, blobs, model } = loadModelGraph(path, opts);
  const tokenizer = model?.tokenizer;
  const prompt = promptFromOptions(path, opts, tokenizer, abi.vocab, extname(path) === ".tir" ? "a .tir graph" : "this model file");
  return { graph, blobs, model, tokenizer, prompt, maxTokens, vocab: abi.vocab, sampling, stopTokens: stopTokensOf(opts.stop, tokenizer?.eosId, abi.vocab) };
}

/** What a model run produced, as every backend reports it. */
export interface RunReport {
  prompt: number[];
  generated: number[];
  text?: string;
  prefillSeconds: number;
  decodeSeconds: number;
  sampling?: SamplingOptions;
}

const promptLine = (prompt: readonly number[]): string => `prompt:    ${prompt.join(" ")}\n`;

/**
 * A run's tokens on stdout as they come, the same for the interpreter and every target: the prompt, then each token;
 * `end` closes the line. The JSON form streams nothing (printRun prints the whole run).
 */
export function tokenStream(io: CliIo, prompt: readonly number[], json: boolean | undefined): { streamed: boolean; onToken?: (token: number) => void; end(): void } {
  if (json) return { streamed: false, end: () => {} };
  io.stdout(`${promptLine(prompt)}generated:`);
  return { streamed: true, onToken: (t) => io.stdout(` ${t}`), end: () => io.stdout("\n") };
}

/**
 * Prints a run: JSON (with `jsonExtra` fields) on stdout, or the tokens on stdout and the timings on stderr,
 * `context` before them and `engine` (which backend ran it) after.
 */
export function printRun(io: CliIo, r: RunReport, how: { json?: boolean; jsonExtra?: Record<string, unknown>; context?: string; engine: string; streamed?: boolean }): void {
  if (how.json) {
    io.stdout(`${JSON.stringify({ prompt: r.prompt, generated: r.generated, ...(r.text !== undefined ? { text: r.text } : {}), prefillSeconds: r.prefillSeconds, decodeSeconds: r.decodeSeconds, ...(r.sampling ? { sampling: r.sampling } : {}), ...how.jsonExtra })}\n`);
    return;
  }
  // `streamed`: the prompt and the tokens were printed as they came.
  if (!how.streamed) io.stdout(`${promptLine(r.prompt)}generated: ${r.generated.join(" ")}\n`);
  if (r.text !== undefined) io.stdout(`text:      ${JSON.stringify(r.text)}\n`);
  const rate = (n: number, s: number): string => (s > 0 ? `${(n / s).toFixed(1)} tokens/s` : "-");
  io.stderr(`${how.context ?? ""}prefill ${r.prompt.length} tokens in ${r.prefillSeconds.toFixed(3)} s (${rate(r.prompt.length, r.prefillSeconds)}), decode ${r.generated.length} in ${r.decodeSeconds.toFixed(3)} s (${rate(Math.max(r.generated.length - 1, 0), r.decodeSeconds)}) [${how.engine}; ${samplingText(r.sampling)}]\n`);
}

/** Runs a model (file, or a .tir with the model interface) in the interpreter: prompt in, tokens out as they come. */
export function runModel(path: string, opts: RunModelOptions, io: CliIo): void {
  const { graph, blobs, model, tokenizer, prompt, maxTokens, sampling, stopTokens } = prepareModelRun(path, opts);
  // Tokens are printed as they come (the JSON form waits for the whole run); the prefill, before the first token,
  // shows as progress.
  const progress = progressFor(io, "run", opts.progress);
  const stream = tokenStream(io, prompt, opts.json);
  const result = generate(graph, prompt, maxTokens, {
    blobs,
    stopTokens,
    sampling,
    onStep: (step) => (step === 0 ? progress?.update(`prefill of ${prompt.length} tokens`) : progress?.end()),
    onToken: stream.onToken,
  });
  progress?.end();
  stream.end();
  if (opts.logits) writeFileAtomic(opts.logits, encodeNpy(result.promptLogits));
  const context = `${model ? `${model.architecture}, ` : ""}logits ${formatType(graph.typeOf("logits")!)}; `;
  printRun(io, { prompt, generated: result.generated, text: tokenizer?.decode(result.generated), prefillSeconds: result.prefillSeconds, decodeSeconds: result.decodeSeconds, sampling }, { json: opts.json, context, engine: "interpreter", streamed: stream.streamed });
}
