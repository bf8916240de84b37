// The Verilog target: synthesizable RTL for the ternary products (a multiplier-free core per product, with its
// fixed-point dequant), simulated with iverilog or verilator under ternc's interpreter as the host.
import { type PipelineEntry, type Target, type TargetOptions, ternaryPipeline } from "../common/index.js";
import { emitVerilog } from "./artifacts.js";
import { hasCore, isBuiltVerilog, runGraphVerilog, runModelVerilog, simulatorFor } from "./cosim.js";
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

export const verilogTarget: Target = {
  name: "verilog",
  summary: "synthesizable SystemVerilog: a multiplier-free ternary core per product with fixed-point dequant, testbench, Makefile (iverilog, verilator), report.json",
  options: VERILOG_OPTIONS,
  pipeline,
  ops: VERILOG_OP_RULES,
  // The core's integers are exact and the host is the interpreter itself: results equal the reference's.
  tolerance: { op: { abs: 0, rel: 0 }, logitsRel: 0 },
  emit: emitVerilog,
  build: (dir, options, mode) => {
    const o = verilogOptions(options);
    if (hasCore(dir)) buildSimulator(dir, simulatorFor(dir, o.simulator), mode, o.synth);
  },
  // make's simulators and synthesis statistics (sim/), and --synth's report.
  buildOutputs: ["sim", SYNTHESIS_FILE],
  isBuilt: isBuiltVerilog,
  runModel: (dir, req, options) => runModelVerilog(dir, req, verilogOptions(options).simulator),
  runGraph: (dir, req, options) => runGraphVerilog(dir, req, verilogOptions(options).simulator),
};
