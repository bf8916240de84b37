// The C target: C11 with SIMD kernels (AVX-512 VNNI, AVX2, NEON, portable), a weight blob, a runner and build files.
import { manifestVocab, type PipelineEntry, type Target, type TargetOptions, ternaryPipeline } from "../common/index.js";
import { emitC } from "./artifacts.js";
import { cOptions, C_OPTIONS } from "./options.js";
import { C_OP_RULES } from "./ops.js";
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
  // The kernels keep the interpreter's float operation order; the tolerance covers libm's exp/sqrt differences.
  tolerance: { op: { abs: 1e-6, rel: 1e-5 }, logitsRel: 1e-3 },
  emit: emitC,
  build: (dir, options, mode) => {
    const o = cOptions(options);
    buildC(dir, { ...o, cflags: o.cflags ?? (mode === "check" ? "-O2 -Wall -Wextra -Werror" : undefined) });
  },
  buildOutputs: C_BUILD_OUTPUTS,
  isBuilt: isBuiltC,
  runModel: (dir, req, options) => runModelC(dir, req, cOptions(options), manifestVocab(dir)),
  runGraph: (dir, req, options) => runGraphC(dir, req, cOptions(options)),
};
