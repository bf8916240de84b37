// Tokenizers: round trips on generated vocabularies, merge order by hand, and --prompt end to end.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeBitnetGguf } from "../../../../src/frontend/gguf/writeModel.js";
import { writeBitnetHf } from "../../../../src/frontend/huggingface/writeModel.js";
import { loadModel } from "../../../../src/frontend/loadModel.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM } from "../../../../src/frontend/randomBitnet.js";
import { byteLevelBpe, compilePattern, PRETOKENIZERS, sentencePiece, tokenizerFromSpec } from "../../../../src/frontend/tokenizer/tokenizer.js";
import { tokenizerJson, tokenizerKvs, trainByteLevelBpe, trainSentencePiece } from "../../../../src/frontend/tokenizer/train.js";
import { cli } from "../../../helpers/cli.js";

const CORPUS = "the ternary weights of the model are minus one, zero or plus one; the model adds and subtracts. Ternäre Gewichte: −1, 0, +1 🙂";
const SAMPLES = ["the model", "ternary weights add and subtract", "Ünïcödé and emoji 🙂🚀 and 12345", "  leading and  double  spaces ", "", "tab\tand\nnewline"];

describe("byte-level BPE", () => {
  const v = trainByteLevelBpe(CORPUS, 40);
  const tok = byteLevelBpe({ ...v, control: new Set([v.bosId, v.eosId]), addBos: true, pattern: PRETOKENIZERS.gpt2! });
  it("round-trips any text, BOS first", () => {
    for (const s of SAMPLES) {
      const ids = tok.encode(s);
      expect(ids[0]).toBe(v.bosId);
      expect(tok.decode(ids)).toBe(s);
    }
  });
  it("spells control tokens as their ids only when asked (special), as llama.cpp's parse_special", () => {
    const eos = v.tokens[v.eosId]!;
    const withSpecial = tok.encode(`the${eos}model${eos}`, { special: true, bos: false });
    expect(withSpecial).toEqual([...tok.encode("the", { bos: false }), v.eosId, ...tok.encode("model", { bos: false }), v.eosId]);
    const plain = tok.encode(`the${eos}`, { bos: false });
    expect(plain).not.toContain(v.eosId);
    expect(tok.decode(plain)).toBe(`the${eos}`);
    // The longest control token wins where two start at the same place.
    const tokens = ["a", "<", ">", "<x>", "<x>>"];
    const t = byteLevelBpe({ tokens, merges: [], control: new Set([3, 4]), addBos: false, pattern: PRETOKENIZERS.gpt2! });
    expect(t.encode("a<x>>a<x>", { special: true })).toEqual([0, 4, 0, 3]);
  });
  it("matches user-defined (added) tokens whole in any text and decodes them as their text", () => {
    const tokens = [...v.tokens, "<tool>", "<|turn|>"];
    const tool = tokens.length - 2;
    const turn = tokens.length - 1;
    const t = byteLevelBpe({ tokens, merges: v.merges, control: new Set([turn]), userDefined: new Set([tool]), addBos: false, pattern: PRETOKENIZERS.gpt2! });
    const ids = t.encode("the <tool> model<|turn|>");
    expect(ids).toContain(tool);
    expect(ids).not.toContain(turn);
    expect(t.decode(ids)).toBe("the <tool> model<|turn|>");
    expect(t.encode("<|turn|>", { special: true })).toEqual([turn]);
    // The spec a build writes keeps them.
    expect(tokenizerFromSpec(t.spec).encode("<tool>")).toEqual([tool]);
  });
  it("uses the learned merges: frequent words become few tokens", () => {
    expect(tok.encode("the the the", { bos: false }).length).toBeLessThanOrEqual(3);
    expect(tok.encode("zq", { bos: false })).toHaveLength(2);
  });
  it("applies merges by rank, lowest first", () => {
    // merges: "a b" (rank 0) then "b c" (rank 1): "abc" -> "ab" + "c", never "a" + "bc".
    const tokens = ["a", "b", "c", "ab", "bc"];
    const t = byteLevelBpe({ tokens, merges: ["a b", "b c"], control: new Set(), addBos: false, pattern: PRETOKENIZERS.gpt2! });
    expect(t.encode("abc")).toEqual([3, 2]);
  });
  it("compiles Llama 3's pattern, with its case-insensitive group, on Node 20", () => {
    const re = compilePattern("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
    expect("It'S 12345 ok".match(re)).toEqual(["It", "'S", " ", "123", "45", " ok"]);
  });
});

describe("SentencePiece with byte fallback", () => {
  const v = trainSentencePiece(CORPUS, 40);
  const tok = sentencePiece({ ...v, addBos: true });
  it("round-trips any text, unseen characters through byte tokens", () => {
    for (const s of SAMPLES.filter((x) => !x.startsWith(" "))) expect(tok.decode(tok.encode(s))).toBe(s);
    // "▁漢": the space prefix is a token of its own, then the three UTF-8 bytes of 漢 as byte tokens.
    const ids = tok.encode("漢", { bos: false });
    expect(v.tokens[ids[0]!]).toBe("\u2581");
    expect(ids.slice(1).map((id) => v.tokens[id])).toEqual(["<0xE6>", "<0xBC>", "<0xA2>"]);
  });
  it("merges the highest-scoring pair first, leftmost on ties", () => {
    const tokens = ["<unk>", "<s>", "</s>", "\u2581", "a", "b", "ab", "\u2581a", "bb"];
    const scores = [0, 0, 0, -10, -10, -10, -1, -2, -1];
    const types = [2, 3, 3, 1, 1, 1, 1, 1, 1];
    const t = sentencePiece({ tokens, scores, types, addBos: false });
    // "▁abb": pairs ▁a (-2), ab (-1), bb (-1): the tie between ab and bb goes left -> ▁ ab b.
    expect(t.encode("abb")).toEqual([3, 6, 5]);
  });
  it("with special, a control token is its id and each stretch of text after one gets the leading space again", () => {
    const tokens = ["<unk>", "<s>", "</s>", "\u2581", "a", "b", "\u2581a"];
    const t = sentencePiece({ tokens, scores: [0, 0, 0, -10, -10, -10, -1], types: [2, 3, 3, 1, 1, 1, 1], addBos: false });
    expect(t.encode("a</s>a", { special: true })).toEqual([6, 2, 6]);
    // A user-defined token (type 4) is matched without special, and decodes as its text.
    const u = sentencePiece({ tokens: [...tokens, "<u>"], scores: [0, 0, 0, -10, -10, -10, -1, 0], types: [2, 3, 3, 1, 1, 1, 1, 4], addBos: false });
    expect(u.encode("a<u>a")).toEqual([6, 7, 6]);
    expect(u.decode([6, 7])).toBe("a<u>");
  });
});

describe("tokenizers in model files, and --prompt", () => {
  const dir = mkdtempSync(join(tmpdir(), "ternc-tok-"));
  const bpe = trainByteLevelBpe(CORPUS, 40);
  const spm = trainSentencePiece(CORPUS, 40);
  const hpFor = (vocab: number) => ({ ...TINY_BITNET_2B4T_FORM, vocab, hidden: 256, intermediate: 256, headDim: 64 });
  const files: Array<[string, string, number]> = [];
  const g1 = join(dir, "bpe.gguf");
  writeBitnetGguf(g1, hpFor(bpe.tokens.length), randomBitnetWeights(hpFor(bpe.tokens.length), 1), { linearType: "TQ2_0", extra: tokenizerKvs(bpe) });
  files.push(["GGUF gpt2", g1, bpe.bosId]);
  const g2 = join(dir, "spm.gguf");
  writeBitnetGguf(g2, hpFor(spm.tokens.length), randomBitnetWeights(hpFor(spm.tokens.length), 1), { linearType: "TQ1_0", extra: tokenizerKvs(spm) });
  files.push(["GGUF llama", g2, spm.bosId]);
  const h = join(dir, "hf");
  writeBitnetHf(h, hpFor(bpe.tokens.length), randomBitnetWeights(hpFor(bpe.tokens.length), 1), { weights: "packed", tokenizer: { json: tokenizerJson(bpe), bosId: bpe.bosId, eosId: bpe.eosId } });
  files.push(["HF tokenizer.json", h, bpe.bosId]);
  for (const [label, path, bos] of files) {
    it(`${label}: encode/decode round trip, and ternc run --prompt`, async () => {
      const m = loadModel(path);
      expect(m.tokenizer).toBeDefined();
      for (const s of SAMPLES.filter((x) => !x.startsWith(" ") && x !== "")) expect(m.tokenizer!.decode(m.tokenizer!.encode(s))).toBe(s);
      const r = await cli("run", path, "--prompt", "the model", "--max-tokens", "3", "--json");
      expect(r.stderr).toBe("");
      const out = JSON.parse(r.stdout) as { prompt: number[]; generated: number[]; text: string };
      expect(out.prompt[0]).toBe(bos);
      expect(out.prompt).toEqual(m.tokenizer!.encode("the model"));
      expect(out.text).toBe(m.tokenizer!.decode(out.generated));
    });
  }
  it("--prompt without a tokenizer is a user error", async () => {
    const p = join(dir, "none.gguf");
    writeBitnetGguf(p, hpFor(48), randomBitnetWeights(hpFor(48), 1), { linearType: "TQ2_0" });
    const r = await cli("run", p, "--prompt", "hi");
    expect(r).toMatchObject({ code: 1, stderr: `ternc: error: ${p}: --prompt needs a tokenizer, and this model file carries none; pass --tokens\n` });
  });
});
