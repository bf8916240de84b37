// The files of a Verilog build: the core's RTL (ternc_lane, ternc_mvu, ternc_requant copied unchanged; ternc_top
// generated per model), the weight memories as $readmemh files, the co-simulation testbench and its Makefile,
// report.json, and the host's half of the model: with --host c, a program compiled by the C backend (host/) whose
// op hook sends the core's ops to the simulator; with --host interpreter, host.tir over weights.bin (the graph, run by
// ternc's interpreter, which sends the same ops to the simulator itself).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Graph, printGraph, storageBytes, tensorToBytes, elementCount } from "../../ir/index.js";
import { BlobPlan, type CHost, type EmitContext, type EmitResult, writeBlob } from "../common/index.js";
import { coreHostClient, HOST_PROGRAM_DIR } from "./hostClient.js";
import { requantHex, rtlLayers, weightHex } from "./layers.js";
import { verilogOptions } from "./options.js";
import { verilogReport } from "./report.js";
import { hardwiredSource } from "./hardwired.js";
import { rtlActQuants } from "./actQuant.js";
import type { ActQuantFacts, LayerFacts } from "./facts.js";
import { CELL_MODELS_FILE, generatedLine, hardwiredFile, makefileSource, perRowRequant, requantFile, RTL_FILES, rtlSources, testbenchSource, TOP_FILE, topSource, weightFile } from "./rtl.js";

export { RTL_FILES, TOP_FILE };

export const HOST_GRAPH_FILE = "host.tir";
export const HOST_WEIGHTS_FILE = "weights.bin";
export const REPORT_FILE = "report.json";
export const TESTBENCH_FILE = "tb/tb_ternc.sv";

/** The RTL sources next to this module (source tree) or at the package root (compiled into dist/). */
function rtlDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, "rtl"), resolve(here, "../../../backends/verilog/rtl")]) if (existsSync(join(dir, "ternc_mvu.sv"))) return dir;
  throw new Error(`internal: the Verilog RTL sources are missing (looked next to ${here})`);
}

/** Writes the Verilog build of `graph` into the empty folder `dir`; `host` compiles its C host program. */
export function emitVerilog(graph: Graph, dir: string, ctx: EmitContext, host: CHost): EmitResult {
  const o = verilogOptions(ctx.options);
  const layers = rtlLayers(graph, ctx.loadConst, { rows: o.rows, lanes: o.lanes, weights: o.weights });
  const aq = rtlActQuants(graph, layers.length, o.quantLanes);
  const files: string[] = [];
  const put = (name: string, text: string | Uint8Array): void => {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
    files.push(name);
  };
  // A graph without ternary products or activation quantizers leaves the core nothing to do: no RTL, the host runs it all.
  const hasCore = layers.length + aq.nodes.length > 0;
  if (hasCore) {
    const src = rtlDir();
    for (const f of [...RTL_FILES, CELL_MODELS_FILE]) put(`rtl/${f}`, readFileSync(join(src, f)));
    put(TOP_FILE, topSource(layers, aq.units, ctx.banner));
    put(TESTBENCH_FILE, testbenchSource(layers, aq.units, ctx.banner));
    put("Makefile", makefileSource(ctx.banner, layers));
  }
  const consts = new Map(graph.consts().map((c) => [c.name, c]));
  for (const l of layers) {
    if (l.kind === "hardwired") put(hardwiredFile(l), hardwiredSource(l, generatedLine(ctx.banner)));
    else put(weightFile(l), weightHex(l, ctx.loadConst(consts.get(l.weight)!)));
    if (perRowRequant(l)) put(requantFile(l), requantHex(l));
  }

  const report = verilogReport(layers, aq.nodes, o);
  put(REPORT_FILE, `${JSON.stringify(report, null, 2)}\n`);
  const facts: LayerFacts[] = layers.map((l) => ({
    result: l.result,
    ...(l.requant ? { requant: l.requant.result, fracBits: l.requant.fracBits } : {}),
    kind: l.kind,
    k: l.k,
    n: l.n,
    rows: l.fold.rows,
    lanes: l.fold.lanes,
    cyclesPerToken: l.cyclesPerToken,
  }));
  const actQuants: ActQuantFacts[] = aq.nodes.map(({ unit: _unit, ...facts }) => facts);
  let hostFacts: Record<string, string>;
  if (o.host === "c") {
    mkdirSync(join(dir, HOST_PROGRAM_DIR));
    const written = host.emit(graph, join(dir, HOST_PROGRAM_DIR), ctx, coreHostClient(facts, actQuants, ctx.banner));
    files.push(...written.map((f) => `${HOST_PROGRAM_DIR}/${f}`));
    hostFacts = { kind: "c", program: HOST_PROGRAM_DIR };
  } else {
    // The host's graph: every constant moves into weights.bin; the text names it by offset.
    const plan = new BlobPlan();
    for (const c of graph.consts()) plan.add(c.name, "raw", storageBytes(c.type.dtype, elementCount(c.type.shape as number[])), () => tensorToBytes(ctx.loadConst(c)));
    writeBlob(join(dir, HOST_WEIGHTS_FILE), plan);
    files.push(HOST_WEIGHTS_FILE);
    put(HOST_GRAPH_FILE, `${generatedLine(ctx.banner)}\n${printGraph(graph, { blobOf: (c) => ({ path: HOST_WEIGHTS_FILE, offset: plan.get(c.name)!.offset }) })}`);
    hostFacts = { kind: "interpreter", graph: HOST_GRAPH_FILE, weights: HOST_WEIGHTS_FILE };
  }
  const kernels: Record<string, string> = {};
  for (const a of aq.nodes) kernels[a.result] = `rtl act_quant (unit ${a.unit})`;
  for (const l of layers) {
    kernels[l.result] = l.kind === "hardwired" ? "rtl hardwired" : `rtl ${l.fold.rows}x${l.fold.lanes}`;
    if (l.requant) kernels[l.requant.result] = "rtl requant";
  }
  const model = report.model as Record<string, number>;
  return {
    files,
    manifest: { top: "ternc_top", rtl: hasCore ? rtlSources(layers) : [], testbench: TESTBENCH_FILE, host: hostFacts, report: REPORT_FILE, layers: facts, actQuants, kernels },
    summary: !hasCore ? ["no ternary products or activation quantizers: no RTL; the host runs every op"] : [
      `${layers.length} ternary products and ${aq.nodes.length} activation quantizers in RTL; ${model.cyclesPerToken} cycles per token (cycle model): ${model.tokensPerSecondOnChip!.toFixed(1)} tokens/s at ${o.clockMhz} MHz with the weights on chip, ${model.tokensPerSecondStreamed!.toFixed(1)} streamed at ${o.memGbps} GB/s (${REPORT_FILE})`,
      "simulate: make -C {out} iverilog (or verilator); run: ternc run {out} --backend verilog --tokens 1,2,3",
    ],
    kernels,
  };
}
