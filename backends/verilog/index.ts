// The Verilog target: synthesizable RTL for the ternary products (a multiplier-free core per product, with its
// fixed-point dequant) and the activation quantizers, simulated with iverilog or verilator under a host that runs the
// other ops: a C program (the C host the registry hands this target) or ternc's interpreter.
import { join } from "node:path";
import { type CHost, type PipelineEntry, type Target, type TargetOptions, ternaryPipeline } from "../common/index.js";
import { emitVerilog } from "./artifacts.js";
import { hasCore, hostedInC, isBuiltVerilog, runGraphVerilog, runModelVerilog, simulatorFor } from "./cosim.js";
import { HOST_PROGRAM_DIR } from "./hostClient.js";
import { VERILOG_OP_RULES } from "./ops.js";
import { VERILOG_OPTIONS, verilogOptions } from "./options.js";
import { buildSimulator } from "./sim.js";
import { SYNTHESIS_FILE } from "./synth.js";

/**
 * The integer pipeline: weight scales as fixed-point multipliers and shifts, every product in 2-bit codes, or, below
 * --hardwire-below weights, an add/sub network.
 */
function pipeline(options: TargetOptions): PipelineEntry[] {
  const below = verilogOptions(options).hardwireBelow;
  return ternaryPipeline({ form: "i2", ...(below ? { addsubBelow: String(below) } : {}) }, [], { integer: "true" });
}

/** The Verilog target, its host programs compiled and run by `host`. */
export function verilogTarget(host: CHost): Target {
  return {
    name: "verilog",
    summary: "synthesizable SystemVerilog: a multiplier-free ternary core per product with fixed-point dequant and activation quantizers, testbench, Makefile (iverilog, verilator), report.json, and a C host program",
    options: VERILOG_OPTIONS,
    pipeline,
    ops: VERILOG_OP_RULES,
    // The core's integers are exact; the host's floats are the C host's (the interpreter host is exact).
    tolerance: host.tolerance,
    emit: (graph, dir, ctx) => emitVerilog(graph, dir, ctx, host),
    build: (dir, options, mode) => {
      const o = verilogOptions(options);
      if (hasCore(dir)) buildSimulator(dir, simulatorFor(dir, o.simulator), mode, o.synth);
      if (hostedInC(dir)) host.build(join(dir, HOST_PROGRAM_DIR), mode);
    },
    // make's simulators and synthesis statistics (sim/), and --synth's report.
    buildOutputs: ["sim", SYNTHESIS_FILE],
    isBuilt: (dir) => isBuiltVerilog(dir, host),
    runModel: (dir, req, options) => runModelVerilog(dir, req, verilogOptions(options).simulator, host),
    runGraph: (dir, req, options) => runGraphVerilog(dir, req, verilogOptions(options).simulator, host),
  };
}
