// The Verilog target's options, declared once: the CLI builds its flags from these and the library takes the same names.
import { BackendError, type TargetOptions, type TargetOptionSpec } from "../common/index.js";
import { DEFAULT_QUANT_LANES } from "./actQuant.js";
import { MAX_FOLD } from "./fold.js";

export const SIMULATORS = ["iverilog", "verilator"] as const;
export type Simulator = (typeof SIMULATORS)[number];
export type SimulatorChoice = Simulator | "auto";
/** What runs the ops the core does not: a C program (the C backend's runtime) or ternc's interpreter. */
export const HOSTS = ["c", "interpreter"] as const;
export type Host = (typeof HOSTS)[number];
/** Where a folded unit takes its weights from: its own memory, or a ready/valid port on the top. */
export type WeightSource = "memory" | "stream";

export const VERILOG_OPTIONS: readonly TargetOptionSpec[] = [
  { name: "rows", flag: "--rows <n>", kind: "count", step: "compile", description: `output rows every ternary product computes per cycle (P, at most ${MAX_FOLD}; default: the cost model's choice per layer)` },
  { name: "lanes", flag: "--lanes <n>", kind: "count", step: "compile", description: `inputs every row takes per cycle (S, at most ${MAX_FOLD}; default: the cost model's choice per layer)` },
  { name: "hardwireBelow", flag: "--hardwire-below <weights>", kind: "count", step: "compile", description: "products with fewer weights than this become hardwired adder networks (constant weights, shared sums computed once) instead of folded units" },
  { name: "quantLanes", flag: "--quant-lanes <n>", kind: "count", default: DEFAULT_QUANT_LANES, step: "compile", description: `mantissas each activation quantizer takes, and codes it gives, a cycle (L, at most ${MAX_FOLD}; one multiplier each)` },
  { name: "weights", flag: "--weights <where>", kind: "choice", choices: ["memory", "stream"], default: "memory", step: "compile", description: "where the folded units take their weights from: memory (block RAM in the core, initialised from mem/*.hex) or stream (a ready/valid port on ternc_top, one word of P x S codes a cycle in mem/*.hex's order, fed by the memory the projection streams from; the testbench plays that memory)" },
  { name: "clockMhz", flag: "--clock-mhz <mhz>", kind: "number", default: 200, step: "compile", description: "clock for the tokens/s projected in report.json" },
  { name: "memGbps", flag: "--mem-gbps <gbps>", kind: "number", default: 19.2, step: "compile", description: "memory bandwidth the weights stream at, for report.json (19.2: one DDR4-2400 channel)" },
  { name: "host", flag: "--host <host>", kind: "choice", choices: HOSTS, default: "c", step: "compile", description: "what runs the ops the core does not (norms, attention, the head) in ternc run and validate: c (a program compiled by the C backend into host/, its ternary products and quantizers left to the simulated core through an op hook) or interpreter (ternc's interpreter)" },
  { name: "synth", flag: "--synth", kind: "flag", default: false, step: "build", description: "also synthesize the core with yosys (synth_xilinx, xc7; minutes for a large core) and write per-module LUT, FF, CARRY4, DSP and BRAM counts to synthesis.json" },
  { name: "simulator", flag: "--simulator <tool>", kind: "choice", choices: ["auto", ...SIMULATORS], default: "auto", step: "build", description: "simulator that runs the core: iverilog (builds at once, simulates ~250k weights a second), verilator (builds in ~15 s, simulates 100x faster), or auto: iverilog for cores of up to 100k weights a token" },
];

export interface VerilogOptions {
  rows?: number;
  lanes?: number;
  hardwireBelow?: number;
  quantLanes: number;
  weights: WeightSource;
  clockMhz: number;
  memGbps: number;
  simulator: SimulatorChoice;
  synth: boolean;
  host: Host;
}

export function verilogOptions(o: TargetOptions): VerilogOptions {
  for (const name of ["rows", "lanes", "quantLanes"] as const) {
    const v = o[name];
    const flag = VERILOG_OPTIONS.find((spec) => spec.name === name)!.flag.split(" ")[0]!;
    if (typeof v === "number" && v > MAX_FOLD) throw new BackendError(flag, `${v}: at most ${MAX_FOLD}`);
  }
  return {
    rows: o.rows as number | undefined,
    lanes: o.lanes as number | undefined,
    hardwireBelow: o.hardwireBelow as number | undefined,
    quantLanes: (o.quantLanes as number | undefined) ?? DEFAULT_QUANT_LANES,
    weights: (o.weights ?? "memory") as WeightSource,
    clockMhz: (o.clockMhz as number | undefined) ?? 200,
    memGbps: (o.memGbps as number | undefined) ?? 19.2,
    simulator: (o.simulator ?? "auto") as SimulatorChoice,
    synth: o.synth === true,
    host: (o.host ?? "c") as Host,
  };
}
