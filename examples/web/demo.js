// The web demo: loads the compiled model served next to this page (model/), encodes the prompt with the model's
// own tokenizer, and streams tokens with tokens/s: greedy (the argmax on the GPU) at temperature 0, else chosen by
// ternc's sampler, which gives the same tokens as every other ternc backend for a seed. window.terncDemo lets a test
// drive it.
import { Sampler } from "./model/ternc_sampler.js";
import { createModel, requestDevice } from "./model/ternc_webgpu.js";
import program from "./model/program.js";
import { tokenizerFromSpec } from "./tokenizer.js";

const $ = (id) => document.getElementById(id);

async function start() {
  if (!navigator.gpu) throw new Error("this browser has no WebGPU (Chrome or Edge 113+, or Chromium with --enable-unsafe-webgpu)");
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error("no WebGPU adapter: the browser found no usable GPU");
  const info = adapter.info ?? {};
  const features = [...adapter.features].filter((f) => ["shader-f16", "subgroups", "timestamp-query"].includes(f));
  $("device").textContent = `${[info.vendor, info.architecture, info.description].filter(Boolean).join(" ") || "WebGPU adapter"} · features: ${features.join(", ") || "none of shader-f16, subgroups, timestamp-query"} · dot4I8Packed: ${navigator.gpu.wgslLanguageFeatures?.has("packed_4x8_integer_dot_product") ? "yes" : "no"}`;
  const device = await requestDevice(adapter);
  const tokenizerResponse = await fetch("./model/tokenizer.json");
  const tokenizer = tokenizerResponse.ok ? tokenizerFromSpec(await tokenizerResponse.json()) : undefined;
  const model = await createModel(device, program, {
    weights: "./model/weights.bin",
    onProgress: (loaded, total) => {
      $("load").value = loaded / total;
      $("load-text").textContent = `loading weights… ${(loaded / 2 ** 20).toFixed(1)} of ${(total / 2 ** 20).toFixed(1)} MiB`;
    },
  });
  $("load").value = 1;
  $("load-text").textContent = `weights loaded: ${(program.weights.bytes / 2 ** 20).toFixed(1)} MiB, vocabulary ${program.vocab}, ${program.steps.length} dispatches per token${tokenizer ? "" : " (no tokenizer: give token ids, e.g. 1,2,3)"}`;

  /** Generation from a prompt (text, or token ids when the model has no tokenizer), streamed to the page. */
  async function generate(prompt, maxTokens, sampling) {
    const ids = tokenizer ? tokenizer.encode(prompt) : prompt.split(/[\s,]+/).filter(Boolean).map(Number);
    if (ids.length === 0) throw new Error("the prompt is empty");
    // Greedy decoding runs the argmax on the GPU (4 bytes read back per token); sampling reads the last logits row.
    const sampler = new Sampler(sampling);
    for (const t of ids) sampler.accept(t);
    model.reset();
    const out = $("output");
    out.replaceChildren(Object.assign(document.createElement("span"), { className: "prompt", textContent: tokenizer ? tokenizer.decode(ids) : ids.join(" ") }));
    const text = document.createTextNode("");
    out.append(text);
    const generated = [];
    const t0 = performance.now();
    let next = await model.next(ids, sampler);
    const t1 = performance.now();
    for (let i = 0; i < maxTokens; i++) {
      generated.push(next);
      text.data = tokenizer ? tokenizer.decode(generated) : ` ${generated.join(" ")}`;
      // The first token comes with the prefill; the rate counts the decode steps after it.
      const decodeS = (performance.now() - t1) / 1000;
      const rate = generated.length > 1 ? `, ${((generated.length - 1) / decodeS).toFixed(1)} tokens/s` : "";
      $("stats").textContent = `prefill ${ids.length} tokens in ${((t1 - t0) / 1000).toFixed(2)} s · ${generated.length} tokens${rate}`;
      if (i + 1 === maxTokens || model.nPast >= model.nCtx || next === tokenizer?.eosId) break;
      next = await model.next([next], sampler);
    }
    $("tokens").textContent = generated.join(",");
    return { prompt: ids, generated, text: text.data };
  }

  /** The sampling options the page's fields say (empty fields keep the sampler's defaults; an empty temperature is 0, greedy, as the field shows). */
  const samplingFromPage = () => {
    const o = { temperature: 0 };
    for (const [id, key] of [["temperature", "temperature"], ["top-k", "topK"], ["top-p", "topP"], ["min-p", "minP"], ["seed", "seed"]]) {
      const v = $(id).value.trim();
      if (v !== "") o[key] = Number(v);
    }
    return o;
  };

  const button = $("generate");
  button.disabled = false;
  button.onclick = async () => {
    button.disabled = true;
    $("error").textContent = "";
    try {
      await generate($("prompt").value, Number($("max-tokens").value) || 32, samplingFromPage());
    } catch (e) {
      $("error").textContent = String(e.message ?? e);
    } finally {
      button.disabled = false;
    }
  };
  return { generate, adapter: $("device").textContent };
}

window.terncDemo = start().catch((e) => {
  $("error").textContent = String(e.message ?? e);
  throw e;
});
