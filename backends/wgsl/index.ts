// The WGSL target: WebGPU compute shaders and a host runtime (standard WebGPU only) for browsers and Node.
import { type PipelineEntry, readManifest, type Target } from "../common/index.js";
import { emitWgsl } from "./artifacts.js";
import { WGSL_OP_RULES } from "./ops.js";
import { isBuiltWgsl, runGraphWgsl, runModelWgsl } from "./toolchain.js";

/** The WGSL pipeline: the interpreter's, with every ternary product in the 2-bit form the kernels read. */
function pipeline(): PipelineEntry[] {
  return [
    { pass: "absmean-quantize" },
    { pass: "expand-bitlinear" },
    { pass: "cse" },
    { pass: "fold-scales" },
    { pass: "merge-shared-products" },
    { pass: "const-fold" },
    // The 2-bit layout (16 codes per u32) lives in this backend (emit.ts), so pack-weights is not part of it.
    { pass: "lower-ternary-matmul", options: { form: "i2" } },
    { pass: "fuse-elementwise" },
    { pass: "dce" },
    { pass: "plan-memory" },
  ];
}

function vocabOf(dir: string): number {
  const abi = readManifest(dir)?.abi;
  if (abi?.kind !== "model") throw new Error(`internal: ${dir} is not a model build`);
  return abi.vocab;
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
  runModel: (dir, req, options) => runModelWgsl(dir, req, vocabOf(dir), options.portableDot4 === true),
  runGraph: (dir, req, options) => runGraphWgsl(dir, req, options.portableDot4 === true),
};
