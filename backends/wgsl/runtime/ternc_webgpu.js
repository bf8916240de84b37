// ternc's WebGPU host runtime: runs a compiled program (program.js) on a GPUDevice with its weights (weights.bin).
// Standard WebGPU only: the same file runs in a browser and in Node with the `webgpu` package. No globals: any
// number of models may share one device. See ternc_webgpu.d.ts for the API.

const MAX_WORKGROUPS = 65535;
// GPUBufferUsage / GPUMapMode values (the spec's numbers), so the module needs no WebGPU globals to load.
const STORAGE = 0x80, COPY_SRC = 0x04, COPY_DST = 0x08, UNIFORM = 0x40, MAP_READ = 0x01, MAP_MODE_READ = 0x01;

/** An error of this runtime: a bad weight file, a bad token, a context that is full. */
export class TerncError extends Error {
  constructor(message) {
    super(message);
    this.name = "TerncError";
  }
}

/** Asks `adapter` for a device with the largest storage bindings and buffers it offers (browsers default to 128 MiB). */
export async function requestDevice(adapter) {
  const limits = {};
  for (const name of ["maxStorageBufferBindingSize", "maxBufferSize", "maxStorageBuffersPerShaderStage"]) limits[name] = adapter.limits[name];
  // timestamp-query lets a model profile its steps ({ profile: true }).
  const requiredFeatures = adapter.features.has("timestamp-query") ? ["timestamp-query"] : [];
  return adapter.requestDevice({ requiredLimits: limits, requiredFeatures });
}

let crcTable;
function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Reads the weights from bytes, a Response body stream, or a URL (fetched), reporting progress. */
async function readWeights(source, expected, onProgress) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  let stream = source;
  if (typeof source === "string" || source instanceof URL) {
    const res = await fetch(source);
    if (!res.ok) throw new TerncError(`cannot fetch the weights from ${String(source)}: HTTP ${res.status}`);
    stream = res.body;
  }
  if (!stream || typeof stream.getReader !== "function") throw new TerncError("weights must be a URL, an ArrayBuffer, a Uint8Array or a ReadableStream");
  const out = new Uint8Array(expected);
  const reader = stream.getReader();
  let done = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    if (done + value.length > expected) throw new TerncError(`the weights are larger than the ${expected} bytes this program expects (from another compile?)`);
    out.set(value, done);
    done += value.length;
    onProgress?.(done, expected);
  }
  return done === expected ? out : out.subarray(0, done);
}

// The header's layout comes with the program (program.weights.header), generated from the compiler's own definition.
function checkBlob(blob, program, verify) {
  const w = program.weights;
  const h = w.header;
  const text = new TextDecoder().decode(blob.subarray(0, h.magic.length));
  if (blob.length < h.bytes || text !== h.magic) throw new TerncError("not a ternc weight blob (bad magic)");
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const size = Number(view.getBigUint64(h.sizeOffset, true));
  if (size !== blob.length || size !== w.bytes) throw new TerncError(`weight blob has the wrong size (truncated, or from another compile): ${blob.length} bytes, the header says ${size} and this program expects ${w.bytes}`);
  const layout = view.getUint32(h.layoutOffset, true);
  if (layout !== w.layoutId) throw new TerncError(`weight blob is from another compile: layout ${layout.toString(16)}, this program was generated for ${w.layoutId.toString(16)}`);
  if (verify && crc32(blob.subarray(h.bytes)) !== view.getUint32(h.crcOffset, true)) throw new TerncError("weight blob is damaged: CRC-32 mismatch");
}

const lin = (l, T, P) => {
  const v = l.c + l.t * T + l.p * P;
  return l.div ? Math.ceil(v / l.div) * l.mul : v;
};

/** The shaders call dot4 (dot4I8Packed); without the WGSL language feature it is computed byte by byte. */
const DOT4_LINE = /^fn dot4\(.*\/\/ ternc:dot4$/m;
const DOT4_PORTABLE = `fn dot4(a: u32, b: u32) -> i32 {
  var s = 0;
  for (var i = 0u; i < 32u; i += 8u) { s += (i32(a << (24u - i)) >> 24u) * (i32(b << (24u - i)) >> 24u); }
  return s;
}`;

/** f32(cos(a)), f32(sin(a)) with a = f32(pos * f32(base^(-2i/rot))), exactly as the ternc interpreter computes them. */
function ropeTable(base, rot, positions) {
  const half = rot / 2;
  const out = new Float32Array(positions * half * 2);
  for (let i = 0; i < half; i++) {
    const inv = Math.fround(Math.pow(base, -(2 * i) / rot));
    for (let p = 0; p < positions; p++) {
      const a = Math.fround(p * inv);
      out[(p * half + i) * 2] = Math.cos(a);
      out[(p * half + i) * 2 + 1] = Math.sin(a);
    }
  }
  return out;
}

const STORED = { f32: Float32Array, i32: Int32Array, i8: Int32Array };

/** The index of the largest of n logits from `offset` (the first on ties, as argmax below), in one workgroup. */
const ARGMAX = `struct Args { offset: u32, n: u32 }
@group(0) @binding(0) var<uniform> args: Args;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read_write> best: array<u32>;
var<workgroup> bv: array<f32, 256>;
var<workgroup> bi: array<u32, 256>;
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) lid: u32) {
  var m = v[args.offset];
  var at = 0u;
  for (var i = lid; i < args.n; i += 256u) {
    let x = v[args.offset + i];
    if (x > m || (x == m && i < at)) { m = x; at = i; }
  }
  bv[lid] = m;
  bi[lid] = at;
  for (var stride = 128u; stride > 0u; stride = stride / 2u) {
    workgroupBarrier();
    if (lid < stride) {
      let x = bv[lid + stride];
      let j = bi[lid + stride];
      if (x > bv[lid] || (x == bv[lid] && j < bi[lid])) { bv[lid] = x; bi[lid] = j; }
    }
  }
  if (lid == 0u) { best[0] = bi[0]; }
}`;

/**
 * Creates a model: uploads the weights, creates the buffers for `nCtx` tokens of context and batches of `nBatch`,
 * and compiles the shaders. `options.weights`: a URL, an ArrayBuffer/Uint8Array or a ReadableStream.
 */
export async function createModel(device, program, options = {}) {
  if (program?.format !== "ternc-wgsl-program" || program.version !== 1) throw new TerncError("not a ternc WGSL program (program.js from another ternc version?)");
  const blob = await readWeights(options.weights, program.weights.bytes, options.onProgress);
  checkBlob(blob, program, options.verifyChecksum !== false);
  const model = new Model(device, program, options);
  await model.init(blob);
  return model;
}

class Model {
  constructor(device, program, options) {
    for (const name of ["nCtx", "nBatch"]) {
      const v = options[name];
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new TerncError(`${name} must be a whole number >= 1, not ${v}`);
    }
    this.device = device;
    this.program = program;
    this.vocab = program.vocab;
    this.nCtx = options.nCtx || program.defaultContext;
    // A model's batch fits its context; a plain graph has no context, only the T of its one call.
    this.nBatch = program.kind === "model" ? Math.min(options.nBatch || 64, this.nCtx) : options.nBatch || 64;
    // A model without a KV cache keeps its tokens and runs the whole sequence at every call (see forward).
    this.history = program.kind === "model" && program.caches.length === 0 ? new Int32Array(this.nCtx) : undefined;
    if (this.history) this.nBatch = this.nCtx;
    this.nPast = 0;
    this.trace = options.trace;
    this.options = options;
    this.owned = [];
  }

  buffer(bytes, usage, label) {
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > limit) throw new TerncError(`${label} needs ${bytes} bytes, more than this device binds (${limit}); request a device with larger limits (requestDevice)`);
    const b = this.device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage, label });
    this.owned.push(b);
    return b;
  }

  async init(blob) {
    const p = this.program;
    const d = this.device;
    this.consts = p.weights.consts.map((c) => {
      const b = this.buffer(c.bytes, STORAGE | COPY_DST, `weight ${c.name}`);
      d.queue.writeBuffer(b, 0, blob, c.offset, c.bytes);
      return b;
    });
    this.buffers = p.buffers.map((b, i) => this.buffer(b.perToken * this.nBatch + b.fixed, STORAGE | COPY_SRC | COPY_DST, `buffer ${i}`));
    this.caches = p.caches.map((c, i) => this.buffer(c.width * this.nCtx * 4, STORAGE | COPY_SRC | COPY_DST, `KV cache ${i}`));
    this.tokens = this.buffer(this.nBatch * 4, STORAGE | COPY_DST, "tokens");
    this.pos = this.buffer(this.nBatch * 4, STORAGE | COPY_DST, "positions");
    this.uniforms = this.device.createBuffer({ size: 16, usage: UNIFORM | COPY_DST, label: "call" });
    this.owned.push(this.uniforms);
    // Scratch: packed activations, or attention scores (heads * T * S floats, S at its largest here).
    // The largest call: nBatch tokens with the context full behind them.
    const [T, P] = [this.nBatch, p.kind === "model" ? this.nCtx - this.nBatch : 0];
    let scratch = 4;
    for (const need of p.scratch) scratch = Math.max(scratch, lin(need, T, P));
    for (const a of p.attention) scratch = Math.max(scratch, a.heads * lin(a.queries, T, P) * lin(a.keys, T, P) * 4);
    this.scratch = this.buffer(scratch, STORAGE, "scratch");
    this.packed = (p.packed ?? []).map((need, i) => this.buffer(Math.max(4, lin(need, T, P)), STORAGE, `packed activations ${i}`));
    this.ropes = p.kind === "model" ? p.ropeTables.map((r, i) => this.upload(ropeTable(r.base, r.rot, this.nCtx), `rope table ${i}`)) : [];
    const language = this.options.wgslLanguageFeatures ?? globalThis.navigator?.gpu?.wgslLanguageFeatures;
    // Where the browser cannot say (no wgslLanguageFeatures), the portable dot product is the safe choice.
    this.dot4 = this.options.portableDot4 !== true && language?.has("packed_4x8_integer_dot_product") ? "dot4I8Packed" : "portable";
    const source = (code) => (this.dot4 === "portable" ? code.replace(DOT4_LINE, DOT4_PORTABLE) : code);
    try {
      this.pipelines = await Promise.all(p.shaders.map((code, i) => d.createComputePipelineAsync({ layout: "auto", compute: { module: d.createShaderModule({ code: source(code), label: `shader ${i}` }), entryPoint: "main" } })));
    } catch (e) {
      throw new TerncError(`a shader failed to compile: ${e.message}`);
    }
    if (p.kind === "model") {
      this.groups = this.bindGroups([]);
      const argmax = await d.createComputePipelineAsync({ layout: "auto", compute: { module: d.createShaderModule({ code: ARGMAX, label: "argmax" }), entryPoint: "main" } });
      const args = d.createBuffer({ size: 16, usage: UNIFORM | COPY_DST, label: "argmax args" });
      const best = this.buffer(16, STORAGE | COPY_SRC, "argmax");
      this.owned.push(args);
      const group = d.createBindGroup({ layout: argmax.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: args } }, { binding: 1, resource: { buffer: this.resource(p.logits.resource, []) } }, { binding: 2, resource: { buffer: best } }] });
      this.argmaxer = { pipeline: argmax, args, best, group };
    }
    if (this.options.profile) {
      if (!d.features.has("timestamp-query")) throw new TerncError("profiling needs the timestamp-query feature (requestDevice asks for it where the adapter has it)");
      const queries = d.createQuerySet({ type: "timestamp", count: 2 * p.steps.length });
      const resolved = d.createBuffer({ size: 16 * p.steps.length, usage: 0x200 /* QUERY_RESOLVE */ | COPY_SRC });
      this.profiler = { queries, resolved };
      this.owned.push(resolved, queries);
    }
  }

  upload(data, label) {
    const b = this.buffer(data.byteLength, STORAGE | COPY_DST, label);
    this.device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
    return b;
  }

  resource(r, inputs) {
    switch (r.kind) {
      case "buffer": return this.buffers[r.index];
      case "const": return this.consts[r.index];
      case "cache": return this.caches[r.index];
      case "input": return inputs[r.index];
      case "tokens": return this.tokens;
      case "pos": return this.pos;
      case "rope": return this.ropes[r.index];
      case "scratch": return this.scratch;
      case "packed": return this.packed[r.index];
    }
    throw new TerncError(`unknown resource ${JSON.stringify(r)}`);
  }

  bindGroups(inputs) {
    return this.program.steps.map((s, i) =>
      this.device.createBindGroup({
        layout: this.pipelines[s.shader].getBindGroupLayout(0),
        entries: [{ binding: 0, resource: { buffer: this.uniforms } }, ...s.bindings.map((b, j) => ({ binding: j + 1, resource: { buffer: this.resource(b.resource, inputs) } }))],
        label: `step ${i}`,
      }),
    );
  }

  /** Encodes steps [from, to) for a call with T tokens after P; profiling, each in a pass of its own with timestamps. */
  encode(enc, groups, T, P, lastRow, from, to) {
    const wg = this.program.workgroupSize;
    let pass = this.profiler ? undefined : enc.beginComputePass();
    for (let i = from; i < to; i++) {
      const s = this.program.steps[i];
      const threads = lin(lastRow && s.lastRowThreads ? s.lastRowThreads : s.threads, T, P);
      if (threads <= 0) continue;
      if (this.profiler) pass = enc.beginComputePass({ timestampWrites: { querySet: this.profiler.queries, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
      const groupsNeeded = Math.ceil(threads / wg);
      const x = Math.min(groupsNeeded, MAX_WORKGROUPS);
      pass.setPipeline(this.pipelines[s.shader]);
      pass.setBindGroup(0, groups[i]);
      pass.dispatchWorkgroups(x, Math.ceil(groupsNeeded / x));
      if (this.profiler) pass.end();
    }
    if (!this.profiler) pass.end();
  }

  /** With { profile: true }: GPU time of each step of the last call, in nanoseconds (timestamp queries). */
  async readProfile() {
    const n = this.program.steps.length;
    const enc = this.device.createCommandEncoder();
    enc.resolveQuerySet(this.profiler.queries, 0, 2 * n, this.profiler.resolved, 0);
    this.device.queue.submit([enc.finish()]);
    const t = new BigInt64Array(await this.read(this.profiler.resolved, 0, 16 * n));
    return this.program.steps.map((s, i) => ({ label: s.label, ns: Math.max(0, Number(t[2 * i + 1] - t[2 * i])), bytes: s.bytes }));
  }

  async read(buffer, offset, bytes) {
    const staging = this.device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: MAP_READ | COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer, offset, staging, 0, Math.ceil(bytes / 4) * 4);
    this.device.queue.submit([enc.finish()]);
    try {
      await staging.mapAsync(MAP_MODE_READ);
      const out = staging.getMappedRange(0, Math.ceil(bytes / 4) * 4).slice(0, bytes);
      staging.unmap();
      return out;
    } finally {
      staging.destroy();
    }
  }

  async readValue(r, T, P, inputs) {
    const shape = r.shape.map((l) => lin(l, T, P));
    const count = shape.reduce((a, b) => a * b, 1);
    const bytes = await this.read(this.resource(r.resource, inputs), 0, count * 4);
    const stored = new STORED[r.dtype](bytes);
    return { shape, data: r.dtype === "i8" ? Int8Array.from(stored) : stored };
  }

  /** Runs one call of T tokens after P: all steps in one command buffer, or step by step with a trace. */
  async run(groups, T, P, allLogits, inputs, after) {
    const d = this.device;
    d.queue.writeBuffer(this.uniforms, 0, new Uint32Array([T, P, allLogits ? 0 : T - 1, this.nCtx]));
    const steps = this.program.steps;
    if (!this.trace) {
      const enc = d.createCommandEncoder();
      this.encode(enc, groups, T, P, !allLogits, 0, steps.length);
      after?.(enc);
      d.queue.submit([enc.finish()]);
      if (this.profiler) this.lastProfile = await this.readProfile();
      return;
    }
    for (let i = 0; i < steps.length; i++) {
      const enc = d.createCommandEncoder();
      this.encode(enc, groups, T, P, !allLogits, i, i + 1);
      d.queue.submit([enc.finish()]);
      for (const r of steps[i].results) {
        const v = await this.readValue(r, T, P, inputs);
        this.trace(r.name, r.dtype, v.shape, v.data);
      }
    }
    if (after) {
      const enc = d.createCommandEncoder();
      after(enc);
      d.queue.submit([enc.finish()]);
    }
  }

  /**
   * Runs `tokens` after the ones already in the context (prefill or decode: the same call), in batches of nBatch.
   * Returns the logits of the last token, or of every token with `{ allLogits: true }` (tokens x vocab).
   */
  async eval(tokens, options = {}) {
    const out = options.allLogits ? new Float32Array(tokens.length * this.vocab) : undefined;
    const logits = this.resource(this.program.logits.resource, []);
    let last;
    await this.forward(tokens, options.allLogits === true, async (done, T, isLast, row0) => {
      if (out) out.set(new Float32Array(await this.read(logits, row0 * this.vocab * 4, T * this.vocab * 4)), done * this.vocab);
      else if (isLast) last = new Float32Array(await this.read(logits, (row0 + T - 1) * this.vocab * 4, this.vocab * 4));
    });
    this.lastLogits = out ? out.subarray(out.length - this.vocab) : last;
    return out ?? last;
  }

  /**
   * Runs `tokens` and returns the next token as `sampler` (ternc_sampler.js) chooses it, and tells it the sampler: a
   * greedy choice is the argmax on the GPU (evalGreedy), any other reads the last logits row.
   */
  async next(tokens, sampler) {
    const token = sampler.needsLogits() ? sampler.sample(await this.eval(tokens)) : await this.evalGreedy(tokens);
    sampler.accept(token);
    return token;
  }

  /**
   * Runs `tokens` as eval does and returns the greedy next token, the argmax of the last logits computed on the GPU:
   * 4 bytes read back instead of the vocabulary's logits.
   */
  async evalGreedy(tokens) {
    let next = -1;
    const a = this.argmaxer;
    await this.forward(
      tokens,
      false,
      async (_done, _T, isLast) => {
        if (isLast) next = new Uint32Array(await this.read(a.best, 0, 4))[0];
      },
      (T) => (enc) => {
        this.device.queue.writeBuffer(a.args, 0, new Uint32Array([(T - 1) * this.vocab, this.vocab]));
        const pass = enc.beginComputePass();
        pass.setPipeline(a.pipeline);
        pass.setBindGroup(0, a.group);
        pass.dispatchWorkgroups(1);
        pass.end();
      },
    );
    this.lastLogits = undefined;
    return next;
  }

  /**
   * Checks the tokens, then runs them in batches of nBatch; `chunkDone(done, T, isLast, row0)` reads each batch's
   * results, T rows from row row0 of the result buffers. `lastChunkWork(rows)` adds work after the last batch.
   */
  async forward(tokens, allLogits, chunkDone, lastChunkWork) {
    if (this.program.kind !== "model") throw new TerncError("this is a build of a plain graph: call evalGraph");
    const ids = Int32Array.from(tokens);
    if (ids.length === 0) throw new TerncError("no tokens to evaluate");
    for (let i = 0; i < ids.length; i++) if (!Number.isInteger(tokens[i]) || tokens[i] < 0 || tokens[i] >= this.vocab) throw new TerncError(`token ${i} is ${tokens[i]}, outside the vocabulary of ${this.vocab}`);
    if (this.nPast + ids.length > this.nCtx) throw new TerncError(`${ids.length} tokens after ${this.nPast} do not fit in the context of ${this.nCtx}`);
    const all = allLogits || !!this.trace;
    if (this.history) {
      // No KV cache carries the earlier tokens: run them again with the new ones, as the interpreter's generation
      // does; the new tokens' results are the last rows.
      const start = this.nPast;
      this.history.set(ids, start);
      const T = start + ids.length;
      this.device.queue.writeBuffer(this.tokens, 0, this.history, 0, T);
      this.device.queue.writeBuffer(this.pos, 0, Int32Array.from({ length: T }, (_, i) => i));
      await this.run(this.groups, T, 0, all, [], lastChunkWork?.(T));
      await chunkDone(0, ids.length, true, start);
      this.nPast = T;
      return;
    }
    for (let done = 0; done < ids.length; ) {
      const T = Math.min(this.nBatch, ids.length - done);
      const P = this.nPast;
      const isLast = done + T === ids.length;
      this.device.queue.writeBuffer(this.tokens, 0, ids, done, T);
      this.device.queue.writeBuffer(this.pos, 0, Int32Array.from({ length: T }, (_, i) => P + i));
      await this.run(this.groups, T, P, all, [], isLast ? lastChunkWork?.(T) : undefined);
      await chunkDone(done, T, isLast, 0);
      this.nPast += T;
      done += T;
    }
  }

  /** With { profile: true }: each step's label, GPU nanoseconds and bytes moved (an estimate) in the last call. */
  profile() {
    return this.lastProfile;
  }

  /** The logits of the last token evaluated. */
  logits() {
    return this.lastLogits;
  }

  /** Forgets the context (the KV cache); keeps weights and buffers. */
  reset() {
    this.nPast = 0;
  }

  /**
   * Runs a plain graph once: `inputs` maps each input name to its data (row-major typed array) and `T` binds the
   * token dim. Returns each output's shape and data.
   */
  async evalGraph(inputs, T) {
    const p = this.program;
    if (p.kind !== "graph") throw new TerncError("this is a model build: call eval");
    if (!Number.isInteger(T) || T < 1 || T > this.nBatch) throw new TerncError(`T = ${T} is outside 1..${this.nBatch} (the nBatch the model was created with)`);
    const made = [];
    const upload = (data, label) => {
      const b = this.device.createBuffer({ size: Math.max(16, Math.ceil(data.byteLength / 16) * 16), usage: STORAGE | COPY_DST, label });
      made.push(b);
      this.device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
      return b;
    };
    try {
      const bufs = p.inputs.map((io) => {
        const data = inputs[io.name];
        if (!data) throw new TerncError(`no value for input %${io.name}`);
        const count = io.shape.reduce((a, l) => a * lin(l, T, 0), 1);
        if (data.length !== count) throw new TerncError(`input %${io.name} has ${data.length} elements, its shape needs ${count}`);
        return upload(io.dtype === "i8" ? Int32Array.from(data) : data, `input ${io.name}`);
      });
      // A rope's table covers the positions it reads: those of its input, or the default context for computed ones.
      this.ropes = p.ropeTables.map((r, i) => {
        let positions = this.nCtx;
        if (r.positions.kind === "input") {
          const values = inputs[p.inputs[r.positions.index].name];
          if (values.some((v) => v < 0)) throw new TerncError(`input %${p.inputs[r.positions.index].name}: negative positions`);
          positions = values.reduce((m, v) => Math.max(m, v), 0) + 1;
        }
        return upload(ropeTable(r.base, r.rot, positions), `rope table ${i}`);
      });
      await this.run(this.bindGroups(bufs), T, 0, true, bufs);
      const outputs = {};
      for (const o of p.outputs) outputs[o.name] = await this.readValue(o, T, 0, bufs);
      return outputs;
    } finally {
      for (const b of made) b.destroy();
      this.ropes = [];
    }
  }

  /** Frees the model's GPU memory. */
  destroy() {
    for (const b of this.owned) b.destroy();
    this.owned = [];
  }
}

/** Index of the largest value (the first on ties), as the interpreter's greedy decoding. */
export function argmax(v) {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
