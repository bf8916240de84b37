// Tokenizers from model files: GGUF `tokenizer.ggml.*` metadata, or a Hugging Face tokenizer.json.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../errors.js";
import { readJsonObject } from "../../io/files.js";
import type { GgufFile } from "../gguf/gguf.js";
import { HPARAM_LIMITS } from "../hparams.js";
import { byteLevelBpe, compilePattern, PRETOKENIZERS, sentencePiece, type Tokenizer } from "./tokenizer.js";
import { own } from "../../util/own.js";

function stringArray(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new UserError(`${what} must be an array of strings`);
  return v as string[];
}

/** An optional array of numbers, one per token. */
function numberArray(v: unknown, length: number, what: string): number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== length || v.some((x) => typeof x !== "number")) throw new UserError(`${what} must be an array of ${length} numbers (one per token)`);
  return v as number[];
}

/** An optional token id: a whole number below the vocabulary size. */
function tokenId(v: unknown, size: number, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= size) throw new UserError(`${what}: ${JSON.stringify(v)} is not a token id (the vocabulary has ${size})`);
  return v;
}

/** The tokenizer a GGUF file carries, or undefined if it has none. */
export function ggufTokenizer(file: GgufFile): Tokenizer | undefined {
  const meta = (k: string): unknown => file.metadata.get(`tokenizer.ggml.${k}`)?.value;
  const model = meta("model");
  // llama.cpp's markers of a model without a tokenizer ("none" in older files).
  if (model === undefined || model === "none" || model === "no_vocab") return undefined;
  const tokens = stringArray(meta("tokens"), `${file.path}: tokenizer.ggml.tokens`);
  if (tokens.length === 0) throw new UserError(`${file.path}: tokenizer.ggml.tokens is empty`);
  const types = numberArray(meta("token_type"), tokens.length, `${file.path}: tokenizer.ggml.token_type`) ?? tokens.map(() => 1);
  const bosId = tokenId(meta("bos_token_id"), tokens.length, `${file.path}: tokenizer.ggml.bos_token_id`);
  const eosId = tokenId(meta("eos_token_id"), tokens.length, `${file.path}: tokenizer.ggml.eos_token_id`);
  if (model === "gpt2") {
    const pre = String(meta("pre") ?? "gpt2");
    return byteLevelBpe({
      tokens,
      merges: stringArray(meta("merges") ?? [], `${file.path}: tokenizer.ggml.merges`),
      control: new Set(types.flatMap((t, i) => (t === 3 ? [i] : []))),
      userDefined: new Set(types.flatMap((t, i) => (t === 4 ? [i] : []))),
      bosId,
      eosId,
      addBos: meta("add_bos_token") === true,
      pattern: own(PRETOKENIZERS, pre) ?? PRETOKENIZERS.gpt2!,
    });
  }
  if (model === "llama") {
    const scores = numberArray(meta("scores"), tokens.length, `${file.path}: tokenizer.ggml.scores`) ?? tokens.map(() => 0);
    return sentencePiece({ tokens, scores, types, bosId, eosId, addBos: meta("add_bos_token") !== false });
  }
  throw new UserError(`${file.path}: unsupported tokenizer model '${String(model)}' (ternc reads gpt2 and llama); use --tokens`);
}

interface HfTokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: Array<string | [string, string]> };
  added_tokens?: Array<{ id: number; content: string; special?: boolean }>;
  pre_tokenizer?: unknown;
}

function findRegex(node: unknown, depth: number, path: string): string | undefined {
  if (!node || typeof node !== "object") return undefined;
  if (depth > MAX_PRETOKENIZER_DEPTH) throw new UserError(`${path}: pre_tokenizer nests more than ${MAX_PRETOKENIZER_DEPTH} deep`);
  const o = node as Record<string, unknown>;
  const pattern = o.pattern as Record<string, unknown> | undefined;
  if (o.type === "Split" && pattern && typeof pattern.Regex === "string") return pattern.Regex;
  for (const child of Array.isArray(o.pretokenizers) ? o.pretokenizers : []) {
    const r = findRegex(child, depth + 1, path);
    if (r) return r;
  }
  return undefined;
}

/** Pre-tokenizers nest (Sequence of Split, ByteLevel...) no deeper than this in any real tokenizer.json. */
const MAX_PRETOKENIZER_DEPTH = 16;

/**
 * The tokenizer of a Hugging Face folder (tokenizer.json, byte-level BPE), or undefined if there is none. Every
 * field is checked before use: ids are whole numbers within a bound set by the vocabulary's own size (a 50-byte
 * file must not make ternc allocate a billion entries), merges strings or pairs, the Split regex one that compiles.
 */
export function hfTokenizer(dir: string, config: Record<string, unknown>): Tokenizer | undefined {
  const path = join(dir, "tokenizer.json");
  if (!existsSync(path)) return undefined;
  const json = readJsonObject(path) as HfTokenizerJson;
  const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
  if (!isObject(json.model) || json.model.type !== "BPE" || !isObject(json.model.vocab)) throw new UserError(`${path}: unsupported tokenizer model '${String(isObject(json.model) ? json.model.type : undefined)}' (ternc reads BPE); use --tokens`);
  const vocab = Object.entries(json.model.vocab);
  const added = json.added_tokens ?? [];
  if (!Array.isArray(added) || !added.every((t) => isObject(t) && typeof t.content === "string")) throw new UserError(`${path}: added_tokens must be a list of {id, content}`);
  if (vocab.length + added.length === 0) throw new UserError(`${path}: the vocabulary is empty`);
  // Ids are dense in real tokenizers; allow gaps, but not a sparse table larger than twice the entries.
  const bound = Math.min(HPARAM_LIMITS.vocab, 2 * (vocab.length + added.length) + 1024);
  const id = (v: unknown, what: string, below = bound): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= below) throw new UserError(`${path}: ${what} has id ${JSON.stringify(v)} (expected a whole number below ${below})`);
    return v;
  };
  // A loop, not Math.max(...ids): a 128k-entry vocabulary is too many arguments for one call.
  let size = 0;
  for (const [t, v] of vocab) size = Math.max(size, id(v, `token ${JSON.stringify(t)}`) + 1);
  for (const t of added) size = Math.max(size, id(t.id, `added token ${JSON.stringify(t.content)}`) + 1);
  const tokens = new Array<string>(size).fill("");
  for (const [t, i] of vocab) tokens[i as number] = t;
  const control = new Set<number>();
  // Added tokens are matched whole in text (tokenizers' AddedVocabulary); the special ones only as control tokens.
  const userDefined = new Set<number>();
  for (const t of added) {
    tokens[t.id] = t.content;
    if (t.special) control.add(t.id);
    else userDefined.add(t.id);
  }
  const rawMerges = json.model.merges ?? [];
  const isPair = (m: unknown): boolean => Array.isArray(m) && m.length === 2 && m.every((x) => typeof x === "string");
  if (!Array.isArray(rawMerges) || !rawMerges.every((m) => typeof m === "string" || isPair(m))) throw new UserError(`${path}: model.merges must be a list of "a b" strings or [a, b] pairs`);
  const merges = rawMerges.map((m) => (Array.isArray(m) ? m.join(" ") : m));
  const pattern = findRegex(json.pre_tokenizer, 0, path) ?? PRETOKENIZERS.gpt2!;
  try {
    compilePattern(pattern);
  } catch (e) {
    throw new UserError(`${path}: the pre_tokenizer's Split regex does not compile (${(e as Error).message})`);
  }
  const configId = (k: string): number | undefined => (config[k] === undefined ? undefined : id(config[k], `config.json's ${k}`, size));
  return byteLevelBpe({ tokens, merges, control, userDefined, bosId: configId("bos_token_id"), eosId: configId("eos_token_id"), addBos: config.bos_token_id !== undefined, pattern });
}
