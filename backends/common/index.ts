// The shared side of every backend: the target contract and the pieces each target would otherwise rewrite.
export * from "./blob.js";
export * from "./cache.js";
export * from "./buffers.js";
export * from "./elementwise.js";
export * from "./errors.js";
export * from "./host.js";
export * from "./manifest.js";
export * from "./ops.js";
export * from "./options.js";
export * from "./runner.js";
export * from "./outputDir.js";
export * from "./target.js";
export * from "./tempFiles.js";
export * from "./trace.js";
