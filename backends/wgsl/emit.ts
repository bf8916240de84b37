// The WGSL code generator: an L2 graph (after the `wgsl` pipeline) becomes a program (shaders and the steps that run
// them on planned buffers) and the plan of weights.bin, each weight in the form its kernels read it.
import { type Abi, type ConstDecl, elementCount, type Graph, LOGITS, type PackedFormat, storageBytes, type Tensor, TernaryArray, tensorToBytes, unpackTernaryRows } from "../../ir/index.js";
import { BackendError, BLOB_FORMAT, BlobPlan, cacheSlots, operandsOf, planBufferSizes } from "../common/index.js";
import { WgslEmitter, WORKGROUP_SIZE } from "./emitter.js";
import { packTernaryWords, ternaryChunks } from "./layout.js";
import { emitOp } from "./ops.js";
import type { Program, ProgramIo } from "./program.js";

/** Buffer sizes are multiples of this (WebGPU binds storage in 4-byte words; 256 keeps offsets bindable). */
const ALIGN = 256;

/** The weight of a ternary product: its input width and, when pack-weights packed it, the IR's packed format. */
interface TernaryWeight {
  k: number;
  format: PackedFormat;
}

/**
 * A constant's bytes as the kernels bind them: a product's weight as 2-bit words (from its trits, or unpacked from
 * the IR's packed bytes), other i8 constants widened to i32, the rest as stored (4-byte padded).
 */
function constBytes(c: ConstDecl, t: Tensor, weight: TernaryWeight | undefined): Uint8Array {
  const n = c.type.shape[0] as number;
  if (weight) {
    const trits = t.data instanceof TernaryArray ? t.data : unpackTernaryRows(t.data as Int8Array, n, weight.k, weight.format);
    return packTernaryWords(trits, n, weight.k);
  }
  if (c.type.dtype === "ternary") throw new BackendError(`%${c.name}`, "a ternary constant outside a lowered product (run the wgsl pipeline first)");
  if (c.type.dtype === "i8") return new Uint8Array(Int32Array.from(t.data as Int8Array).buffer);
  const raw = tensorToBytes(t);
  if (raw.length % 4 === 0) return raw;
  const padded = new Uint8Array(Math.ceil(raw.length / 4) * 4);
  padded.set(raw);
  return padded;
}

function constByteLength(c: ConstDecl, weight: TernaryWeight | undefined): number {
  const shape = c.type.shape as number[];
  if (weight) return shape[0]! * ternaryChunks(weight.k) * 16;
  if (c.type.dtype === "i8") return elementCount(shape) * 4;
  return Math.ceil(storageBytes(c.type.dtype, elementCount(shape)) / 4) * 4;
}

export interface WgslProgram {
  program: Program;
  blob: BlobPlan;
  kernels: Record<string, string>;
}

export interface WgslGenerateOptions {
  abi: Abi;
  loadConst: (c: ConstDecl) => Tensor;
  defaultContext: number;
  weightsFile: string;
}

/** Compiles a verified, legal L2 graph with planned buffers to a WGSL program. */
export function generateWgsl(graph: Graph, opts: WgslGenerateOptions): WgslProgram {
  const { abi } = opts;
  const blob = new BlobPlan();
  const weights = new Map<string, TernaryWeight>();
  for (const node of graph.ops())
    if (node.op === "ternary_matmul_packed") weights.set(operandsOf(node).w!, { k: graph.typeOf(operandsOf(node).x!)!.shape[1] as number, format: node.attrs.format as PackedFormat });
  const constIndex = new Map<string, number>();
  for (const c of graph.consts()) {
    const weight = weights.get(c.name);
    constIndex.set(c.name, constIndex.size);
    blob.add(c.name, weight ? "w2x16" : c.type.dtype === "i8" ? "i8-as-i32" : "raw", constByteLength(c, weight), () => constBytes(c, opts.loadConst(c), weight));
  }
  const caches = cacheSlots(graph, abi);
  const e = new WgslEmitter(graph, abi, caches, constIndex, new Map(blob.entries.map((x) => [x.name, x.bytes])));
  for (const node of graph.topologicalOrder()!) emitOp(e, node);
  const io = (v: { name: string }): ProgramIo => {
    const t = e.type(v.name);
    return { name: v.name, dtype: t.dtype as ProgramIo["dtype"], shape: t.shape.map((d) => e.lin(d, `%${v.name}`)) };
  };
  const program: Program = {
    format: "ternc-wgsl-program",
    version: 1,
    kind: abi.kind,
    vocab: abi.kind === "model" ? abi.vocab : 0,
    defaultContext: opts.defaultContext,
    workgroupSize: WORKGROUP_SIZE,
    weights: {
      file: opts.weightsFile,
      bytes: blob.totalBytes,
      layoutId: blob.layoutId,
      header: { magic: BLOB_FORMAT.magic, bytes: BLOB_FORMAT.headerBytes, sizeOffset: BLOB_FORMAT.sizeOffset, crcOffset: BLOB_FORMAT.crcOffset, layoutOffset: BLOB_FORMAT.layoutOffset },
      consts: blob.entries.map((x) => ({ name: x.name, offset: x.offset, bytes: x.bytes })),
    },
    buffers: planBufferSizes(graph, caches, ALIGN, (t) => (t.dtype === "i8" ? 4 : storageBytes(t.dtype, 1))),
    caches: [...new Set(caches.values())].sort((a, b) => a.index - b.index).map((c) => ({ width: c.width })),
    ropeTables: e.ropeTables,
    attention: e.attention,
    scratch: e.scratch,
    packed: e.packed,
    shaders: e.shaders,
    steps: e.steps,
    inputs: abi.kind === "graph" ? abi.inputs.map(io) : [],
    outputs:
      abi.kind === "graph"
        ? abi.outputs.map((o) => {
            const res = e.resource(o.name);
            if (res.kind !== "buffer") throw new BackendError(`%${o.name}`, "a graph output must be computed by an op (not an input or a constant) for the WGSL backend");
            return { ...io(o), resource: res };
          })
        : [],
    ...(abi.kind === "model" ? { logits: { resource: e.resource(LOGITS) } } : {}),
  };
  return { program, blob, kernels: e.kernels };
}
