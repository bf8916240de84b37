// The generated core on its own: products and fixed-point dequants in plain graphs (per-row scales read from a
// table, shifts left and right, activations at -128 and 127), a product whose weights are tampered with after
// compiling (the run must differ: the RTL, not the interpreter, computes it), and yosys' view of the datapath.
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ConstDecl, constTensor, interpret, loadTir, type Tensor, tensorFromValues } from "../../../ir/index.js";
import { parseYosysStat } from "../../../backends/verilog/synth.js";
import { CELL_MODELS_FILE, RTL_FILES } from "../../../backends/verilog/rtl.js";
import { Rng } from "../../../src/util/random.js";
import { ROOT } from "../../helpers/cli.js";
import { getTarget } from "../../../src/targets/registry.js";
import { checkOps, describeOp, validateGraph } from "../../../src/targets/validate.js";

const loadConst = (d: ConstDecl) => constTensor(d, undefined);
/** The lane in both its forms, with the models of the cells its synthesis form instantiates. */
const LANE_FILES = [...RTL_FILES.filter((f) => f.startsWith("ternc_lane")), CELL_MODELS_FILE];
const work = mkdtempSync(join(tmpdir(), "ternc-verilog-core-"));

/** A product of k inputs and n outputs and its dequant with per-row multipliers and shifts (d = shift - 16 from -3 to 20). */
function productGraph(rng: Rng, k: number, n: number, perRow: boolean, extraOutput = false): string {
  const rows = Array.from({ length: n }, () => Array.from({ length: k }, () => rng.pick(["+", "-", "0"])).join(""));
  const mult = Array.from({ length: perRow ? n : 1 }, () => rng.int(1, (1 << 15) - 1));
  const shift = Array.from({ length: perRow ? n : 1 }, () => rng.int(13, 36));
  const scale = perRow ? `[${n}]` : "[]";
  return `graph @g {
  input %x : i8[T, ${k}]
  input %xs : f32[T]
  const %w : ternary[${n}, ${k}] = trits<${rows.map((r) => JSON.stringify(r)).join(", ")}>
  const %mult : i32${scale} = dense<${perRow ? `[${mult.join(", ")}]` : mult[0]}>
  const %shift : i32${scale} = dense<${perRow ? `[${shift.join(", ")}]` : shift[0]}>
  %acc = ternary_matmul_packed(%x, %w) {format = "i2"}
  %y = dequant_fixed(%acc, %mult, %shift, %xs)
  output %y${extraOutput ? ", %acc" : ""}
}`;
}

function inputs(rng: Rng, t: number, k: number): Record<string, Tensor> {
  // The extremes in every row: -(-128) must not overflow a lane.
  const x = Array.from({ length: t * k }, (_, i) => (i % k === 0 ? -128 : i % k === 1 ? 127 : rng.int(-128, 127)));
  return { x: tensorFromValues("i8", [t, k], x), xs: tensorFromValues("f32", [t], Array.from({ length: t }, () => 0.01 + rng.next())) };
}

describe("the Verilog core in plain graphs", () => {
  it.each([
    ["per-row scales from a table, odd shape 37 x 11, the cost model's folding", 37, 11, true, {}],
    ["one scale, 3 rows x 5 lanes (nothing divides)", 37, 11, false, { rows: 3, lanes: 5 }],
    ["per-row scales, one row and one lane a cycle", 9, 4, true, { rows: 1, lanes: 1 }],
    ["a long row (k = 700: 18-bit accumulators), 2 rows x 64 lanes", 700, 5, true, { rows: 2, lanes: 64 }],
    // The top's row counter must hold the step of a layer's single fold (4 rows, not 0..3): Verilator's lint caught it.
    ["one fold of 4 rows for 3 outputs", 12, 3, true, { rows: 4, lanes: 4 }],
  ] as const)("%s", (_, k, n, perRow, options) => {
    const rng = new Rng(k * 31 + n);
    const g = loadTir(productGraph(rng, k, n, perRow));
    const r = validateGraph(g, inputs(rng, 3, k), { target: "verilog", options, loadConst, source: "product.tir" });
    expect(r.firstMismatch).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.kernels).toEqual({ acc: expect.stringMatching(/^rtl /), y: "rtl requant" });
    expect(r.targetChecks).toEqual([expect.objectContaining({ what: "cycles", ok: true })]);
  });

  it.each([
    ["per-row scales", 23, 9, true],
    ["one scale, a single output row", 30, 1, false],
  ] as const)("hardwired (--hardwire-below): the add/sub network as registered adders, %s", (_, k, n, perRow) => {
    const rng = new Rng(k * 7 + n);
    const g = loadTir(productGraph(rng, k, n, perRow).replace('ternary_matmul_packed(%x, %w) {format = "i2"}', "ternary_matmul(%x, %w)"));
    const pipeline = [{ pass: "lower-ternary-matmul", options: { form: "i2", addsubBelow: "100000" } }, { pass: "plan-memory" }];
    const r = validateGraph(g, inputs(rng, 3, k), { target: "verilog", loadConst, source: "hardwired.tir", pipeline });
    expect(r.firstMismatch).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.kernels).toEqual({ acc: "rtl hardwired", y: "rtl requant" });
    expect(r.targetChecks).toEqual([expect.objectContaining({ what: "cycles", ok: true })]);
  });

  it("a scale whose requantized value would not fit 53 bits keeps its dequant on the host", () => {
    const rng = new Rng(9);
    const g = loadTir(productGraph(rng, 700, 3, false).replace(/const %shift : i32\[\] = dense<\d+>/, "const %shift : i32[] = dense<-8>"));
    const r = validateGraph(g, inputs(rng, 2, 700), { target: "verilog", options: { rows: 1, lanes: 64 }, loadConst, source: "wide.tir" });
    expect(r.ok).toBe(true);
    expect(r.kernels).toEqual({ acc: "rtl 1x64" });
  });

  it("a product that is also a graph output keeps its dequant on the host", () => {
    const rng = new Rng(5);
    const g = loadTir(productGraph(rng, 20, 6, true, true));
    const r = validateGraph(g, inputs(rng, 2, 20), { target: "verilog", loadConst, source: "product.tir" });
    expect(r.ok).toBe(true);
    expect(r.kernels).toEqual({ acc: expect.stringMatching(/^rtl /) });
  });

  it("computes the products in the RTL: a flipped weight in the memory file changes the result", () => {
    const rng = new Rng(6);
    const g = loadTir(productGraph(rng, 16, 4, false));
    const given = inputs(rng, 1, 16);
    const keep = join(work, "tamper");
    expect(validateGraph(g, given, { target: "verilog", options: { rows: 1, lanes: 16 }, loadConst, source: "product.tir", keepDir: keep }).ok).toBe(true);
    const out = join(keep, "graph");
    const hex = join(out, "mem/l0_w.hex");
    const words = readFileSync(hex, "utf8").split("\n");
    // Row 0, lane 0: its sign bit flipped (0 <-> -1, +1 <-> -1; the lane reads 10 as -1).
    words[0] = (BigInt(`0x${words[0]}`) ^ 2n).toString(16).padStart(words[0]!.length, "0");
    writeFileSync(hex, words.join("\n"));
    const target = getTarget("verilog");
    const run = target.runGraph(out, { inputs: given, trace: true }, { simulator: "iverilog" });
    const want = interpret(g, given);
    const got = run.outputs.y!.data as Float32Array;
    const ref = want.y!.data as Float32Array;
    expect(got[0]).not.toBe(ref[0]);
    expect(Array.from(got.subarray(1))).toEqual(Array.from(ref.subarray(1)));
    // Validation names the product, and the token and output row where it first differs.
    const checks = checkOps(g, run.trace!, target.tolerance.op, (name) => given[name] ?? loadConst(g.definition(name)!.entity as ConstDecl));
    const bad = checks.find((c) => !c.ok)!;
    expect(describeOp(g, bad, target.tolerance.op, true)).toMatch(/^%acc = ternary_matmul_packed\(\.\.\.\) at step 0 \(prefill\).*: differs .*first at \[0, 0\] \(token 0, output 0\): -?\d+, the interpreter -?\d+$/);
  });
});

describe("the C host program and the simulator", () => {
  it("a simulator that stops while serving the host fails the run naming the op, with what the simulator said", () => {
    const rng = new Rng(13);
    const g = loadTir(productGraph(rng, 12, 3, false));
    const given = inputs(rng, 2, 12);
    const keep = join(work, "host-stop");
    expect(validateGraph(g, given, { target: "verilog", options: { simulator: "iverilog" }, loadConst, source: "product.tir", keepDir: keep }).ok).toBe(true);
    const out = join(keep, "graph");
    const target = getTarget("verilog");
    expect(Array.from(target.runGraph(out, { inputs: given }, { simulator: "iverilog" }).outputs.y!.data as Float32Array)).toEqual(Array.from(interpret(g, given).y!.data as Float32Array));
    // The testbench now refuses every command, and ends.
    const tb = join(out, "tb/tb_ternc.sv");
    const source = readFileSync(tb, "utf8");
    const refusal = /if \(r != 1 \|\| \^layer === 1'bx \|\| layer < 0 \|\| layer >= \d+\) begin/;
    expect(source).toMatch(refusal);
    writeFileSync(tb, source.replace(refusal, "if (r != 1 || ^layer === 1'bx || layer >= 0) begin"));
    expect(spawnSync("make", ["-s", "-C", out, "iverilog"], { encoding: "utf8" }).status).toBe(0);
    expect(() => target.runGraph(out, { inputs: given }, { simulator: "iverilog" })).toThrow(
      /the iverilog simulation ended under the C host \(.*%acc \(ternary_matmul_packed\): the op hook failed: the simulator stopped while computing[^)]*\):\n.*tb_ternc: command 0 is not one of the core's commands/s,
    );
  });
});

describe("weights streamed through the top's ready/valid port (--weights stream)", () => {
  it("computes what the memory form computes, in the cycles of the model, and waits for a stalling stream", { timeout: 120_000 }, () => {
    const rng = new Rng(12);
    const g = loadTir(productGraph(rng, 37, 11, true));
    const given = inputs(rng, 3, 37);
    const keep = join(work, "stream");
    const result = validateGraph(g, given, { target: "verilog", options: { rows: 2, lanes: 8, weights: "stream" }, loadConst, source: "product.tir", keepDir: keep });
    // Bit-exact against the interpreter, and the cycles equal the model's (the check build also lints the top).
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const out = join(keep, "graph");
    const top = readFileSync(join(out, "rtl/ternc_top.sv"), "utf8");
    expect(top).toMatch(/input {2}logic \[31:0\] w_data,/);
    expect(top).toContain(".STREAM(1'b1)");
    expect(top).not.toContain("WFILE");
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    // 6 row folds x 5 input folds of 2 x 8 two-bit codes.
    expect(report.layers[0]).toMatchObject({ weights: "stream", weightMemoryBits: 0, weightStreamBitsPerToken: 6 * 5 * 32 });
    // The same product with +stall: the stream offers nothing in about a quarter of the cycles; the results stay.
    const x = Array.from({ length: 5 }, () => Array.from({ length: 16 }, () => rng.pick([..."0123456789abcdef"])).join(""));
    const cmd = join(out, "stall.cmd");
    writeFileSync(cmd, `0\n${x.join("\n")}\n0\n${x.join("\n")}\n-1\n`);
    const run = (extra: string[]): string[] => {
      const res = join(out, "stall.out");
      const r = spawnSync("vvp", ["-n", "sim/ternc.vvp", `+cmd=${cmd}`, `+out=${res}`, ...extra], { encoding: "utf8", timeout: 20_000, cwd: out });
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(res, "utf8").trim().split("\n");
    };
    const steady = run([]);
    const stalled = run(["+stall"]);
    const results = (lines: string[]) => lines.filter((l) => !l.startsWith("c "));
    const cycles = (lines: string[]) => lines.filter((l) => l.startsWith("c ")).map((l) => Number(l.slice(2)));
    expect(results(steady)).toHaveLength(2 * 11);
    expect(results(stalled)).toEqual(results(steady));
    // Both tokens streamed the whole matrix again; a stalled stream takes longer.
    expect(cycles(steady)[0]).toBe(cycles(steady)[1]);
    for (const [i, c] of cycles(stalled).entries()) expect(c).toBeGreaterThan(cycles(steady)[i]!);
  });

  it("builds and runs in verilator too (its testbench compiles with the stream's plusarg)", { timeout: 180_000 }, () => {
    const rng = new Rng(13);
    const g = loadTir(productGraph(rng, 37, 11, true));
    const result = validateGraph(g, inputs(rng, 2, 37), { target: "verilog", options: { rows: 2, lanes: 8, weights: "stream", simulator: "verilator" }, loadConst, source: "product.tir" });
    expect(result.ok, JSON.stringify(result)).toBe(true);
  });
});

describe("the testbench's command file", () => {
  it("refuses a command the core does not have, missing or non-hex input words and a non-number, saying which", { timeout: 120_000 }, () => {
    const rng = new Rng(8);
    const g = loadTir(productGraph(rng, 16, 4, false));
    const keep = join(work, "hostile");
    expect(validateGraph(g, inputs(rng, 1, 16), { target: "verilog", options: { rows: 1, lanes: 8 }, loadConst, source: "product.tir", keepDir: keep }).ok).toBe(true);
    const out = join(keep, "graph");
    const sim = (name: string, commands: string): { stdout: string; results: string } => {
      const cmd = join(work, `${name}.cmd`);
      const res = join(work, `${name}.out`);
      writeFileSync(cmd, commands);
      // The weight memories are read relative to the build folder.
      const r = spawnSync("vvp", ["-n", "sim/ternc.vvp", `+cmd=${cmd}`, `+out=${res}`], { encoding: "utf8", timeout: 20_000, cwd: out });
      expect(r.status, r.stderr).toBe(0);
      return { stdout: r.stdout, results: readFileSync(res, "utf8") };
    };
    // Command 0 (the product) takes kf = 2 words of 8 lanes; one good command first, so its result is kept.
    const word = "0".repeat(16);
    expect(sim("good", `0 ${word} ${word}\n`).results).toMatch(/^(-?\d+ -?\d+\n){4}c \d+\n$/);
    const cases: Array<[string, string, string]> = [
      ["unknown", `0 ${word} ${word}\n7 ${word}\n`, "tb_ternc: command 7 is not one of the core's commands (0 to 0)"],
      ["short", `0 ${word}\n`, "tb_ternc: command 0: input word 1 of 2 is missing or not hex"],
      ["not-hex", `0 ${word} qq\n`, "tb_ternc: command 0: input word 1 of 2 is missing or not hex"],
      ["high-impedance", `0 ${word} ${"z".repeat(16)}\n`, "tb_ternc: command 0: input word 1 of 2 is missing or not hex"],
      ["not-a-number", "q\n", "tb_ternc: expected a command number"],
      // %d reads x as a value: it once selected no command and waited forever.
      ["unknown-value", "x\n", "tb_ternc: expected a command number"],
    ];
    // -1, the protocol's end, ends quietly after the results.
    const end = sim("end", `0 ${word} ${word}\n-1\n`);
    expect(end.stdout).not.toContain("tb_ternc:");
    expect(end.results.match(/^c /gm)?.length).toBe(1);
    for (const [name, commands, message] of cases) {
      const r = sim(name, commands);
      expect(r.stdout, name).toContain(message);
      // Only the good commands before the bad one have results.
      expect(r.results.match(/^c /gm)?.length ?? 0, name).toBe(name === "unknown" ? 1 : 0);
    }
  });
});

describe("the activation quantizer in the RTL", () => {
  const graph = `graph @g {
  input %x : f32[T, 40]
  %xq, %xs = act_quant_fixed(%x)
  output %xq, %xs
}`;

  it.each([
    [1, 24],
    [3, 24],
    [8, 24],
    [64, 24],
    [3, 13],
    [8, 10],
  ])("takes %i mantissas of %i bits a beat: codes and absmax bit-exact, cycles as modelled", (lanes, bits) => {
    const rng = new Rng(20 + lanes + bits);
    // 40 a token: a partial last beat for 3 (and 64, which the unit narrows to 40); 13 and 10 bits do not fill hex
    // digits, so the lanes of a word are not digit-aligned.
    const g = loadTir(graph.replace("act_quant_fixed(%x)", `act_quant_fixed(%x) {bits = ${bits}}`));
    // Row 0 has its absmax in the last mantissa (the padded beat); row 1 below the floor.
    const x = Array.from({ length: 120 }, (_, i) => (i < 40 ? (i === 39 ? -50 : rng.normal()) : i < 80 ? rng.normal() * 1e-7 : rng.normal() * 3));
    const given = { x: tensorFromValues("f32", [3, 40], x) };
    const keep = join(work, `quant-lanes-${lanes}-${bits}`);
    const r = validateGraph(g, given, { target: "verilog", options: { quantLanes: lanes }, loadConst, source: "quant.tir", keepDir: keep });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const report = JSON.parse(readFileSync(join(keep, "graph/report.json"), "utf8"));
    const width = Math.min(lanes, 40);
    const beats = Math.ceil(40 / width);
    expect(report.activationQuantizers[0]).toMatchObject({ lanes: width, mantissaBits: bits, cyclesPerToken: 1 + 1 + beats + 18 + beats + 3 });
  });

  it("quantizes in the RTL: a wrong numerator in ternc_act_quant's division changes the codes", () => {
    const rng = new Rng(8);
    const g = loadTir(graph);
    const given = { x: tensorFromValues("f32", [2, 40], Array.from({ length: 80 }, () => rng.normal() * 3)) };
    const keep = join(work, "tamper-quant");
    const r = validateGraph(g, given, { target: "verilog", loadConst, source: "quant.tir", keepDir: keep });
    expect(r.ok).toBe(true);
    expect(r.kernels).toEqual({ xq: "rtl act_quant (unit 0)" });
    const out = join(keep, "graph");
    const rtl = join(out, "rtl/ternc_act_quant.sv");
    const source = readFileSync(rtl, "utf8");
    expect(source).toContain("B'(127) << (B - 9)");
    writeFileSync(rtl, source.replace("B'(127) << (B - 9)", "B'(126) << (B - 9)"));
    expect(spawnSync("make", ["-s", "-C", out, "iverilog"], { encoding: "utf8" }).status).toBe(0);
    const run = getTarget("verilog").runGraph(out, { inputs: given }, { simulator: "iverilog" });
    const want = interpret(g, given).xq!.data as Int8Array;
    const got = run.outputs.xq!.data as Int8Array;
    // r shrinks by 1/127: the largest codes move by one.
    expect(Array.from(got)).not.toEqual(Array.from(want));
    expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i]!)))).toBe(1);
  });
});

describe("synthesis (yosys, xc7)", () => {
  it("leaves no multiplier, macc or DSP in the ternary datapath; the requant stage has its one multiplier", () => {
    const rng = new Rng(7);
    const g = loadTir(productGraph(rng, 37, 11, false));
    const keep = join(work, "synth");
    expect(validateGraph(g, inputs(rng, 1, 37), { target: "verilog", options: { rows: 2, lanes: 8 }, loadConst, source: "product.tir", keepDir: keep }).ok).toBe(true);
    const out = join(keep, "graph");
    const stat = (top: string, params: string): string => {
      const script = `read_verilog -sv ${RTL_FILES.map((f) => `rtl/${f}`).join(" ")}; chparam ${params} ${top}; synth_xilinx -top ${top} -family xc7; stat`;
      const r = spawnSync("yosys", ["-q", "-p", `${script}; tee -o stat.txt stat`], { cwd: out, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(join(out, "stat.txt"), "utf8");
    };
    const lane = stat("ternc_lane", "-set S 16 -set OUT_W 14");
    // The synthesis form's cells placed by hand: 8.9 LUTs a lane at S = 16 (yosys' own mapping of the adder tree took
    // 14.5, of the loop form ~32); the issue's bound is 10. synth_xilinx keeps the instances as they are.
    expect(parseYosysStat(lane).total.luts / 16).toBeLessThanOrEqual(10);
    expect(lane).toMatch(/LUT6_2/);
    expect(lane).toMatch(/CARRY4/);
    const mvu = stat("ternc_mvu", '-set K 37 -set N 11 -set P 2 -set S 8 -set ACC_W 14 -set WFILE "mem/l0_w.hex"');
    expect(mvu).not.toMatch(/DSP48|\$mul|\$macc/);
    expect(mvu).toMatch(/LUT\d/);
    const requant = stat("ternc_requant", "-set ACC_W 14 -set Q_W 40");
    expect(requant).toMatch(/DSP48E1/);
    // The activation quantizer: one multiplier a lane (mantissa x reciprocal) in one DSP48 each, the division in LUTs.
    expect(parseYosysStat(stat("ternc_act_quant", "-set KMAX 256 -set B 24")).total.dsp48).toBe(1);
    expect(parseYosysStat(stat("ternc_act_quant", "-set KMAX 256 -set B 24 -set L 4")).total.dsp48).toBe(4);
  });

  it("--synth writes synthesis.json: per module and in total, LUTs, FFs, carry chains, DSPs, BRAMs", () => {
    const rng = new Rng(10);
    const g = loadTir(productGraph(rng, 37, 11, true));
    const keep = join(work, "synth-report");
    expect(validateGraph(g, inputs(rng, 1, 37), { target: "verilog", options: { rows: 2, lanes: 8, synth: true }, loadConst, source: "product.tir", keepDir: keep }).ok).toBe(true);
    const report = JSON.parse(readFileSync(join(keep, "graph/synthesis.json"), "utf8"));
    const byName = (name: string) => report.modules.filter((m: { module: string }) => m.module === name);
    for (const m of [...byName("ternc_mvu"), ...byName("ternc_lane_leaf"), ...byName("ternc_lane_add3"), ...byName("ternc_lane_carry")]) expect(m.cells.dsp48).toBe(0);
    expect(byName("ternc_mvu").map((m: { instances: number }) => m.instances)).toEqual([1]);
    // Two rows a cycle: two requant units, two lanes of 8 (4 leaf pairs each).
    expect(byName("ternc_requant").map((m: { instances: number }) => m.instances)).toEqual([2]);
    expect(byName("ternc_lane_leaf").map((m: { instances: number }) => m.instances)).toEqual([8]);
    expect(report.total.luts).toBeGreaterThan(0);
    const dsp = report.modules.reduce((s: number, m: { instances: number; cells: { dsp48: number } }) => s + m.instances * m.cells.dsp48, 0);
    expect(report.total.dsp48).toBe(dsp);
    expect(dsp).toBe(2 * byName("ternc_requant")[0].cells.dsp48);
  });

  it.each([3, 4])("proves the lane's synthesis form equal to its simulation form (SAT over every input), S = %i", (lanes) => {
    const dir = mkdtempSync(join(work, "equiv-"));
    const wrapper = (name: string): string =>
      `module ${name} (input logic [${2 * lanes - 1}:0] w, input logic [${8 * lanes - 1}:0] x, output logic signed [11:0] sum);\n  ternc_lane #(.S(${lanes}), .OUT_W(12)) u (.w(w), .x(x), .sum(sum));\nendmodule\n`;
    writeFileSync(join(dir, "gold.sv"), wrapper("gold"));
    writeFileSync(join(dir, "gate.sv"), wrapper("gate"));
    const rtl = join(ROOT, "backends/verilog/rtl");
    const script = [
      `read_verilog -sv -nosynthesis ${rtl}/ternc_lane.sv gold.sv; hierarchy -top gold; proc; flatten; design -stash gold`,
      `read_verilog -sv ${LANE_FILES.map((f) => `${rtl}/${f}`).join(" ")} gate.sv; hierarchy -top gate; proc; flatten; design -stash gate`,
      "design -copy-from gold -as gold gold; design -copy-from gate -as gate gate",
      "miter -equiv -flatten -make_assert gold gate miter; hierarchy -top miter; sat -verify -prove-asserts miter",
    ].join("; ");
    const r = spawnSync("yosys", ["-q", "-p", script], { cwd: dir, encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("simulates the lane's two forms side by side on every tree shape up to S = 256: extremes and random words", () => {
    // SAT proves small lanes; the tree's shape (levels of three, a node of two or one at the end of a level, where
    // the last leaf's +1 goes) changes with S, so every shape up to 256 runs in simulation, in one iverilog build.
    const dir = mkdtempSync(join(work, "shapes-"));
    const lane = readFileSync(join(ROOT, "backends/verilog/rtl/ternc_lane.sv"), "utf8");
    const [a, b, c] = ["`ifdef SYNTHESIS", "`else", "`endif"].map((m) => lane.indexOf(m)) as [number, number, number];
    writeFileSync(join(dir, "gold.sv"), (lane.slice(0, a) + lane.slice(b + 5, c) + lane.slice(c + 6)).replace("module ternc_lane", "module gold"));
    writeFileSync(join(dir, "gate.sv"), (lane.slice(0, a) + lane.slice(a + 16, b) + lane.slice(c + 6)).replace("module ternc_lane", "module gate"));
    const sizes = [...Array.from({ length: 30 }, (_, i) => i + 1), 53, 54, 55, 64, 81, 82, 100, 162, 256];
    writeFileSync(
      join(dir, "tb.sv"),
      `module check #(parameter int S = 1) (output int bad);
  localparam int OW = 9 + $clog2(S) + 1;
  logic [2*S-1:0] w;
  logic [8*S-1:0] x;
  logic signed [OW-1:0] want, got;
  gold #(.S(S)) u_gold (.w(w), .x(x), .sum(want));
  gate #(.S(S)) u_gate (.w(w), .x(x), .sum(got));
  initial begin
    bad = 0;
    for (int n = 0; n < 24; n++) begin
      // Rounds 0-3: every activation -128 or 127 with every weight -1 or +1 (the largest sums); then random codes,
      // the unused 10 among them (read as -1 by both forms).
      for (int i = 0; i < S; i++) begin
        x[8*i +: 8] = n < 2 ? 8'h80 : n < 4 ? 8'h7f : 8'($urandom);
        w[2*i +: 2] = n < 4 ? (n % 2 == 0 ? 2'b11 : 2'b01) : 2'($urandom);
      end
      #1;
      if (got !== want) begin
        if (bad == 0) $display("S=%0d: %0d, want %0d", S, got, want);
        bad = bad + 1;
      end
    end
  end
endmodule
module tb;
${sizes.map((n) => `  int bad${n};\n  check #(.S(${n})) u${n} (.bad(bad${n}));`).join("\n")}
  initial begin
    #1000;
    $display("mismatches %0d", ${sizes.map((n) => `bad${n}`).join(" + ")});
    $finish;
  end
endmodule
`,
    );
    const rtl = join(ROOT, "backends/verilog/rtl");
    const files = LANE_FILES.filter((f) => f !== "ternc_lane.sv").map((f) => join(rtl, f));
    const build = spawnSync("iverilog", ["-g2012", "-o", "tb.vvp", "-s", "tb", "tb.sv", "gold.sv", "gate.sv", ...files], { cwd: dir, encoding: "utf8" });
    expect(build.status, build.stderr).toBe(0);
    const run = spawnSync("vvp", ["-n", "tb.vvp"], { cwd: dir, encoding: "utf8" });
    expect(run.stdout).toContain("mismatches 0");
  }, 120_000);

  it("simulates the synthesized netlist of a small core (yosys' generic cells, simcells.v) bit-exact", () => {
    const rng = new Rng(8);
    const g = loadTir(productGraph(rng, 37, 11, true));
    const given = inputs(rng, 2, 37);
    const keep = join(work, "gates");
    expect(validateGraph(g, given, { target: "verilog", options: { rows: 2, lanes: 8 }, loadConst, source: "product.tir", keepDir: keep }).ok).toBe(true);
    const out = join(keep, "graph");
    const rtl = readFileSync(join(out, "Makefile"), "utf8").match(/^RTL = (.*)$/m)![1]!;
    // Yosys' generic synthesis does not know the Xilinx cells: it maps their models like the rest.
    const synth = spawnSync("yosys", ["-q", "-p", `read_verilog -sv ${rtl} rtl/${CELL_MODELS_FILE}; synth -flatten -top ternc_top; write_verilog -noattr sim/netlist.v`], { cwd: out, encoding: "utf8" });
    expect(synth.status, synth.stderr).toBe(0);
    // Yosys' data folder (yosys-config is in the -dev package): <prefix>/share/yosys beside <prefix>/bin/yosys.
    const yosys = spawnSync("sh", ["-c", "command -v yosys"], { encoding: "utf8" }).stdout.trim();
    const cells = join(dirname(dirname(realpathSync(yosys))), "share/yosys/simcells.v");
    const build = spawnSync("iverilog", ["-g2012", "-o", "sim/ternc.vvp", "-s", "tb_ternc", "tb/tb_ternc.sv", "sim/netlist.v", cells], { cwd: out, encoding: "utf8" });
    expect(build.status, build.stderr).toBe(0);
    const run = getTarget("verilog").runGraph(out, { inputs: given }, { simulator: "iverilog" });
    expect(Array.from(run.outputs.y!.data as Float32Array)).toEqual(Array.from(interpret(g, given).y!.data as Float32Array));
    expect(run.checks).toEqual([expect.objectContaining({ what: "cycles", ok: true })]);
  });
});
