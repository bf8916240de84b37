// Tokenizers of BitNet model files: byte-level BPE (GGUF `gpt2`, HF tokenizer.json) and SentencePiece
// BPE with byte fallback (GGUF `llama`), encoding text to ids and decoding ids to text. This module imports nothing
// and uses no Node API, so browsers run it as it is (a compiled model's tokenizer.json holds its `spec`).

/** Text a model's vocabulary cannot encode (a user's prompt, not a bug). */
export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenizerError";
  }
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const fromUtf8 = (bytes: readonly number[]): string => new TextDecoder().decode(new Uint8Array(bytes));

/** Encodes and decodes text for one model. */
export interface Tokenizer {
  readonly kind: "byte-level BPE" | "SentencePiece";
  readonly size: number;
  /**
   * Text to ids; a BOS id is prepended when the model asks for it (and `bos` is not false). With `special`, the text
   * of a control token (`<|eot_id|>`, `</s>`) becomes that token, as in a chat template's output (llama.cpp's
   * parse_special); otherwise it is encoded as plain text.
   */
  encode(text: string, options?: EncodeOptions): number[];
  /** Ids to text; control tokens (BOS, EOS, ...) are left out. */
  decode(ids: readonly number[]): string;
  readonly bosId?: number;
  readonly eosId?: number;
  /** Everything the tokenizer is made from, as JSON-able data (tokenizerFromSpec rebuilds it). */
  readonly spec: TokenizerSpec;
}

export interface EncodeOptions {
  bos?: boolean;
  special?: boolean;
}

/** A tokenizer as data: written next to a compiled model as tokenizer.json. */
export type TokenizerSpec =
  | { format: "ternc-tokenizer"; kind: "byte-level BPE"; vocab: Omit<BpeVocab, "control" | "userDefined"> & { control: number[]; userDefined?: number[] } }
  | { format: "ternc-tokenizer"; kind: "SentencePiece"; vocab: SpmVocab };

/** The tokenizer a spec describes (from tokenizer.json). */
export function tokenizerFromSpec(spec: TokenizerSpec): Tokenizer {
  if (spec.kind === "byte-level BPE") return byteLevelBpe({ ...spec.vocab, control: new Set(spec.vocab.control), userDefined: new Set(spec.vocab.userDefined ?? []) });
  return sentencePiece(spec.vocab);
}

/** The ids an encoding starts with: BOS when the vocabulary asks for it and the caller did not turn it off. */
function bosPrefix(v: { addBos: boolean; bosId?: number }, options: EncodeOptions): number[] {
  return v.addBos && options.bos !== false && v.bosId !== undefined ? [v.bosId] : [];
}

/** Token texts to their ids, and the texts longest first (the order they are looked for in). */
interface WholeTokens {
  ids: ReadonlyMap<string, number>;
  names: readonly string[];
}

/**
 * An encoder that runs `plain` between the tokens the text spells out whole, the longest first where two start at the
 * same place: user-defined tokens always, control tokens with `special` (llama.cpp's tokenizer_st_partition). `plain`
 * sees each stretch of text between them on its own. The two tables are built once, here.
 */
function wholeTokenEncoder(whole: { controls: ReadonlyMap<string, number>; userDefined: ReadonlyMap<string, number> }, plain: (piece: string, out: number[]) => void): (text: string, options: EncodeOptions, prefix: number[]) => number[] {
  const table = (special: boolean): WholeTokens => {
    const ids = new Map([...whole.userDefined, ...(special ? whole.controls : [])]);
    return { ids, names: [...ids.keys()].filter((n) => n !== "").sort((a, b) => b.length - a.length) };
  };
  const [plainOnly, withSpecial] = [table(false), table(true)];
  return (text, options, prefix) => {
    const out = prefix;
    const { ids, names } = options.special ? withSpecial : plainOnly;
    if (ids.size === 0) {
      plain(text, out);
      return out;
    }
    let from = 0;
    while (from <= text.length) {
      let at = -1;
      let name = "";
      for (const n of names) {
        const i = text.indexOf(n, from);
        if (i >= 0 && (at < 0 || i < at)) [at, name] = [i, n];
      }
      if (at < 0) {
        if (from < text.length) plain(text.slice(from), out);
        break;
      }
      if (at > from) plain(text.slice(from, at), out);
      out.push(ids.get(name)!);
      from = at + name.length;
    }
    return out;
  };
}

/** GPT-2's map from bytes to printable characters, so every byte sequence is a string of "characters". */
function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out = new Array<string>(256);
  bs.forEach((b, i) => (out[b] = String.fromCodePoint(cs[i]!)));
  return out;
}

export const BYTE_TO_CHAR = bytesToUnicode();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** Pre-tokenizer patterns by llama.cpp's `tokenizer.ggml.pre` name. */
export const PRETOKENIZERS: Record<string, string> = {
  gpt2: "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  "llama-bpe": "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};

/**
 * Compiles a pre-tokenizer regex. Node 20 lacks inline case-insensitive groups, `(?i:...)` (Llama 3's
 * pattern has one), so their letters are spelled out as [xX] classes instead.
 */
export function compilePattern(pattern: string): RegExp {
  const expanded = pattern.replace(/\(\?i:([^()]*)\)/g, (_, body: string) => `(?:${body.replace(/[a-zA-Z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`)})`);
  return new RegExp(expanded, "gu");
}

export interface BpeVocab {
  tokens: string[];
  merges: string[];
  /** Token ids never produced from plain text (BOS, EOS, ...): only by `special`, and left out when decoding. */
  control: Set<number>;
  /** Token ids always produced from their text, whole (a vocabulary's added tokens); decoded as their text. */
  userDefined?: Set<number>;
  bosId?: number;
  eosId?: number;
  addBos: boolean;
  pattern: string;
}

/** Applies merges in rank order (lowest first) to a list of symbols. */
function mergeByRank(symbols: string[], rank: (a: string, b: string) => number | undefined): string[] {
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const r = rank(symbols[i]!, symbols[i + 1]!);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return symbols;
    symbols.splice(best, 2, symbols[best]! + symbols[best + 1]!);
  }
}

export function byteLevelBpe(v: BpeVocab): Tokenizer {
  const ids = new Map(v.tokens.map((t, i) => [t, i]));
  const ranks = new Map(v.merges.map((m, i) => [m, i]));
  const split = compilePattern(v.pattern);
  const whole = { controls: new Map([...v.control].map((id) => [v.tokens[id] ?? "", id])), userDefined: new Map([...(v.userDefined ?? [])].map((id) => [v.tokens[id] ?? "", id])) };
  const plain = (text: string, out: number[]): void => {
    for (const piece of text.match(split) ?? []) {
      const chars = [...utf8(piece)].map((b) => BYTE_TO_CHAR[b]!);
      for (const sym of mergeByRank(chars, (a, b) => ranks.get(`${a} ${b}`))) {
        const id = ids.get(sym);
        if (id !== undefined) out.push(id);
        else for (const ch of sym) out.push(ids.get(ch)!);
      }
    }
  };
  const encodeWhole = wholeTokenEncoder(whole, plain);
  return {
    kind: "byte-level BPE",
    size: v.tokens.length,
    spec: { format: "ternc-tokenizer", kind: "byte-level BPE", vocab: { ...v, control: [...v.control], userDefined: [...(v.userDefined ?? [])] } },
    bosId: v.bosId,
    eosId: v.eosId,
    encode(text, options = {}) {
      return encodeWhole(text, options, bosPrefix(v, options));
    },
    decode(list) {
      const bytes: number[] = [];
      for (const id of list) {
        if (v.control.has(id)) continue;
        // An added token is stored as its text, not in GPT-2's byte alphabet.
        if (v.userDefined?.has(id)) {
          bytes.push(...utf8(v.tokens[id] ?? ""));
          continue;
        }
        for (const ch of v.tokens[id] ?? "") {
          const b = CHAR_TO_BYTE.get(ch);
          if (b !== undefined) bytes.push(b);
        }
      }
      return fromUtf8(bytes);
    },
  };
}

export interface SpmVocab {
  tokens: string[];
  scores: number[];
  /** llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 6 byte. */
  types: number[];
  bosId?: number;
  eosId?: number;
  addBos: boolean;
}

const SPACE = "\u2581";

/** SentencePiece BPE as llama.cpp runs it: merge the highest-scoring pair (leftmost on ties), bytes as fallback. */
export function sentencePiece(v: SpmVocab): Tokenizer {
  const ids = new Map<string, number>();
  v.tokens.forEach((t, i) => {
    if (v.types[i] !== 3 && !ids.has(t)) ids.set(t, i);
  });
  const byteIds = new Map<number, number>();
  v.tokens.forEach((t, i) => {
    const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(t);
    if (m && v.types[i] === 6) byteIds.set(parseInt(m[1]!, 16), i);
  });
  const whole = { controls: new Map<string, number>(), userDefined: new Map<string, number>() };
  v.tokens.forEach((t, i) => {
    if (v.types[i] === 3) whole.controls.set(t, i);
    if (v.types[i] === 4) whole.userDefined.set(t, i);
  });
  // Each stretch of text gets the leading space, after a control token too, as llama.cpp's SentencePiece does.
  const plain = (text: string, out: number[]): void => {
    if (text === "") return;
    // Highest score first is lowest rank first; mergeByRank keeps the leftmost pair on ties, as llama.cpp.
    const symbols = mergeByRank([...(SPACE + text.replaceAll(" ", SPACE))], (a, b) => {
      const id = ids.get(a + b);
      return id === undefined ? undefined : -v.scores[id]!;
    });
    for (const s of symbols) {
      const id = ids.get(s);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      for (const b of utf8(s)) {
        const bid = byteIds.get(b);
        if (bid === undefined) throw new TokenizerError(`the vocabulary has no token for '${s}' and no byte fallback for 0x${b.toString(16)}`);
        out.push(bid);
      }
    }
  };
  const encodeWhole = wholeTokenEncoder(whole, plain);
  return {
    kind: "SentencePiece",
    size: v.tokens.length,
    spec: { format: "ternc-tokenizer", kind: "SentencePiece", vocab: v },
    bosId: v.bosId,
    eosId: v.eosId,
    encode(text, options = {}) {
      return encodeWhole(text, options, bosPrefix(v, options));
    },
    decode(list) {
      const bytes: number[] = [];
      for (const id of list) {
        if (v.types[id] === 3) continue;
        const t = v.tokens[id] ?? "";
        const m = v.types[id] === 6 ? /^<0x([0-9A-Fa-f]{2})>$/.exec(t) : null;
        if (m) bytes.push(parseInt(m[1]!, 16));
        else bytes.push(...utf8(t.replaceAll(SPACE, " ")));
      }
      const text = fromUtf8(bytes);
      return text.startsWith(" ") ? text.slice(1) : text;
    },
  };
}
