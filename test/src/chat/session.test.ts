// A chat session: the prompt built by the format each turn, replies stopping at end of turn, the seed of each turn,
// the oldest turns dropped when the context is full, and text streamed whole characters at a time.
import { describe, expect, it } from "vitest";
import { SAMPLING_DEFAULTS, type SamplingOptions } from "../../../ir/index.js";
import { CHAT_FORMATS } from "../../../src/chat/formats.js";
import { ChatSession, textStream, type TurnRunner } from "../../../src/chat/session.js";
import { byteLevelBpe, PRETOKENIZERS } from "../../../src/frontend/tokenizer/tokenizer.js";
import { trainByteLevelBpe } from "../../../src/frontend/tokenizer/train.js";

const v = trainByteLevelBpe("hello there, how are you? fine, thanks. <|im_end|>", 20);
// A vocabulary with ChatML's end of turn as a control token.
const tokens = [...v.tokens, "<|im_end|>"];
const imEnd = tokens.length - 1;
const tokenizer = byteLevelBpe({ tokens, merges: v.merges, control: new Set([v.bosId, v.eosId, imEnd]), bosId: v.bosId, eosId: v.eosId, addBos: true, pattern: PRETOKENIZERS.gpt2! });

/** A backend that replies with the encoded `reply` then `end`, recording each call. */
function scripted(reply: string, end: number): { run: TurnRunner; calls: Array<{ prompt: number[]; sampling?: SamplingOptions; stopTokens: number[] }> } {
  const calls: Array<{ prompt: number[]; sampling?: SamplingOptions; stopTokens: number[] }> = [];
  const run: TurnRunner = (prompt, o) => {
    calls.push({ prompt, stopTokens: o.stopTokens, ...(o.sampling ? { sampling: o.sampling } : {}) });
    const generated = [...tokenizer.encode(reply, { bos: false }), end];
    for (const t of generated) o.onToken?.(t);
    return { generated, prefillSeconds: 0, decodeSeconds: 0 };
  };
  return { run, calls };
}

describe("ChatSession", () => {
  it("builds each prompt from the whole conversation, stops at end of turn, and samples turn i with seed + i", async () => {
    const { run, calls } = scripted("fine", imEnd);
    const s = new ChatSession({ format: CHAT_FORMATS.chatml!, tokenizer, run, maxTokens: 8, system: "be brief", sampling: { ...SAMPLING_DEFAULTS, seed: 4294967295 } });
    expect(s.stopTokens).toEqual([v.eosId, imEnd]);
    const streamed: string[] = [];
    expect((await s.turn("hello", (t) => streamed.push(t))).reply).toBe("fine");
    expect(streamed.join("")).toBe("fine");
    await s.turn("how are you");
    const messages = [
      { role: "system", content: "be brief" },
      { role: "user", content: "hello" },
      { role: "assistant", content: "fine" },
      { role: "user", content: "how are you" },
    ] as const;
    // decode leaves out control tokens: <|im_end|> is one here, <|im_start|> plain text.
    expect(tokenizer.decode(calls[1]!.prompt)).toBe(CHAT_FORMATS.chatml!.render(messages, true).replaceAll("<|im_end|>", ""));
    expect(calls[1]!.prompt.filter((t) => t === imEnd)).toHaveLength(4);
    expect(calls.map((c) => c.sampling?.seed)).toEqual([4294967295, 0]);
    s.reset();
    await s.turn("hello");
    expect(calls[2]!.prompt).toEqual(calls[0]!.prompt);
  });
  it("drops the oldest turns, keeping the system message, when the prompt and reply no longer fit", async () => {
    const { run, calls } = scripted("fine, thanks", imEnd);
    const s = new ChatSession({ format: CHAT_FORMATS.chatml!, tokenizer, run, maxTokens: 4, system: "be brief", contextLength: 160 });
    const first = await s.turn("hello there");
    expect(first.dropped).toBe(0);
    let turn = first;
    for (let i = 0; i < 4 && turn.dropped === 0; i++) turn = await s.turn("how are you");
    expect(turn.dropped).toBeGreaterThan(0);
    const last = calls.at(-1)!.prompt;
    expect(last.length + 4).toBeLessThanOrEqual(160);
    expect(tokenizer.decode(last).startsWith("<|im_start|>system\nbe brief\n<|im_start|>user\nhow are you")).toBe(true);
    await expect(s.turn("hello there ".repeat(20))).rejects.toThrow(/do not fit the context of 160 tokens/);
  });
  it("a reply cut by --max-tokens keeps every token; greedy runs get no sampling", async () => {
    const { run, calls } = scripted("fine", v.bosId);
    const s = new ChatSession({ format: CHAT_FORMATS.chatml!, tokenizer, run, maxTokens: 8 });
    const t = await s.turn("hello");
    expect(t.tokens.at(-1)).toBe(v.bosId);
    expect(calls[0]!.sampling).toBeUndefined();
  });
});

describe("textStream", () => {
  it("holds back a character whose bytes span tokens", () => {
    // The vocabulary has no token for é: its two UTF-8 bytes are two tokens.
    const ids = tokenizer.encode("é!", { bos: false });
    expect(ids).toHaveLength(3);
    const stream = textStream(tokenizer);
    expect(ids.map((t) => stream(t))).toEqual(["", "é", "!"]);
  });
});
