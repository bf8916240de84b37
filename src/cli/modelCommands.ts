// The model commands of the CLI: inspect, import, and running a model (generation) rather than a graph.
import { dirname, extname, resolve } from "node:path";
import { type BlobReader, formatType, type Graph, verifyOrThrow } from "../../ir/index.js";
import { UserError } from "../errors.js";
import { buildBitnetGraph } from "../frontend/bitnetGraph.js";
import { loadModel } from "../frontend/loadModel.js";
import type { LoadedModel } from "../frontend/modelInfo.js";
import type { Tokenizer } from "../frontend/tokenizer/tokenizer.js";
import { checkModelGraph, generate } from "../generate.js";
import { blobPathFor, writeGraphWithBlob } from "../importModel.js";
import { writeFileAtomic } from "../io/files.js";
import { encodeNpy } from "../io/npy.js";
import { loadIrFile } from "../api.js";
import { fileBlobReader } from "../io/blobs.js";
import type { CliIo } from "./program.js";

export type ActQuantFlag = "per-token" | "none";

function bytesText(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/**
 * The model's graph: weights stay lazy, KV cache inputs included (so generation can reuse them). Pass
 * `weights` to build several graphs from one read of the file.
 */
export function modelGraph(model: LoadedModel, actQuant: ActQuantFlag = "per-token", weights = model.weights()): Graph {
  const graph = buildBitnetGraph(model.hparams, weights, { name: "model", kvCache: true, actQuant: actQuant === "none" ? "none" : "per_token" });
  verifyOrThrow(graph, model.path);
  return graph;
}

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

export function importCommand(path: string, opts: { output: string; actQuant: ActQuantFlag }, io: CliIo): void {
  if (extname(opts.output) !== ".tir") throw new UserError(`-o ${opts.output}: the output must be a .tir file (weights go next to it, in a .bin file)`);
  const graph = modelGraph(loadModel(path), opts.actQuant);
  const blob = blobPathFor(opts.output);
  const { bytes, constants } = writeGraphWithBlob(graph, opts.output, blob);
  io.stdout(`wrote ${opts.output} and ${blob} (${constants} constants, ${bytesText(bytes)})\n`);
}

export interface RunModelOptions {
  tokens?: string;
  prompt?: string;
  maxTokens: string;
  logits?: string;
  actQuant?: ActQuantFlag;
  json?: boolean;
}

export function parseTokenList(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const ids = parts.map(Number);
  const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0);
  if (bad >= 0 || ids.length === 0) throw new UserError(`--tokens '${text}': expected token ids such as 1,2,3${bad >= 0 ? ` ('${parts[bad]}' is not one)` : ""}`);
  return ids;
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
}

/** Checks a model run's options against the model (prompt, token ids, --act-quant) for any backend. */
export function prepareModelRun(path: string, opts: RunModelOptions): PreparedRun {
  const maxTokens = Number(opts.maxTokens);
  if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new UserError(`--max-tokens '${opts.maxTokens}': expected a whole number >= 0`);
  if (opts.tokens !== undefined && opts.prompt !== undefined) throw new UserError("give either --tokens or --prompt, not both");
  const isTir = extname(path) === ".tir";
  if (isTir && opts.actQuant) throw new UserError("--act-quant applies when ternc builds the graph from a model file; a .tir graph already fixes it");
  let graph: Graph;
  let blobs: BlobReader | undefined;
  let model: LoadedModel | undefined;
  if (isTir) {
    graph = loadIrFile(path);
    checkModelGraph(graph, path);
    blobs = fileBlobReader(dirname(resolve(path)));
  } else {
    model = loadModel(path);
    graph = modelGraph(model, opts.actQuant);
  }
  const tokenizer = model?.tokenizer;
  if (opts.prompt !== undefined && !tokenizer) throw new UserError(`${path}: --prompt needs a tokenizer, and ${isTir ? "a .tir graph" : "this model file"} carries none; pass --tokens`);
  if (opts.tokens === undefined && opts.prompt === undefined) throw new UserError("give the prompt as --tokens 1,2,3 (or --prompt \"text\" for a model with a tokenizer)");
  const prompt = opts.prompt !== undefined ? tokenizer!.encode(opts.prompt) : parseTokenList(opts.tokens!);
  const vocab = graph.typeOf("logits")?.shape[1] as number;
  const bad = prompt.find((t) => t >= vocab);
  if (bad !== undefined) throw new UserError(`--tokens: token id ${bad} is outside the vocabulary (${vocab} tokens)`);
  return { graph, blobs, model, tokenizer, prompt, maxTokens, vocab };
}

/** Runs a model (file, or a .tir with the model interface) in the interpreter: prompt in, greedy tokens out. */
export function runModel(path: string, opts: RunModelOptions, io: CliIo): void {
  const { graph, blobs, model, tokenizer, prompt, maxTokens } = prepareModelRun(path, opts);
  const result = generate(graph, prompt, maxTokens, { blobs, stopToken: tokenizer?.eosId });
  const text = tokenizer?.decode(result.generated);
  if (opts.logits) writeFileAtomic(opts.logits, encodeNpy(result.promptLogits));
  const rate = (n: number, s: number): string => (s > 0 ? `${(n / s).toFixed(1)} tokens/s` : "-");
  if (opts.json) {
    io.stdout(`${JSON.stringify({ prompt, generated: result.generated, ...(text !== undefined ? { text } : {}), prefillSeconds: result.prefillSeconds, decodeSeconds: result.decodeSeconds })}\n`);
    return;
  }
  io.stdout(`prompt:    ${prompt.join(" ")}\n`);
  io.stdout(`generated: ${result.generated.join(" ")}\n`);
  if (text !== undefined) io.stdout(`text:      ${JSON.stringify(text)}\n`);
  io.stderr(`${model ? `${model.architecture}, ` : ""}logits ${formatType(graph.typeOf("logits")!)}; prefill ${prompt.length} tokens in ${result.prefillSeconds.toFixed(3)} s (${rate(prompt.length, result.prefillSeconds)}), decode ${result.generated.length} in ${result.decodeSeconds.toFixed(3)} s (${rate(Math.max(result.generated.length - 1, 0), result.decodeSeconds)}) [interpreter]\n`);
}
