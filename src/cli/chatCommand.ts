// `ternc chat MODEL`: a conversation on stdin and stdout, in the interpreter or a compiled target, the prompt built by
// the model's chat template and each reply chosen by ternc's sampler (the same tokens in every backend for a seed).
import { isUserError, UserError } from "../errors.js";
import { CHAT_FORMATS, type ChatFormat, chatFormatNamed, detectChatFormat } from "../chat/formats.js";
import { ChatSession, type TurnRunner } from "../chat/session.js";
import { generate, samplingText } from "../generate.js";
import { loadModelGraph, type ModelSourceOptions } from "../loadModelGraph.js";
import { cachedBuild } from "../targets/run.js";
import { wholeNumber } from "./modelCommands.js";
import type { CliIo } from "./io.js";
import { type SamplingFlags, samplingFromFlags } from "./sampling.js";
import { givenTargetOptions } from "./targetCommands.js";
import { getTarget } from "../targets/registry.js";
import { defaultContextOf } from "../targets/compile.js";

export interface ChatCommandOptions extends ModelSourceOptions, SamplingFlags {
  backend: string;
  chatTemplate?: string;
  system?: string;
  maxTokens: string;
  context?: string;
  json?: boolean;
  [option: string]: unknown;
}

/** The format `--chat-template` names, else the one the model's own template is written for. */
function chatFormat(path: string, name: string | undefined, template: string | undefined): ChatFormat {
  const names = Object.keys(CHAT_FORMATS).join(", ");
  if (name !== undefined) {
    const f = chatFormatNamed(name);
    if (!f) throw new UserError(`--chat-template ${name}: not a chat format ternc knows (${names})`);
    return f;
  }
  if (template === undefined) throw new UserError(`${path}: the model carries no chat template; name a format with --chat-template (${names})`);
  const f = detectChatFormat(template);
  if (!f) throw new UserError(`${path}: its chat template (${template.length} characters, starting ${JSON.stringify(template.slice(0, 60))}) is none of the formats ternc knows; name one with --chat-template (${names})`);
  return f;
}

export async function chatCommand(path: string, o: ChatCommandOptions, io: CliIo): Promise<void> {
  const maxTokens = wholeNumber(o.maxTokens, "--max-tokens", 1);
  const sampling = samplingFromFlags(o, 0.8);
  const loaded = loadModelGraph(path, o);
  const model = loaded.model;
  if (!model?.tokenizer) throw new UserError(`${path}: chat needs a model file with a tokenizer (GGUF or a Hugging Face folder)`);
  const format = chatFormat(path, o.chatTemplate, model.chatTemplate);
  if (!io.readLines) throw new UserError("chat reads messages from stdin, and there is none");
  const contextLength = o.context !== undefined ? wholeNumber(o.context, "--context", 1) : defaultContextOf(model);
  let run: TurnRunner;
  let engine = "interpreter";
  if (o.backend === "interp") {
    run = (prompt, r) => generate(loaded.graph, prompt, r.maxTokens, { blobs: loaded.blobs, stopTokens: r.stopTokens, ...(r.sampling ? { sampling: r.sampling } : {}), onToken: r.onToken });
  } else {
    const target = getTarget(o.backend);
    const build = cachedBuild(path, { target: target.name, options: givenTargetOptions(target, o, "backend"), actQuant: o.actQuant, allowBlobPath: o.allowBlobPath, log: (line) => io.stderr(`${line}\n`) });
    for (const note of build.lossy) io.stderr(`LOSSY ${note}\n`);
    engine = target.name;
    run = (prompt, r) => build.target.runModel(build.dir, { tokens: prompt, maxTokens: r.maxTokens, stopTokens: r.stopTokens, context: Math.min(prompt.length + r.maxTokens, contextLength), ...(r.sampling ? { sampling: r.sampling } : {}), ...(r.onToken ? { onToken: r.onToken } : {}) }, build.options);
  }
  const session = new ChatSession({ format, tokenizer: model.tokenizer, run, maxTokens, contextLength, ...(sampling ? { sampling } : {}), ...(o.system !== undefined ? { system: o.system } : {}) });
  const interactive = io.stdinIsTerminal === true;
  io.stderr(`ternc chat: ${path} (chat format ${format.name}; ${samplingText(sampling)}; ${engine}). ${interactive ? "Type a message; /reset forgets the conversation, /exit or Ctrl-D ends." : "Reading messages from stdin, one per line."}\n`);
  if (session.missingEndOfTurn.length) io.stderr(`note: the vocabulary has no control token ${session.missingEndOfTurn.join(", ")}: replies end only at the end of sequence or --max-tokens\n`);
  if (interactive) io.stdout("> ");
  let failed = false;
  for await (const line of io.readLines()) {
    const text = line.trim();
    if (text === "/exit" || text === "/quit") break;
    if (text === "/reset") session.reset();
    else if (text !== "") {
      // The reply streams as it comes, from the interpreter and from a compiled target's runner alike. A turn that
      // fails (a message too long for the context, a runner error) is reported, and the conversation goes on.
      try {
        const turn = await session.turn(text, o.json ? undefined : (piece) => io.stdout(piece));
        if (o.json) io.stdout(`${JSON.stringify({ user: text, reply: turn.reply, tokens: turn.tokens, promptTokens: turn.promptTokens, dropped: turn.dropped, prefillSeconds: turn.prefillSeconds, decodeSeconds: turn.decodeSeconds, ...(turn.sampling ? { sampling: turn.sampling } : {}) })}\n`);
        else io.stdout("\n");
        if (turn.dropped) io.stderr(`(the ${turn.dropped} oldest turn(s) no longer fit the context of ${contextLength} tokens and were left out)\n`);
      } catch (e) {
        if (!isUserError(e)) throw e;
        io.stderr(`ternc chat: error: ${(e as Error).message}\n`);
        failed = true;
      }
    }
    if (interactive) io.stdout("> ");
  }
  if (failed) throw new UserError("some messages got no reply (see above)");
}
