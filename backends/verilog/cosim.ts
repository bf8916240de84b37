// Running a Verilog build: the host runs the ops the core does not, and every ternary product the core computes (with
// its requant stage) and every activation quantizer is served by the simulated RTL, token by token. The host is the C
// program in host/ (its client talks to the simulator; backends/verilog/host/core_client.c) or ternc's interpreter
// on host.tir (the Cosim class below talks to it). What validation judges is therefore the RTL's accumulators,
// requantized values and codes; the cycles each command took are checked against the cycle model.
import { closeSync, existsSync, openSync, readFileSync, fstatSync } from "node:fs";
import { join } from "node:path";
import { actFixedScale, type BlobReader, blockFixedRow, f32, generateTokens, type Graph, interpret, loadTir, type OpNode, type Tensor } from "../../ir/index.js";
import { BackendError, type CHost, type GraphRunRequest, type GraphRunResult, type HostEnvironment, manifestVocab, type ModelRunRequest, type ModelRunResult, readAt, readManifest, type TargetCheck, type TraceRecord } from "../common/index.js";
import { CORE_ENV, HOST_PROGRAM_DIR } from "./hostClient.js";
import { HOST_GRAPH_FILE, HOST_WEIGHTS_FILE } from "./artifacts.js";
import type { ActQuantFacts, LayerFacts } from "./facts.js";
import type { Simulator, SimulatorChoice } from "./options.js";
import { SIM_BINARY, SimProcess, SimSession } from "./sim.js";

/** Simulated cycles may differ from the cycle model by this share (as FINN's tests compare rtlsim with estimates). */
export const CYCLE_TOLERANCE = 0.05;

/** Weights a token through a core that `auto` still gives to iverilog (about 0.4 s of simulation a token). */
export const AUTO_IVERILOG_WEIGHTS = 100_000;

const builtSimulators = (dir: string): Simulator[] => (["verilator", "iverilog"] as const).filter((s) => existsSync(join(dir, SIM_BINARY[s])));

/** The simulator a choice means for the build in `dir`: for `auto`, the one built there, else by the core's size. */
export function simulatorFor(dir: string, choice: SimulatorChoice): Simulator {
  if (choice !== "auto") return choice;
  return builtSimulators(dir)[0] ?? (coreOf(dir).layers.reduce((s, l) => s + l.k * l.n, 0) <= AUTO_IVERILOG_WEIGHTS ? "iverilog" : "verilator");
}

/** Whether a build's host is a C program (host/) rather than ternc's interpreter (host.tir). */
export function hostedInC(dir: string): boolean {
  return (readManifest(dir)?.details as { host?: { kind?: string } } | undefined)?.host?.kind === "c";
}

/** A finished build: the host (its files, or its program built) and, when there is a core, a simulator of it. */
export function isBuiltVerilog(dir: string, host: CHost): boolean {
  if (readManifest(dir)?.target !== "verilog") return false;
  const hostReady = hostedInC(dir) ? host.isBuilt(join(dir, HOST_PROGRAM_DIR)) : [HOST_GRAPH_FILE, HOST_WEIGHTS_FILE].every((f) => existsSync(join(dir, f)));
  return hostReady && (!hasCore(dir) || builtSimulators(dir).length > 0);
}

/** The products and activation quantizers a build's core computes (none: nothing to build or simulate). */
export function coreOf(dir: string): { layers: LayerFacts[]; actQuants: ActQuantFacts[] } {
  const details = readManifest(dir)?.details as { layers?: LayerFacts[]; actQuants?: ActQuantFacts[] } | undefined;
  if (!details?.layers || !details.actQuants) throw new BackendError(dir, "not a Verilog build of ternc (manifest.json has no layers or activation quantizers)");
  return { layers: details.layers, actQuants: details.actQuants };
}

/** Whether a build has a core to build and simulate. */
export function hasCore(dir: string): boolean {
  return coreHasWork(coreOf(dir));
}

const coreHasWork = (c: { layers: readonly LayerFacts[]; actQuants: readonly ActQuantFacts[] }): boolean => c.layers.length + c.actQuants.length > 0;

/** Reads host.tir's constants from weights.bin. */
function blobReader(dir: string): BlobReader {
  return {
    read(path, offset, length, constant) {
      if (path !== HOST_WEIGHTS_FILE) throw new BackendError(join(dir, HOST_GRAPH_FILE), `%${constant} names blob '${path}', not ${HOST_WEIGHTS_FILE}`);
      const file = join(dir, HOST_WEIGHTS_FILE);
      const fd = openSync(file, "r");
      try {
        if (offset + length > fstatSync(fd).size) throw new BackendError(file, `%${constant}: bytes ${offset}..${offset + length} are past the end (truncated, or from another compile)`);
        const out = new Uint8Array(length);
        readAt(fd, out, offset);
        return out;
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** Simulated cycles of every command against the cycle model, keeping the worst deviation. */
class CycleCheck {
  commands = 0;
  cycles = 0;
  private worstDeviation = 0;
  private worstAt = "";

  count(cycles: number, modelled: number, what: string): void {
    this.commands++;
    this.cycles += cycles;
    const deviation = Math.abs(cycles - modelled) / modelled;
    if (deviation > this.worstDeviation || !this.worstAt) {
      this.worstDeviation = Math.max(this.worstDeviation, deviation);
      this.worstAt = `${what}: ${cycles} simulated, ${modelled} modelled`;
    }
  }

  checks(): TargetCheck[] {
    if (this.commands === 0) return [];
    const ok = this.worstDeviation <= CYCLE_TOLERANCE;
    return [
      {
        what: "cycles",
        ok,
        detail: `${this.commands} commands (products, quantizations) simulated in ${this.cycles} cycles; largest deviation from the cycle model ${(this.worstDeviation * 100).toFixed(2)}% (tolerance ${CYCLE_TOLERANCE * 100}%)${this.worstAt ? `, ${this.worstAt}` : ""}`,
      },
    ];
  }
}

const layerName = (index: number, l: LayerFacts): string => `layer ${index} (%${l.result})`;
const quantName = (a: ActQuantFacts): string => `quantizer (%${a.result})`;

/** The host's side of a run: the graph, and an evaluator that sends products to the simulated core. */
class Cosim {
  readonly graph: Graph;
  readonly blobs: BlobReader;
  private sessionOpen?: SimSession;
  private readonly layers = new Map<string, { index: number; facts: LayerFacts }>();
  private readonly actQuants = new Map<string, ActQuantFacts>();
  /** Requantized values of a product, waiting for their dequant_fixed. */
  private readonly waiting = new Map<string, { q: Float64Array; fracBits: number }>();
  readonly cycles = new CycleCheck();

  constructor(
    readonly dir: string,
    readonly simulator: Simulator,
  ) {
    const core = coreOf(dir);
    core.layers.forEach((facts, index) => this.layers.set(facts.result, { index, facts }));
    for (const a of core.actQuants) this.actQuants.set(a.result, a);
    const path = join(dir, HOST_GRAPH_FILE);
    this.graph = loadTir(readFileSync(path, "utf8"), path);
    this.blobs = blobReader(dir);
  }

  /** The simulator, started at the first product. */
  private get session(): SimSession {
    this.sessionOpen ??= new SimSession(this.dir, this.simulator);
    return this.sessionOpen;
  }

  /** interpret()'s hook: the core's ops, or undefined for the interpreter's. */
  evaluate = (node: OpNode, operands: readonly Tensor[]): Tensor[] | undefined => {
    if (node.op === "ternary_matmul_packed" || node.op === "addsub_network") {
      const layer = this.layers.get(node.results[0]!);
      return layer ? [this.product(layer.index, layer.facts, operands[0]!)] : undefined;
    }
    if (node.op === "act_quant_fixed") {
      const facts = this.actQuants.get(node.results[0]!);
      return facts ? this.actQuant(facts, operands[0]!) : undefined;
    }
    if (node.op === "dequant_fixed") {
      const q = this.waiting.get(node.results[0]!);
      if (!q) return undefined;
      this.waiting.delete(node.results[0]!);
      const xs = operands[3]!.data as Float32Array;
      const [t, n] = operands[0]!.shape as [number, number];
      const y = new Float32Array(t * n);
      const unit = 2 ** -q.fracBits;
      for (let r = 0; r < t; r++) for (let o = 0; o < n; o++) y[r * n + o] = f32(f32(q.q[r * n + o]! * unit) * xs[r]!);
      return [{ dtype: "f32", shape: [t, n], data: y }];
    }
    return undefined;
  };

  /**
   * act_quant_fixed on the core: the host forms each token's block fixed-point mantissas and absmax floor (the op's
   * first, exact step), the quantizer returns the codes and the absmax, and the host forms the scale from it.
   */
  private actQuant(a: ActQuantFacts, x: Tensor): Tensor[] {
    const [t, k] = x.shape as [number, number];
    const xq = new Int8Array(t * k);
    const scale = new Float32Array(t);
    const digits = Math.ceil(a.bits / 4);
    for (let r = 0; r < t; r++) {
      const block = blockFixedRow(x.data as Float32Array, r * k, k, a.bits);
      if (!block) {
        scale[r] = NaN; // no fixed-point form: the op's zero codes and NaN scale, without the core
        continue;
      }
      const hex = (v: number): string => ((v < 0 ? v + 2 ** a.bits : v) >>> 0).toString(16).padStart(digits, "0");
      // L mantissas a word, lane l at bits B l (lane 0 lowest; B need not be a multiple of 4); the last word padded
      // with zeros.
      const words = Array.from({ length: Math.ceil(k / a.lanes) }, (_, w) => {
        let word = 0n;
        for (let l = a.lanes - 1; l >= 0; l--) word = (word << BigInt(a.bits)) | BigInt.asUintN(a.bits, BigInt(block.mantissas[w * a.lanes + l] ?? 0));
        return word.toString(16);
      });
      const answer = this.session.token(a.command, [String(k + 1), hex(block.floor), ...words]);
      if (answer.rows.length !== k) throw new BackendError(this.dir, `the simulated quantizer returned ${answer.rows.length} codes for %${a.result}, not ${k}`);
      answer.rows.forEach(([code], i) => (xq[r * k + i] = Number(code)));
      scale[r] = actFixedScale(Number(answer.rows[0]![1]), block.shift);
      this.cycles.count(answer.cycles, a.cyclesPerToken, quantName(a));
    }
    return [
      { dtype: "i8", shape: [t, k], data: xq },
      { dtype: "f32", shape: [t], data: scale },
    ];
  }

  private product(index: number, layer: LayerFacts, x: Tensor): Tensor {
    const [t, k] = x.shape as [number, number];
    const codes = x.data as Int8Array;
    const folds = Math.ceil(k / layer.lanes);
    const acc = new Int32Array(t * layer.n);
    const q = new Float64Array(t * layer.n);
    for (let r = 0; r < t; r++) {
      const words: string[] = [];
      for (let f = 0; f < folds; f++) {
        let w = "";
        for (let s = layer.lanes - 1; s >= 0; s--) {
          const i = f * layer.lanes + s;
          w += ((i < k ? codes[r * k + i]! : 0) & 0xff).toString(16).padStart(2, "0");
        }
        words.push(w);
      }
      const answer = this.session.token(index, words);
      if (answer.rows.length !== layer.n) throw new BackendError(this.dir, `the simulated core returned ${answer.rows.length} results for layer ${index} (%${layer.result}), not ${layer.n}`);
      answer.rows.forEach(([a, v], o) => {
        acc[r * layer.n + o] = Number(a);
        q[r * layer.n + o] = Number(v);
      });
      this.cycles.count(answer.cycles, layer.cyclesPerToken, layerName(index, layer));
    }
    if (layer.requant) this.waiting.set(layer.requant, { q, fracBits: layer.fracBits! });
    return { dtype: "i32", shape: [t, layer.n], data: acc };
  }

  engine(): string {
    return coreEngine(this.simulator, this.layers.size, this.actQuants.size, "ternc's interpreter");
  }

  close(): void {
    this.sessionOpen?.close();
  }
}

const coreEngine = (simulator: Simulator, layers: number, quants: number, host: string): string => `RTL in ${simulator} (${layers} ternary products, ${quants} activation quantizations), host ops in ${host}`;

function withCosim<R>(dir: string, simulator: Simulator, f: (c: Cosim) => R): R {
  const c = new Cosim(dir, simulator);
  try {
    return f(c);
  } finally {
    c.close();
  }
}

/** Runs a model on the simulated core, the host ops in the interpreter (synchronous inside: the simulator is driven step by step). */
async function runModelInterpreted(dir: string, req: ModelRunRequest, simulator: Simulator): Promise<ModelRunResult> {
  if (req.context !== undefined && req.tokens.length + req.maxTokens > req.context) throw new BackendError(dir, `${req.tokens.length} prompt tokens and ${req.maxTokens} more do not fit a context of ${req.context}`);
  return withCosim(dir, simulator, (c) => {
    const trace: TraceRecord[] = [];
    let step = 0;
    const r = generateTokens(c.graph, req.tokens, req.maxTokens, {
      blobs: c.blobs,
      evaluate: c.evaluate,
      ...(req.stopTokens ? { stopTokens: req.stopTokens } : {}),
      ...(req.sampling ? { sampling: req.sampling } : {}),
      ...(req.onToken ? { onToken: req.onToken } : {}),
      onStep: (s) => (step = s),
      onValue: (name, tensor) => {
        if (req.traceSteps && step < req.traceSteps) trace.push({ name, step, tensor });
      },
    });
    return {
      generated: r.generated,
      prefillSeconds: r.prefillSeconds,
      decodeSeconds: r.decodeSeconds,
      engine: c.engine(),
      facts: { simulator, commands: c.cycles.commands, simulatedCycles: c.cycles.cycles },
      checks: c.cycles.checks(),
      ...(req.promptLogits ? { promptLogits: r.promptLogits } : {}),
      ...(req.traceSteps ? { trace } : {}),
    };
  });
}

function runGraphInterpreted(dir: string, req: GraphRunRequest, simulator: Simulator): GraphRunResult {
  return withCosim(dir, simulator, (c) => {
    const trace: TraceRecord[] = [];
    const outputs = interpret(c.graph, req.inputs, { blobs: c.blobs, evaluate: c.evaluate, onValue: (name, tensor) => req.trace && trace.push({ name, step: 0, tensor }) });
    return { outputs, engine: c.engine(), checks: c.cycles.checks(), ...(req.trace ? { trace } : {}) };
  });
}


/**
 * The C host's side of a run: the simulator started (when there is a core), the environment that tells the client
 * where it is, and the cycles the client logged for each command (`L i`: layer i, `Q i`: quantizer i, then cycles).
 */
class HostedCore {
  private readonly sim?: SimProcess;
  private readonly statsFile?: string;
  private readonly core: { layers: LayerFacts[]; actQuants: ActQuantFacts[] };
  readonly env: HostEnvironment;

  constructor(
    readonly dir: string,
    readonly simulator: Simulator,
  ) {
    this.core = coreOf(dir);
    if (!coreHasWork(this.core)) {
      this.env = {};
      return;
    }
    this.sim = new SimProcess(dir, simulator);
    this.statsFile = join(this.sim.work, "cycles");
    this.env = { [CORE_ENV.cmd]: this.sim.cmd, [CORE_ENV.out]: this.sim.out, [CORE_ENV.pid]: String(this.sim.pid), [CORE_ENV.stats]: this.statsFile };
  }

  /**
   * A failed run's error, with what the simulator printed when it has stopped (the host's message names the op). The
   * host sees the end of the simulator's results as it closes them, a moment before the process is gone: give it 2 s.
   */
  explain(e: unknown): unknown {
    return this.sim && e instanceof Error && this.sim.exited(2000) ? this.sim.failure(`ended under the C host (${e.message})`) : e;
  }

  cycles(): CycleCheck {
    const check = new CycleCheck();
    if (!this.statsFile || !existsSync(this.statsFile)) return check;
    const { layers, actQuants } = this.core;
    for (const line of readFileSync(this.statsFile, "utf8").split("\n")) {
      const m = /^([LQ])(\d+) (\d+)$/.exec(line);
      if (!m) continue;
      const i = Number(m[2]);
      const facts = m[1] === "L" ? layers[i] : actQuants[i];
      if (!facts) throw new BackendError(this.dir, `the host's client logged a command of ${m[1]}${i}, which the core does not have`);
      if (m[1] === "L") check.count(Number(m[3]), facts.cyclesPerToken, layerName(i, facts as LayerFacts));
      else check.count(Number(m[3]), facts.cyclesPerToken, quantName(facts as ActQuantFacts));
    }
    return check;
  }

  engine(host: string): string {
    return coreEngine(this.simulator, this.core.layers.length, this.core.actQuants.length, host);
  }

  /** The client stops the simulator as its runner exits; one it never reached is stopped here. */
  close(): void {
    this.sim?.close(this.statsFile && existsSync(this.statsFile) ? 5000 : 0);
  }
}

async function runModelHosted(dir: string, req: ModelRunRequest, simulator: Simulator, host: CHost): Promise<ModelRunResult> {
  const core = new HostedCore(dir, simulator);
  try {
    const r = await host.runModel(join(dir, HOST_PROGRAM_DIR), req, manifestVocab(dir), core.env);
    const cycles = core.cycles();
    return { ...r, engine: core.engine(r.engine), facts: { ...r.facts, simulator, commands: cycles.commands, simulatedCycles: cycles.cycles }, checks: [...(r.checks ?? []), ...cycles.checks()] };
  } catch (e) {
    throw core.explain(e);
  } finally {
    core.close();
  }
}

function runGraphHosted(dir: string, req: GraphRunRequest, simulator: Simulator, host: CHost): GraphRunResult {
  const core = new HostedCore(dir, simulator);
  try {
    const r = host.runGraph(join(dir, HOST_PROGRAM_DIR), req, core.env);
    return { ...r, engine: core.engine(r.engine), checks: [...(r.checks ?? []), ...core.cycles().checks()] };
  } catch (e) {
    throw core.explain(e);
  } finally {
    core.close();
  }
}

/** Runs a model on the simulated core, the host ops in the build's host (C, or ternc's interpreter). */
export function runModelVerilog(dir: string, req: ModelRunRequest, choice: SimulatorChoice, host: CHost): Promise<ModelRunResult> {
  const simulator = simulatorFor(dir, choice);
  return hostedInC(dir) ? runModelHosted(dir, req, simulator, host) : runModelInterpreted(dir, req, simulator);
}

/** Runs a graph build once on the simulated core, the host ops in the build's host. */
export function runGraphVerilog(dir: string, req: GraphRunRequest, choice: SimulatorChoice, host: CHost): GraphRunResult {
  const simulator = simulatorFor(dir, choice);
  return hostedInC(dir) ? runGraphHosted(dir, req, simulator, host) : runGraphInterpreted(dir, req, simulator);
}
