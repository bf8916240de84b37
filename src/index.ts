// ternc's public library API.
export * from "../ir/index.js";
export { loadIrFile, parseIrFile, printIrFile, runIrFile } from "./api.js";
export { UserError, isUserError } from "./errors.js";
export { parseInputs } from "./inputs.js";
export { encodeNpy, parseNpy } from "./io/npy.js";
export { runCli, type CliIo } from "./cli/program.js";
