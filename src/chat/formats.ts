// Chat formats: a conversation as the prompt text a model was trained on. As llama.cpp does without a Jinja engine,
// a model's chat template (a Jinja program in the file) is recognised by the markers it contains and rendered by the
// matching format written here; `--chat-template NAME` picks one by name. Control tokens in the text (`<|eot_id|>`)
// become their ids when the text is encoded with `special`.

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatFormat {
  name: string;
  /** The conversation as prompt text; with `addAssistant`, ending where the assistant's next reply begins. */
  render(messages: readonly ChatMessage[], addAssistant: boolean): string;
  /** Control tokens that end an assistant's turn, besides the model's end of sequence. */
  endOfTurn: readonly string[];
}

/** Strips spaces, tabs and line breaks at both ends (llama.cpp's trim). */
const trim = (s: string): string => s.replace(/^\s+|\s+$/g, "");

function chatml(): ChatFormat {
  return {
    name: "chatml",
    endOfTurn: ["<|im_end|>"],
    render: (messages, addAssistant) => messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join("") + (addAssistant ? "<|im_start|>assistant\n" : ""),
  };
}

/** Llama 2 and its variants: a system message inside <<SYS>> or not, BOS before each later [INST] or not, trimmed or not. */
function llama2(name: string, o: { system: boolean; bosInHistory: boolean; strip: boolean }): ChatFormat {
  return {
    name,
    endOfTurn: [],
    render(messages) {
      let out = "[INST] ";
      let insideTurn = true;
      for (const m of messages) {
        const content = o.strip ? trim(m.content) : m.content;
        if (!insideTurn) {
          insideTurn = true;
          out += o.bosInHistory ? "<s>[INST] " : "[INST] ";
        }
        if (m.role === "system") out += o.system ? `<<SYS>>\n${content}\n<</SYS>>\n\n` : `${content}\n`;
        else if (m.role === "user") out += `${content} [/INST]`;
        else {
          out += `${content}</s>`;
          insideTurn = false;
        }
      }
      return out;
    },
  };
}

function llama3(): ChatFormat {
  return {
    name: "llama3",
    endOfTurn: ["<|eot_id|>"],
    render: (messages, addAssistant) =>
      messages.map((m) => `<|start_header_id|>${m.role}<|end_header_id|>\n\n${trim(m.content)}<|eot_id|>`).join("") + (addAssistant ? "<|start_header_id|>assistant<|end_header_id|>\n\n" : ""),
  };
}

/** BitNet b1.58 2B-4T: `Role: content<|eot_id|>`, the reply after `Assistant: `. */
function bitnet(): ChatFormat {
  const label: Record<ChatRole, string> = { system: "System", user: "User", assistant: "Assistant" };
  return {
    name: "bitnet",
    endOfTurn: ["<|eot_id|>"],
    render: (messages, addAssistant) => messages.map((m) => `${label[m.role]}: ${trim(m.content)}<|eot_id|>`).join("") + (addAssistant ? "Assistant: " : ""),
  };
}

/** Gemma: no system role (its text opens the first user turn); the assistant is `model`. */
function gemma(): ChatFormat {
  return {
    name: "gemma",
    endOfTurn: ["<end_of_turn>"],
    render(messages, addAssistant) {
      let out = "";
      let system = "";
      for (const m of messages) {
        if (m.role === "system") {
          system += trim(m.content);
          continue;
        }
        // The system text opens the next turn that is not the model's (llama.cpp's gemma rendering).
        const role = m.role === "assistant" ? "model" : m.role;
        const prefix = system && role !== "model" ? `${system}\n\n` : "";
        if (prefix) system = "";
        out += `<start_of_turn>${role}\n${prefix}${trim(m.content)}<end_of_turn>\n`;
      }
      return out + (addAssistant ? "<start_of_turn>model\n" : "");
    },
  };
}

/** Phi 3 (`<|end|>`) and Zephyr (`<|endoftext|>`): `<|role|>\ncontent` and the end marker. */
function roleTags(name: string, end: string): ChatFormat {
  return {
    name,
    endOfTurn: [end],
    render: (messages, addAssistant) => messages.map((m) => `<|${m.role}|>\n${m.content}${end}\n`).join("") + (addAssistant ? "<|assistant|>\n" : ""),
  };
}

function vicuna(): ChatFormat {
  return {
    name: "vicuna",
    endOfTurn: [],
    render: (messages, addAssistant) =>
      messages.map((m) => (m.role === "system" ? `${m.content}\n\n` : m.role === "user" ? `USER: ${m.content}\n` : `ASSISTANT: ${m.content}</s>\n`)).join("") + (addAssistant ? "ASSISTANT:" : ""),
  };
}

/** Every format, by the name `--chat-template` takes (llama.cpp's names). */
export const CHAT_FORMATS: Readonly<Record<string, ChatFormat>> = Object.fromEntries(
  [
    chatml(),
    llama2("llama2", { system: false, bosInHistory: false, strip: false }),
    llama2("llama2-sys", { system: true, bosInHistory: false, strip: false }),
    llama2("llama2-sys-bos", { system: true, bosInHistory: true, strip: false }),
    llama2("llama2-sys-strip", { system: true, bosInHistory: false, strip: true }),
    llama3(),
    bitnet(),
    gemma(),
    roleTags("phi3", "<|end|>"),
    roleTags("zephyr", "<|endoftext|>"),
    vicuna(),
  ].map((f) => [f.name, f]),
);

/** The format of this name (`--chat-template`), if ternc has one. */
export function chatFormatNamed(name: string): ChatFormat | undefined {
  return Object.hasOwn(CHAT_FORMATS, name) ? CHAT_FORMATS[name] : undefined;
}

/** The format a chat template (the Jinja text a model file carries) is written for, by its markers; undefined if none. */
export function detectChatFormat(template: string): ChatFormat | undefined {
  const has = (s: string): boolean => template.includes(s);
  const name = chatFormatNamed(trim(template))
    ? trim(template)
    : has("<|im_start|>")
      ? "chatml"
      : has("[INST]")
        ? has("content.strip()")
          ? "llama2-sys-strip"
          : has("bos_token + '[INST]")
            ? "llama2-sys-bos"
            : has("<<SYS>>")
              ? "llama2-sys"
              : "llama2"
        : has("<|assistant|>") && has("<|end|>")
          ? "phi3"
          : has("<|user|>") && has("<|endoftext|>")
            ? "zephyr"
            : has("<start_of_turn>")
              ? "gemma"
              : has("USER: ") && has("ASSISTANT: ")
                ? "vicuna"
                : has("<|start_header_id|>") && has("<|end_header_id|>")
                  ? "llama3"
                  : has("<|eot_id|>") && has("Assistant: ")
                    ? "bitnet"
                    : undefined;
  return name ? chatFormatNamed(name) : undefined;
}
