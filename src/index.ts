// ternc's public library API: the IR, model loading, passes, generation and stats, as the CLI uses them.
export * from "../ir/index.js";
export { loadIrFile, parseIrFile, printIrFile, runIrFile } from "./api.js";
export { UserError, isUserError } from "./errors.js";
export { parseInputs } from "./inputs.js";
export { encodeNpy, parseNpy } from "./io/npy.js";
export { fileBlobReader } from "./io/blobs.js";
export { runCli, type CliIo } from "./cli/program.js";
export { loadModel } from "./frontend/loadModel.js";
export type { LoadedModel, TensorSummary } from "./frontend/modelInfo.js";
export { buildBitnetGraph, type BitnetGraphOptions, type BitnetHParams, type BitnetWeights } from "./frontend/bitnetGraph.js";
export type { Tokenizer } from "./frontend/tokenizer/tokenizer.js";
export { generate, type GenerationResult } from "./generate.js";
export { writeGraphWithBlob } from "./importModel.js";
export { runPipeline, splitPipeline, type Instrumentation, type PassRecord } from "./passes/manager.js";
export { allPasses, DEFAULT_PIPELINES, getPass } from "./passes/registry.js";
export type { Pass, PassContext } from "./passes/pass.js";
export { formatStats, modelStats, type ModelStats } from "./stats.js";
