// Small vocabularies learned from a text, for generated test models (real ones cannot be downloaded here),
// and the file entries that carry them (GGUF tokenizer.ggml.* metadata, HF tokenizer.json).
import { type GgufKv, GgufType } from "../gguf/gguf.js";
import { BYTE_TO_CHAR } from "./tokenizer.js";

const SPECIALS = ["<s>", "</s>"];

function mostFrequentPair(words: string[][]): [string, string] | undefined {
  const counts = new Map<string, number>();
  for (const w of words) for (let i = 0; i + 1 < w.length; i++) counts.set(`${w[i]}\u0000${w[i + 1]}`, (counts.get(`${w[i]}\u0000${w[i + 1]}`) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 1;
  for (const [k, c] of counts) if (c > bestCount || (c === bestCount && best !== undefined && k < best)) [best, bestCount] = [k, c];
  return best ? (best.split("\u0000") as [string, string]) : undefined;
}

function learnMerges(words: string[][], count: number): Array<[string, string]> {
  const merges: Array<[string, string]> = [];
  for (let m = 0; m < count; m++) {
    const pair = mostFrequentPair(words);
    if (!pair) break;
    merges.push(pair);
    for (const w of words) {
      for (let i = 0; i + 1 < w.length; i++) if (w[i] === pair[0] && w[i + 1] === pair[1]) w.splice(i, 2, pair[0] + pair[1]);
    }
  }
  return merges;
}

export interface TrainedBpe {
  tokens: string[];
  merges: string[];
  bosId: number;
  eosId: number;
}

/** Byte-level BPE: the 256 byte symbols, `mergeCount` learned merges, then BOS and EOS. */
export function trainByteLevelBpe(corpus: string, mergeCount: number): TrainedBpe {
  const words = (corpus.match(/ ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+/gu) ?? []).map((w) => [...Buffer.from(w, "utf8")].map((b) => BYTE_TO_CHAR[b]!));
  const merges = learnMerges(words, mergeCount);
  const tokens = [...BYTE_TO_CHAR, ...merges.map(([a, b]) => a + b), ...SPECIALS];
  return { tokens: [...new Set(tokens)], merges: merges.map(([a, b]) => `${a} ${b}`), bosId: tokens.length - 2, eosId: tokens.length - 1 };
}

export interface TrainedSpm {
  tokens: string[];
  scores: number[];
  types: number[];
  bosId: number;
  eosId: number;
}

/** SentencePiece-style: <unk>, <s>, </s>, 256 byte tokens, the corpus's characters, then learned merges scored by order. */
export function trainSentencePiece(corpus: string, mergeCount: number): TrainedSpm {
  const space = "\u2581";
  const words = corpus.split(/(?= )/).map((w) => [...w.replaceAll(" ", space)]);
  const chars = [...new Set(words.flat())].sort();
  const merges = learnMerges(words, mergeCount).map(([a, b]) => a + b);
  const tokens = ["<unk>", "<s>", "</s>", ...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`)];
  const types = [2, 3, 3, ...new Array<number>(256).fill(6)];
  const scores = new Array<number>(tokens.length).fill(0);
  for (const c of chars) {
    tokens.push(c);
    types.push(1);
    scores.push(-1000);
  }
  merges.forEach((m, i) => {
    if (tokens.includes(m)) return;
    tokens.push(m);
    types.push(1);
    scores.push(-i);
  });
  return { tokens, scores, types, bosId: 1, eosId: 2 };
}

/** GGUF metadata entries for a trained vocabulary. */
export function tokenizerKvs(v: TrainedBpe | TrainedSpm): GgufKv[] {
  const common: GgufKv[] = [
    { key: "tokenizer.ggml.tokens", type: GgufType.ARRAY, elementType: GgufType.STRING, value: v.tokens },
    { key: "tokenizer.ggml.bos_token_id", type: GgufType.U32, value: v.bosId },
    { key: "tokenizer.ggml.eos_token_id", type: GgufType.U32, value: v.eosId },
    { key: "tokenizer.ggml.add_bos_token", type: GgufType.BOOL, value: true },
  ];
  if ("merges" in v) {
    const types = v.tokens.map((_, i) => (i === v.bosId || i === v.eosId ? 3 : 1));
    return [
      { key: "tokenizer.ggml.model", type: GgufType.STRING, value: "gpt2" },
      { key: "tokenizer.ggml.pre", type: GgufType.STRING, value: "gpt2" },
      ...common,
      { key: "tokenizer.ggml.token_type", type: GgufType.ARRAY, elementType: GgufType.I32, value: types },
      { key: "tokenizer.ggml.merges", type: GgufType.ARRAY, elementType: GgufType.STRING, value: v.merges },
    ];
  }
  return [
    { key: "tokenizer.ggml.model", type: GgufType.STRING, value: "llama" },
    ...common,
    { key: "tokenizer.ggml.scores", type: GgufType.ARRAY, elementType: GgufType.F32, value: v.scores },
    { key: "tokenizer.ggml.token_type", type: GgufType.ARRAY, elementType: GgufType.I32, value: v.types },
  ];
}

/** A Hugging Face tokenizer.json for a trained byte-level BPE. */
export function tokenizerJson(v: TrainedBpe): string {
  const vocab = Object.fromEntries(v.tokens.slice(0, v.bosId).map((t, i) => [t, i]));
  return `${JSON.stringify(
    {
      version: "1.0",
      added_tokens: [v.bosId, v.eosId].map((id) => ({ id, content: v.tokens[id], special: true })),
      pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+" }, behavior: "Isolated" }, { type: "ByteLevel", add_prefix_space: false, use_regex: false }] },
      model: { type: "BPE", vocab, merges: v.merges },
    },
    null,
    1,
  )}\n`;
}
