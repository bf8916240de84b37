// Chat formats: each renders a conversation as its models were trained on (llama.cpp's renderings), and a model's
// Jinja template is recognised by its markers.
import { describe, expect, it } from "vitest";
import { CHAT_FORMATS, chatFormatNamed, type ChatMessage, detectChatFormat } from "../../../src/chat/formats.js";
import { EXAMPLE_CHAT_TEMPLATE } from "../../../src/examples.js";

const conversation: ChatMessage[] = [
  { role: "system", content: "You are brief." },
  { role: "user", content: "hello" },
  { role: "assistant", content: " response " },
  { role: "user", content: "again" },
];
const render = (name: string, add = true): string => CHAT_FORMATS[name]!.render(conversation, add);

describe("chat formats", () => {
  it("chatml", () => {
    expect(render("chatml")).toBe("<|im_start|>system\nYou are brief.<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n response <|im_end|>\n<|im_start|>user\nagain<|im_end|>\n<|im_start|>assistant\n");
    expect(render("chatml", false).endsWith("again<|im_end|>\n")).toBe(true);
  });
  it("the Llama 2 family", () => {
    expect(render("llama2")).toBe("[INST] You are brief.\nhello [/INST] response </s>[INST] again [/INST]");
    expect(render("llama2-sys")).toBe("[INST] <<SYS>>\nYou are brief.\n<</SYS>>\n\nhello [/INST] response </s>[INST] again [/INST]");
    expect(render("llama2-sys-bos")).toBe("[INST] <<SYS>>\nYou are brief.\n<</SYS>>\n\nhello [/INST] response </s><s>[INST] again [/INST]");
    expect(render("llama2-sys-strip")).toBe("[INST] <<SYS>>\nYou are brief.\n<</SYS>>\n\nhello [/INST]response</s>[INST] again [/INST]");
  });
  it("Llama 3 and BitNet b1.58 2B-4T", () => {
    expect(render("llama3")).toBe(
      "<|start_header_id|>system<|end_header_id|>\n\nYou are brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nhello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nresponse<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nagain<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    );
    expect(render("bitnet")).toBe("System: You are brief.<|eot_id|>User: hello<|eot_id|>Assistant: response<|eot_id|>User: again<|eot_id|>Assistant: ");
  });
  it("Gemma (the system text opens the first user turn), Phi 3, Zephyr, Vicuna", () => {
    expect(render("gemma")).toBe("<start_of_turn>user\nYou are brief.\n\nhello<end_of_turn>\n<start_of_turn>model\nresponse<end_of_turn>\n<start_of_turn>user\nagain<end_of_turn>\n<start_of_turn>model\n");
    expect(render("phi3")).toBe("<|system|>\nYou are brief.<|end|>\n<|user|>\nhello<|end|>\n<|assistant|>\n response <|end|>\n<|user|>\nagain<|end|>\n<|assistant|>\n");
    expect(render("zephyr")).toBe("<|system|>\nYou are brief.<|endoftext|>\n<|user|>\nhello<|endoftext|>\n<|assistant|>\n response <|endoftext|>\n<|user|>\nagain<|endoftext|>\n<|assistant|>\n");
    expect(render("vicuna")).toBe("You are brief.\n\nUSER: hello\nASSISTANT:  response </s>\nUSER: again\nASSISTANT:");
  });
  it("each format names the control token that ends a reply, where it has one", () => {
    expect(Object.fromEntries(Object.values(CHAT_FORMATS).map((f) => [f.name, f.endOfTurn]))).toMatchObject({ chatml: ["<|im_end|>"], llama3: ["<|eot_id|>"], bitnet: ["<|eot_id|>"], gemma: ["<end_of_turn>"], llama2: [] });
  });
});

describe("detectChatFormat", () => {
  const cases: Array<[string, string]> = [
    ["{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}", "chatml"],
    [EXAMPLE_CHAT_TEMPLATE, "llama2-sys-strip"],
    ["{% for m in messages %}{% if m['role'] == 'user' %}{{ bos_token + '[INST] ' + m['content'] + ' [/INST]' }}{% endif %}{% endfor %}", "llama2-sys-bos"],
    ["{% if messages[0]['role'] == 'system' %}<<SYS>>{% endif %}[INST] {{ m }} [/INST]", "llama2-sys"],
    ["{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}", "llama3"],
    ["{% for message in messages %}{% if message['role'] == 'user' %}{{ 'User: ' + message['content'] | trim + '<|eot_id|>' }}{% elif message['role'] == 'assistant' %}{{ 'Assistant: ' + message['content'] | trim + '<|eot_id|>' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}", "bitnet"],
    ["{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}", "gemma"],
    ["{% for message in messages %}{{'<|' + message['role'] + '|>' + '\\n' + message['content'] + '<|end|>\\n' }}{% endfor %}<|assistant|>", "phi3"],
    ["{% for message in messages %}{{ '<|user|>\\n' + message['content'] + '<|endoftext|>' }}{% endfor %}", "zephyr"],
    ["{% for m in messages %}{{ 'USER: ' + m['content'] + '\\n' }}{% endfor %}{{ 'ASSISTANT: ' }}", "vicuna"],
    ["bitnet", "bitnet"],
  ];
  for (const [template, name] of cases) it(`recognises ${name}${template === name ? " by its name" : ""}`, () => expect(detectChatFormat(template)?.name).toBe(name));
  it("the system text opens gemma's next user turn, never a model turn", () => {
    const m: ChatMessage[] = [{ role: "system", content: "a" }, { role: "assistant", content: "x" }, { role: "system", content: "b" }, { role: "user", content: "y" }];
    expect(CHAT_FORMATS.gemma!.render(m, false)).toBe("<start_of_turn>model\nx<end_of_turn>\n<start_of_turn>user\nab\n\ny<end_of_turn>\n");
  });
  it("names are looked up among the formats only", () => {
    expect(chatFormatNamed("toString")).toBeUndefined();
    expect(detectChatFormat("constructor")).toBeUndefined();
    expect(chatFormatNamed("bitnet")?.name).toBe("bitnet");
  });
  it("recognises nothing in a template of no known format", () => {
    expect(detectChatFormat("{% for m in messages %}{{ m['content'] }}{% endfor %}")).toBeUndefined();
  });
});
