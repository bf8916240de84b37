// The C target: C11 with SIMD kernels (AVX-512 VNNI, AVX2, NEON, portable), a weight blob, a runner and build files.
import { manifestVocab, type PipelineEntry, type Target, type TargetOptions, ternaryPipeline } from "../common/index.js";
import { emitC } from "./artifacts.js";
import { CHECK_CFLAGS, C_TOLERANCE } from "./host.js";
import { cOptions, C_OPTIONS } from "./options.js";
import { C_OP_RULES } from "./ops.js";
export { cHost } from "./host.js";
import { buildC, C_BUILD_OUTPUTS, isBuiltC, runGraphC, runModelC } from "./toolchain.js";

/**
 * The C pipeline: the interpreter's, with each product's form chosen by a SIMD cycle estimate, and a block-quantized
 * head in integer arithmetic unless --head exact.
 */
function pipeline(options: TargetOptions): PipelineEntry[] {
  const o = cOptions(options);
  const head: PipelineEntry[] = [...(o.int8Head ? [{ pass: "quantize-head" }] : []), ...(o.head === "integer" ? [{ pass: "integer-head" }] : [])];
  return ternaryPipeline(o.kernel === "auto" ? { cost: "cpu" } : { form: o.kernel }, head);
}

export const cTarget: Target = {
  name: "c",
  summary: "C11 library with SIMD kernels (AVX-512 VNNI, AVX2, NEON, portable), packed weight blob, runner, Makefile and CMake snippet",
  options: C_OPTIONS,
  pipeline,
  ops: C_OP_RULES,
  tolerance: C_TOLERANCE,
  emit: emitC,
  build: (dir, options, mode) => {
    const o = cOptions(options);
    buildC(dir, { ...o, cflags: o.cflags ?? (mode === "check" ? CHECK_CFLAGS : undefined) });
  },
  buildOutputs: C_BUILD_OUTPUTS,
  isBuilt: isBuiltC,
  runModel: (dir, req, options) => runModelC(dir, req, cOptions(options), manifestVocab(dir)),
  runGraph: (dir, req, options) => runGraphC(dir, req, cOptions(options)),
};
