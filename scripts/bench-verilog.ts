// `npm run bench:verilog`: the Verilog backend's hardware figures. Synthesis with yosys (synth_xilinx, xc7) of the
// ternary lane at N = 256 inputs (8-bit activations), of a whole matrix-vector unit, of the requant stage and of the
// activation quantizer: LUTs per lane, carry chains, flip-flops, DSPs. Then the example model compiled and simulated (verilator): cycles per token
// against the cycle model, and report.json's projections for it and for the bitnet-b1.58-2B-4T shape.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { accumulatorBits } from "../backends/verilog/fold.js";
import { RTL_FILES } from "../backends/verilog/rtl.js";
import { DEFAULT_QUANT_LANES } from "../backends/verilog/actQuant.js";
import { type CellCounts, parseYosysStat } from "../backends/verilog/synth.js";
import { type ConstDecl, constTensor, loadTir, type Tensor } from "../ir/index.js";
import { resolveOptions } from "../backends/common/index.js";
import { compileModel, emitToFolder } from "../src/targets/compile.js";
import { lowerForTarget } from "../src/targets/lower.js";
import { Rng } from "../src/util/random.js";
import { getTarget } from "../src/targets/registry.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const RTL = join(ROOT, "backends/verilog/rtl");
const LANES = 256;

function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return (r.stdout || r.stderr || "missing").trim().split("\n")[0]!;
}

/** Cell counts of `top` (with `params`, when given) from `files` after yosys' synth_xilinx for the 7 series. */
function synthesize(top: string, params: string, work: string, files = RTL_FILES.map((f) => join(RTL, f))): CellCounts {
  const stat = join(work, `${top}.stat`);
  const script = `read_verilog -sv ${files.join(" ")}; ${params ? `chparam ${params} ${top}; ` : ""}synth_xilinx -top ${top} -family xc7; tee -q -o ${stat} stat`;
  const r = spawnSync("yosys", ["-q", "-p", script], { cwd: work, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`yosys failed on ${top}: ${r.stderr}`);
  return parseYosysStat(readFileSync(stat, "utf8")).total;
}

const work = mkdtempSync(join(tmpdir(), "ternc-bench-verilog-"));
try {
  const date = new Date().toISOString().slice(0, 10);
  const tools = [version("yosys", ["-V"]), version("iverilog", ["-V"]), version("verilator", ["--version"])].join("; ");
  const rows: string[] = [];
  const target = getTarget("verilog");
  const row = (name: string, c: CellCounts, lanes: number, note: string): void => {
    rows.push(`| ${name} | ${c.luts} | ${lanes ? (c.luts / lanes).toFixed(1) : "-"} | ${c.carry4} | ${c.sliceMuxes} | ${c.flipFlops} | ${c.bram36} / ${c.bram18} | ${c.dsp48} | ${note} |`);
  };
  const synthesizeFiles = (name: string, files: string[], cwd: string, lanes: number, note: string): void => {
    const t0 = performance.now();
    row(name, synthesize("ternc_top", "", cwd, files), lanes, note);
    console.error(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  const unit = (name: string, top: string, params: string, lanes: number, note: string): void => {
    const t0 = performance.now();
    const c = synthesize(top, params, work);
    row(name, c, lanes, note);
    console.error(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  unit(`ternc_lane, S = ${LANES}`, "ternc_lane", `-set S ${LANES} -set OUT_W ${accumulatorBits(LANES)}`, LANES, "leaves of two weights (a LUT6 a bit for the sum's propagate, a LUT6_2 for two bits' generate) on carry chains, then three-input adders at one LUT6_2 a bit; combinational");
  // Random codes (00, 01, 11) for the unit's weight memory: 64 row folds x 4 input folds of 4 x 64 two-bit codes.
  const rng = new Rng(1);
  const word = (): string => Array.from({ length: 128 }, () => rng.pick(["0", "1", "3", "4", "5", "7", "c", "d", "f"])).join("");
  writeFileSync(join(work, "w.hex"), `${Array.from({ length: 64 * 4 }, word).join("\n")}\n`);
  unit("ternc_mvu 256 x 256, P = 4, S = 64", "ternc_mvu", `-set K 256 -set N 256 -set P 4 -set S 64 -set ACC_W ${accumulatorBits(256)} -set WFILE "w.hex"`, 256, "four lanes, weight memory, activation buffer, accumulators, control");
  // One 64 x 64 layer (a third of the weights 0), as a streaming unit and hardwired: the whole generated top of each.
  const layerDir = join(work, "layer");
  const k = 64;
  const trits = Array.from({ length: k }, () => JSON.stringify(Array.from({ length: k }, () => rng.pick(["+", "-", "0"])).join("")));
  const tir = join(work, "layer.tir");
  writeFileSync(tir, `graph @layer {\n  input %x : i8[T, ${k}]\n  const %w : ternary[${k}, ${k}] = trits<${trits.join(", ")}>\n  %acc = ternary_matmul(%x, %w)\n  output %acc\n}\n`);
  const forms = [
    ["folded", {}],
    ["folded, weights streamed", { weights: "stream" }],
    ["hardwired", { hardwireBelow: k * k + 1 }],
  ] as const;
  for (const [name, options] of forms) {
    const out = join(layerDir, name.replace(/\W+/g, "-"));
    // A plain graph (not a model): lowered and emitted as validate does with one.
    const graph = loadTir(readFileSync(tir, "utf8"), tir);
    const loadConst = (c: ConstDecl): Tensor => constTensor(c, undefined);
    const resolved = resolveOptions(target, options);
    const lowered = lowerForTarget(graph, target, resolved, loadConst);
    emitToFolder(graph, out, { target, options: resolved, loadConst, lowered, source: tir, sourceHash: "-", defaultContext: 1 });
    const rtl = readFileSync(join(out, "Makefile"), "utf8").match(/^RTL = (.*)$/m)![1]!.split(" ").map((f) => join(out, f));
    const layer = JSON.parse(readFileSync(join(out, "report.json"), "utf8")).layers[0];
    const how = name === "hardwired" ? `${layer.adders} adders (shared sums once), ${layer.depth} levels` : `${layer.rows} x ${layer.lanes} folding, weights ${layer.weights === "stream" ? "through the w port" : "in memory"}`;
    synthesizeFiles(`${k} x ${k} layer, ${name} (ternc_top)`, rtl, out, k * k, `${how}; ${layer.cyclesPerToken} cycles a token`);
  }
  unit("ternc_requant", "ternc_requant", `-set ACC_W ${accumulatorBits(256)} -set Q_W ${accumulatorBits(256) + 17}`, 0, "outside the ternary datapath: one multiplier");
  unit(
    `ternc_act_quant, k <= 2560, B = 24, L = ${DEFAULT_QUANT_LANES}`,
    "ternc_act_quant",
    `-set KMAX 2560 -set B 24 -set L ${DEFAULT_QUANT_LANES}`,
    0,
    `act_quant_fixed: absmax over ${DEFAULT_QUANT_LANES} mantissas a beat, an 18-step division a token, ${DEFAULT_QUANT_LANES} codes a beat (a multiplier by the reciprocal each); the mantissa buffer in block RAM`,
  );

  // The example model: compiled, built for verilator, four prompt tokens and eight decode steps simulated.
  const example = join(ROOT, "examples/tiny-bitnet.gguf");
  const out = join(work, "tiny");
  const compiled = compileModel(example, out, { target: "verilog", options: { simulator: "verilator" } });
  target.build!(out, compiled.options, "release");
  const prompt = [4, 8, 15, 16];
  const run = await target.runModel(out, { tokens: prompt, maxTokens: 9 }, compiled.options);
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  const tokens = prompt.length + run.generated.length - 1;
  const simulated = Number(run.facts.simulatedCycles) / tokens;
  const m = report.model;
  const b = report["bitnet-b1.58-2B-4T"];
  const folds = [...new Set(report.layers.map((l: { rows: number; lanes: number }) => `${l.rows}x${l.lanes}`))].join(", ");

  console.log(
    [
      `Verilog backend, ${date}; ${tools}; synthesis: yosys synth_xilinx -family xc7 (LUTs counted as LUT1-LUT6 and LUT6_2; MUXF7/F8 are slice muxes, not LUTs)`,
      "",
      "| unit | LUTs | LUTs per lane (per weight for a layer) | CARRY4 | MUXF7/8 | FFs | BRAM36 / 18 | DSP48 | what it is |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
      ...rows,
      "",
      `Example model (${report.layers.length} ternary products, folding P x S: ${folds}; ${report.activationQuantizers.length} activation quantizations), simulated in verilator; projections at ${report.clockMhz} MHz and ${report.memGbps} GB/s (report.json):`,
      "",
      "| model | cycles per token, simulated | cycle model | of which activation quantization | weights per token | weight bytes per token | tokens/s, weights on chip | tokens/s, weights streamed | share of the memory bound |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
      `| examples/tiny-bitnet.gguf | ${simulated.toFixed(0)} | ${m.cyclesPerToken} | ${m.activationQuantCyclesPerToken} | ${m.weightsPerToken} | ${m.weightBytesPerToken} | ${m.tokensPerSecondOnChip.toFixed(0)} | ${m.tokensPerSecondStreamed.toFixed(0)} | ${(m.shareOfMemoryBound * 100).toFixed(0)}% |`,
      `| bitnet-b1.58-2B-4T shape, ${b.weightsPerCycle} weights a cycle | - | ${b.cyclesPerToken} | ${b.activationQuantCyclesPerToken} | ${b.weightsPerToken} | ${b.weightBytesPerToken} | ${b.tokensPerSecondOnChip.toFixed(1)} | ${b.tokensPerSecondStreamed.toFixed(1)} | ${(b.shareOfMemoryBound * 100).toFixed(0)}% |`,
    ].join("\n"),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
