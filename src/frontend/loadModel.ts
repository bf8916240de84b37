// Opens a model file of any supported format: GGUF file, or a Hugging Face directory (config.json).
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { UserError } from "../errors.js";
import { loadGgufModel } from "./gguf/model.js";
import { loadHfModel } from "./huggingface/model.js";
import type { LoadedModel } from "./modelInfo.js";

function startsWithGguf(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const b = new Uint8Array(4);
    return readSync(fd, b, 0, 4, 0) === 4 && Buffer.from(b).toString("latin1") === "GGUF";
  } finally {
    closeSync(fd);
  }
}

/** Loads a model's description; weights stay in the file until used. */
export function loadModel(path: string): LoadedModel {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new UserError(`cannot read '${path}': no such file or directory`);
  }
  if (stat.isDirectory()) return loadHfModel(path);
  // A FIFO or a device would block or never end: a model is a regular file.
  if (!stat.isFile()) throw new UserError(`${path}: not a regular file (a GGUF file, or a Hugging Face folder)`);
  if (path.endsWith(".gguf") || startsWithGguf(path)) return loadGgufModel(path);
  throw new UserError(`${path}: not a model ternc reads (a GGUF file, or a Hugging Face folder with config.json and safetensors)`);
}
