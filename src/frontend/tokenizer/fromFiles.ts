// Tokenizers from model files: GGUF `tokenizer.ggml.*` metadata, or a Hugging Face tokenizer.json.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../errors.js";
import { readText } from "../../io/files.js";
import type { GgufFile } from "../gguf/gguf.js";
import { byteLevelBpe, PRETOKENIZERS, sentencePiece, type Tokenizer } from "./tokenizer.js";
import { own } from "../../util/own.js";

function stringArray(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new UserError(`${what} must be an array of strings`);
  return v as string[];
}

/** The tokenizer a GGUF file carries, or undefined if it has none. */
export function ggufTokenizer(file: GgufFile): Tokenizer | undefined {
  const meta = (k: string): unknown => file.metadata.get(`tokenizer.ggml.${k}`)?.value;
  const model = meta("model");
  if (model === undefined || model === "none") return undefined;
  const tokens = stringArray(meta("tokens"), `${file.path}: tokenizer.ggml.tokens`);
  const types = (meta("token_type") as number[] | undefined) ?? tokens.map(() => 1);
  const num = (k: string): number | undefined => (typeof meta(k) === "number" ? (meta(k) as number) : undefined);
  const bosId = num("bos_token_id");
  const eosId = num("eos_token_id");
  if (model === "gpt2") {
    const pre = String(meta("pre") ?? "gpt2");
    return byteLevelBpe({
      tokens,
      merges: stringArray(meta("merges") ?? [], `${file.path}: tokenizer.ggml.merges`),
      control: new Set(types.flatMap((t, i) => (t === 3 ? [i] : []))),
      bosId,
      eosId,
      addBos: meta("add_bos_token") === true,
      pattern: own(PRETOKENIZERS, pre) ?? PRETOKENIZERS.gpt2!,
    });
  }
  if (model === "llama") {
    const scores = (meta("scores") as number[] | undefined) ?? tokens.map(() => 0);
    return sentencePiece({ tokens, scores, types, bosId, eosId, addBos: meta("add_bos_token") !== false });
  }
  throw new UserError(`${file.path}: unsupported tokenizer model '${String(model)}' (ternc reads gpt2 and llama); use --tokens`);
}

interface HfTokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: Array<string | [string, string]> };
  added_tokens?: Array<{ id: number; content: string; special?: boolean }>;
  pre_tokenizer?: unknown;
}

function findRegex(node: unknown): string | undefined {
  if (!node || typeof node !== "object") return undefined;
  const o = node as Record<string, unknown>;
  const pattern = o.pattern as Record<string, unknown> | undefined;
  if (o.type === "Split" && pattern && typeof pattern.Regex === "string") return pattern.Regex;
  for (const child of Array.isArray(o.pretokenizers) ? o.pretokenizers : []) {
    const r = findRegex(child);
    if (r) return r;
  }
  return undefined;
}

/** The tokenizer of a Hugging Face folder (tokenizer.json, byte-level BPE), or undefined if there is none. */
export function hfTokenizer(dir: string, config: Record<string, unknown>): Tokenizer | undefined {
  const path = join(dir, "tokenizer.json");
  if (!existsSync(path)) return undefined;
  let json: HfTokenizerJson;
  try {
    json = JSON.parse(readText(path)) as HfTokenizerJson;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${path}: not valid JSON`);
  }
  if (json.model?.type !== "BPE" || !json.model.vocab) throw new UserError(`${path}: unsupported tokenizer model '${String(json.model?.type)}' (ternc reads BPE); use --tokens`);
  const size = Math.max(...Object.values(json.model.vocab), ...(json.added_tokens ?? []).map((t) => t.id)) + 1;
  const tokens = new Array<string>(size).fill("");
  for (const [t, id] of Object.entries(json.model.vocab)) tokens[id] = t;
  const control = new Set<number>();
  for (const t of json.added_tokens ?? []) {
    tokens[t.id] = t.content;
    if (t.special) control.add(t.id);
  }
  const merges = (json.model.merges ?? []).map((m) => (Array.isArray(m) ? m.join(" ") : m));
  const num = (k: string): number | undefined => (typeof config[k] === "number" ? (config[k] as number) : undefined);
  return byteLevelBpe({ tokens, merges, control, bosId: num("bos_token_id"), eosId: num("eos_token_id"), addBos: num("bos_token_id") !== undefined, pattern: findRegex(json.pre_tokenizer) ?? PRETOKENIZERS.gpt2! });
}
