// A chat: the conversation so far, rendered by the model's chat format and run one turn at a time by any backend.
// Each turn runs the whole conversation again (a runner process keeps no state between calls); the oldest turns
// are dropped when it no longer fits the context. Replies stream as they come, in every backend.
import type { SamplingOptions } from "../../ir/index.js";
import { UserError } from "../errors.js";
import type { Tokenizer } from "../frontend/tokenizer/tokenizer.js";
import type { ChatFormat, ChatMessage } from "./formats.js";

/** What a backend does for one turn: run the prompt and generate, stopping at a stop token, telling each token as it comes. */
export type TurnRunner = (
  prompt: number[],
  o: { maxTokens: number; sampling?: SamplingOptions; stopTokens: number[]; onToken?: (token: number) => void },
) => Promise<{ generated: number[]; prefillSeconds: number; decodeSeconds: number }> | { generated: number[]; prefillSeconds: number; decodeSeconds: number };

export interface ChatOptions {
  format: ChatFormat;
  tokenizer: Tokenizer;
  run: TurnRunner;
  /** The most tokens of one reply. */
  maxTokens: number;
  /** Greedy when absent; turn i (from 0) samples with seed + i, so a conversation repeats exactly for one seed. */
  sampling?: SamplingOptions;
  system?: string;
  /** Prompt and reply together fit in this many tokens (the model's context). */
  contextLength?: number;
}

export interface ChatTurn {
  reply: string;
  /** The reply's tokens, a final stop token included. */
  tokens: number[];
  promptTokens: number;
  /** Earlier turns (a message and its reply) left out so the prompt fits the context. */
  dropped: number;
  /** How this turn's tokens were chosen (its seed is the session's + the turn's index); absent for greedy. */
  sampling?: SamplingOptions;
  prefillSeconds: number;
  decodeSeconds: number;
}

/**
 * Decodes tokens as they come into text that can be printed: a character whose bytes span tokens is held back until
 * it is whole.
 */
export function textStream(tokenizer: Tokenizer): (token: number) => string {
  const tokens: number[] = [];
  let shown = 0;
  return (token) => {
    tokens.push(token);
    const text = tokenizer.decode(tokens);
    if (text.endsWith("\uFFFD")) return "";
    const out = text.slice(shown);
    shown = text.length;
    return out;
  };
}

export class ChatSession {
  private messages: ChatMessage[] = [];
  private turns = 0;
  readonly stopTokens: number[];
  /** The format's end-of-turn markers the vocabulary lacks as one token: replies cannot stop at them. */
  readonly missingEndOfTurn: string[];

  constructor(private readonly o: ChatOptions) {
    if (o.system !== undefined) this.messages.push({ role: "system", content: o.system });
    // A format's end-of-turn marker counts only where the vocabulary has it as one token (control or user-defined).
    const ids = o.format.endOfTurn.map((t) => o.tokenizer.encode(t, { bos: false, special: true }));
    const single = (i: number): boolean => ids[i]!.length === 1 && ["", o.format.endOfTurn[i]].includes(o.tokenizer.decode(ids[i]!));
    this.missingEndOfTurn = o.format.endOfTurn.filter((_, i) => !single(i));
    this.stopTokens = [...new Set([...(o.tokenizer.eosId !== undefined ? [o.tokenizer.eosId] : []), ...ids.filter((_, i) => single(i)).map((t) => t[0]!)])];
  }

  /** Forgets the conversation (the system message stays). */
  reset(): void {
    this.messages = this.messages.filter((m) => m.role === "system");
  }

  /**
   * The prompt tokens of the conversation plus `user`, dropping the oldest turns (a message with its reply, so the
   * roles still alternate as every format expects) while it does not fit. Returns the conversation it kept.
   */
  private prompt(user: ChatMessage): { tokens: number[]; dropped: number; kept: ChatMessage[] } {
    let history = [...this.messages, user];
    let dropped = 0;
    for (;;) {
      const tokens = this.o.tokenizer.encode(this.o.format.render(history, true), { special: true });
      if (this.o.contextLength === undefined || tokens.length + this.o.maxTokens <= this.o.contextLength) return { tokens, dropped, kept: history.slice(0, -1) };
      const first = history.findIndex((m) => m.role !== "system");
      if (history[first] === user) {
        throw new UserError(`this message (${tokens.length} tokens with the conversation's format) and a reply of up to ${this.o.maxTokens} tokens (--max-tokens) do not fit the context of ${this.o.contextLength} tokens`);
      }
      const count = history[first + 1]?.role === "assistant" ? 2 : 1;
      history = history.filter((_, i) => i < first || i >= first + count);
      dropped++;
    }
  }

  /** Runs one turn: the user's message in, the assistant's reply out (streamed to `onText` as it comes). */
  async turn(content: string, onText?: (text: string) => void): Promise<ChatTurn> {
    const user: ChatMessage = { role: "user", content };
    const { tokens: prompt, dropped, kept } = this.prompt(user);
    const s = this.o.sampling;
    const sampling = s && { ...s, seed: (s.seed + this.turns) % 2 ** 32 };
    const stream = onText && textStream(this.o.tokenizer);
    let streamed = "";
    const onToken = stream && ((t: number): void => {
      const piece = stream(t);
      streamed += piece;
      if (piece) onText!(piece);
    });
    const r = await this.o.run(prompt, { maxTokens: this.o.maxTokens, sampling, stopTokens: this.stopTokens, ...(onToken ? { onToken } : {}) });
    const body = this.stopTokens.includes(r.generated.at(-1)!) ? r.generated.slice(0, -1) : r.generated;
    const reply = this.o.tokenizer.decode(body);
    // A reply cut inside a character: what the stream held back is the rest of the reply.
    if (onText && reply.length > streamed.length && reply.startsWith(streamed)) onText(reply.slice(streamed.length));
    // The dropped turns leave the conversation for good, so later prompts do not grow past the context again.
    this.messages = [...kept, user, { role: "assistant", content: reply }];
    this.turns++;
    return { reply, tokens: r.generated, promptTokens: prompt.length, dropped, prefillSeconds: r.prefillSeconds, decodeSeconds: r.decodeSeconds, ...(sampling ? { sampling } : {}) };
  }
}
