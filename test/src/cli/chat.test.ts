// ternc chat: a scripted conversation on stdin, the prompt built by the model's chat template, replies sampled
// the same way for one seed in the interpreter and in the compiled targets, and the errors a user can meet.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBitnetGguf } from "../../../src/frontend/gguf/writeModel.js";
import { randomBitnetWeights, TINY_BITNET_2B4T_FORM } from "../../../src/frontend/randomBitnet.js";
import { tokenizerKvs, trainByteLevelBpe } from "../../../src/frontend/tokenizer/train.js";
import { cliWithInput, ROOT } from "../../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ternc-chat-"));
const example = join(ROOT, "examples/tiny-bitnet.gguf");
const conversation = ["hello there", "how are you", "/reset", "hello there"];
// Hot enough that the small random model's replies vary from token to token.
const sampling = ["--temperature", "30", "--top-p", "1", "--min-p", "0", "--max-tokens", "6"];
const savedCache = process.env.TERNC_CACHE_DIR;
beforeAll(() => {
  process.env.TERNC_CACHE_DIR = join(dir, "cache");
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.TERNC_CACHE_DIR;
  else process.env.TERNC_CACHE_DIR = savedCache;
});

interface Turn {
  user: string;
  reply: string;
  tokens: number[];
  promptTokens: number;
}

async function chat(lines: readonly string[], ...args: string[]): Promise<Turn[]> {
  const r = await cliWithInput(lines, "chat", example, "--json", ...args);
  expect(r.stderr).toMatch(/ternc chat: .*chat format llama2-sys-strip/);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Turn);
}

describe("ternc chat", () => {
  let reference: Turn[];
  it("runs a scripted conversation with the model's chat template: one JSON line per turn", async () => {
    reference = await chat(conversation, ...sampling, "--seed", "7");
    expect(reference.map((t) => t.user)).toEqual(["hello there", "how are you", "hello there"]);
    for (const t of reference) expect(t.tokens.length).toBeGreaterThan(0);
    // The second prompt holds the first turn; after /reset the prompt is the first one again.
    expect(reference[1]!.promptTokens).toBeGreaterThan(reference[0]!.promptTokens);
    expect(reference[2]!.promptTokens).toBe(reference[0]!.promptTokens);
    expect(new Set(reference.flatMap((t) => t.tokens)).size).toBeGreaterThan(3);
    // Turn i samples with seed + i: the same prompt at turn 0 and turn 2 is answered differently.
    expect(reference[2]!.tokens).not.toEqual(reference[0]!.tokens);
  });
  it("repeats exactly for a seed, and differs for another", async () => {
    const again = await chat(conversation, ...sampling, "--seed", "7");
    expect(again.map(({ reply, tokens }) => ({ reply, tokens }))).toEqual(reference.map(({ reply, tokens }) => ({ reply, tokens })));
    expect((await chat(conversation, ...sampling, "--seed", "8")).map((t) => t.tokens)).not.toEqual(reference.map((t) => t.tokens));
  });
  it.each(["c", "wgsl"])("gives the interpreter's replies on the %s backend for the same seed", async (backend) => {
    const turns = await chat(conversation, ...sampling, "--seed", "7", "--backend", backend);
    expect(turns.map(({ user, reply, tokens }) => ({ user, reply, tokens }))).toEqual(reference.map(({ user, reply, tokens }) => ({ user, reply, tokens })));
  }, 300_000);
  it("prints each reply on its own line, stops at /exit, and greedy decoding needs no seed", async () => {
    const r = await cliWithInput(["hello there", "/exit", "how are you"], "chat", example, "--max-tokens", "4", "--temperature", "0");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("greedy");
    expect(r.stdout.split("\n")).toHaveLength(2);
  });
  it("reports a message too long for the context, goes on with the next, and exits 1 at the end", async () => {
    const r = await cliWithInput(["x".repeat(6000), "hello there"], "chat", example, "--json", ...sampling, "--seed", "7");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ternc chat: error: this message \(\d+ tokens with the conversation's format\) and a reply of up to 6 tokens \(--max-tokens\) do not fit the context of \d+ tokens/);
    expect(r.stderr).toContain("ternc: error: some messages got no reply (see above)");
    const turns = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Turn & { sampling: { seed: number } });
    // The failed message is not part of the conversation: the next turn is a first turn (with turn 0's seed).
    expect(turns.map((t) => t.tokens)).toEqual([reference[0]!.tokens]);
    expect(turns[0]!.sampling.seed).toBe(7);
  });
  it("--context N drops the oldest turns to fit, and says so", async () => {
    const r = await cliWithInput(["hello there", "how are you", "hello"], "chat", example, "--json", "--context", "70", "--max-tokens", "6", "--seed", "1");
    expect(r.code, r.stderr).toBe(0);
    const turns = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Turn & { dropped: number });
    expect(turns.map((t) => t.dropped)).toEqual([0, 0, 1]);
    for (const t of turns) expect(t.promptTokens + 6).toBeLessThanOrEqual(70);
    expect(r.stderr).toContain("(the 1 oldest turn(s) no longer fit the context of 70 tokens and were left out)");
  });
  it("reads stdin in the built ternc, as a pipeline gives it", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "dist/src/cli/main.js"), "chat", example, "--json", ...sampling, "--seed", "7"], { input: `${conversation.join("\n")}\n`, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n").map((l) => JSON.parse(l).tokens)).toEqual(reference.map((t) => t.tokens));
  });
});

describe("ternc chat: bad input", () => {
  it("an unknown --chat-template names the formats ternc knows", async () => {
    const r = await cliWithInput([], "chat", example, "--chat-template", "nope");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--chat-template nope: not a chat format ternc knows \(chatml, llama2, .*bitnet/);
  });
  it("a model without a chat template asks for --chat-template, and chats with one", async () => {
    const vocab = trainByteLevelBpe("hello there, how are you", 10);
    const hp = { ...TINY_BITNET_2B4T_FORM, vocab: vocab.tokens.length, hidden: 256, intermediate: 512, heads: 4, kvHeads: 2, headDim: 64, layers: 1 };
    const model = join(dir, "no-template.gguf");
    writeBitnetGguf(model, hp, randomBitnetWeights(hp, 3), { linearType: "TQ2_0", extra: tokenizerKvs(vocab) });
    const r = await cliWithInput(["hi"], "chat", model);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${model}: the model carries no chat template; name a format with --chat-template (chatml`);
    const ok = await cliWithInput(["hi"], "chat", model, "--chat-template", "chatml", "--max-tokens", "2", "--json");
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).tokens.length).toBeGreaterThan(0);
  });
  it("a graph without a tokenizer, and bad sampling options, are errors naming what is wrong", async () => {
    const tir = await cliWithInput(["hi"], "chat", join(ROOT, "examples/bitnet_block.tir"));
    expect(tir.code).toBe(1);
    expect(tir.stderr).toContain("chat needs a model file with a tokenizer");
    const bad = await cliWithInput(["hi"], "chat", example, "--top-p", "0");
    expect(bad.stderr).toContain("ternc: error: --top-p 0: expected a number in (0, 1]");
  });
});
