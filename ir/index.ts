// Public surface of the IR package: types, graph, op registry, textual IR, verifier, interpreter.
export { BLOCK_QUANT, blockCodes, type BlockQuantDType, decodeBlockQuant, encodeQ8_0, firstNonFiniteBlockValue } from "./blockQuant.js";
export * from "./diagnostics.js";
export * from "./dims.js";
export { graphToDot } from "./dot.js";
export * from "./dtype.js";
export * from "./graph.js";
export * from "./interpreter.js";
export * from "./numeric.js";
export * from "./ops/opdef.js";
export { allOps, getOp, withDefaults } from "./ops/registry.js";
export { absmeanQuantize, actQuantRows, dequantRows, fixedPointScale, ternaryMatmulInt, ternaryMatmulF32 } from "./ops/quant.js";
export { ACT_QUANT_MODES, type ActQuantMode } from "./ops/linear.js";
export { ROPE_STYLES, defaultAttentionScale } from "./ops/attention.js";
export { balancedDigits, lutBuild, lutEntries, lutMatmul, MAX_LUT_GROUP, PACKED_FORMATS, type PackedFormat, packedRowBytes, packTernaryRows, runAddSubNetwork, unpackTernaryRows } from "./ops/lowered.js";
export * from "./tensor.js";
export * from "./text/index.js";
export * from "./types.js";
export * from "./verifier.js";
