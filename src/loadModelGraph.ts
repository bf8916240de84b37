// A model as a graph, from a model file (GGUF, Hugging Face folder) or a .tir model graph: the graph, how to read
// its constants, and the file's facts. Every command and the library load models through here.
import { extname } from "node:path";
import { type BlobReader, type ConstDecl, constTensor, type Graph, type ModelAbi, type Tensor, verifyOrThrow } from "../ir/index.js";
import { loadIrFile } from "./api.js";
import { UserError } from "./errors.js";
import { buildBitnetGraph } from "./frontend/bitnetGraph.js";
import { loadModel } from "./frontend/loadModel.js";
import type { LoadedModel } from "./frontend/modelInfo.js";
import { checkModelGraph } from "./generate.js";
import { irBlobReader } from "./io/blobs.js";

export type ActQuantFlag = "per-token" | "none";

/**
 * The model's graph: weights stay lazy, KV cache inputs included (so generation can reuse them). Pass
 * `weights` to build several graphs from one read of the file.
 */
export function modelGraph(model: LoadedModel, actQuant: ActQuantFlag = "per-token", weights = model.weights()): Graph {
  const graph = buildBitnetGraph(model.hparams, weights, { name: "model", kvCache: true, actQuant: actQuant === "none" ? "none" : "per_token" });
  verifyOrThrow(graph, model.path);
  return graph;
}

/** A model (file or .tir with the model interface) as a graph, its constants' reader, and the file's facts. */
export interface LoadedGraph {
  graph: Graph;
  abi: ModelAbi;
  loadConst: (c: ConstDecl) => Tensor;
  /** The weight blob of a .tir graph (model files load their weights lazily). */
  blobs?: BlobReader;
  model?: LoadedModel;
}

/** How to read a model: the activation mode of a model file, and the folders a .tir's weight blobs may be in. */
export interface ModelSourceOptions {
  /** Applies to model files (a .tir graph fixes it already). */
  actQuant?: ActQuantFlag;
  /** Folders besides the .tir file's own that its `blob<...>` constants may name (`--allow-blob-path`). */
  allowBlobPath?: readonly string[];
}

/** Loads `path` as a model graph. */
export function loadModelGraph(path: string, source: ModelSourceOptions = {}): LoadedGraph {
  const { actQuant } = source;
  if (extname(path) === ".tir") {
    if (actQuant) throw new UserError("--act-quant applies when ternc builds the graph from a model file; a .tir graph already fixes it");
    const graph = loadIrFile(path);
    const abi = checkModelGraph(graph, path);
    const blobs = irBlobReader(path, source.allowBlobPath);
    return { graph, abi, loadConst: (c) => constTensor(c, blobs), blobs };
  }
  const model = loadModel(path);
  const graph = modelGraph(model, actQuant);
  return { graph, abi: checkModelGraph(graph, path), loadConst: (c) => constTensor(c, undefined), model };
}
