// The WGSL target: WebGPU compute shaders and a host runtime (standard WebGPU only) for browsers and Node.
import { manifestVocab, type PipelineEntry, type Target, ternaryPipeline } from "../common/index.js";
import { emitWgsl } from "./artifacts.js";
import { WGSL_OP_RULES } from "./ops.js";
import { isBuiltWgsl, runGraphWgsl, runModelWgsl } from "./toolchain.js";

/** The WGSL pipeline: the interpreter's, with every ternary product in the 2-bit form the kernels read. */
function pipeline(): PipelineEntry[] {
  return ternaryPipeline({ form: "i2" });
}

export const wgslTarget: Target = {
  name: "wgsl",
  summary: "WebGPU compute shaders (WGSL) with an ES-module host runtime for browsers and Node, packed weight blob",
  options: [
    { name: "dumpShaders", flag: "--dump-shaders <dir>", kind: "string", step: "compile", description: "also write every shader to DIR as NNN.wgsl, headed by the ops that run it" },
    { name: "portableDot4", flag: "--portable-dot4", kind: "flag", default: false, step: "run", description: "compute int8 dot products byte by byte even where WGSL's dot4I8Packed exists (what a browser without it runs)" },
  ],
  pipeline,
  ops: WGSL_OP_RULES,
  // WGSL's exp, sqrt and division are a few ULP from correctly rounded (the integer parts are exact; act_quant
  // divides exactly), and the GPU may fuse a multiply and an add.
  tolerance: { op: { abs: 1e-5, rel: 1e-4 }, logitsRel: 1e-3 },
  emit: emitWgsl,
  isBuilt: isBuiltWgsl,
  browserRuntime: true,
  runModel: (dir, req, options) => runModelWgsl(dir, req, manifestVocab(dir), options.portableDot4 === true),
  runGraph: (dir, req, options) => runGraphWgsl(dir, req, options.portableDot4 === true),
};
