#!/usr/bin/env node
// Runs a ternc WGSL build in Node with the `webgpu` package (Dawn): token ids in, generated tokens and tokens/s out.
//
//   node run-node.mjs --tokens 1,2,3 [--max-tokens 32] [--weights weights.bin] [--context N] [--batch N]
//                     [--stop ID,ID...] [--logits FILE] [--trace FILE] [--trace-steps K] [--portable-dot4] [--json]
//                     [--stream]
//                     [--temperature T] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--repeat-last-n N]
//                     [--seed S]
//
// --stream prints `token N` as each token is chosen. Decoding is greedy (an argmax on the GPU) unless --temperature > 0 or a repetition penalty asks for the logits;
// then ternc's sampler (ternc_sampler.js) chooses, as in every ternc backend for the same seed.
//   node run-node.mjs --inputs IN --outputs OUT [--weights weights.bin] [--trace FILE] [--json]
//
// --logits writes the prompt's logits (f32, [prompt tokens, vocab], little-endian); --trace writes every op's
// results for the first K steps (the prefill is step 0) in ternc's trace format (see backends/common/trace.ts in
// ternc). A build of a plain graph reads its named inputs from IN and writes its outputs to OUT, both in that format.
// Where Dawn finds no GPU, the runner looks for SwiftShader (Chromium's Vulkan on the CPU) and says so.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { nodeAdapter } from "./node-adapter.mjs";
import { SAMPLING_FLAGS, Sampler } from "./ternc_sampler.js";
import { createModel, requestDevice } from "./ternc_webgpu.js";

const here = dirname(fileURLToPath(import.meta.url));
const DTYPES = ["f32", "f16", "bf16", "i8", "i32"];
const ARRAYS = { f32: Float32Array, i8: Int8Array, i32: Int32Array };

function fail(message) {
  process.stderr.write(`run-node: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const o = { maxTokens: 32, traceSteps: 1, json: false, weights: join(here, "weights.bin"), stop: [], sampling: { temperature: 0 } };
  const value = (i) => (i + 1 < argv.length ? argv[i + 1] : fail(`${argv[i]} needs a value`));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const intOf = (v) => (/^-?\d+$/.test(v) ? Number(v) : fail(`${a}: '${v}' is not a whole number`));
    const numberOf = (v) => (v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : fail(`${a}: '${v}' is not a number`));
    // The sampling flags are ternc's own (SAMPLING_FLAGS); counts and the seed are whole numbers.
    const samplingKey = Object.keys(SAMPLING_FLAGS).find((key) => SAMPLING_FLAGS[key] === a);
    if (a === "--json") o.json = true;
    else if (a === "--portable-dot4") o.portableDot4 = true;
    else if (a === "--stream") o.stream = true;
    else if (a === "--tokens") o.tokens = value(i++).split(",").filter((s) => s !== "").map(intOf);
    else if (a === "--max-tokens") o.maxTokens = intOf(value(i++));
    else if (a === "--weights") o.weights = value(i++);
    else if (a === "--context" || a === "--ctx") o.ctx = intOf(value(i++));
    else if (a === "--batch") o.batch = intOf(value(i++));
    else if (a === "--stop") o.stop = value(i++).split(",").map(intOf);
    else if (samplingKey) o.sampling[samplingKey] = (["topK", "repeatLastN", "seed"].includes(samplingKey) ? intOf : numberOf)(value(i++));
    else if (a === "--logits") o.logits = value(i++);
    else if (a === "--trace") o.trace = value(i++);
    else if (a === "--trace-steps") o.traceSteps = intOf(value(i++));
    else if (a === "--inputs") o.inputs = value(i++);
    else if (a === "--outputs") o.outputs = value(i++);
    else fail(`unknown argument ${a}`);
  }
  return o;
}

/** The trace format: per record u32 name length, step, dtype, rank; the name; i64 dims; u64 byte count; the data. */
function encodeRecord(name, step, dtype, shape, data) {
  const nameBytes = new TextEncoder().encode(name);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(16 + nameBytes.length + 8 * shape.length + 8 + bytes.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, nameBytes.length, true);
  v.setUint32(4, step, true);
  v.setUint32(8, DTYPES.indexOf(dtype), true);
  v.setUint32(12, shape.length, true);
  out.set(nameBytes, 16);
  let at = 16 + nameBytes.length;
  for (const d of shape) v.setBigInt64((at += 8) - 8, BigInt(d), true);
  v.setBigUint64(at, BigInt(bytes.length), true);
  out.set(bytes, at + 8);
  return out;
}

function decodeRecords(buf, what) {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = {};
  for (let at = 0; at < buf.length; ) {
    if (at + 16 > buf.length) fail(`${what}: a truncated record`);
    const len = v.getUint32(at, true);
    const dtype = DTYPES[v.getUint32(at + 8, true)];
    const rank = v.getUint32(at + 12, true);
    if (!ARRAYS[dtype] || rank > 8) fail(`${what}: a malformed record`);
    const name = new TextDecoder().decode(buf.subarray(at + 16, at + 16 + len));
    at += 16 + len;
    const shape = [];
    for (let d = 0; d < rank; d++, at += 8) shape.push(Number(v.getBigInt64(at, true)));
    const bytes = Number(v.getBigUint64(at, true));
    at += 8;
    if (at + bytes > buf.length) fail(`${what}: input %${name} is truncated`);
    out[name] = { shape, data: new ARRAYS[dtype](new Uint8Array(buf.subarray(at, at + bytes)).buffer) }; // a copy: a Buffer shares its pool
    at += bytes;
  }
  return out;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const program = (await import(pathToFileURL(join(here, "program.js")).href)).default;
  let weights;
  try {
    weights = readFileSync(o.weights);
  } catch (e) {
    fail(`cannot read the weights: ${o.weights}: ${e.message}`);
  }
  const { gpu, adapter, name } = await nodeAdapter().catch((e) => fail(e.message));
  const device = await requestDevice(adapter);
  const records = [];
  let step = 0;
  const trace = o.trace ? (n, dtype, shape, data) => step < o.traceSteps && records.push(encodeRecord(n, step, dtype, shape, data)) : undefined;
  const open = async (nBatch) => {
    try {
      return await createModel(device, program, { weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), nCtx: o.ctx, nBatch, trace, wgslLanguageFeatures: gpu.wgslLanguageFeatures, portableDot4: o.portableDot4 });
    } catch (e) {
      fail(`${o.weights}: ${e.message}`);
    }
  };
  if (o.inputs) {
    if (program.kind !== "graph") fail("this is a model build: give --tokens");
    if (!o.outputs) fail("--inputs needs --outputs");
    const given = decodeRecords(readFileSync(o.inputs), o.inputs);
    const inputs = {};
    let T;
    for (const io of program.inputs) {
      const v = given[io.name] ?? fail(`${o.inputs}: no value for input %${io.name}`);
      if (v.shape.length !== io.shape.length) fail(`${o.inputs}: input %${io.name} has rank ${v.shape.length}, expected ${io.shape.length}`);
      io.shape.forEach((l, d) => {
        if (l.t === 0) {
          if (v.shape[d] !== l.c) fail(`${o.inputs}: input %${io.name} has dim ${d} = ${v.shape[d]}, expected ${l.c}`);
          return;
        }
        const t = (v.shape[d] - l.c) / l.t;
        if (!Number.isInteger(t) || t < 1 || (T !== undefined && t !== T)) fail(`${o.inputs}: input %${io.name}: dim ${d} = ${v.shape[d]} does not fit the T of the other inputs`);
        T = t;
      });
      inputs[io.name] = v.data;
    }
    const model = await open(T ?? 1);
    const outputs = await model.evalGraph(inputs, T ?? 1);
    writeFileSync(o.outputs, Buffer.concat(program.outputs.map((io) => encodeRecord(io.name, 0, io.dtype, outputs[io.name].shape, outputs[io.name].data))));
    if (o.trace) writeFileSync(o.trace, Buffer.concat(records));
    if (o.json) console.log(JSON.stringify({ T: T ?? 1, adapter: name, dot4: model.dot4 }));
    model.destroy();
    return;
  }
  if (program.kind !== "model") fail("this is a build of a plain graph: give --inputs and --outputs");
  if (!o.tokens?.length) fail("give --tokens 1,2,3");
  let sampler;
  try {
    sampler = new Sampler(o.sampling);
  } catch (e) {
    fail(e.message);
  }
  for (const t of o.tokens) sampler.accept(t);
  const model = await open(o.batch);
  const generated = [];
  try {
    const t0 = performance.now();
    // Only --logits reads every prompt token's logits.
    let next;
    if (o.logits) {
      const logits = await model.eval(o.tokens, { allLogits: true });
      writeFileSync(o.logits, new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength));
      next = sampler.sample(logits.subarray(logits.length - program.vocab));
      sampler.accept(next);
    } else next = await model.next(o.tokens, sampler);
    const t1 = performance.now();
    for (let i = 0; i < o.maxTokens; i++) {
      generated.push(next);
      // --stream: each token as it is chosen, for a caller that shows them as they come.
      if (o.stream) process.stdout.write(`token ${next}\n`);
      if (o.stop.includes(next) || i + 1 === o.maxTokens || model.nPast >= model.nCtx) break;
      step++;
      // Past the traced steps, run as without a trace: one command buffer, the last logits row only.
      if (step >= o.traceSteps) model.trace = undefined;
      next = await model.next([next], sampler);
    }
    const t2 = performance.now();
    if (o.trace) writeFileSync(o.trace, Buffer.concat(records));
    const prefill = (t1 - t0) / 1000;
    const decode = (t2 - t1) / 1000;
    if (o.json) console.log(JSON.stringify({ prompt: o.tokens.length, generated, prefillSeconds: prefill, decodeSeconds: decode, adapter: name, dot4: model.dot4 }));
    else {
      console.log(`generated: ${generated.join(" ")}`);
      process.stderr.write(`prefill ${o.tokens.length} tokens in ${prefill.toFixed(3)} s, decode ${Math.max(generated.length - 1, 0)} in ${decode.toFixed(3)} s [${name}]\n`);
    }
  } catch (e) {
    fail(e.message);
  }
  model.destroy();
}

main().then(
  () => process.exit(0),
  (e) => fail(e?.stack ?? String(e)),
);
